"""Convolutions that reduce to the 1-D and 2-D forward convolutions Kiln converts.

The ordinary 1-D and 2-D forward convolution is left to its converter (and its tuned
CPU path); only transposed and 3-D convolutions are rewritten here.
"""

import torch

aten = torch.ops.aten


def convolution(x, weight, bias, stride, padding, dilation, transposed, output_padding, groups):
    """A transposed convolution becomes a forward one over the input dilated by its
    stride; a 3-D forward convolution becomes a 2-D one whose channels also run over
    the depth taps. Batched 1-D and 2-D forward convolutions are left as they are."""
    if x.dim() != weight.dim() or x.dim() not in (3, 4, 5):
        return NotImplemented
    spatial = x.dim() - 2
    stride, padding, dilation, output_padding = (
        _per_dim(values, spatial) for values in (stride, padding, dilation, output_padding))
    if transposed:
        return _transposed_convolution(x, weight, bias, stride, padding, dilation,
                                       output_padding, groups)
    if x.dim() == 5:
        return _convolution_3d(x, weight, bias, stride, padding, dilation, groups)
    return NotImplemented


def _per_dim(values, spatial: int) -> list[int]:
    """A convolution argument given once for every spatial dimension, or once per dimension."""
    return list(values) * spatial if len(values) == 1 else list(values)


def _transposed_convolution(x, weight, bias, stride, padding, dilation, output_padding, groups):
    """The transposed convolution as the forward convolution it is the adjoint of.

    Output ``o`` of a transposed convolution sums ``x[i] * w[k]`` over ``i * s - p +
    k * d = o``. Insert ``s - 1`` zeros between the input's elements, pad it by ``d *
    (K - 1) - p`` in front (and ``output_padding`` more behind), and that same sum is a
    stride-1 forward convolution with the kernel flipped and its in and out channels
    swapped within each group. Every product of the transposed convolution appears
    once, beside products with the inserted zeros, so the result is exact up to the
    order of summation."""
    spatial = x.dim() - 2
    kernel = weight.shape[2:]
    for dim, step in enumerate(stride):
        x = _spread(x, 2 + dim, step)
    reach = [d * (k - 1) for d, k in zip(dilation, kernel)]
    x = _pad_spatial(x, [r - p for r, p in zip(reach, padding)],
                     [r - p + extra for r, p, extra in zip(reach, padding, output_padding)])
    in_channels, out_per_group = weight.shape[:2]
    forward_weight = (
        weight.reshape(groups, in_channels // groups, out_per_group, *kernel)
        .transpose(1, 2)
        .reshape(groups * out_per_group, in_channels // groups, *kernel)
        .flip(list(range(2, 2 + spatial)))
    )
    return aten.convolution.default(x, forward_weight, bias, [1] * spatial, [0] * spatial,
                                    dilation, False, [0] * spatial, groups)


def _spread(x, dim: int, step: int):
    """``x`` with ``step - 1`` zeros inserted between consecutive elements along ``dim``."""
    if step == 1 or x.shape[dim] == 0:
        return x
    length = x.shape[dim]
    trailing = [0, 0] * (x.dim() - dim - 1)
    spaced = torch.nn.functional.pad(x.unsqueeze(dim + 1), trailing + [0, step - 1])
    return spaced.flatten(dim, dim + 1).narrow(dim, 0, (length - 1) * step + 1)


def _pad_spatial(x, front: list[int], back: list[int]):
    """``x`` zero-padded before and after each spatial dimension, a negative amount
    cutting elements off instead."""
    for dim, (low, high) in enumerate(zip(front, back), start=2):
        start, end = max(-low, 0), x.shape[dim] - max(-high, 0)
        if start or end < x.shape[dim]:
            x = x.narrow(dim, start, end - start)
    spec = []
    for low, high in reversed(list(zip(front, back))):
        spec += [max(low, 0), max(high, 0)]
    return torch.nn.functional.pad(x, spec) if any(spec) else x


def _convolution_3d(x, weight, bias, stride, padding, dilation, groups):
    """A 3-D convolution as one 2-D convolution over ``N * D_out`` images whose
    channels are (input channel, depth tap) pairs: output depth ``o`` reads depths
    ``o * s + t * d`` of the depth-padded input, so stacking those ``K_d`` slices beside
    the channels and flattening the weight's depth into its channels gives the same
    products, summed in one accumulation (half precision in f32, as eager)."""
    batch, channels = x.shape[:2]
    filters, _, taps = weight.shape[:3]
    x = _pad_spatial(x, [padding[0], 0, 0], [padding[0], 0, 0])
    depth = (x.shape[2] - dilation[0] * (taps - 1) - 1) // stride[0] + 1
    slices = [x[:, :, t * dilation[0]:t * dilation[0] + (depth - 1) * stride[0] + 1:stride[0]]
              for t in range(taps)]
    images = torch.stack(slices, 2).permute(0, 3, 1, 2, 4, 5)
    images = images.reshape(batch * depth, channels * taps, *x.shape[3:])
    flat_weight = weight.flatten(1, 2)
    out = aten.convolution.default(images, flat_weight, bias, stride[1:], padding[1:],
                                   dilation[1:], False, [0, 0], groups)
    return out.reshape(batch, depth, filters, *out.shape[2:]).transpose(1, 2)


TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {aten.convolution.default: convolution}
