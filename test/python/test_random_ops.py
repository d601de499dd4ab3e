"""Random ops compiled by Kiln draw eager's numbers: under the same ``torch.manual_seed``,
a compiled program and eager give equal results (compared exactly, or at float32
rounding where the compiled arithmetic after the draw may fuse)."""

import io

import pytest
import torch
import torch.nn.functional as F

import kiln
from kiln import KilnError

pytestmark = pytest.mark.usefixtures("strict_mode")
_generator = torch.Generator().manual_seed(0)


def randn(*shape):
    return torch.randn(shape, generator=_generator)


def from_seed(program, *args, seed=7):
    torch.manual_seed(seed)
    return program(*args)


def check_same_draws(program, *args, **tolerance):
    compiled = kiln.compile(program, *args)
    assert compiled.stats["fallbacks"] == []
    for seed in (7, 8):
        torch.testing.assert_close(from_seed(compiled, *args, seed=seed),
                                   from_seed(program, *args, seed=seed), **tolerance)
    return compiled


def test_factory_and_like_draws_match_eager_bit_for_bit():
    def draws(x):
        return (torch.rand(3, 4), torch.randn_like(x), torch.randint(2, 9, (5,)),
                torch.randint_like(x, 10), torch.randperm(6), torch.empty_like(x).uniform_(-2, 3),
                torch.empty_like(x).exponential_(1.5), torch.empty_like(x).bernoulli_(0.25))

    check_same_draws(draws, randn(4, 5), rtol=0, atol=0)


def test_normal_with_tensor_mean_and_std_matches_eager():
    def noisy(mean, std):
        return torch.normal(mean, std.abs()), torch.normal(mean, 2.0), torch.normal(0.5, std.abs())

    check_same_draws(noisy, randn(6, 5), randn(6, 5))


def test_training_dropout_matches_eager_masks():
    def train_step(x, w):
        hidden = F.dropout(x @ w, p=0.3, training=True)
        return F.dropout(hidden.relu(), p=0.5, training=True), torch.native_dropout(x, 0.2, True)

    check_same_draws(train_step, randn(8, 16), randn(16, 12))


def test_attention_with_dropout_matches_eager():
    def attention(q, k, v):
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)

    check_same_draws(attention, randn(2, 3, 16, 8), randn(2, 3, 16, 8), randn(2, 3, 16, 8))


def test_a_program_without_inputs_draws():
    check_same_draws(lambda: torch.randint(10, (5, 5)), rtol=0, atol=0)


def test_a_saved_program_draws_the_same_numbers(tmp_path):
    def program(x):
        return x + torch.rand_like(x)

    x = randn(3, 3)
    compiled = kiln.compile(program, x)
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    loaded = kiln.load(buffer)
    torch.testing.assert_close(from_seed(loaded, x), from_seed(program, x), rtol=0, atol=0)


def test_a_random_op_that_reads_tensor_values_is_refused():
    with pytest.raises(KilnError, match="multinomial"):
        kiln.compile(lambda p: torch.multinomial(p, 2), torch.rand(3, 4))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_bernoulli_draws_eager_numbers_at_every_dtype(dtype):
    probabilities = torch.rand(7, 9, generator=_generator).to(dtype)
    check_same_draws(torch.bernoulli, probabilities, rtol=0, atol=0)
