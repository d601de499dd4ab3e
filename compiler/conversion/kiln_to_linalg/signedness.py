"""Unsigned tensors: ``convert-kiln-to-linalg`` turns every ``ui8`` into signless ``i8``.

MLIR's ``arith`` ops take signless integers and carry signedness in the op itself
(``divui``, ``cmpi ult``, ``extui``, ``uitofp``). So the pass first notes which values
hold unsigned elements, then retypes every ``ui8`` in the module (values, function
signatures, constants) to ``i8``; a lowering asks :func:`is_unsigned` about its op's
operands and results to pick unsigned arithmetic, and the pass tells :func:`replaced`
which value stands for a lowered op's result::

    %r = "kiln.div"(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  becomes a ``linalg.generic`` on ``tensor<4xi8>`` whose body is ``arith.divui``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
from torch_mlir import ir

from ...ir.walk import collect_ops

_UNSIGNED_VALUES: ContextVar[set | None] = ContextVar("kiln_unsigned_values", default=None)


def is_unsigned(value: ir.Value) -> bool:
    """Whether ``value`` held unsigned elements before :func:`signless_types` retyped it."""
    return value in (_UNSIGNED_VALUES.get() or ())


def replaced(old: ir.Value, new: ir.Value) -> None:
    """``new`` replaces ``old``: it is unsigned if ``old`` was."""
    unsigned = _UNSIGNED_VALUES.get()
    if unsigned is not None and old in unsigned:
        unsigned.add(new)


@contextmanager
def signless_types(module: ir.Operation) -> Iterator[None]:
    """Retype every unsigned integer in ``module`` to signless; within the block,
    :func:`is_unsigned` answers for the values that were unsigned."""
    unsigned = set()
    with module.location:
        for op in collect_ops(module, lambda _: True):
            for region in op.regions:
                for block in region.blocks:
                    unsigned.update(_retype_values(block.arguments))
            unsigned.update(_retype_values(op.results))
            _retype_attributes(op)
    token = _UNSIGNED_VALUES.set(unsigned)
    try:
        yield
    finally:
        _UNSIGNED_VALUES.reset(token)


def signless(type_: ir.Type) -> ir.Type:
    """``type_`` with an unsigned integer element (or scalar) made signless."""
    if isinstance(type_, ir.RankedTensorType):
        element = signless(type_.element_type)
        return type_ if element == type_.element_type else ir.RankedTensorType.get(
            list(type_.shape), element)
    if isinstance(type_, ir.IntegerType) and ir.IntegerType(type_).is_unsigned:
        return ir.IntegerType.get_signless(ir.IntegerType(type_).width)
    return type_


def _retype_values(values) -> list[ir.Value]:
    """Make each of ``values`` signless; return those that were unsigned."""
    changed = []
    for value in values:
        type_ = signless(value.type)
        if type_ != value.type:
            value.set_type(type_)
            changed.append(value)
    return changed


def _retype_attributes(op: ir.Operation) -> None:
    """Signless function signatures and constants (``kiln.constant``'s ``value``)."""
    if op.name == "func.func":
        function_type = ir.FunctionType(ir.TypeAttr(op.attributes["function_type"]).value)
        retyped = ir.FunctionType.get([signless(t) for t in function_type.inputs],
                                      [signless(t) for t in function_type.results])
        op.attributes["function_type"] = ir.TypeAttr.get(retyped)
    if op.name == "kiln.constant":
        value = ir.DenseElementsAttr(op.attributes["value"])
        type_ = signless(value.type)
        if type_ != value.type:
            op.attributes["value"] = _signless_elements(value, type_)


def _signless_elements(value: ir.DenseElementsAttr, type_: ir.RankedTensorType) -> ir.Attribute:
    """The same bits as ``value``, with the signless element type of ``type_``."""
    element = type_.element_type
    if value.is_splat:
        width = ir.IntegerType(element).width
        bits = ir.IntegerAttr(value.get_splat_value()).value % (1 << width)
        signed = bits - (1 << width) if bits >> (width - 1) else bits
        return ir.DenseElementsAttr.get_splat(type_, ir.IntegerAttr.get(element, signed))
    signed_dtype = np.dtype(f"i{ir.IntegerType(element).width // 8}")
    return ir.DenseElementsAttr.get(np.array(value).view(signed_dtype), type=type_)
