"""Converters for elementwise ATen ops: math, arithmetic, comparisons, select and casts."""

import math

from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import ConversionFailure, promoted_element_type

UNARY = {
    "exp": "exp", "log": "log", "sqrt": "sqrt", "rsqrt": "rsqrt", "tanh": "tanh",
    "sigmoid": "sigmoid", "erf": "erf", "sin": "sin", "cos": "cos", "floor": "floor",
    "ceil": "ceil", "reciprocal": "reciprocal", "neg": "neg", "abs": "abs",
    "logical_not": "not", "bitwise_not": "not", "tan": "tan", "acos": "acos", "asin": "asin",
    "atan": "atan", "sinh": "sinh", "cosh": "cosh", "acosh": "acosh", "asinh": "asinh",
    "atanh": "atanh", "erfc": "erfc", "exp2": "exp2", "log2": "log2", "log10": "log10",
    "special_erfcx": "erfcx", "erfinv": "erfinv", "special_ndtri": "ndtri",
    "special_log_ndtr": "log_ndtr", "lgamma": "lgamma", "digamma": "digamma", "i0": "i0",
    "special_i0e": "i0e", "special_i1": "i1", "special_i1e": "i1e",
    "special_modified_bessel_i0": "i0", "special_modified_bessel_i1": "i1",
    "special_modified_bessel_k0": "k0", "special_modified_bessel_k1": "k1",
    "special_scaled_modified_bessel_k0": "k0e", "special_scaled_modified_bessel_k1": "k1e",
    "special_spherical_bessel_j0": "spherical_bessel_j0",
}
BINARY = {
    "mul": "mul", "div": "div", "maximum": "maximum", "minimum": "minimum",
    "pow": "pow", "remainder": "remainder", "logical_and": "and", "logical_or": "or",
    "logical_xor": "xor", "bitwise_and": "and", "bitwise_or": "or", "bitwise_xor": "xor",
    "bitwise_left_shift": "shift_left", "bitwise_right_shift": "shift_right",
    "__lshift__": "shift_left", "__rshift__": "shift_right",
    "atan2": "atan2", "copysign": "copysign", "hypot": "hypot", "nextafter": "nextafter",
    "special_zeta": "zeta", "igamma": "igamma", "igammac": "igammac",
    **{f"special_{kind}_polynomial_{letter}": f"{kind}_{letter}" for kind, letters in (
        ("chebyshev", "tuvw"), ("shifted_chebyshev", "tuvw"), ("hermite", ("h", "he")),
        ("laguerre", "l"), ("legendre", "p")) for letter in letters},
}
COMPARE = {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}


# Rounding ops return an integer tensor unchanged, as eager does.
ROUNDING = ("floor", "ceil")


def _register_unary(aten_name: str, kiln_name: str):
    @converts(f"torch.aten.{aten_name}")
    def convert_unary(rewriter, op):
        type_ = rewriter.result_type(op)
        x = rewriter.operand_as(op.operands[0], type_)
        if aten_name in ROUNDING and not _is_float(x):
            return [x]
        return [kiln.UNARY_OPS[kiln_name](x, type_).result]


def _register_binary(aten_name: str, kiln_name: str):
    overloads = (".Tensor", ".Scalar", ".Tensor_Scalar", ".Tensor_Tensor", ".Scalar_Tensor", "")
    @converts(*(f"torch.aten.{aten_name}{overload}" for overload in overloads))
    def convert_binary(rewriter, op):
        type_ = rewriter.result_type(op)
        lhs, rhs = (rewriter.operand_as(o, type_) for o in op.operands[:2])
        return [kiln.BINARY_OPS[kiln_name](lhs, rhs, type_).result]


def _register_compare(aten_name: str, predicate: str):
    @converts(f"torch.aten.{aten_name}.Tensor", f"torch.aten.{aten_name}.Scalar")
    def convert_compare(rewriter, op):
        result = rewriter.result_type(op)
        compute = ir.RankedTensorType.get(result.shape, promoted_element_type(rewriter, op.operands[:2]))
        lhs, rhs = (rewriter.operand_as(o, compute) for o in op.operands[:2])
        return [kiln.CompareOp(lhs, rhs, ir.StringAttr.get(predicate), result).result]


