"""Orthogonal polynomials of a tensor degree n, as eager evaluates them: Chebyshev
T, U, V, W (and their shifted forms on [0, 1]), Hermite H and He, Laguerre L and
Legendre P.

Eager truncates n to an integer and runs the three-term recurrence n times (stopping
early once a value is NaN), except where a closed form takes over (``cos(n acos x)``
and its kin for Chebyshev polynomials inside (-1, 1) above a small degree); the
recurrence's rounding accumulates, so it is reproduced step for step in the operand's
own type, in an ``scf.while`` loop inside the elementwise body (a loop the CUDA
target's Triton generator refuses). The closed forms' trigonometric functions are the
operand type's own (libm's ``acosf`` and ``cosf`` on the CPU, as eager calls them): for
large n, an ulp of ``acos(x)`` is multiplied by n, so only the same functions agree.
"""

from collections.abc import Callable

from torch_mlir import ir
from torch_mlir.dialects import arith, math, scf

from .builders import scalar_constant
from .real import Condition, Real, where

HERMITE_LIMIT = {32: 128, 64: 512}  # eager's degree above which Hermite gives NaN


def _i64() -> ir.Type:
    return ir.IntegerType.get_signless(64)


class Degree:
    """The degree n as eager's int64 (NaN and values beyond int64 become negative, as
    x86's conversion makes them), with the comparisons and conversions eager uses."""

    def __init__(self, n: Real):
        bound = 2.0 ** 63
        valid = (n > -bound) & (n < bound)
        safe = where(valid, n, -1.0)
        self.value = arith.fptosi(_i64(), safe.value)

    def _cmp(self, predicate: str, k: int) -> Condition:
        return Condition(arith.cmpi(getattr(arith.CmpIPredicate, predicate), self.value,
                                    scalar_constant(k, _i64())))

    def __lt__(self, k):
        return self._cmp("slt", k)

    def __gt__(self, k):
        return self._cmp("sgt", k)

    def __eq__(self, k):
        return self._cmp("eq", k)

    __hash__ = None

    def is_even(self) -> Condition:
        low_bit = arith.andi(self.value, scalar_constant(1, _i64()))
        return Condition(arith.cmpi(arith.CmpIPredicate.eq, low_bit, scalar_constant(0, _i64())))

    def plus(self, k: int, like: Real, times: int = 1) -> Real:
        """``times * n + k`` in int64, converted to ``like``'s float type, as eager does."""
        value = self.value if times == 1 else arith.muli(self.value, scalar_constant(times, _i64()))
        return Real(arith.sitofp(like.type, arith.addi(value, scalar_constant(k, _i64()))))

    def limited(self, use: Condition) -> "Degree":
        """n where ``use`` holds, else 0 (so that a loop bounded by it does not run)."""
        copy = object.__new__(Degree)
        copy.value = arith.select(use.value, self.value, scalar_constant(0, _i64()))
        return copy


def _recurrence(n: Degree, first_k: int, k_step: int, bound: Callable, p: Real, q: Real,
                step: Callable, stop_at_nan: bool) -> Real:
    """Eager's loop ``for (k = first_k; bound(k, n) && !isnan(q); k += k_step)
    { r = step(k, p, q); p = q; q = r; }``, returning the last q. ``bound(k, n)`` builds
    the i1 loop test from i64 values; ``step`` gets k as an i64."""
    i64, type_ = _i64(), p.type
    loop = scf.WhileOp([i64, type_, type_], [scalar_constant(first_k, i64), p.value, q.value])
    before = loop.before.blocks.append(i64, type_, type_)
    with ir.InsertionPoint(before):
        k, p_value, q_value = before.arguments
        going = bound(k, n.value)
        if stop_at_nan:
            going = arith.andi(going, arith.cmpf(arith.CmpFPredicate.ORD, q_value, q_value))
        scf.ConditionOp(going, [k, p_value, q_value])
    after = loop.after.blocks.append(i64, type_, type_)
    with ir.InsertionPoint(after):
        k, p_value, q_value = after.arguments
        r = step(k, Real(p_value), Real(q_value))
        scf.YieldOp([arith.addi(k, scalar_constant(k_step, i64)), q_value, r.value])
    return Real(loop.results[2])


