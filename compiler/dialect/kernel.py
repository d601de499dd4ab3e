"""``kiln.kernel`` and ``kiln.yield``: the region op that fusion forms, and its terminator.

A ``kiln.kernel`` is one kernel launch. Its body is isolated from above: every value it
reads arrives as an operand and reappears as an entry block argument, and its
``kiln.yield`` names the values it produces. ``sym_name`` names the kernel and
``target`` records the target it is compiled for::

    %r = "kiln.kernel"(%x) <{operandSegmentSizes = ..., resultSegmentSizes = ...}> ({
    ^bb0(%a: tensor<8xf32>):
      %e = "kiln.exp"(%a) : (tensor<8xf32>) -> tensor<8xf32>
      "kiln.yield"(%e) <{operandSegmentSizes = ...}> : (tensor<8xf32>) -> ()
    }) {sym_name = "forward_kernel_0", target = "cpu"} : (tensor<8xf32>) -> tensor<8xf32>

IRDL binds every element of one variadic field to a single type, so a variadic field
cannot carry tensors of different shapes. Kernel operands, kernel results and yielded
values therefore use fixed numbers of optional slots (``MAX_KERNEL_INPUTS`` and
``MAX_KERNEL_RESULTS``), each with its own constraint; ``kiln-fuse`` never forms a
larger kernel. Build these ops with :func:`build_kernel` and :func:`build_yield`.
"""

import types
from typing import Any

from torch_mlir import ir
from torch_mlir.dialects.ext import Operand, Result

from .kiln import KilnOp

MAX_KERNEL_INPUTS = 16
MAX_KERNEL_RESULTS = 8


class _KernelChecks(KilnOp):
    def check(self):
        if len(self.regions[0].blocks) != 1:
            return "body must have exactly one block"
        block = self.regions[0].blocks[0]
        if [a.type for a in block.arguments] != [v.type for v in self.operands]:
            return "entry block arguments must match the operand types"
        operations = list(block.operations)
        if not operations or operations[-1].name != "kiln.yield":
            return "body must end with kiln.yield"
        if [v.type for v in operations[-1].operands] != [r.type for r in self.results]:
            return "kiln.yield operands must match the result types"
        return None


def _slots(prefix: str, kind, count: int) -> dict:
    return {f"{prefix}{i}": kind[Any] | None for i in range(count)}


def _define(class_name: str, op_name: str, fields: dict, base: type, trait, doc: str) -> type:
    defaults = {name: None for name, hint in fields.items() if hint is not Any and hint is not ir.Region}
    return types.new_class(
        class_name, (base,), {"name": op_name, "traits": [trait]},
        lambda ns: ns.update(defaults, __annotations__=fields, __doc__=doc),
    )


KernelOp = _define(
    "KernelOp", "kernel",
    {"sym_name": Any, "target": Any, **_slots("input", Operand, MAX_KERNEL_INPUTS),
     **_slots("result", Result, MAX_KERNEL_RESULTS), "body": ir.Region},
    _KernelChecks, ir.IsIsolatedFromAboveTrait, "One kernel launch: an isolated region of kiln ops.",
)
YieldOp = _define(
    "YieldOp", "yield", _slots("value", Operand, MAX_KERNEL_RESULTS), KilnOp, ir.IsTerminatorTrait,
    "Terminates a kiln.kernel body with the values the kernel produces.",
)


def _segments(used: int, slots: int) -> ir.DenseI32ArrayAttr:
    return ir.DenseI32ArrayAttr.get([1] * used + [0] * (slots - used))


def build_kernel(inputs: list[ir.Value], result_types: list[ir.Type], name: str,
                 target: str) -> ir.Operation:
    """A ``kiln.kernel`` at the current insertion point, with an empty entry block."""
    if len(inputs) > MAX_KERNEL_INPUTS or len(result_types) > MAX_KERNEL_RESULTS:
        raise ValueError(f"a kernel takes at most {MAX_KERNEL_INPUTS} inputs and "
                         f"{MAX_KERNEL_RESULTS} results")
    kernel = ir.Operation.create(
        "kiln.kernel", results=result_types, operands=inputs, regions=1,
        attributes={
            "operandSegmentSizes": _segments(len(inputs), MAX_KERNEL_INPUTS),
            "resultSegmentSizes": _segments(len(result_types), MAX_KERNEL_RESULTS),
            "sym_name": ir.StringAttr.get(name), "target": ir.StringAttr.get(target),
        },
    )
    kernel.regions[0].blocks.append(*[v.type for v in inputs])
    return kernel


def build_yield(values: list[ir.Value]) -> ir.Operation:
    """A ``kiln.yield`` of ``values`` at the current insertion point."""
    return ir.Operation.create(
        "kiln.yield", operands=values,
        attributes={"operandSegmentSizes": _segments(len(values), MAX_KERNEL_RESULTS)},
    )
