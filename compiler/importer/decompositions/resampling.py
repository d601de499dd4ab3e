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


def grid_sampler_3d(x, grid, interpolation_mode, padding_mode, align_corners):
    """Trilinear or nearest sampling of ``x`` at ``grid``'s points, as eager's 3-D
    kernel computes it: each coordinate unnormalized, clipped or reflected by the
    padding mode, then a NaN, infinite or huge one sent to -100 (outside the input);
    each corner's weight multiplied x, then y, then z, and the in-bounds terms summed.
    Nearest rounds half to even, as ``nearbyint``. The eight corners are read by one
    gather, so the graph stays small."""
    if x.dtype not in (torch.float32, torch.float64) or interpolation_mode not in (0, 1):
        return NotImplemented
    batch, channels, *sizes = x.shape
    # grid's last dimension holds (x, y, z), which index (W, H, D): reversed, as sizes
    coords = [_source_index(grid[..., 2 - d], size, padding_mode, align_corners)
              .reshape(batch, 1, -1) for d, size in enumerate(sizes)]
    if interpolation_mode == 1:
        terms = _read(x, [c.round() for c in coords], None)
    else:
        lows = [c.floor() for c in coords]
        corner = torch.arange(8, device=x.device).reshape(1, 8, 1)
        offsets = [corner // 4 % 2, corner // 2 % 2, corner % 2]  # (z, y, x), x fastest
        weight = 1
        for d in (2, 1, 0):
            below, above = lows[d] + 1 - coords[d], coords[d] - lows[d]
            weight = weight * torch.where(offsets[d] == 0, below, above)
        terms = _read(x, [low + offset for low, offset in zip(lows, offsets)], weight)
    return terms.sum(2).reshape(batch, channels, *grid.shape[1:4])


def _source_index(coord, size: int, padding_mode: int, align_corners: bool):
    """Where a grid coordinate in [-1, 1] falls in an input dimension of ``size``."""
    if align_corners:
        coord = (coord + 1) / 2 * (size - 1)
    else:
        coord = ((coord + 1) * size - 1) / 2
    if padding_mode == 1:
        coord = _clip(coord, size)
    elif padding_mode == 2:
        twice_low, twice_high = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
        coord = _clip(_reflect(coord, twice_low, twice_high), size)
    int32 = torch.iinfo(torch.int32)
    outside = (coord > int32.max - 1) | (coord < int32.min) | ~coord.isfinite()
    return torch.where(outside, -100.0, coord)


def _clip(coord, size: int):
    """``min(size - 1, max(coord, 0))`` with C++'s ``std::min`` and ``std::max``, which
    keep their first argument on a NaN: a NaN coordinate becomes ``size - 1``."""
    coord = torch.where(coord < 0, 0.0, coord)
    return torch.where(coord < size - 1, coord, float(size - 1))


def _reflect(coord, twice_low: int, twice_high: int):
    """``coord`` reflected back and forth between ``twice_low / 2`` and ``twice_high / 2``."""
    if twice_low == twice_high:
        return torch.zeros_like(coord)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    coord = (coord - low).abs()
    extra = torch.fmod(coord, span)
    flips = (coord / span).floor()
    return torch.where(torch.fmod(flips, 2) == 0, extra + low, span - extra + low)


def _read(x, position, weight):
    """``x`` ([N, C, D, H, W]) read at integral float ``position`` (a (z, y, x) list of
    [N, K, P] tensors), times ``weight``: [N, C, K, P], 0 where the position is outside."""
    batch, channels, *sizes = x.shape
    inside = None
    index = 0
    for coord, size in zip(position, sizes):
        within = (coord >= 0) & (coord < size)
        inside = within if inside is None else inside & within
        index = index * size + torch.where(within, coord, 0.0).to(torch.int64)
    flat_index = index.reshape(batch, 1, -1).expand(batch, channels, -1)
    values = torch.gather(x.reshape(batch, channels, -1), 2, flat_index)
    values = values.reshape(batch, channels, *index.shape[1:])
    if weight is not None:
        values = values * weight.unsqueeze(1)
    return torch.where(inside.unsqueeze(1), values, 0)


def _rounded(value: float, dtype) -> float:
    """``value`` rounded to ``dtype`` (float32 or float64), as a C++ ``scalar_t`` holds it."""
    return float(np.float32(value)) if dtype == torch.float32 else value


TORCH_DECOMPOSITIONS = [aten.upsample_bilinear2d, aten.upsample_nearest2d]

DECOMPOSITIONS = {
    aten.grid_sampler_2d.default: grid_sampler_2d,
    aten._upsample_bilinear2d_aa.default: upsample_bilinear2d_aa,
    aten.grid_sampler_3d.default: grid_sampler_3d,
}
