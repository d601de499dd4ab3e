"""The regularized incomplete gamma functions P(a, x) (``igamma``) and Q(a, x) = 1 - P
(``igammac``) as f64 scalar arithmetic, iterated to convergence.

Below x = a + 1, P's power series ``x**a e**-x / Gamma(a + 1) sum x**k / ((a+1)..(a+k))``;
above, Q's continued fraction (Legendre's, by Lentz's method); each function is the one
computed or 1 less it, which never cancels badly on its side of a + 1. Both are
``scf.while`` loops run until the next term no longer changes the f64 sum, about
9 sqrt(a) steps at worst (x near a), so they suit every target that takes loops (the
CPU); the CUDA target refuses them. The factor ``x**a e**-x / Gamma(a)`` is written,
for a >= 10, as ``sqrt(a / 2pi) exp(a (log1p(t) - t) - S(a))`` with t = (x - a) / a and
S Stirling's correction, so that large a and x do not cancel.
"""

import math

from .real import Real, exp, log, log1p, polynomial, sqrt, where, while_loop
from .special_functions import ASYMPTOTIC_FROM, INF, NAN, STIRLING, lgamma

EPSILON = 2.0 ** -56  # a term below this fraction of the sum no longer changes it
TINY = 1e-300  # Lentz's guard against a zero denominator
# log1p(t) - t = sum_(k>=2) (-1)**(k+1) t**k / k, to below 1e-17 for |t| < 1/4
LOG1P_MINUS_T = tuple(0.0 if k < 2 else (-1) ** (k + 1) / k for k in range(29))
SERIES_T_BELOW = 0.25


def _log1p_minus_identity(t: Real) -> Real:
    series = polynomial(t, LOG1P_MINUS_T)
    return where(abs(t) < SERIES_T_BELOW, series, log1p(t) - t)


def _power_factor(a: Real, x: Real) -> Real:
    """x**a e**-x / Gamma(a), without cancellation for large a (see the module)."""
    direct = exp(a * log(x) - x - lgamma(a))
    t = (x - a) / a
    inverse = 1 / a
    stirling = inverse * polynomial(inverse * inverse, STIRLING)
    large = sqrt(a / (2 * math.pi)) * exp(a * _log1p_minus_identity(t) - stirling)
    return where(a < ASYMPTOTIC_FROM, direct, large)


def _lower_series(a: Real, x: Real, run: Real) -> Real:
    """sum x**k / ((a+1)..(a+k)); runs only where ``run`` is 1 (else 0)."""
    def keep_going(state):
        term, total, _ = state
        return abs(term) > abs(total) * EPSILON

    def step(state):
        term, total, k = state
        term = term * x / (a + k)
        return [term, total + term, k + 1]

    _, total, _ = while_loop([run, x.lift(1.0), x.lift(1.0)], keep_going, step)
    return total


def _upper_fraction(a: Real, x: Real, run: Real) -> Real:
    """Q(a, x) e**x Gamma(a) / x**a as 1 / (x + 1 - a - 1 (1 - a) / (x + 3 - a - ...)),
    by Lentz's method; runs only where ``run`` is 1."""
    def keep_going(state):
        delta = state[4]
        return abs(delta - 1) > EPSILON

    def step(state):
        b, c, d, h, _, i = state
        term = -i * (i - a)
        b = b + 2
        d = term * d + b
        d = 1 / where(abs(d) < TINY, TINY, d)
        c = b + term / c
        c = where(abs(c) < TINY, TINY, c)
        delta = d * c
        return [b, c, d, h * delta, delta, i + 1]

    b = x + 1 - a
    start = [b, x.lift(1 / TINY), 1 / b, 1 / b, where(run == 1, x.lift(2.0), 1.0), x.lift(1.0)]
    return while_loop(start, keep_going, step)[3]


def _regularized(a: Real, x: Real, lower: bool) -> Real:
    """P(a, x) if ``lower`` else Q(a, x), with eager's values at the domain's edges."""
    use_series = x < a + 1
    inside = (a > 0) & (x > 0) & (a < INF) & (x < INF)  # the loops run only there
    factor = _power_factor(a, x)
    p = factor / a * _lower_series(a, x, where(inside & use_series, x.lift(1.0), 0.0))
    q = factor * _upper_fraction(a, x, where(inside & ~use_series, x.lift(1.0), 0.0))
    inner, outer = (p, 1 - q) if lower else (1 - p, q)
    result = where(use_series, inner, outer)
    at_x_inf, at_x_zero = (x.lift(1.0), x.lift(0.0)) if lower else (x.lift(0.0), x.lift(1.0))
    result = where(x == INF, at_x_inf, result)
    result = where(a == INF, where(x == INF, NAN, at_x_zero), result)
    result = where(x == 0, at_x_zero, result)
    result = where(a == 0, where(x > 0, at_x_inf, NAN), result)
    return where((x < 0) | (a < 0), NAN, result)


def igamma(a: Real, x: Real) -> Real:
    return _regularized(a, x, True)


def igammac(a: Real, x: Real) -> Real:
    return _regularized(a, x, False)
