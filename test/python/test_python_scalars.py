"""Python int, float and bool arguments and results: torch.export specializes them, so
Kiln compiles for their values, checks them at every call, and returns constant results."""

import io

import pytest
import torch

import kiln


class ScaledOrNot(torch.nn.Module):
    def forward(self, x, scale, enabled):
        return (x * scale if enabled else x), x.shape[0], 2.5


@pytest.fixture
def compiled():
    return kiln.compile(ScaledOrNot(), torch.randn(3), 2.0, True)


def test_scalar_arguments_and_constant_results_match_eager(compiled):
    x = torch.randn(3)
    result, count, constant = compiled(x, 2.0, True)
    torch.testing.assert_close(result, x * 2.0)
    assert (count, constant) == (3, 2.5)
    assert len(compiled.inputs) == 1  # only the tensor reaches the kernels


@pytest.mark.parametrize("scale, enabled", [(3.0, True), (2.0, False), (2, True)])
def test_another_scalar_value_is_a_call_error(compiled, scale, enabled):
    with pytest.raises(kiln.CallError, match="torch.export specialized the program"):
        compiled(torch.randn(3), scale, enabled)


def test_an_int_argument_can_shape_the_program():
    reshape = lambda x, rows: x.reshape(rows, -1) + 1  # noqa: E731
    compiled = kiln.compile(reshape, torch.randn(6), 2)
    x = torch.randn(6)
    torch.testing.assert_close(compiled(x, 2), reshape(x, 2))


def test_saved_programs_keep_their_scalars(compiled):
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    loaded = kiln.load(buffer)
    x = torch.randn(3)
    assert loaded(x, 2.0, True)[1:] == (3, 2.5)
    with pytest.raises(kiln.CallError):
        loaded(x, 1.0, True)
