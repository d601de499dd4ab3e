"""Converters for 2-D max and average pooling, as maxima and sums of strided slices.

A ``k x k`` window with stride ``s`` is the elementwise reduction of the ``k * k``
slices ``x[..., i::s, j::s]`` of the padded input; no windowed op is needed.
"""

from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import ConversionFailure, i64_array


def _pair(values):
    return list(values) * 2 if len(values) == 1 else list(values)


def _window_slices(rewriter, x, kernel, stride, padding, dilation, pad_value, result_shape):
    shape = list(x.type.shape)
    if any(padding):
        low = [0] * (len(shape) - 2) + list(padding)
        padded = [s + 2 * p for s, p in zip(shape, low)]
        padded_type = ir.RankedTensorType.get(padded, x.type.element_type)
        value = ir.FloatAttr.get_f64(pad_value)
        x = kiln.PadOp(x, i64_array(low), i64_array(low), value, padded_type).result
    slice_type = ir.RankedTensorType.get(result_shape, x.type.element_type)
    batch = [0] * (len(shape) - 2)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            offsets = batch + [i * dilation[0], j * dilation[1]]
            strides = [1] * len(batch) + list(stride)
            yield kiln.SliceOp(
                x, i64_array(offsets), i64_array(result_shape), i64_array(strides), slice_type
            ).result


def _combine(values, name, type_):
    total = values[0]
    for value in values[1:]:
        total = kiln.BINARY_OPS[name](total, value, type_).result
    return total


@converts("torch.aten.max_pool2d_with_indices", "torch.aten.max_pool2d")
def convert_max_pool2d(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    kernel, stride, padding, dilation = (_pair(rewriter.constant(o)) for o in op.operands[1:5])
    if rewriter.constant(op.operands[5]):
        raise ConversionFailure("ceil_mode=True")
    if len(op.results) > 1 and list(op.results[1].uses):
        raise ConversionFailure("the indices of max_pool2d are used")
    type_ = rewriter.result_type(op)
    stride = stride or kernel
    windows = list(_window_slices(rewriter, x, kernel, stride, padding, dilation,
                                  float("-inf"), list(type_.shape)))
    pooled = _combine(windows, "maximum", type_)
    return [pooled] + [None] * (len(op.results) - 1)


@converts("torch.aten.avg_pool2d")
def convert_avg_pool2d(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    kernel, stride, padding = (_pair(rewriter.constant(o)) for o in op.operands[1:4])
    ceil_mode, count_include_pad, divisor = (rewriter.constant(o) for o in op.operands[4:7])
    if ceil_mode:
        raise ConversionFailure("ceil_mode=True")
    if any(padding) and not count_include_pad:
        raise ConversionFailure("count_include_pad=False with padding")
    type_ = rewriter.result_type(op)
    stride = stride or kernel
    windows = list(_window_slices(rewriter, x, kernel, stride, padding, [1, 1], 0.0,
                                  list(type_.shape)))
    total = _combine(windows, "add", type_)
    divisor = divisor or kernel[0] * kernel[1]
    return [kiln.BINARY_OPS["div"](total, rewriter.splat(divisor, type_), type_).result]
