"""Triangular solves by forward and back substitution, unrolled over the rows."""

import torch

from .matrices import matrix_batch, unrollable, widened

aten = torch.ops.aten


def substitute(a: torch.Tensor, b: torch.Tensor, upper: bool, unit_diagonal: bool = False):
    """``x`` with ``a x = b`` for the triangle of ``a`` that ``upper`` names (batches
    broadcast).

    Substitution, forward for a lower triangle and backward for an upper one: row ``i``
    of ``x`` is row ``i`` of ``b`` minus the rows already solved, weighted by ``a``'s
    row ``i`` off the diagonal, over ``a[i, i]`` (taken as 1 when ``unit_diagonal``).
    Only the triangle is read, as ``trsm`` does.
    """
    n = a.shape[-1]
    batch = matrix_batch(a, b)
    a = a.expand(batch + a.shape[-2:])
    b = b.expand(batch + b.shape[-2:])
    solved = []  # in row order
    for i in reversed(range(n)) if upper else range(n):
        row = b[..., i : i + 1, :]
        if solved:
            weights = a[..., i : i + 1, i + 1 :] if upper else a[..., i : i + 1, :i]
            row = row - weights @ torch.cat(solved, dim=-2)
        if not unit_diagonal:
            row = row / a[..., i : i + 1, i : i + 1]
        solved = [row, *solved] if upper else [*solved, row]
    return torch.cat(solved, dim=-2)


def solve_triangular(a, b, upper: bool, left: bool = True, unit_diagonal: bool = False):
    """``x`` with ``a x = b`` (``x a = b`` unless ``left``) for the triangle of ``a``
    that ``upper`` names; ``x a = b`` is ``aᵀ xᵀ = bᵀ``."""
    if not left:
        return substitute(a.mT, b.mT, not upper, unit_diagonal).mT
    return substitute(a, b, upper, unit_diagonal)


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
