"""Scalar arithmetic for the bodies of linalg ops, picked by element type.

Integer tensors are signed, as in PyTorch; ``i1`` is boolean. Half-precision math is
computed in f32 and rounded once, as eager computes it.
"""

from torch_mlir import ir
from torch_mlir.dialects import arith, math

from . import bessel_functions, float_bits, special_functions
from .real import Real
from .builders import scalar_constant

FLOAT_COMPARE = {"eq": 1, "ne": 13, "lt": 4, "le": 5, "gt": 2, "ge": 3}  # ordered, une for ne
INT_COMPARE = {"eq": 0, "ne": 1, "lt": 2, "le": 3, "gt": 4, "ge": 5}  # signed predicates


def is_float(value: ir.Value) -> bool:
    return isinstance(value.type, ir.FloatType)


def is_bool(value: ir.Value) -> bool:
    return isinstance(value.type, ir.IntegerType) and ir.IntegerType(value.type).width == 1


def is_half(value: ir.Value) -> bool:
    return isinstance(value.type, (ir.F16Type, ir.BF16Type))


def _rounded_once(compute, *values: ir.Value) -> ir.Value:
    """``compute`` on ``values`` widened to f32, rounded back to their type once: for
    sigmoid or pow, a half-precision computation rounds at every step."""
    f32 = ir.F32Type.get()
    return cast(compute(*(cast(v, f32) for v in values)), values[0].type)


# Functions of MLIR's math dialect that eager computes with at most a few ulp of error:
# floats narrower than f64 compute them in f64 and round once, which is within half an
# ulp, and lets the CUDA target's compositions of them (see triton_expressions) work in
# f64 too.
WIDENED_UNARY = {
    "tan": math.tan, "acos": math.acos, "asin": math.asin, "atan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "acosh": math.acosh, "asinh": math.asinh,
    "atanh": math.atanh, "exp2": math.exp2, "log2": math.log2, "log10": math.log10,
}
# Special functions written out in arithmetic (see special_functions), in f64 likewise.
SPECIAL_UNARY = {
    "erfc": special_functions.erfc, "erfinv": special_functions.erfinv, "ndtri": special_functions.ndtri,
    "log_ndtr": special_functions.log_ndtr, "lgamma": special_functions.lgamma,
    "digamma": special_functions.digamma, "i0e": bessel_functions.i0e,
    "i1e": bessel_functions.i1e,
    "k0": bessel_functions.k0, "k0e": bessel_functions.k0e, "k1": bessel_functions.k1,
    "k1e": bessel_functions.k1e, "spherical_bessel_j0": bessel_functions.spherical_j0,
}
# Special functions that take, besides x, a value eager computes in the operand's type
# (its rounding or overflow decides eager's result there, so ours must see the same).
SPECIAL_WITH_PRODUCT = {
    "erfcx": (special_functions.erfcx, lambda x: arith.mulf(x, x)),
    "trigamma": (special_functions.trigamma,
                 lambda x: arith.mulf(scalar_constant(3.141592653589793, x.type), x)),
    "i0": (bessel_functions.i0, lambda x: math.exp(math.absf(x))),
    "i1": (bessel_functions.i1, lambda x: math.exp(math.absf(x))),
    "bessel_j0": (bessel_functions.j0, lambda x: _phase(x, 1)),
    "bessel_y0": (bessel_functions.y0, lambda x: _phase(x, 1)),
    "bessel_j1": (bessel_functions.j1, lambda x: _phase(x, 3)),
    "bessel_y1": (bessel_functions.y1, lambda x: _phase(x, 3)),
}


def _phase(x: ir.Value, quarters: int) -> ir.Value:
    """``|x| - quarters * pi / 4``, the phase of the Hankel expansion, rounded in x's type."""
    return arith.subf(math.absf(x), scalar_constant(quarters * 0.7853981633974483, x.type))
SPECIAL_BINARY = {"zeta": special_functions.zeta}


