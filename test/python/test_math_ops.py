"""Elementwise math and special functions, compared with eager at torch's default
tolerances for each dtype (float32: rtol 1.3e-6, atol 1e-5), NaN equal to NaN.

Inputs include the values where implementations go wrong: signed zeros, infinities,
NaN, subnormals, poles, the edges of each domain and of overflow, and integers (which
promote to float as eager promotes them). Several ops share one compiled function to
keep the file quick; the CUDA target's compositions run through Triton's interpreter.
"""

import math

import pytest
import torch

import kiln

from helpers import check

INF, NAN = math.inf, math.nan
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.5, 1e-30, -1e-39, 1e-45, 3e38, -3e38,
           INF, -INF, NAN, 88.5, -89.5, 0.999999, 1.000001, 10.0, 100.0, 1e-5, 0.3]
FLOATS = [torch.float32, torch.float64, torch.float16, torch.bfloat16]


def special(dtype=torch.float32):
    return torch.tensor(SPECIAL, dtype=torch.float64).to(dtype)


def matches_eager(fn, *args, target="cpu"):
    """Compile ``fn`` with nothing run through torch, and compare it with eager."""
    compiled = kiln.compile(fn, *args, target=target)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    with torch.no_grad():
        torch.testing.assert_close(compiled(*args), fn(*args), equal_nan=True)


def unary_math(x):
    return (torch.tan(x), torch.acos(x), torch.asin(x), torch.atan(x), torch.sinh(x),
            torch.cosh(x), torch.acosh(x), torch.asinh(x), torch.atanh(x), torch.erfc(x),
            torch.exp2(x), torch.log2(x), torch.log10(x), torch.isinf(x), torch.signbit(x),
            torch.angle(x))


@pytest.mark.parametrize("dtype", FLOATS)
def test_unary_math_special_values(dtype):
    matches_eager(unary_math, special(dtype))


@pytest.mark.parametrize("dtype", [torch.int64, torch.int32, torch.bool])
def test_unary_math_promotes_integers(dtype):
    matches_eager(unary_math, torch.tensor([0, 1, 2, -3, 7]).to(dtype))


def test_unary_math_random():
    check(lambda x: torch.asinh(x) * torch.atan(x) + torch.log2(x.abs() + 1), torch.randn(64) * 5)


def binary_math(a, b):
    return (torch.atan2(a, b), torch.copysign(a, b), torch.hypot(a, b), torch.fmax(a, b),
            torch.fmin(a, b), torch.nextafter(a, b))


@pytest.mark.parametrize("dtype", FLOATS)
def test_binary_math_special_values(dtype):
    x = special(dtype)
    matches_eager(binary_math, x[:, None], x[None, :])


def test_binary_math_on_integers():
    x = torch.tensor([0, 1, 2, -3, 7])
    matches_eager(lambda a, b: (torch.atan2(a, b), torch.copysign(a, b), torch.fmax(a, b),
                                torch.fmin(a, b)), x[:, None], x[None, :])


@pytest.mark.parametrize("dtype", FLOATS)
def test_ldexp_is_exact_from_overflow_to_subnormals(dtype):
    generator = torch.Generator().manual_seed(0)
    scale = torch.exp2(torch.randint(-1100, 1100, (512,), generator=generator).double())
    x = torch.cat([torch.randn(512, generator=generator, dtype=torch.float64) * scale,
                   special(torch.float64)]).to(dtype)
    wide = torch.randint(-2200, 2200, x.shape, generator=generator)
    beyond_int32 = wide + torch.randint(-1, 2, x.shape, generator=generator) * 2 ** 32
    matches_eager(torch.ldexp, x, beyond_int32)  # eager takes the exponent as int32
    matches_eager(torch.ldexp, x, torch.randn(x.shape, generator=generator).to(dtype) * 10)


def test_ldexp_of_integers():
    matches_eager(torch.ldexp, torch.tensor([1, 2, -3]), torch.tensor([3, -1, 40]))


