"""Converters for contractions: ``mm``, ``bmm`` and ``convolution``."""

from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import ConversionFailure, i64_array, i64_attr


@converts("torch.aten.mm")
def convert_mm(rewriter, op):
    type_ = rewriter.result_type(op)
    lhs, rhs = (rewriter.cast(rewriter.tensor(o), type_.element_type) for o in op.operands[:2])
    return [kiln.MatmulOp(lhs, rhs, type_).result]


@converts("torch.aten.bmm")
def convert_bmm(rewriter, op):
    type_ = rewriter.result_type(op)
    lhs, rhs = (rewriter.cast(rewriter.tensor(o), type_.element_type) for o in op.operands[:2])
    return [kiln.BatchMatmulOp(lhs, rhs, type_).result]


@converts("torch.aten.convolution")
def convert_convolution(rewriter, op):
    """1-D and 2-D convolution: the input padded (or cut) to the rows its windows read,
    then ``kiln.conv2d``, then a broadcast bias add. A 1-D convolution is a 2-D one over
    a height of 1."""
    x = rewriter.tensor(op.operands[0])
    weight = rewriter.tensor(op.operands[1])
    bias = rewriter.lookup(op.operands[2])
    stride, padding, dilation, transposed, _, groups = (
        rewriter.constant(o) for o in op.operands[3:9]
    )
    if transposed:
        raise ConversionFailure("transposed convolution")
    result = rewriter.result_type(op)
    rank = len(x.type.shape)
    if rank == 3:
        x = rewriter.reshape(x, [*x.type.shape[:2], 1, x.type.shape[2]])
        weight = rewriter.reshape(weight, [*weight.type.shape[:2], 1, weight.type.shape[2]])
        stride, padding, dilation = [1, *stride], [0, *padding], [1, *dilation]
    elif rank != 4:
        raise ConversionFailure(f"only 1-D and 2-D convolution, got input of rank {rank}")
    out_shape = [*result.shape[:2], 1, result.shape[2]] if rank == 3 else list(result.shape)
    x = _window_input(x, padding, [
        (out - 1) * s + (k - 1) * d + 1
        for out, s, k, d in zip(out_shape[2:], stride, weight.type.shape[2:], dilation)])
    out_type = ir.RankedTensorType.get(out_shape, result.element_type)
    out = kiln.Conv2dOp(
        x, weight, i64_array(stride), i64_array(dilation), i64_attr(groups), out_type
    ).result
    out = rewriter.reshape(out, list(result.shape))
    if isinstance(bias, ir.Value):
        channels = bias.type.shape[0]
        bias = rewriter.reshape(bias, [channels] + [1] * (rank - 2))
        bias = rewriter.broadcast_to(bias, list(result.shape))
        out = kiln.BINARY_OPS["add"](out, bias, result).result
    return [out]


def _window_input(x: ir.Value, padding: list[int], extents: list[int]) -> ir.Value:
    """``x`` zero-padded by ``padding`` in front of each spatial dimension, then padded
    or cut at the back to exactly the ``extents`` its windows read.

    Rows no window reads would be harmless, but once a unit output dimension is folded
    away, linalg requires a dimension read by one loop alone to match that loop's range.
    """
    spatial = list(x.type.shape[2:])
    back = [extent - size - front for extent, size, front in zip(extents, spatial, padding)]
    pad_back = [max(b, 0) for b in back]
    if any(padding) or any(pad_back):
        low, high = [0, 0, *padding], [0, 0, *pad_back]
        shape = [s + lo + hi for s, lo, hi in zip(x.type.shape, low, high)]
        padded = ir.RankedTensorType.get(shape, x.type.element_type)
        zero = ir.FloatAttr.get_f64(0.0)
        x = kiln.PadOp(x, i64_array(low), i64_array(high), zero, padded).result
    if any(b < 0 for b in back):
        sizes = [*x.type.shape[:2], *extents]
        cut = ir.RankedTensorType.get(sizes, x.type.element_type)
        x = kiln.SliceOp(x, i64_array([0] * len(sizes)), i64_array(sizes),
                         i64_array([1] * len(sizes)), cut).result
    return x