def binary(name: str, a: ir.Value, b: ir.Value) -> ir.Value:
    if name == "nextafter":  # a step of one ulp in the operands' own type
        return float_bits.nextafter(a, b)
    if name == "ldexp" and not is_half(a):  # exact in f32, so half precision widens
        return float_bits.ldexp(a, b)
    if is_half(a):
        return _rounded_once(lambda x, y: binary(name, x, y), a, b)
    if is_float(a):
        float_ops = {
            "add": arith.addf, "sub": arith.subf, "mul": arith.mulf, "div": arith.divf,
            "maximum": arith.maximumf, "minimum": arith.minimumf, "pow": math.powf,
            "copysign": math.copysign, "fmax": _fmax, "fmin": _fmin,
        }
        if name == "remainder":
            return _python_remainder(a, b, arith.remf(a, b))
        if name == "atan2":
            return _in_f64(math.atan2, a, b)
        if name == "hypot":
            return _in_f64(_hypot, a, b)
        if name in SPECIAL_BINARY:
            return _in_f64(lambda x, y: SPECIAL_BINARY[name](Real(x), Real(y)).value, a, b)
        return float_ops[name](a, b)
    if is_bool(a):
        return _bool_binary(name, a, b)
    int_ops = {
        "add": arith.addi, "sub": arith.subi, "mul": arith.muli, "div": arith.divsi,
        "maximum": arith.maxsi, "minimum": arith.minsi, "and": arith.andi, "or": arith.ori,
        "xor": arith.xori, "pow": math.ipowi,
    }
    if name == "remainder":
        return _python_remainder(a, b, arith.remsi(a, b))
    return int_ops[name](a, b)


def _bool_binary(name: str, a: ir.Value, b: ir.Value) -> ir.Value:
    """Torch's arithmetic on bools: ``+`` and ``maximum`` are or, ``*`` and ``minimum``
    are and (wrapping or signed i1 arithmetic would take true for -1)."""
    bool_ops = {
        "add": arith.ori, "maximum": arith.ori, "or": arith.ori,
        "mul": arith.andi, "minimum": arith.andi, "and": arith.andi, "xor": arith.xori,
    }
    return bool_ops[name](a, b)


def _python_remainder(a: ir.Value, b: ir.Value, truncated: ir.Value) -> ir.Value:
    """Torch's remainder takes the divisor's sign: fix up C's truncated remainder."""
    zero = scalar_constant(0, a.type)
    nonzero = compare("ne", truncated, zero)
    signs_differ = arith.xori(compare("lt", truncated, zero), compare("lt", b, zero))
    needs_fix = arith.andi(nonzero, signs_differ)
    fixed = binary("add", truncated, b)
    return arith.select(needs_fix, fixed, truncated)


def _in_f64(compute, *values: ir.Value) -> ir.Value:
    """``compute`` on ``values`` widened to f64, rounded back to their type once."""
    f64 = ir.F64Type.get()
    return cast(compute(*(cast(v, f64) for v in values)), values[0].type)


def _fmax(a: ir.Value, b: ir.Value) -> ir.Value:
    """The larger operand, or the one that is not NaN (C's ``fmax``)."""
    return arith.select(compare("ne", a, a), b, arith.select(compare("ne", b, b), a, arith.maximumf(a, b)))


def _fmin(a: ir.Value, b: ir.Value) -> ir.Value:
    """The smaller operand, or the one that is not NaN (C's ``fmin``)."""
    return arith.select(compare("ne", a, a), b, arith.select(compare("ne", b, b), a, arith.minimumf(a, b)))


