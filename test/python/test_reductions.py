"""Long reductions stay accurate: chunk partials, as eager's cascade summation.

Tolerance: relative 2e-6 against float64 (about 16 ulp of float32). A single running
float32 sum over 8M elements was off by 1e-5 before kiln-split-reductions.
"""

import pytest
import torch

import kiln

ELEMENTS = 8 * 1024 * 1024


@pytest.mark.parametrize("reduce", [
    lambda x: x.sum(dim=0),
    lambda x: x.var(dim=0),
    lambda x: x.std(dim=0),
    lambda x: x.amax(dim=0),
])
def test_reductions_over_millions_of_elements_match_float64(reduce):
    x = torch.randn(ELEMENTS, generator=torch.Generator().manual_seed(0)) * 3 + 100
    got = kiln.compile(reduce, x)(x)
    torch.testing.assert_close(got.double(), reduce(x.double()), rtol=2e-6, atol=0)


def test_a_long_column_reduction_is_split_too():
    x = torch.randn(65536, 3, generator=torch.Generator().manual_seed(1)) + 10
    got = kiln.compile(lambda t: t.sum(dim=0), x)(x)
    torch.testing.assert_close(got.double(), x.double().sum(dim=0), rtol=2e-6, atol=0)


@pytest.mark.parametrize("reduce", [
    lambda t: torch.mean(t, dim=[]),
    lambda t: torch.var(t, dim=[]),
    lambda t: torch.std(t, dim=[]),
    lambda t: t.mean(),
    lambda t: t.var(),
    lambda t: torch.var_mean(t),
    lambda t: torch.var_mean(t, dim=1),
    lambda t: torch.std(t, dim=0, keepdim=True),
], ids=["mean-dims-empty", "var-dims-empty", "std-dims-empty", "mean-all", "var-all",
        "var_mean-all", "var_mean-dim", "std-keepdim"])
def test_empty_dim_lists_reduce_every_dimension(reduce):
    x = torch.randn(4, 6, generator=torch.Generator().manual_seed(2)) + 1
    torch.testing.assert_close(kiln.compile(reduce, x)(x), reduce(x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("reduce", [
    lambda t: t.sum(), lambda t: t.amax(), lambda t: t.any(), lambda t: t.prod(),
    lambda t: t.sum(dim=0), lambda t: t.mean(),
], ids=["sum", "amax", "any", "prod", "sum-dim0", "mean"])
def test_a_zero_dimensional_tensor_reduces_to_itself(reduce):
    x = torch.tensor(-2.5)
    assert torch.equal(kiln.compile(reduce, x)(x), reduce(x))
