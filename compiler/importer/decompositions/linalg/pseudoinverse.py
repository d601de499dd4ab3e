"""The Moore–Penrose pseudoinverse, from a one-sided Jacobi SVD in float64.

Unlike singular vectors, whose signs LAPACK picks by its own algorithm, the
pseudoinverse is unique, so any SVD gives eager's result up to rounding. What must
match eager exactly is which singular values count as zero: eager keeps ``σ`` when
``σ > max(atol, rtol · σ_max)``, comparing values rounded to the input's dtype, so the
values here are rounded to it before the same comparison.
"""

import torch

from .matrices import row_index, widened
from .spectral import MAX_SPECTRAL_SIZE, check_finite, orthogonalized_columns

aten = torch.ops.aten

# Float32 only. Which singular values count as zero is decided against a threshold of a
# few epsilons of the dtype times σ_max: float64 arithmetic resolves float32's, but the
# hundreds of rotations leave noise of several float64 epsilons in the values of a
# rank-deficient float64 matrix, enough to keep one that eager drops.
PSEUDOINVERTIBLE_DTYPES = (torch.float32,)


def tolerances(a: torch.Tensor, atol, rtol) -> tuple[torch.Tensor, torch.Tensor]:
    """Eager's ``atol`` and ``rtol`` as float64 tensors, defaults filled in: ``atol``
    0, and ``rtol`` the dtype's epsilon times the larger matrix dimension, or 0 where
    a positive ``atol`` is given."""
    zero = a.new_zeros((), dtype=torch.float64)
    if rtol is None:
        rtol = a.new_full((), torch.finfo(a.dtype).eps * max(a.shape[-2:]), dtype=torch.float64)
        if atol is not None:
            rtol = torch.where(atol > 0, zero, rtol)
    return zero if atol is None else atol, rtol


def lower_mirrored(a: torch.Tensor) -> torch.Tensor:
    """The symmetric matrix whose lower triangle is ``a``'s, the one eager's ``eigh``
    reads for ``hermitian=True``."""
    return torch.where(row_index(a) >= row_index(a, -1), a, a.mT)


def pseudoinvertible(*tensors) -> bool:
    """Whether the operands are nonempty, the matrix real and small enough for Jacobi."""
    a = tensors[0]
    return (a.dtype in PSEUDOINVERTIBLE_DTYPES and a.dim() >= 2
            and max(a.shape[-2:]) <= MAX_SPECTRAL_SIZE
            and all(t.numel() > 0 for t in tensors if t is not None))


def linalg_pinv(a, atol=None, rtol=None, hermitian=False):
    """``aten.linalg_pinv.atol_rtol_tensor`` (every other overload and ``pinverse``
    reach it): ``V Σ⁺ Uᵀ`` from the SVD of ``a`` (or of ``aᵀ``, transposed back, when
    ``a`` is wide, so that Jacobi works on the smaller dimension).

    With ``hermitian=True`` eager inverts the eigenvalues of the lower triangle's
    symmetric matrix; their absolute values are its singular values, so the same SVD
    of that matrix gives the same pseudoinverse.
    """
    if not pseudoinvertible(a, atol, rtol):
        return NotImplemented
    if hermitian:
        a = lower_mirrored(a)
    check_finite(a, "linalg.eigh" if hermitian else "linalg.svd")
    atol, rtol = tolerances(a, atol, rtol)
    wide = a.shape[-2] < a.shape[-1]
    columns, v = orthogonalized_columns(widened(a.mT if wide else a))
    squares = (columns * columns).sum(-2)
    values = squares.sqrt().to(a.dtype)
    largest = values.amax(-1, keepdim=True)
    # The same expression as eager's, on tensors of the same dtypes, so that its type
    # promotion (float32 or float64) is the same too.
    tolerance = torch.maximum(atol.unsqueeze(-1), rtol.unsqueeze(-1) * largest)
    kept = values > tolerance
    weights = torch.where(kept, 1 / torch.where(kept, squares, 1.0), 0.0)
    inverse = (v * weights.unsqueeze(-2)) @ columns.mT
    return (inverse.mT if wide else inverse).to(a.dtype)


DECOMPOSITIONS = {
    aten.linalg_pinv.atol_rtol_tensor: linalg_pinv,
}
