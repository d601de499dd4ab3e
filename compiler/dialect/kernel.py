"""``kiln.kernel`` and ``kiln.yield``: the region op that fusion forms, and its terminator.

A ``kiln.kernel`` is one kernel launch. Its body is isolated from above: every value it
reads arrives as an operand and reappears as an entry block argument, and its
``kiln.yield`` names the values it produces. ``sym_name`` names the kernel and
``target`` records the target it is compiled for::

    %r = "kiln.kernel"(%x) ({
    ^bb0(%a: tensor<8xf32>):
      %e = "kiln.exp"(%a) : (tensor<8xf32>) -> tensor<8xf32>
      "kiln.yield"(%e) {operandSegmentSizes = ...} : (tensor<8xf32>) -> ()
    }) {operandSegmentSizes = ..., resultSegmentSizes = ..., sym_name = "forward_kernel_0",
        target = "cpu"} : (tensor<8xf32>) -> tensor<8xf32>

Kernel operands, results and yielded values use fixed slots (see :mod:`.slots`):
``MAX_KERNEL_INPUTS`` and ``MAX_KERNEL_RESULTS``; ``kiln-fuse`` never forms a larger
kernel. Build these ops with :func:`build_kernel` and :func:`build_yield`.
"""

from typing import Any

from torch_mlir import ir

from .kiln import KilnOp
from .slots import Operand, Result, create_with_slots, define_op, slot_fields

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


KernelOp = define_op(
    "KernelOp", "kernel",
    {"sym_name": Any, "target": Any, **slot_fields("input", Operand, MAX_KERNEL_INPUTS),
     **slot_fields("result", Result, MAX_KERNEL_RESULTS), "body": ir.Region},
    _KernelChecks, [ir.IsIsolatedFromAboveTrait], "One kernel launch: an isolated region of kiln ops.",
)
YieldOp = define_op(
    "YieldOp", "yield", slot_fields("value", Operand, MAX_KERNEL_RESULTS), KilnOp,
    [ir.IsTerminatorTrait], "Terminates a kiln.kernel body with the values the kernel produces.",
)


def build_kernel(inputs: list[ir.Value], result_types: list[ir.Type], name: str,
                 target: str) -> ir.Operation:
    """A ``kiln.kernel`` at the current insertion point, with an empty entry block."""
    kernel = create_with_slots(
        "kiln.kernel", inputs, MAX_KERNEL_INPUTS, result_types, MAX_KERNEL_RESULTS,
        {"sym_name": ir.StringAttr.get(name), "target": ir.StringAttr.get(target)}, regions=1)
    kernel.regions[0].blocks.append(*[v.type for v in inputs])
    return kernel


def build_yield(values: list[ir.Value]) -> ir.Operation:
    """A ``kiln.yield`` of ``values`` at the current insertion point."""
    return create_with_slots("kiln.yield", values, MAX_KERNEL_RESULTS, [])
