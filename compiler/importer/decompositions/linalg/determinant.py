"""Determinants from the LU factorization, as eager computes them."""

import torch

from .lu import lu_factor
from .matrices import unrollable, widened

aten = torch.ops.aten


def factored(a: torch.Tensor):
    """The LU factorization eager takes a determinant from: of ``aᵀ`` when ``a`` is
    contiguous (``det aᵀ = det a``), else of ``a``; and the permutation's sign."""
    lu, pivots, _ = lu_factor(widened(a.mT if a.is_contiguous() else a))
    swaps = (pivots != torch.arange(1, pivots.shape[-1] + 1, device=a.device)).sum(-1)
    return lu, pivots, 1 - 2 * (swaps % 2)


def linalg_det(a):
    """``aten._linalg_det``: the product of ``U``'s diagonal times the permutation's
    sign, with the factorization it came from."""
    if not unrollable(a):
        return NotImplemented
    lu, pivots, sign = factored(a)
    det = sign * lu.diagonal(0, -2, -1).prod(-1)
    return det.to(a.dtype), lu.to(a.dtype), pivots


def linalg_slogdet(a):
    """``aten._linalg_slogdet``: the sign and the log of the magnitude of the
    determinant, from the signs and logs of ``U``'s diagonal."""
    if not unrollable(a):
        return NotImplemented
    lu, pivots, sign = factored(a)
    diagonal = lu.diagonal(0, -2, -1)
    sign = sign * diagonal.sign().prod(-1)
    log_magnitude = diagonal.abs().log().sum(-1)
    return sign.to(a.dtype), log_magnitude.to(a.dtype), lu.to(a.dtype), pivots


DECOMPOSITIONS = {
    aten._linalg_det.default: linalg_det,
    aten._linalg_slogdet.default: linalg_slogdet,
}
