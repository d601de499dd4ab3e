"""Sorting, selection and order statistics compile natively and match eager, NaN,
-0.0, ties, negative dims and integer dtypes included."""

import pytest
import torch
from helpers import check

import kiln

NAN, INF = float("nan"), float("inf")
# NaNs, signed zeros, infinities and ties, in every row.
AWKWARD = torch.tensor([
    [1.0, NAN, -0.0, 0.0, 2.0, NAN, -0.0, 1.0],
    [3.0, 1.0, 3.0, -INF, 3.0, 1.0, INF, 2.0],
    [0.5, -1.5, 2.5, 0.5, -1.5, 9.0, -3.0, 0.5],
])
# One NaN per row and per column, -0.0, and no other ties along either dim.
DISTINCT = torch.stack([torch.tensor([1.0, NAN, 4.0, -0.0, 7.0, 2.0, 3.0]).roll(r) + 10 * r for r in range(6)])
INTEGERS = torch.tensor([[3, 1, 3, 2, -1, 2], [0, 0, 5, -4, 5, 1]])


def check_with_nans(fn, *args):
    """Compile ``fn`` and compare it with eager on ``args``, NaNs in the same places
    (``check`` treats NaN as a mismatch, and its fresh inputs drawn between a NaN
    min and max would be all NaN)."""
    compiled = kiln.compile(fn, *args)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    torch.testing.assert_close(compiled(*args), fn(*args), equal_nan=True)


