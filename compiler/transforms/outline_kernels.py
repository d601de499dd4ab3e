"""The ``kiln-outline-kernels`` pass: each ``kiln.kernel`` region becomes a function."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import func

from ..dialect.fallback import FALLBACK_ATTRS
from ..artifacts.host_program_builder import FALLBACK_ATTR, FALLBACK_DTYPES_ATTR, TARGET_ATTR
from ..ir.walk import collect_ops, named
from ..passes.registry import register_pass


@register_pass
@dataclass
class KilnOutlineKernels:
    """Outline kiln.kernel regions into private functions called by the host function.

    Each kernel becomes ``func.func private @<sym_name>`` with the unit attribute
    ``kiln.kernel`` and its target in ``kiln.target``, so that it is compiled as its
    own unit; the host function calls the kernels in order.

    Each ``kiln.fallback`` becomes a call of a bodiless function ``@<host>_fallback_<i>``
    whose ``kiln.fallback`` attribute (the op's ``op``, ``call`` and ``reason``, the
    torch ``dtypes`` of its tensors, and how many ``inputs`` it takes) says which ATen op
    the host runs in its place.
    Its arguments are marked read-only (``bufferization.access = "read"``), so that
    bufferization neither copies them nor assumes they change.

        %r = "kiln.kernel"(%x) ({ ^bb0(%a: T): ... "kiln.yield"(%v) }) {sym_name = "k0"}
      becomes
        %r = call @k0(%x) : (T) -> T
        func.func private @k0(%a: T) -> T attributes {kiln.kernel, kiln.target = "cpu"} {
          ...
          return %v : T
        }
    """

    argument: ClassVar[str] = "kiln-outline-kernels"

    def run(self, module: ir.Operation) -> None:
        kernels = collect_ops(module, named("kiln.kernel"))
        module_body = module.regions[0].blocks[0]
        for kernel in kernels:
            _outline(kernel, module_body)
        with module.context:
            for index, fallback in enumerate(collect_ops(module, named("kiln.fallback"))):
                host = fallback.parent.attributes["sym_name"].value
                _outline_fallback(fallback, f"{host}_fallback_{index}", module_body)


def _outline(kernel: ir.Operation, module_body: ir.Block) -> None:
    body = kernel.regions[0].blocks[0]
    name = kernel.attributes["sym_name"].value
    result_types = [r.type for r in kernel.results]
    argument_types = [a.type for a in body.arguments]
    with ir.InsertionPoint(module_body), kernel.location:
        function = func.FuncOp(name, (argument_types, result_types), visibility="private")
        function.attributes["kiln.kernel"] = ir.UnitAttr.get()
        function.attributes[TARGET_ATTR] = kernel.attributes["target"]
        entry = function.add_entry_block()
    terminator = list(body.operations)[-1]
    with ir.InsertionPoint(entry), terminator.location:
        returned = func.ReturnOp(list(terminator.operands))
    for old, new in zip(body.arguments, entry.arguments):
        old.replace_all_uses_with(new)
    for op in list(body.operations)[:-1]:
        op.move_before(returned)
    with ir.InsertionPoint(kernel), kernel.location:
        call = func.CallOp(result_types, ir.FlatSymbolRefAttr.get(name), list(kernel.operands))
    for old, new in zip(kernel.results, call.results):
        old.replace_all_uses_with(new)
    kernel.erase()


def _outline_fallback(fallback: ir.Operation, name: str, module_body: ir.Block) -> None:
    argument_types = [v.type for v in fallback.operands]
    result_types = [r.type for r in fallback.results]
    described = {key: fallback.attributes[key] for key in (*FALLBACK_ATTRS, FALLBACK_DTYPES_ATTR)
                 if key in fallback.attributes}
    described["inputs"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), len(argument_types))
    with ir.InsertionPoint(module_body), fallback.location:
        function = func.FuncOp(name, (argument_types, result_types), visibility="private")
        function.attributes[FALLBACK_ATTR] = ir.DictAttr.get(described)
        read_only = ir.DictAttr.get({"bufferization.access": ir.StringAttr.get("read")})
        function.attributes["arg_attrs"] = ir.ArrayAttr.get([read_only] * len(argument_types))
    with ir.InsertionPoint(fallback), fallback.location:
        call = func.CallOp(result_types, ir.FlatSymbolRefAttr.get(name), list(fallback.operands))
    for old, new in zip(fallback.results, call.results):
        old.replace_all_uses_with(new)
    fallback.erase()
