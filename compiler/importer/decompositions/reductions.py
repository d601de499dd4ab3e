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

    float32 sums accumulate in float64 and the mean and the variance are divided there
    and rounded once, as eager's CPU kernels accumulate float32 in double: data far from
    zero (values in [100, 101]) keep every digit of their variance. The deviations stay
    float32, so no float64 copy of the input is ever stored. Half precision is computed
    in float32 and rounded once, as eager does."""
    return _moments(x, dim, correction, keepdim, finish=lambda var: var)


def std_mean(x, dim=None, *, correction=None, keepdim=False):
    """The square root of :func:`var_mean`'s variance, taken before it is rounded."""
    return _moments(x, dim, correction, keepdim, finish=torch.sqrt)


def _moments(x, dim, correction, keepdim, finish):
    """``finish`` of the variance, and the mean, each rounded once to ``x``'s precision."""
    if x.dtype in HALF_PRECISION:
        spread, mean = _moments(x.float(), dim, correction, keepdim, finish)
        return spread.to(x.dtype), mean.to(x.dtype)
    correction = 1 if correction is None else correction
    count = _reduced_count(x, dim)
    mean = (_wide_sum(x, dim, keepdim=True) / count).to(x.dtype)
    deviation = x - mean
    if x.is_complex():  # the squared magnitude, a real number
        squared = (torch.view_as_real(deviation) ** 2).sum(-1)
    else:
        squared = deviation * deviation
    var = _wide_sum(squared, dim, keepdim=keepdim) / max(count - correction, 0)
    spread = finish(var).to(squared.dtype)
    if keepdim:
        return spread, mean
    return spread, mean.reshape(spread.shape)


def _wide_sum(x, dim, keepdim):
    """The sum of ``x`` over ``dim``, in float64 for float32 (to be divided, then rounded)."""
    if x.dtype == torch.float32:
        return torch.sum(x, dim, keepdim=keepdim, dtype=torch.float64)
    return torch.sum(x, dim, keepdim=keepdim)


def var(x, dim=None, *, correction=None, keepdim=False):
    return var_mean(x, dim, correction=correction, keepdim=keepdim)[0]


def std(x, dim=None, *, correction=None, keepdim=False):
    return std_mean(x, dim, correction=correction, keepdim=keepdim)[0]


def mean(x, dim=None, keepdim=False, *, dtype=None):
    """Sum over count, rounded once: float32 sums and divides in float64, half
    precision in float32, as eager's CPU kernels accumulate."""
    x = x if dtype is None else x.to(dtype)
    if x.dtype in HALF_PRECISION:
        return mean(x.float(), dim, keepdim).to(x.dtype)
    return (_wide_sum(x, dim, keepdim) / _reduced_count(x, dim)).to(x.dtype)


SCAN_BLOCK = 64  # elements a block scans by masked reduction: n * SCAN_BLOCK work in all


def _scan(reduce, combine, identity, x, dim, dtype):
    """The inclusive scan of ``x`` along ``dim``: result k combines the elements j <= k.

    Integers and booleans scan in int64, half precision in float32 and float32 in
    float64, each rounded once at the end, as eager's CPU kernels accumulate."""
    if dtype is not None:
        x = x.to(dtype)
    elif not x.is_floating_point() and not x.is_complex():
        x = x.to(torch.int64)
    wider = {torch.float16: torch.float32, torch.bfloat16: torch.float32,
             torch.float32: torch.float64}.get(x.dtype)
    if wider is not None:
        return _scan(reduce, combine, identity, x.to(wider), dim, None).to(x.dtype)
    if x.dim() == 0:
        return x.clone()
    scanned = _scan_last(reduce, combine, identity, x.movedim(dim, -1))
    return scanned.movedim(-1, dim)


def _scan_last(reduce, combine, identity, x):
    """The inclusive scan along the last dimension, in blocks of ``SCAN_BLOCK``.

    Each block is scanned by a masked reduction; the block totals are scanned the same
    way, one level up, and each block's elements are combined with the totals of the
    blocks before it. So the work is about ``n * SCAN_BLOCK``, not ``n * n``, and each
    result combines only O(SCAN_BLOCK * levels) partials, which keeps long sums accurate."""
    length = x.shape[-1]
    if length <= SCAN_BLOCK:
        return _masked_scan(reduce, identity, x)
    blocks = -(-length // SCAN_BLOCK)
    padded = torch.nn.functional.pad(x, (0, blocks * SCAN_BLOCK - length), value=identity)
    within = _masked_scan(reduce, identity, padded.reshape(*x.shape[:-1], blocks, SCAN_BLOCK))
    through_block = _scan_last(reduce, combine, identity, within[..., -1])
    before_block = torch.nn.functional.pad(through_block[..., :-1], (1, 0), value=identity)
    scanned = combine(within, before_block.unsqueeze(-1))
    return scanned.reshape(*x.shape[:-1], blocks * SCAN_BLOCK)[..., :length]


def _masked_scan(reduce, identity, x):
    """The inclusive scan along the last dimension as a reduction over a masked copy with
    one more dimension (j next to k), so it needs no loop-carried value."""
    length = x.shape[-1]
    positions = torch.arange(length, device=x.device)
    included = positions.unsqueeze(1) >= positions
    masked = torch.where(included, x.unsqueeze(-2), torch.full((), identity, dtype=x.dtype))
    return reduce(masked, -1)


def cumsum(x, dim, *, dtype=None):
    return _scan(torch.sum, torch.add, 0, x, dim, dtype)


def cumprod(x, dim, *, dtype=None):
    return _scan(torch.prod, torch.mul, 1, x, dim, dtype)


TORCH_DECOMPOSITIONS = [aten.linalg_vector_norm]

DECOMPOSITIONS = {
    aten.var_mean.correction: var_mean,
    aten.var.correction: var,
    aten.std_mean.correction: std_mean,
    aten.std.correction: std,
    aten.mean.dim: mean,
    aten.mean.default: mean,
    aten.cumsum.default: cumsum,
    aten.cumprod.default: cumprod,
}