for _aten, _kiln in UNARY.items():
    _register_unary(_aten, _kiln)
for _aten, _kiln in BINARY.items():
    _register_binary(_aten, _kiln)
for _aten, _predicate in COMPARE.items():
    _register_compare(_aten, _predicate)


@converts("torch.aten.add.Tensor", "torch.aten.add.Scalar",
          "torch.aten.sub.Tensor", "torch.aten.sub.Scalar")
def convert_add_with_alpha(rewriter, op):
    """``add(a, b, alpha)`` is ``a + alpha * b``; likewise ``sub``."""
    type_ = rewriter.result_type(op)
    lhs, rhs = (rewriter.operand_as(o, type_) for o in op.operands[:2])
    alpha = rewriter.constant(op.operands[2]) if len(op.operands) > 2 else 1
    if alpha != 1:
        rhs = kiln.BINARY_OPS["mul"](rhs, rewriter.splat(alpha, type_), type_).result
    name = "add" if ".add." in op.name else "sub"
    return [kiln.BINARY_OPS[name](lhs, rhs, type_).result]


@converts("torch.aten.rsub.Scalar")
def convert_reverse_sub(rewriter, op):
    """``rsub(a, b, alpha)`` is ``b - alpha * a``."""
    type_ = rewriter.result_type(op)
    lhs, rhs = (rewriter.operand_as(o, type_) for o in op.operands[:2])
    alpha = rewriter.constant(op.operands[2])
    if alpha != 1:
        lhs = kiln.BINARY_OPS["mul"](lhs, rewriter.splat(alpha, type_), type_).result
    return [kiln.BINARY_OPS["sub"](rhs, lhs, type_).result]


@converts("torch.aten.relu")
def convert_relu(rewriter, op):
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    return [kiln.BINARY_OPS["maximum"](x, rewriter.splat(0, type_), type_).result]


@converts("torch.aten.clamp_min", "torch.aten.clamp_max")
def convert_clamp_bound(rewriter, op):
    type_ = rewriter.result_type(op)
    x, bound = (rewriter.operand_as(o, type_) for o in op.operands[:2])
    name = "maximum" if op.name.endswith("clamp_min") else "minimum"
    return [kiln.BINARY_OPS[name](x, bound, type_).result]


@converts("torch.aten.log1p", "torch.aten.expm1")
def convert_shifted_exp_log(rewriter, op):
    """``log1p`` and ``expm1``, accurate near zero, where ``log(1 + x)`` and ``exp(x) - 1``
    lose the low bits of ``x``; half precision computes in f32 and rounds once, as eager."""
    type_ = rewriter.result_type(op)
    compute = _compute_type(type_)
    x = rewriter.cast(rewriter.operand_as(op.operands[0], type_), compute.element_type)
    result = _log1p(rewriter, x) if op.name.endswith("log1p") else _expm1(rewriter, x)
    return [rewriter.cast(result, type_.element_type)]


def _compute_type(type_: ir.RankedTensorType) -> ir.RankedTensorType:
    """f32 for half-precision tensors, whose math eager computes in f32; else ``type_``."""
    if isinstance(type_.element_type, (ir.F16Type, ir.BF16Type)):
        return ir.RankedTensorType.get(list(type_.shape), ir.F32Type.get())
    return type_


def _log1p(rewriter, x: ir.Value) -> ir.Value:
    """``log(u) * x / (u - 1)`` with ``u = 1 + x`` (Goldberg): the quotient corrects the
    rounding of ``u``. Where ``u`` rounds to 1 the answer is ``x``; at +inf, +inf."""
    u = _binary("add", x, rewriter.splat(1, x.type))
    u_minus_one = _binary("sub", u, rewriter.splat(1, x.type))
    corrected = _binary("mul", _unary("log", u), _binary("div", x, u_minus_one))
    exact_cases = _binary("or", _compare("eq", u, rewriter.splat(1, x.type)),
                          _compare("eq", x, rewriter.splat(math.inf, x.type)))
    return _select(exact_cases, x, corrected)


