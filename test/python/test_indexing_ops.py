"""Gathers and advanced indexing compiled by Kiln match eager PyTorch exactly.

Each case runs on its example inputs and again on fresh random inputs of the same
shapes and value ranges (index tensors keep their range, negative entries included).
Strict mode is on, so a case passes only if Kiln converts the op itself.
"""

import pytest
import torch

import kiln

from helpers import check, fresh_like

_generator = torch.Generator().manual_seed(0)


@pytest.fixture(autouse=True)
def strict_mode(monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")


def rand(*shape):
    return torch.randn(shape, generator=_generator)


def indices(*shape, extent, negative=True, dtype=torch.int64):
    """Valid indices into a dimension of size ``extent``, negative ones too unless told."""
    low = -extent if negative else 0
    return torch.randint(low, extent, shape, generator=_generator, dtype=dtype)


def check_matches_eager(fn, *args):
    compiled = kiln.compile(fn, *args)
    fresh = tuple(fresh_like(a, torch.Generator().manual_seed(7)) for a in args)
    for inputs in (args, fresh):
        torch.testing.assert_close(compiled(*inputs), fn(*inputs))


GATHER_CASES = {
    # torch.gather takes no negative indices: eager raises on them
    "dim1": (1, rand(4, 8), indices(4, 3, extent=8, negative=False)),
    "dim0-odd": (0, rand(5, 7), indices(3, 7, extent=5, negative=False)),
    "dim-last-3d-smaller-index": (-1, rand(3, 5, 6), indices(2, 4, 9, extent=6, negative=False)),
    "dim1-3d-int32": (1, rand(2, 7, 3), indices(2, 4, 3, extent=7, negative=False, dtype=torch.int32)),
    "dim0-1d": (0, rand(9), indices(13, extent=9, negative=False)),
}


@pytest.mark.parametrize("case", GATHER_CASES)
def test_gather_matches_eager(case):
    dim, x, index = GATHER_CASES[case]
    check_matches_eager(lambda t, i: torch.gather(t, dim, i), x, index)


def test_gather_of_integers_matches_eager():
    x = torch.arange(24).reshape(4, 6)
    check_matches_eager(lambda t, i: torch.gather(t, 1, i), x, indices(4, 6, extent=6, negative=False))


def test_gather_wraps_negative_and_clamps_out_of_range_indices():
    """Where eager raises, Kiln reads in bounds: negative counts from the end, the rest clamps."""
    x = rand(3, 5)
    index = torch.tensor([[0, -1, 7], [-5, 4, -9], [2, 5, -6]])
    compiled = kiln.compile(lambda t, i: torch.gather(t, 1, i), x, index)
    safe = torch.where(index < 0, index + 5, index).clamp(0, 4)
    assert torch.equal(compiled(x, index), torch.gather(x, 1, safe))


INDEX_CASES = {
    "rows": (lambda x, i: x[i], (rand(5, 3), indices(4, extent=5))),
    "columns": (lambda x, i: x[:, i], (rand(3, 7), indices(5, extent=7))),
    "middle-dim": (lambda x, i: x[:, i, :], (rand(2, 6, 3), indices(2, 3, extent=6))),
    "last-dim-ellipsis": (lambda x, i: x[..., i], (rand(2, 3, 5), indices(4, extent=5))),
    "two-adjacent": (lambda x, i, j: x[i, j], (rand(5, 7), indices(6, extent=5), indices(6, extent=7))),
    "two-adjacent-after-slice": (lambda x, i, j: x[:, i, j],
                                 (rand(2, 5, 7), indices(3, extent=5), indices(3, extent=7))),
    "two-adjacent-keep-trailing": (lambda x, i, j: x[i, j],
                                   (rand(4, 5, 3), indices(2, 3, extent=4), indices(2, 3, extent=5))),
    "broadcast-together": (lambda x, i, j: x[i, j],
                           (rand(5, 7), indices(3, 1, extent=5), indices(4, extent=7))),
    "separated": (lambda x, i, j: x[i, :, j], (rand(4, 3, 5), indices(6, extent=4), indices(6, extent=5))),
    "separated-after-slice": (lambda x, i, j: x[:, i, :, j],
                              (rand(2, 5, 3, 4, 3), indices(2, 1, extent=5), indices(3, extent=4))),
    "three-adjacent": (lambda x, i, j, k: x[i, j, k],
                       (rand(3, 4, 5), indices(7, extent=3), indices(7, extent=4), indices(1, extent=5))),
    # Python's x[i, j] turns 0-d tensors into ints; the ATen op keeps them tensors
    "0-d-indices": (lambda x, i, j: torch.ops.aten.index.Tensor(x, [i, j]),
                    (rand(4, 6, 2), indices(extent=4), indices(extent=6))),
    "int32-indices": (lambda x, i, j: x[i, :, j],
                      (rand(3, 2, 4), indices(5, extent=3, dtype=torch.int32), indices(5, extent=4, dtype=torch.int32))),
    "integer-values": (lambda x, i, j: x[i, j], (torch.arange(35).reshape(5, 7), indices(4, extent=5), indices(4, extent=7))),
}


@pytest.mark.parametrize("case", INDEX_CASES)
def test_index_matches_eager(case):
    fn, args = INDEX_CASES[case]
    check_matches_eager(fn, *args)


@pytest.mark.parametrize("index", [
    lambda x, i, j: x[i, j], lambda x, i, j: x[i, :, j],
], ids=["adjacent", "separated"])
def test_index_clamps_out_of_range_indices(index):
    """Out of range, where eager raises, each index is clamped into its own dimension."""
    x = rand(3, 4, 4)
    i, j = torch.tensor([5, -9, 1]), torch.tensor([-1, 2, 11])
    compiled = kiln.compile(index, x, i, j)
    assert torch.equal(compiled(x, i, j), index(x, i.clamp(-3, 2), j.clamp(-4, 3)))


def test_bool_scalar_fill_folds_at_compile_time():
    """``new_ones((), dtype=torch.bool)`` imports as ``aten.Int.bool`` on a constant."""
    check_matches_eager(lambda x: x * x.new_ones((), dtype=torch.bool), rand(3, 4))


def test_transformers_bert_matches_eager():
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=24)
    torch.manual_seed(0)
    model = LastHiddenState(transformers.BertModel(config)).eval()
    ids = torch.randint(0, 50, (2, 9), generator=_generator)
    compiled = kiln.compile(model, ids)
    with torch.no_grad():
        torch.testing.assert_close(compiled(ids), model(ids), rtol=1e-4, atol=1e-4)


