"""Scalar arithmetic for the bodies of linalg ops, picked by element type.

Integers are signless here: a caller says ``unsigned=True`` for those that were ``ui8``
(see ``signedness``), and the others are signed, as in PyTorch; ``i1`` is boolean.
Unsigned integers divide, compare, widen and convert as unsigned, and wrap like eager's
``uint8``. Half-precision math is
computed in f32 and rounded once, as eager computes it; transcendental and special
functions beyond the basic ones compute in f64 (``widened_math``), and operations on a
float's bits in its own width (``float_bits``).
"""

from torch_mlir import ir
from torch_mlir.dialects import arith, math

from . import float_bits, orthogonal_polynomials, widened_math
from .builders import scalar_constant

FLOAT_COMPARE = {"eq": 1, "ne": 13, "lt": 4, "le": 5, "gt": 2, "ge": 3}  # ordered, une for ne
INT_COMPARE = {"eq": 0, "ne": 1, "lt": 2, "le": 3, "gt": 4, "ge": 5}  # signed predicates
UNSIGNED_COMPARE = {"eq": 0, "ne": 1, "lt": 6, "le": 7, "gt": 8, "ge": 9}


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


def binary(name: str, a: ir.Value, b: ir.Value, unsigned: bool = False) -> ir.Value:
    """``a <name> b`` on scalars of one type; ``unsigned`` integers as unsigned."""
    if unsigned:
        return _unsigned_binary(name, a, b)
    if name == "nextafter":  # a step of one ulp in the operands' own type
        return float_bits.nextafter(a, b)
    if name == "ldexp" and not is_half(a):  # half precision widens: exact in f32 anyway
        return float_bits.ldexp(a, b)
    if is_half(a):
        return _rounded_once(lambda x, y: binary(name, x, y), a, b)
    if name in orthogonal_polynomials.POLYNOMIALS:
        return orthogonal_polynomials.polynomial(name, a, b)
    if is_float(a):
        float_ops = {
            "add": arith.addf, "sub": arith.subf, "mul": arith.mulf, "div": arith.divf,
            "maximum": arith.maximumf, "minimum": arith.minimumf, "pow": math.powf,
            "copysign": math.copysign, "fmax": _fmax, "fmin": _fmin,
        }
        if name == "remainder":
            return _python_remainder(a, b, arith.remf(a, b))
        if name in widened_math.BINARY:
            return widened_math.binary(name, a, b)
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
    if name in ("shift_left", "shift_right"):
        return _shift(name, a, b, unsigned=False)
    return int_ops[name](a, b)


def _unsigned_binary(name: str, a: ir.Value, b: ir.Value) -> ir.Value:
    """Arithmetic on unsigned integers: add, sub, mul and the bitwise ops are the signed
    ones (both wrap); division, remainder (never negative, so C's and Python's agree),
    max and min are unsigned; ``pow`` squares and multiplies, wrapping as eager does."""
    if name == "pow":
        return _unsigned_power(a, b)
    if name in ("shift_left", "shift_right"):
        return _shift(name, a, b, unsigned=True)
    unsigned_ops = {"div": arith.divui, "remainder": arith.remui, "maximum": arith.maxui,
                    "minimum": arith.minui}
    if name in unsigned_ops:
        return unsigned_ops[name](a, b)
    return binary(name, a, b)


def _unsigned_power(base: ir.Value, exponent: ir.Value) -> ir.Value:
    """``base ** exponent`` by square and multiply over each bit of ``exponent``."""
    one = scalar_constant(1, base.type)
    zero = scalar_constant(0, base.type)
    power = one
    for bit in range(ir.IntegerType(base.type).width):
        mask = scalar_constant(1 << bit, base.type)
        bit_set = compare("ne", arith.andi(exponent, mask), zero)
        power = arith.select(bit_set, arith.muli(power, base), power)
        base = arith.muli(base, base)
    return power


def _shift(name: str, a: ir.Value, b: ir.Value, unsigned: bool) -> ir.Value:
    """Eager's shifts: a shift by a negative amount or by the width or more gives 0, or
    for a signed right shift the sign in every bit (a shift by width - 1)."""
    width = ir.IntegerType(a.type).width
    in_range = compare("lt", b, scalar_constant(width, a.type), unsigned=True)
    if name == "shift_left":
        return arith.select(in_range, arith.shli(a, b), scalar_constant(0, a.type))
    if unsigned:
        return arith.select(in_range, arith.shrui(a, b), scalar_constant(0, a.type))
    widest = scalar_constant(width - 1, a.type)
    below_widest = compare("lt", b, widest, unsigned=True)
    return arith.shrsi(a, arith.select(below_widest, b, widest))


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


