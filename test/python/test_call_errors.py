"""Calling a compiled program with the wrong arguments names the argument and the fix."""

import pytest
import torch

import kiln


@pytest.fixture(scope="module")
def compiled():
    return kiln.compile(lambda x, y: x * y + 1.0, torch.randn(2, 3), torch.randn(3))


def test_wrong_shape_names_argument_and_expected_shape(compiled):
    with pytest.raises(kiln.CallError, match=r"argument 1 \('y'\) must be a float32 tensor of shape \[3\], got float32 tensor of shape \[4\]"):
        compiled(torch.randn(2, 3), torch.randn(4))


def test_wrong_dtype(compiled):
    with pytest.raises(kiln.CallError, match=r"argument 0 \('x'\) must be a float32 tensor .* got float64"):
        compiled(torch.randn(2, 3, dtype=torch.float64), torch.randn(3))


def test_wrong_argument_count(compiled):
    with pytest.raises(kiln.CallError, match=r"expected 2 arguments \(x, y\), got 1"):
        compiled(torch.randn(2, 3))


def test_non_tensor_argument(compiled):
    with pytest.raises(kiln.CallError, match=r"argument 1 \('y'\) must be a float32 tensor .* got list"):
        compiled(torch.randn(2, 3), [1.0, 2.0, 3.0])


def test_non_contiguous_input_is_accepted(compiled):
    x = torch.randn(3, 2).t()
    y = torch.randn(3)
    torch.testing.assert_close(compiled(x, y), x * y + 1.0, rtol=1e-4, atol=1e-4)


def test_a_parameter_replaced_after_compiling_is_used():
    layer = torch.nn.Linear(8, 4).eval()
    x = torch.randn(3, 8)
    with torch.no_grad():
        compiled = kiln.compile(layer, x)
        layer.weight = torch.nn.Parameter(torch.randn(4, 8))
        layer.bias = torch.nn.Parameter(torch.randn(4))
        torch.testing.assert_close(compiled(x), layer(x), rtol=1e-5, atol=1e-5)


def test_a_parameter_replaced_by_another_shape_is_a_call_error():
    layer = torch.nn.Linear(8, 4).eval()
    x = torch.randn(3, 8)
    compiled = kiln.compile(layer, x)
    layer.weight = torch.nn.Parameter(torch.randn(5, 8))
    with pytest.raises(kiln.CallError, match=r"'weight' is now a float32 tensor of shape \[5, 8\]"):
        compiled(x)


def test_a_program_that_reads_memory_layout_refuses_an_input_laid_out_otherwise(tmp_path):
    """``as_strided`` is compiled for the example's strides and storage offset; an input
    laid out otherwise would silently read other elements than eager does."""
    def program(x):
        return x.as_strided((2, 2), (1, 2)) * 2

    x = torch.randn(2, 3)
    compiled = kiln.compile(program, x)
    compiled.save(tmp_path / "program.kiln")
    transposed = torch.randn(3, 2).t()
    for runner in (compiled, kiln.load(tmp_path / "program.kiln")):
        torch.testing.assert_close(runner(x), program(x), rtol=0, atol=0)
        with pytest.raises(kiln.CallError, match=r"must have strides \(3, 1\) and storage offset 0"):
            runner(transposed)
    plain = kiln.compile(lambda x: x * 2, x)
    torch.testing.assert_close(plain(transposed), transposed * 2)  # values only: any layout
