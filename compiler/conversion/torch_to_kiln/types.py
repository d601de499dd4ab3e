"""Maps torch-mlir's ``!torch.vtensor`` types and scalar dtypes to builtin MLIR types."""

import re

import torch
from torch_mlir import ir

from ...ir.element_types import TORCH_DTYPES

_VTENSOR = re.compile(r"^!torch\.vtensor<\[([^\]]*)\],(\w+)>$")

TORCH_ELEMENT_TYPES = {
    "f16": "f16", "bf16": "bf16", "f32": "f32", "f64": "f64",
    "si64": "i64", "si32": "i32", "si16": "i16", "si8": "i8", "ui8": "ui8", "i1": "i1",
}

MLIR_ELEMENT_NAMES = {dtype: name for name, dtype in TORCH_DTYPES.items()}


class UnsupportedTypeError(ValueError):
    """A torch type Kiln cannot represent (dynamic dims; unsigned dtypes other than uint8; complex dtypes)."""


def is_vtensor(type_: ir.Type) -> bool:
    return str(type_).startswith("!torch.vtensor")


def convert_vtensor(type_: ir.Type) -> ir.RankedTensorType:
    """``!torch.vtensor<[2,3],f32>`` → ``tensor<2x3xf32>``."""
    match = _VTENSOR.match(str(type_))
    if not match:
        raise UnsupportedTypeError(f"{type_} has no static shape and dtype")
    dims, element = match.groups()
    if "?" in dims:
        raise UnsupportedTypeError(f"{type_} has a dynamic dimension")
    if element not in TORCH_ELEMENT_TYPES:
        raise UnsupportedTypeError(f"element type {element} in {type_}")
    shape = [int(d) for d in dims.split(",")] if dims else []
    return ir.RankedTensorType.get(shape, ir.Type.parse(TORCH_ELEMENT_TYPES[element]))


def element_type_for(dtype: torch.dtype) -> ir.Type:
    if dtype not in MLIR_ELEMENT_NAMES:
        raise UnsupportedTypeError(f"dtype {dtype}")
    return ir.Type.parse(MLIR_ELEMENT_NAMES[dtype])

