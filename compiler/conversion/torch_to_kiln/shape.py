"""Converters for data movement: views, permutations, slices, concatenation, padding,
tiling, flips, diagonals and gathers."""

import numpy as np
import torch
from torch_mlir import ir

from ...dialect import kiln
from .indexing import broadcast_leading, gather_merged, in_bounds, index_tensor, iota
from .registry import converts
from .rewriter import ConversionFailure, i64_array, i64_attr, normalize_dim


@converts("torch.aten.view", "torch.aten._unsafe_view", "torch.aten.reshape",
          "torch.aten.unsqueeze", "torch.aten.squeeze.dims", "torch.aten.squeeze.dim",
          "torch.aten.squeeze", "torch.aten.flatten.using_ints", "torch.prims.squeeze")
def convert_reshape(rewriter, op):
    """Every view that keeps row-major order is a ``kiln.reshape`` to the result shape."""
    return [rewriter.reshape(rewriter.tensor(op.operands[0]), list(rewriter.result_type(op).shape))]


@converts("torch.aten.permute", "torch.aten.transpose.int", "torch.aten.t",
          "torch.aten.numpy_T")
def convert_permute(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    rank = len(x.type.shape)
    if op.name == "torch.aten.permute":
        permutation = [normalize_dim(d, rank) for d in rewriter.constant(op.operands[1])]
    else:
        a, b = ((rewriter.constant(o) for o in op.operands[1:3])
                if op.name == "torch.aten.transpose.int" else (0, 1))
        permutation = list(range(rank))
        a, b = normalize_dim(a, rank), normalize_dim(b, rank)
        permutation[a], permutation[b] = permutation[b], permutation[a]
    if rank < 2:
        return [x]
    return [kiln.TransposeOp(x, i64_array(permutation), rewriter.result_type(op)).result]


@converts("torch.aten.expand", "torch.aten.broadcast_to", "torch.aten.expand_as")
def convert_expand(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    return [rewriter.broadcast_to(x, list(rewriter.result_type(op).shape))]


@converts("torch.prims.broadcast_in_dim")
def convert_broadcast_in_dim(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    dims = rewriter.constant(op.operands[2])
    return [kiln.BroadcastOp(x, i64_array(dims), rewriter.result_type(op)).result]


@converts("torch.aten.slice.Tensor")
def convert_slice(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    dim, start, end, step = (rewriter.constant(o) for o in op.operands[1:5])
    dim = normalize_dim(dim, len(shape))
    start, _, step = slice(start, end, step).indices(shape[dim])
    type_ = rewriter.result_type(op)
    offsets = [0] * len(shape)
    offsets[dim] = start
    strides = [1] * len(shape)
    strides[dim] = step
    sizes = list(type_.shape)
    return [kiln.SliceOp(x, i64_array(offsets), i64_array(sizes), i64_array(strides), type_).result]


@converts("torch.aten.select.int")
def convert_select(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    dim, index = (rewriter.constant(o) for o in op.operands[1:3])
    dim = normalize_dim(dim, len(shape))
    index = index + shape[dim] if index < 0 else index
    offsets = [0] * len(shape)
    offsets[dim] = index
    sizes = list(shape)
    sizes[dim] = 1
    sliced_type = ir.RankedTensorType.get(sizes, x.type.element_type)
    sliced = kiln.SliceOp(x, i64_array(offsets), i64_array(sizes), i64_array([1] * len(shape)),
                          sliced_type).result
    return [rewriter.reshape(sliced, list(rewriter.result_type(op).shape))]


@converts("torch.aten.split_with_sizes", "torch.aten.split.Tensor")
def convert_split(rewriter, op):
    """Splits become a Python list of slices, consumed by ``torch.prim.ListUnpack``."""
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    sizes_or_size, dim = (rewriter.constant(o) for o in op.operands[1:3])
    dim = normalize_dim(dim, len(shape))
    if isinstance(sizes_or_size, int):
        full, rest = divmod(shape[dim], sizes_or_size)
        sizes_or_size = [sizes_or_size] * full + ([rest] if rest else [])
    pieces, offset = [], 0
    for size in sizes_or_size:
        offsets = [0] * len(shape)
        offsets[dim] = offset
        piece_shape = list(shape)
        piece_shape[dim] = size
        type_ = ir.RankedTensorType.get(piece_shape, x.type.element_type)
        pieces.append(kiln.SliceOp(x, i64_array(offsets), i64_array(piece_shape),
                                   i64_array([1] * len(shape)), type_).result)
        offset += size
    return [pieces]


@converts("torch.aten.cat")
def convert_cat(rewriter, op):
    type_ = rewriter.result_type(op)
    tensors = [t for t in rewriter.constant(op.operands[0]) if 0 not in t.type.shape]
    tensors = [rewriter.cast(t, type_.element_type) for t in tensors]
    dim = normalize_dim(rewriter.constant(op.operands[1]), len(type_.shape))
    return [_concat(tensors, dim, type_)]


def _concat(tensors: list, dim: int, type_: ir.RankedTensorType) -> ir.Value:
    """``tensors`` joined along ``dim``: one kiln.concat, or a tree of them when there are many."""
    if len(tensors) == 1:
        return tensors[0]
    if len(tensors) > kiln.MAX_CONCAT_INPUTS:
        width = -(-len(tensors) // kiln.MAX_CONCAT_INPUTS)
        tensors = [_concat(group, dim, _joined_type(group, dim))
                   for group in (tensors[i:i + width] for i in range(0, len(tensors), width))]
    return kiln.build_concat(tensors, dim, type_)


def _joined_type(tensors: list, dim: int) -> ir.RankedTensorType:
    shape = list(tensors[0].type.shape)
    shape[dim] = sum(t.type.shape[dim] for t in tensors)
    return ir.RankedTensorType.get(shape, tensors[0].type.element_type)


@converts("torch.aten.constant_pad_nd")
def convert_constant_pad(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    pad, value = (rewriter.constant(o) for o in op.operands[1:3])
    rank = len(x.type.shape)
    low, high = [0] * rank, [0] * rank
    for i in range(len(pad) // 2):
        low[rank - 1 - i], high[rank - 1 - i] = pad[2 * i], pad[2 * i + 1]
    if any(p < 0 for p in low + high):
        raise ConversionFailure("negative padding")
    value = ir.FloatAttr.get_f64(float(value or 0))
    return [kiln.PadOp(x, i64_array(low), i64_array(high), value, rewriter.result_type(op)).result]


@converts("torch.aten.index_select", "torch.aten.embedding")
def convert_gather(rewriter, op):
    """``index_select`` and ``embedding`` are ``kiln.gather``."""
    type_ = rewriter.result_type(op)
    if op.name == "torch.aten.index_select":
        x, indices = rewriter.tensor(op.operands[0]), rewriter.tensor(op.operands[2])
        if not x.type.shape:  # a 0-d tensor is indexed as a tensor of one element
            x = rewriter.reshape(x, [1])
        dim = normalize_dim(rewriter.constant(op.operands[1]), len(x.type.shape))
    else:
        x, indices, dim = rewriter.tensor(op.operands[0]), rewriter.tensor(op.operands[1]), 0
    indices = index_tensor(rewriter, indices)
    shape = list(x.type.shape[:dim]) + list(indices.type.shape) + list(x.type.shape[dim + 1:])
    gathered = ir.RankedTensorType.get(shape, type_.element_type)
    return [rewriter.reshape(kiln.GatherOp(x, indices, i64_attr(dim), gathered).result,
                             list(type_.shape))]


@converts("torch.aten.index.Tensor")
def convert_index(rewriter, op):
    """Advanced indexing, ``x[i, j]``, ``x[:, i]``, ``x[i, :, j]``: one index tensor or
    ``None`` (a full slice) per leading dimension; the index tensors broadcast together.

    Adjacent indexed dimensions keep their place in the result; separated ones go
    first, as in NumPy, and the result reads ``x`` at a computed offset per element.
    """
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    entries = rewriter.constant(op.operands[1])
    indexed = [d for d, entry in enumerate(entries) if entry is not None]
    if not indexed:
        raise ConversionFailure("no index tensor")
    indices = [index_tensor(rewriter, entries[d]) for d in indexed]
    index_shape = list(torch.broadcast_shapes(*(tuple(i.type.shape) for i in indices)))
    indices = [rewriter.broadcast_to(i, index_shape) for i in indices]
    type_ = rewriter.result_type(op)
    if len(indices) == 1:  # kiln.gather wraps and clamps a single index itself
        return [kiln.GatherOp(x, indices[0], i64_attr(indexed[0]), type_).result]
    safe = [in_bounds(rewriter, i, shape[d]) for i, d in zip(indices, indexed)]
    if indexed == list(range(indexed[0], indexed[-1] + 1)):
        return [gather_merged(rewriter, x, indexed[0], safe, type_)]
    result_shape = list(type_.shape)
    by_dim = {d: broadcast_leading(rewriter, i, result_shape) for i, d in zip(safe, indexed)}
    sliced = iter(range(len(index_shape), len(result_shape)))
    coordinates = [by_dim[d] if d in by_dim else iota(result_shape, next(sliced))
                   for d in range(len(shape))]
    return [gather_merged(rewriter, x, 0, coordinates, type_)]


@converts("torch.aten.gather")
def convert_torch_gather(rewriter, op):
    """``torch.gather(x, dim, index)``: ``out[p] = x[p with p[dim] = index[p]]``.

    Each output element reads ``x`` at a computed offset, as the index differs per
    position in every dimension.
    """
    x, index = rewriter.tensor(op.operands[0]), rewriter.tensor(op.operands[2])
    shape = list(x.type.shape)
    if not shape:
        raise ConversionFailure("gather from a 0-d tensor")
    dim = normalize_dim(rewriter.constant(op.operands[1]), len(shape))
    index = index_tensor(rewriter, index)
    index_shape = list(index.type.shape)
    coordinates = [in_bounds(rewriter, index, shape[d]) if d == dim else iota(index_shape, d)
                   for d in range(len(shape))]
    return [gather_merged(rewriter, x, 0, coordinates, rewriter.result_type(op))]


@converts("torch.aten.flip")
def convert_flip(rewriter, op):
    """Each flipped dimension is a ``kiln.gather`` of its indices in reverse order."""
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    for dim in sorted({normalize_dim(d, len(shape)) for d in rewriter.constant(op.operands[1])}):
        reversed_indices = rewriter.dense(np.arange(shape[dim] - 1, -1, -1, dtype=np.int64),
                                          ir.IntegerType.get_signless(64))
        x = kiln.GatherOp(x, reversed_indices, i64_attr(dim), x.type).result
    return [x]


@converts("torch.aten.repeat")
def convert_repeat(rewriter, op):
    """``x.repeat(r0, r1, ...)`` tiles ``x``: each dimension ``s`` becomes ``[1, s]``,
    broadcast to ``[r, s]``, then merged back to ``r * s``."""
    x = rewriter.tensor(op.operands[0])
    repeats = rewriter.constant(op.operands[1])
    shape = [1] * (len(repeats) - len(x.type.shape)) + list(x.type.shape)
    split = [size for s in shape for size in (1, s)]
    tiled = [size for r, s in zip(repeats, shape) for size in (r, s)]
    if tiled == split:  # nothing repeats; a broadcast of no dimensions cannot be built
        return [rewriter.reshape(x, list(rewriter.result_type(op).shape))]
    tiled_type = ir.RankedTensorType.get(tiled, x.type.element_type)
    broadcast = kiln.BroadcastOp(rewriter.reshape(x, split), i64_array(range(len(split))),
                                 tiled_type).result
    return [rewriter.reshape(broadcast, list(rewriter.result_type(op).shape))]


@converts("torch.aten.diagonal")
def convert_diagonal(rewriter, op):
    """``torch.diagonal(x, offset, dim1, dim2)``: ``dim1`` and ``dim2`` go, and a last
    dimension runs along the diagonal; each result element reads ``x`` at its offset."""
    x = rewriter.tensor(op.operands[0])
    shape = list(x.type.shape)
    offset, dim1, dim2 = (rewriter.constant(o) for o in op.operands[1:4])
    dim1, dim2 = normalize_dim(dim1, len(shape)), normalize_dim(dim2, len(shape))
    type_ = rewriter.result_type(op)
    result_shape = list(type_.shape)
    starts = {dim1: max(-offset, 0), dim2: max(offset, 0)}
    along = iota(result_shape, len(result_shape) - 1)
    others = iter(range(len(result_shape) - 1))
    coordinates = [_plus(rewriter, along, starts[d]) if d in starts else iota(result_shape, next(others))
                   for d in range(len(shape))]
    return [gather_merged(rewriter, x, 0, coordinates, type_)]


def _plus(rewriter, value: ir.Value, constant: int) -> ir.Value:
    if constant == 0:
        return value
    return kiln.BINARY_OPS["add"](value, rewriter.splat(constant, value.type), value.type).result
