"""Special functions as scalar arithmetic for linalg bodies: gamma-family functions, the
Hurwitz zeta function and the error-function family.

Eager computes float32 special functions with single-precision Cephes-style code; these
run in f64 (narrower floats are widened by the caller and rounded once), which matches
eager to well within float32's tolerance and is accurate for f64 itself. Every function
takes and returns a :class:`Real`, and uses only arithmetic, comparisons, selects and
``exp``, ``log``, ``log1p``, ``sqrt``, ``sin``, ``cos``, ``erf``, ``floor``, ``pow``
and ``copysign``, which every target renders. Loops are unrolled: shifts, series and
iterations have fixed counts chosen for full f64 accuracy over the whole domain.
"""

import math
from fractions import Fraction

from .real import (Real, chebyshev_series, copysign, cos, erf, exp, floor, is_nan, log,
                   log1p, polynomial, pow, sin, sqrt, trunc, where)

INF = math.inf
NAN = math.nan


def _bernoulli(count: int) -> list[Fraction]:
    """B_0 .. B_{count-1}, from sum_{k<=m} C(m+1, k) B_k = 0."""
    numbers = [Fraction(1)]
    for m in range(1, count):
        numbers.append(-sum(math.comb(m + 1, k) * numbers[k] for k in range(m)) / (m + 1))
    return numbers


_B = _bernoulli(27)
# Stirling: lgamma(z) = (z - 1/2) log z - z + log(2 pi)/2 + sum B_2k / (2k (2k-1) z^(2k-1))
STIRLING = tuple(float(_B[2 * k] / (2 * k * (2 * k - 1))) for k in range(1, 9))
# digamma(z) = log z - 1/(2z) - sum B_2k / (2k z^2k)
DIGAMMA_ASYMPTOTIC = tuple(float(_B[2 * k] / (2 * k)) for k in range(1, 9))
# Euler-Maclaurin tail of the Hurwitz zeta function: B_2j / (2j)!
ZETA_TAIL = tuple(float(_B[2 * j] / math.factorial(2 * j)) for j in range(1, 13))
# Arguments below this are shifted up by SHIFT with the recurrences; at 10 and above the
# asymptotic series above are below an f64 ulp after 8 terms.
ASYMPTOTIC_FROM = 10.0
SHIFT = 10
ZETA_TERMS = 10  # terms summed before the Euler-Maclaurin tail at q + 10


def _abs_sin_pi(x: Real) -> Real:
    """|sin(pi x)|, with the argument reduced exactly first to r = x - round(x)."""
    return abs(sin(math.pi * (x - floor(x + 0.5))))


def _shifted(x: Real) -> tuple[Real, list[Real]]:
    """``x + 10`` where ``x`` is below 10, else ``x``, and the ten terms ``x + k``
    (1 where not shifted) of the shift."""
    small = x < ASYMPTOTIC_FROM
    return where(small, x + SHIFT, x), [where(small, x + k, 1.0) for k in range(SHIFT)]


def lgamma(x: Real) -> Real:
    """log|Gamma(x)|: Stirling's series at 10 and above, the recurrence
    ``lgamma(x) = lgamma(x + 10) - log(x (x+1) ... (x+9))`` below, and the reflection
    ``lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x)`` for negative ``x``. +inf at
    zero, the negative integers and ±inf, as eager."""
    negative = x < 0
    y = where(negative, 1 - x, x)
    z, factors = _shifted(y)
    product = factors[0]
    for factor in factors[1:]:
        product = product * factor
    inverse = 1 / z
    series = inverse * polynomial(inverse * inverse, STIRLING)
    positive = (z - 0.5) * log(z) - z + 0.5 * math.log(2 * math.pi) + series - log(product)
    reflected = log(math.pi / _abs_sin_pi(x)) - positive
    result = where(negative, reflected, positive)
    return where(abs(x) == INF, INF, result)


