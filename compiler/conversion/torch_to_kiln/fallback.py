"""An op with no converter becomes ``kiln.fallback``: the host runs it through torch.

The torch dialect op names its ATen overload (``torch.aten.max.dim``, or
``torch.aten.gather`` for a default overload) and takes every argument of its schema
as an operand, in order. Tensor operands stay operands of ``kiln.fallback``; the others
are compile-time constants by now and are written into its ``call`` attribute as JSON.
Its ``dtypes`` attribute names the torch dtype of each operand then each result, read
from Kiln's types before ``convert-kiln-to-linalg`` makes ``ui8`` signless ``i8``: the
host program's buffers alone would not tell uint8 from int8.
"""

import json

import torch
from torch_mlir import ir
from torch_mlir.extras.fx_importer import (TORCH_DTYPE_TO_INT, TORCH_LAYOUT_TO_INT,
                                           TORCH_MEMORY_FORMAT_TO_INT)

from ...dialect.fallback import MAX_FALLBACK_INPUTS, MAX_FALLBACK_RESULTS, build_fallback
from ...ir.element_types import TORCH_DTYPES
from ...artifacts.host_program_builder import FALLBACK_DTYPES_ATTR
from .rewriter import ConversionFailure
from .types import UnsupportedTypeError, convert_vtensor, is_vtensor

# Enum arguments reach the torch dialect as ints; the runtime needs the torch objects.
_ENUMS_BY_TYPE = {
    "ScalarType": {number: dtype for dtype, number in TORCH_DTYPE_TO_INT.items()},
    "Layout": {number: layout for layout, number in TORCH_LAYOUT_TO_INT.items()},
    "MemoryFormat": {number: form for form, number in TORCH_MEMORY_FORMAT_TO_INT.items()},
}


def overload_of(op_name: str) -> torch._ops.OpOverload:
    """The ``torch.ops`` overload of a torch dialect op name such as ``torch.aten.max.dim``."""
    namespace, name, *overload = op_name.removeprefix("torch.").split(".")
    try:
        packet = getattr(getattr(torch.ops, namespace), name)
        return getattr(packet, overload[0] if overload else "default")
    except AttributeError:
        raise ConversionFailure(f"torch has no op {op_name.removeprefix('torch.')}") from None


def convert_to_fallback(rewriter, op, op_name: str, reason: str) -> list[ir.Value]:
    """Replace ``op`` (the torch dialect op ``op_name``) by a ``kiln.fallback`` that calls
    its ATen overload at run time; ``reason`` says why Kiln does not compile it.

    Raises :class:`ConversionFailure` when the host cannot run it either: an argument
    that is not known at compile time or a result that is not a statically shaped tensor.
    """
    overload = overload_of(op_name)
    arguments = overload._schema.arguments
    if len(arguments) != len(op.operands):
        raise ConversionFailure(f"{len(op.operands)} operands for the {len(arguments)} arguments "
                                f"of {overload.name()}")
    tensors: list[ir.Value] = []
    call = {"args": [], "kwargs": {}}
    for argument, operand in zip(arguments, op.operands):
        encoded = _encode(rewriter.lookup(operand), argument, tensors)
        if argument.kwarg_only:
            call["kwargs"][argument.name] = encoded
        else:
            call["args"].append(encoded)
    if len(tensors) > MAX_FALLBACK_INPUTS or len(op.results) > MAX_FALLBACK_RESULTS:
        raise ConversionFailure(f"the host runs ops of up to {MAX_FALLBACK_INPUTS} tensors and "
                                f"{MAX_FALLBACK_RESULTS} results")
    result_types = []
    for result in op.results:
        if not is_vtensor(result.type):
            raise ConversionFailure(f"the op returns {result.type}, not a tensor")
        try:
            result_types.append(convert_vtensor(result.type))
        except UnsupportedTypeError as error:
            raise ConversionFailure(str(error)) from None
    dtypes = [_dtype_name(type_) for type_ in (*(v.type for v in tensors), *result_types)]
    fallback = build_fallback(str(overload), json.dumps(call), reason, tensors, result_types)
    fallback.attributes[FALLBACK_DTYPES_ATTR] = ir.ArrayAttr.get(
        [ir.StringAttr.get(dtype) for dtype in dtypes])
    return list(fallback.results)


def _encode(value, argument, tensors: list[ir.Value]):
    """``value`` as JSON: ``{"tensor": i}`` for the i-th tensor operand, ``{"torch": name}``
    for a dtype, layout or memory format, plain JSON otherwise."""
    if isinstance(value, ir.Value):
        tensors.append(value)
        return {"tensor": len(tensors) - 1}
    if isinstance(value, list):
        return [_encode(item, argument, tensors) for item in value]
    enum = _ENUMS_BY_TYPE.get(str(argument.real_type).removeprefix("Optional[").rstrip("]"))
    if enum is not None and isinstance(value, int):
        return {"torch": str(enum[value]).removeprefix("torch.")}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ConversionFailure(f"argument '{argument.name}' is {value!r}, which the host cannot pass")


def _dtype_name(type_: ir.RankedTensorType) -> str:
    """The name of the torch dtype of a Kiln tensor type: ``tensor<4xui8>`` → ``uint8``."""
    dtype = TORCH_DTYPES.get(str(type_.element_type))
    if dtype is None:
        raise ConversionFailure(f"the host cannot pass a {type_} to torch")
    return str(dtype).removeprefix("torch.")
