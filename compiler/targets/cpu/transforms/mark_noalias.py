"""The ``kiln-mark-noalias`` pass: tell LLVM which kernel arguments never overlap."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.walk import collect_ops, named
from ....passes.registry import register_pass

BUFFER_ATTR = "kiln.buffer"


@register_pass
@dataclass
class KilnMarkNoalias:
    """Mark kernel arguments that share no bytes with another argument ``llvm.noalias``.

    Runs after ``kiln-plan-memory``. An argument of the host's call to a kernel is a
    state tensor, an input or an output (host arguments: outputs are fresh tensors and
    the others are only read), or a view of the arena at a planned offset. Two arena
    views overlap only where the planner shared bytes on purpose, as when an elementwise
    kernel writes in place over its input; those arguments stay unmarked. Knowing the
    rest are disjoint lets LLVM keep accumulators in registers and vectorize.

        call @k(%x, %view_at_0, %view_at_4096)  // three disjoint buffers
      gives
        func.func private @k(%a: memref<..> {llvm.noalias}, %b: ... {llvm.noalias}, ...)
    """

    argument: ClassVar[str] = "kiln-mark-noalias"

    def run(self, module: ir.Operation) -> None:
        kernels = {ir.StringAttr(op.attributes["sym_name"]).value: op
                   for op in module.regions[0].blocks[0].operations
                   if op.operation.name == "func.func" and "kiln.kernel" in op.attributes}
        calls = collect_ops(module, named("func.call"))
        with module.context:
            for call in calls:
                kernel = kernels.get(ir.FlatSymbolRefAttr(call.attributes["callee"]).value)
                if kernel is not None:
                    _mark(kernel, [_extent(v) for v in call.operands])


def _extent(value: ir.Value):
    """What ``value`` occupies: ``(offset, size)`` in the arena, else the value itself."""
    while not isinstance(value.owner, ir.Block) and value.owner.operation.name in (
            "memref.collapse_shape", "memref.expand_shape"):
        value = value.owner.operands[0]
    owner = value.owner
    if not isinstance(owner, ir.Block) and BUFFER_ATTR in owner.attributes:
        plan = ir.DictAttr(owner.attributes[BUFFER_ATTR])
        return ir.IntegerAttr(plan["offset"]).value, ir.IntegerAttr(plan["size"]).value
    return value


def _overlap(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a[0] < b[0] + b[1] and b[0] < a[0] + a[1]
    return a is b or (not isinstance(a, tuple) and not isinstance(b, tuple) and a == b)


def _mark(kernel, extents: list) -> None:
    argument_attrs = []
    for i, extent in enumerate(extents):
        disjoint = not any(_overlap(extent, other) for j, other in enumerate(extents) if j != i)
        argument_attrs.append(ir.DictAttr.get({"llvm.noalias": ir.UnitAttr.get()} if disjoint else {}))
    kernel.attributes["arg_attrs"] = ir.ArrayAttr.get(argument_attrs)
