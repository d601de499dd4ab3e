"""The ``kiln-expand-math`` pass: f32 transcendental functions as vectorizable arithmetic."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import arith, math

from ....ir.walk import collect_ops
from ....passes.registry import register_pass

# Polynomial coefficients, lowest degree first. Each set was fitted for this pass by
# iteratively reweighted least squares (Lawson's method, converging on the minimax fit)
# on Chebyshev nodes against 40-digit references, then rounded to f32. The comment on
# each gives the interval and the fit's maximum error before the final f32 roundings.

# e**r = 1 + r + r**2 * P(r) on [-ln2/2, ln2/2]; relative error 1e-9.
EXP_P = (0.5, 0.1666666567325592, 0.04166629537940025, 0.008333496749401093,
         0.0013944651000201702, 0.00019790371879935265)
# log(1 + f) = f - f**2/2 + f**3 * Q(f) on [sqrt(1/2) - 1, sqrt(2) - 1]; relative 3e-9.
LOG_Q = (0.3333331346511841, -0.25000008940696716, 0.2000211924314499,
         -0.16667994856834412, 0.142195463180542, -0.12405598163604736,
         0.11888211965560913, -0.11675615608692169, 0.0674649029970169)
# tanh(x) = x + x**3 * T(x**2) on [0, 0.625]; relative error 9e-9.
TANH_T = (-0.3333328068256378, 0.13331441581249237, -0.05373971909284592,
          0.020639101043343544, -0.0057050003670156)
TANH_SMALL = 0.625
# erf(x) = x * E(x**2) on [0, 1]; relative error 6e-8.
ERF_E = (1.1283791065216064, -0.3761262595653534, 0.11283600330352783,
         -0.02685445360839367, 0.005189549643546343, -0.0008020956884138286,
         7.889478001743555e-05)
# erfc(x) * e**(x**2) = C(x - 2.5) on [1, 4]; absolute error of erfc 4e-9.
ERFC_C = (0.21080760657787323, -0.07434218376874924, 0.024914631620049477,
          -0.008132237009704113, 0.002302509965375066, -0.0006611378048546612,
          0.000543294008821249, 0.0002250491816084832, 0.00010684064909582958)
ERFC_CENTER = 2.5
ERF_SATURATES = 4.0  # erfc(4) = 1.5e-8 is below half an ulp of 1: erf is exactly +-1.

LN2_HI = 0.693359375  # ln 2 = LN2_HI + LN2_LO; LN2_HI has 9 bits, so n * LN2_HI is exact.
LN2_LO = -2.12194440e-4
LOG2E = 1.4426950408889634
ROUNDING_SHIFTER = 12582912.0  # 1.5 * 2**23: adding it rounds to an integer in the low bits.
EXP_HIGHEST = 89.0  # above ln(FLT_MAX) = 88.72: the result overflows to inf
EXP_LOWEST = -110.0  # below ln(smallest denormal / 2) = -103.97: the result is 0
SMALLEST_NORMAL = 1.1754943508222875e-38
SIGN_BIT = -0x80000000


class _Builder:
    """Builds arith/math ops at one insertion point, for f32 or a vector of f32."""

    def __init__(self, float_type: ir.Type, location: ir.Location):
        self.float_type = float_type
        self.loc = location
        if isinstance(float_type, ir.VectorType):
            self.int_type = ir.VectorType.get(float_type.shape, ir.IntegerType.get_signless(32))
        else:
            self.int_type = ir.IntegerType.get_signless(32)
        self._constants: dict[tuple, ir.Value] = {}

    def _constant(self, type_: ir.Type, element: ir.Attribute, key: tuple) -> ir.Value:
        if key not in self._constants:
            attr = ir.DenseElementsAttr.get_splat(type_, element) if isinstance(type_, ir.VectorType) else element
            self._constants[key] = arith.constant(type_, attr, loc=self.loc)
        return self._constants[key]

    def f(self, value: float) -> ir.Value:
        scalar = ir.F32Type.get()
        return self._constant(self.float_type, ir.FloatAttr.get(scalar, value), ("f", repr(value)))

    def i(self, value: int) -> ir.Value:
        scalar = ir.IntegerType.get_signless(32)
        return self._constant(self.int_type, ir.IntegerAttr.get(scalar, value), ("i", value))

    # floating point
    def add(self, a, b):
        return arith.addf(a, b, loc=self.loc)

    def sub(self, a, b):
        return arith.subf(a, b, loc=self.loc)

    def mul(self, a, b):
        return arith.mulf(a, b, loc=self.loc)

    def div(self, a, b):
        return arith.divf(a, b, loc=self.loc)

    def fma(self, a, b, c):
        return math.fma(a, b, c, loc=self.loc)

    def cmp(self, predicate: str, a, b):
        return arith.cmpf(getattr(arith.CmpFPredicate, predicate.upper()), a, b, loc=self.loc)

    def select(self, condition, a, b):
        return arith.select(condition, a, b, loc=self.loc)

    def polynomial(self, x, coefficients) -> ir.Value:
        """Horner's rule with fused multiply-adds."""
        result = self.f(coefficients[-1])
        for c in reversed(coefficients[:-1]):
            result = self.fma(result, x, self.f(c))
        return result

    # bits
    def as_int(self, x):
        return arith.bitcast(self.int_type, x, loc=self.loc)

    def as_float(self, n):
        return arith.bitcast(self.float_type, n, loc=self.loc)

    def iadd(self, a, b):
        return arith.addi(a, b, loc=self.loc)

    def isub(self, a, b):
        return arith.subi(a, b, loc=self.loc)

    def iand(self, a, b):
        return arith.andi(a, b, loc=self.loc)

    def ior(self, a, b):
        return arith.ori(a, b, loc=self.loc)

    def shl(self, a, b):
        return arith.shli(a, b, loc=self.loc)

    def ashr(self, a, b):
        return arith.shrsi(a, b, loc=self.loc)

    def abs(self, x):
        return self.as_float(self.iand(self.as_int(x), self.i(~SIGN_BIT)))

    def with_sign_of(self, magnitude, sign_source):
        """``magnitude`` (sign bit clear) with the sign bit of ``sign_source``."""
        sign = self.iand(self.as_int(sign_source), self.i(SIGN_BIT))
        return self.as_float(self.ior(self.as_int(magnitude), sign))

    def power_of_two(self, n):
        """2**n for integer ``n`` in [-126, 127]."""
        return self.as_float(self.shl(self.iadd(n, self.i(127)), self.i(23)))


