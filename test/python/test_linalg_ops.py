"""Dense linear algebra compiled by Kiln (unrolled factorizations) matches eager PyTorch.

Each case runs on its example inputs and on fresh random ones (``helpers.check``), with
no fallback. Inputs that must be positive-definite or well conditioned are built inside
the program from the random ones, so fresh inputs stay valid.
"""

import pytest
import torch

import kiln

from helpers import check

_generator = torch.Generator().manual_seed(0)


def rand(*shape):
    return torch.randn(shape, generator=_generator)


def well_conditioned(x):
    """A matrix near the identity times 4, whatever ``x`` holds in [-1, 1]."""
    n = x.shape[-1]
    return 0.3 * x + 4 * (torch.arange(n).unsqueeze(-1) == torch.arange(n))


def positive_definite(x):
    """``x xᵀ`` plus a multiple of the identity: positive-definite for any ``x``."""
    n = x.shape[-1]
    return x @ x.mT + n * (torch.arange(n).unsqueeze(-1) == torch.arange(n))


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("shape", [(5, 5), (2, 3, 4, 4), (1, 1)])
def test_cholesky(shape, upper):
    check(lambda x: torch.linalg.cholesky(positive_definite(x), upper=upper), rand(*shape))


def test_cholesky_reads_one_triangle():
    def factor(x, junk):
        a = positive_definite(x)
        n = a.shape[-1]
        above = torch.arange(n).unsqueeze(-1) < torch.arange(n)
        return torch.linalg.cholesky_ex(torch.where(above, junk, a))
    check(factor, rand(4, 4), rand(4, 4))


def test_failed_check_gives_nan_everywhere():
    compiled = kiln.compile(lambda a: (torch.linalg.cholesky(a), a + 1), torch.eye(3))
    not_positive = torch.diag(torch.tensor([1.0, -1.0, 2.0]))
    with pytest.raises(RuntimeError):
        torch.linalg.cholesky(not_positive)
    factor, other = compiled(not_positive)
    assert factor.isnan().all() and other.isnan().all()
    info = kiln.compile(lambda a: torch.linalg.cholesky_ex(a).info, torch.eye(3))(not_positive)
    assert info.item() == 2


@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [False, True])
@pytest.mark.parametrize("unitriangular", [False, True])
def test_solve_triangular(upper, left, unitriangular):
    def solve(x, b):
        return torch.linalg.solve_triangular(well_conditioned(x), b, upper=upper, left=left,
                                             unitriangular=unitriangular)
    b = rand(2, 4, 3) if left else rand(2, 3, 4)
    check(solve, rand(4, 4), b)


def test_triangular_solve_broadcasts():
    def solve(x, b):
        return torch.triangular_solve(b, well_conditioned(x), upper=False, transpose=True)
    check(solve, rand(3, 1, 4, 4), rand(2, 4, 2))


@pytest.mark.parametrize("shape", [(5, 5), (3, 5), (5, 3), (2, 4, 4)])
def test_lu(shape):
    check(torch.linalg.lu, rand(*shape))
    check(torch.linalg.lu_factor_ex, rand(*shape))


def test_lu_pivot_ties_take_the_first_row():
    tied = torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    compiled = kiln.compile(torch.linalg.lu_factor_ex, tied)
    for actual, expected in zip(compiled(tied), torch.linalg.lu_factor_ex(tied)):
        torch.testing.assert_close(actual, expected)


def test_singular_lu_reports_info():
    singular = torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    compiled = kiln.compile(torch.linalg.lu_factor_ex, singular)
    for actual, expected in zip(compiled(singular), torch.linalg.lu_factor_ex(singular)):
        torch.testing.assert_close(actual, expected)


def test_lu_unpack():
    lu, pivots = torch.linalg.lu_factor(rand(2, 4, 4))
    compiled = kiln.compile(torch.lu_unpack, lu, pivots)
    for actual, expected in zip(compiled(lu, pivots), torch.lu_unpack(lu, pivots)):
        torch.testing.assert_close(actual, expected)
    invalid = pivots.clone()
    invalid[0, 0] = 0
    assert all(result.isnan().all() for result in compiled(lu, invalid))
