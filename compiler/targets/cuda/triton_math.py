"""Triton compositions of the inverse trigonometric and hyperbolic functions.

``tl`` has no ``atan``, ``asin``, ``sinh``... and the interpreter has no ``libdevice``,
so each is built from ``tl.exp``, ``tl.log``, ``tl.sqrt`` and arithmetic. Kiln computes
these functions in f64 for narrower floats (kiln_to_linalg's ``widened_math``), so
every composition is written to be accurate to a few f64 ulp: Taylor series on reduced
arguments where cancellation would lose digits, closed forms elsewhere. Each function takes the source writer, the operands' names and the bit width
of the float type, and returns an expression.
"""

import math

TAN_PI_12 = math.tan(math.pi / 12)
SQRT3 = math.sqrt(3)
# atan(r) = r * sum((-1)**k * r**(2k) / (2k + 1)) for |r| <= tan(pi/12): 15 terms leave
# less than 1e-19.
ATAN_TAYLOR = tuple((-1) ** k / (2 * k + 1) for k in range(15))
# sinh(a) = a * sum(a**(2k) / (2k + 1)!) for a < 0.5: 11 terms leave less than 1e-26.
SINH_TAYLOR = tuple(1 / math.factorial(2 * k + 1) for k in range(11))
SINH_SERIES_BELOW = 0.5
# Beyond 20, e**-a is below an f64 ulp of e**a; e**a is taken as (e**(a/2))**2 so that
# sinh and cosh stay finite up to where they overflow themselves.
EXP_DOMINATES = 20.0
# Beyond 2**28, sqrt(1 + a**2) is a to within an f64 ulp: asinh(a) = acosh(a) = log(2a).
LOG_DOMINATES = 2.0 ** 28