def expand_exp(b: _Builder, x: ir.Value) -> ir.Value:
    """e**x = 2**n * e**r with n = round(x / ln 2) and |r| <= ln2 / 2.

    2**n is applied as two factors, so results that overflow become inf and results in
    the denormal range are rounded once. Inputs are clamped first (NaN passes through a
    clamp written as compare-and-select, and propagates through the polynomial).
    """
    x = b.select(b.cmp("ogt", x, b.f(EXP_HIGHEST)), b.f(EXP_HIGHEST), x)
    x = b.select(b.cmp("olt", x, b.f(EXP_LOWEST)), b.f(EXP_LOWEST), x)
    shifted = b.fma(x, b.f(LOG2E), b.f(ROUNDING_SHIFTER))
    n_float = b.sub(shifted, b.f(ROUNDING_SHIFTER))
    n = b.isub(b.as_int(shifted), b.i(0x4B400000))  # the bits of ROUNDING_SHIFTER
    r = b.fma(n_float, b.f(-LN2_HI), x)
    r = b.fma(n_float, b.f(-LN2_LO), r)
    y = b.add(b.fma(b.polynomial(r, EXP_P), b.mul(r, r), r), b.f(1.0))
    half = b.ashr(n, b.i(1))
    return b.mul(b.mul(y, b.power_of_two(half)), b.power_of_two(b.isub(n, half)))


def expand_log(b: _Builder, x: ir.Value) -> ir.Value:
    """log x = e * ln 2 + log(1 + f) where x = 2**e * (1 + f) and 1 + f is in [sqrt(1/2), sqrt(2)).

    Denormals are scaled by 2**23 first. log(0) = -inf, log(inf) = inf, and a negative
    or NaN input gives NaN.
    """
    denormal = b.cmp("olt", x, b.f(SMALLEST_NORMAL))
    scaled = b.select(denormal, b.mul(x, b.f(8388608.0)), x)
    offset = b.isub(b.as_int(scaled), b.i(0x3F3504F3))  # the bits of sqrt(1/2)
    exponent = b.ashr(offset, b.i(23))
    exponent = b.isub(exponent, b.select(denormal, b.i(23), b.i(0)))
    mantissa = b.as_float(b.iadd(b.iand(offset, b.i(0x7FFFFF)), b.i(0x3F3504F3)))
    e = arith.sitofp(b.float_type, exponent, loc=b.loc)
    f = b.sub(mantissa, b.f(1.0))
    f2 = b.mul(f, f)
    y = b.fma(b.mul(f2, f), b.polynomial(f, LOG_Q), b.mul(e, b.f(LN2_LO)))
    y = b.add(b.fma(f2, b.f(-0.5), y), f)
    y = b.fma(e, b.f(LN2_HI), y)
    y = b.select(b.cmp("oeq", x, b.f(float("inf"))), x, y)
    y = b.select(b.cmp("oeq", x, b.f(0.0)), b.f(float("-inf")), y)
    return b.select(b.cmp("ult", x, b.f(0.0)), b.f(float("nan")), y)


