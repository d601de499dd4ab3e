"""The ``convert-kiln-to-linalg`` pass."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ...diagnostics import UnsupportedOpError
from ...ir.walk import collect_ops
from ...passes.registry import register_pass
from . import data_movement, elementwise, structured  # noqa: F401  (registers lowerings)
from .registry import LOWERINGS
from .signedness import replaced, signless_types

# Kept: kiln-outline-kernels turns these into functions and calls.
KERNEL_STRUCTURE_OPS = ("kiln.kernel", "kiln.yield", "kiln.fallback")


@register_pass
@dataclass
class ConvertKilnToLinalg:
    """Lower kiln ops to linalg, tensor, arith and math ops on tensors.

    Ops inside ``kiln.kernel`` regions are lowered in place; the kernels stay, and so
    do the host's ``kiln.fallback`` ops.
    Elementwise ops, broadcasts, reductions, gathers and convolutions become
    ``linalg.generic``; matmuls become ``linalg.matmul``/``linalg.batch_matmul``;
    slices, concats and pads become ``tensor.extract_slice``/``tensor.insert_slice``.
    Unsigned (``ui8``) tensors become signless ``i8`` ones whose arithmetic is unsigned
    (``signedness``).

        %r = "kiln.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
      becomes
        %e = tensor.empty() : tensor<4xf32>
        %r = linalg.generic {... iterator_types = ["parallel"]} ins(%x) outs(%e) {
          ^bb0(%in: f32, %out: f32):
            %0 = math.exp %in : f32
            linalg.yield %0 : f32
        } -> tensor<4xf32>
    """

    argument: ClassVar[str] = "convert-kiln-to-linalg"

    def run(self, module: ir.Operation) -> None:
        kiln_ops = collect_ops(module, lambda op: op.name.startswith("kiln.")
                               and op.name not in KERNEL_STRUCTURE_OPS)
        with signless_types(module):
            self.lower(kiln_ops)

    def lower(self, kiln_ops: list[ir.Operation]) -> None:
        """Replace each of ``kiln_ops`` by its lowering."""
        for op in kiln_ops:
            lowering = LOWERINGS.get(op.name)
            if lowering is None:
                raise UnsupportedOpError(op.name, op.location, "no lowering to linalg")
            with ir.InsertionPoint(op), op.location:
                replacement = lowering(op)
            if not isinstance(replacement, ir.Value):  # some linalg builders return the op
                replacement = replacement.results[0] if hasattr(replacement, "results") else replacement[0]
            replaced(op.results[0], replacement)
            op.results[0].replace_all_uses_with(replacement)
            op.erase()
