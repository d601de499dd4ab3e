"""More single ATen ops that Kiln compiles natively, in strict mode (``KILN_FALLBACK=0``).

Each case is a small function around one op with example inputs; `helpers.check`
compiles it, asserts that nothing ran through torch, and compares it with eager on the
example inputs and on fresh random inputs of the same shapes, dtypes and value ranges.
"""

import pytest
import torch
import torch.nn.functional as F

import kiln

from helpers import check

_generator = torch.Generator().manual_seed(0)


def rand(*shape, low=-2.0, high=2.0, dtype=torch.float32):
    """A tensor drawn uniformly from [low, high)."""
    return (low + (high - low) * torch.rand(shape, generator=_generator)).to(dtype)


def randint(*shape, low=0, high):
    """An int64 tensor drawn uniformly from [low, high)."""
    return torch.randint(low, high, shape, generator=_generator)


def vector_norm(ord, dim=None, keepdim=False, dtype=None):
    return lambda x: torch.linalg.vector_norm(x, ord, dim, keepdim, dtype=dtype)


CASES = {
    # linalg.vector_norm: every ord, dims, keepdim and a dtype to compute in
    "vector_norm-2": (vector_norm(2), lambda: (rand(3, 5),)),
    "vector_norm-2-dim": (vector_norm(2, 1), lambda: (rand(3, 5),)),
    "vector_norm-1-negative-dim-keepdim": (vector_norm(1, -1, keepdim=True), lambda: (rand(2, 3, 4),)),
    "vector_norm-inf-dims": (vector_norm(float("inf"), (0, 2)), lambda: (rand(2, 3, 4),)),
    "vector_norm-minus-inf": (vector_norm(float("-inf"), 0), lambda: (rand(4, 3),)),
    "vector_norm-0": (vector_norm(0, 1), lambda: (rand(3, 5).floor(),)),
    "vector_norm-3.5": (vector_norm(3.5, -1), lambda: (rand(3, 5),)),
    "vector_norm-dtype": (vector_norm(2, 1, dtype=torch.float64), lambda: (rand(3, 5),)),
    # uninitialized tensors, overwritten before they are read
    "empty": (lambda x: torch.empty(3, 5).fill_(1.5) + x, lambda: (rand(3, 5),)),
    "empty_like": (lambda x: torch.empty_like(x).copy_(x) * 2, lambda: (rand(3, 5),)),
    "new_empty-int": (lambda x: x.new_empty((2, 4), dtype=torch.int32).fill_(3) + x, lambda: (randint(2, 4, high=9),)),
    # _to_copy: dtype conversions, and device/layout/copy arguments that change nothing on CPU
    "to-float64": (lambda x: x.to(torch.float64) * 3, lambda: (rand(3, 5),)),
    "to-int32-copy": (lambda x: x.to(torch.int32, copy=True), lambda: (rand(3, 5, low=-9, high=9),)),
    "to-device-layout": (lambda x: torch.ops.aten._to_copy(x, dtype=torch.float64, layout=torch.strided,
                                                           device="cpu") + 1, lambda: (rand(3, 5),)),
    # division with a rounding mode
    "div-trunc": (lambda a, b: torch.div(a, b, rounding_mode="trunc"), lambda: (rand(4, 6, low=-9, high=9), rand(4, 6))),
    "div-floor": (lambda a, b: torch.div(a, b, rounding_mode="floor"), lambda: (rand(4, 6, low=-9, high=9), rand(4, 6))),
    "div-floor-broadcast-scalar": (lambda a: torch.div(a, -0.7, rounding_mode="floor"), lambda: (rand(4, 6, low=-9, high=9),)),
    # integer divisors keep one sign: the fresh inputs are drawn from their range, and an
    # integer division by zero raises in eager
    "div-trunc-int": (lambda a, b: torch.div(a, b, rounding_mode="trunc"), lambda: (randint(4, 6, low=-20, high=20), randint(4, 6, low=1, high=6))),
    "div-trunc-int-negative": (lambda a, b: torch.div(a, b, rounding_mode="trunc"), lambda: (randint(4, 6, low=-20, high=20), randint(4, 6, low=-6, high=0))),
    "div-floor-int": (lambda a, b: torch.div(a, b, rounding_mode="floor"), lambda: (randint(4, 6, low=-20, high=20), randint(4, 6, low=1, high=6))),
    "div-floor-int-negative": (lambda a, b: torch.div(a, b, rounding_mode="floor"), lambda: (randint(4, 6, low=-20, high=20), randint(4, 6, low=-6, high=0))),
    "floor_divide-int-scalar": (lambda a: a // -3, lambda: (randint(4, 6, low=-20, high=20),)),
    "fmod-scalar": (lambda x: torch.fmod(x, 1.5), lambda: (rand(3, 5, low=-9, high=9),)),
    "remainder-int-scalar": (lambda x: torch.remainder(x, -4), lambda: (randint(3, 5, low=-20, high=20),)),
    "remainder-scalar-tensor": (lambda x: torch.remainder(3.0, x), lambda: (rand(3, 5, low=0.5, high=3),)),
    # scans
    "cumsum": (lambda x: torch.cumsum(x, 1), lambda: (rand(3, 5),)),
    "cumsum-dim0-3d": (lambda x: torch.cumsum(x, 0), lambda: (rand(4, 3, 2),)),
    "cumsum-negative-dim": (lambda x: x.cumsum(-2), lambda: (rand(2, 6, 3),)),
    "cumsum-1d": (lambda x: x.cumsum(0), lambda: (rand(7),)),
    "cumsum-0d": (lambda x: x.cumsum(0), lambda: (rand(),)),
    "cumsum-dtype": (lambda x: torch.cumsum(x, 1, dtype=torch.float64), lambda: (rand(3, 5),)),
    "cumsum-int32-to-int64": (lambda x: torch.cumsum(x, -1), lambda: (randint(3, 5, low=-9, high=9).int(),)),
    "cumsum-bool": (lambda m: torch.cumsum(m, 0), lambda: (rand(4, 3) > 0,)),
    "cumsum-int-to-float": (lambda x: torch.cumsum(x, 0, dtype=torch.float32), lambda: (randint(4, 3, high=9),)),
    "cumprod": (lambda x: torch.cumprod(x, 1), lambda: (rand(3, 5, low=0.5, high=1.5),)),
    "cumprod-negative-dim-3d": (lambda x: torch.cumprod(x, -3), lambda: (rand(4, 2, 3, low=-1.5, high=1.5),)),
    "cumprod-int": (lambda x: torch.cumprod(x, 0), lambda: (randint(5, 3, low=-3, high=4),)),
    "cumprod-dtype": (lambda x: torch.cumprod(x, 0, dtype=torch.float64), lambda: (randint(5, 3, low=-3, high=4),)),
}


def index_put(accumulate):
    return lambda x, values, *indices: torch.index_put(x, indices, values, accumulate=accumulate)


def scatter_reduce(dim, reduce, include_self=True):
    return lambda x, index, src: torch.scatter_reduce(x, dim, index, src, reduce, include_self=include_self)


# index tensors without repeats: their fresh inputs are drawn from the same range and may repeat
CASES.update({
    # index_put: one or several index tensors, broadcast values, negative indices
    "index_put": (index_put(False), lambda: (rand(5, 3), rand(2, 3), torch.tensor([4, 1]))),
    "index_put-broadcast-value": (index_put(False), lambda: (rand(5, 3), rand(3), torch.tensor([0, 2, 3]))),
    "index_put-two-indices": (index_put(False), lambda: (rand(4, 5, 2), rand(3, 2), torch.tensor([0, 3, 1]), torch.tensor([4, 0, 2]))),
    "index_put-negative": (index_put(False), lambda: (rand(5, 3), rand(2, 3), torch.tensor([-1, -4]))),
    "index_put-accumulate": (index_put(True), lambda: (rand(5, 3), rand(4, 3), torch.tensor([0, 2, 0, 4]))),
    "index_put-accumulate-two-indices": (index_put(True), lambda: (rand(3, 4), rand(5), torch.tensor([0, 2, 0, 1, 0]), torch.tensor([1, 3, 1, 0, -1]))),
    "index_put-accumulate-int": (index_put(True), lambda: (randint(5, 3, high=9), randint(4, 3, high=9), torch.tensor([1, 2, 1, 4]))),
    "setitem-in-place": (lambda x, i, v: x.clone().index_put_((i,), v), lambda: (rand(6), torch.tensor([5, 0]), rand(2))),
    # scatter, scatter_add, scatter_reduce: any dim, an index smaller than src and self
    "scatter": (lambda x, i, s: torch.scatter(x, 1, i, s), lambda: (rand(3, 5), torch.tensor([[0, 1], [2, 3], [4, 0]]), rand(3, 4))),
    "scatter-dim0-negative": (lambda x, i, s: torch.scatter(x, -2, i, s), lambda: (rand(4, 3), torch.tensor([[3, 0], [1, 2]]), rand(2, 3))),
    "scatter-value": (lambda x, i: torch.scatter(x, 1, i, 7.5), lambda: (rand(3, 5), torch.tensor([[0, 4], [2, 3], [1, 0]]))),
    "scatter-int": (lambda x, i, s: x.scatter(0, i, s), lambda: (randint(3, 4, high=9), torch.tensor([[2, 0, 1, 1]]), randint(1, 4, high=9))),
    "scatter_add": (lambda x, i, s: torch.scatter_add(x, 1, i, s), lambda: (rand(3, 5), randint(3, 6, high=5), rand(3, 6))),
    "scatter_add-3d-middle": (lambda x, i, s: x.scatter_add(1, i, s), lambda: (rand(2, 4, 3), randint(2, 5, 2, high=4), rand(2, 5, 3))),
    "scatter_add-int": (lambda x, i, s: x.scatter_add(0, i, s), lambda: (randint(3, 4, high=9), randint(5, 4, high=3), randint(5, 4, high=9))),
    "scatter-reduce-add": (lambda x, i, s: x.scatter(1, i, s, reduce="add"), lambda: (rand(3, 5), randint(3, 4, high=5), rand(3, 4))),
})
for _reduce in ("sum", "prod", "amax", "amin", "mean"):
    for _include_self in (True, False):
        CASES[f"scatter_reduce-{_reduce}-include_self={_include_self}"] = (
            scatter_reduce(1, _reduce, _include_self),
            lambda: (rand(3, 5), randint(3, 6, high=5), rand(3, 6, low=0.5, high=1.5)))
    CASES[f"scatter_reduce-{_reduce}-int"] = (
        scatter_reduce(-2, _reduce, False), lambda: (randint(4, 3, high=9), randint(5, 3, high=4), randint(5, 3, low=-9, high=9)))

CASES.update({
    # pooling: indices, ceil_mode, count_include_pad=False, uneven adaptive windows, 1-D and 3-D
    "max_pool2d-indices": (lambda x: F.max_pool2d(x, 2, return_indices=True), lambda: (rand(2, 3, 6, 6),)),
    "max_pool2d-indices-padding-stride": (lambda x: F.max_pool2d(x, 3, 2, padding=1, return_indices=True), lambda: (rand(1, 2, 7, 8),)),
    "max_pool2d-indices-dilation-ceil": (lambda x: F.max_pool2d(x, 2, 2, dilation=2, ceil_mode=True, return_indices=True), lambda: (rand(1, 2, 9, 8),)),
    "max_pool2d-ceil": (lambda x: F.max_pool2d(x, 3, 2, ceil_mode=True), lambda: (rand(1, 2, 8, 8),)),
    "max_pool2d-indices-unbatched": (lambda x: F.max_pool2d(x, (2, 3), return_indices=True), lambda: (rand(2, 6, 7),)),
    "max_pool1d-indices": (lambda x: F.max_pool1d(x, 3, 2, padding=1, return_indices=True), lambda: (rand(2, 3, 9),)),
    "max_pool3d": (lambda x: F.max_pool3d(x, 2), lambda: (rand(1, 2, 4, 4, 6),)),
    "max_pool3d-indices-padding": (lambda x: F.max_pool3d(x, 3, 2, padding=1, return_indices=True), lambda: (rand(1, 2, 5, 4, 6),)),
    "avg_pool2d-ceil": (lambda x: F.avg_pool2d(x, 3, 2, ceil_mode=True), lambda: (rand(1, 2, 8, 8),)),
    "avg_pool2d-ceil-padding": (lambda x: F.avg_pool2d(x, 3, 2, padding=1, ceil_mode=True), lambda: (rand(1, 2, 8, 7),)),
    "avg_pool2d-exclude-pad": (lambda x: F.avg_pool2d(x, 3, 2, padding=1, count_include_pad=False), lambda: (rand(2, 2, 8, 8),)),
    "avg_pool2d-exclude-pad-ceil": (lambda x: F.avg_pool2d(x, 3, 2, padding=1, ceil_mode=True, count_include_pad=False), lambda: (rand(1, 2, 8, 9),)),
    "avg_pool2d-divisor-override": (lambda x: F.avg_pool2d(x, 2, padding=1, divisor_override=3), lambda: (rand(1, 2, 5, 5),)),
    "avg_pool1d-exclude-pad": (lambda x: F.avg_pool1d(x, 3, 2, padding=1, count_include_pad=False), lambda: (rand(2, 3, 9),)),
    "avg_pool3d": (lambda x: F.avg_pool3d(x, 2), lambda: (rand(1, 2, 4, 4, 6),)),
    "avg_pool3d-ceil-exclude-pad": (lambda x: F.avg_pool3d(x, 3, 2, padding=1, ceil_mode=True, count_include_pad=False), lambda: (rand(1, 2, 5, 6, 4),)),
    "adaptive_avg_pool2d-uneven": (lambda x: F.adaptive_avg_pool2d(x, (3, 2)), lambda: (rand(2, 3, 7, 5),)),
    "adaptive_avg_pool2d-larger-output": (lambda x: F.adaptive_avg_pool2d(x, (4, 6)), lambda: (rand(1, 2, 3, 5),)),
    # unfold: windows of one dimension as a new last dimension
    "unfold": (lambda x: x.unfold(1, 2, 1) * 2, lambda: (rand(3, 5),)),
    "unfold-negative-dim-step": (lambda x: x.unfold(-2, 3, 2), lambda: (rand(2, 7, 3),)),
    "unfold-int-1d": (lambda x: x.unfold(0, 2, 3), lambda: (randint(8, high=9),)),
})


@pytest.mark.parametrize("case", CASES)
def test_op_compiles_natively_and_matches_eager(case, monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")
    fn, make_args = CASES[case]
    check(fn, *make_args())


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_division_rounding_is_exact_on_quotients_near_integers(mode, monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")
    a = torch.tensor([1.0, -1.0, 0.3, -0.3, 7.0, -7.0, 0.0, 5.0, -5.0, 2.5])
    b = torch.tensor([0.1, 0.1, 0.1, -0.1, 2.0, 2.0, 3.0, -0.5, 0.0, -0.0])

    def divide(x, y):
        return torch.div(x, y, rounding_mode=mode)

    torch.testing.assert_close(kiln.compile(divide, a, b)(a, b), divide(a, b), rtol=0, atol=0, equal_nan=True)
