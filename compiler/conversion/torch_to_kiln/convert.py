"""The ``convert-torch-to-kiln`` pass."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import func

from ...diagnostics import UnsupportedOpError
from ...artifacts.host_program_builder import STATE_COUNT_ATTR
from ...passes.registry import register_pass
from . import elementwise, linear, pooling, reductions, shape, structure  # noqa: F401  (registers converters)
from .fallback import convert_to_fallback
from .registry import CONVERTERS
from .rewriter import ConversionFailure, Rewriter
from .types import UnsupportedTypeError, convert_vtensor, is_vtensor


@register_pass
@dataclass
class ConvertTorchToKiln:
    """Convert torch dialect ops on value tensors to kiln ops on builtin tensors.

    Each function is translated op by op with one converter per ATen op. Scalar
    operands (``torch.constant.*``, ``torch.prim.ListConstruct``) become attributes;
    implicit broadcasting, scalar operands and dtype promotion become explicit
    ``kiln.broadcast``, ``kiln.constant`` and ``kiln.cast`` ops.

        %r = torch.aten.add.Tensor %a, %b, %int1 : !torch.vtensor<[2,3],f32>, !torch.vtensor<[3],f32>, !torch.int -> !torch.vtensor<[2,3],f32>
      becomes
        %0 = "kiln.broadcast"(%b) {dimensions = array<i64: 1>} : (tensor<3xf32>) -> tensor<2x3xf32>
        %r = "kiln.add"(%a, %0) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>

    An op with no converter (or outside what its converter handles) fails the pass,
    which names every such op with the user's source line. With ``fallback``, it
    becomes a ``kiln.fallback`` instead, which the host runs through torch; only an op
    that the host cannot run either (an argument not known at compile time, a result
    that is not a static tensor) still fails. An ATen op on a tensor with no elements
    always becomes a ``kiln.fallback``, even without ``fallback``: it moves no data, and
    a kernel cannot take an empty buffer.
    """

    argument: ClassVar[str] = "convert-torch-to-kiln"
    fallback: bool = False

    def run(self, module: ir.Operation) -> None:
        for op in list(module.regions[0].blocks[0].operations):
            if op.operation.name == "func.func":
                with op.location:
                    _convert_function(op, self.fallback)


# Kiln's own function attributes, set before conversion, that later stages read.
KEPT_FUNCTION_ATTRS = (STATE_COUNT_ATTR,)


def _convert_function(old: func.FuncOp, fallback: bool) -> None:
    old_type = ir.FunctionType(ir.TypeAttr(old.attributes["function_type"]).value)
    try:
        inputs = [convert_vtensor(t) for t in old_type.inputs]
        results = [convert_vtensor(t) for t in old_type.results]
    except UnsupportedTypeError as error:
        raise UnsupportedOpError("the function signature", old.location, str(error)) from None
    with ir.InsertionPoint(old):
        new = func.FuncOp(old.attributes["sym_name"].value, (inputs, results))
    for name in KEPT_FUNCTION_ATTRS:
        if name in old.attributes:
            new.attributes[name] = old.attributes[name]
    old_block = old.regions[0].blocks[0]
    new_block = new.add_entry_block()
    rewriter = Rewriter()
    rewriter.values.update(zip(old_block.arguments, new_block.arguments))
    unsupported: list[UnsupportedOpError] = []
    with ir.InsertionPoint(new_block):
        for op in old_block.operations:
            _convert_op(rewriter, op, fallback, unsupported)
    if unsupported:
        raise unsupported[0].merged_with(unsupported[1:])
    _erase_unread_empty_fallbacks(new_block)
    old.operation.erase()


def _erase_unread_empty_fallbacks(block: ir.Block) -> None:
    """Drop fallbacks on empty tensors whose results nothing reads (an empty cache a
    model clones, say): fallbacks are not pure in general, so canonicalization keeps them."""
    for op in reversed(list(block.operations)):
        if (op.operation.name == "kiln.fallback"
                and op.attributes["reason"].value == ZERO_SIZE_REASON
                and all(not list(result.uses) for result in op.results)):
            op.operation.erase()


def _convert_op(rewriter: Rewriter, op, fallback: bool,
                unsupported: list[UnsupportedOpError]) -> None:
    """Convert ``op``; an op Kiln cannot convert is added to ``unsupported``, and still
    becomes a ``kiln.fallback`` when it can, so that the other ops are checked too."""
    name = op.operation.name
    if name == "torch.operator":  # an ATen op torch-mlir has no dedicated op for
        name = op.attributes["name"].value
    if name == "func.return":
        with op.location:
            func.ReturnOp([rewriter.tensor(v) for v in op.operands])
        return
    converter = CONVERTERS.get(name)
    reason = NO_CONVERTER
    if _has_zero_size_tensor(name, op):
        converter, reason = None, ZERO_SIZE_REASON
    if converter is not None:
        try:
            with op.location:
                rewriter.values.update(zip(op.results, converter(rewriter, op.operation)))
            return
        except (ConversionFailure, UnsupportedTypeError) as failure:
            reason = str(failure)
    try:
        with op.location:
            new_values = convert_to_fallback(rewriter, op.operation, name, reason)
    except ConversionFailure as failure:
        raise UnsupportedOpError(_aten_name(name), op.location,
                                 f"{reason}; the host cannot run it through torch either: "
                                 f"{failure}").merged_with(unsupported) from None
    if not fallback and reason != ZERO_SIZE_REASON:  # an empty tensor moves no data
        unsupported.append(UnsupportedOpError(
            _aten_name(name), op.location, "" if reason == NO_CONVERTER else reason))
    rewriter.values.update(zip(op.results, new_values))


NO_CONVERTER = "Kiln has no converter for it"
ZERO_SIZE_REASON = "a tensor with a zero-size dimension, which Kiln's kernels do not take"


def _has_zero_size_tensor(name: str, op) -> bool:
    """Whether ATen op ``op`` reads or makes a tensor with no elements: the host runs it
    through torch, since a kernel cannot take an empty buffer as a bare pointer."""
    if not name.startswith(("torch.aten.", "torch.prims.", "aten.", "prims.")):
        return False
    for value in [*op.operands, *op.results]:
        if is_vtensor(value.type):
            try:
                if 0 in convert_vtensor(value.type).shape:
                    return True
            except UnsupportedTypeError:
                continue
    return False


def _aten_name(op_name: str) -> str:
    return op_name.removeprefix("torch.")
