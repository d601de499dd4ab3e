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


@pytest.mark.parametrize("shape, upper", [((5, 5), False), ((2, 3, 4, 4), True)])
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


@pytest.mark.parametrize("upper, left, unitriangular",
                         [(True, True, False), (False, False, True), (True, False, False)])
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


def test_lu_of_wide_and_tall_matrices():
    check(torch.linalg.lu, rand(2, 3, 5))
    check(torch.linalg.lu_factor_ex, rand(5, 3))


def test_lu_pivot_ties_take_the_first_row():
    tied = torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    compiled = kiln.compile(torch.linalg.lu_factor_ex, tied)
    for actual, expected in zip(compiled(tied), torch.linalg.lu_factor_ex(tied)):
        torch.testing.assert_close(actual, expected)


def test_singular_lu_reports_info():
    singular = torch.tensor([[2.0, 4.0, 1.0], [1.0, 2.0, 3.0], [4.0, 8.0, 2.0]])
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


@pytest.mark.parametrize("left, adjoint", [(True, False), (False, True)])
def test_lu_solve(left, adjoint):
    lu, pivots = torch.linalg.lu_factor(well_conditioned(rand(2, 4, 4)))
    b = rand(2, 4, 3) if left else rand(2, 3, 4)
    compiled = kiln.compile(lambda lu, b: torch.linalg.lu_solve(lu, pivots, b, left=left,
                                                                 adjoint=adjoint), lu, b)
    torch.testing.assert_close(compiled(lu, b),
                               torch.linalg.lu_solve(lu, pivots, b, left=left, adjoint=adjoint))


@pytest.mark.parametrize("b_shape", [(4,), (2, 1, 4, 2)])
def test_solve_broadcasts_and_takes_vectors(b_shape):
    check(lambda x, b: torch.linalg.solve(well_conditioned(x), b), rand(3, 4, 4), rand(*b_shape))


def test_solve_from_the_right():
    check(lambda x, b: torch.linalg.solve(well_conditioned(x), b, left=False), rand(4, 4), rand(2, 4))


def test_inverse_of_a_non_contiguous_matrix():
    check(lambda x: torch.linalg.inv(well_conditioned(x).mT), rand(2, 5, 5))


def test_singular_solve_gives_eager_info():
    # Exactly singular in float32 arithmetic too: eager's info is not a rounding accident.
    singular = torch.tensor([[2.0, 4.0, 1.0], [1.0, 2.0, 3.0], [4.0, 8.0, 2.0]])
    compiled = kiln.compile(lambda a: torch.linalg.inv_ex(a).info, singular)
    assert compiled(singular).item() == torch.linalg.inv_ex(singular).info.item() != 0
    inverse = kiln.compile(torch.linalg.inv, singular)(singular)
    assert inverse.isnan().all()


def test_determinants():
    check(torch.linalg.det, rand(2, 3, 3))
    check(torch.linalg.slogdet, rand(5, 5))
    check(lambda x: torch.logdet(positive_definite(x)), rand(1, 1))


def test_determinant_of_a_singular_matrix():
    singular = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    for fn in (torch.linalg.det, torch.linalg.slogdet):
        torch.testing.assert_close(kiln.compile(fn, singular)(singular), fn(singular))


@pytest.mark.parametrize("shape, mode", [((5, 3), "reduced"), ((2, 3, 4), "complete"),
                                         ((4, 4), "complete")])
def test_qr(shape, mode):
    check(lambda x: torch.linalg.qr(x, mode=mode), rand(*shape))


def test_qr_of_a_column_already_reduced():
    # The first column is zero below the diagonal: LAPACK leaves it alone with tau = 0,
    # whatever the sign of its diagonal entry.
    a = torch.tensor([[-2.0, 1.0, 3.0], [0.0, 1.0, 2.0], [0.0, 4.0, 1.0]])
    compiled = kiln.compile(torch.geqrf, a)
    for actual, expected in zip(compiled(a), torch.geqrf(a)):
        torch.testing.assert_close(actual, expected)


@pytest.mark.parametrize("left, transpose", [(True, False), (False, True)])
def test_householder_product_and_ormqr(left, transpose):
    def multiply(x, c):
        factors, tau = torch.geqrf(x)
        q = torch.linalg.householder_product(factors, tau)
        return q, torch.ormqr(factors, tau, c, left=left, transpose=transpose)
    check(multiply, rand(5, 3), rand(5, 2) if left else rand(2, 5))


@pytest.mark.parametrize("n", [0, 3, 6])
def test_matrix_power(n):
    check(lambda x: torch.linalg.matrix_power(x, n), rand(2, 3, 3))


def test_matrix_power_of_integers_and_inverses():
    check(lambda x: torch.linalg.matrix_power(x, 5), torch.randint(-3, 4, (3, 3), generator=_generator))
    check(lambda x: torch.linalg.matrix_power(well_conditioned(x), -2), rand(4, 4))


def test_matrix_exp():
    # Norms from about 1 (no squaring) to about 20 (a few squarings).
    check(torch.linalg.matrix_exp, torch.cat([rand(1, 4, 4) * 0.3, rand(1, 4, 4) * 5]))
