"""Symmetric indefinite LDLᵀ factorization with Bunch-Kaufman pivoting, unrolled over
the columns (LAPACK's ``sytf2``, lower triangle)."""

import math

import torch

from .matrices import record_failure, row_index, swap_rows, unrollable, widened

aten = torch.ops.aten

# Bunch and Kaufman's threshold between 1×1 and 2×2 pivots, which minimizes growth.
ALPHA = (1 + math.sqrt(17)) / 8


def symmetric_swap(w: torch.Tensor, i: torch.Tensor, j: torch.Tensor, within: torch.Tensor):
    """``w`` with rows and columns ``i`` and ``j`` (``(..., 1, 1)`` indices per matrix)
    swapped where ``within`` (a mask) holds."""
    index = torch.arange(w.shape[-1], device=w.device)
    swapped = torch.where(index == i, j, torch.where(index == j, i, index))
    rows = torch.gather(w, -2, swapped.mT.expand(w.shape))
    both = torch.gather(rows, -1, swapped.expand(w.shape))
    return torch.where(within, both, w)


def bunch_kaufman(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``sytf2``'s ``LD``, 1-based pivots (negative on both columns of a 2×2 block) and
    ``info``, from the lower triangle of ``a``.

    Each step chooses, as ``sytf2`` does, between the diagonal entry (a 1×1 pivot), the
    largest entry below it moved to the diagonal, or a 2×2 block with that row; swaps
    rows and columns of the trailing matrix only (earlier columns of ``L`` keep their
    rows: ``L`` is the product of the steps' permutations and eliminations); and
    eliminates. The working matrix is kept symmetric, so rows can be read as columns.
    A step that a 2×2 block covered does nothing. The data decides each matrix's steps,
    so every step computes both kinds of elimination and keeps the one that applies.
    """
    n = a.shape[-1]
    rows, columns = row_index(a), row_index(a, -1)
    lower = rows >= columns
    w = torch.where(lower, a, a.mT)
    batch = a.shape[:-2] + (1, 1)
    info = torch.zeros(a.shape[:-2], dtype=torch.int32, device=a.device)
    covered = torch.zeros(batch, dtype=torch.bool, device=a.device)
    pending_pivot = torch.zeros(batch, dtype=torch.int64, device=a.device)
    pivots = []
    for k in range(n):
        active = ~covered
        diagonal = w[..., k : k + 1, k : k + 1]
        absakk = diagonal.abs()
        below = torch.where(rows > k, w[..., :, k : k + 1].abs(), -1.0)
        imax = below.argmax(-2, keepdim=True)
        colmax = below.amax(-2, keepdim=True).clamp(min=0.0)
        row_of_imax = torch.gather(w, -2, imax.expand(batch[:-2] + (1, n))).abs()
        off_diagonal = (columns >= k) & (columns != imax)
        rowmax = torch.where(off_diagonal, row_of_imax, 0.0).amax(-1, keepdim=True)
        diagonal_of_imax = torch.gather(row_of_imax, -1, imax)
        zero = (torch.maximum(absakk, colmax) == 0) | absakk.isnan()
        keep = (absakk >= ALPHA * colmax) | (absakk >= ALPHA * colmax * (colmax / rowmax))
        single_moved = ~keep & (diagonal_of_imax >= ALPHA * rowmax)
        double = active & ~zero & ~keep & ~single_moved
        single = active & ~zero & ~double
        pivot_row = torch.where(keep | zero, k, imax)
        info = record_failure(info, (active & zero)[..., 0, 0], k)

        last = torch.where(double, k + 1, k)
        trailing = (rows >= k) & (columns >= k)
        w = symmetric_swap(w, last, pivot_row, trailing & active & ~zero)
        w = torch.where(single, eliminate_single(w, k, rows, columns), w)
        if k + 2 <= n:
            w = torch.where(double, eliminate_double(w, k, rows, columns), w)
        w = torch.where(lower, w, w.mT)

        recorded = torch.where(double, -(pivot_row + 1), pivot_row + 1)
        pivots.append(torch.where(covered, pending_pivot, recorded))
        pending_pivot = recorded
        covered = double
    ld = torch.where(lower, w, 0.0)
    return ld, torch.cat(pivots, -1)[..., 0, :].to(torch.int32), info


def eliminate_single(w, k, rows, columns):
    """A 1×1 pivot at ``k``: the rank-1 update of the trailing matrix, and column ``k``
    below the pivot scaled into ``L``'s multipliers."""
    reciprocal = 1 / w[..., k : k + 1, k : k + 1]
    column = torch.where(rows > k, w[..., :, k : k + 1], 0.0)
    updated = w - reciprocal * column * column.mT
    w = torch.where((rows > k) & (columns > k), updated, w)
    return torch.where((rows > k) & (columns == k), reciprocal * column, w)


def eliminate_double(w, k, rows, columns):
    """A 2×2 pivot on ``k, k+1``: the rank-2 update of the trailing matrix, and the two
    columns below the block turned into ``L``'s multipliers, as ``sytf2`` computes them."""
    d21 = w[..., k + 1 : k + 2, k : k + 1]
    d11 = w[..., k + 1 : k + 2, k + 1 : k + 2] / d21
    d22 = w[..., k : k + 1, k : k + 1] / d21
    scale = (1 / (d11 * d22 - 1)) / d21
    below = rows >= k + 2
    first = torch.where(below, w[..., :, k : k + 1], 0.0)
    second = torch.where(below, w[..., :, k + 1 : k + 2], 0.0)
    first_multiplier = scale * (d11 * first - second)
    second_multiplier = scale * (d22 * second - first)
    updated = w - first * first_multiplier.mT - second * second_multiplier.mT
    w = torch.where(below & (columns >= k + 2), updated, w)
    w = torch.where(below & (columns == k), first_multiplier, w)
    return torch.where(below & (columns == k + 1), second_multiplier, w)


def linalg_ldl_factor_ex(a, *, hermitian=False, check_errors=False):
    """``torch.linalg.ldl_factor_ex`` for real matrices (where ``hermitian`` changes
    nothing), in float64."""
    if not unrollable(a):
        return NotImplemented
    ld, pivots, info = bunch_kaufman(widened(a))
    if check_errors:
        aten._linalg_check_errors.default(info, "torch.linalg.ldl_factor_ex",
                                          is_matrix=a.dim() == 2)
    return ld.to(a.dtype), pivots, info




def ldl_solve(ld: torch.Tensor, pivots: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``x`` with ``a x = b`` for ``a = L D Lᵀ`` given as ``sytf2``'s ``ld`` and
    ``pivots`` (LAPACK's ``sytrs``, lower triangle).

    The pivots tell where the 2×2 blocks are: a negative pivot opens one, which takes
    the next column too. The forward pass applies each step's swap and elimination to
    ``b`` and divides by its block of ``D``; the backward pass undoes the eliminations
    and swaps, from the last step to the first.
    """
    n = ld.shape[-1]
    batch = torch.broadcast_shapes(ld.shape[:-2], pivots.shape[:-1], b.shape[:-2])
    ld = ld.expand(batch + ld.shape[-2:])
    b = b.expand(batch + b.shape[-2:])
    pivots = pivots.expand(batch + pivots.shape[-1:]).to(torch.int64)[..., None]
    rows = row_index(b)
    covered = torch.zeros(batch + (1, 1), dtype=torch.bool, device=b.device)
    steps = []
    for k in range(n):
        pivot = pivots[..., k : k + 1, :]
        double = ~covered & (pivot < 0)
        steps.append((k, ~covered & (pivot > 0), double, pivot.abs() - 1))
        covered = double
    for k, single, double, target in steps:
        b = torch.where(single, _forward_single(ld, b, k, target, rows), b)
        if k + 1 < n:
            b = torch.where(double, _forward_double(ld, b, k, target, rows), b)
    for k, single, double, target in reversed(steps):
        b = torch.where(single, _backward(ld, b, k, k, target, rows), b)
        if k + 1 < n:
            b = torch.where(double, _backward(ld, b, k, k + 1, target, rows), b)
    return b


def _eliminate(ld, b, column, pivot_row, rows, start):
    """``b`` minus ``ld``'s ``column`` below ``start`` times ``b``'s ``pivot_row``."""
    multipliers = torch.where(rows >= start, ld[..., :, column : column + 1], 0.0)
    return torch.where(rows >= start, b - multipliers * b[..., pivot_row : pivot_row + 1, :], b)


def _forward_single(ld, b, k, target, rows):
    """A 1×1 step of ``L D y = b``: swap, eliminate below, divide by ``D``'s entry."""
    b = _eliminate(ld, swap_rows(b, k, target), k, k, rows, k + 1)
    return torch.where(rows == k, b / ld[..., k : k + 1, k : k + 1], b)


def _forward_double(ld, b, k, target, rows):
    """A 2×2 step of ``L D y = b``: swap the block's second row, eliminate below it
    with both columns, and solve with ``D``'s 2×2 block as ``sytrs`` does."""
    b = swap_rows(b, k + 1, target)
    b = _eliminate(ld, _eliminate(ld, b, k, k, rows, k + 2), k + 1, k + 1, rows, k + 2)
    off_diagonal = ld[..., k + 1 : k + 2, k : k + 1]
    first_ratio = ld[..., k : k + 1, k : k + 1] / off_diagonal
    second_ratio = ld[..., k + 1 : k + 2, k + 1 : k + 2] / off_diagonal
    denominator = first_ratio * second_ratio - 1
    first = b[..., k : k + 1, :] / off_diagonal
    second = b[..., k + 1 : k + 2, :] / off_diagonal
    b = torch.where(rows == k, (second_ratio * first - second) / denominator, b)
    return torch.where(rows == k + 1, (first_ratio * second - first) / denominator, b)


def _backward(ld, b, first, last, target, rows):
    """A step of ``Lᵀ x = y`` for the block of columns ``first .. last``: subtract the
    solved rows below it, then undo the step's swap of row ``last``."""
    below = torch.where(rows > last, b, 0.0)
    for column in range(first, last + 1):
        multipliers = torch.where(rows > last, ld[..., :, column : column + 1], 0.0)
        correction = (multipliers * below).sum(-2, keepdim=True)
        b = torch.where(rows == column, b - correction, b)
    return swap_rows(b, last, target)


def linalg_ldl_solve(ld, pivots, b, *, hermitian=False):
    """``torch.linalg.ldl_solve`` for real matrices, in float64, checking the pivots'
    range as eager does."""
    if not unrollable(ld, b):
        return NotImplemented
    n = ld.shape[-1]
    valid = ((pivots.abs() >= 1) & (pivots.abs() <= n)).all()
    aten._assert_async.msg(valid, "torch.linalg.ldl_solve: pivots must satisfy 1 <= |pivot| <= n")
    return ldl_solve(widened(ld), pivots, widened(b)).to(b.dtype)


DECOMPOSITIONS = {
    aten.linalg_ldl_factor_ex.default: linalg_ldl_factor_ex,
    aten.linalg_ldl_solve.default: linalg_ldl_solve,
}
