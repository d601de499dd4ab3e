"""Cholesky factorization, unrolled over the columns (LAPACK's ``potrf``)."""

import torch

from .matrices import record_failure, row_index, unrollable, widened

aten = torch.ops.aten


def lower_cholesky(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``L`` with ``a = L Lᵀ`` from the lower triangle of ``a``, and LAPACK's ``info``.

    Column ``j`` is ``a``'s column minus the projection on the columns before it, scaled
    by the square root of its diagonal entry. A diagonal entry that is not positive (or
    NaN) is where ``potrf`` stops: ``info`` is its 1-based index. ``L`` is then NaN from
    that column on, where LAPACK leaves the columns unfinished; neither is a factor.
    """
    n = a.shape[-1]
    rows, columns = row_index(a), row_index(a, -1)
    factor = torch.zeros_like(a)
    info = torch.zeros(a.shape[:-2], dtype=torch.int32, device=a.device)
    for j in range(n):
        remainder = a[..., :, j : j + 1]
        if j:
            remainder = remainder - factor @ factor[..., j : j + 1, :].mT
        pivot = remainder[..., j : j + 1, :]
        info = record_failure(info, ~(pivot[..., 0, 0] > 0), j)
        root = torch.sqrt(pivot)
        column = torch.where(rows == j, root, remainder / root)
        factor = torch.where((columns == j) & (rows >= j), column, factor)
    return factor, info


def linalg_cholesky_ex(a, upper=False, check_errors=False):
    """``torch.linalg.cholesky_ex``: the factor and ``info``, computed in float64.

    ``upper`` reads the upper triangle, as ``potrf('U')`` does: ``U = Lᵀ`` for the ``L``
    of ``aᵀ``. ``check_errors`` becomes the error check eager runs (see the importer).
    """
    if not unrollable(a):
        return NotImplemented
    factor, info = lower_cholesky(widened(a.mT if upper else a))
    if check_errors:
        aten._linalg_check_errors.default(info, "torch.linalg.cholesky_ex", is_matrix=a.dim() == 2)
    return (factor.mT if upper else factor).to(a.dtype), info


def cholesky(a, upper=False):
    """``torch.cholesky``, which raises for a matrix that is not positive-definite."""
    if not unrollable(a):
        return NotImplemented
    factor, info = lower_cholesky(widened(a.mT if upper else a))
    aten._linalg_check_errors.default(info, "torch.cholesky", is_matrix=a.dim() == 2)
    return (factor.mT if upper else factor).to(a.dtype)


DECOMPOSITIONS = {
    aten.linalg_cholesky_ex.default: linalg_cholesky_ex,
    aten.cholesky.default: cholesky,
}
