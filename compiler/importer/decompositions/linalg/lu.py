"""LU factorization with partial pivoting, unrolled over the columns (LAPACK's
``getrf``), and the unpacking of its compact form."""

import torch

from .matrices import record_failure, row_index, swap_rows, unrollable, widened

aten = torch.ops.aten


def lu_factor(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``getrf``'s compact ``LU``, its 1-based ``int32`` pivots and ``info``.

    Step ``j`` takes as pivot the first entry of largest magnitude in column ``j`` on or
    below the diagonal, swaps its row with row ``j``, stores the multipliers below the
    pivot and subtracts their rank-1 update from the trailing rows and columns. A zero
    pivot leaves its column as it is and sets ``info`` to its 1-based index if no
    earlier one did, as ``getrf`` does. (A NaN counts as the largest magnitude, as in
    ``argmax``; where LAPACK pivots then depends on its BLAS.)
    """
    rows, columns = row_index(a), row_index(a, -1)
    info = torch.zeros(a.shape[:-2], dtype=torch.int32, device=a.device)
    pivots = []
    for j in range(min(a.shape[-2:])):
        magnitude = torch.where(rows >= j, a[..., :, j : j + 1].abs(), -1.0)
        pivot_row = magnitude.argmax(-2, keepdim=True)
        pivots.append(pivot_row[..., 0])
        a = swap_rows(a, j, pivot_row)
        pivot = a[..., j : j + 1, j : j + 1]
        singular = pivot == 0
        info = record_failure(info, singular[..., 0, 0], j)
        column = a[..., :, j : j + 1]
        multipliers = torch.where(singular, column, column / pivot)
        below, right = rows > j, columns > j
        a = torch.where(below & right, a - multipliers * a[..., j : j + 1, :], a)
        a = torch.where(below & (columns == j), multipliers, a)
    return a, (torch.cat(pivots, -1) + 1).to(torch.int32), info


def row_permutation(pivots: torch.Tensor, rows: int, inverse: bool = False) -> torch.Tensor:
    """Where each row of ``L U`` comes from in the factored matrix: the swaps the
    1-based ``pivots`` record, applied in order to ``0 .. rows-1``.

    Gathering ``b``'s rows at it applies ``Pᵀ``; with ``inverse``, the swaps go in
    reverse order, and gathering applies ``P``.
    """
    targets = pivots.to(torch.int64) - 1
    index = torch.arange(rows, device=pivots.device)
    permutation = index.expand(pivots.shape[:-1] + (rows,))
    steps = range(pivots.shape[-1])
    for i in reversed(steps) if inverse else steps:
        target = targets[..., i : i + 1]
        at_target = torch.gather(permutation, -1, target)
        at_i = permutation[..., i : i + 1]
        permutation = torch.where(index == i, at_target,
                                  torch.where(index == target, at_i, permutation))
    return permutation


def assert_valid_pivots(pivots: torch.Tensor, rows: int, op_name: str) -> None:
    """Eager's check that every pivot is a 1-based row index."""
    valid = ((pivots >= 1) & (pivots <= rows)).all()
    aten._assert_async.msg(valid, f"{op_name}: pivots must be between 1 and LU.size(-2)")


def linalg_lu_factor_ex(a, pivot=True, check_errors=False):
    """``torch.linalg.lu_factor_ex``, computed in float64 (with pivoting only: eager
    cannot factor without it on the CPU either)."""
    if not pivot or not unrollable(a):
        return NotImplemented
    factors, pivots, info = lu_factor(widened(a))
    if check_errors:
        aten._linalg_check_errors.default(info, "torch.linalg.lu_factor_ex", is_matrix=a.dim() == 2)
    return factors.to(a.dtype), pivots, info


def unpacked(lu: torch.Tensor, pivots: torch.Tensor) -> tuple:
    """``P``, the unit lower ``L`` and the upper ``U`` of a compact LU factorization, by
    masks and a one-hot of the row permutation."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    rows, columns = row_index(lu), row_index(lu, -1)
    lower = torch.where(rows > columns, lu, (rows == columns).to(lu.dtype))[..., :, :k]
    upper = torch.where(rows <= columns, lu, 0.0)[..., :k, :]
    permutation = row_permutation(pivots, m)
    permutation_matrix = (permutation.unsqueeze(-2) == rows).to(lu.dtype)
    return permutation_matrix, lower, upper


def lu_unpack(lu, pivots, unpack_data=True, unpack_pivots=True):
    """``torch.lu_unpack``, which checks the pivots as eager does."""
    if not (unpack_data and unpack_pivots) or not unrollable(lu):
        return NotImplemented
    assert_valid_pivots(pivots, lu.shape[-2], "torch.lu_unpack")
    return unpacked(lu, pivots)


def linalg_lu(a, pivot=True):
    """``torch.linalg.lu``: ``P, L, U`` with ``a = P L U``."""
    if not pivot or not unrollable(a):
        return NotImplemented
    factors, pivots, _ = lu_factor(widened(a))
    permutation_matrix, lower, upper = unpacked(factors, pivots)
    return permutation_matrix.to(a.dtype), lower.to(a.dtype), upper.to(a.dtype)


DECOMPOSITIONS = {
    aten.linalg_lu_factor_ex.default: linalg_lu_factor_ex,
    aten.lu_unpack.default: lu_unpack,
    aten.linalg_lu.default: linalg_lu,
}