def digamma(x: Real) -> Real:
    """psi(x): the asymptotic series at 10 and above, ``psi(x) = psi(x + 10) - sum 1/(x+k)``
    below, and ``psi(x) = psi(1 - x) - pi / tan(pi x)`` for negative ``x``. As eager:
    -inf at +0, +inf at -0, NaN at the negative integers and -inf."""
    negative = x < 0
    y = where(negative, 1 - x, x)
    z, factors = _shifted(y)
    inverse_square = 1 / (z * z)
    series = inverse_square * polynomial(inverse_square, DIGAMMA_ASYMPTOTIC)
    result = log(z) - 0.5 / z - series
    for factor in factors:
        result = result - where(y < ASYMPTOTIC_FROM, 1 / factor, 0.0)
    r = x - trunc(x)
    result = where(negative, result - math.pi * cos(math.pi * r) / sin(math.pi * r), result)
    result = where(negative & (r == 0), NAN, result)
    return where(x == 0, copysign(INF, -x), result)


def _hurwitz_positive(s: Real, q: Real) -> Real:
    """sum_k (q + k)**-s for q > 0 and s > 1: ten terms, then the Euler-Maclaurin tail
    at w = q + 10: w**(1-s)/(s-1) + w**-s/2 + sum B_2j/(2j)! s(s+1)..(s+2j-2) w**(-s-2j+1)."""
    total = pow(q, -s)
    for k in range(1, ZETA_TERMS):
        total = total + pow(q + k, -s)
    w = q + ZETA_TERMS
    power = pow(w, -s)
    total = total + power * w / (s - 1) + 0.5 * power
    rising = s
    term = power / w
    for j, coefficient in enumerate(ZETA_TAIL):
        total = total + coefficient * rising * term
        rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
        term = term / (w * w)
    return total


def zeta(s: Real, q: Real) -> Real:
    """The Hurwitz zeta function with eager's domain: inf at s = 1 and at q = 0, -1, ...;
    NaN for s < 1, for non-integer s with q < 0, and at q = +inf (where eager's
    Euler-Maclaurin tail multiplies 0 by inf); at s = inf, inf for q < 1 and 1 at q = 1. A negative non-integer q = -n - f
    (0 < f < 1) splits the sum by the sign of q + k:
    ``(-1)**s (zeta(s, f) - zeta(s, f + n + 1)) + zeta(s, 1 - f)``."""
    negative = q < 0
    n = floor(-q)
    f = -q - n
    s_is_integer = s == floor(s)
    sign = where(s_is_integer & (floor(s * 0.5) * 2 != s), s.lift(-1), 1.0)
    main = _hurwitz_positive(s, where(negative, f, q))
    crossed = sign * (main - _hurwitz_positive(s, f + n + 1)) + _hurwitz_positive(s, 1 - f)
    result = where(negative, crossed, main)
    result = where((q == INF) | (q <= 0) & ~s_is_integer, NAN, result)
    # at s = inf, a term (q + k)**-s with |q + k| < 1 is inf, and q = 1 leaves 1**-inf
    result = where((s == INF) & (q == 1), 1.0, result)
    result = where((q <= 0) & (q == floor(q)) | (q < 1) & (s == INF), INF, result)
    result = where(s < 1, NAN, result)
    return where(s == 1, INF, result)


def trigamma(x: Real, pi_x: Real) -> Real:
    """psi'(x) = zeta(2, x) for x >= 1/2, and ``pi**2 / sin(pi x)**2 - psi'(1 - x)``
    below, as eager computes it. Eager takes the sine of ``pi * x`` rounded in the
    operand's type, which dominates its error for negative x (and makes the negative
    integers large but finite); ``pi_x`` is that product, so the results agree. 0 at +inf."""
    reflect = x < 0.5
    positive = _hurwitz_positive(x.lift(2), where(reflect, 1 - x, x))
    sine = sin(pi_x)
    result = where(reflect, math.pi ** 2 / (sine * sine) - positive, positive)
    return where(x == INF, 0.0, result)


# erfcx(x) = t exp(P(2t - 1)) with t = 2 / (2 + x), x >= 0: P as a Chebyshev series,
# fitted for this module by least squares on 600 Chebyshev nodes against 40-digit
# values of log(erfcx(x) / t); relative error of erfcx below 1.4e-15 on [0, inf].
ERFCX_P = (-0.6513268598908549, 0.6419697923564903, 0.019476473204186006,
           -0.009561514786808868, -0.0009465953444819741, 0.0003668394978527718,
           4.2523324806906e-05, -2.027857811261884e-05, -1.6242900047576399e-06,
           1.3036558354954672e-06, 1.5626441841943873e-08, -8.523809590002226e-08,
           6.5290543775970606e-09, 5.059343393324624e-09, -9.91363983067352e-10,
           -2.2736504697146227e-10, 9.646790534898304e-11, 2.393864198900792e-12,
           -6.886026821929601e-12, 8.941584195414933e-13, 3.1300704633827394e-13,
           -1.1274971217828962e-13, 1.2819751242557095e-16, 6.922665670980831e-15,
           -1.5383701491068513e-15)


