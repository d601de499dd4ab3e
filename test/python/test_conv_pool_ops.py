"""Convolutions, pooling, resampling, distances and small products compiled by Kiln
match eager PyTorch.

Each case runs on its example inputs and again on fresh random inputs of the same
shapes and value ranges; ``check`` asserts that nothing fell back to torch. Cases with
NaN compare with ``equal_nan`` on their example inputs.
"""

import math

import pytest
import torch

import kiln

from helpers import check

F = torch.nn.functional
_generator = torch.Generator().manual_seed(0)


def rand(*shape, dtype=torch.float32):
    return torch.randn(shape, generator=_generator).to(dtype)


def check_with_nan(fn, *args):
    """Kiln's result equals eager's on inputs holding NaN, NaNs in the same places."""
    compiled = kiln.compile(fn, *args)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    torch.testing.assert_close(compiled(*args), fn(*args), equal_nan=True)


TRANSPOSED_CASES = {
    "1d stride, dilation, output padding": (
        lambda x, w, b: F.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2,
                                           dilation=2), (2, 4, 5), (4, 3, 3), 3),
    "2d groups, padding past the kernel": (
        lambda x, w, b: F.conv_transpose2d(x, w, b, stride=(2, 1), padding=(3, 1), groups=2),
        (1, 4, 6, 5), (4, 3, 2, 3), 6),
    "3d": (
        lambda x, w, b: F.conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1),
        (1, 2, 3, 4, 3), (2, 3, 3, 2, 3), 3),
    "3d unbatched": (
        lambda x, w, b: F.conv_transpose3d(x, w, b, stride=(1, 2, 1), groups=2, dilation=2),
        (4, 3, 2, 3), (4, 1, 2, 2, 2), 2),
    "conv3d groups, stride, padding, dilation": (
        lambda x, w, b: F.conv3d(x, w, b, stride=(2, 1, 2), padding=(1, 0, 2),
                                 dilation=(2, 1, 1), groups=2),
        (2, 4, 6, 5, 5), (4, 2, 2, 3, 2), 4),
    "conv3d one padding for every dimension": (
        lambda x, w, b: F.conv3d(x, w, b, padding=1), (1, 3, 4, 4, 4), (2, 3, 3, 3, 3), 2),
    "conv3d same": (
        lambda x, w, b: F.conv3d(x, w, b, padding="same"), (1, 2, 4, 5, 3), (3, 2, 2, 3, 2), 3),
}


@pytest.mark.parametrize("case", TRANSPOSED_CASES)
def test_transposed_and_3d_convolution(case):
    fn, x, w, b = TRANSPOSED_CASES[case]
    check(fn, rand(*x), rand(*w), rand(b))


def test_convolution_without_bias_in_double():
    check(lambda x, w: F.conv_transpose2d(x, w, stride=2),
          rand(1, 2, 3, 3, dtype=torch.float64), rand(2, 2, 3, 3, dtype=torch.float64))


def test_half_convolution_accumulates_in_f32():
    """Within one half-precision rounding of the f32 convolution of the same inputs."""
    x, w = rand(1, 4, 4, 4, 4, dtype=torch.float16), rand(2, 4, 3, 3, 3, dtype=torch.float16)
    compiled = kiln.compile(F.conv3d, x, w)
    torch.testing.assert_close(compiled(x, w), F.conv3d(x.float(), w.float()).half(),
                               rtol=1e-3, atol=1e-5)


ADAPTIVE_MAX_CASES = {
    "1d uneven": (lambda x: F.adaptive_max_pool1d(x, 3, return_indices=True), (2, 3, 7)),
    "2d uneven, more outputs than inputs": (
        lambda x: F.adaptive_max_pool2d(x, (4, 7), return_indices=True), (2, 3, 5)),
    "2d even": (lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), (1, 2, 6, 6)),
    "2d global": (lambda x: F.adaptive_max_pool2d(x, 1, return_indices=True), (2, 12, 12)),
    "3d uneven": (lambda x: F.adaptive_max_pool3d(x, (2, 3, 2), return_indices=True),
                  (1, 2, 5, 4, 3)),
}


@pytest.mark.parametrize("case", ADAPTIVE_MAX_CASES)
def test_adaptive_max_pool(case):
    fn, shape = ADAPTIVE_MAX_CASES[case]
    check(fn, rand(*shape))


def test_adaptive_max_pool_ties_and_nan():
    """The first maximum of a window, or its last NaN, as eager's kernel picks them."""
    x = torch.tensor([[[1.0, 5.0, 3.0, 5.0, 5.0, -0.0, 0.0],
                       [1.0, math.nan, 3.0, math.nan, 2.0, -math.inf, -math.inf],
                       [-math.inf] * 7]])
    check_with_nan(lambda x: F.adaptive_max_pool1d(x, 3, return_indices=True), x)
    check_with_nan(lambda x: F.adaptive_max_pool2d(x, (2, 3), return_indices=True), x)


