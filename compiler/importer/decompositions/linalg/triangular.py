"""Triangular solves by forward and back substitution, unrolled over the rows."""

import torch

from .matrices import matrix_batch, unrollable, widened

aten = torch.ops.aten


def solve_lower(a: torch.Tensor, b: torch.Tensor, unit_diagonal: bool = False) -> torch.Tensor:
    """``x`` with ``a x = b`` for the lower triangle of ``a`` (batches broadcast).

    Forward substitution: row ``i`` of ``x`` is row ``i`` of ``b`` minus the rows already
    solved, weighted by ``a``'s row ``i`` left of the diagonal, over ``a[i, i]`` (taken
    as 1 when ``unit_diagonal``). Only the lower triangle is read, as ``trsm`` does.
    """
    batch = matrix_batch(a, b)
    a = a.expand(batch + a.shape[-2:])
    b = b.expand(batch + b.shape[-2:])
    rows = []
    for i in range(a.shape[-1]):
        row = b[..., i : i + 1, :]
        if rows:
            row = row - a[..., i : i + 1, :i] @ torch.cat(rows, dim=-2)
        if not unit_diagonal:
            row = row / a[..., i : i + 1, i : i + 1]
        rows.append(row)
    return torch.cat(rows, dim=-2)


def solve_triangular(a, b, upper: bool, left: bool = True, unit_diagonal: bool = False):
    """``x`` with ``a x = b`` (``x a = b`` unless ``left``) for the triangle of ``a``
    that ``upper`` names.

    Every case is a lower solve: reversing the rows and columns of an upper triangular
    matrix makes it lower, and ``x a = b`` is ``aᵀ xᵀ = bᵀ``.
    """
    if not left:
        return solve_triangular(a.mT, b.mT, not upper, True, unit_diagonal).mT
    if upper:
        return solve_lower(a.flip(-2, -1), b.flip(-2), unit_diagonal).flip(-2)
    return solve_lower(a, b, unit_diagonal)


def linalg_solve_triangular(a, b, *, upper, left=True, unitriangular=False):
    """``torch.linalg.solve_triangular``, by substitution in float64."""
    if not unrollable(a, b):
        return NotImplemented
    return solve_triangular(widened(a), widened(b), upper, left, unitriangular).to(b.dtype)


def triangular_solve(b, a, upper=True, transpose=False, unitriangular=False):
    """``torch.triangular_solve``: the solution of ``a x = b`` (``aᵀ x = b`` if
    ``transpose``), and a copy of ``a`` broadcast to the batch."""
    if not unrollable(a, b):
        return NotImplemented
    coefficients = a.mT if transpose else a
    solution = solve_triangular(widened(coefficients), widened(b), upper != transpose, True,
                                unitriangular)
    batch = matrix_batch(a, b)
    return solution.to(b.dtype), a.expand(batch + a.shape[-2:]).clone()


DECOMPOSITIONS = {
    aten.linalg_solve_triangular.default: linalg_solve_triangular,
    aten.triangular_solve.default: triangular_solve,
}
