"""``x[indices] = values`` (``index_put``) with index tensors, full slices and boolean
masks, and the ops that are one: ``put`` and ``masked_scatter``.

Kiln has no scatter primitive, so a write is a read: each row of ``x`` finds the last
index that names it, by comparing every row with every index, and gathers that value.
The comparisons number rows × indices; past ``MAX_MATCHES`` the op is left alone (and
so refused). A boolean mask needs no comparisons: the k-th true element takes the k-th
value, k being a running count of the mask.
"""

import math

import torch

aten = torch.ops.aten

MAX_MATCHES = 1 << 26


def index_put(x, indices, values, accumulate=False):
    """``x[indices] = values``, or ``+=`` with ``accumulate``. Each entry of ``indices``
    is an integer tensor, ``None`` (a full slice), or one boolean mask with every other
    entry ``None``; a boolean mask beside an integer index is left alone, as the number
    of its true elements decides the shape of the write."""
    indices = list(indices)
    if x.numel() == 0:  # moves no data: left to run on the host
        return NotImplemented
    given = [d for d, index in enumerate(indices) if index is not None]
    masks = [d for d in given if indices[d].dtype in (torch.bool, torch.uint8)]
    if not masks:
        return _put_rows(x, indices + [None] * (x.dim() - len(indices)), values, accumulate)
    if len(given) == 1 and masks == given and indices[masks[0]].dtype == torch.bool:
        return _put_masked(x, masks[0], indices[masks[0]], values, accumulate)
    return NotImplemented


def put(x, index, source, accumulate=False):
    """``x.put(index, source)``: ``index_put`` on ``x`` read as one dimension."""
    flat = index_put(x.reshape(-1), [index.reshape(-1)], source.reshape(-1), accumulate)
    return flat if flat is NotImplemented else flat.reshape(x.shape)


def masked_scatter(x, mask, source):
    """Where ``mask`` (broadcast with ``x``) is true, the next element of ``source`` in
    row-major order; elsewhere ``x``."""
    shape = torch.broadcast_shapes(x.shape, mask.shape)
    if math.prod(shape) == 0:  # moves no data: left to run on the host
        return NotImplemented
    x, mask = x.expand(shape), mask.expand(shape)
    if source.numel() == 0:  # then nothing is masked in, or eager raises
        return x.clone()
    taken = _running_count(mask.reshape(-1)) - 1
    written = source.reshape(-1).index_select(0, taken.clamp(0, source.numel() - 1)).reshape(shape)
    return torch.where(mask, written.to(x.dtype), x)


def _put_masked(x, first, mask, values, accumulate):
    """The write of ``x[(slice(None),) * first + (mask,)]``: the mask covers the
    dimensions from ``first`` on, and its true elements, in row-major order, take
    successive values along the dimension of ``values`` that stands for them."""
    after = x.shape[first + mask.dim():]
    values = _with_rank(values.to(x.dtype), first + 1 + len(after))
    leading, count, trailing = values.shape[:first], values.shape[first], values.shape[first + 1:]
    if count == 1:
        written = values.reshape(list(leading) + [1] * mask.dim() + list(trailing))
    else:
        taken = (_running_count(mask.reshape(-1)) - 1).clamp(0, count - 1)
        written = values.index_select(first, taken)
        written = written.reshape(list(leading) + list(mask.shape) + list(trailing))
    selected = mask.reshape([1] * first + list(mask.shape) + [1] * len(after))
    return torch.where(selected, x + written if accumulate else written, x)


def _with_rank(values, rank):
    """``values`` with leading size-1 dimensions added or dropped to have ``rank``, as
    eager's broadcast of the values to the indexed shape does."""
    while values.dim() > rank and values.shape[0] == 1:
        values = values.squeeze(0)
    return values.reshape([1] * (rank - values.dim()) + list(values.shape))


def _running_count(flags):
    """The inclusive running count of a 1-D boolean tensor, as int64: log2(n) rounds of
    adding the counts ``shift`` places before (Hillis and Steele), exact in integers."""
    counts = flags.to(torch.int64)
    length, shift = counts.shape[0], 1
    while shift < length:
        counts = counts + aten.constant_pad_nd.default(counts[:length - shift], [shift, 0], 0)
        shift *= 2
    return counts


def _put_rows(x, indices, values, accumulate):
    """``index_put`` with integer index tensors and full slices: the indexed dimensions
    are moved to the front and merged into rows, which ``_write_rows`` writes.

    ``values`` broadcasts to the shape of ``x[indices]``: the index shape stands in
    place of adjacent indexed dimensions, and in front when they are apart (NumPy's
    rule), so there it moves to the front as well."""
    indexed = [d for d, index in enumerate(indices) if index is not None]
    if x.dim() == 0 or not indexed:
        return NotImplemented
    others = [d for d in range(x.dim()) if d not in indexed]
    index_tensors = torch.broadcast_tensors(*(indices[d] for d in indexed))
    index_shape = list(index_tensors[0].shape)
    if math.prod(index_shape) == 0:
        return x.clone()
    rest = [x.shape[d] for d in others]
    values = _with_rank(values.to(x.dtype), len(index_shape) + len(rest))
    if indexed == list(range(indexed[0], indexed[-1] + 1)):
        first = indexed[0]
        in_place = rest[:first] + index_shape + rest[first:]
        values = values.broadcast_to(in_place).movedim(
            list(range(first, first + len(index_shape))), list(range(len(index_shape))))
    values = values.broadcast_to(index_shape + rest).reshape([-1] + rest)
    row = None
    for index, d in zip(index_tensors, indexed):
        wrapped = index.reshape(-1).to(torch.int64) % x.shape[d]  # negative counts from the end
        row = wrapped if row is None else row * x.shape[d] + wrapped
    order = indexed + others
    leading = x.permute(order)
    written = _write_rows(leading.reshape([-1] + rest), row, values, accumulate)
    if written is NotImplemented:
        return NotImplemented
    inverse = sorted(range(x.dim()), key=order.__getitem__)
    return written.reshape(leading.shape).permute(inverse)


def _write_rows(rows, row_of, values, accumulate):
    """``rows[row_of[k]] = values[k]`` for every k, the last k winning as in eager's CPU
    loop; with ``accumulate``, each row adds the sum of its values (booleans: their
    ``any``, as eager's ``+=`` of booleans is an or). Half precision sums in float32
    and rounds once (eager's CPU loop rounds after each repeated index)."""
    count, rest = rows.shape[0], [1] * (rows.dim() - 1)
    matches = row_of.unsqueeze(0) == torch.arange(count, device=rows.device).unsqueeze(1)
    hit = matches.any(1).reshape([count] + rest)
    if not accumulate:
        if matches.numel() > MAX_MATCHES:
            return NotImplemented
        order = torch.arange(row_of.shape[0], device=rows.device)
        last = torch.where(matches, order, -1).amax(1)
        return torch.where(hit, values.index_select(0, last.clamp(min=0)), rows)
    if matches.numel() * math.prod(rows.shape[1:]) > MAX_MATCHES:
        return NotImplemented
    matches = matches.reshape(list(matches.shape) + rest)
    if rows.dtype == torch.bool:
        return rows | torch.where(matches, values.unsqueeze(0), False).any(1)
    wide = torch.float32 if rows.dtype in (torch.float16, torch.bfloat16) else rows.dtype
    sent = torch.where(matches, values.unsqueeze(0).to(wide),
                       torch.zeros((), dtype=wide, device=rows.device))
    return torch.where(hit, (rows.to(wide) + sent.sum(1, dtype=wide)).to(rows.dtype), rows)
