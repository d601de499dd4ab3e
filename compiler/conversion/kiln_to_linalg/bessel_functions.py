"""Bessel functions of order 0 and 1 as f64 scalar arithmetic for linalg bodies: J, Y,
the modified I and K (plain and exponentially scaled) and the spherical j0.

Each is its ascending series up to a crossover and its asymptotic expansion beyond,
with the crossover chosen where both are accurate for f64 (see each threshold); the
series are written with the recurrence t_k = t_(k-1) * ±(x/2)**2 / (k (k + nu)), and
the asymptotic coefficients a_k(nu) = prod_(j<=k) (4 nu**2 - (2j - 1)**2) / (k! 8**k).
Like :mod:`special_functions`, these run in f64 and the caller rounds once.
"""

import math

from .real import Real, cos, exp, log, polynomial, sin, sqrt, where
from .special_functions import INF, NAN

EULER_GAMMA = 0.5772156649015329


def _harmonic(k: int) -> float:
    return math.fsum(1 / j for j in range(1, k + 1))


def _asymptotic_coefficients(order: int, count: int) -> tuple[float, ...]:
    mu = 4 * order * order
    coefficients, product = [], 1.0
    for k in range(count):
        coefficients.append(product)
        product *= (mu - (2 * k + 1) ** 2) / ((k + 1) * 8)
    return tuple(coefficients)


def _series(x: Real, order: int, sign: int, weights) -> Real:
    """sum_k weights[k] * t_k with t_k = (±(x/2)**2)**k / (k! (k + order)!)."""
    z = sign * (0.25 * x * x)
    term, total = x.lift(1 / math.factorial(order)), None
    for k, weight in enumerate(weights):
        if k:
            term = term * z / (k * (k + order))
        total = weight * term if total is None else total + weight * term
    return total


def _inverse_power_series(x: Real, coefficients, alternating: bool) -> Real:
    """sum_k (±1)**k c_k / x**k."""
    return polynomial(-1 / x if alternating else 1 / x, coefficients)


# --- modified Bessel functions I and K ---------------------------------------------

# Below 20, the I series (positive terms) needs 40 terms; above, 30 asymptotic terms
# leave less than 3e-18.
I_SERIES_BELOW = 20.0
I_SERIES_TERMS = 40
I_ASYMPTOTIC = {order: _asymptotic_coefficients(order, 30) for order in (0, 1)}


def _i_scaled(x: Real, order: int, scaled: bool, exp_native: Real | None = None) -> Real:
    """I_order(x), or e**-|x| I_order(x) if ``scaled``; odd in x for order 1. Eager's
    unscaled I multiplies by e**|x| in the operand's type, so it is inf wherever that
    overflows (I0 itself overflows a little later); ``exp_native`` is that e**|x|."""
    a = abs(x)
    series = _series(a, order, 1, [1.0] * I_SERIES_TERMS)
    if order:
        series = 0.5 * a * series
    asymptotic = _inverse_power_series(a, I_ASYMPTOTIC[order], True) / sqrt(2 * math.pi * a)
    if scaled:
        magnitude = where(a <= I_SERIES_BELOW, series * exp(-a), asymptotic)
    else:  # e**a * (S / sqrt(a)): NaN at inf, as eager's e**a * S / sqrt(a)
        magnitude = where(a <= I_SERIES_BELOW, series, exp(a) * asymptotic)
        magnitude = where((exp_native == INF) & (a != INF), INF, magnitude)
    return where(x < 0, -magnitude, magnitude) if order else magnitude


def i0(x: Real, exp_native: Real) -> Real:
    return _i_scaled(x, 0, False, exp_native)


def i0e(x: Real) -> Real:
    return _i_scaled(x, 0, True)


def i1(x: Real, exp_native: Real) -> Real:
    return _i_scaled(x, 1, False, exp_native)


def i1e(x: Real) -> Real:
    return _i_scaled(x, 1, True)


# Below 9 the K series cancels by e**18 (7e-9 relative); above, the asymptotic series
# is at its smallest term after 18 terms (3e-9).
K_SERIES_BELOW = 9.0
K_ASYMPTOTIC = {order: _asymptotic_coefficients(order, 18) for order in (0, 1)}


