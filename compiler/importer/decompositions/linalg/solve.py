"""Linear systems and inverses through the LU factorization, as eager solves them."""

import torch

from .lu import assert_valid_pivots, lu_factor, row_permutation
from .matrices import matrix_batch, row_index, unrollable, widened
from .triangular import solve_triangular

aten = torch.ops.aten


def lu_solve(lu: torch.Tensor, pivots: torch.Tensor, b: torch.Tensor, left: bool = True,
             adjoint: bool = False) -> torch.Tensor:
    """``x`` with ``a x = b`` (``aᵀ x = b`` if ``adjoint``; ``x a = b`` unless ``left``)
    for ``a = P L U`` given as ``getrf``'s compact ``lu`` and ``pivots``.

    ``a x = b`` is ``x = U⁻¹ L⁻¹ Pᵀ b``; ``aᵀ x = b`` is ``x = P L⁻ᵀ U⁻ᵀ b``. Row
    permutations are gathers; the triangular solves read only their triangle of ``lu``.
    """
    if not left:
        return lu_solve(lu, pivots, b.mT, True, not adjoint).mT
    batch = matrix_batch(lu, b)
    b = b.expand(batch + b.shape[-2:])

    def permuted(x: torch.Tensor, inverse: bool) -> torch.Tensor:
        permutation = row_permutation(pivots, lu.shape[-1], inverse).expand(batch + lu.shape[-1:])
        return torch.gather(x, -2, permutation.unsqueeze(-1).expand(x.shape))

    if adjoint:
        y = solve_triangular(lu.mT, b, upper=False)
        return permuted(solve_triangular(lu.mT, y, upper=True, unit_diagonal=True), True)
    y = solve_triangular(lu, permuted(b, False), upper=False, unit_diagonal=True)
    return solve_triangular(lu, y, upper=True)


def linalg_lu_solve(lu, pivots, b, *, left=True, adjoint=False):
    """``torch.linalg.lu_solve`` in float64, checking the pivots as eager does."""
    if not unrollable(lu, b):
        return NotImplemented
    assert_valid_pivots(pivots, lu.shape[-2], "torch.linalg.lu_solve")
    return lu_solve(widened(lu), pivots, widened(b), left, adjoint).to(b.dtype)


def solve_ex(a: torch.Tensor, b: torch.Tensor, left: bool, check_errors: bool, op_name: str):
    """``torch.linalg.solve_ex``'s four results: ``x``, the LU factorization of ``a``
    it used, its pivots and ``info``. A ``b`` with one dim less than ``a``, its shape
    without the last, is a batch of vectors, as in eager."""
    vector = b.dim() == 1 or (b.dim() == a.dim() - 1 and b.shape == a.shape[:-1])
    lu, pivots, info = lu_factor(widened(a))
    if check_errors:
        aten._linalg_check_errors.default(info, op_name, is_matrix=a.dim() == 2)
    x = lu_solve(lu, pivots, widened(b.unsqueeze(-1) if vector else b), left)
    return (x.squeeze(-1) if vector else x).to(b.dtype), lu.to(a.dtype), pivots, info


def linalg_solve_ex(a, b, *, left=True, check_errors=False):
    """``torch.linalg.solve_ex`` (``aten._linalg_solve_ex``) in float64."""
    if not unrollable(a) or b.numel() == 0 or b.dtype != a.dtype:
        return NotImplemented
    return solve_ex(a, b, left, check_errors, "torch.linalg.solve_ex")


def linalg_inv_ex(a, *, check_errors=False):
    """``torch.linalg.inv_ex``: eager solves ``a x = I``, and so does this. ``Pᵀ I``
    is the one-hot of the row permutation, built from it rather than gathered."""
    if not unrollable(a):
        return NotImplemented
    lu, pivots, info = lu_factor(widened(a))
    if check_errors:
        aten._linalg_check_errors.default(info, "torch.linalg.inv_ex", is_matrix=a.dim() == 2)
    permutation = row_permutation(pivots, a.shape[-1])
    permuted_eye = (permutation.unsqueeze(-1) == row_index(a, -1)).to(lu.dtype)
    y = solve_triangular(lu, permuted_eye, upper=False, unit_diagonal=True)
    return solve_triangular(lu, y, upper=True).to(a.dtype), info


DECOMPOSITIONS = {
    aten.linalg_lu_solve.default: linalg_lu_solve,
    aten._linalg_solve_ex.default: linalg_solve_ex,
    aten.linalg_inv_ex.default: linalg_inv_ex,
}