def _expm1(rewriter, x: ir.Value) -> ir.Value:
    """``(u - 1) * (x / log(u))`` with ``u = exp(x)`` (Kahan): where ``u`` rounds to 1 the
    answer is ``x``; where ``u - 1`` rounds to -1 (``u`` tiny or zero) it is -1, and where
    ``u`` is +inf, +inf. ``x / log(u)`` is near 1, so the product overflows only with ``u``."""
    u = _unary("exp", x)
    u_minus_one = _binary("sub", u, rewriter.splat(1, x.type))
    corrected = _binary("mul", u_minus_one, _binary("div", x, _unary("log", u)))
    near_zero = _select(_compare("eq", u, rewriter.splat(1, x.type)), x, corrected)
    saturated = _binary("or", _compare("eq", u_minus_one, rewriter.splat(-1, x.type)),
                        _compare("eq", u, rewriter.splat(math.inf, x.type)))
    return _select(saturated, u_minus_one, near_zero)


@converts("torch.aten.isnan")
def convert_isnan(rewriter, op):
    """NaN is the only value unequal to itself: ``isnan(x)`` is ``x != x``."""
    x = rewriter.tensor(op.operands[0])
    return [kiln.CompareOp(x, x, ir.StringAttr.get("ne"), rewriter.result_type(op)).result]


@converts("torch.aten.where.self", "torch.aten.where.ScalarSelf",
          "torch.aten.where.ScalarOther", "torch.aten.where.Scalar")
def convert_where(rewriter, op):
    type_ = rewriter.result_type(op)
    condition_type = ir.RankedTensorType.get(type_.shape, ir.IntegerType.get_signless(1))
    condition = rewriter.operand_as(op.operands[0], condition_type)
    true_value, false_value = (rewriter.operand_as(o, type_) for o in op.operands[1:3])
    return [kiln.SelectOp(condition, true_value, false_value, type_).result]


@converts("torch.aten._to_copy", "torch.prims.convert_element_type",
          "torch.aten.clone", "torch.aten.alias", "torch.aten.lift_fresh_copy")
def convert_copy_or_cast(rewriter, op):
    """Value semantics make copies free; only a dtype change emits ``kiln.cast``."""
    type_ = rewriter.result_type(op)
    return [rewriter.operand_as(op.operands[0], type_)]


@converts("torch.aten.copy")
def convert_copy(rewriter, op):
    """Functional ``copy(self, src)``: ``src`` broadcast to ``self``'s shape, in its dtype."""
    return [rewriter.operand_as(op.operands[1], rewriter.result_type(op))]


@converts("torch.aten._assert_tensor_metadata")
def convert_assert_tensor_metadata(rewriter, op):
    """Export's dtype and device assertion has no result; the types already carry it."""
    return []


@converts("torch.aten.scalar_tensor", "torch.aten.full", "torch.prim.NumToTensor.Scalar")
def convert_full(rewriter, op):
    """A tensor filled with a constant scalar; ``NumToTensor`` wraps a Python scalar."""
    type_ = rewriter.result_type(op)
    fill = op.operands[1] if op.name.endswith("full") else op.operands[0]
    return [rewriter.splat(rewriter.constant(fill), type_)]


@converts("torch.aten.full_like", "torch.aten.zeros_like", "torch.aten.ones_like")
def convert_full_like(rewriter, op):
    type_ = rewriter.result_type(op)
    fill = {"zeros_like": 0, "ones_like": 1}.get(op.name.rsplit(".", 1)[-1])
    if fill is None:
        fill = rewriter.constant(op.operands[1])
    return [rewriter.splat(fill, type_)]


@converts("torch.aten.empty.memory_format", "torch.aten.empty_permuted")
def convert_empty(rewriter, op):
    """An uninitialized tensor may hold anything: zeros are as good as any."""
    return [rewriter.splat(0, rewriter.result_type(op))]