def _fmax(a: ir.Value, b: ir.Value) -> ir.Value:
    """The larger operand, or the one that is not NaN (C's ``fmax``)."""
    return arith.select(compare("ne", a, a), b, arith.select(compare("ne", b, b), a, arith.maximumf(a, b)))


def _fmin(a: ir.Value, b: ir.Value) -> ir.Value:
    """The smaller operand, or the one that is not NaN (C's ``fmin``)."""
    return arith.select(compare("ne", a, a), b, arith.select(compare("ne", b, b), a, arith.minimumf(a, b)))


def compare(predicate: str, a: ir.Value, b: ir.Value, unsigned: bool = False) -> ir.Value:
    """``a <predicate> b`` as i1: floats ordered (``ne`` unordered), bools and
    ``unsigned`` integers as unsigned, other integers as signed."""
    i64 = ir.IntegerType.get_signless(64)
    if is_float(a):
        return arith.cmpf(ir.IntegerAttr.get(i64, FLOAT_COMPARE[predicate]), a, b)
    predicates = UNSIGNED_COMPARE if unsigned or is_bool(a) else INT_COMPARE
    return arith.cmpi(ir.IntegerAttr.get(i64, predicates[predicate]), a, b)


def unary(name: str, x: ir.Value, unsigned: bool = False) -> ir.Value:
    """``name`` applied to ``x``; ``abs`` of an ``unsigned`` integer is the integer."""
    if unsigned and name == "abs":
        return x
    if is_half(x):
        return _rounded_once(lambda v: unary(name, v), x)
    if name in widened_math.UNARY:
        return widened_math.unary(name, x)
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


def cast(x: ir.Value, target: ir.Type, unsigned_source: bool = False,
         unsigned_target: bool = False) -> ir.Value:
    """Torch's conversion rules: float→int truncates, anything→bool is ``!= 0``. An
    ``unsigned_source`` widens with zeros; float→``unsigned_target`` goes through i64 and
    keeps the low bits, as eager does (-1.5 becomes 255)."""
    source = x.type
    if source == target:
        return x
    if isinstance(target, ir.IntegerType) and target.width == 1:
        return compare("ne", x, scalar_constant(0, source))
    source_is_float = isinstance(source, ir.FloatType)
    target_is_float = isinstance(target, ir.FloatType)
    if source_is_float and isinstance(target, ir.BF16Type):
        return _round_to_bfloat16(x)
    if source_is_float and target_is_float:
        return arith.extf(target, x) if target.width > source.width else arith.truncf(target, x)
    if source_is_float and unsigned_target:
        return arith.trunci(target, arith.fptosi(ir.IntegerType.get_signless(64), x))
    if source_is_float:
        return arith.fptosi(target, x)
    zero_extends = unsigned_source or ir.IntegerType(source).width == 1
    if target_is_float:
        return arith.uitofp(target, x) if zero_extends else arith.sitofp(target, x)
    if target.width > source.width:
        return arith.extui(target, x) if zero_extends else arith.extsi(target, x)
    return arith.trunci(target, x)


def _round_to_bfloat16(x: ir.Value) -> ir.Value:
    """``x`` rounded to bfloat16 as torch rounds: through f32, to nearest even on the
    upper 16 bits, subnormals kept, every NaN as 0x7FC0. LLVM's x86 conversion
    (``vcvtneps2bf16``) flushes subnormals to zero, which eager does not."""
    f32, i32, i16 = ir.F32Type.get(), ir.IntegerType.get_signless(32), ir.IntegerType.get_signless(16)
    if x.type != f32:
        x = arith.extf(f32, x) if x.type.width < 32 else arith.truncf(f32, x)
    bits = arith.bitcast(i32, x)
    sixteen = scalar_constant(16, i32)
    lowest_kept = arith.andi(arith.shrsi(bits, sixteen), scalar_constant(1, i32))
    rounded = arith.addi(bits, arith.addi(scalar_constant(0x7FFF, i32), lowest_kept))
    upper = arith.trunci(i16, arith.shrsi(rounded, sixteen))
    is_nan = arith.cmpf(ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 14), x, x)  # uno
    return arith.bitcast(ir.BF16Type.get(), arith.select(is_nan, scalar_constant(0x7FC0, i16), upper))
