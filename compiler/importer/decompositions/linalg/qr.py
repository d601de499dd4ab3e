"""Householder QR, unrolled over the columns (LAPACK's ``geqrf``, ``orgqr``, ``ormqr``)."""

import torch

from .matrices import identity, row_index, unrollable, widened

aten = torch.ops.aten


def householder_qr(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``geqrf``'s compact form: ``R`` on and above the diagonal, the reflectors below
    it, and their scales ``tau``.

    Column ``j`` is reflected onto ``β e_j`` with LAPACK's ``larfg`` conventions:
    ``β = -sign(α) ‖x‖`` for the column's diagonal entry ``α``, ``τ = (β - α) / β`` and
    ``v = x / (α - β)`` below the diagonal with an implicit 1 on it; a column already
    zero below the diagonal is left alone with ``τ = 0``. The reflection is then applied
    to the columns on the right.
    """
    rows, columns = row_index(a), row_index(a, -1)
    taus = []
    for j in range(min(a.shape[-2:])):
        below = rows > j
        column = a[..., :, j : j + 1]
        alpha = a[..., j : j + 1, j : j + 1]
        below_norm = torch.where(below, column, 0.0).square().sum(-2, keepdim=True).sqrt()
        reflects = below_norm != 0
        beta = -torch.copysign(torch.hypot(alpha, below_norm), alpha)
        tau = torch.where(reflects, (beta - alpha) / beta, 0.0)
        scaled = torch.where(reflects, column / (alpha - beta), column)
        reflector = torch.where(rows == j, 1.0, torch.where(below, scaled, 0.0))
        a = reflect_from_left(a, reflector, tau, rows >= j, columns > j)
        new_column = torch.where(rows == j, torch.where(reflects, beta, alpha), scaled)
        a = torch.where((rows >= j) & (columns == j), new_column, a)
        taus.append(tau[..., 0, 0])
    return a, torch.stack(taus, -1)


def reflect_from_left(c: torch.Tensor, reflector: torch.Tensor, tau: torch.Tensor,
                      rows: torch.Tensor, columns: torch.Tensor | None = None) -> torch.Tensor:
    """``(I - τ v vᵀ) c`` for a reflector ``v`` that is zero outside ``rows`` (a mask),
    changing only the entries in ``rows`` (and ``columns``, if given): like LAPACK's
    ``larf``, the others are not read, so an infinity there spreads no NaN."""
    within = torch.where(rows, c, 0.0)
    update = tau * reflector * (reflector.mT @ within)
    changed = rows if columns is None else rows & columns
    return torch.where(changed, c - update, c)


def reflector(factors: torch.Tensor, i: int) -> torch.Tensor:
    """The ``i``-th Householder vector of a compact factorization, as a column."""
    rows = row_index(factors)
    return torch.where(rows == i, 1.0, torch.where(rows > i, factors[..., :, i : i + 1], 0.0))


def apply_q(factors, tau, c, left=True, transpose=False):
    """``Q c`` for ``Q = H_0 ⋯ H_{k-1}`` (``Qᵀ``, ``c Q``, ``c Qᵀ`` as asked), one
    reflection at a time, in the order that product takes."""
    if not left:
        return apply_q(factors, tau, c.mT, True, not transpose).mT
    rows = row_index(c)
    steps = range(tau.shape[-1])
    for i in steps if transpose else reversed(steps):
        c = reflect_from_left(c, reflector(factors, i), tau[..., i : i + 1, None], rows >= i)
    return c


def geqrf(a):
    """``torch.geqrf`` in float64."""
    if not unrollable(a):
        return NotImplemented
    factors, tau = householder_qr(widened(a))
    return factors.to(a.dtype), tau.to(a.dtype)


def householder_product(factors, tau):
    """``torch.linalg.householder_product`` (``orgqr``): the first columns of
    ``H_0 ⋯ H_{k-1}``, as many as ``factors`` has."""
    if not unrollable(factors) or tau.numel() == 0:
        return NotImplemented
    m, n = factors.shape[-2:]
    eye = identity(m, factors)[:, :n].to(torch.float64)
    return apply_q(widened(factors), widened(tau), eye).to(factors.dtype)


def ormqr(factors, tau, c, left=True, transpose=False):
    """``torch.ormqr``: ``c`` times the ``Q`` of a compact factorization."""
    if not unrollable(factors, c) or tau.numel() == 0:
        return NotImplemented
    return apply_q(widened(factors), widened(tau), widened(c), left, transpose).to(c.dtype)


def linalg_qr(a, mode="reduced"):
    """``torch.linalg.qr`` in the ``reduced`` and ``complete`` modes."""
    if mode not in ("reduced", "complete") or not unrollable(a):
        return NotImplemented
    m, n = a.shape[-2:]
    k = min(m, n)
    factors, tau = householder_qr(widened(a))
    columns = m if mode == "complete" else k
    q = apply_q(factors, tau, identity(m, factors)[:, :columns])
    r = torch.where(row_index(factors) <= row_index(factors, -1), factors, 0.0)[..., :columns, :]
    return q.to(a.dtype), r.to(a.dtype)


DECOMPOSITIONS = {
    aten.geqrf.default: geqrf,
    aten.linalg_householder_product.default: householder_product,
    aten.ormqr.default: ormqr,
    aten.linalg_qr.default: linalg_qr,
}