def _k_scaled(x: Real, order: int, scaled: bool) -> Real:
    """K_order(x), or e**x K_order(x) if ``scaled``: inf at 0, NaN below, 0 at inf."""
    half_log = log(0.5 * x)
    if order == 0:
        i_part = _series(x, 0, 1, [1.0] * I_SERIES_TERMS)
        sums = _series(x, 0, 1, [_harmonic(k) for k in range(I_SERIES_TERMS)])
        series = sums - (half_log + EULER_GAMMA) * i_part
    else:
        i_part = 0.5 * x * _series(x, 1, 1, [1.0] * I_SERIES_TERMS)
        digammas = [_harmonic(k) + _harmonic(k + 1) - 2 * EULER_GAMMA for k in range(I_SERIES_TERMS)]
        series = 1 / x + half_log * i_part - 0.25 * x * _series(x, 1, 1, digammas)
    asymptotic = _inverse_power_series(x, K_ASYMPTOTIC[order], False) * sqrt(math.pi / (2 * x))
    if scaled:
        result = where(x <= K_SERIES_BELOW, series * exp(x), asymptotic)
    else:
        result = where(x <= K_SERIES_BELOW, series, asymptotic * exp(-x))
    result = where(x == INF, 0.0, result)
    return where(x == 0, INF, where(x < 0, NAN, result))


def k0(x: Real) -> Real:
    return _k_scaled(x, 0, False)


def k0e(x: Real) -> Real:
    return _k_scaled(x, 0, True)


def k1(x: Real) -> Real:
    return _k_scaled(x, 1, False)


def k1e(x: Real) -> Real:
    return _k_scaled(x, 1, True)


# --- Bessel functions J and Y --------------------------------------------------------

# Below 12 the alternating series cancels by about e**12 (2e-12 absolute); above, the
# Hankel expansion's terms up to x**-24 leave about 6e-12.
J_SERIES_BELOW = 12.0
J_SERIES_TERMS = 32
HANKEL = {order: _asymptotic_coefficients(order, 25) for order in (0, 1)}


def _hankel(x: Real, order: int, phase: Real) -> tuple[Real, Real]:
    """(J, Y) of ``order`` at x > 0 from P cos(chi) - Q sin(chi) and P sin(chi) + Q cos(chi),
    chi = x - (2 order + 1) pi / 4, which the caller passes as ``phase``: eager rounds that
    difference in the operand's type, and for large x it decides the result."""
    coefficients = HANKEL[order]
    minus_inverse_square = -1 / (x * x)
    p = polynomial(minus_inverse_square, coefficients[0::2])
    q = polynomial(minus_inverse_square, coefficients[1::2]) / x
    scale = sqrt(2 / (math.pi * x))
    c, s = cos(phase), sin(phase)
    return scale * (p * c - q * s), scale * (p * s + q * c)


def j0(x: Real, phase: Real) -> Real:
    """J0, even: the series below 12, Hankel's expansion above; NaN at ±inf."""
    a = abs(x)
    series = _series(a, 0, -1, [1.0] * J_SERIES_TERMS)
    return where(a <= J_SERIES_BELOW, series, _hankel(a, 0, phase)[0])


def j1(x: Real, phase: Real) -> Real:
    """J1, odd: the series below 12, Hankel's expansion above; NaN at ±inf."""
    a = abs(x)
    series = 0.5 * a * _series(a, 1, -1, [1.0] * J_SERIES_TERMS)
    magnitude = where(a <= J_SERIES_BELOW, series, _hankel(a, 1, phase)[0])
    return where(x < 0, -magnitude, magnitude)


def y0(x: Real, phase: Real) -> Real:
    """Y0: (2/pi) ((log(x/2) + gamma) J0(x) - sum H_k t_k) below 12, Hankel's expansion
    above; -inf at 0, NaN below 0 and at inf."""
    bessel_j = _series(x, 0, -1, [1.0] * J_SERIES_TERMS)
    sums = _series(x, 0, -1, [_harmonic(k) for k in range(J_SERIES_TERMS)])
    series = 2 / math.pi * ((log(0.5 * x) + EULER_GAMMA) * bessel_j - sums)
    result = where(x <= J_SERIES_BELOW, series, _hankel(x, 0, phase)[1])
    return where(x == 0, -INF, where(x < 0, NAN, result))