@pytest.mark.parametrize("output_size", [(2, 3, 2), (5, 1, 4), 1])
def test_adaptive_avg_pool3d(output_size):
    check(lambda x: F.adaptive_avg_pool3d(x, output_size), rand(2, 3, 5, 4, 6))


def test_adaptive_avg_pool2d_uneven():
    check(lambda x: F.adaptive_avg_pool2d(x, (3, 4)), rand(2, 3, 7, 9))


FRACTIONAL_MAX_CASES = {
    "2d output size, indices": (
        lambda x: F.fractional_max_pool2d(x, 3, output_size=(5, 4), return_indices=True),
        (2, 3, 11, 9)),
    "2d output ratio": (
        lambda x: F.fractional_max_pool2d(x, (2, 3), output_ratio=(0.5, 0.7)), (1, 2, 10, 13)),
    "2d unbatched, one output row": (
        lambda x: F.fractional_max_pool2d(x, 2, output_size=(1, 6), return_indices=True),
        (3, 7, 8)),
    "3d output size, indices": (
        lambda x: F.fractional_max_pool3d(x, (2, 3, 2), output_size=(3, 4, 2),
                                          return_indices=True), (2, 2, 6, 8, 5)),
    "3d unbatched, output ratio": (
        lambda x: F.fractional_max_pool3d(x, 2, output_ratio=0.6), (2, 7, 6, 9)),
}


def from_seed(fn, *args, seed):
    torch.manual_seed(seed)
    return fn(*args)


@pytest.mark.parametrize("case", FRACTIONAL_MAX_CASES)
def test_fractional_max_pool_draws_eager_samples(case):
    """Compiled and eager, each run right after the same ``torch.manual_seed``, draw the
    same window placements and give the same maxima and indices."""
    fn, shape = FRACTIONAL_MAX_CASES[case]
    x = rand(*shape)
    compiled = kiln.compile(fn, x)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    for seed in (3, 4, 5):
        torch.testing.assert_close(from_seed(compiled, x, seed=seed), from_seed(fn, x, seed=seed),
                                   rtol=0, atol=0)


def fractional_max_pool(output_size, kernel_size=2):
    """``aten.fractional_max_pool{2,3}d`` with its samples as an input."""
    op = (torch.ops.aten.fractional_max_pool2d if len(output_size) == 2
          else torch.ops.aten.fractional_max_pool3d)
    return lambda x, samples: op(x, [kernel_size] * len(output_size), output_size, samples)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_fractional_max_pool_given_samples(dtype):
    """Samples passed in: the window starts round in the input's dtype, as eager's do."""
    samples = torch.rand(2, 3, 2, generator=_generator).to(dtype)
    check(fractional_max_pool([9, 12]), rand(2, 3, 31, 40, dtype=dtype), samples)
    samples = torch.rand(1, 2, 3, generator=_generator).to(dtype)
    check(fractional_max_pool([4, 5, 3]), rand(2, 9, 11, 6, dtype=dtype), samples)


def test_fractional_max_pool_float32_rounding_of_window_starts():
    """A sample for which ``(i + u) * alpha`` rounds to a different start in float32
    than in float64, and a sample that is exactly 0."""
    samples = torch.tensor([[[0.221052885055542, 0.221052885055542], [0.0, 0.5]]])
    check(fractional_max_pool([40, 40]), rand(1, 2, 97, 97), samples)


def test_fractional_max_pool_ties_and_nan():
    """The first maximum of a window, or its last NaN, as eager's kernel picks them."""
    x = torch.tensor([[1.0, 5.0, 5.0, -0.0, 0.0, 2.0],
                      [5.0, math.nan, 3.0, math.nan, 2.0, -math.inf],
                      [-math.inf, -math.inf, -math.inf, 1.0, 1.0, 1.0],
                      [-math.inf, -math.inf, -math.inf, math.nan, -math.inf, 0.0]])
    samples = torch.tensor([[[0.0, 0.0], [0.3, 0.9]], [[0.7, 0.1], [0.99, 0.5]]])
    check_with_nan(fractional_max_pool([3, 4]), x.expand(2, 2, 4, 6), samples)
    check_with_nan(fractional_max_pool([2, 2, 4]), x.expand(2, 2, 4, 4, 6),
                   torch.cat([samples, samples[..., :1]], -1))


def test_max_pool2d_backward():
    x = rand(1, 2, 6, 7)
    _, indices = F.max_pool2d(x, 3, 2, 1, return_indices=True)
    grad = rand(*indices.shape)
    check(lambda g, x, i: torch.ops.aten.max_pool2d_with_indices_backward(
        g, x, [3, 3], [2, 2], [1, 1], [1, 1], False, i), grad, x, indices)


