"""``torch.fft`` as discrete Fourier transforms: products with cos/sin matrices.

Each transformed dimension of length ``n`` is multiplied by the ``n × n`` matrices
``cos(2π jk / n)`` and ``sin(2π jk / n)``, whose angles are reduced exactly (``jk mod n``
in integers) before scaling by ``2π / n``. The products run in float64 and round once to
the result's dtype, so the result is at least as accurate as eager's float32 FFT. This
costs ``O(n²)`` per transform instead of an FFT's ``O(n log n)``: fine for the short
transforms of spectrogram front ends and small models, and refused past
:data:`MAX_TRANSFORM_LENGTH`.
"""

import math

import torch

from ..diagnostics import FrontendError
from .complex_ops import Complex, pack, real_dtype, rule

aten = torch.ops.aten

# The two float64 matrices of a transform this long take 2 × 32 MiB.
MAX_TRANSFORM_LENGTH = 2048
# Eager's ``normalization`` argument: 0 none, 1 by 1/√n, 2 by 1/n.
_BY_ROOT_N, _BY_N = 1, 2


@rule(aten._fft_r2c.default)
def _fft_r2c(out, x, dims, normalization, onesided):
    """Forward transform of a real tensor; ``onesided`` keeps the first ``n // 2 + 1``
    frequencies of the last transformed dimension (the rest mirror them)."""
    re, im = x.to(torch.float64), None
    last = dims[-1] % x.dim()
    re, im = _transform(re, im, last, forward=True, frequencies=out.shape[last])
    for dim in dims[:-1]:
        re, im = _transform(re, im, dim % x.dim(), forward=True)
    scale = _scale(normalization, [x.shape[d] for d in dims])
    return _result(out, re * scale, im * scale)


@rule(aten._fft_c2c.default)
def _fft_c2c(out, z, dims, normalization, forward):
    """Forward or inverse transform of a complex tensor over ``dims``."""
    re, im = z.re.to(torch.float64), z.im.to(torch.float64)
    for dim in dims:
        re, im = _transform(re, im, dim % z.rank, forward=forward)
    scale = _scale(normalization, [z.real_view.shape[d % z.rank] for d in dims])
    return _result(out, re * scale, im * scale)


@rule(aten._fft_c2r.default)
def _fft_c2r(out, z, dims, normalization, last_dim_size):
    """Inverse transform to a real tensor whose last transformed dimension has
    ``last_dim_size`` elements, from the first ``last_dim_size // 2 + 1`` frequencies of
    a Hermitian-symmetric spectrum."""
    re, im = z.re.to(torch.float64), z.im.to(torch.float64)
    for dim in dims[:-1]:
        re, im = _transform(re, im, dim % z.rank, forward=False)
    result = _hermitian_inverse(re, im, dims[-1] % z.rank, last_dim_size)
    scale = _scale(normalization, [out.shape[d % z.rank] for d in dims])
    return (result * scale).to(out.dtype)


def _transform(re, im, dim, forward, frequencies=None):
    """The components of ``Σ_j z[j] · exp(∓2πi jk / n)`` along ``dim``, for the first
    ``frequencies`` values of ``k`` (all ``n`` by default); ``im`` None is zero."""
    n = re.shape[dim]
    cos, sin = _twiddles(n, frequencies or n, n)
    sign = -1.0 if forward else 1.0
    re, im = re.movedim(dim, -1), im.movedim(dim, -1) if im is not None else None
    # (re + i·im)(cos + i·sign·sin), summed over j
    out_re = _times(re, cos.mT)
    out_im = sign * _times(re, sin.mT)
    if im is not None:
        out_re = out_re - sign * _times(im, sin.mT)
        out_im = out_im + _times(im, cos.mT)
    return out_re.movedim(-1, dim), out_im.movedim(-1, dim)


def _hermitian_inverse(re, im, dim, n):
    """``Σ_k w_k (Re X_k cos(2π jk / n) − Im X_k sin(2π jk / n))`` along ``dim``: the real
    inverse transform of a spectrum whose frequencies past ``n // 2`` mirror the first
    ones, each of which therefore counts twice (``w_k = 2``) except 0 and ``n / 2``."""
    kept = min(re.shape[dim], n // 2 + 1)
    re, im = re.narrow(dim, 0, kept).movedim(dim, -1), im.narrow(dim, 0, kept).movedim(dim, -1)
    cos, sin = _twiddles(n, n, kept)
    counted_once = {0, n // 2} if n % 2 == 0 else {0}
    weights = torch.tensor([1.0 if k in counted_once else 2.0 for k in range(kept)],
                           dtype=torch.float64)
    result = _times(re * weights, cos.mT) - _times(im * weights, sin.mT)
    return result.movedim(-1, dim)


def _times(rows: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """``rows @ matrix``; a vector goes as one row, since ``matmul`` squeezes a vector's
    product in place."""
    return (rows.unsqueeze(0) @ matrix).squeeze(0) if rows.dim() == 1 else rows @ matrix


def _twiddles(n: int, rows: int, columns: int):
    """``cos`` and ``sin`` of ``2π jk / n`` for ``j < rows`` and ``k < columns``, in float64."""
    if n > MAX_TRANSFORM_LENGTH:
        raise FrontendError(
            f"a Fourier transform of length {n} is longer than Kiln's {MAX_TRANSFORM_LENGTH}: "
            "Kiln computes transforms as products with cos/sin matrices, O(n²); keep this "
            "transform in eager PyTorch")
    j = torch.arange(rows, dtype=torch.int64).unsqueeze(-1)
    k = torch.arange(columns, dtype=torch.int64)
    angle = ((j * k) % n).to(torch.float64) * (2 * math.pi / n)
    return torch.cos(angle), torch.sin(angle)


def _scale(normalization: int, lengths: list[int]) -> float:
    signal = math.prod(lengths)
    if normalization == _BY_ROOT_N:
        return 1 / math.sqrt(signal)
    return 1 / signal if normalization == _BY_N else 1.0


def _result(out, re, im) -> Complex:
    dtype = real_dtype(out)
    return pack(re.to(dtype), im.to(dtype), out.shape)