def _hypot(a: ir.Value, b: ir.Value) -> ir.Value:
    """``sqrt(a**2 + b**2)`` without overflow or underflow: ``m * sqrt(1 + (n / m)**2)``
    with ``m = max(|a|, |b|)`` and ``n`` the other; 0 where both are 0, and +inf where
    either is infinite, even if the other is NaN (C's ``hypot``)."""
    a, b = math.absf(a), math.absf(b)
    larger, smaller = arith.maximumf(a, b), arith.minimumf(a, b)
    one, zero = scalar_constant(1, a.type), scalar_constant(0, a.type)
    ratio = arith.divf(smaller, larger)
    result = arith.mulf(larger, math.sqrt(arith.addf(one, arith.mulf(ratio, ratio))))
    result = arith.select(compare("eq", larger, zero), zero, result)
    inf = scalar_constant(float("inf"), a.type)
    return arith.select(arith.ori(compare("eq", a, inf), compare("eq", b, inf)), inf, result)


def compare(predicate: str, a: ir.Value, b: ir.Value) -> ir.Value:
    i64 = ir.IntegerType.get_signless(64)
    if is_float(a):
        return arith.cmpf(ir.IntegerAttr.get(i64, FLOAT_COMPARE[predicate]), a, b)
    if is_bool(a):
        unsigned = {"lt": 6, "le": 7, "gt": 8, "ge": 9}
        return arith.cmpi(ir.IntegerAttr.get(i64, unsigned.get(predicate, INT_COMPARE[predicate])), a, b)
    return arith.cmpi(ir.IntegerAttr.get(i64, INT_COMPARE[predicate]), a, b)


def unary(name: str, x: ir.Value) -> ir.Value:
    if is_half(x):
        return _rounded_once(lambda v: unary(name, v), x)
    if name in WIDENED_UNARY:
        return _in_f64(WIDENED_UNARY[name], x)
    if name in SPECIAL_WITH_PRODUCT:
        function, product = SPECIAL_WITH_PRODUCT[name]
        return _in_f64(lambda v, p: function(Real(v), Real(p)).value, x, product(x))
    if name in SPECIAL_UNARY:
        return _in_f64(lambda v: SPECIAL_UNARY[name](Real(v)).value, x)
    if name == "frexp_mantissa":
        return float_bits.frexp_mantissa(x)
    if name == "frexp_exponent":
        return float_bits.frexp_exponent(x)
    if name == "not":  # every bit flipped: logical not on i1, bitwise not on wider integers
        return arith.xori(x, scalar_constant(-1, x.type))
    if name == "neg":
        return arith.negf(x) if is_float(x) else arith.subi(scalar_constant(0, x.type), x)
    if name == "abs":
        return math.absf(x) if is_float(x) else math.absi(x)
    if name == "reciprocal":
        return arith.divf(scalar_constant(1, x.type), x)
    if name == "sigmoid":
        one = scalar_constant(1, x.type)
        return arith.divf(one, arith.addf(one, math.exp(arith.negf(x))))
    math_ops = {
        "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "rsqrt": math.rsqrt,
        "tanh": math.tanh, "erf": math.erf, "sin": math.sin, "cos": math.cos,
        "floor": math.floor, "ceil": math.ceil,
    }
    return math_ops[name](x)


def cast(x: ir.Value, target: ir.Type) -> ir.Value:
    """Torch's conversion rules: float→int truncates, anything→bool is ``!= 0``."""
    source = x.type
    if source == target:
        return x
    if isinstance(target, ir.IntegerType) and target.width == 1:
        return compare("ne", x, scalar_constant(0, source))
    source_is_float = isinstance(source, ir.FloatType)
    target_is_float = isinstance(target, ir.FloatType)
    if source_is_float and target_is_float:
        return arith.extf(target, x) if target.width > source.width else arith.truncf(target, x)
    if source_is_float:
        return arith.fptosi(target, x)
    is_bool = ir.IntegerType(source).width == 1
    if target_is_float:
        return arith.uitofp(target, x) if is_bool else arith.sitofp(target, x)
    if target.width > source.width:
        return arith.extui(target, x) if is_bool else arith.extsi(target, x)
    return arith.trunci(target, x)
