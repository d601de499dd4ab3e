"""Lowerings of broadcasts, reshapes, transposes, slices, concats, pads, gathers and constants."""

from torch_mlir import ir
from torch_mlir.dialects import arith, linalg, tensor

from . import scalar
from .builders import dim, empty, filled, generic, identity_map, index_value, projection
from .registry import lowers


@lowers("kiln.broadcast")
def lower_broadcast(op):
    """Input dim ``i`` reads result dim ``dimensions[i]``, or index 0 where it expands."""
    x = op.operands[0]
    result_type = op.results[0].type
    rank = len(result_type.shape)
    zero = ir.AffineConstantExpr.get(0)
    exprs = [
        zero if x.type.shape[i] == 1 and result_type.shape[d] != 1 else dim(d)
        for i, d in enumerate(op.attributes["dimensions"])
    ]
    maps = [projection(rank, exprs), identity_map(rank)]
    return generic([x], empty(result_type), maps, ["parallel"] * rank, lambda a, _: a)


@lowers("kiln.reshape")
def lower_reshape(op):
    result_type = op.results[0].type
    shape_type = ir.RankedTensorType.get([len(result_type.shape)], ir.IntegerType.get_signless(64))
    shape_values = [ir.IntegerAttr.get(ir.IntegerType.get_signless(64), s) for s in result_type.shape]
    shape = arith.ConstantOp(shape_type, ir.DenseElementsAttr.get(shape_values, type=shape_type)).result
    return tensor.ReshapeOp(result_type, op.operands[0], shape).result


@lowers("kiln.transpose")
def lower_transpose(op):
    return linalg.transpose(op.operands[0], outs=[empty(op.results[0].type)],
                            permutation=list(op.attributes["permutation"]))


@lowers("kiln.slice")
def lower_slice(op):
    offsets, sizes, strides = (list(op.attributes[n]) for n in ("offsets", "sizes", "strides"))
    return tensor.ExtractSliceOp(op.results[0].type, op.operands[0], [], [], [],
                                 offsets, sizes, strides).result


def _insert(source: ir.Value, dest: ir.Value, offsets: list[int]) -> ir.Value:
    sizes = list(source.type.shape)
    return tensor.InsertSliceOp(source, dest, [], [], [], offsets, sizes, [1] * len(sizes)).result


@lowers("kiln.concat")
def lower_concat(op):
    dimension = op.attributes["dimension"].value
    result = empty(op.results[0].type)
    offset = 0
    for value in op.operands:
        offsets = [0] * len(value.type.shape)
        offsets[dimension] = offset
        result = _insert(value, result, offsets)
        offset += value.type.shape[dimension]
    return result


@lowers("kiln.pad")
def lower_pad(op):
    """A filled tensor with the input inserted at ``low``."""
    value = op.attributes["value"].value
    return _insert(op.operands[0], filled(op.results[0].type, value), list(op.attributes["low"]))


@lowers("kiln.gather")
def lower_gather(op):
    """For each result position, read ``input`` at the index found in ``indices``."""
    x, indices = op.operands
    result_type = op.results[0].type
    gather_dim = op.attributes["dimension"].value
    index_rank = len(indices.type.shape)
    rank = len(result_type.shape)
    index_map = projection(rank, [dim(gather_dim + i) for i in range(index_rank)])

    def body(index, _):
        position = [index_value(d) for d in range(gather_dim)]
        position.append(arith.index_cast(ir.IndexType.get(), index))
        position += [index_value(d) for d in range(gather_dim + index_rank, rank)]
        return tensor.extract(x, position)

    return generic([indices], empty(result_type), [index_map, identity_map(rank)],
                   ["parallel"] * rank, body)


@lowers("kiln.constant")
def lower_constant(op):
    """A splat becomes ``linalg.fill`` (no global in memory); anything else ``arith.constant``."""
    value = op.attributes["value"]
    if value.is_splat:
        return filled(op.results[0].type, value.get_splat_value().value)
    return arith.ConstantOp(op.results[0].type, value).result


@lowers("kiln.iota")
def lower_iota(op):
    result_type = op.results[0].type
    rank = len(result_type.shape)
    iota_dim = op.attributes["dimension"].value
    i64 = ir.IntegerType.get_signless(64)

    def body(_):
        position = arith.index_cast(i64, index_value(iota_dim))
        return scalar.cast(position, result_type.element_type)

    return generic([], empty(result_type), [identity_map(rank)], ["parallel"] * rank, body)

