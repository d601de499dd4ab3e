"""Converters for max and average pooling over 1 to 3 spatial dimensions, as maxima and
sums of strided slices.

A ``k x k`` window with stride ``s`` is the elementwise reduction of the ``k * k``
slices ``x[..., i::s, j::s]`` of the padded input; no windowed op is needed.
"""

import itertools

import numpy as np
from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import i64_array


def _per_dim(values, rank: int) -> list:
    """A pooling argument given once for every spatial dimension, or once per dimension."""
    return list(values) * rank if len(values) == 1 else list(values)


class Windows:
    """The pooling windows of an input: their geometry, and the slices that read them."""

    def __init__(self, x, kernel, stride, padding, dilation, output_shape):
        self.x = x
        self.rank = len(kernel)
        self.kernel, self.padding, self.dilation = kernel, padding, dilation
        self.stride = stride or kernel
        self.output_shape = list(output_shape)
        self.input_spatial = list(x.type.shape[-self.rank:])
        self.output_spatial = self.output_shape[-self.rank:]

    def offsets(self):
        """Each window position, as its offset in every spatial dimension."""
        return itertools.product(*(range(k) for k in self.kernel))

    def slices(self, pad_value: float):
        """Per window position, the slice of the padded input that it reads in every
        window. The input is padded after each dimension as far as the last window reads,
        which with ``ceil_mode`` can be past ``padding``."""
        x = self.x
        leading = [0] * (len(x.type.shape) - self.rank)
        reach = [(o - 1) * s + (k - 1) * d + 1
                 for o, s, k, d in zip(self.output_spatial, self.stride, self.kernel, self.dilation)]
        high = [max(p, r - n - p) for p, r, n in zip(self.padding, reach, self.input_spatial)]
        if any(self.padding) or any(high):
            padded = list(x.type.shape[:-self.rank]) + [
                n + p + h for n, p, h in zip(self.input_spatial, self.padding, high)]
            padded_type = ir.RankedTensorType.get(padded, x.type.element_type)
            x = kiln.PadOp(x, i64_array(leading + list(self.padding)), i64_array(leading + high),
                           ir.FloatAttr.get_f64(pad_value), padded_type).result
        slice_type = ir.RankedTensorType.get(self.output_shape, x.type.element_type)
        strides = [1] * len(leading) + list(self.stride)
        for offset in self.offsets():
            starts = leading + [i * d for i, d in zip(offset, self.dilation)]
            yield kiln.SliceOp(x, i64_array(starts), i64_array(self.output_shape),
                               i64_array(strides), slice_type).result

    def starts(self, dim: int) -> np.ndarray:
        """Where each window starts in the unpadded input along spatial ``dim``."""
        return np.arange(self.output_spatial[dim]) * self.stride[dim] - self.padding[dim]

    def flat_indices(self, offset) -> np.ndarray:
        """For one window position, the row-major index in the unpadded spatial input of
        the element it reads in every window."""
        index = np.zeros(self.output_spatial, dtype=np.int64)
        for dim, (i, d, n) in enumerate(zip(offset, self.dilation, self.input_spatial)):
            along = self.starts(dim) + i * d
            index = index * n + along.reshape([-1] + [1] * (self.rank - dim - 1))
        return index

    def counts(self, count_include_pad: bool) -> np.ndarray:
        """How many elements each window averages, as eager counts them: the window cut
        at the end of the padding, and also at the input's edges without
        ``count_include_pad``."""
        total = np.ones(self.output_spatial, dtype=np.int64)
        for dim, (k, p, n) in enumerate(zip(self.kernel, self.padding, self.input_spatial)):
            start = self.starts(dim)
            end = np.minimum(start + k, n + p)
            if not count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, n)
            total = total * (end - start).reshape([-1] + [1] * (self.rank - dim - 1))
        return total


def _combine(values, name, type_):
    total = values[0]
    for value in values[1:]:
        total = kiln.BINARY_OPS[name](total, value, type_).result
    return total


def _spatial_rank(op) -> int:
    return 3 if "pool3d" in op.name else 2


@converts("torch.aten.max_pool2d_with_indices", "torch.aten.max_pool2d",
          "torch.aten.max_pool3d_with_indices", "torch.aten.max_pool3d")
def convert_max_pool(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    rank = _spatial_rank(op)
    kernel, stride, padding, dilation = (_per_dim(rewriter.constant(o), rank) for o in op.operands[1:5])
    type_ = rewriter.result_type(op)
    windows = Windows(x, kernel, stride, padding, dilation, type_.shape)
    slices = list(windows.slices(float("-inf")))
    if len(op.results) > 1 and list(op.results[1].uses):
        return list(_max_with_indices(rewriter, windows, slices, rewriter.result_type(op, 1)))
    return [_combine(slices, "maximum", type_)] + [None] * (len(op.results) - 1)


def _max_with_indices(rewriter, windows, slices, index_type):
    """The maximum of each window and where it is in the input, taking the first maximum
    in window order, or the last NaN, as eager's CPU kernel does."""
    best, best_index = None, None
    for offset, value in zip(windows.offsets(), slices):
        index = rewriter.broadcast_to(rewriter.dense(windows.flat_indices(offset), index_type.element_type),
                                      list(index_type.shape))
        if best is None:
            best, best_index = value, index
            continue
        greater = _compare("gt", value, best)
        take = kiln.BINARY_OPS["or"](greater, _compare("ne", value, value), greater.type).result
        best = kiln.SelectOp(take, value, best, best.type).result
        best_index = kiln.SelectOp(take, index, best_index, index_type).result
    return best, best_index


def _compare(predicate: str, lhs: ir.Value, rhs: ir.Value) -> ir.Value:
    type_ = ir.RankedTensorType.get(lhs.type.shape, ir.IntegerType.get_signless(1))
    return kiln.CompareOp(lhs, rhs, ir.StringAttr.get(predicate), type_).result


@converts("torch.aten.avg_pool2d", "torch.aten.avg_pool3d")
def convert_avg_pool(rewriter, op):
    x = rewriter.tensor(op.operands[0])
    rank = _spatial_rank(op)
    kernel, stride, padding = (_per_dim(rewriter.constant(o), rank) for o in op.operands[1:4])
    count_include_pad, divisor = (rewriter.constant(o) for o in op.operands[5:7])
    type_ = rewriter.result_type(op)
    # Half precision sums and divides in f32 and rounds once, as eager's kernel does.
    compute = (ir.RankedTensorType.get(list(type_.shape), ir.F32Type.get())
               if isinstance(type_.element_type, (ir.F16Type, ir.BF16Type)) else type_)
    x = rewriter.cast(x, compute.element_type)
    windows = Windows(x, kernel, stride, padding, [1] * rank, type_.shape)
    total = _combine(list(windows.slices(0.0)), "add", compute)
    if divisor:
        divisors = rewriter.splat(divisor, compute)
    else:
        counts = rewriter.dense(windows.counts(count_include_pad), ir.IntegerType.get_signless(64))
        divisors = rewriter.broadcast_to(rewriter.cast(counts, compute.element_type), list(type_.shape))
    average = kiln.BINARY_OPS["div"](total, divisors, compute).result
    return [rewriter.cast(average, type_.element_type)]
