"""Dense linear algebra compiled by Kiln (unrolled factorizations) matches eager PyTorch.

Each case runs on its example inputs and on fresh random ones (``helpers.check``), with
no fallback. Inputs that must be positive-definite or well conditioned are built inside
the program from the random ones, so fresh inputs stay valid. Related variants share
one program, to keep compilations few.
"""

import pytest
import torch

import kiln

from helpers import check

_generator = torch.Generator().manual_seed(0)

# Exactly singular in float32 arithmetic too, so eager's info is not a rounding accident.
SINGULAR = torch.tensor([[2.0, 4.0, 1.0], [1.0, 2.0, 3.0], [4.0, 8.0, 2.0]])


@pytest.fixture(autouse=True)
def strict_mode(monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")


def rand(*shape):
    return torch.randn(shape, generator=_generator)


def eye(n):
    return (torch.arange(n).unsqueeze(-1) == torch.arange(n)).float()


def well_conditioned(x):
    """Near 4 times the identity, whatever ``x`` holds in about [-3, 3]."""
    return 0.3 * x + 4 * eye(x.shape[-1])


def positive_definite(x):
    """``x xᵀ`` plus a multiple of the identity: positive-definite for any ``x``."""
    return x @ x.mT + x.shape[-1] * eye(x.shape[-1])


def assert_matches_eager(fn, *args):
    """Compile ``fn`` and compare on ``args`` only (inputs that random ones would not keep)."""
    torch.testing.assert_close(kiln.compile(fn, *args)(*args), fn(*args))


def test_cholesky():
    def factors(x):
        a = positive_definite(x)
        return torch.linalg.cholesky(a), torch.linalg.cholesky(a, upper=True)
    check(factors, rand(2, 3, 4, 4))


def test_cholesky_reads_one_triangle():
    def factor(x, junk):
        above = torch.arange(4).unsqueeze(-1) < torch.arange(4)
        return torch.linalg.cholesky_ex(torch.where(above, junk, positive_definite(x)))
    check(factor, rand(4, 4), rand(4, 4))


def test_matrices_above_the_unrolling_cap_are_refused():
    with pytest.raises(kiln.KilnError, match="linalg_inv_ex"):
        kiln.compile(torch.linalg.inv, torch.randn(33, 33))


def test_failed_check_gives_nan_everywhere():
    compiled = kiln.compile(lambda a: (torch.linalg.cholesky(a), a + 1), torch.eye(3))
    not_positive = torch.diag(torch.tensor([1.0, -1.0, 2.0]))
    with pytest.raises(RuntimeError):
        torch.linalg.cholesky(not_positive)
    factor, other = compiled(not_positive)
    assert factor.isnan().all() and other.isnan().all()
    info = kiln.compile(lambda a: torch.linalg.cholesky_ex(a).info, torch.eye(3))(not_positive)
    assert info.item() == 2


def test_solve_triangular():
    def solutions(x, b):
        a = well_conditioned(x)
        return (torch.linalg.solve_triangular(a, b, upper=True),
                torch.linalg.solve_triangular(a, b.mT, upper=False, left=False, unitriangular=True),
                torch.linalg.solve_triangular(a, b.mT, upper=True, left=False))
    check(solutions, rand(4, 4), rand(2, 4, 3))


def test_triangular_solve_broadcasts():
    def solve(x, b):
        return torch.triangular_solve(b, well_conditioned(x), upper=False, transpose=True)
    check(solve, rand(3, 1, 4, 4), rand(2, 4, 2))


def test_lu_of_wide_and_tall_matrices():
    check(lambda wide, tall: (torch.linalg.lu(wide), torch.linalg.lu_factor_ex(tall)),
          rand(2, 3, 5), rand(5, 3))


def test_lu_pivot_ties_take_the_first_row():
    assert_matches_eager(torch.linalg.lu_factor_ex,
                         torch.tensor([[1.0, 2.0, 0.0], [-1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))


def test_lu_unpack_checks_pivots():
    lu, pivots = torch.linalg.lu_factor(rand(2, 4, 4))
    compiled = kiln.compile(torch.lu_unpack, lu, pivots)
    torch.testing.assert_close(compiled(lu, pivots), torch.lu_unpack(lu, pivots))
    invalid = pivots.clone()
    invalid[0, 0] = 0
    assert all(result.isnan().all() for result in compiled(lu, invalid))


def test_lu_solve():
    lu, pivots = torch.linalg.lu_factor(well_conditioned(rand(2, 4, 4)))

    def solutions(lu, b):
        return (torch.linalg.lu_solve(lu, pivots, b),
                torch.linalg.lu_solve(lu, pivots, b.mT, left=False, adjoint=True))
    assert_matches_eager(solutions, lu, rand(2, 4, 3))


def test_solve_broadcasts_takes_vectors_and_solves_from_the_right():
    def solutions(x, vector, b):
        a = well_conditioned(x)
        return (torch.linalg.solve(a, vector), torch.linalg.solve(a, b),
                torch.linalg.solve(a[0], b.mT, left=False))
    check(solutions, rand(3, 3, 3), rand(3), rand(2, 1, 3, 2))


def test_inverse_of_a_non_contiguous_matrix():
    check(lambda x: torch.linalg.inv(well_conditioned(x).mT), rand(2, 3, 3))


def test_singular_matrix():
    def results(a):
        return (torch.linalg.lu_factor_ex(a), torch.linalg.inv_ex(a).info, torch.linalg.det(a),
                torch.linalg.slogdet(a))
    assert_matches_eager(results, SINGULAR)
    assert torch.linalg.inv_ex(SINGULAR).info.item() != 0
    assert kiln.compile(torch.linalg.inv, SINGULAR)(SINGULAR).isnan().all()


def test_determinants():
    def determinants(x):
        return torch.linalg.det(x), torch.linalg.slogdet(x), torch.logdet(positive_definite(x))
    check(determinants, rand(2, 3, 3).double())


def test_qr():
    def factors(tall, wide):
        return torch.linalg.qr(tall), torch.linalg.qr(wide, mode="complete")
    check(factors, rand(5, 3), rand(2, 3, 4))


def test_qr_of_a_column_already_reduced():
    # The first column is zero below the diagonal: LAPACK leaves it alone with tau = 0,
    # whatever the sign of its diagonal entry.
    assert_matches_eager(torch.geqrf, torch.tensor([[-2.0, 1.0, 3.0], [0.0, 1.0, 2.0],
                                                   [0.0, 4.0, 1.0]]))


def test_householder_product_and_ormqr():
    def products(x, c):
        factors, tau = torch.geqrf(x)
        return (torch.linalg.householder_product(factors, tau),
                torch.ormqr(factors, tau, c),
                torch.ormqr(factors, tau, c.mT, left=False, transpose=True))
    check(products, rand(5, 3), rand(5, 2))


def test_matrix_power():
    def powers(x):
        return ([torch.linalg.matrix_power(x, n) for n in (0, 3, 6)]
                + [torch.linalg.matrix_power(well_conditioned(x), -2)])
    check(powers, rand(2, 3, 3))
    integers = torch.randint(-3, 4, (3, 3), generator=_generator)
    check(lambda x: torch.linalg.matrix_power(x, 5), integers)


def test_matrix_exp():
    # Norms from about 1 (no squaring) to about 20 (a few squarings).
    check(torch.linalg.matrix_exp, torch.cat([rand(1, 4, 4) * 0.3, rand(1, 4, 4) * 5]))


def test_ldl_factor_and_solve():
    # Random symmetric matrices: about half of them take a 2×2 pivot somewhere.
    def factor_and_solve(x, b):
        a = x + x.mT
        ld, pivots, info = torch.linalg.ldl_factor_ex(a)
        return ld, pivots, info, torch.linalg.ldl_solve(ld, pivots, b)
    x = torch.randn(4, 5, 5, generator=torch.Generator().manual_seed(1))
    assert (torch.linalg.ldl_factor(x + x.mT).pivots < 0).any()
    check(factor_and_solve, x, rand(4, 5, 2))


def test_eigenvalues_and_singular_values():
    def values(x, wide):
        return (torch.linalg.eigvalsh(x), torch.linalg.eigvalsh(x, UPLO="U"),
                torch.linalg.svdvals(wide))
    check(values, rand(2, 4, 4), rand(3, 5))


def test_repeated_eigenvalues():
    q, _ = torch.linalg.qr(rand(4, 4))
    a = q @ torch.diag(torch.tensor([2.0, -1.0, 2.0, 2.0])) @ q.mT
    assert_matches_eager(torch.linalg.eigvalsh, a)


def test_eigenvectors_are_refused():
    with pytest.raises(kiln.KilnError, match="_linalg_eigh"):
        kiln.compile(torch.linalg.eigh, rand(4, 4))


def test_non_finite_input_gives_nan_values():
    compiled = kiln.compile(torch.linalg.svdvals, rand(3, 3))
    with_nan = rand(3, 3)
    with_nan[1, 2] = float("nan")
    with pytest.raises(RuntimeError):
        torch.linalg.svdvals(with_nan)
    assert compiled(with_nan).isnan().all()


def with_singular_values(values, rows, columns):
    """A ``rows`` × ``columns`` matrix with the given singular values (and zeros)."""
    left = torch.linalg.qr(rand(rows, rows)).Q[:, :len(values)]
    right = torch.linalg.qr(rand(columns, columns)).Q[:, :len(values)]
    return left @ torch.diag(torch.tensor(values)) @ right.mT


def test_pseudoinverse():
    def inverses(square, tall, wide):
        return torch.linalg.pinv(square), torch.linalg.pinv(tall), torch.pinverse(wide)
    check(inverses, well_conditioned(rand(3, 3)), rand(2, 5, 3), rand(3, 4))


def test_hermitian_pseudoinverse_reads_the_lower_triangle():
    def inverse(x):
        indefinite = torch.diag(torch.tensor([5.0, -5.0, 5.0, -5.0])) + 0.3 * x
        return torch.linalg.pinv(indefinite, hermitian=True)
    check(inverse, rand(2, 4, 4))


def test_pseudoinverse_drops_singular_values_below_the_tolerances():
    # Exactly rank-deficient matrices: eager's float32 singular values for the missing
    # ranks are rounding noise, below its default tolerance, as Kiln's must be.
    rank_deficient = torch.stack([with_singular_values([2.0, 1.0], 4, 4),
                                  with_singular_values([1.0], 4, 4), torch.zeros(4, 4)])
    spread = torch.stack([with_singular_values([3.0, 1.0, 0.4, 0.1], 4, 4)] * 2)

    def inverses(a, b, atol, rtol):
        return (torch.linalg.pinv(a), torch.linalg.pinv(a, atol=0.0),
                torch.linalg.pinv(a[:2, :, :3].mT), torch.linalg.pinv(b, atol=0.5),
                torch.linalg.pinv(b, rtol=0.2), torch.linalg.pinv(a, atol=atol),
                torch.linalg.pinv(b, atol=atol[1:]), torch.linalg.pinv(b, atol=atol[1:], rtol=rtol))
    # Per matrix: a zero atol keeps the default rtol, a positive one makes it 0.
    atol = torch.tensor([0.0, 0.0, 0.5])
    assert_matches_eager(inverses, rank_deficient, spread, atol, torch.tensor(0.2))


def test_pseudoinverse_refusals():
    with pytest.raises(kiln.KilnError, match="linalg_pinv"):
        kiln.compile(torch.linalg.pinv, torch.randn(3, 17))
    with pytest.raises(kiln.KilnError, match="linalg_pinv"):
        kiln.compile(torch.linalg.pinv, torch.randn(3, 3, dtype=torch.float64))


def test_non_finite_values_outside_the_read_triangle_are_ignored():
    def results(a):
        return torch.linalg.eigvalsh(a), torch.linalg.pinv(a, hermitian=True)
    compiled = kiln.compile(results, rand(3, 3))
    a = rand(3, 3)
    a[0, 2] = float("nan")
    torch.testing.assert_close(compiled(a), results(a))
    a[2, 0] = float("nan")
    with pytest.raises(RuntimeError):
        torch.linalg.pinv(a, hermitian=True)
    assert all(result.isnan().all() for result in compiled(a))
