"""Float functions that f32 computes in f64 and rounds once: MLIR ``math`` functions
eager computes to a few ulp, and the special functions of :mod:`special_functions`,
:mod:`bessel_functions` and :mod:`incomplete_gamma`. Rounding an f64 result once is within half an ulp of the true
value, so it matches eager wherever eager is accurate; where eager's own rounding of an
intermediate value decides its result, that value is computed in the operand's type
first and passed along (``WITH_NATIVE_VALUE``). f64 operands compute in f64 directly,
and half precision arrives already widened to f32 (see ``scalar``). The CUDA target's
compositions of the ``math`` functions (``triton_math``) work in f64 too.
"""

from collections.abc import Callable

from torch_mlir import ir
from torch_mlir.dialects import arith, math

from . import bessel_functions, incomplete_gamma, special_functions
from .builders import scalar_constant
from .real import Real, sqrt, where

MATH_UNARY = {
    "tan": math.tan, "acos": math.acos, "asin": math.asin, "atan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "acosh": math.acosh, "asinh": math.asinh,
    "atanh": math.atanh, "exp2": math.exp2, "log2": math.log2, "log10": math.log10,
}
SPECIAL_UNARY = {
    "erfc": special_functions.erfc, "erfinv": special_functions.erfinv,
    "ndtri": special_functions.ndtri, "log_ndtr": special_functions.log_ndtr,
    "lgamma": special_functions.lgamma, "digamma": special_functions.digamma,
    "i0e": bessel_functions.i0e, "i1e": bessel_functions.i1e, "k0": bessel_functions.k0,
    "k0e": bessel_functions.k0e, "k1": bessel_functions.k1, "k1e": bessel_functions.k1e,
    "spherical_bessel_j0": bessel_functions.spherical_j0,
}


def _phase(x: ir.Value, quarters: int) -> ir.Value:
    """``|x| - quarters * pi / 4``, the phase of the Hankel expansion."""
    return arith.subf(math.absf(x), scalar_constant(quarters * 0.7853981633974483, x.type))


def _exp_of_magnitude(x: ir.Value) -> ir.Value:
    return math.exp(math.absf(x))


def _airy_phase(x: ir.Value) -> ir.Value:
    """``-2x sqrt(-x) / 3 + pi/4``, step by step as eager computes it for negative x."""
    def constant(value):
        return scalar_constant(value, x.type)

    product = arith.mulf(arith.mulf(constant(-2.0), x), math.sqrt(arith.negf(x)))
    return arith.addf(arith.divf(product, constant(3.0)), constant(0.7853981633974483))


# Special functions that take, besides x, a value computed in x's own type: erfcx's
# x * x, trigamma's pi * x (the sine's argument), I0's and I1's e**|x| (whose overflow
# makes eager's result inf) and the phases of J, Y and Ai's oscillations.
WITH_NATIVE_VALUE: dict[str, tuple[Callable, Callable]] = {
    "erfcx": (special_functions.erfcx, lambda x: arith.mulf(x, x)),
    "trigamma": (special_functions.trigamma,
                 lambda x: arith.mulf(scalar_constant(3.141592653589793, x.type), x)),
    "i0": (bessel_functions.i0, _exp_of_magnitude),
    "i1": (bessel_functions.i1, _exp_of_magnitude),
    "bessel_j0": (bessel_functions.j0, lambda x: _phase(x, 1)),
    "bessel_y0": (bessel_functions.y0, lambda x: _phase(x, 1)),
    "bessel_j1": (bessel_functions.j1, lambda x: _phase(x, 3)),
    "bessel_y1": (bessel_functions.y1, lambda x: _phase(x, 3)),
    "airy_ai": (bessel_functions.airy_ai, _airy_phase),
}


def _hypot(a: Real, b: Real) -> Real:
    """``sqrt(a**2 + b**2)`` without overflow or underflow: ``m * sqrt(1 + (n / m)**2)``
    with ``m = max(|a|, |b|)`` and ``n`` the other; 0 where both are 0, and +inf where
    either is infinite, even if the other is NaN (C's ``hypot``)."""
    a, b = abs(a), abs(b)
    larger, smaller = Real(arith.maximumf(a.value, b.value)), Real(arith.minimumf(a.value, b.value))
    ratio = smaller / larger
    result = where(larger == 0, 0.0, larger * sqrt(1 + ratio * ratio))
    return where((a == float("inf")) | (b == float("inf")), float("inf"), result)


SPECIAL_BINARY = {"zeta": special_functions.zeta, "hypot": _hypot,
                  "igamma": incomplete_gamma.igamma, "igammac": incomplete_gamma.igammac}
UNARY = frozenset(MATH_UNARY) | frozenset(SPECIAL_UNARY) | frozenset(WITH_NATIVE_VALUE)
BINARY = frozenset(SPECIAL_BINARY) | {"atan2"}


def _in_f64(compute, *values: ir.Value) -> ir.Value:
    """``compute`` on ``values`` widened to f64, rounded back to their type once."""
    f64, type_ = ir.F64Type.get(), values[0].type
    if type_ == f64:
        return compute(*values)
    result = compute(*(arith.extf(f64, v) for v in values))
    return arith.truncf(type_, result)


def unary(name: str, x: ir.Value) -> ir.Value:
    """The function ``name`` (one of ``UNARY``) of an f32 or f64 scalar."""
    if name in MATH_UNARY:
        return _in_f64(MATH_UNARY[name], x)
    if name in WITH_NATIVE_VALUE:
        function, native = WITH_NATIVE_VALUE[name]
        return _in_f64(lambda v, n: function(Real(v), Real(n)).value, x, native(x))
    return _in_f64(lambda v: SPECIAL_UNARY[name](Real(v)).value, x)


def binary(name: str, a: ir.Value, b: ir.Value) -> ir.Value:
    """The function ``name`` (one of ``BINARY``) of two f32 or f64 scalars."""
    if name == "atan2":
        return _in_f64(math.atan2, a, b)
    return _in_f64(lambda x, y: SPECIAL_BINARY[name](Real(x), Real(y)).value, a, b)