def _random(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("fn", [
    lambda t: torch.sort(t),
    lambda t: torch.sort(t, dim=0, descending=True),
    lambda t: torch.sort(t, descending=True, stable=True),
    lambda t: torch.msort(t),
], ids=["ascending", "descending-dim0", "descending-stable", "msort"])
def test_sort_puts_nans_last_keeps_ties_in_order_and_signed_zeros(fn):
    check_with_nans(fn, AWKWARD)


def test_sort_integers_and_booleans():
    check(lambda t: torch.sort(t, dim=-1, descending=True), INTEGERS)
    check(lambda t: torch.sort(t, stable=True), torch.tensor([[True, False, True, False]]))


def test_sort_a_three_dimensional_tensor_along_a_negative_dim():
    check(lambda t: torch.sort(t, dim=-3, descending=True), _random(5, 4, 3))


@pytest.mark.uses_fallback
def test_sort_past_the_cap_is_refused_not_wrong():
    x = _random(5000)
    compiled = kiln.compile(lambda t: torch.sort(t), x)
    assert compiled.stats["fallbacks"]


@pytest.mark.parametrize("fn", [
    lambda t: torch.topk(t, 3),
    lambda t: torch.topk(t, 2, dim=0, largest=False),
    lambda t: torch.kthvalue(t, 3, dim=-1),
    lambda t: torch.kthvalue(t, 2, dim=0, keepdim=True),
], ids=["topk", "topk-smallest-dim0", "kthvalue", "kthvalue-keepdim"])
def test_top_k_and_kth_value(fn):
    check_with_nans(fn, DISTINCT)


@pytest.mark.parametrize("fn", [
    lambda t: torch.median(t),
    lambda t: torch.median(t, dim=1),
    lambda t: torch.nanmedian(t),
    lambda t: torch.nanmedian(t, dim=-1, keepdim=True),
], ids=["median", "median-dim", "nanmedian", "nanmedian-dim"])
def test_medians_are_the_lower_middle_and_see_or_skip_nans(fn):
    check_with_nans(fn, AWKWARD)


def test_median_of_integers_picks_the_stable_middle_of_ties():
    check(lambda t: torch.median(t, dim=-1), INTEGERS)
    check(lambda t: torch.median(t, dim=0), _random(5, 6, seed=2))


def test_quantiles_interpolate_between_sorted_values():
    check(lambda t: torch.quantile(t, 0.3, dim=1), _random(4, 9, seed=3))
    check_with_nans(lambda t: torch.nanquantile(t, 0.5, dim=1, interpolation="midpoint"), AWKWARD)


def test_mode_is_the_smallest_most_frequent_value_at_its_last_occurrence():
    check(lambda t: torch.mode(t, dim=1), torch.tensor([[3.0, 1.0, 3.0, 2.0, 1.0, 2.0],
                                                        [-0.0, 0.0, 1.0, 5.0, 0.0, 5.0]]))
    check(lambda t: torch.mode(t, dim=0, keepdim=True), INTEGERS)
    check_with_nans(lambda t: torch.mode(t), torch.tensor([[NAN] * 5, [NAN, 2.0, 1.0, 2.0, NAN]]))


@pytest.mark.parametrize("fn", [
    lambda t: torch.max(t, dim=1),
    lambda t: torch.min(t, dim=-1, keepdim=True),
    lambda t: torch.max(t),
    lambda t: torch.min(t),
], ids=["max-dim", "min-dim-keepdim", "max", "min"])
def test_max_and_min_return_the_first_extreme_or_nan(fn):
    check_with_nans(fn, AWKWARD)
    check(fn, INTEGERS)


@pytest.mark.parametrize("fn", [
    lambda t: torch.cummax(t, dim=1),
    lambda t: torch.cummin(t, dim=-1),
], ids=["cummax", "cummin"])
def test_cumulative_extremes_take_the_last_tie_and_keep_nans(fn):
    check_with_nans(fn, AWKWARD)
    check(fn, INTEGERS)


def test_cumulative_extremes_of_booleans():
    check(lambda t: torch.cummax(t, 0), torch.tensor([True, False, True, False]))


def test_logcumsumexp_shifts_by_the_running_maximum():
    extremes = torch.tensor([[-INF, -INF, 2.0, INF, 1.0, INF],
                             [1.0, NAN, 2.0, 3.0, 4.0, 5.0],
                             [100.0, 1.0, -50.0, 88.0, 89.0, 0.0]])
    check_with_nans(lambda t: torch.logcumsumexp(t, dim=1), extremes)
    check(lambda t: torch.logcumsumexp(t, dim=0), _random(300, 2, seed=4) * 20)


def test_bucketize_and_searchsorted_follow_eagers_binary_search():
    boundaries = torch.tensor([1.0, 2.0, 2.0, 2.0, 5.0, 7.0])
    values = torch.tensor([[0.0, 1.0, 2.0, 3.0, NAN, 7.0, 8.0], [-INF, INF, 2.0, 2.5, 5.0, 6.0, 1.0]])
    check_with_nans(lambda v, b: torch.bucketize(v, b), values, boundaries)
    check_with_nans(lambda v, b: torch.bucketize(v, b, right=True, out_int32=True), values, boundaries)
    check_with_nans(lambda v, b: torch.searchsorted(b, v, side="right"), values,
          torch.tensor([[1.0, 3, 5, 7, 9, 11, 13], [0, 0, 1, 2, 2, 3, NAN]]))
    check_with_nans(lambda v, b: torch.searchsorted(b, v, sorter=torch.argsort(b)), values,
          torch.tensor([5.0, 1.0, 7.0, 2.0, 2.0]))
    check(lambda v, b: torch.searchsorted(b, v), torch.tensor([0, 1, 2, 5, 9]), boundaries)


def test_isin_compares_in_the_common_dtype():
    check_with_nans(lambda e, t: torch.isin(e, t), torch.tensor([[1.0, NAN, -0.0, 2.5]]), torch.tensor([0.0, 2.5, NAN]))
    check(lambda e, t: torch.isin(e, t, invert=True), INTEGERS, torch.tensor([2.0, 3.5, 5.0]))
    check(lambda e: torch.isin(e, 2.0), INTEGERS)


def test_histc_skips_outside_and_nan_and_closes_the_last_bin():
    x = torch.tensor([0.0, 1.0, 2.0, 3.0, 10.0, 9.99, 3.3333333, NAN, 11.0, -1.0])
    check_with_nans(lambda t: torch.histc(t, bins=3, min=0, max=10), x)
    check(lambda t: torch.histc(t, bins=7), _random(100, seed=5))
    check(lambda t: torch.histc(t, bins=4), torch.full((5,), 3.0))