def _horner(z: str, coefficients) -> str:
    polynomial = repr(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        polynomial = f"{c!r} + {z} * ({polynomial})"
    return polynomial


def _with_sign_of(w, magnitude: str, x: str, width: int) -> str:
    """``magnitude`` negated where ``x``'s sign bit is set (so -0.0 keeps its sign)."""
    return w.assign(f"tl.where({x}.to(tl.int{width}, bitcast=True) < 0, -{magnitude}, {magnitude})")


def _log1p(w, t: str) -> str:
    """``log(u) * t / (u - 1)`` with ``u = 1 + t``, exact where ``u`` rounds to 1 or is inf."""
    t = w.assign(t)
    u = w.assign(f"1.0 + {t}")
    return w.assign(f"tl.where(({u} == 1.0) | ({u} == float('inf')), {t}, "
                    f"tl.log({u}) * ({t} / ({u} - 1.0)))")


def _atan_magnitude(w, a: str) -> str:
    """atan(a) for a >= 0 (or NaN): ``pi/2 - atan(1/a)`` above 1, then
    ``pi/6 + atan((r*sqrt3 - 1) / (r + sqrt3))`` above tan(pi/12), then the series."""
    inverted = w.assign(f"{a} > 1.0")
    r = w.assign(f"tl.where({inverted}, 1.0 / {a}, {a})")
    shifted = w.assign(f"{r} > {TAN_PI_12!r}")
    r = w.assign(f"tl.where({shifted}, ({r} * {SQRT3!r} - 1.0) / ({r} + {SQRT3!r}), {r})")
    z = w.assign(f"{r} * {r}")
    angle = w.assign(f"{r} * ({_horner(z, ATAN_TAYLOR)})")
    angle = w.assign(f"tl.where({shifted}, {angle} + {math.pi / 6!r}, {angle})")
    return w.assign(f"tl.where({inverted}, {math.pi / 2!r} - {angle}, {angle})")


def atan(w, names: list[str], width: int) -> str:
    x = names[0]
    return _with_sign_of(w, _atan_magnitude(w, w.assign(f"tl.abs({x})")), x, width)


def asin(w, names: list[str], width: int) -> str:
    """``atan(x / sqrt((1 - x)(1 + x)))``: ±pi/2 at ±1, NaN beyond."""
    x = names[0]
    ratio = w.assign(f"{x} / tl.sqrt((1.0 - {x}) * (1.0 + {x}))")
    return atan(w, [ratio], width)


def acos(w, names: list[str], width: int) -> str:
    """``2 atan(sqrt((1 - x) / (1 + x)))``: pi at -1, 0 at 1, NaN beyond."""
    x = names[0]
    return w.assign(f"2.0 * {_atan_magnitude(w, w.assign(f'tl.sqrt((1.0 - {x}) / (1.0 + {x}))'))}")


def atan2(w, names: list[str], width: int) -> str:
    """``atan(y / x)``, plus ±pi (``y``'s sign) where ``x``'s sign bit is set. Two
    infinities are replaced by ±1 first (±pi/4, ±3pi/4); a zero ``y`` gives ±0 or ±pi."""
    y, x = names
    both_infinite = w.assign(f"(tl.abs({y}) == float('inf')) & (tl.abs({x}) == float('inf'))")
    y = w.assign(f"tl.where({both_infinite}, {_with_sign_of(w, '1.0', y, width)}, {y})")
    x = w.assign(f"tl.where({both_infinite}, {_with_sign_of(w, '1.0', x, width)}, {x})")
    x_negative = w.assign(f"{x}.to(tl.int{width}, bitcast=True) < 0")
    pi_signed = _with_sign_of(w, repr(math.pi), y, width)
    angle = w.assign(f"{atan(w, [w.assign(f'{y} / {x}')], width)}")
    angle = w.assign(f"tl.where({x_negative}, {angle} + {pi_signed}, {angle})")
    on_axis = w.assign(f"tl.where({x_negative}, {pi_signed}, {y})")
    angle = w.assign(f"tl.where({y} == 0.0, {on_axis}, {angle})")
    return w.assign(f"tl.where({x} != {x}, {x}, {angle})")


def _exp_halves(w, a: str) -> str:
    """``e**a / 2`` as ``h * (h / 2)`` with ``h = e**(a/2)``, finite wherever the result is."""
    h = w.assign(f"tl.exp(0.5 * {a})")
    return w.assign(f"{h} * (0.5 * {h})")


def sinh(w, names: list[str], width: int) -> str:
    """The series below 0.5, ``(e**a - e**-a) / 2`` to 20, ``e**a / 2`` beyond; odd."""
    x = names[0]
    a = w.assign(f"tl.abs({x})")
    e = w.assign(f"tl.exp(tl.minimum({a}, {EXP_DOMINATES!r}))")
    series = w.assign(f"{a} * ({_horner(w.assign(f'{a} * {a}'), SINH_TAYLOR)})")
    closed = w.assign(f"0.5 * ({e} - 1.0 / {e})")
    magnitude = w.assign(f"tl.where({a} < {SINH_SERIES_BELOW!r}, {series}, "
                         f"tl.where({a} < {EXP_DOMINATES!r}, {closed}, {_exp_halves(w, a)}))")
    return _with_sign_of(w, magnitude, x, width)


def cosh(w, names: list[str], width: int) -> str:
    """``(e**a + e**-a) / 2`` to 20, ``e**a / 2`` beyond."""
    a = w.assign(f"tl.abs({names[0]})")
    e = w.assign(f"tl.exp(tl.minimum({a}, {EXP_DOMINATES!r}))")
    return w.assign(f"tl.where({a} < {EXP_DOMINATES!r}, 0.5 * ({e} + 1.0 / {e}), "
                    f"{_exp_halves(w, a)})")


def asinh(w, names: list[str], width: int) -> str:
    """``log1p(a + a**2 / (1 + sqrt(1 + a**2)))``, ``log(a) + log 2`` beyond 2**28; odd."""
    x = names[0]
    a = w.assign(f"tl.abs({x})")
    small = w.assign(f"tl.where({a} > {LOG_DOMINATES!r}, {LOG_DOMINATES!r}, {a})")  # keeps NaN
    near = _log1p(w, f"{small} + {small} * {small} / (1.0 + tl.sqrt(1.0 + {small} * {small}))")
    magnitude = w.assign(f"tl.where({a} > {LOG_DOMINATES!r}, tl.log({a}) + {math.log(2)!r}, {near})")
    return _with_sign_of(w, magnitude, x, width)


def acosh(w, names: list[str], width: int) -> str:
    """``log1p(t + sqrt(2t + t**2))`` with ``t = x - 1``, ``log(x) + log 2`` beyond 2**28;
    NaN below 1."""
    x = names[0]
    t = w.assign(f"tl.where({x} > {LOG_DOMINATES!r}, {LOG_DOMINATES!r}, {x}) - 1.0")
    near = _log1p(w, f"{t} + tl.sqrt(2.0 * {t} + {t} * {t})")
    value = w.assign(f"tl.where({x} > {LOG_DOMINATES!r}, tl.log({x}) + {math.log(2)!r}, {near})")
    return w.assign(f"tl.where({x} < 1.0, float('nan'), {value})")


def atanh(w, names: list[str], width: int) -> str:
    """``log1p(2a / (1 - a)) / 2``: inf at 1, NaN beyond; odd."""
    x = names[0]
    a = w.assign(f"tl.abs({x})")
    magnitude = w.assign(f"0.5 * {_log1p(w, f'2.0 * {a} / (1.0 - {a})')}")
    magnitude = w.assign(f"tl.where({a} > 1.0, float('nan'), {magnitude})")
    return _with_sign_of(w, magnitude, x, width)


COMPOSITIONS = {"math.atan": atan, "math.asin": asin, "math.acos": acos, "math.atan2": atan2,
                "math.sinh": sinh, "math.cosh": cosh, "math.asinh": asinh,
                "math.acosh": acosh, "math.atanh": atanh}
