"""The builtin MLIR element types that Kiln's tensors use, and their torch dtypes.

Signed integers are signless (``i8`` is int8), as torch-mlir's conversions make them;
``ui8`` is uint8 up to ``convert-kiln-to-linalg``, which lowers it to ``i8`` with
unsigned arithmetic (see ``kiln_to_linalg.signedness``).
"""

import torch
from torch_mlir import ir

TORCH_DTYPES = {
    "f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32, "f64": torch.float64,
    "i64": torch.int64, "i32": torch.int32, "i16": torch.int16, "i8": torch.int8,
    "ui8": torch.uint8, "i1": torch.bool,
}


def dtype_of(element_type: ir.Type) -> torch.dtype:
    """The torch dtype of a tensor or memref with elements of ``element_type``."""
    return TORCH_DTYPES[str(element_type)]
