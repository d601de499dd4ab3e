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
    """2-D convolution: explicit ``kiln.pad``, then ``kiln.conv2d``, then a broadcast bias add."""
    x = rewriter.tensor(op.operands[0])
    weight = rewriter.tensor(op.operands[1])
    bias = rewriter.lookup(op.operands[2])
    stride, padding, dilation, transposed, _, groups = (
        rewriter.constant(o) for o in op.operands[3:9]
    )
    if transposed:
        raise ConversionFailure("transposed convolution")
    if len(x.type.shape) != 4:
        raise ConversionFailure(f"only 2-D convolution, got input of rank {len(x.type.shape)}")
    result = rewriter.result_type(op)
    if any(padding):
        low = [0, 0] + list(padding)
        shape = [s + 2 * p for s, p in zip(x.type.shape, low)]
        padded = ir.RankedTensorType.get(shape, x.type.element_type)
        zero = ir.FloatAttr.get_f64(0.0)
        x = kiln.PadOp(x, i64_array(low), i64_array(low), zero, padded).result
    out = kiln.Conv2dOp(
        x, weight, i64_array(stride), i64_array(dilation), i64_attr(groups), result
    ).result
    if isinstance(bias, ir.Value):
        channels = bias.type.shape[0]
        bias = rewriter.reshape(bias, [channels, 1, 1])
        bias = rewriter.broadcast_to(bias, list(result.shape))
        out = kiln.BINARY_OPS["add"](out, bias, result).result
    return [out]
