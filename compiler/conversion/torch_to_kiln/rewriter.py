"""State of one function's conversion, and helpers that emit explicit kiln ops.

Torch ops broadcast implicitly, mix tensors with Python scalars and promote dtypes;
kiln ops do none of that. The helpers here make each of those steps an explicit
``kiln.broadcast``, ``kiln.constant`` or ``kiln.cast``.
"""

import numpy as np
import torch
from torch_mlir import ir

from ...dialect import kiln
from ...ir.element_types import dtype_of
from .types import convert_vtensor, element_type_for, is_vtensor


Scalar = bool | int | float


class ConversionFailure(Exception):
    """Raised by a converter when an op's operands are outside what it handles."""


class Rewriter:
    """Maps torch values to kiln values or Python constants, and builds kiln ops."""

    def __init__(self):
        self.values: dict = {}

    # --- looking up operands -------------------------------------------------------

    def lookup(self, value: ir.Value):
        return self.values[value]

    def tensor(self, value: ir.Value) -> ir.Value:
        converted = self.values[value]
        if not isinstance(converted, ir.Value):
            raise ConversionFailure(f"expected a tensor operand, got the constant {converted!r}")
        return converted

    def constant(self, value: ir.Value):
        converted = self.values[value]
        if isinstance(converted, ir.Value):
            raise ConversionFailure("expected a constant operand, got a runtime value")
        return converted

    def result_type(self, op, index: int = 0) -> ir.RankedTensorType:
        return convert_vtensor(op.results[index].type)

    # --- emitting explicit kiln ops ------------------------------------------------

    def splat(self, scalar: Scalar, type_: ir.RankedTensorType) -> ir.Value:
        element = type_.element_type
        if isinstance(element, ir.FloatType):
            attr_value = ir.FloatAttr.get(element, float(scalar))
        else:
            attr_value = ir.IntegerAttr.get(element, int(scalar))
        return _constant(ir.DenseElementsAttr.get_splat(type_, attr_value), type_)

    def dense(self, array: np.ndarray, element_type: ir.Type) -> ir.Value:
        type_ = ir.RankedTensorType.get(list(array.shape), element_type)
        if str(element_type) == "i1":
            # The bindings pack a numpy bool array themselves; bits packed beforehand
            # read as a splat, or fail to match the shape.
            array = array.astype(np.bool_)
        attr = ir.DenseElementsAttr.get(np.ascontiguousarray(array), type=type_)
        return _constant(attr, type_)

    def cast(self, value: ir.Value, element_type: ir.Type) -> ir.Value:
        type_ = value.type
        if type_.element_type == element_type:
            return value
        result = ir.RankedTensorType.get(type_.shape, element_type)
        return kiln.CastOp(value, result).result

    def broadcast_to(self, value: ir.Value, shape: list[int]) -> ir.Value:
        """NumPy-style broadcast: align trailing dimensions, expand size-1 ones."""
        source = list(value.type.shape)
        if source == list(shape):
            return value
        if not source:
            # An empty `dimensions` array is falsy, and the op builder drops it.
            value, source = self.reshape(value, [1]), [1]
        offset = len(shape) - len(source)
        dims = [offset + i for i in range(len(source))]
        result = ir.RankedTensorType.get(list(shape), value.type.element_type)
        return kiln.BroadcastOp(value, i64_array(dims), result).result

    def reshape(self, value: ir.Value, shape: list[int]) -> ir.Value:
        if list(value.type.shape) == list(shape):
            return value
        result = ir.RankedTensorType.get(list(shape), value.type.element_type)
        return kiln.ReshapeOp(value, result).result

    def operand_as(self, operand: ir.Value, type_: ir.RankedTensorType) -> ir.Value:
        """A torch operand (tensor or scalar) as a kiln tensor of exactly ``type_``."""
        converted = self.values[operand]
        if not isinstance(converted, ir.Value):
            return self.splat(converted, type_)
        converted = self.cast(converted, type_.element_type)
        return self.broadcast_to(converted, list(type_.shape))


def _constant(value: ir.DenseElementsAttr, type_: ir.RankedTensorType) -> ir.Value:
    # The op builder drops a falsy attribute, and the value of a zero-size tensor is empty.
    return ir.Operation.create("kiln.constant", results=[type_], attributes={"value": value}).result


def i64_array(values) -> ir.DenseI64ArrayAttr:
    return ir.DenseI64ArrayAttr.get([int(v) for v in values])


def i64_attr(value: int) -> ir.IntegerAttr:
    return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), int(value))


def normalize_dim(dim: int, rank: int) -> int:
    return dim + rank if dim < 0 else dim


def promoted_element_type(rewriter: Rewriter, operands) -> ir.Type:
    """The element type torch would compute a comparison of ``operands`` in."""

    tensors = [rewriter.lookup(o) for o in operands]
    dtypes = [dtype_of(t.type.element_type) for t in tensors if isinstance(t, ir.Value)]
    dtype = dtypes[0]
    for other in dtypes[1:]:
        dtype = torch.promote_types(dtype, other)
    if not dtype.is_floating_point and any(isinstance(t, float) for t in tensors):
        dtype = torch.get_default_dtype()
    return element_type_for(dtype)


__all__ = [
    "ConversionFailure", "Rewriter", "i64_array", "i64_attr", "is_vtensor", "normalize_dim",
    "promoted_element_type",
]