def _fused(a: Real, b: Real, c: Real) -> Real:
    """``a * b - c`` with one rounding: eager's kernels are compiled with floating-point
    contraction, which fuses the recurrence's first product and subtraction."""
    return Real(math.fma(a.value, b.value, (-c).value))


def _k_as(k: ir.Value, like: Real, offset: int = 0, scale: int = 1) -> Real:
    """``scale * k + offset`` (int64 arithmetic) converted to ``like``'s float type."""
    value = k
    if scale != 1:
        value = arith.muli(value, scalar_constant(scale, _i64()))
    if offset:
        value = arith.addi(value, scalar_constant(offset, _i64()))
    return Real(arith.sitofp(like.type, value))


def _k_at_most_n(k, n):
    return arith.cmpi(arith.CmpIPredicate.sle, k, n)


def _k_below_n(k, n):
    return arith.cmpi(arith.CmpIPredicate.slt, k, n)


def _acos(x: Real) -> Real:
    return Real(math.acos(x.value))


def _cos(x: Real) -> Real:
    return Real(math.cos(x.value))


def _sin(x: Real) -> Real:
    return Real(math.sin(x.value))


def _signed_by_parity(n: Degree, value: Real) -> Real:
    return where(n.is_even(), value, -value)


def chebyshev(kind: str, x: Real, n: Degree, closed_form_above: int,
              w_parity_fallback: bool = False) -> Real:
    """Chebyshev polynomial of the first to fourth kind (``kind`` t, u, v, w), with the
    closed form used inside (-1, 1) above degree ``closed_form_above``. The shifted
    W takes its parity value where cos(acos(x)/2) rounds to 1 (``w_parity_fallback``)."""
    one = x.lift(1.0)
    two_n_plus_1 = n.plus(1, x, times=2)
    inside = abs(x) < 1.0
    angle = _acos(x)
    if kind == "t":
        at_one = where((x > 0) | n.is_even(), 1.0, x.lift(-1.0))
        closed = _cos(n.plus(0, x) * angle)
        first = x
    elif kind == "u":
        n_plus_1 = n.plus(1, x)
        at_one = where((x > 0) | n.is_even(), n_plus_1, -n_plus_1)
        sine = _sin(angle)
        closed = where(sine != 0, _sin(n_plus_1 * angle) / sine,
                       n_plus_1 * _cos(n_plus_1 * angle) / x)
        first = x + x
    elif kind == "v":
        at_one = where(x > 0, one, _signed_by_parity(n, two_n_plus_1))
        closed = where(_sin(angle / 2.0) != 1, _cos((n.plus(0, x) + 0.5) * angle) / _cos(angle / 2.0),
                       _signed_by_parity(n, two_n_plus_1))
        first = x + x - 1.0
    else:
        at_one = where(x > 0, two_n_plus_1, _signed_by_parity(n, one))
        fallback = _signed_by_parity(n, one) if w_parity_fallback else at_one
        closed = where(_cos(angle / 2.0) != 1, _sin((n.plus(0, x) + 0.5) * angle) / _sin(angle / 2.0),
                       fallback)
        first = x + x + 1.0
    use_closed = (n > closed_form_above) & inside
    loop_n = n.limited(~(use_closed | (abs(x) == 1.0) | (n < 0)))
    two_x = x + x
    looped = _recurrence(loop_n, 2, 1, _k_at_most_n, one, first,
                         lambda k, p, q: _fused(two_x, q, p), stop_at_nan=True)
    result = where(n == 1, first, where(n == 0, one, looped))
    result = where(use_closed, closed, result)
    result = where(abs(x) == 1.0, at_one, result)
    return where(n < 0, x.lift(0.0), result)


