"""Ops that address a tensor's storage: ``as_strided``, ``as_strided_scatter`` and
``resize``.

Kiln's tensors are values, so such an op is decomposed for the one layout that
``torch.export`` recorded for its operand: a tensor that covers its storage densely
(its dimensions in some order are row-major), read in storage order. A request for
storage outside the tensor cannot be met from its value, and is refused.
"""

import math

import torch

from ...diagnostics import FrontendError


def as_strided(x, size, stride, storage_offset=None):
    """The element at ``i`` reads storage ``offset + sum(i[d] * stride[d])``, which is
    ``x``'s element at that place in storage order."""
    flat = _in_storage_order(x)
    if flat is None or math.prod(size) == 0:
        return NotImplemented
    start = _relative_offset(x, storage_offset)
    last = start + sum((n - 1) * s for n, s in zip(size, stride))
    if start < 0 or last >= x.numel():
        raise FrontendError(
            f"as_strided reads storage outside its input tensor (elements {start} to {last} "
            f"of {x.numel()} from the tensor's start): Kiln's tensors are values, without "
            "the rest of their storage")
    if _row_major(size, stride):
        return flat.narrow(0, start, math.prod(size)).view(size)
    return flat.index_select(0, _storage_positions(x, size, stride, start).reshape(-1)).view(size)


def as_strided_scatter(x, src, size, stride, storage_offset=None):
    """``x`` with the view ``as_strided(size, stride, storage_offset)`` of its storage
    overwritten by ``src``. Writes to storage outside ``x`` are lost, as in eager, whose
    result shares nothing else with that storage.

    Each element of ``x`` finds the element of ``src`` that writes it by dividing its
    storage place by the view's strides, largest first; that is exact when each stride
    exceeds the span of the smaller ones. Other views (overlapping ones, whose writes
    eager orders its own way, and interleaved ones) are left alone."""
    flat = _in_storage_order(x)
    dims = _nested_dims(size, stride)
    if flat is None or dims is None or math.prod(size) == 0:
        return NotImplemented
    place = torch.arange(x.numel(), device=x.device) - _relative_offset(x, storage_offset)
    inside = place >= 0
    source = torch.zeros_like(place)
    for d in dims:
        coordinate = torch.div(place, stride[d], rounding_mode="floor")
        inside = inside & (coordinate < size[d])
        place = place - coordinate * stride[d]
        source = source + coordinate * math.prod(size[d + 1:])
    inside = inside & (place == 0)
    written = src.reshape(-1).index_select(0, source.clamp(0, math.prod(size) - 1))
    return _from_storage_order(torch.where(inside, written.to(x.dtype), flat), x)


def resize(x, size, memory_format=None):
    """A resize to at most ``x``'s element count keeps its storage: the result reads it
    from ``x``'s start in row-major order. A larger one is left alone (its new elements
    hold whatever memory held)."""
    flat = _in_storage_order(x)
    if (flat is None or math.prod(size) > x.numel()
            or memory_format not in (None, torch.contiguous_format)):
        return NotImplemented
    return flat.narrow(0, 0, math.prod(size)).reshape(size)


def _relative_offset(x, storage_offset):
    """A storage offset counted from ``x``'s first element (``None`` means that one)."""
    return 0 if storage_offset is None else storage_offset - x.storage_offset()


def _storage_order(x):
    """The permutation of ``x``'s dimensions that is row-major in storage, or ``None``
    when ``x`` has gaps or overlaps there."""
    order = sorted(range(x.dim()), key=lambda d: -x.stride(d))
    expected = 1
    for d in reversed(order):
        if x.shape[d] != 1 and x.stride(d) != expected:
            return None
        expected *= x.shape[d]
    return order


def _in_storage_order(x):
    """``x``'s elements in storage order as one dimension, or ``None``."""
    order = _storage_order(x)
    return None if order is None or x.numel() == 0 else x.permute(order).reshape(-1)


def _from_storage_order(flat, x):
    """The inverse of ``_in_storage_order``: a tensor shaped like ``x``."""
    order = _storage_order(x)
    permuted = flat.reshape([x.shape[d] for d in order])
    return permuted.permute(sorted(range(x.dim()), key=order.__getitem__))


def _row_major(size, stride):
    """Whether a view with these strides reads successive storage places in row-major
    order (the stride of a dimension of one element never matters)."""
    step = 1
    for extent, given in zip(reversed(size), reversed(stride)):
        if extent != 1 and given != step:
            return False
        step *= extent
    return True


def _storage_positions(x, size, stride, start):
    """The storage offset of each element of the view, from ``x``'s start, as int64."""
    positions = torch.full(list(size), start, dtype=torch.int64, device=x.device)
    for d, (extent, step) in enumerate(zip(size, stride)):
        along = torch.arange(extent, dtype=torch.int64, device=x.device) * step
        positions = positions + along.reshape([extent] + [1] * (len(size) - d - 1))
    return positions


def _nested_dims(size, stride):
    """The view's dimensions of more than one element by decreasing stride, if each
    stride exceeds the span of the smaller ones (so no two elements share a place);
    else ``None``."""
    dims = sorted((d for d in range(len(size)) if size[d] != 1), key=lambda d: stride[d])
    span = 0
    for d in dims:
        if stride[d] <= span:
            return None
        span += (size[d] - 1) * stride[d]
    return dims[::-1]
