"""Eigenvalues of symmetric matrices and singular values, by the cyclic Jacobi method.

Only the values: eigenvectors and singular vectors are defined up to signs that LAPACK
picks by its own algorithm. ``torch.export`` asks for them even for ``eigvalsh`` and
``svdvals``, so they come from the op itself, which stays in the graph (refused, or run
by torch as a fallback) only if the program reads them. Results that do not depend on
the signs (the pseudoinverse) use the one-sided method's vectors.
"""

import contextlib

import torch

from .matrices import REAL_DTYPES, identity, row_index, widened

aten = torch.ops.aten

# Jacobi's rotations are unrolled too, (size - 1) rounds per sweep, so its size cap is
# lower than the factorizations' (a 16 × 16 matrix takes about a minute to compile). Ten
# sweeps take the off-diagonal part of a matrix of this size below float64's rounding:
# the method converges quadratically.
MAX_SPECTRAL_SIZE = 16
SWEEPS = 10


# Ops called from their own decomposition for results it does not compute.
_UNDECOMPOSED = set()


@contextlib.contextmanager
def undecomposed(op):
    """Calls to ``op`` inside stay calls to ``op``: its decomposition declines them."""
    _UNDECOMPOSED.add(op)
    try:
        yield
    finally:
        _UNDECOMPOSED.discard(op)


def round_robin(n: int) -> list[list[tuple[int, int]]]:
    """Rounds of disjoint index pairs that meet every pair once (a tournament's
    schedule); with ``n`` odd, one index sits each round out."""
    players = list(range(n + n % 2))
    rounds = []
    for _ in range(len(players) - 1):
        half = len(players) // 2
        pairs = [tuple(sorted((players[i], players[-1 - i]))) for i in range(half)]
        pairs = [pair for pair in pairs if pair[1] < n]
        if pairs:
            rounds.append(pairs)
        players = [players[0], players[-1], *players[1:-1]]
    return rounds


