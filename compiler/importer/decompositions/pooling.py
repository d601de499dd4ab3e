"""Pooling and resampling."""

import torch
from torch._decomp import get_decompositions

aten = torch.ops.aten

TORCH_ADAPTIVE_AVG_POOL2D = get_decompositions([aten._adaptive_avg_pool2d])[aten._adaptive_avg_pool2d.default]


def adaptive_avg_pool2d(x, output_size):
    """Adaptive pooling whose windows tile the input evenly is a plain average pool;
    other windows take torch's decomposition (gathers of the widest window, masked)."""
    in_h, in_w = x.shape[-2:]
    out_h, out_w = output_size
    if in_h % out_h or in_w % out_w:
        return TORCH_ADAPTIVE_AVG_POOL2D(x, output_size)
    kernel = [in_h // out_h, in_w // out_w]
    return aten.avg_pool2d.default(x, kernel, kernel)


TORCH_DECOMPOSITIONS = [aten.upsample_bilinear2d, aten.upsample_nearest2d]

DECOMPOSITIONS = {
    aten._adaptive_avg_pool2d.default: adaptive_avg_pool2d,
}
