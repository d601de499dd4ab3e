"""Fixed operand and result slots for ops whose operands differ in type.

IRDL binds every element of one variadic field to a single type, so a variadic field
cannot carry tensors of different shapes. An op that needs that (``kiln.kernel``,
``kiln.yield``, ``kiln.concat``) instead declares a fixed number of optional fields,
each with its own constraint. They print as ``operandSegmentSizes`` /
``resultSegmentSizes``; build such ops with :func:`create_with_slots`.
"""

import types
from typing import Any, get_args

from torch_mlir import ir
from torch_mlir.dialects.ext import Operand, Result


def slot_fields(prefix: str, kind, count: int) -> dict:
    """``count`` optional operand (``kind=Operand``) or result fields named ``prefix<i>``."""
    return {f"{prefix}{i}": kind[Any] | None for i in range(count)}


def define_op(class_name: str, op_name: str, fields: dict, base: type, traits: list,
              doc: str) -> type:
    """An op class with ``fields`` (attributes first, then slots, then regions)."""
    defaults = {name: None for name, hint in fields.items() if type(None) in get_args(hint)}
    return types.new_class(
        class_name, (base,), {"name": op_name, "traits": traits},
        lambda ns: ns.update(defaults, __annotations__=fields, __doc__=doc),
    )


def segments(used: int, slots: int) -> ir.DenseI32ArrayAttr:
    """The segment sizes of an op that fills the first ``used`` of ``slots`` slots."""
    if used > slots:
        raise ValueError(f"{used} values do not fit in {slots} slots")
    return ir.DenseI32ArrayAttr.get([1] * used + [0] * (slots - used))


def create_with_slots(name: str, operands: list[ir.Value], operand_slots: int,
                      results: list[ir.Type], result_slots: int | None = None,
                      attributes: dict | None = None, regions: int = 0) -> ir.Operation:
    """Creates op ``name`` at the current insertion point with its segment sizes filled in."""
    attributes = dict(attributes or {})
    attributes["operandSegmentSizes"] = segments(len(operands), operand_slots)
    if result_slots is not None:
        attributes["resultSegmentSizes"] = segments(len(results), result_slots)
    return ir.Operation.create(name, results=results, operands=operands,
                               attributes=attributes, regions=regions)


__all__ = ["Operand", "Result", "create_with_slots", "define_op", "segments", "slot_fields"]
