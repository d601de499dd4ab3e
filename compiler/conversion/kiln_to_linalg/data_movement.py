"""Lowerings of broadcasts, reshapes, transposes, slices, concats, pads, gathers and constants."""

import math

from torch_mlir import ir
from torch_mlir.dialects import arith, linalg, tensor

from . import scalar
from .builders import dim, empty, filled, generic, identity_map, index_value, projection
from .registry import lowers
from .signedness import is_unsigned


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
    """A collapse or an expand where dimensions regroup, else collapse to 1-D and expand.

    Both are views of a contiguous buffer, so a reshape never copies, and elementwise
    fusion can fold it into the indexing of the ops around it.
    """
    source, result_type = op.operands[0], op.results[0].type
    source_shape, result_shape = list(source.type.shape), list(result_type.shape)
    if source_shape == result_shape:
        return source
    collapse = _regroup(source_shape, result_shape)
    if collapse is not None:
        return tensor.CollapseShapeOp(result_type, source, _reassociation(collapse)).result
    expand = _regroup(result_shape, source_shape)
    if expand is not None:
        return tensor.ExpandShapeOp(result_type, source, _reassociation(expand), [],
                                    result_shape).result
    count = 1
    for size in source_shape:
        count *= size
    flat_type = ir.RankedTensorType.get([count], result_type.element_type)
    flat = tensor.CollapseShapeOp(flat_type, source, _reassociation([list(range(len(source_shape)))]))
    return tensor.ExpandShapeOp(result_type, flat.result, _reassociation([list(range(len(result_shape)))]),
                                [], result_shape).result


def _regroup(fine: list[int], coarse: list[int]) -> list[list[int]] | None:
    """Groups of consecutive ``fine`` dims whose sizes multiply to each ``coarse`` dim."""
    if not coarse:
        return [] if all(size == 1 for size in fine) else None
    if len(fine) <= len(coarse):
        return None
    groups, start = [], 0
    for size in coarse[:-1]:
        end, product = start, 1
        while end < len(fine) and (end == start or product < size):
            product *= fine[end]
            end += 1
        if product != size:
            return None
        groups.append(list(range(start, end)))
        start = end
    rest = fine[start:]
    product = 1
    for extent in rest:
        product *= extent
    if not rest or product != coarse[-1]:
        return None
    return groups + [list(range(start, len(fine)))]


def _reassociation(groups: list[list[int]]) -> ir.ArrayAttr:
    i64 = ir.IntegerType.get_signless(64)
    return ir.ArrayAttr.get([ir.ArrayAttr.get([ir.IntegerAttr.get(i64, d) for d in group])
                             for group in groups])


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
    """A filled tensor with the input inserted at ``low``; an infinite ``value`` pads an
    integer tensor with its type's most negative or most positive value."""
    value = op.attributes["value"].value
    result_type = op.results[0].type
    if isinstance(result_type.element_type, ir.IntegerType) and math.isinf(value):
        value = _integer_extreme(value > 0, result_type.element_type, is_unsigned(op.results[0]))
    return _insert(op.operands[0], filled(result_type, value), list(op.attributes["low"]))


def _integer_extreme(largest: bool, element_type: ir.IntegerType, unsigned: bool) -> int:
    """The largest or smallest integer of ``element_type`` as a signless constant's value."""
    width = ir.IntegerType(element_type).width
    if width == 1:
        return int(largest)
    if unsigned:  # 2**width - 1 has every bit set: -1 signless
        return -1 if largest else 0
    return 2 ** (width - 1) - 1 if largest else -(2 ** (width - 1))


def _in_bounds(index: ir.Value, extent: int) -> ir.Value:
    """``index`` wrapped (negative counts from ``extent``) and clamped to [0, extent)."""
    index_type = ir.IndexType.get()
    zero = arith.ConstantOp(index_type, 0).result
    size = arith.ConstantOp(index_type, extent).result
    last = arith.ConstantOp(index_type, max(extent - 1, 0)).result
    negative = arith.cmpi(arith.CmpIPredicate.slt, index, zero)
    wrapped = arith.select(negative, arith.addi(index, size), index)
    return arith.minsi(arith.maxsi(wrapped, zero), last)


@lowers("kiln.gather")
def lower_gather(op):
    """For each result position, read ``input`` at the index found in ``indices``.

    A negative index counts from the end, as in PyTorch. An index still out of range
    (where eager raises) is clamped to the dimension, so a kernel never reads outside
    its input.
    """
    x, indices = op.operands
    result_type = op.results[0].type
    gather_dim = op.attributes["dimension"].value
    index_rank = len(indices.type.shape)
    rank = len(result_type.shape)
    index_map = projection(rank, [dim(gather_dim + i) for i in range(index_rank)])
    extent = x.type.shape[gather_dim]

    to_index = arith.index_castui if is_unsigned(indices) else arith.index_cast

    def body(index, _):
        position = [index_value(d) for d in range(gather_dim)]
        position.append(_in_bounds(to_index(ir.IndexType.get(), index), extent))
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

