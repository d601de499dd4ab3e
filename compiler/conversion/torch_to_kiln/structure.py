"""Converters for torch's scalar constants and lists, which become Python values, and for
scalar arithmetic on them, which is evaluated at compile time."""

import math
import operator
import re

import numpy as np
from torch_mlir import ir

from .registry import converts
from .rewriter import ConversionFailure
from .types import convert_vtensor


@converts("torch.constant.int", "torch.constant.float", "torch.constant.bool",
          "torch.constant.str", "torch.constant.device")
def convert_scalar_constant(rewriter, op):
    return [op.attributes["value"].value]


@converts("torch.constant.none")
def convert_none(rewriter, op):
    return [None]


@converts("torch.prim.ListConstruct")
def convert_list(rewriter, op):
    return [[rewriter.lookup(o) for o in op.operands]]


@converts("torch.prim.ListUnpack")
def convert_list_unpack(rewriter, op):
    return list(rewriter.lookup(op.operands[0]))


@converts("torch.vtensor.literal")
def convert_tensor_literal(rewriter, op):
    """A literal's values, inline (``dense<...>``) or in a blob (``dense_resource<...>``,
    as torch-mlir imports constants of more than one element)."""
    type_ = convert_vtensor(op.results[0].type)
    value = op.attributes["value"]
    if str(value).startswith("dense_resource<"):
        array = _resource_array(value, type_)
    else:
        array = np.array(value)
    if array.shape != tuple(type_.shape):
        array = np.broadcast_to(array, tuple(type_.shape))
    return [rewriter.dense(array, type_.element_type)]


# Blob element types as numpy reads them; bf16 stays raw bits, which DenseElementsAttr takes.
_BLOB_DTYPES = {
    "f16": np.float16, "bf16": np.uint16, "f32": np.float32, "f64": np.float64,
    "i64": np.int64, "i32": np.int32, "i16": np.int16, "i8": np.int8, "ui8": np.uint8, "i1": np.bool_,
}


def _resource_array(value: ir.Attribute, type_: ir.RankedTensorType) -> np.ndarray:
    dtype = _BLOB_DTYPES[str(type_.element_type)]
    return np.frombuffer(_resource_bytes(value), dtype=dtype).reshape(type_.shape)


def _resource_bytes(value: ir.Attribute) -> bytes:
    """The data of a ``dense_resource`` blob. The Python bindings cannot read a blob, so
    it is read back from an empty module that holds the attribute, printed with its blob.
    (``np.array`` of the attribute silently gave one meaningless number.)"""
    with value.context, ir.Location.unknown():
        holder = ir.Module.create()
        holder.operation.attributes["kiln.literal"] = value
        printed = holder.operation.get_asm()
    key = re.match(r"dense_resource<(.+?)>", str(value)).group(1)
    blob = re.search(rf'^\s*{re.escape(key)}: "0x([0-9A-Fa-f]*)"', printed, re.MULTILINE)
    if blob is None:
        raise ConversionFailure(f"the data of the literal {value} is not in the module")
    return bytes.fromhex(blob.group(1))[_BLOB_ALIGNMENT_BYTES:]


# A printed blob starts with its alignment, a 32-bit integer, before the data.
_BLOB_ALIGNMENT_BYTES = 4


def _overloads(name: str, overloads: str, fn) -> dict:
    return {f"torch.aten.{name}.{overload}": fn for overload in overloads.split()}


# Scalar arithmetic, evaluated in Python: torch-mlir emits these ops on compile-time
# constants, e.g. ``aten.Int.bool`` for the fill value of ``new_ones((), dtype=torch.bool)``.
SCALAR_OPS = {
    **_overloads("add", "int float float_int", operator.add),
    **_overloads("sub", "int float", operator.sub),
    **_overloads("mul", "int float float_int int_float", operator.mul),
    **_overloads("div", "int float", operator.truediv),
    **_overloads("floordiv", "int", operator.floordiv),
    **_overloads("remainder", "int", operator.mod),
    **_overloads("neg", "int float", operator.neg),
    **_overloads("sqrt", "int", lambda a: math.sqrt(a) if a >= 0 else math.nan),
    **_overloads("ceil", "float", math.ceil),
    **_overloads("Int", "bool float Scalar", int),
    **_overloads("Float", "Scalar", float),
    **_overloads("Bool", "int float", bool),
    **_overloads("__and__", "bool", operator.and_),
    **_overloads("__or__", "bool", operator.or_),
    **_overloads("eq", "int float bool", operator.eq),
    **_overloads("ne", "int float_int bool", operator.ne),
    **_overloads("lt", "int float float_int", operator.lt),
    **_overloads("le", "int", operator.le),
    **_overloads("gt", "int float float_int", operator.gt),
    **_overloads("ge", "int float float_int", operator.ge),
    "torch.prim.abs.Scalar": abs,
    "torch.prim.max.int": max,
    "torch.prim.min.int": min,
}


@converts(*SCALAR_OPS)
def convert_scalar_op(rewriter, op):
    """A scalar op on constants folds to its Python value; on a runtime value it fails."""
    operands = [rewriter.constant(o) for o in op.operands]
    try:
        return [SCALAR_OPS[op.name](*operands)]
    except ZeroDivisionError:
        raise ConversionFailure(f"division by zero in {operands}") from None
