"""Sorting and selection as comparisons: sort, top-k, order statistics, searching.

Kiln has no sort primitive. On static shapes the place of an element in the sorted
order, its rank, is a count of the elements that go before it, so a sort is a
reduction over an (n x n) comparison along the sorted dimension, and the permutation
is the inverse of the ranks, another masked reduction. Values are read back with a
gather, which keeps -0.0 and NaN payloads as they are.

The order is torch's: NaN above every number (last ascending, first descending),
-0.0 equal to 0.0, and ties kept in their original order, as a stable sort does.
Where eager's kernel is not stable (``sort(stable=False)`` past 16 elements,
``topk``, ``kthvalue``, ``median``, ``mode`` on ties) torch leaves the index among
equal values unspecified; Kiln returns the stable one, whose value is the same.

The comparisons cost O(n^2) work along the sorted dimension, and the CPU target holds
them in memory today (about 16 bytes each): an op whose sorted dimension is longer than
``MAX_SORTED_LENGTH``, or whose comparisons number more than ``MAX_COMPARISONS`` in
all, is left alone, and so refused. The scans (``cummax``, ``logcumsumexp``), ``mode``,
``isin`` and ``histc`` are masked reductions of the same size under the same caps;
``searchsorted`` and ``bucketize`` are a binary search, with no cap.
"""

import torch

aten = torch.ops.aten

MAX_SORTED_LENGTH = 4096
MAX_COMPARISONS = 1 << 24


def _too_large(x: torch.Tensor, dim: int) -> bool:
    """Whether ranking ``x`` along ``dim`` costs more comparisons than the caps allow."""
    length = x.shape[dim] if x.dim() else 1
    return length > MAX_SORTED_LENGTH or x.numel() * length > MAX_COMPARISONS


def _comparable(x: torch.Tensor) -> torch.Tensor:
    """``x`` in a dtype whose comparisons order it as torch does (booleans as integers)."""
    return x.to(torch.int32) if x.dtype == torch.bool else x


def _positions(length: int, dim: int, rank: int, device) -> torch.Tensor:
    """``arange(length)`` laid along ``dim`` of a ``rank``-dimensional broadcast."""
    return torch.arange(length, device=device).reshape([length] + [1] * (rank - dim - 1))


def _precedes(a: torch.Tensor, b: torch.Tensor, descending: bool) -> torch.Tensor:
    """Whether ``a`` goes strictly before ``b`` in torch's order, NaN above every number."""
    if descending:
        a, b = b, a
    before = a < b
    if a.is_floating_point():
        before = before | (b.isnan() & ~a.isnan())
    return before


