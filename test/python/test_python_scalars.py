"""Python int, float and bool arguments and results: torch.export specializes them, so
Kiln compiles for their values, checks them at every call, and returns constant results;
a result read from a tensor (``x.item()``) is read from the compiled tensor."""

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


def test_item_results_are_read_from_the_compiled_tensors():
    def statistics(x):
        return x.abs().max().item(), x * 2, x.argmax().item(), 7

    compiled = kiln.compile(statistics, torch.randn(3, 4))
    x = torch.randn(3, 4)
    peak, doubled, index, constant = compiled(x)
    assert type(peak) is float and type(index) is int
    assert (peak, index, constant) == (x.abs().max().item(), x.argmax().item(), 7)
    torch.testing.assert_close(doubled, x * 2)
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    assert kiln.load(buffer)(x)[0] == peak


def test_computing_with_a_value_read_from_a_tensor_is_refused_at_the_users_line():
    def branchy(x):
        return (x > 0).any().item()

    with pytest.raises(kiln.KilnError, match=r"test_python_scalars.py:\d+: the program computes "
                                             r"with a Python value read from a tensor"):
        kiln.compile(branchy, torch.randn(3))
