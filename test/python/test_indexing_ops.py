"""Gathers and advanced indexing compiled by Kiln match eager PyTorch exactly.

Each case runs on its example inputs and again on fresh random inputs of the same
shapes and value ranges (index tensors keep their range, negative entries included).
Strict mode is on, so a case passes only if Kiln converts the op itself.
"""

import pytest
import torch

import kiln

from helpers import fresh_like

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
