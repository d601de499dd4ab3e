"""Indexing: scatters as masked reductions, writes through indices (``index_put.py``),
copies of views, and ``as_strided`` views."""

import torch

from .index_put import index_put, masked_scatter, put

aten = torch.ops.aten


def as_strided(x, size, stride, storage_offset=None):
    """``as_strided`` that reads a contiguous tensor in row-major order is a view."""
    contiguous, step = [], 1
    for extent in reversed(size):
        contiguous.insert(0, step)
        step *= extent
    row_major = all(s == c for s, c, n in zip(stride, contiguous, size) if n != 1)
    if not (x.is_contiguous() and not storage_offset and x.numel() == step and row_major):
        return NotImplemented
    return aten.view.default(x, size)


def _slice_to(x, shape):
    """The leading ``shape`` corner of ``x``."""
    for dim, size in enumerate(shape):
        if x.shape[dim] != size:
            x = x.narrow(dim, 0, size)
    return x


def _pad_to(x, shape, value):
    """``x`` padded with ``value`` at the end of each dimension up to ``shape``."""
    padding = []
    for have, want in reversed(list(zip(x.shape, shape))):
        padding += [0, want - have]
    return aten.constant_pad_nd.default(x, padding, value) if any(padding) else x


def _scatter_matches(x, dim, index):
    """Whether each position of ``index`` writes each target along ``dim``: ``index``'s
    shape with an axis of ``x.shape[dim]`` targets inserted before ``dim``."""
    targets = x.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    positions = torch.arange(targets, device=x.device).reshape([targets, 1] + trailing)
    return index.unsqueeze(dim) == positions


SCATTER_REDUCTIONS = {  # name: (reduce over a dimension, combine with self)
    "sum": (torch.sum, torch.add),
    "mean": (torch.sum, torch.add),
    "prod": (torch.prod, torch.mul),
    "amax": (torch.amax, torch.maximum),
    "amin": (torch.amin, torch.minimum),
}


def _reduction_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.is_floating_point:
        low, high = -float("inf"), float("inf")
    else:
        low, high = torch.iinfo(dtype).min, torch.iinfo(dtype).max
    return low if reduce == "amax" else high


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """Each target along ``dim`` reduces the sources that ``index`` sends it (and itself
    with ``include_self``); a target nothing is sent to keeps its value. The sources are
    masked per target, so no write order is involved."""
    if x.dim() == 0 or reduce not in SCATTER_REDUCTIONS or x.dtype == torch.bool:
        return NotImplemented
    dim = dim % x.dim()
    reduce_over, combine = SCATTER_REDUCTIONS[reduce]
    identity = _reduction_identity(reduce, x.dtype)
    matches = _scatter_matches(x, dim, index)
    sources = _slice_to(src, index.shape).to(x.dtype).unsqueeze(dim)
    reduced = reduce_over(torch.where(matches, sources, torch.full((), identity, dtype=x.dtype)), dim + 1)
    reduced = _pad_to(reduced, x.shape, identity)
    count = _pad_to(matches.sum(dim + 1), x.shape, 0)
    result = combine(x, reduced) if include_self else reduced
    if reduce == "mean":
        # clamped: a target with no sources and no self keeps its value below anyway
        divisor = (count + int(include_self)).clamp(min=1)
        result = result / divisor if x.is_floating_point() else torch.div(result, divisor, rounding_mode="floor")
    return torch.where(count > 0, result.to(x.dtype), x)


def scatter_add(x, dim, index, src):
    return scatter_reduce(x, dim, index, src, "sum")


def scatter_legacy_reduce(x, dim, index, src, reduce):
    """``scatter(..., reduce="add" | "multiply")``."""
    return scatter_reduce(x, dim, index, src, {"add": "sum", "multiply": "prod"}[reduce])


def scatter(x, dim, index, src):
    """Each target along ``dim`` takes the last source that ``index`` sends it (the
    order of eager's CPU loop), or keeps its value."""
    if x.dim() == 0:
        return NotImplemented
    dim = dim % x.dim()
    if not isinstance(src, torch.Tensor):
        src = torch.full(index.shape, src, dtype=x.dtype, device=x.device)
    src = _slice_to(src, index.shape).to(x.dtype)
    length = index.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    sources = torch.arange(length, device=x.device).reshape([length] + trailing)
    last = torch.where(_scatter_matches(x, dim, index), sources, -1).amax(dim + 1)
    written = _pad_to(torch.gather(src, dim, last.clamp(min=0)), x.shape, 0)
    return torch.where(_pad_to(last, x.shape, -1) >= 0, written, x)


def split_with_sizes(x, split_sizes, dim=0):
    """A split with an empty piece is one slice per piece: a tensor with no elements is
    made on the host, which runs whole ops, not one result of an op."""
    if all(split_sizes):
        return NotImplemented
    starts = [sum(split_sizes[:i]) for i in range(len(split_sizes))]
    return [x.narrow(dim, start, size) for start, size in zip(starts, split_sizes)]


def take(x, index):
    """``x.take(index)``: ``x`` read as one dimension, indexed by ``index`` of any shape
    (torch's decomposition turns a 0-d index into a Python integer)."""
    return aten.index.Tensor(x.reshape(-1), [index])


TORCH_DECOMPOSITIONS = [
    aten.embedding, aten.unfold,
    # a scatter into a slice: a mask of the slice's positions selects the source
    aten.slice_scatter,
    # copies of views: the view, which the result owns anyway in a functional program
    aten.as_strided_copy, aten.permute_copy, aten.view_copy, aten.unbind_copy,
    aten.narrow_copy, aten.expand_copy, aten.split_with_sizes_copy,
    aten.new_empty_strided,
]

DECOMPOSITIONS = {
    aten.scatter.src: scatter,
    aten.scatter.value: scatter,
    aten.scatter.reduce: scatter_legacy_reduce,
    aten.scatter_add.default: scatter_add,
    aten.scatter_reduce.two: scatter_reduce,
    aten.index_put.default: index_put,
    aten.put.default: put,
    aten.masked_scatter.default: masked_scatter,
    aten.take.default: take,
    aten.split_with_sizes.default: split_with_sizes,
    aten.as_strided.default: as_strided,
}
