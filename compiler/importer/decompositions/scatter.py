"""Scatters as masked reductions: each target compares itself with every index, so no
write order is involved. Scatters of more than ``MAX_MATCHES`` index-target pairs are
left alone (and so refused)."""

import torch

from .index_put import MAX_MATCHES

aten = torch.ops.aten


def _slice_to(x, shape):
    """The leading ``shape`` corner of ``x``."""
    for dim, size in enumerate(shape):
        if x.shape[dim] != size:
            x = x.narrow(dim, 0, size)
    return x


def _pad_to(x, shape, value):
    """``x`` padded with ``value`` at the end of each dimension up to ``shape``."""
    padding = []
    for have, want in reversed(list(zip(x.shape, shape))):
        padding += [0, want - have]
    return aten.constant_pad_nd.default(x, padding, value) if any(padding) else x


def _scatter_matches(x, dim, index):
    """Whether each position of ``index`` writes each target along ``dim``: ``index``'s
    shape with an axis of ``x.shape[dim]`` targets inserted before ``dim``."""
    targets = x.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    positions = torch.arange(targets, device=x.device).reshape([targets, 1] + trailing)
    return index.unsqueeze(dim) == positions


SCATTER_REDUCTIONS = {  # name: (reduce over a dimension, combine with self)
    "sum": (torch.sum, torch.add),
    "mean": (torch.sum, torch.add),
    "prod": (torch.prod, torch.mul),
    "amax": (torch.amax, torch.maximum),
    "amin": (torch.amin, torch.minimum),
}


def _reduction_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.is_floating_point:
        low, high = -float("inf"), float("inf")
    else:
        low, high = torch.iinfo(dtype).min, torch.iinfo(dtype).max
    return low if reduce == "amax" else high


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """Each target along ``dim`` reduces the sources that ``index`` sends it (and itself
    with ``include_self``); a target nothing is sent to keeps its value. The sources are
    masked per target, so no write order is involved."""
    if x.dim() == 0 or reduce not in SCATTER_REDUCTIONS or x.dtype == torch.bool:
        return NotImplemented
    dim = dim % x.dim()
    if index.numel() * x.shape[dim] > MAX_MATCHES:
        return NotImplemented
    if x.dtype in (torch.float16, torch.bfloat16) and reduce in ("sum", "prod", "mean"):
        return _half_in_float32(x, dim, index, src, reduce, include_self)
    reduce_over, combine = SCATTER_REDUCTIONS[reduce]
    identity = _reduction_identity(reduce, x.dtype)
    matches = _scatter_matches(x, dim, index)
    sources = _slice_to(src, index.shape).to(x.dtype).unsqueeze(dim)
    reduced = reduce_over(torch.where(matches, sources, torch.full((), identity, dtype=x.dtype)), dim + 1)
    reduced = _pad_to(reduced, x.shape, identity)
    count = _pad_to(matches.sum(dim + 1), x.shape, 0)
    result = combine(x, reduced) if include_self else reduced
    if reduce == "mean":
        # clamped: a target with no sources and no self keeps its value below anyway
        divisor = (count + int(include_self)).clamp(min=1)
        result = result / divisor if x.is_floating_point() else torch.div(result, divisor, rounding_mode="floor")
    return torch.where(count > 0, result.to(x.dtype), x)


def _half_in_float32(x, dim, index, src, reduce, include_self):
    """Eager's CPU kernel sums and multiplies half-precision sources in float32 and rounds
    once; a mean rounds its sum, then the quotient."""
    wide = scatter_reduce(x.float(), dim, index, src.float(), "sum" if reduce == "mean" else reduce,
                          include_self=include_self)
    if reduce != "mean":
        return wide.to(x.dtype)
    count = _pad_to(_scatter_matches(x, dim, index).sum(dim + 1), x.shape, 0) + int(include_self)
    quotient = wide.to(x.dtype).float() / count.clamp(min=1)
    return torch.where(count > 0, quotient.to(x.dtype), x)


def scatter_add(x, dim, index, src):
    """``scatter_reduce`` with ``sum``, ``x`` included."""
    return scatter_reduce(x, dim, index, src, "sum")


def scatter_legacy_reduce(x, dim, index, src, reduce):
    """``scatter(..., reduce="add" | "multiply")``."""
    return scatter_reduce(x, dim, index, src, {"add": "sum", "multiply": "prod"}[reduce])


def scatter(x, dim, index, src):
    """Each target along ``dim`` takes the last source that ``index`` sends it (the
    order of eager's CPU loop), or keeps its value."""
    if x.dim() == 0:
        return NotImplemented
    dim = dim % x.dim()
    if index.numel() * x.shape[dim] > MAX_MATCHES:
        return NotImplemented
    if not isinstance(src, torch.Tensor):
        src = torch.full(index.shape, src, dtype=x.dtype, device=x.device)
    src = _slice_to(src, index.shape).to(x.dtype)
    length = index.shape[dim]
    trailing = [1] * (index.dim() - dim - 1)
    sources = torch.arange(length, device=x.device).reshape([length] + trailing)
    last = torch.where(_scatter_matches(x, dim, index), sources, -1).amax(dim + 1)
    written = _pad_to(torch.gather(src, dim, last.clamp(min=0)), x.shape, 0)
    return torch.where(_pad_to(last, x.shape, -1) >= 0, written, x)


def index_reduce(x, dim, index, source, reduce, *, include_self=True):
    """``x.index_reduce(dim, index, source, reduce)``: ``scatter_reduce`` with the index
    of each slice of ``source`` along ``dim`` spread over the slice."""
    if x.dim() == 0:
        return index_reduce(x.reshape(1), 0, index, source.reshape(1), reduce,
                            include_self=include_self).reshape(())
    dim = dim % x.dim()
    along = [1] * source.dim()
    along[dim] = -1
    spread = index.reshape(along).expand(source.shape)
    return scatter_reduce(x, dim, spread, source, reduce, include_self=include_self)
