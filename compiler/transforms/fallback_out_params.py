"""The ``kiln-fallback-out-params`` pass: fallback results become buffers the host passes."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import func, memref

from ..artifacts.host_program_builder import FALLBACK_ATTR
from ..ir.walk import collect_ops, named
from ..passes.registry import register_pass

ALIGNMENT = 64


@register_pass
@dataclass
class KilnFallbackOutParams:
    """Give each call of a fallback function a buffer per result instead of results.

    Bufferization leaves a call of a bodiless function returning new memrefs (it cannot
    know that the function allocates them), and ``buffer-results-to-out-params`` leaves
    declarations alone. Here the host allocates each result before the call, as for a
    kernel, so that ``kiln-plan-memory`` can place it in the arena::

        %r = call @forward_fallback_0(%x) : (memref<4xf32>) -> memref<4xf32>
      becomes
        %r = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
        call @forward_fallback_0(%x, %r) : (memref<4xf32>, memref<4xf32>) -> ()
    """

    argument: ClassVar[str] = "kiln-fallback-out-params"

    def run(self, module: ir.Operation) -> None:
        fallbacks = {op.attributes["sym_name"].value: op
                     for op in module.regions[0].blocks[0].operations
                     if op.operation.name == "func.func" and FALLBACK_ATTR in op.attributes}
        with module.context:
            for call in collect_ops(module, named("func.call")):
                callee = ir.FlatSymbolRefAttr(call.attributes["callee"]).value
                if callee in fallbacks and len(call.results):
                    _pass_results_as_buffers(call)
            for declaration in fallbacks.values():
                _append_results_to_arguments(declaration)


def _pass_results_as_buffers(call: ir.Operation) -> None:
    with ir.InsertionPoint(call), call.location:
        buffers = [memref.AllocOp(r.type, [], [], alignment=ALIGNMENT).result for r in call.results]
        func.CallOp([], call.attributes["callee"], [*call.operands, *buffers])
    for result, buffer in zip(call.results, buffers):
        result.replace_all_uses_with(buffer)
    call.erase()


def _append_results_to_arguments(declaration: ir.Operation) -> None:
    kind = ir.FunctionType(ir.TypeAttr(declaration.attributes["function_type"]).value)
    if not kind.results:
        return
    declaration.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get([*kind.inputs, *kind.results], []))
    if "arg_attrs" in declaration.attributes:
        written = [ir.DictAttr.get({})] * len(kind.results)
        declaration.attributes["arg_attrs"] = ir.ArrayAttr.get(
            [*ir.ArrayAttr(declaration.attributes["arg_attrs"]), *written])
