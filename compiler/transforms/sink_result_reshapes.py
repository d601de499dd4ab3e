"""The ``kiln-sink-result-reshapes`` pass: a kernel returns values, each once, and the
host reshapes them."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import func

from ..ir.walk import collect_ops, named
from ..passes.registry import register_pass

RESHAPES = ("tensor.collapse_shape", "tensor.expand_shape")


@register_pass
@dataclass
class KilnSinkResultReshapes:
    """Move reshapes of kernel results into the host; a kernel returns each value once.

    A reshape is free in the host (the runtime aliases the buffer), but a kernel that
    returns one cannot write its result straight into the caller's buffer: after
    bufferization it would fill a scratch buffer and copy it out. So a kernel that
    returns ``tensor.collapse_shape``/``tensor.expand_shape`` of a value it computed
    returns the value itself, and each call site applies the reshape.

        func.func private @k(...) -> tensor<32x8xf32> attributes {kiln.kernel} {
          %v = linalg.generic ... -> tensor<4x8x8xf32>
          %r = tensor.collapse_shape %v [[0, 1], [2]] : ... into tensor<32x8xf32>
          return %r
        }
      becomes
        func.func private @k(...) -> tensor<4x8x8xf32> ... { ...; return %v }
        // at the call: %c = call @k(...); %r = tensor.collapse_shape %c [[0, 1], [2]]

    A kernel that returns one value twice (``where(c, v, v)`` folds to ``v``, beside
    ``v`` itself; or ``v`` beside a reshape of ``v`` that moved out) returns it once, and
    the call's uses of the repeat read the first result instead: bufferization turns
    every returned buffer into an out-parameter, and upstream
    ``buffer-results-to-out-params`` crashes on a buffer returned twice.

        func.func private @k(...) -> (T, T) { ...; return %v, %v }
      becomes
        func.func private @k(...) -> T { ...; return %v }
        // at the call: %c = call @k(...), and every use of the second result uses %c
    """

    argument: ClassVar[str] = "kiln-sink-result-reshapes"

    def run(self, module: ir.Operation) -> None:
        functions = [op for op in module.regions[0].blocks[0].operations
                     if op.operation.name == "func.func"]
        kernels = {ir.StringAttr(op.attributes["sym_name"]).value: op
                   for op in functions if "kiln.kernel" in op.attributes
                   and len(op.regions[0].blocks)}  # a declaration has no body to change
        calls = {}
        for call in collect_ops(module, named("func.call")):
            calls.setdefault(ir.FlatSymbolRefAttr(call.attributes["callee"]).value, []).append(call)
        with module.context:
            for name, kernel in kernels.items():
                _sink(kernel, calls.get(name, []))
                _return_each_value_once(kernel, calls.get(name, []))


def _sink(kernel, calls: list) -> None:
    block = kernel.regions[0].blocks[0]
    terminator = list(block.operations)[-1]
    returned = list(terminator.operands)
    for index, value in enumerate(returned):
        reshape = value.owner
        if isinstance(reshape, ir.Block) or reshape.operation.name not in RESHAPES:
            continue
        source = reshape.operands[0]
        if isinstance(source.owner, ir.Block):
            continue  # returning an argument would need a copy
        terminator.operands[index] = source
        returned[index] = source
        for call in calls:
            _reshape_after(call, index, reshape)
        if not len(list(reshape.results[0].uses)):
            reshape.erase()
    _set_result_types(kernel, [v.type for v in returned])


def _set_result_types(kernel, result_types: list) -> None:
    function_type = ir.FunctionType(ir.TypeAttr(kernel.attributes["function_type"]).value)
    kernel.attributes["function_type"] = ir.TypeAttr.get(
        ir.FunctionType.get(function_type.inputs, result_types))


def _reshape_after(call, index: int, reshape) -> None:
    """Gives result ``index`` of ``call`` the type before ``reshape`` and reshapes it after."""
    result = call.results[index]
    users = [(use.owner, use.operand_number) for use in result.uses]
    result.set_type(reshape.operands[0].type)
    with ir.InsertionPoint.after(call), call.location:
        moved = reshape.operation.clone()
    moved.operands[0] = result
    for user, position in users:
        user.operands[position] = moved.results[0]


def _return_each_value_once(kernel, calls: list) -> None:
    """Drops repeated values from the kernel's return; calls read the first copy instead."""
    terminator = list(kernel.regions[0].blocks[0].operations)[-1]
    returned = list(terminator.operands)
    unique = []
    first_position = []  # for each returned value, its position among the unique ones
    for value in returned:
        if value not in unique:
            unique.append(value)
        first_position.append(unique.index(value))
    if len(unique) == len(returned):
        return
    with terminator.location, ir.InsertionPoint(terminator):
        func.ReturnOp(unique)
    terminator.erase()
    _set_result_types(kernel, [v.type for v in unique])
    for call in calls:
        _call_with_unique_results(call, [v.type for v in unique], first_position)


def _call_with_unique_results(call, result_types: list, first_position: list) -> None:
    with call.location, ir.InsertionPoint(call):
        replacement = func.CallOp(result_types, call.attributes["callee"], list(call.operands))
    for old, position in zip(call.results, first_position):
        old.replace_all_uses_with(replacement.results[position])
    call.erase()
