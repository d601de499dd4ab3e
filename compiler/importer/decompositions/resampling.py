"""Resampling: interpolating upsamples and grid sampling."""

import math

import numpy as np
import torch
from torch._decomp import get_decompositions

aten = torch.ops.aten

TORCH_GRID_SAMPLER_2D = get_decompositions([aten.grid_sampler_2d])[aten.grid_sampler_2d.default]


def grid_sampler_2d(x, grid, interpolation_mode, padding_mode, align_corners):
    """torch's decomposition, for single and double precision. Eager's half-precision
    kernel rounds every intermediate to half, which computing in f32 cannot match."""
    if x.dtype not in (torch.float32, torch.float64):
        return NotImplemented
    return TORCH_GRID_SAMPLER_2D(x, grid, interpolation_mode, padding_mode, align_corners)


def upsample_bilinear2d_aa(x, output_size, align_corners, scales_h=None, scales_w=None):
    """Antialiased bilinear resize, as eager's separable kernel computes it: the width
    is resampled first, then the height, each only if its size changes; an output
    element is a weighted sum of a window of inputs, with the weights of a triangle
    filter stretched by the scale when downsampling and normalized to sum to 1."""
    if x.dtype not in (torch.float32, torch.float64):
        return NotImplemented
    for dim, size, scale in ((x.dim() - 1, output_size[1], scales_w),
                             (x.dim() - 2, output_size[0], scales_h)):
        if size != x.shape[dim]:
            x = _antialiased_linear_pass(x, dim, size, align_corners, scale)
    return x


def _antialiased_linear_pass(x, dim: int, size: int, align_corners: bool, scale):
    """``x`` resampled to ``size`` along ``dim`` by eager's antialiased triangle filter.

    The window bounds and weights follow eager's arithmetic step by step, in the input's
    precision where eager keeps it and in double where C++ promotes to double, so the
    truncations that bound each window land alike. Positions of the widest window past
    a window's end are masked out of the sum (so an inf there cannot make a NaN)."""
    dtype, length = x.dtype, x.shape[dim]
    if align_corners:
        scale = (length - 1) / (size - 1) if size > 1 else 0.0
    else:
        scale = 1.0 / scale if scale is not None and scale > 0 else length / size
    scale = _rounded(scale, dtype)
    support = _rounded(scale if scale >= 1.0 else 1.0, dtype)
    invscale = _rounded(1.0 / scale if scale >= 1.0 else 1.0, dtype)
    width = math.ceil(support) * 2 + 1

    outputs = torch.arange(size, device=x.device, dtype=torch.float64)
    center = (scale * (outputs + 0.5)).to(dtype)
    start = ((center - support).double() + 0.5).to(torch.int64).clamp(min=0)
    end = ((center + support).double() + 0.5).to(torch.int64).clamp(max=length)
    count = (end - start).clamp(0, width)
    offsets = torch.arange(width, device=x.device)
    positions = start.unsqueeze(1) + offsets
    inside = offsets < count.unsqueeze(1)
    distance = (((positions.to(dtype) - center.unsqueeze(1)).double() + 0.5) * invscale).to(dtype)
    weights = torch.where(inside, (1 - distance.abs()).clamp(min=0), 0)
    total = weights.sum(1, keepdim=True)
    weights = torch.where(total != 0, weights / total, weights)

    gathered = x.index_select(dim, positions.clamp(max=length - 1).flatten())
    gathered = gathered.unflatten(dim, (size, width))
    trailing = [1] * (x.dim() - dim - 1)
    terms = torch.where(inside.reshape(size, width, *trailing),
                        gathered * weights.reshape(size, width, *trailing), 0)
    return terms.sum(dim + 1)


def _rounded(value: float, dtype) -> float:
    """``value`` rounded to ``dtype`` (float32 or float64), as a C++ ``scalar_t`` holds it."""
    return float(np.float32(value)) if dtype == torch.float32 else value


TORCH_DECOMPOSITIONS = [aten.upsample_bilinear2d, aten.upsample_nearest2d]

DECOMPOSITIONS = {
    aten.grid_sampler_2d.default: grid_sampler_2d,
    aten._upsample_bilinear2d_aa.default: upsample_bilinear2d_aa,
}
