"""Converters for data movement: views, permutations, slices, concatenation, padding, gathers."""

from torch_mlir import ir

from ...dialect import kiln
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


@converts("torch.aten.index_select", "torch.aten.embedding", "torch.aten.index.Tensor")
def convert_gather(rewriter, op):
    """``index_select``, ``embedding`` and single-index ``x[idx]`` are ``kiln.gather``."""
    type_ = rewriter.result_type(op)
    if op.name == "torch.aten.index_select":
        x, indices = rewriter.tensor(op.operands[0]), rewriter.tensor(op.operands[2])
        dim = normalize_dim(rewriter.constant(op.operands[1]), len(x.type.shape))
    elif op.name == "torch.aten.embedding":
        x, indices, dim = rewriter.tensor(op.operands[0]), rewriter.tensor(op.operands[1]), 0
    else:
        x = rewriter.tensor(op.operands[0])
        index_list = rewriter.constant(op.operands[1])
        if len(index_list) != 1 or index_list[0] is None:
            raise ConversionFailure("only one index tensor, on the first dimension")
        indices, dim = index_list[0], 0
    if str(indices.type.element_type) == "i1":
        raise ConversionFailure("boolean mask indexing has a data-dependent shape")
    indices = rewriter.cast(indices, ir.IntegerType.get_signless(64))
    if op.name == "torch.aten.index_select":
        shape = list(x.type.shape[:dim]) + list(indices.type.shape) + list(x.type.shape[dim + 1:])
        gathered = ir.RankedTensorType.get(shape, type_.element_type)
        return [rewriter.reshape(kiln.GatherOp(x, indices, i64_attr(dim), gathered).result,
                                 list(type_.shape))]
    return [kiln.GatherOp(x, indices, i64_attr(dim), type_).result]

