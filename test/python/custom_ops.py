"""Custom ops (``torch.library``) that Kiln will never compile: the tests' fallback ops.

Kiln runs any op it has no converter for through torch, custom ops included; unlike an
ATen op, these stay unsupported however far Kiln's own coverage grows.
"""

import torch


@torch.library.custom_op("kiln_test::reverse_rows", mutates_args=())
def reverse_rows(x: torch.Tensor) -> torch.Tensor:
    """``x`` with its first dimension reversed."""
    return x.flip(0)


@reverse_rows.register_fake
def _(x):
    return torch.empty_like(x)


@torch.library.custom_op("kiln_test::running_max", mutates_args=())
def running_max(x: torch.Tensor, dim: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """The running maximum along ``dim`` as ``dtype``, and where each was found."""
    values, indices = torch.cummax(x, dim)
    return values.to(dtype), indices


@running_max.register_fake
def _(x, dim, dtype):
    return torch.empty_like(x, dtype=dtype), torch.empty_like(x, dtype=torch.long)