def _ties(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Whether ``a`` and ``b`` hold the same place in the order (NaNs tie with each other)."""
    same = a == b
    if a.is_floating_point():
        same = same | (a.isnan() & b.isnan())
    return same


def _ranks(x: torch.Tensor, dim: int, descending: bool) -> torch.Tensor:
    """Each element's place in the stable sort of ``x`` along ``dim``: the elements that
    go before it, and the equal ones on its left."""
    x = _comparable(x)
    mine, others = x.unsqueeze(dim + 1), x.unsqueeze(dim)  # i along dim, j along dim + 1
    mine_at = _positions(x.shape[dim], dim, x.dim() + 1, x.device)
    others_at = _positions(x.shape[dim], dim + 1, x.dim() + 1, x.device)
    before = _precedes(others, mine, descending) | (_ties(others, mine) & (others_at < mine_at))
    return before.sum(dim + 1)


def _zero_dimensional(x: torch.Tensor):
    """A 0-d tensor's sort, extreme or median: itself, at index 0."""
    return x.clone(), torch.zeros((), dtype=torch.int64, device=x.device)


def _drop_unless_kept(keepdim: bool, dim: int, value, index):
    """``value`` and ``index`` without their reduced ``dim`` unless ``keepdim``."""
    return (value, index) if keepdim else (value.squeeze(dim), index.squeeze(dim))


def _holding_rank(ranks: torch.Tensor, dim: int, rank) -> torch.Tensor:
    """The index along ``dim`` of the element of ``rank`` (an int, or a tensor of one
    rank per row with ``dim`` kept), which is unique since ranks are a permutation."""
    at = _positions(ranks.shape[dim], dim, ranks.dim(), ranks.device)
    return torch.where(ranks == rank, at, 0).sum(dim, keepdim=True)


def _sorting_permutation(ranks: torch.Tensor, dim: int) -> torch.Tensor:
    """The inverse of ``ranks`` along ``dim``: entry r is the index of the element of rank r."""
    length = ranks.shape[dim]
    wanted = _positions(length, dim, ranks.dim() + 1, ranks.device)  # r along dim
    at = _positions(length, dim + 1, ranks.dim() + 1, ranks.device)  # i along dim + 1
    return torch.where(ranks.unsqueeze(dim) == wanted, at, 0).sum(dim + 1)


def sort(x, dim=-1, descending=False, *, stable=False):
    """Values and indices of the stable sort along ``dim``, by ranks (see the module)."""
    if x.dim() == 0:
        return _zero_dimensional(x)
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    order = _sorting_permutation(_ranks(x, dim, descending), dim)
    return torch.gather(x, dim, order), order


def sort_stable(x, *, stable=None, dim=-1, descending=False):
    """``sort.stable``: the same stable sort."""
    return sort(x, dim, descending)


def topk(x, k, dim=-1, largest=True, sorted=True):
    """The first ``k`` of the stable sort, descending for ``largest``; with ``sorted``
    unset eager's order is unspecified, and the sorted order is one of them."""
    if x.dim() == 0:
        return sort(x) if k == 1 else NotImplemented
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    order = _sorting_permutation(_ranks(x, dim, largest), dim).narrow(dim, 0, k)
    return torch.gather(x, dim, order), order


def _select(x, dim, keepdim, rank):
    """The value and index of the element of ascending ``rank`` along ``dim`` (an int, or
    a tensor of one rank per row with ``dim`` kept)."""
    if x.dim() == 0:
        return _zero_dimensional(x)
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    ranks = _ranks(x, dim, descending=False)
    index = _holding_rank(ranks, dim, rank)
    return _drop_unless_kept(keepdim, dim, torch.gather(x, dim, index), index)


def kthvalue(x, k, dim=-1, keepdim=False):
    """The ``k``-th smallest element (from 1) along ``dim`` and its index."""
    return _select(x, dim, keepdim, k - 1)


def _first_nan_or(x, dim, keepdim, selected):
    """``selected``'s value and index, or those of the first NaN where the row has one."""
    if selected is NotImplemented or not x.is_floating_point():
        return selected
    value, index = selected
    nans = x.isnan()
    has_nan = nans.any(dim, keepdim=keepdim)
    first_nan = torch.argmax(nans.to(torch.int32), dim, keepdim=keepdim)
    nan = torch.full((), float("nan"), dtype=x.dtype, device=x.device)
    return torch.where(has_nan, nan, value), torch.where(has_nan, first_nan, index)


def median_dim(x, dim=0, keepdim=False):
    """The lower median along ``dim`` (rank (n - 1) // 2), NaN where the row has one."""
    if x.dim() == 0:
        return _zero_dimensional(x)
    dim = dim % x.dim()
    selected = _select(x, dim, keepdim, (x.shape[dim] - 1) // 2)
    return _first_nan_or(x, dim, keepdim, selected)


def median(x):
    """The lower median of every element."""
    result = median_dim(x.reshape(-1), 0)
    return result if result is NotImplemented else result[0]


def nanmedian_dim(x, dim=0, keepdim=False):
    """The lower median of the non-NaN elements of each row: NaNs rank last, so it is
    the element of rank (m - 1) // 2 for a row of m numbers; an all-NaN row gives its
    first NaN."""
    if not x.is_floating_point() or x.dim() == 0:
        return median_dim(x, dim, keepdim)
    numbers = (~x.isnan()).sum(dim, keepdim=True)
    lower_middle = torch.clamp(torch.div(numbers - 1, 2, rounding_mode="floor"), min=0)
    return _select(x, dim, keepdim, lower_middle)


def nanmedian(x):
    """The lower median of every non-NaN element."""
    result = nanmedian_dim(x.reshape(-1), 0)
    return result if result is NotImplemented else result[0]


def _extreme_with_index(x, dim, keepdim, largest):
    """``max.dim`` / ``min.dim``: the first index of the extreme (of a NaN, if any), as
    ``argmax``, and the element there."""
    if x.dim() == 0:
        return _zero_dimensional(x)
    arg_extreme = torch.argmax if largest else torch.argmin
    index = arg_extreme(_comparable(x), dim, keepdim=True)
    return _drop_unless_kept(keepdim, dim, torch.gather(x, dim, index), index)


def max_dim(x, dim, keepdim=False):
    """``max(x, dim)``: the largest element (NaN if any) and its first index."""
    return _extreme_with_index(x, dim, keepdim, largest=True)


def min_dim(x, dim, keepdim=False):
    """``min(x, dim)``: the smallest element (NaN if any) and its first index."""
    return _extreme_with_index(x, dim, keepdim, largest=False)


def max_all(x):
    """``max()`` of every element, NaN if there is one: ``amax`` over all dimensions."""
    return torch.amax(x, list(range(x.dim())))


def min_all(x):
    """``min()`` of every element, NaN if there is one."""
    return torch.amin(x, list(range(x.dim())))


def _lowest(dtype):
    """The identity of a maximum over ``dtype``."""
    return -float("inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def _highest(dtype):
    """The identity of a minimum over ``dtype``."""
    return float("inf") if dtype.is_floating_point else torch.iinfo(dtype).max


def _prefix(length: int, dim: int, rank: int, device) -> torch.Tensor:
    """Whether j <= k, with k along ``dim`` and j along ``dim + 1`` of a ``rank``-dimensional
    broadcast: the elements that the inclusive scan's result k covers."""
    return _positions(length, dim + 1, rank, device) <= _positions(length, dim, rank, device)


def _cumulative_extreme(x, dim, largest):
    """``cummax`` / ``cummin`` as eager's loop computes them: result k is the last element
    j <= k that is a NaN or ties with the extreme so far (it replaces the running
    extreme on >= for cummax, <= for cummin), and its index.

    The extreme of each prefix is a masked ``amax``/``amin``, which propagates NaN; the
    index is then the largest j <= k that ties with it, and the value a gather of it."""
    if x.dim() == 0:
        return _zero_dimensional(x)
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    values = _comparable(x)
    covered = _prefix(x.shape[dim], dim, x.dim() + 1, x.device)
    earlier = values.unsqueeze(dim)  # j along dim + 1
    identity = torch.full((), _lowest(values.dtype) if largest else _highest(values.dtype), dtype=values.dtype)
    reduce = torch.amax if largest else torch.amin
    extreme = reduce(torch.where(covered, earlier, identity), dim + 1, keepdim=True)
    hits = covered & _ties(earlier, extreme)
    at = _positions(x.shape[dim], dim + 1, x.dim() + 1, x.device)
    index = torch.where(hits, at, -1).amax(dim + 1)
    return torch.gather(x, dim, index), index


def cummax(x, dim):
    """The running maximum along ``dim`` and where it was last reached."""
    return _cumulative_extreme(x, dim, largest=True)


def cummin(x, dim):
    """The running minimum along ``dim`` and where it was last reached."""
    return _cumulative_extreme(x, dim, largest=False)


def logcumsumexp(x, dim):
    """log(sum_{j <= k} exp(x_j)), each prefix shifted by its maximum m_k so no exp
    overflows: m_k + log(sum exp(x_j - m_k)). A prefix whose maximum is infinite gives
    that infinity (all -inf, or some +inf) and a NaN anywhere in it gives NaN, as eager's
    pairwise log-add-exp does. Half precision computes in float32 and rounds once."""
    if not x.is_floating_point():
        return NotImplemented
    if x.dtype in (torch.float16, torch.bfloat16):
        result = logcumsumexp(x.float(), dim)
        return result if result is NotImplemented else result.to(x.dtype)
    if x.dim() == 0:
        return x.clone()
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    covered = _prefix(x.shape[dim], dim, x.dim() + 1, x.device)
    earlier = torch.where(covered, x.unsqueeze(dim), -float("inf"))
    shift = earlier.amax(dim + 1, keepdim=True)
    finite = shift.abs() < float("inf")
    safe_shift = torch.where(finite, shift, 0.0)
    total = torch.exp(earlier - safe_shift).sum(dim + 1, keepdim=True)
    return torch.where(finite, safe_shift + torch.log(total), shift).squeeze(dim + 1)


def mode(x, dim=-1, keepdim=False):
    """The most frequent value along ``dim`` (the smallest of equally frequent ones, as
    eager's scan of the sorted row keeps the first longest run) and the index of its
    last occurrence (where a stable sort puts the end of its run).

    A NaN equals nothing, so it is a run of its own and only an all-NaN row has a NaN
    mode, at the row's first index, where eager's insertion sort of up to 16 elements
    leaves it. (Eager sorts NaNs with ``<``, which leaves its result on longer rows with
    NaNs dependent on where they stand.)"""
    if x.dim() == 0:
        return _zero_dimensional(x)
    dim = dim % x.dim()
    if _too_large(x, dim):
        return NotImplemented
    values = _comparable(x)
    frequency = (values.unsqueeze(dim + 1) == values.unsqueeze(dim)).sum(dim + 1)
    most_frequent = frequency == frequency.amax(dim, keepdim=True)
    highest = torch.full((), _highest(values.dtype), dtype=values.dtype)
    winner = torch.where(most_frequent, values, highest).amin(dim, keepdim=True)
    at = _positions(x.shape[dim], dim, x.dim(), x.device)
    index = torch.where(_ties(values, winner), at, -1).amax(dim, keepdim=True)
    if x.is_floating_point():
        index = torch.where(winner.isnan(), 0, index)
    return _drop_unless_kept(keepdim, dim, torch.gather(x, dim, index), index)


def _binary_search(boundaries, values, right):
    """Eager's binary search, step by step: for each value, the first index along the last
    dimension of ``boundaries`` whose element is ``>= value`` (``> value`` when ``right``),
    with the exact comparisons of eager's loop, so NaNs land where eager puts them.

    The loop halves [start, end) at every step; ``length.bit_length()`` steps finish it
    for every value, and a finished range stays put."""
    length = boundaries.shape[-1]
    start = torch.zeros(values.shape, dtype=torch.int64, device=values.device)
    end = torch.full(values.shape, length, dtype=torch.int64, device=values.device)
    for _ in range(length.bit_length()):
        middle = torch.div(start + end, 2, rounding_mode="floor")
        probe = torch.gather(boundaries, -1, middle.clamp(max=length - 1))
        go_right = ~(probe > values) if right else ~(probe >= values)
        searching = start < end
        start = torch.where(searching & go_right, middle + 1, start)
        end = torch.where(searching & ~go_right, middle, end)
    return start


def searchsorted(boundaries, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value would be inserted into the sorted last dimension of ``boundaries``
    (on the left of equal elements, or on the right with ``right`` / ``side="right"``),
    both compared in their common dtype as eager does."""
    right = right or side == "right"
    common = torch.result_type(boundaries, values)
    if common == torch.bool:
        return NotImplemented
    if not isinstance(values, torch.Tensor):
        values = torch.full((), values, dtype=common, device=boundaries.device)
    boundaries, values = boundaries.to(common), values.to(common)
    if sorter is not None:
        boundaries = torch.gather(boundaries, -1, sorter)
    if boundaries.dim() == 1:
        found = _binary_search(boundaries, values.reshape(-1), right).reshape(values.shape)
    else:
        found = _binary_search(boundaries, values, right)
    return found.to(torch.int32 if out_int32 else torch.int64)


def bucketize(values, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-D ``boundaries``: ``searchsorted`` with the
    arguments swapped."""
    return searchsorted(boundaries, values, out_int32=out_int32, right=right)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each element equals one of ``test_elements`` (NaN equals nothing): an
    ``any`` over every pair, capped at ``MAX_COMPARISONS`` pairs."""
    if not isinstance(test_elements, torch.Tensor):
        found = elements == test_elements
    elif not isinstance(elements, torch.Tensor):
        found = (test_elements == elements).any()
    elif elements.numel() * test_elements.numel() > MAX_COMPARISONS:
        return NotImplemented
    else:
        found = (elements.unsqueeze(-1) == test_elements.reshape(-1)).any(-1)
    return ~found if invert else found


def histc(x, bins=100, min=0, max=0):
    """Counts of ``x`` in ``bins`` equal bins over [min, max] (the data's range when min ==
    max), as eager computes them: elements outside the range or NaN are skipped, and an
    element's bin is trunc((x - min) * bins / (max - min)) in ``x``'s dtype, the last
    bin closed on the right. One count per bin is a masked sum over the elements, so
    bins * numel is capped at ``MAX_COMPARISONS``.

    Where eager raises (a non-finite range from the data) the counts are meaningless."""
    if not x.is_floating_point() or bins * x.numel() > MAX_COMPARISONS:
        return NotImplemented
    x = x.reshape(-1)
    if min == max:
        low, high = torch.amin(x), torch.amax(x)
        degenerate = low == high
        low, high = torch.where(degenerate, low - 1, low), torch.where(degenerate, high + 1, high)
    else:
        low = torch.full((), min, dtype=x.dtype, device=x.device)
        high = torch.full((), max, dtype=x.dtype, device=x.device)
    inside = (x >= low) & (x <= high)
    position = ((x - low) * bins / (high - low)).to(torch.int64)
    position = torch.where(position == bins, bins - 1, position)
    every_bin = torch.arange(bins, device=x.device).unsqueeze(1)
    return ((position == every_bin) & inside).sum(1).to(x.dtype)


TORCH_DECOMPOSITIONS = []

DECOMPOSITIONS = {
    aten.sort.default: sort,
    aten.sort.stable: sort_stable,
    aten.topk.default: topk,
    aten.kthvalue.default: kthvalue,
    aten.median.dim: median_dim,
    aten.median.default: median,
    aten.nanmedian.dim: nanmedian_dim,
    aten.nanmedian.default: nanmedian,
    aten.max.dim: max_dim,
    aten.min.dim: min_dim,
    aten.max.default: max_all,
    aten.min.default: min_all,
    aten.cummax.default: cummax,
    aten.cummin.default: cummin,
    aten.logcumsumexp.default: logcumsumexp,
    aten.mode.default: mode,
    aten.searchsorted.Tensor: searchsorted,
    aten.searchsorted.Scalar: searchsorted,
    aten.bucketize.Tensor: bucketize,
    aten.bucketize.Scalar: bucketize,
    aten.isin.Tensor_Tensor: isin,
    aten.isin.Tensor_Scalar: isin,
    aten.isin.Scalar_Tensor: isin,
    aten.histc.default: histc,
}
