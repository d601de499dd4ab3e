"""Resampling: interpolating upsamples and grid sampling."""

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


TORCH_DECOMPOSITIONS = [aten.upsample_bilinear2d, aten.upsample_nearest2d]

DECOMPOSITIONS = {
    aten.grid_sampler_2d.default: grid_sampler_2d,
}
