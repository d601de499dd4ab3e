"""Index arithmetic in kiln ops, shared by the converters of gathers and advanced indexing.

Torch's gathers take one index tensor per indexed dimension. Kiln has a single
``kiln.gather`` along one dimension, so several coordinates are first made safe one
dimension at a time (negative ones count from the end, the rest are clamped, so a
kernel never reads outside its input where eager would raise) and then combined into
one row-major offset into the indexed dimensions, merged by a reshape.
"""

import math

from torch_mlir import ir

from ...dialect import kiln
from .rewriter import ConversionFailure, Rewriter, i64_array, i64_attr

def index_tensor(rewriter: Rewriter, value: ir.Value) -> ir.Value:
    """An integer index tensor as i64; a mask (bool, or uint8, which eager takes as a
    mask too) is refused: its result shape depends on data."""
    element_type = value.type.element_type
    if str(element_type) in ("i1", "ui8"):
        raise ConversionFailure(f"indexing with a mask ({value.type}) has a data-dependent shape")
    if not isinstance(element_type, ir.IntegerType):
        raise ConversionFailure(f"indices must be integers, got {value.type}")
    return rewriter.cast(value, ir.IntegerType.get_signless(64))


def in_bounds(rewriter: Rewriter, index: ir.Value, extent: int) -> ir.Value:
    """``index`` with negative entries counted from ``extent``, then clamped to [0, extent)."""
    type_ = index.type
    zero = rewriter.splat(0, type_)
    negative = kiln.CompareOp(index, zero, ir.StringAttr.get("lt"), _bool_type(type_)).result
    shifted = _binary("add", index, rewriter.splat(extent, type_))
    wrapped = kiln.SelectOp(negative, shifted, index, type_).result
    clamped_low = _binary("maximum", wrapped, zero)
    return _binary("minimum", clamped_low, rewriter.splat(max(extent - 1, 0), type_))


def iota(shape: list[int], dimension: int) -> ir.Value:
    """An i64 tensor of ``shape`` whose elements are their index along ``dimension``."""
    type_ = ir.RankedTensorType.get(list(shape), ir.IntegerType.get_signless(64))
    return kiln.IotaOp(i64_attr(dimension), type_).result


def broadcast_leading(rewriter: Rewriter, value: ir.Value, shape: list[int]) -> ir.Value:
    """``value`` broadcast to ``shape``, its dimensions becoming the leading ones."""
    if list(value.type.shape) == list(shape):
        return value
    if not value.type.shape:
        value = rewriter.reshape(value, [1])
    type_ = ir.RankedTensorType.get(list(shape), value.type.element_type)
    return kiln.BroadcastOp(value, i64_array(range(len(value.type.shape))), type_).result


def row_major_offset(rewriter: Rewriter, coordinates: list[ir.Value], extents: list[int]) -> ir.Value:
    """``sum(coordinates[d] * stride[d])`` for a row-major array of ``extents``.

    The coordinates must have one shape and already lie in range.
    """
    offset, stride = None, 1
    for coordinate, extent in zip(reversed(coordinates), reversed(extents)):
        term = coordinate if stride == 1 else _binary(
            "mul", coordinate, rewriter.splat(stride, coordinate.type))
        offset = term if offset is None else _binary("add", offset, term)
        stride *= extent
    return offset


def gather_merged(rewriter: Rewriter, x: ir.Value, first: int, coordinates: list[ir.Value],
                  result_type: ir.RankedTensorType) -> ir.Value:
    """Read ``x`` at ``coordinates`` on the adjacent dimensions from ``first`` on.

    The coordinates must have one shape and lie in range (see ``in_bounds``). The
    indexed dimensions are merged into one by a reshape, and one ``kiln.gather`` reads
    it at each coordinate's row-major offset. The result's shape is
    ``x[:first] + coordinate shape + x[first + len(coordinates):]``.
    """
    shape = list(x.type.shape)
    last = first + len(coordinates)
    extents = shape[first:last]
    if math.prod(extents) == 0 and math.prod(result_type.shape) != 0:
        raise ConversionFailure("indexing into an empty dimension")
    offset = row_major_offset(rewriter, coordinates, extents)
    merged = rewriter.reshape(x, shape[:first] + [math.prod(extents)] + shape[last:])
    return kiln.GatherOp(merged, offset, i64_attr(first), result_type).result


def _binary(name: str, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    return kiln.BINARY_OPS[name](lhs, rhs, lhs.type).result


def _bool_type(type_: ir.RankedTensorType) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(type_.shape), ir.IntegerType.get_signless(1))