class LastHiddenState(torch.nn.Module):
    """A transformers model called on token ids, returning its last hidden state."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, ids):
        return self.model(input_ids=ids).last_hidden_state


RESHUFFLE_CASES = {
    "flip-both": (lambda x: torch.flip(x, (0, 1)), rand(4, 7)),
    "flip-last-3d": (lambda x: torch.flip(x, (-1,)), rand(2, 3, 5)),
    "flip-ints": (lambda x: torch.flip(x, (0, 2)), torch.arange(30).reshape(3, 2, 5)),
    "repeat": (lambda x: x.repeat(2, 3), rand(3, 5)),
    "repeat-new-dims": (lambda x: x.repeat(2, 1, 3, 1), rand(3, 5)),
    "diagonal": (torch.diagonal, rand(5, 5)),
    "diagonal-wide-offset": (lambda x: torch.diagonal(x, 2), rand(4, 7)),
    "diagonal-negative-offset": (lambda x: torch.diagonal(x, -1), rand(4, 7)),
    "diagonal-3d-swapped-dims": (lambda x: torch.diagonal(x, 1, 2, 0), rand(5, 3, 4)),
}


@pytest.mark.parametrize("case", RESHUFFLE_CASES)
def test_reshuffle_matches_eager(case):
    fn, x = RESHUFFLE_CASES[case]
    check_matches_eager(fn, x)


ARG_EXTREME_CASES = {
    "argmax-dim1": (lambda x: torch.argmax(x, 1), rand(4, 7)),
    "argmin-dim0-keepdim": (lambda x: torch.argmin(x, 0, keepdim=True), rand(5, 3)),
    "argmax-flattened": (torch.argmax, rand(3, 5)),
    "argmin-last-3d": (lambda x: torch.argmin(x, -1), rand(2, 3, 6)),
    "argmax-ints-with-ties": (lambda x: torch.argmax(x, 1), torch.randint(0, 3, (4, 9), generator=_generator)),
}


@pytest.mark.parametrize("case", ARG_EXTREME_CASES)
def test_arg_extreme_matches_eager(case):
    fn, x = ARG_EXTREME_CASES[case]
    check_matches_eager(fn, x)


@pytest.mark.parametrize("arg_extreme", [torch.argmax, torch.argmin], ids=["argmax", "argmin"])
def test_arg_extreme_picks_the_first_nan_and_the_first_tie(arg_extreme):
    nan = float("nan")
    x = torch.tensor([[1.0, 3.0, 3.0, -2.0, -2.0], [0.5, nan, 4.0, nan, -1.0]])
    compiled = kiln.compile(lambda t: arg_extreme(t, 1), x)
    assert torch.equal(compiled(x), arg_extreme(x, 1))


def exact_matches(fn, *inputs):
    """Compile ``fn`` on the first inputs and compare with eager on each set of ``inputs``;
    for writes through a boolean mask, whose values must match its count of true elements."""
    compiled = kiln.compile(fn, *inputs[0])
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    for args in inputs:
        torch.testing.assert_close(compiled(*args), fn(*args), equal_nan=True)


def integers(*shape, dtype=torch.int64):
    """Random integers in [-50, 50)."""
    return torch.randint(-50, 50, shape, generator=_generator, dtype=dtype)


def special_values(*shape):
    """Random floats with NaN, infinities and a negative zero among them."""
    values = rand(*shape).reshape(-1)
    values[:4] = torch.tensor([float("nan"), float("inf"), -float("inf"), -0.0])
    return values[torch.randperm(values.numel(), generator=_generator)].reshape(shape)


index_put = torch.ops.aten.index_put.default

INDEX_PUT_CASES = {
    "after-full-slice-accumulate": (lambda x, i, v: index_put(x, [None, i], v, True),
                                    rand(3, 5), indices(7, extent=5), rand(3, 7)),
    "apart": (lambda x, i, j, v: index_put(x, [i, None, j], v),
              rand(4, 3, 5), indices(2, extent=4), indices(2, extent=5), rand(2, 3)),
    "adjacent-in-the-middle": (lambda x, i, j, v: index_put(x, [None, i, j], v),
                               rand(2, 4, 5, 3), indices(2, 1, extent=4), indices(3, extent=5),
                               rand(2, 2, 3, 3)),
    "booleans-accumulate-as-or": (lambda x, i, v: index_put(x, [i], v, True),
                                  rand(5, 3) > 0, indices(7, extent=5), rand(7, 3) > 0),
    "broadcast-values": (lambda x, i, j, v: index_put(x, [None, i, j], v),
                         rand(2, 4, 5, 3), indices(2, 1, extent=4), indices(3, extent=5), rand(3)),
    "int32-accumulate": (lambda x, i, v: index_put(x, [None, i], v, True),
                         integers(3, 5, dtype=torch.int32), indices(7, extent=5),
                         integers(3, 7, dtype=torch.int32)),
    "setitem-leading-ones": (lambda x, i, v: _assigned(x, (slice(None), i), v),
                             rand(3, 5), indices(2, extent=5), rand(1, 3, 2)),
    "mask-broadcast-value": (lambda x, m, v: index_put(x, [m], v), rand(5, 3), rand(5) > 0, rand(3)),
    "mask-2d-accumulate": (lambda x, m, v: index_put(x, [m], v, True), rand(4, 3), rand(4, 3) > 0, rand(1)),
}


def _assigned(x, key, value):
    x = x.clone()
    x[key] = value
    return x


@pytest.mark.parametrize("case", INDEX_PUT_CASES)
def test_index_put_matches_eager(case):
    fn, *args = INDEX_PUT_CASES[case]
    check(fn, *args)


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_keeps_nan_infinities_and_negative_zero(accumulate):
    exact_matches(lambda x, i, v: index_put(x, [i], v, accumulate),
                  (special_values(6, 2), torch.tensor([1, -2, 1]), special_values(3, 2)))


def test_index_put_accumulates_half_precision_in_float32():
    """One addition per row rounds once, in Kiln as in eager. (With repeated indices,
    eager rounds after each addition, Kiln only the sum.)"""
    x, values = rand(5, 3).half(), rand(3, 3).half()
    exact_matches(lambda t, i, v: index_put(t, [i], v, True), (x, torch.tensor([4, 0, -3]), values))


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_through_a_mask_takes_values_in_order(accumulate):
    """The k-th true element of the mask takes the k-th value, whichever they are."""
    mask = torch.tensor([[True, False, True], [False, True, True]])
    shuffled = torch.tensor([[False, True, True], [True, False, True]])
    exact_matches(lambda x, m, v: index_put(x, [None, m], v, accumulate),
                  (rand(2, 2, 3), mask, rand(2, 4)), (special_values(2, 2, 3), shuffled, rand(2, 4)))


def test_put_matches_eager():
    check(lambda x, i, v: x.put(i, v), rand(3, 4), indices(2, 3, extent=12), rand(6))
    check(lambda x, i, v: x.put(i, v, accumulate=True), rand(3, 4), indices(20, extent=12), rand(20))


def test_masked_scatter_matches_eager():
    mask = torch.tensor([[True, False], [True, True], [False, False]])
    exact_matches(lambda x, m, s: x.masked_scatter(m, s),
                  (rand(3, 2), mask, rand(7)), (rand(3, 2), mask.flip(0), rand(7)))
    exact_matches(lambda x, m, s: x.masked_scatter(m, s),
                  (integers(4, 5), torch.tensor([[True], [False], [True], [True]]), integers(4, 6)))


def test_take_matches_eager():
    take_both = lambda x, i, y, j: (x.take(i), y.take(j))
    check(take_both, rand(3, 4), indices(2, 2, extent=12), rand(), torch.tensor(0))


def test_index_copy_matches_eager():
    check(lambda x, i, s: x.index_copy(1, i, s), rand(3, 5), torch.tensor([4, 0, 2]), rand(3, 3))


def test_copies_of_views_match_eager():
    check(lambda x: (torch.permute_copy(x, (2, 0, 1)), torch.view_copy(x, (6, 4)),
                     torch.unbind_copy(x, -1), torch.narrow_copy(x, 1, 1, 2),
                     torch.split_with_sizes_copy(x, [1, 3], 2),
                     torch.as_strided_copy(x, (2, 2), (1, 2), 1)),
          rand(2, 3, 4))


def test_slice_scatters_match_eager():
    check(lambda x, s, y, t: (torch.slice_scatter(x, s, 1, 1, 6, 2), torch.slice_scatter(y, t, -2, 2),
                              torch.nn.functional.pad(x.unsqueeze(0), (2, 1), mode="circular")),
          rand(2, 7), rand(2, 3), rand(4, 3), rand(2, 3))


EDGE_CASES = {
    # each once failed inside Kiln: a broadcast with an empty `dimensions` array, a
    # gather along dimension 0 of a 0-d tensor
    "repeat-0-d-nothing": (lambda x: x.repeat(()), rand()),
    "tile-0-d-ones": (lambda x: x.tile((1, 1)), rand()),
    "index_select-0-d": (lambda x, i: torch.index_select(x, 0, i), rand(), torch.tensor([0])),
    "index_select-0-d-last-dim": (lambda x, i: torch.index_select(x, -1, i), rand(), torch.tensor(0)),
}


@pytest.mark.parametrize("case", EDGE_CASES)
def test_edge_cases_match_eager(case):
    fn, *args = EDGE_CASES[case]
    check(fn, *args)


@pytest.mark.parametrize("dim", [0, 1])
def test_split_with_an_empty_piece_makes_it_on_the_host(dim):
    """An empty piece once reached a kernel, which cannot take an empty buffer."""
    x = rand(2, 5, 3)
    split = lambda t: torch.split_with_sizes(t, [1, t.shape[dim] - 1, 0], dim)
    compiled = kiln.compile(split, x)
    assert [f["op"] for f in compiled.stats["fallbacks"]] == ["aten.slice.Tensor"]
    for piece, expected in zip(compiled(x), split(x), strict=True):
        assert torch.equal(piece, expected)


INDEX_REDUCE_CASES = {
    "amax-nan-and-negative-zero": (lambda x, i, s: x.index_reduce(1, i, s, "amax"),
                                   torch.tensor([[1.0, float("nan"), 3.0, 4.0], [0.0, -0.0, 2.0, 1.0]]),
                                   torch.tensor([0, 2, 2, 0, 3]),
                                   torch.tensor([[5.0, 1.0, float("nan"), 2.0, -0.0], [1.0, 1.0, 1.0, 1.0, 1.0]])),
    "mean-without-self": (lambda x, i, s: x.index_reduce(0, i, s, "mean", include_self=False),
                          rand(4, 3), torch.tensor([0, 2, 2, 0, 3]), rand(5, 3)),
    "mean-integers-floor": (lambda x, i, s: x.index_reduce(0, i, s, "mean"),
                            integers(4, 3), torch.tensor([0, 2, 2, 0, 3]), integers(5, 3)),
    "prod-0-d": (lambda x, i, s: x.index_reduce(0, i, s, "prod"), rand(), torch.tensor([0]), rand()),
    "amin-half-last-dim": (lambda x, i, s: x.index_reduce(-1, i, s, "amin", include_self=False),
                           rand(2, 4).half(), torch.tensor([3, 1, 3]), rand(2, 3).half()),
}


@pytest.mark.parametrize("case", INDEX_REDUCE_CASES)
def test_index_reduce_matches_eager(case):
    fn, *args = INDEX_REDUCE_CASES[case]
    exact_matches(fn, args)


DIAGONAL_SCATTER_CASES = {
    "above-integers": (lambda x, s: torch.diagonal_scatter(x, s, 1),
                       integers(4, 5, dtype=torch.int32), integers(4, dtype=torch.int32)),
    "below-swapped-dims": (lambda x, s: torch.diagonal_scatter(x, s, -2, 2, 0), rand(4, 3, 5), rand(3, 3)),
    "negative-dims": (lambda x, s: torch.diagonal_scatter(x, s, 3, -1, -2), rand(2, 6, 4), rand(2, 3)),
}


@pytest.mark.parametrize("case", DIAGONAL_SCATTER_CASES)
def test_diagonal_scatter_matches_eager(case):
    fn, *args = DIAGONAL_SCATTER_CASES[case]
    check(fn, *args)


_storage = rand(20)

AS_STRIDED_CASES = {
    # each input's layout is part of the case: as_strided reads storage
    "transposed": (lambda x: torch.as_strided(x, (3, 2), (1, 4)), rand(4, 3).t()),
    "view-with-offset": (lambda x: torch.as_strided(x, (2, 2), (1, 2)), _storage[5:15]),
    "view-absolute-offset": (lambda x: torch.as_strided(x, (2, 3), (3, 1), 7), _storage[5:15]),
    "overlapping-windows": (lambda x: torch.as_strided(x, (3, 3), (1, 1)), rand(6)),
    "scatter": (lambda x, s: torch.as_strided_scatter(x, s, (2, 2), (1, 3), 1), rand(3, 3), rand(2, 2)),
    "scatter-transposed": (lambda x, s: torch.as_strided_scatter(x, s, (2, 2), (1, 3), 1),
                           rand(3, 3).t(), rand(2, 2)),
    "scatter-3-d": (lambda x, s: torch.as_strided_scatter(x, s, (2, 3, 2), (12, 1, 5), 1),
                    rand(4, 6), rand(2, 3, 2)),
    "resize-smaller": (lambda x, o: (x * 2).t().resize_as_(o), rand(4, 5), rand(3, 3)),
    # a view's storage is its base's: these read x, not a compact copy of the view
    "after-unfold": (lambda x: x.unfold(1, 3, 2).as_strided((2, 3, 2), (1, 2, 3)), rand(4, 10)),
    "after-unfold-offset": (lambda x: x.unfold(1, 3, 2).as_strided((2, 3), (3, 1), 2), rand(4, 10)),
    "after-unfold-of-view": (lambda x: x.unfold(1, 3, 2).as_strided((2, 3), (3, 1)), _storage[5:15].view(2, 5)),
    "after-view-chain": (lambda x: x[:, 1:].t().unfold(0, 2, 1).as_strided((4,), (3,)), rand(4, 10)),
}


@pytest.mark.parametrize("case", AS_STRIDED_CASES)
def test_as_strided_family_matches_eager(case):
    fn, *args = AS_STRIDED_CASES[case]
    exact_matches(fn, args)


def test_as_strided_outside_its_tensor_is_refused():
    """Eager reads the storage before the view, which a compiled program never sees."""
    with pytest.raises(kiln.KilnError, match="as_strided reads storage outside its input"):
        kiln.compile(lambda x: torch.as_strided(x, (2, 2), (1, 2), 0), _storage[5:15])


def test_as_strided_scatter_into_overlapping_view_is_refused():
    with pytest.raises(kiln.KilnError, match="as_strided_scatter"):
        kiln.compile(lambda x, s: torch.as_strided_scatter(x, s, (2, 2), (1, 1)), rand(6), rand(2, 2))


_segment_data = torch.tensor([1.0, 5.0, float("nan"), 2.0, -3.0, 4.0])


_SEGMENT_REDUCTIONS = ("max", "min", "sum", "mean", "prod")


def test_segment_reduce_matches_eager():
    """An empty segment, a NaN in another, with and without an initial value."""
    by_lengths = lambda d, n: [torch.segment_reduce(d, r, lengths=n, initial=1.5) for r in _SEGMENT_REDUCTIONS]
    by_offsets = lambda d, o: [torch.segment_reduce(d, r, offsets=o) for r in _SEGMENT_REDUCTIONS]
    exact_matches(by_lengths, (_segment_data, torch.tensor([2, 0, 1, 3])))
    exact_matches(by_offsets, (_segment_data, torch.tensor([0, 2, 2, 3, 6])))


def test_segment_reduce_along_a_later_axis_matches_eager():
    lengths = torch.tensor([[2, 4], [3, 3]])
    exact_matches(lambda d, n: torch.segment_reduce(d, "mean", lengths=n, axis=1), (rand(2, 6, 3), lengths))
