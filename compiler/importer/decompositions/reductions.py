"""Reductions and scans: accurate means and variances, cumulative sums and products."""

import torch

aten = torch.ops.aten

HALF_PRECISION = (torch.float16, torch.bfloat16)


def _reduced_count(x: torch.Tensor, dims) -> int:
    """How many elements each result of reducing ``x`` over ``dims`` sums."""
    if x.dim() == 0:  # eager lets dim 0 (or -1) name a 0-d tensor's one element
        return 1
    dims = dims if dims else range(x.dim())  # None and [] both mean every dimension
    count = 1
    for d in dims:
        count *= x.shape[d]
    return count




def var_mean(x, dim=None, *, correction=None, keepdim=False):
    """Two-pass variance in plain sums, so no ``prims.var`` reaches the importer; a
    complex input's variance is the mean squared magnitude of its deviations, a real.

    Half-precision inputs are computed in float32 and rounded once, as eager does."""
    if x.dtype in HALF_PRECISION:
        var, mean = var_mean(x.float(), dim, correction=correction, keepdim=keepdim)
        return var.to(x.dtype), mean.to(x.dtype)
    correction = 1 if correction is None else correction
    count = _reduced_count(x, dim)
    mean = torch.sum(x, dim, keepdim=True) / count
    deviation = x - mean
    if x.is_complex():  # the squared magnitude, a real number
        squared = (torch.view_as_real(deviation) ** 2).sum(-1)
    else:
        squared = deviation * deviation
    var = torch.sum(squared, dim, keepdim=keepdim) / max(count - correction, 0)
    if keepdim:
        return var, mean
    return var, mean.reshape(var.shape)


def var(x, dim=None, *, correction=None, keepdim=False):
    return var_mean(x, dim, correction=correction, keepdim=keepdim)[0]


def mean(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over count; half precision sums and divides in float32 and rounds once, as eager."""
    x = x if dtype is None else x.to(dtype)
    if x.dtype in HALF_PRECISION:
        return mean(x.float(), dim, keepdim).to(x.dtype)
    return torch.sum(x, dim, keepdim=keepdim) / _reduced_count(x, dim)


def _scan(reduce, identity, x, dim, dtype):
    """The inclusive scan of ``x`` along ``dim``: result k reduces the elements j <= k.

    Written as a reduction over a masked copy with one more dimension (j next to k), so
    it needs no loop-carried value; integers and booleans scan in int64 and half
    precision in float32, as eager does."""
    if dtype is not None:
        x = x.to(dtype)
    elif not x.is_floating_point() and not x.is_complex():
        x = x.to(torch.int64)
    if x.dtype in HALF_PRECISION:
        return _scan(reduce, identity, x.float(), dim, None).to(x.dtype)
    if x.dim() == 0:
        return x.clone()
    dim = dim % x.dim()
    length = x.shape[dim]
    positions = torch.arange(length, device=x.device)
    trailing = [1] * (x.dim() - dim - 1)
    included = (positions.unsqueeze(1) >= positions).reshape([length, length] + trailing)
    masked = torch.where(included, x.unsqueeze(dim), torch.full((), identity, dtype=x.dtype))
    return reduce(masked, dim + 1)


def cumsum(x, dim, *, dtype=None):
    return _scan(torch.sum, 0, x, dim, dtype)


def cumprod(x, dim, *, dtype=None):
    return _scan(torch.prod, 1, x, dim, dtype)


TORCH_DECOMPOSITIONS = [aten.linalg_vector_norm]

DECOMPOSITIONS = {
    aten.var_mean.correction: var_mean,
    aten.var.correction: var,
    aten.mean.dim: mean,
    aten.mean.default: mean,
    aten.cumsum.default: cumsum,
    aten.cumprod.default: cumprod,
}