@pytest.mark.parametrize("mode, padding_mode", [
    ("bilinear", "zeros"), ("nearest", "border"), ("bicubic", "reflection")])
def test_grid_sample(mode, padding_mode):
    grid = torch.rand(2, 3, 4, 2, generator=_generator) * 2.4 - 1.2
    check(lambda x, g: F.grid_sample(x, g, mode=mode, padding_mode=padding_mode,
                                     align_corners=False), rand(2, 3, 5, 6), grid)


def test_addmv():
    check(lambda x, m, v: torch.addmv(x, m, v, beta=0.5, alpha=2.0), rand(4), rand(4, 3), rand(3))


def test_addmv_beta_zero_ignores_nan():
    x = torch.full((4,), math.nan)
    check_with_nan(lambda x, m, v: torch.addmv(x, m, v, beta=0), x, rand(4, 3), rand(3))


def test_addmv_integers():
    ints = torch.randint(-5, 5, (13,), generator=_generator)
    check(lambda x, m, v: torch.addmv(x, m, v, beta=2, alpha=3),
          ints[:4], ints[:12].reshape(4, 3), ints[10:13])


def test_addbmm():
    check(lambda x, a, b: torch.addbmm(x, a, b, beta=0.6, alpha=0.2),
          rand(5, 1), rand(3, 5, 4), rand(3, 4, 2))


def test_addbmm_integers_and_beta_zero():
    a = torch.randint(-4, 4, (3, 2, 4), generator=_generator)
    b = torch.randint(-4, 4, (3, 4, 5), generator=_generator)
    check(lambda x, a, b: torch.addbmm(x, a, b, alpha=2), torch.ones(2, 5, dtype=torch.int64), a, b)
    check_with_nan(lambda x, a, b: torch.addbmm(x, a, b, beta=0),
                   torch.full((2, 5), math.nan), rand(3, 2, 4), rand(3, 4, 5))


def test_bilinear():
    check(F.bilinear, rand(2, 3, 4), rand(2, 3, 5), rand(6, 4, 5), rand(6))


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, math.inf])
def test_cdist(p):
    check(lambda a, b: torch.cdist(a, b, p), rand(2, 4, 3), rand(1, 5, 3))


def test_cdist_euclidean_by_matrix_product():
    """Past 25 rows eager computes Euclidean distances through a matrix product."""
    check(lambda a, b: torch.cdist(a, b), rand(30, 4), rand(6, 4))


def test_cdist_nan():
    a = rand(3, 4)
    a[1, 2] = math.nan
    for p in (0.0, 1.0, 2.0, math.inf):
        check_with_nan(lambda a, b: torch.cdist(a, b, p), a, rand(2, 4))


@pytest.mark.parametrize("p", [0.0, 3.0, math.inf])
def test_pdist(p):
    check(lambda x: F.pdist(x, p), rand(7, 3))


def test_pdist_nan():
    x = rand(4, 3)
    x[2, 0] = math.nan
    for p in (0.0, 2.0, math.inf):
        check_with_nan(lambda x: F.pdist(x, p), x)


@pytest.mark.parametrize("p", [0.0, 2.0, math.inf])
def test_dist(p):
    check(lambda a, b: torch.dist(a, b, p), rand(3, 4), rand(4))


@pytest.mark.parametrize("options", [
    dict(size=(3, 4)), dict(size=(12, 5)), dict(scale_factor=(1.3, 0.45)),
    dict(size=(2, 7), align_corners=True), dict(size=(1, 1))])
def test_antialiased_bilinear_resize(options):
    check(lambda x: F.interpolate(x, mode="bilinear", antialias=True, **options), rand(2, 3, 7, 9))


@pytest.mark.parametrize("mode, padding_mode, align_corners", [
    ("bilinear", "zeros", False), ("bilinear", "reflection", True),
    ("bilinear", "border", True), ("nearest", "reflection", False), ("nearest", "zeros", True)])
def test_grid_sample_3d(mode, padding_mode, align_corners):
    grid = torch.rand(2, 3, 2, 4, 3, generator=_generator) * 2.6 - 1.3
    check(lambda x, g: F.grid_sample(x, g, mode=mode, padding_mode=padding_mode,
                                     align_corners=align_corners), rand(2, 3, 4, 5, 6), grid)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_grid_sample_3d_nonfinite_coordinates(padding_mode):
    """NaN, infinite and huge coordinates land where eager's kernel puts them."""
    grid = torch.tensor([[[[[math.nan, 0.1, 0.2], [math.inf, -0.3, 0.5], [0.4, -math.inf, 0.0],
                            [3e9, 0.0, 0.0], [0.25, 0.5, -0.75]]]]])
    check_with_nan(lambda x, g: F.grid_sample(x, g, padding_mode=padding_mode,
                                              align_corners=False), rand(1, 2, 3, 4, 5), grid)
