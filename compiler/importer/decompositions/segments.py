"""``segment_reduce``: a reduction over consecutive segments of one dimension, whose
bounds are data (``lengths`` or ``offsets``).

Each segment masks the whole dimension to its own elements and reduces it, so the
work is segments × elements; past ``MAX_MATCHES`` the op is left alone (and so
refused).
"""

import torch

from .index_put import MAX_MATCHES

SEGMENT_REDUCTIONS = {  # name: (reduce over a dimension, combine with the initial value, identity)
    "max": (torch.amax, torch.maximum, -float("inf")),
    "min": (torch.amin, torch.minimum, float("inf")),
    "sum": (torch.sum, torch.add, 0.0),
    "mean": (torch.sum, torch.add, 0.0),
    "prod": (torch.prod, torch.mul, 1.0),
}


def segment_reduce(data, reduce, *, lengths=None, indices=None, offsets=None, axis=0,
                   unsafe=False, initial=None):
    """Segment ``j`` along ``axis`` reduces ``initial`` (if given) and its elements; an
    empty segment is ``initial``, or the reduction's identity (NaN for ``mean``). A mean
    divides by the segment's length. NaN propagates through ``max`` and ``min``, as in
    eager. Only float32 and float64 data are decomposed: eager's loop accumulates half
    precision in half precision."""
    if (indices is not None or reduce not in SEGMENT_REDUCTIONS
            or data.dtype not in (torch.float32, torch.float64)):
        return NotImplemented
    axis = axis % data.dim()
    if offsets is None:
        ends = torch.cumsum(lengths, -1)
        starts = ends - lengths
    else:
        starts, ends = offsets[..., :-1], offsets[..., 1:]
        lengths = ends - starts
    if starts.shape[-1] * data.numel() > MAX_MATCHES:
        return NotImplemented
    trailing = [1] * (data.dim() - axis - 1)
    position = torch.arange(data.shape[axis], device=data.device)
    inside = (starts.unsqueeze(-1) <= position) & (position < ends.unsqueeze(-1))
    inside = inside.reshape(list(inside.shape) + trailing)
    reduce_over, combine, identity = SEGMENT_REDUCTIONS[reduce]
    masked = torch.where(inside, data.unsqueeze(axis), torch.full((), identity, dtype=data.dtype))
    reduced = reduce_over(masked, axis + 1)
    if initial is not None:
        reduced = combine(reduced, torch.full((), initial, dtype=data.dtype))
    if reduce == "mean":
        length = lengths.reshape(list(lengths.shape) + trailing)
        empty = float("nan") if initial is None else initial
        reduced = torch.where(length > 0, reduced / length.clamp(min=1), torch.full((), empty, dtype=data.dtype))
    return reduced