def hermite(physicists: bool, x: Real, n: Degree) -> Real:
    """Hermite H (``physicists``) or He: ``r = 2x q - k p`` over k = 2, 4, .. < 2n, or
    ``r = x q - k p`` over k = 1 .. n-1; NaN above eager's degree limit for the type."""
    one = x.lift(1.0)
    first = x + x if physicists else x
    limit = HERMITE_LIMIT[x.type.width]
    loop_n = n.limited(~(n > limit))
    if physicists:
        two_x = x + x
        looped = _recurrence(loop_n, 2, 2,
                             lambda k, m: arith.cmpi(arith.CmpIPredicate.slt, k, arith.addi(m, m)),
                             one, first, lambda k, p, q: _fused(two_x, q, _k_as(k, x) * p),
                             stop_at_nan=False)
    else:
        looped = _recurrence(loop_n, 1, 1, _k_below_n, one, first,
                             lambda k, p, q: _fused(x, q, _k_as(k, x) * p), stop_at_nan=False)
    result = where(n > limit, x.lift(float("nan")), looped)
    result = where(n == 1, first, where(n == 0, one, result))
    return where(n < 0, x.lift(0.0), result)


def laguerre(x: Real, n: Degree) -> Real:
    """Laguerre L: ``r = ((2k + (1 - x)) q - k p) / (k + 1)`` over k = 1 .. n-1; 1 at x = 0."""
    one = x.lift(1.0)
    first = one - x
    looped = _recurrence(n, 1, 1, _k_below_n, one, first,
                         lambda k, p, q: _fused(_k_as(k, x, scale=2) + (one - x), q, _k_as(k, x) * p)
                         / _k_as(k, x, offset=1), stop_at_nan=True)
    result = where(n == 1, first, where(n == 0, one, looped))
    result = where(abs(x) == 0.0, one, result)
    return where(n < 0, x.lift(0.0), result)


def legendre(x: Real, n: Degree) -> Real:
    """Legendre P: ``r = ((2k + 1) x q - k p) / (k + 1)`` over k = 1 .. n-1; ±1 at ±1."""
    one = x.lift(1.0)
    looped = _recurrence(n.limited(~(abs(x) == 1.0)), 1, 1, _k_below_n, one, x,
                         lambda k, p, q: _fused(_k_as(k, x, offset=1, scale=2) * x, q, _k_as(k, x) * p)
                         / _k_as(k, x, offset=1), stop_at_nan=True)
    result = where(n == 1, x, where(n == 0, one, looped))
    result = where(abs(x) == 1.0, where((x > 0) | n.is_even(), one, -one), result)
    return where(n < 0, x.lift(0.0), result)


def _shifted(x: Real) -> Real:
    return x + x - 1.0


# name: (function of (x, n) on the operand's own type)
POLYNOMIALS = {
    "chebyshev_t": lambda x, n: chebyshev("t", x, n, 6),
    "chebyshev_u": lambda x, n: chebyshev("u", x, n, 8),
    "chebyshev_v": lambda x, n: chebyshev("v", x, n, 8),
    "chebyshev_w": lambda x, n: chebyshev("w", x, n, 8),
    "shifted_chebyshev_t": lambda x, n: chebyshev("t", _shifted(x), n, 6),
    "shifted_chebyshev_u": lambda x, n: chebyshev("u", _shifted(x), n, 6),
    "shifted_chebyshev_v": lambda x, n: chebyshev("v", _shifted(x), n, 6),
    "shifted_chebyshev_w": lambda x, n: chebyshev("w", _shifted(x), n, 4, w_parity_fallback=True),
    "hermite_h": lambda x, n: hermite(True, x, n),
    "hermite_he": lambda x, n: hermite(False, x, n),
    "laguerre_l": laguerre,
    "legendre_p": legendre,
}


def polynomial(name: str, x: ir.Value, n: ir.Value) -> ir.Value:
    """The polynomial ``name`` (a key of POLYNOMIALS) of degree n (a float) at x."""
    return POLYNOMIALS[name](Real(x), Degree(Real(n))).value
