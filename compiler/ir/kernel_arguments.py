"""Growing a kernel's signature: trailing arguments that every host call passes."""

from collections.abc import Callable

from torch_mlir import ir
from torch_mlir.dialects import func


def append_kernel_arguments(kernel, arguments: list[tuple[ir.Type, ir.Location]],
                            calls: list[ir.Operation],
                            operands_for: Callable[[ir.Operation], list[ir.Value]]
                            ) -> list[ir.BlockArgument]:
    """Add ``arguments`` (type, location) after the kernel's own and return them.

    Each of ``calls`` is rebuilt with ``operands_for(call)`` as its new trailing operands;
    that runs with the insertion point before the call, so what it builds comes first.
    ``calls`` is updated in place to the rebuilt calls.
    """
    block = kernel.regions[0].blocks[0]
    added = [block.add_argument(kind, location) for kind, location in arguments]
    function_type = ir.FunctionType(ir.TypeAttr(kernel.attributes["function_type"]).value)
    kernel.attributes["function_type"] = ir.TypeAttr.get(ir.FunctionType.get(
        [argument.type for argument in block.arguments], function_type.results))
    for index, call in enumerate(calls):
        with ir.InsertionPoint(call), call.location:
            calls[index] = func.CallOp(
                list(function_type.results), ir.FlatSymbolRefAttr(call.attributes["callee"]).value,
                [*call.operands, *operands_for(call)])
        call.erase()
    return added
