"""Results whose length depends on the data (``x[mask]``, ``nonzero``, ``unique``) match eager.

Kiln computes them at their largest length with a count and returns the real rows; each
program runs on several masks, the empty one included, and is compared with eager at
``torch.testing.assert_close``'s default tolerances (float32: rtol 1.3e-6, atol 1e-5).
"""

import io

import pytest
import torch

import kiln
from kiln import KilnError

pytestmark = pytest.mark.usefixtures("strict_mode")
_generator = torch.Generator().manual_seed(0)


def randn(*shape):
    return torch.randn(shape, generator=_generator)


def masks(*shape):
    return [torch.rand(shape, generator=_generator) > 0.5, torch.rand(shape, generator=_generator) > 0.9,
            torch.zeros(shape, dtype=torch.bool), torch.ones(shape, dtype=torch.bool)]


def check_on_masks(program, x, shape):
    compiled = kiln.compile(program, x, masks(*shape)[0])
    assert compiled.stats["fallbacks"] == []
    for mask in masks(*shape):
        torch.testing.assert_close(compiled(x, mask), program(x, mask), equal_nan=True)
    return compiled


def test_boolean_mask_indexing_and_its_sums_and_means():
    def select(x, mask):
        return (x[mask], x[mask].sum(), x[mask].mean(), x[mask.any(1)] * 2 + 1,
                x[:, mask[0]].mean(1), torch.masked_select(x, mask[0]), (x[mask] > 0).sum())

    check_on_masks(select, randn(4, 6), (4, 6))


def test_nonzero_and_argwhere():
    def positions(x, mask):
        return torch.nonzero(mask), torch.argwhere(x * mask > 0), torch.nonzero(mask[0], as_tuple=True)

    check_on_masks(positions, randn(3, 5), (3, 5))


def test_unique_with_inverse_and_counts_nan_included():
    x = torch.tensor([3.0, 1, 2, 1, float("nan"), 5, float("nan"), 2])

    def uniques(x):
        return (torch.unique(x, return_inverse=True, return_counts=True),
                torch.unique_consecutive(x, return_inverse=True, return_counts=True),
                torch.unique(x.reshape(2, 4)))

    compiled = kiln.compile(uniques, x)
    for values in (x, torch.randint(0, 4, (8,), generator=_generator).float(), torch.zeros(8)):
        torch.testing.assert_close(compiled(values), uniques(values), equal_nan=True)


def test_a_saved_selection_program_returns_the_real_rows(tmp_path):
    def select(x, mask):
        return x[mask] * 3

    x, mask = randn(5, 5), masks(5, 5)[0]
    buffer = io.BytesIO()
    kiln.compile(select, x, mask).save(buffer)
    buffer.seek(0)
    torch.testing.assert_close(kiln.load(buffer)(x, mask), select(x, mask))


def test_using_a_data_dependent_length_as_a_shape_is_refused_at_the_users_line():
    def reshaped(x, mask):
        return x[mask].reshape(-1, 1) @ torch.ones(1, 3)

    with pytest.raises(KilnError, match=r"test_selections.py:\d+: .*depends on the data"):
        kiln.compile(reshaped, randn(4, 4), masks(4, 4)[0])


def test_combining_two_selections_is_refused():
    def two_masks(x, mask):
        return x[mask] * x[mask.flip(0)]

    with pytest.raises(KilnError):
        kiln.compile(two_masks, randn(4, 4), masks(4, 4)[0])
