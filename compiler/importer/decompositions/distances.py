"""p-norm distances between vectors: ``dist``, ``cdist`` and ``pdist``."""

import math

import torch

aten = torch.ops.aten

DIFFERENCE_LIMIT = 1 << 24
"""The most elements the pairwise differences of ``cdist`` and ``pdist`` may have: they
are materialized, ``m`` times the size of the result."""

EAGER_DTYPES = (torch.float32, torch.float64)
"""The dtypes eager's CPU distance kernels take."""


def _p_norm(diff, p: float, max_skips_nan: bool = False):
    """The p-norm of ``diff`` over its last dimension, reduced as eager's distance
    kernels reduce: a count of nonzeros for p = 0 (each term ``min(ceil(|d|), 1)``, so
    that a NaN propagates), the largest magnitude for p = inf,
    the square root of a sum of squares for p = 2, ``(sum |d|^p)^(1/p)`` otherwise.
    ``max_skips_nan``: eager's ``cdist`` keeps its running maximum (from 0) when a
    difference is NaN, where ``pdist``'s propagates it."""
    if p == 0:
        return diff.abs().ceil().clamp(max=1).sum(-1)
    magnitude = diff.abs()
    if p == math.inf:
        if max_skips_nan:
            magnitude = torch.where(magnitude.isnan(), 0, magnitude)
        return magnitude.amax(-1)
    if p == 1:
        return magnitude.sum(-1)
    if p == 2:
        return (diff * diff).sum(-1).sqrt()
    return magnitude.pow(p).sum(-1).pow(1 / p)


def cdist_forward(x1, x2, p, compute_mode=None):
    """The p-norm distance between every row of ``x1`` and every row of ``x2``, over
    broadcast batch dimensions.

    Eager computes the Euclidean distance through a matrix product
    (``_euclidean_dist``, ``|a|^2 - 2 a.b + |b|^2``) when ``compute_mode`` asks for it or
    leaves it to eager and either side has more than 25 rows; the same is done here, so
    both round alike. Other distances come from the materialized differences, refused
    past ``DIFFERENCE_LIMIT`` elements."""
    if x1.dtype not in EAGER_DTYPES or x1.dtype != x2.dtype:
        return NotImplemented
    rows1, rows2 = x1.shape[-2], x2.shape[-2]
    batch = torch.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    x1 = x1.expand(*batch, *x1.shape[-2:])
    x2 = x2.expand(*batch, *x2.shape[-2:])
    mode = compute_mode or 0
    if p == 2 and (mode == 1 or (mode == 0 and (rows1 > 25 or rows2 > 25))):
        return aten._euclidean_dist.default(x1, x2)
    if math.prod(batch) * rows1 * rows2 * x1.shape[-1] > DIFFERENCE_LIMIT:
        return NotImplemented
    return _p_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, max_skips_nan=True)


def pdist_forward(x, p=2):
    """The p-norm distance between each pair of rows ``i < j`` of ``x``, pairs in
    row-major order, from the materialized differences (refused past
    ``DIFFERENCE_LIMIT`` elements); eager computes these directly too."""
    rows, width = x.shape
    if x.dtype not in EAGER_DTYPES or rows * (rows - 1) // 2 * width > DIFFERENCE_LIMIT:
        return NotImplemented
    first, second = _upper_pairs(rows, x.device)
    return _p_norm(x.index_select(0, first) - x.index_select(0, second), p)


def _upper_pairs(rows: int, device):
    """Rows ``i`` and ``j`` of each pair ``i < j``, pairs numbered ``k`` in row-major order.

    Row ``i``'s pairs start at ``k = i * (2n - 1 - i) / 2``, so ``i`` is the largest root
    of that quadratic at or below ``k``; the root taken in float64 can be off by one
    only where it is within rounding of an integer, and one step either way fixes it."""
    pair = torch.arange(rows * (rows - 1) // 2, device=device)
    span = 2 * rows - 1

    def start(row):
        return row * (span - row) // 2

    root = (span - torch.sqrt((span * span - 8 * pair).to(torch.float64))) / 2
    row = root.floor().to(torch.int64)
    row = torch.where(start(row + 1) <= pair, row + 1, row)
    row = torch.where(start(row) > pair, row - 1, row)
    return row, pair - start(row) + row + 1


TORCH_DECOMPOSITIONS = [aten.dist, aten._euclidean_dist]

DECOMPOSITIONS = {
    aten._cdist_forward.default: cdist_forward,
    aten._pdist_forward.default: pdist_forward,
}