@converts("torch.aten.arange.start_step", "torch.aten.arange.start", "torch.aten.arange")
def convert_arange(rewriter, op):
    type_ = rewriter.result_type(op)
    start = rewriter.constant(op.operands[0]) if op.name != "torch.aten.arange" else 0
    step = rewriter.constant(op.operands[2]) if op.name.endswith("start_step") else 1
    index_type = ir.RankedTensorType.get(type_.shape, ir.IntegerType.get_signless(64))
    iota = kiln.IotaOp(ir.IntegerAttr.get(ir.IntegerType.get_signless(64), 0), index_type).result
    values = rewriter.cast(iota, type_.element_type)
    values = kiln.BINARY_OPS["mul"](values, rewriter.splat(step, type_), type_).result
    return [kiln.BINARY_OPS["add"](values, rewriter.splat(start, type_), type_).result]



def _unary(name: str, x: ir.Value) -> ir.Value:
    return kiln.UNARY_OPS[name](x, x.type).result


def _binary(name: str, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    return kiln.BINARY_OPS[name](lhs, rhs, lhs.type).result


def _compare(predicate: str, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    type_ = ir.RankedTensorType.get(lhs.type.shape, ir.IntegerType.get_signless(1))
    return kiln.CompareOp(lhs, rhs, ir.StringAttr.get(predicate), type_).result


def _select(condition: ir.Value, true_value: ir.Value, false_value: ir.Value) -> ir.Value:
    return kiln.SelectOp(condition, true_value, false_value, true_value.type).result


def _is_float(value: ir.Value) -> bool:
    return isinstance(value.type.element_type, ir.FloatType)


@converts("torch.aten.sign")
def convert_sign(rewriter, op):
    """``sign(x)`` is ``(x > 0) - (x < 0)``: 0 for zeros and NaN, as in eager."""
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    if str(type_.element_type) == "i1":
        return [x]
    zero = rewriter.splat(0, type_)
    positive, negative = (rewriter.cast(_compare(p, x, zero), type_.element_type) for p in ("gt", "lt"))
    return [_binary("sub", positive, negative)]


@converts("torch.aten.trunc")
def convert_trunc(rewriter, op):
    """Rounds toward zero: ``ceil`` below zero, ``floor`` elsewhere; integers stay."""
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    if not _is_float(x):
        return [x]
    return [_truncated(rewriter, x)]


def _truncated(rewriter, x: ir.Value) -> ir.Value:
    negative = _compare("lt", x, rewriter.splat(0, x.type))
    return _select(negative, _unary("ceil", x), _unary("floor", x))


@converts("torch.aten.round", "torch.aten.round.decimals")
def convert_round(rewriter, op):
    """Rounds half to even, as eager does; ``decimals`` scales by a power of ten first."""
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    if not _is_float(x):
        return [x]
    decimals = rewriter.constant(op.operands[1]) if op.name.endswith("decimals") else 0
    if decimals == 0:
        return [_round_half_even(rewriter, x)]
    scale = rewriter.splat(10.0 ** abs(decimals), type_)
    # eager multiplies then divides for decimals > 0, and the reverse for decimals < 0
    into, back = ("mul", "div") if decimals > 0 else ("div", "mul")
    return [_binary(back, _round_half_even(rewriter, _binary(into, x, scale)), scale)]


def _round_half_even(rewriter, x: ir.Value) -> ir.Value:
    """``floor(x)``, plus one when the fraction is above a half, or a half and the floor odd.

    ``x - floor(x)`` is exact in floating point, so the halfway test is too.
    """
    floor = _unary("floor", x)
    fraction = _binary("sub", x, floor)
    half = rewriter.splat(0.5, x.type)
    half_floor = _binary("mul", floor, half)
    floor_is_odd = _compare("ne", _unary("floor", half_floor), half_floor)
    halfway_up = kiln.BINARY_OPS["and"](_compare("eq", fraction, half), floor_is_odd,
                                        floor_is_odd.type).result
    up = kiln.BINARY_OPS["or"](_compare("gt", fraction, half), halfway_up, halfway_up.type).result
    return _select(up, _binary("add", floor, rewriter.splat(1, x.type)), floor)


@converts("torch.aten.fmod.Tensor", "torch.aten.fmod.Scalar")
def convert_fmod(rewriter, op):
    """C's truncated remainder, with the dividend's sign."""
    type_ = rewriter.result_type(op)
    a, b = (rewriter.operand_as(o, type_) for o in op.operands[:2])
    return [_fmod(rewriter, a, b)]


def _fmod(rewriter, a: ir.Value, b: ir.Value) -> ir.Value:
    """``fmod(a, b)`` is ``remainder(|a|, |b|)`` negated where ``a < 0``, exactly, as both
    operands of that remainder are non-negative."""
    magnitude = _binary("remainder", _unary("abs", a), _unary("abs", b))
    negative = _compare("lt", a, rewriter.splat(0, a.type))
    return _select(negative, _unary("neg", magnitude), magnitude)


@converts("torch.aten.div.Tensor_mode", "torch.aten.div.Scalar_mode")
def convert_div_with_rounding(rewriter, op):
    """``div(a, b, rounding_mode)``: "trunc" rounds the quotient toward zero, "floor" down,
    None is true division. Half precision computes in f32 and rounds once, as eager."""
    type_ = rewriter.result_type(op)
    compute = _compute_type(type_)
    a, b = (rewriter.cast(rewriter.operand_as(o, type_), compute.element_type)
            for o in op.operands[:2])
    mode = rewriter.constant(op.operands[2])
    if mode is None:
        quotient = _binary("div", a, b)
    elif not _is_float(a):
        quotient = _int_floor_div(rewriter, a, b) if mode == "floor" else _binary("div", a, b)
    else:
        quotient = _float_floor_div(rewriter, a, b) if mode == "floor" else _truncated(rewriter, _binary("div", a, b))
    return [rewriter.cast(quotient, type_.element_type)]


def _int_floor_div(rewriter, a: ir.Value, b: ir.Value) -> ir.Value:
    """The truncated quotient, less one where the remainder's sign differs from ``b``'s."""
    quotient = _binary("div", a, b)
    remainder = _binary("sub", a, _binary("mul", quotient, b))
    zero = rewriter.splat(0, a.type)
    signs_differ = _compare("ne", _compare("lt", remainder, zero), _compare("lt", b, zero))
    adjust = kiln.BINARY_OPS["and"](_compare("ne", remainder, zero), signs_differ, signs_differ.type).result
    return _select(adjust, _binary("sub", quotient, rewriter.splat(1, a.type)), quotient)


def _float_floor_div(rewriter, a: ir.Value, b: ir.Value) -> ir.Value:
    """Eager's floor division: ``(a - fmod(a, b)) / b``, less one where the remainder's
    sign differs from ``b``'s, rounded to the nearest integer (the quotient of an exact
    multiple can round just below it); IEEE division where ``b`` is zero."""
    zero = rewriter.splat(0, a.type)
    one = rewriter.splat(1, a.type)
    mod = _fmod(rewriter, a, b)
    quotient = _binary("div", _binary("sub", a, mod), b)
    signs_differ = _compare("ne", _compare("lt", mod, zero), _compare("lt", b, zero))
    adjust = kiln.BINARY_OPS["and"](_compare("ne", mod, zero), signs_differ, signs_differ.type).result
    quotient = _select(adjust, _binary("sub", quotient, one), quotient)
    floor = _unary("floor", quotient)
    round_up = _compare("gt", _binary("sub", quotient, floor), rewriter.splat(0.5, a.type))
    rounded = _select(round_up, _binary("add", floor, one), floor)
    return _select(_compare("eq", b, zero), _binary("div", a, b), rounded)


@converts("torch.aten.fmax", "torch.aten.fmin")
def convert_fmax_fmin(rewriter, op):
    """C's ``fmax``/``fmin`` on floats (a NaN operand yields the other); on integers, whose
    values are never NaN, ``maximum``/``minimum``."""
    type_ = rewriter.result_type(op)
    lhs, rhs = (rewriter.operand_as(o, type_) for o in op.operands[:2])
    name = op.name.rsplit(".", 1)[-1]
    if not _is_float(lhs):
        name = {"fmax": "maximum", "fmin": "minimum"}[name]
    return [kiln.BINARY_OPS[name](lhs, rhs, type_).result]


@converts("torch.aten.isinf")
def convert_isinf(rewriter, op):
    """``|x| == inf``; integers are never infinite."""
    result = rewriter.result_type(op)
    x = rewriter.tensor(op.operands[0])
    if not _is_float(x):
        return [rewriter.splat(False, result)]
    return [_compare("eq", _unary("abs", x), rewriter.splat(math.inf, x.type))]


@converts("torch.aten.signbit")
def convert_signbit(rewriter, op):
    """Whether the sign bit is set: ``copysign(1, x) < 0`` sees it on -0.0 and on NaN too;
    integers are ``x < 0``."""
    x = rewriter.tensor(op.operands[0])
    zero = rewriter.splat(0, x.type)
    if _is_float(x):
        x = _binary("copysign", rewriter.splat(1, x.type), x)
    return [_compare("lt", x, zero)]


@converts("torch.aten.angle")
def convert_angle(rewriter, op):
    """The argument of a real number: pi below zero, 0 elsewhere, NaN for NaN."""
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    zero = rewriter.splat(0, type_)
    angle = _select(_compare("lt", x, zero), rewriter.splat(math.pi, type_), zero)
    return [_select(_compare("ne", x, x), x, angle)]


@converts("torch.aten.frexp.Tensor")
def convert_frexp(rewriter, op):
    """``x = mantissa * 2**exponent`` with ``0.5 <= |mantissa| < 1``, read off the bits;
    the exponent is computed as an exact float and cast to the result's integer type."""
    x = rewriter.tensor(op.operands[0])
    exponent_type = rewriter.result_type(op, 1)
    return [_unary("frexp_mantissa", x),
            rewriter.cast(_unary("frexp_exponent", x), exponent_type.element_type)]


@converts("torch.aten.ldexp.Tensor")
def convert_ldexp(rewriter, op):
    """``x * 2**n``. An integer ``n`` is exact C ``ldexp`` with ``n`` taken as int32, as
    eager's kernel takes it; a floating ``n`` is ``x * pow(2, n)``, as eager computes it."""
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[0], type_)
    n = rewriter.tensor(op.operands[1])
    if _is_float(n):
        power = _binary("pow", rewriter.splat(2, type_), rewriter.operand_as(op.operands[1], type_))
        return [_binary("mul", x, power)]
    n = rewriter.broadcast_to(rewriter.cast(n, ir.IntegerType.get_signless(32)), list(type_.shape))
    return [_binary("ldexp", x, rewriter.cast(n, type_.element_type))]


@converts("torch.aten.polygamma")
def convert_polygamma(rewriter, op):
    """The n-th derivative of digamma: digamma itself for n = 0, trigamma for n = 1 (as
    eager, which has its own trigamma), and ``(-1)**(n+1) n! zeta(n + 1, x)`` above."""
    n = rewriter.constant(op.operands[0])
    type_ = rewriter.result_type(op)
    x = rewriter.operand_as(op.operands[1], type_)
    if n <= 1:
        return [_unary("digamma" if n == 0 else "trigamma", x)]
    zeta = _binary("zeta", rewriter.splat(n + 1, type_), x)
    return [_binary("mul", rewriter.splat((-1) ** (n + 1) * math.factorial(n), type_), zeta)]


@converts("torch.aten.special_bessel_j0", "torch.aten.special_bessel_j1",
          "torch.aten.special_bessel_y0", "torch.aten.special_bessel_y1",
          "torch.aten.special_airy_ai")
def convert_bessel_j_y_airy(rewriter, op):
    """Bessel functions J0, J1, Y0, Y1 and the Airy function Ai, accurate to about 1e-11.
    Refused for float64: eager's float64 values (rational fits) are off by up to 4e-7
    (J, Y near x = 5) and 1.5e-6 (Ai near x = -2.1), beyond float64's tolerance, so
    accurate values would not match them."""
    type_ = rewriter.result_type(op)
    if isinstance(type_.element_type, ir.F64Type):
        raise ConversionFailure("eager's float64 values are accurate to about 1e-6 only, "
                                "so Kiln's accurate values would not match them")
    x = rewriter.operand_as(op.operands[0], type_)
    aten_name = op.attributes["name"].value if op.name == "torch.operator" else op.name
    return [_unary(aten_name.rsplit(".", 1)[-1].removeprefix("special_"), x)]
