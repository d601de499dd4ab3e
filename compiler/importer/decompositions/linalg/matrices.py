"""What the unrolled linear algebra decompositions share: the size cap, the working
precision, and masks built from index comparisons."""

import torch

# Each decomposition unrolls its algorithm over the matrix dimension, a few batched
# tensor ops per step, so the graph grows with the size; larger matrices are refused.
MAX_UNROLLED_SIZE = 32
REAL_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def unrollable(*tensors: torch.Tensor) -> bool:
    """Whether the tensors are real floating matrices small enough to unroll over.

    Empty ones are not: the host runs ops on tensors with no elements.
    """
    return all(t.dtype in REAL_DTYPES and t.dim() >= 2 and t.numel() > 0
               and max(t.shape[-2:]) <= MAX_UNROLLED_SIZE for t in tensors)


def widened(x: torch.Tensor) -> torch.Tensor:
    """``x`` in float64, the working precision.

    The factorizations run in float64 and round once at the end, so their results are
    the exact ones rounded, within what any float32 implementation (LAPACK's included)
    can be compared against.
    """
    return x.to(torch.float64)


def row_index(x: torch.Tensor, dim: int = -2) -> torch.Tensor:
    """The index along ``dim`` of ``x``, shaped to broadcast against its last two dims."""
    size = x.shape[dim]
    index = torch.arange(size, device=x.device)
    return index.unsqueeze(-1) if dim == -2 else index


def identity(size: int, like: torch.Tensor) -> torch.Tensor:
    """The ``size`` × ``size`` identity in ``like``'s dtype, from an index comparison."""
    index = torch.arange(size, device=like.device)
    return (index.unsqueeze(-1) == index).to(like.dtype)


def swap_rows(a: torch.Tensor, i: int, other: torch.Tensor) -> torch.Tensor:
    """``a`` with row ``i`` and row ``other`` (a ``(..., 1, 1)`` index per matrix) swapped."""
    index = torch.arange(a.shape[-2], device=a.device).unsqueeze(-1)
    swapped = torch.where(index == i, other, torch.where(index == other, i, index))
    return torch.gather(a, -2, swapped.expand(a.shape))


def record_failure(info: torch.Tensor, failed: torch.Tensor, step: int) -> torch.Tensor:
    """LAPACK's ``info``: the first (1-based) step that failed, or 0 if none has."""
    return torch.where((info == 0) & failed, step + 1, info)


def matrix_batch(*matrices: torch.Tensor) -> tuple:
    """The broadcast batch shape of the matrices (all dims but the last two)."""
    return torch.broadcast_shapes(*(m.shape[:-2] for m in matrices))