def y1(x: Real, phase: Real) -> Real:
    """Y1: (2/pi) J1(x) log(x/2) - 2/(pi x) - (x/(2 pi)) sum (psi(k+1) + psi(k+2)) t_k
    below 12, Hankel's expansion above; -inf at 0, NaN below 0 and at inf."""
    bessel_j = 0.5 * x * _series(x, 1, -1, [1.0] * J_SERIES_TERMS)
    digammas = [_harmonic(k) + _harmonic(k + 1) - 2 * EULER_GAMMA for k in range(J_SERIES_TERMS)]
    series = (2 / math.pi * bessel_j * log(0.5 * x) - 2 / (math.pi * x)
              - 0.5 / math.pi * x * _series(x, 1, -1, digammas))
    result = where(x <= J_SERIES_BELOW, series, _hankel(x, 1, phase)[1])
    return where(x == 0, -INF, where(x < 0, NAN, result))


def spherical_j0(x: Real) -> Real:
    """sin(x) / x: 1 at 0, 0 at ±inf, as eager."""
    result = where(x == 0, 1.0, sin(x) / x)
    return where(abs(x) == INF, 0.0, result)


# --- the Airy function Ai -------------------------------------------------------------

AIRY_AT_0 = 1 / (3 ** (2 / 3) * math.gamma(2 / 3))  # Ai(0)
AIRY_SLOPE_AT_0 = -1 / (3 ** (1 / 3) * math.gamma(1 / 3))  # Ai'(0)
# Within 6 of 0 the Maclaurin series (24 terms) cancels by at most e**(2 zeta) = 3e8
# relative to Ai's own size; beyond, the asymptotic series in 1/zeta, zeta = 2/3 |x|**1.5
# >= 9.8, is at its smallest term (3e-9) after 20 terms. Eager returns 0 above 103.892.
AIRY_SERIES_WITHIN = 6.0
AIRY_SERIES_TERMS = 24
AIRY_ZERO_ABOVE = 103.892


def _airy_coefficients(count: int) -> tuple[float, ...]:
    """u_k = (2k+1)(2k+3)...(6k-1) / (216**k k!) of the asymptotic series."""
    coefficients, u = [], 1.0
    for k in range(count):
        coefficients.append(u)
        u *= (6 * k + 1) * (6 * k + 3) * (6 * k + 5) / ((2 * k + 1) * 216 * (k + 1))
    return tuple(coefficients)


AIRY_ASYMPTOTIC = _airy_coefficients(20)


def airy_ai(x: Real, phase: Real) -> Real:
    """Ai(x): ``Ai(0) f(x) + Ai'(0) g(x)`` from the Maclaurin series within 6 of 0;
    ``e**-zeta / (2 sqrt(pi) x**(1/4)) sum (-1)**k u_k / zeta**k`` above; and
    ``(sin(phase) P - cos(phase) Q) / (sqrt(pi) |x|**(1/4))`` below, with P and Q the
    even and odd parts of sum (-1)**k u_k / zeta**k and ``phase`` = zeta + pi/4 as eager
    rounds it (see widened_math). NaN at ±inf and 0 above 103.892, as eager."""
    cube = x * x * x
    f_term, g_term = x.lift(1.0), x
    f_sum, g_sum = f_term, g_term
    for k in range(1, AIRY_SERIES_TERMS):
        f_term = f_term * cube / ((3 * k - 1) * (3 * k))
        g_term = g_term * cube / ((3 * k) * (3 * k + 1))
        f_sum, g_sum = f_sum + f_term, g_sum + g_term
    series = AIRY_AT_0 * f_sum + AIRY_SLOPE_AT_0 * g_sum
    a = abs(x)
    root = sqrt(a)
    zeta = 2 / 3 * a * root
    quartic_root = sqrt(root)
    decaying = (exp(-zeta) * polynomial(-1 / zeta, AIRY_ASYMPTOTIC)
                / (2 * math.sqrt(math.pi) * quartic_root))
    minus_inverse_square = -1 / (zeta * zeta)
    even = polynomial(minus_inverse_square, AIRY_ASYMPTOTIC[0::2])
    odd = polynomial(minus_inverse_square, AIRY_ASYMPTOTIC[1::2]) / zeta
    oscillating = (sin(phase) * even - cos(phase) * odd) / (math.sqrt(math.pi) * quartic_root)
    result = where(a <= AIRY_SERIES_WITHIN, series, where(x > 0, decaying, oscillating))
    result = where(x > AIRY_ZERO_ABOVE, 0.0, result)
    return where(a == INF, NAN, result)