@pytest.mark.parametrize("dtype", FLOATS)
def test_frexp(dtype):
    matches_eager(torch.frexp, special(dtype))


def test_signbit_sees_negative_zero_and_nan():
    x = torch.tensor([0.0, -0.0, 1.0, -1.0, INF, -INF]).copysign(torch.tensor([1.0, -1, 1, -1, 1, -1]))
    x = torch.cat([x, torch.tensor([NAN]).copysign(torch.tensor([-1.0]))])
    matches_eager(torch.signbit, x)
    matches_eager(torch.signbit, torch.tensor([0, -2, 3]))


GAMMA_VALUES = [0.0, -0.0, 1.0, 2.0, -1.0, -2.0, -2.5, 0.5, 1e-30, -1e-30, 1e17, 1e30,
                -1e30, INF, -INF, NAN, 1.4616321, 9.999999, 10.0, -7.9505868, -3.0336847]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gamma_family(dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor(GAMMA_VALUES, dtype=dtype),
                   torch.rand(200, generator=generator, dtype=dtype) * 40 - 30])
    matches_eager(lambda x: (torch.lgamma(x), torch.digamma(x), torch.polygamma(1, x),
                             torch.polygamma(2, x), torch.polygamma(3, x)), x)


def test_mvlgamma_and_polygamma_of_integers():
    matches_eager(lambda x: torch.mvlgamma(x, 3), torch.rand(20) * 10 + 1.01)
    matches_eager(lambda x: (torch.lgamma(x), torch.digamma(x), torch.polygamma(2, x)),
                  torch.tensor([1, 2, 5, 30, -4]))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_hurwitz_zeta(dtype):
    s = torch.tensor([1.0, 1.5, 2.0, 3.0, 5.0, 11.0, 0.5, 60.0, INF, NAN], dtype=dtype)
    q = torch.tensor([1.0, 0.3, 1e-4, 7.5, 1e4, 0.0, -1.0, -1.5, -2.5, -40.25, INF, -INF, NAN],
                     dtype=dtype)
    matches_eager(torch.special.zeta, s[:, None], q[None, :])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_error_function_family(dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor(GAMMA_VALUES, dtype=dtype),
                   torch.randn(200, generator=generator, dtype=dtype) * 6])
    matches_eager(lambda x: (torch.erfc(x), torch.special.erfcx(x), torch.special.log_ndtr(x)), x)
    p = torch.cat([torch.tensor([0.0, 1.0, 0.5, -0.1, 1.1, 1e-30, 1e-7, 0.999999, NAN], dtype=dtype),
                   torch.rand(100, generator=generator, dtype=dtype)])
    matches_eager(lambda p: (torch.special.ndtri(p), torch.erfinv(2 * p - 1), torch.erfinv(p * 1e-20)), p)


BESSEL_VALUES = [0.0, -0.0, 1.0, -1.0, 5.1, 9.0, 12.0, 20.0, 30.0, -30.0, 91.5, -91.5, 800.0,
                 1e-30, INF, -INF, NAN]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_modified_bessel(dtype):
    generator = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor(BESSEL_VALUES, dtype=dtype),
                   torch.rand(200, generator=generator, dtype=dtype) * 80 - 40])
    special_ = torch.special
    matches_eager(lambda x: (torch.i0(x), special_.i0e(x), special_.i1(x), special_.i1e(x),
                             special_.modified_bessel_k0(x), special_.modified_bessel_k1(x),
                             special_.scaled_modified_bessel_k0(x),
                             special_.scaled_modified_bessel_k1(x),
                             special_.spherical_bessel_j0(x)), x)


def bessel_j_y_airy(x):
    special_ = torch.special
    return (special_.bessel_j0(x), special_.bessel_j1(x), special_.bessel_y0(x),
            special_.bessel_y1(x), special_.airy_ai(x))


