"""Indexing and data movement: scatters (``scatter.py``), writes through indices
(``index_put.py``), ops that address storage (``strided.py``), segment reductions
(``segments.py``), and here the small ones: scatters into views, copies of views,
splits and ``take``."""

import torch

from .index_put import index_put, masked_scatter, put
from .scatter import index_reduce, scatter, scatter_add, scatter_legacy_reduce, scatter_reduce
from .segments import segment_reduce
from .strided import as_strided, as_strided_scatter, resize

aten = torch.ops.aten


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
