"""Indexing: scatters as masked reductions, writes through indices (``index_put.py``),
copies of views, and ``as_strided`` views."""

import torch

from .index_put import MAX_MATCHES, index_put, masked_scatter, put
from .segments import segment_reduce
from .strided import as_strided, as_strided_scatter, resize

aten = torch.ops.aten


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
    shape with an axis of ``x.shape[dim]`` targets inserted before ``dim``. Scatters of
    more than ``MAX_MATCHES`` such pairs are left alone."""
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
    if index.numel() * x.shape[dim] > MAX_MATCHES:
        return NotImplemented
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
    if index.numel() * x.shape[dim] > MAX_MATCHES:
        return NotImplemented
    if not isinstance(src, torch.Tensor):
        src = torch.full(index.shape, src, dtype=x.dtype, device=x.device)
    src = _slice_to(src, index.shape).to(x.dtype)
    length = index.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    sources = torch.arange(length, device=x.device).reshape([length] + trailing)
    last = torch.where(_scatter_matches(x, dim, index), sources, -1).amax(dim + 1)
    written = _pad_to(torch.gather(src, dim, last.clamp(min=0)), x.shape, 0)
    return torch.where(_pad_to(last, x.shape, -1) >= 0, written, x)


def index_reduce(x, dim, index, source, reduce, *, include_self=True):
    """``x.index_reduce(dim, index, source, reduce)``: ``scatter_reduce`` with the index
    of each slice of ``source`` along ``dim`` spread over the slice."""
    if x.dim() == 0:
        return index_reduce(x.reshape(1), 0, index, source.reshape(1), reduce,
                            include_self=include_self).reshape(())
    dim = dim % x.dim()
    along = [1] * source.dim()
    along[dim] = -1
    spread = index.reshape(along).expand(source.shape)
    return scatter_reduce(x, dim, spread, source, reduce, include_self=include_self)


def diagonal_scatter(x, src, offset=0, dim1=0, dim2=1):
    """``x`` with the diagonal that ``torch.diagonal(x, offset, dim1, dim2)`` reads
    replaced by ``src``: each row of the two dimensions takes its diagonal element from
    ``src``, where a mask of the diagonal selects it."""
    moved = x.movedim((dim1, dim2), (-2, -1))
    rows, columns = moved.shape[-2:]
    length = src.shape[-1]
    if length == 0:
        return x.clone()
    row = torch.arange(rows, device=x.device)
    on_diagonal = torch.arange(columns, device=x.device) - row.unsqueeze(1) == offset
    along_rows = src.index_select(-1, (row - max(-offset, 0)).clamp(0, length - 1))
    written = torch.where(on_diagonal, along_rows.unsqueeze(-1).to(x.dtype), moved)
    return written.movedim((-2, -1), (dim1, dim2))


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, pin_memory=None):
    """An uninitialized tensor is one whatever its strides: a value has no layout."""
    return torch.empty(size, dtype=dtype, layout=layout, device=device, pin_memory=pin_memory)


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
    aten.as_strided_scatter.default: as_strided_scatter,
    aten.resize.default: resize,
    aten.index_reduce.default: index_reduce,
    aten.diagonal_scatter.default: diagonal_scatter,
    aten.empty_strided.default: empty_strided,
    aten.segment_reduce.default: segment_reduce,
}