def test_bessel_j_y_and_airy():
    generator = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor(BESSEL_VALUES + [-2.1, -6.0, 6.0, 103.8, 104.0, 3e4, -1e5]),
                   torch.rand(200, generator=generator) * 80 - 40])
    matches_eager(bessel_j_y_airy, x)


@pytest.mark.uses_fallback
def test_bessel_j_y_and_airy_refuse_float64():
    """Eager's float64 J, Y and Ai are accurate to about 1e-6 only: Kiln leaves them to torch."""
    compiled = kiln.compile(bessel_j_y_airy, torch.rand(8, dtype=torch.float64))
    assert len(compiled.stats["fallbacks"]) == 5


def test_compositions_in_triton_interpreter():
    """The CUDA target's Triton compositions of atan, asin, acos, atan2, sinh, cosh,
    asinh, acosh and atanh (f64 inside for float32), and a special function."""
    x = torch.cat([special(), torch.randn(64) * 4])
    y, n = x.flip(0), torch.arange(x.numel()) - 40
    matches_eager(lambda x, y, n: (torch.acos(x), torch.asin(x), torch.atan(x), torch.sinh(x),
                                   torch.cosh(x), torch.acosh(x), torch.asinh(x), torch.atanh(x),
                                   torch.atan2(x, y), torch.hypot(x, y), torch.lgamma(x),
                                   torch.ldexp(x, n), torch.special.airy_ai(x)),
                  x, y, n, target="cuda-interpreter")


POLYNOMIALS = [f"{kind}_polynomial_{letter}" for kind, letters in (
    ("chebyshev", "tuvw"), ("shifted_chebyshev", "tuvw"), ("hermite", ("h", "he")),
    ("laguerre", "l"), ("legendre", "p")) for letter in letters]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_orthogonal_polynomials(dtype):
    """Degrees around each closed-form threshold, past Hermite's limit and into overflow,
    negative, fractional and NaN; x at ±1, 0, just beyond 1, infinite and NaN."""
    generator = torch.Generator().manual_seed(0)
    x = torch.cat([torch.tensor([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, 1e-10, 1.0000001,
                                 -0.9999999, INF, -INF, NAN]),
                   torch.rand(12, generator=generator) * 4 - 2]).to(dtype)[:, None]
    n = torch.tensor([-1.0, 0.0, 1.0, 2.0, 4.5, 5.0, 7.0, 9.0, 50.0, 129.0, 300.0, NAN, -0.5,
                      1e20], dtype=dtype)[None, :]
    functions = [getattr(torch.special, name) for name in POLYNOMIALS]
    matches_eager(lambda x, n: tuple(f(x, n) for f in functions), x, n)


def test_orthogonal_polynomials_are_refused_by_the_cuda_target():
    """Their loop inside the elementwise body has no Triton rendering yet: a clear error."""
    with pytest.raises(kiln.KilnError, match="scf.while"):
        kiln.compile(torch.special.legendre_polynomial_p, torch.rand(4), torch.rand(4),
                     target="cuda-interpreter")


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_incomplete_gamma(dtype):
    """Both sides of x = a + 1, a and x large and close, and the domain's edges (outside
    it, as for a negative a, the loops must not run)."""
    edges = [0.0, 1e-30, 0.5, 1.0, 2.0, 9.99, 10.0, 150.0, 250.0, 1e4, 1e6, INF, NAN, -8.5]
    generator = torch.Generator().manual_seed(0)
    a = torch.cat([torch.tensor(edges), torch.exp(torch.rand(12, generator=generator) * 16 - 6)])
    x = torch.cat([torch.tensor(edges[:-4] + [1e4 + 50, 1e6 - 3000, INF, NAN, -8.5]),
                   torch.exp(torch.rand(12, generator=generator) * 16 - 6)])
    a, x = a.to(dtype)[:, None], x.to(dtype)[None, :]
    matches_eager(lambda a, x: (torch.igamma(a, x), torch.igammac(a, x)), a, x)