def rotation(s: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """The ``J`` of the Jacobi rotations that zero ``s[p, q]`` in ``Jᵀ s J`` for each pair
    of the symmetric ``s`` at once.

    Each angle is the one of Golub and Van Loan's symmetric Schur decomposition
    (``t = sign(τ) / (|τ| + √(1 + τ²))``, the smaller rotation). ``J`` is the identity
    with ``c`` on the pairs' diagonal entries and ``±s`` on their off-diagonal ones,
    placed by masks; the entries of ``s`` it needs are picked out by masks too.
    """
    n = s.shape[-1]
    rows, columns = row_index(s), row_index(s, -1)

    def at(i: int, j: int) -> torch.Tensor:
        return ((rows == i) & (columns == j)).to(s.dtype)

    def entries(positions: list[tuple[int, int]]) -> torch.Tensor:
        masks = torch.stack([at(i, j) for i, j in positions])
        return (s.unsqueeze(-3) * masks).sum((-2, -1))

    app = entries([(p, p) for p, _ in pairs])
    aqq = entries([(q, q) for _, q in pairs])
    apq = entries(pairs)
    rotates = apq != 0
    tau = (aqq - app) / (2 * torch.where(rotates, apq, 1.0))
    t = torch.where(tau >= 0, 1.0, -1.0) / (tau.abs() + torch.sqrt(1 + tau * tau))
    t = torch.where(rotates, t, 0.0)
    cosine = torch.rsqrt(1 + t * t)
    sine = t * cosine
    on_diagonal = torch.stack([at(p, p) + at(q, q) for p, q in pairs])
    off_diagonal = torch.stack([at(p, q) - at(q, p) for p, q in pairs])
    untouched = (rows == columns).to(s.dtype) - on_diagonal.sum(0)
    placed = (cosine @ on_diagonal.flatten(-2) + sine @ off_diagonal.flatten(-2))
    return untouched + placed.unflatten(-1, (n, n))


def rotate(s: torch.Tensor, pairs: list[tuple[int, int]]) -> torch.Tensor:
    """``Jᵀ s J`` for the Jacobi rotations that zero ``s[p, q]`` for each pair at once."""
    j = rotation(s, pairs)
    return j.mT @ s @ j


def ascending(values: torch.Tensor) -> torch.Tensor:
    """``values`` sorted along the last dim by odd-even transposition (a sorting network
    of compare-exchanges: ``n`` rounds of minima and maxima of neighbours)."""
    n = values.shape[-1]
    for round_ in range(n):
        start = round_ % 2
        pairs = (n - start) // 2
        if not pairs:
            continue
        left = values[..., start : start + 2 * pairs : 2]
        right = values[..., start + 1 : start + 2 * pairs : 2]
        exchanged = torch.stack([torch.minimum(left, right), torch.maximum(left, right)], -1)
        values = torch.cat([values[..., :start], exchanged.flatten(-2),
                            values[..., start + 2 * pairs :]], -1)
    return values


def symmetric_eigenvalues(s: torch.Tensor) -> torch.Tensor:
    """The eigenvalues of the symmetric ``s``, ascending: the diagonal left by sweeps of
    Jacobi rotations. They are accurate to rounding of ``s``'s norm, as LAPACK's are."""
    for _ in range(SWEEPS):
        for pairs in round_robin(s.shape[-1]):
            s = rotate(s, pairs)
    return ascending(s.diagonal(0, -2, -1))


def orthogonalized_columns(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(x V, V)``: ``V`` orthogonal and the columns of ``x V`` orthogonal, by sweeps of
    one-sided (Hestenes) Jacobi rotations. With ``x = U Σ Vᵀ``, ``x V = U Σ``: the
    columns' norms are the singular values.

    Each round rotates pairs of columns by the angles that zero their entries of
    ``xᵀ x``, recomputed from the rotated columns. Only orthogonal rotations touch
    ``x``, so each singular value is accurate to a few roundings of ``‖x‖``; square
    roots of the Gram matrix's eigenvalues lose half the digits of the small ones.
    """
    v = identity(x.shape[-1], x).expand(*x.shape[:-2], -1, -1)
    for _ in range(SWEEPS):
        for pairs in round_robin(x.shape[-1]):
            j = rotation(x.mT @ x, pairs)
            x, v = x @ j, v @ j
    return x, v


def check_finite(a: torch.Tensor, op_name: str) -> None:
    """Eager's error for a matrix with a NaN or an infinity, where LAPACK cannot converge."""
    not_finite = (~torch.isfinite(a)).flatten(-2).any(-1).to(torch.int32)
    aten._linalg_check_errors.default(not_finite, op_name, is_matrix=a.dim() == 2)


def spectral_size_ok(a: torch.Tensor) -> bool:
    """Whether ``a`` is a nonempty real floating matrix small enough for Jacobi."""
    return (a.dtype in REAL_DTYPES and a.dim() >= 2 and a.numel() > 0
            and max(a.shape[-2:]) <= MAX_SPECTRAL_SIZE)


def linalg_eigh(a, uplo="L", compute_v=True):
    """``aten._linalg_eigh``: Jacobi's eigenvalues of the triangle ``uplo`` names,
    mirrored, in float64; the eigenvectors from the op itself."""
    op = aten._linalg_eigh.default
    if op in _UNDECOMPOSED or not spectral_size_ok(a):
        return NotImplemented
    vectors = a.new_empty(0)
    if compute_v:
        with undecomposed(op):
            vectors = op(a, uplo, True)[1]
    rows, columns = row_index(a), row_index(a, -1)
    kept = rows >= columns if uplo == "L" else rows <= columns
    s = torch.where(kept, a, a.mT)
    check_finite(s, "linalg.eigh")
    return symmetric_eigenvalues(widened(s)).to(a.dtype), vectors


def linalg_svd(a, full_matrices=True, compute_uv=True, driver=None):
    """``aten._linalg_svd``: the singular values are the square roots of the eigenvalues
    of ``aᵀ a`` (or ``a aᵀ``, the smaller), descending; the vectors come from the op.

    Forming ``aᵀ a`` in float64 squares the condition number, but float64 has room for
    it: the smallest singular value's error is about ``2⁻⁵³ ‖a‖² / σ``, below eager's
    float32 error of ``2⁻²⁴ ‖a‖`` until ``‖a‖ / σ`` passes 2²⁹. Float64 matrices have no
    such room, so they are left alone.
    """
    op = aten._linalg_svd.default
    if op in _UNDECOMPOSED or a.dtype == torch.float64 or not spectral_size_ok(a):
        return NotImplemented
    left = right = a.new_empty(0)
    if compute_uv:
        with undecomposed(op):
            left, _, right = op(a, full_matrices, True, driver=driver)
    check_finite(a, "linalg.svd")
    x = widened(a)
    gram = x.mT @ x if a.shape[-2] >= a.shape[-1] else x @ x.mT
    descending = -ascending(-symmetric_eigenvalues(gram))
    values = descending.clamp(min=0).sqrt()
    return left, values.to(a.dtype), right


DECOMPOSITIONS = {
    aten._linalg_eigh.default: linalg_eigh,
    aten._linalg_svd.default: linalg_svd,
}
