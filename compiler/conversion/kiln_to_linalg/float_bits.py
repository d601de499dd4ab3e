"""Scalar ops on the bit fields of IEEE floats: ``frexp``'s parts and ``nextafter``.

Each works in the integer type as wide as the float (f16 and bf16 in i16), so a value
is taken apart and rebuilt exactly.
"""

from torch_mlir import ir
from torch_mlir.dialects import arith

from .builders import scalar_constant

# Bits of the significand (stored, without the implicit one) and of the exponent field.
FIELDS = {"f16": (10, 5), "bf16": (7, 8), "f32": (23, 8), "f64": (52, 11)}
# Subnormals are scaled by 2**SUBNORMAL_SCALE first: exact, and normal in every type above.
SUBNORMAL_SCALE = 64


def _int_type_of(x: ir.Value) -> ir.Type:
    return ir.IntegerType.get_signless(x.type.width)


def _fields(x: ir.Value) -> tuple[int, int, int]:
    """(significand bits, exponent field mask, exponent bias) of ``x``'s type."""
    significand, exponent = FIELDS[str(x.type)]
    return significand, (1 << exponent) - 1, (1 << (exponent - 1)) - 1


def _cmpf(predicate: str, a: ir.Value, b: ir.Value) -> ir.Value:
    return arith.cmpf(getattr(arith.CmpFPredicate, predicate.upper()), a, b)


def _cmpi(predicate: str, a: ir.Value, b: ir.Value) -> ir.Value:
    return arith.cmpi(getattr(arith.CmpIPredicate, predicate), a, b)


def _is_zero_inf_or_nan(x: ir.Value) -> ir.Value:
    """``x + x == x`` holds for 0 and ±inf only; NaN is unordered."""
    return arith.ori(_cmpf("oeq", arith.addf(x, x), x), _cmpf("uno", x, x))


def _scaled_if_subnormal(x: ir.Value) -> tuple[ir.Value, ir.Value]:
    """``x`` times ``2**SUBNORMAL_SCALE`` where it is subnormal, and whether it was."""
    _, _, bias = _fields(x)
    smallest_normal = scalar_constant(2.0 ** (1 - bias), x.type)
    subnormal = _cmpf("olt", _absf(x), smallest_normal)
    scaled = arith.mulf(x, scalar_constant(2.0 ** SUBNORMAL_SCALE, x.type))
    return arith.select(subnormal, scaled, x), subnormal


def _absf(x: ir.Value) -> ir.Value:
    return arith.select(_cmpf("olt", x, scalar_constant(0, x.type)), arith.negf(x), x)


def frexp_mantissa(x: ir.Value) -> ir.Value:
    """The ``m`` of ``x = m * 2**e`` with ``0.5 <= |m| < 1``: ``x``'s significand and sign
    with the exponent field of 0.5. Zeros, infinities and NaN are returned as they are."""
    significand, mask, bias = _fields(x)
    int_type = _int_type_of(x)
    normal, _ = _scaled_if_subnormal(x)
    bits = arith.bitcast(int_type, normal)
    cleared = arith.andi(bits, scalar_constant(~(mask << significand), int_type))
    half_exponent = scalar_constant((bias - 1) << significand, int_type)
    mantissa = arith.bitcast(x.type, arith.ori(cleared, half_exponent))
    return arith.select(_is_zero_inf_or_nan(x), x, mantissa)


def frexp_exponent(x: ir.Value) -> ir.Value:
    """The ``e`` of ``x = m * 2**e`` with ``0.5 <= |m| < 1``, as a float (an exact small
    integer): the exponent field less the bias and one. 0 for zeros, infinities and NaN."""
    significand, mask, bias = _fields(x)
    int_type = _int_type_of(x)
    normal, subnormal = _scaled_if_subnormal(x)
    field = arith.andi(arith.shrsi(arith.bitcast(int_type, normal), scalar_constant(significand, int_type)),
                       scalar_constant(mask, int_type))
    exponent = arith.subi(field, scalar_constant(bias - 1, int_type))
    exponent = arith.select(subnormal, arith.subi(exponent, scalar_constant(SUBNORMAL_SCALE, int_type)),
                            exponent)
    exponent = arith.sitofp(x.type, exponent)
    return arith.select(_is_zero_inf_or_nan(x), scalar_constant(0, x.type), exponent)


def nextafter(x: ir.Value, y: ir.Value) -> ir.Value:
    """The float next to ``x`` toward ``y`` (C's ``nextafter``): ``y`` where they are equal,
    NaN where either is NaN, the smallest subnormal with ``y``'s sign where ``x`` is zero,
    else ``x``'s bits plus one where the magnitude grows (``x < y`` with ``x > 0``, or
    ``x > y`` with ``x < 0``) and minus one where it shrinks."""
    int_type = _int_type_of(x)
    zero, one = scalar_constant(0, x.type), scalar_constant(1, int_type)
    bits = arith.bitcast(int_type, x)
    grows = _cmpi("eq", _cmpf("olt", x, y), _cmpf("ogt", x, zero))
    stepped = arith.bitcast(x.type, arith.select(grows, arith.addi(bits, one), arith.subi(bits, one)))
    smallest = arith.bitcast(x.type, one)
    from_zero = arith.select(_cmpf("olt", y, zero), arith.negf(smallest), smallest)
    result = arith.select(_cmpf("oeq", x, zero), from_zero, stepped)
    result = arith.select(_cmpf("oeq", x, y), y, result)
    return arith.select(_cmpf("uno", x, y), arith.addf(x, y), result)


def _power_of_two(exponent: ir.Value) -> ir.Value:
    """``2**exponent`` for an integer-valued float in the normal range of its type."""
    significand, _, bias = _fields(exponent)
    int_type = _int_type_of(exponent)
    biased = arith.addi(arith.fptosi(int_type, exponent), scalar_constant(bias, int_type))
    return arith.bitcast(exponent.type, arith.shli(biased, scalar_constant(significand, int_type)))


def _clamped(x: ir.Value, low: int, high: int) -> ir.Value:
    return arith.minimumf(arith.maximumf(x, scalar_constant(low, x.type)), scalar_constant(high, x.type))


def ldexp(x: ir.Value, n: ir.Value) -> ir.Value:
    """``x * 2**n`` for an integer-valued float ``n``, rounded once (C's ``ldexp``).

    With ``x = m * 2**e`` (frexp, ``m`` normal) and ``t = e + n``, the result is
    ``(m * 2**t1) * 2**(t - t1)`` with ``t1`` clamped to the normal exponents: the first
    product is exact, so only the second rounds (or overflows). ``t`` beyond
    ``±(bias + significand bits + 4)`` gives inf or 0 either way, so it is clamped there,
    which keeps ``2**(t - t1)`` normal too. Zeros, infinities and NaN pass through.
    """
    significand, _, bias = _fields(x)
    bound = bias + significand + 4
    n = _clamped(n, -2 * bound, 2 * bound)  # keeps e + n exact
    t = _clamped(arith.addf(frexp_exponent(x), n), -bound, bound)
    t1 = _clamped(t, 2 - bias, bias)
    scaled = arith.mulf(frexp_mantissa(x), _power_of_two(t1))
    return arith.mulf(scaled, _power_of_two(arith.subf(t, t1)))