def expand_tanh(b: _Builder, x: ir.Value) -> ir.Value:
    """tanh x = x + x**3 * T(x**2) for |x| < 0.625, else sign(x) * (1 - 2 / (e**(2|x|) + 1))."""
    a = b.abs(x)  # computed on |x|, so that tanh(-0) = -0
    z = b.mul(a, a)
    small = b.fma(b.mul(a, z), b.polynomial(z, TANH_T), a)
    e = expand_exp(b, b.add(a, a))
    large = b.sub(b.f(1.0), b.div(b.f(2.0), b.add(e, b.f(1.0))))
    return b.with_sign_of(b.select(b.cmp("olt", a, b.f(TANH_SMALL)), small, large), x)


def expand_erf(b: _Builder, x: ir.Value) -> ir.Value:
    """erf x = x * E(x**2) for |x| < 1, else sign(x) * (1 - e**(-x**2) * C(|x| - 2.5)), saturating at |x| = 4."""
    small = b.mul(x, b.polynomial(b.mul(x, x), ERF_E))
    a = b.abs(x)
    a = b.select(b.cmp("ogt", a, b.f(ERF_SATURATES)), b.f(ERF_SATURATES), a)
    erfc = b.mul(expand_exp(b, arith.negf(b.mul(a, a), loc=b.loc)),
                 b.polynomial(b.sub(a, b.f(ERFC_CENTER)), ERFC_C))
    large = b.with_sign_of(b.sub(b.f(1.0), erfc), x)
    return b.select(b.cmp("olt", a, b.f(1.0)), small, large)


EXPANSIONS = {"math.exp": expand_exp, "math.log": expand_log, "math.tanh": expand_tanh,
              "math.erf": expand_erf}


def _is_f32(type_: ir.Type) -> bool:
    if isinstance(type_, ir.VectorType):
        type_ = type_.element_type
    return isinstance(type_, ir.F32Type)


@register_pass
@dataclass
class KilnExpandMath:
    """Expand f32 exp, log, tanh and erf into polynomials that LLVM can vectorize.

    Upstream lowering turns these ops into calls to scalar libm functions, and a loop
    with a call in it stays scalar. This pass rewrites each f32 (or vector of f32)
    ``math.exp``, ``math.log``, ``math.tanh`` and ``math.erf`` into ``arith`` ops and
    ``math.fma``: range reduction, a fitted polynomial, and exponent reconstruction
    through bitcasts, with compares and selects for the special values (inf, NaN, zero,
    denormals, overflow and underflow). Measured over the whole f32 range, errors
    against a float64 reference are at most 1.2 ulp for exp, log and tanh, and 2.3 ulp
    (1.2e-7 absolute) for erf. Other math ops (sin, cos, powf still become libm calls)
    and other element types (f64, f16) are left to the upstream lowerings.

        %y = math.exp %x : f32
      becomes (abridged)
        %c = arith.cmpf ogt, %x, %cst_89 : f32
        %x1 = arith.select %c, %cst_89, %x : f32
        ...
        %k = math.fma %x2, %cst_log2e, %cst_shifter : f32
        %k_bits = arith.bitcast %k : f32 to i32
        %n = arith.subi %k_bits, %c_shifter_bits : i32
        ...
        %p = math.fma %q, %r, %cst_half : f32
        ...
        %scale = arith.bitcast %e2_bits : i32 to f32
        %y = arith.mulf %p_scaled, %scale : f32
    """

    argument: ClassVar[str] = "kiln-expand-math"

    def run(self, module: ir.Operation) -> None:
        ops = collect_ops(module, lambda op: op.name in EXPANSIONS
                          and _is_f32(op.results[0].type))
        with module.context:
            for op in ops:
                self._expand(op)

    @staticmethod
    def _expand(op: ir.Operation) -> None:
        with op.location, ir.InsertionPoint(op):
            builder = _Builder(op.results[0].type, op.location)
            replacement = EXPANSIONS[op.name](builder, op.operands[0])
        op.results[0].replace_all_uses_with(replacement)
        op.erase()