def _erfcx_parts(a: Real) -> tuple[Real, Real]:
    """(t, P) with erfcx(a) = t exp(P) for a >= 0."""
    t = 2 / (2 + a)
    return t, chebyshev_series(2 * t - 1, ERFCX_P)


def erfcx(x: Real, x_squared: Real | None = None) -> Real:
    """exp(x**2) erfc(x): the fit for x >= 0, ``2 exp(x**2) - erfcx(-x)`` below. Eager
    rounds ``x * x`` in the operand's type there, which dominates its error as
    exp(x**2) grows; the caller passes that product as ``x_squared``."""
    t, p = _erfcx_parts(abs(x))
    positive = t * exp(p)
    x_squared = x * x if x_squared is None else x_squared
    return where(x < 0, 2 * exp(x_squared) - positive, positive)


def erfc(x: Real) -> Real:
    """1 - erf(x) without cancellation: ``t exp(P - x**2)`` for x >= 0 (reaching the
    subnormals), ``2 - erfc(-x)`` below."""
    t, p = _erfcx_parts(abs(x))
    positive = t * exp(p - x * x)
    return where(x < 0, 2 - positive, positive)


def log_ndtr(x: Real) -> Real:
    """log of the standard normal CDF, as eager: ``log(erfcx(-t) / 2) - t**2`` with
    ``t = x / sqrt 2`` below -1, ``log1p(-erfc(t) / 2)`` elsewhere."""
    t = x * math.sqrt(0.5)
    tail = log(erfcx(-t) * 0.5) - t * t
    return where(x < -1, tail, log1p(-0.5 * erfc(t)))


def _ndtri_lower(q: Real) -> Real:
    """The x <= 0 with Phi(x) = q for 0 < q <= 1/2: Abramowitz and Stegun 26.2.23 as a
    start (error below 4.5e-4), then three Halley steps on
    ``u = (Phi(x) - q) / phi(x)``, written with the Mills ratio and
    ``exp(log q + x**2 / 2)`` so nothing underflows in the tail."""
    t = sqrt(-2 * log(q))
    x = -(t - polynomial(t, (2.515517, 0.802853, 0.010328))
          / polynomial(t, (1.0, 1.432788, 0.189269, 0.001308)))
    for _ in range(3):
        mills = math.sqrt(math.pi / 2) * erfcx(-x * math.sqrt(0.5))
        u = mills - math.sqrt(2 * math.pi) * exp(log(q) + 0.5 * x * x)
        x = x - u / (1 + 0.5 * x * u)
    return x


def ndtri(p: Real) -> Real:
    """The standard normal quantile: ±inf at 1 and 0, NaN outside [0, 1]. The tail
    nearer ``p`` is solved; ``1 - p`` is exact for p >= 1/2."""
    upper = p > 0.5
    x = _ndtri_lower(where(upper, 1 - p, p))
    result = where(upper, -x, x)
    result = where(p == 0, -INF, where(p == 1, INF, result))
    return where((p < 0) | (p > 1), NAN, result)


def erfinv(y: Real) -> Real:
    """The inverse error function: ``-ndtri((1 - |y|) / 2) / sqrt 2`` with ``y``'s sign
    for |y| >= 1/2 (exact complement), and for |y| < 1/2 three Halley steps on
    ``erf(x) - y`` from the series ``sqrt(pi)/2 (y + pi/12 y**3)`` (within 1%), which
    keep relative accuracy down to the subnormals. ±inf at ±1, NaN beyond."""
    a = abs(y)
    tail = -ndtri(0.5 * (1 - a)) * math.sqrt(0.5)
    x = 0.5 * math.sqrt(math.pi) * (a + math.pi / 12 * a * a * a)
    for _ in range(3):
        u = (erf(x) - a) / (2 / math.sqrt(math.pi) * exp(-x * x))
        x = x - u / (1 + x * u)
    magnitude = where(a < 0.5, x, tail)
    return where(is_nan(y), y, copysign(magnitude, y))
