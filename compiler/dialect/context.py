"""Creates MLIR contexts with every dialect Kiln's stages need."""

from torch_mlir import ir
from torch_mlir.dialects import torch as torch_dialect

from .kiln import Kiln


def make_context() -> ir.Context:
    """A new context with upstream dialects, torch-mlir's ``torch`` and Kiln's ``kiln``."""
    context = ir.Context()
    torch_dialect.register_dialect(context)
    with context:
        Kiln.load()
    return context
