"""``kiln.fallback``: an ATen op that Kiln does not compile, run through torch by the host.

``convert-torch-to-kiln`` emits it for an op with no converter (unless asked to be
strict). ``kiln-fuse`` leaves it in the host function, between kernels, and
``kiln-outline-kernels`` turns it into a call of a bodiless function that the runtime
implements by calling the ATen op on the arena's tensors::

    %r = "kiln.fallback"(%x, %i) {op = "aten.gather.default",
        call = "{\"args\": [{\"tensor\": 0}, 1, {\"tensor\": 1}], \"kwargs\": {}}",
        reason = "no converter", operandSegmentSizes = ..., resultSegmentSizes = ...}
        : (tensor<4x8xf32>, tensor<4x3xi64>) -> tensor<4x3xf32>

``op`` is the ``torch.ops`` overload; ``call`` is its argument list as JSON, where
``{"tensor": i}`` stands for operand ``i`` (see :mod:`kiln.runtime.fallback`); ``reason``
says why Kiln did not compile the op. ``dtypes``, which conversion adds, names the torch
dtype of each operand, then each result: after ``ui8`` is lowered to signless ``i8``,
the buffers alone would not tell uint8 from int8, so the host program requires it.
Operands and results use fixed slots (see :mod:`.slots`).
"""

from typing import Any

from torch_mlir import ir

from .kiln import KilnOp
from .slots import Operand, Result, create_with_slots, define_op, slot_fields

MAX_FALLBACK_INPUTS = 16
MAX_FALLBACK_RESULTS = 8
FALLBACK_ATTRS = ("op", "call", "reason")


class _FallbackChecks(KilnOp):
    def check(self):
        for name in FALLBACK_ATTRS:
            self.str_attr(name)
        if "dtypes" not in self.attributes:
            return None
        dtypes = self.attributes["dtypes"]
        tensors = len(self.operands) + len(self.results)
        if not isinstance(dtypes, ir.ArrayAttr) or len(dtypes) != tensors or not all(
                isinstance(d, ir.StringAttr) for d in dtypes):
            return f"expects 'dtypes' to be an array of {tensors} strings, got {dtypes}"
        return None


FallbackOp = define_op(
    "FallbackOp", "fallback",
    {**{name: Any for name in FALLBACK_ATTRS},
     **slot_fields("input", Operand, MAX_FALLBACK_INPUTS),
     **slot_fields("result", Result, MAX_FALLBACK_RESULTS)},
    _FallbackChecks, [], "An ATen op run through torch by the host, between kernels.",
)


def build_fallback(op: str, call: str, reason: str, inputs: list[ir.Value],
                   result_types: list[ir.Type]) -> ir.Operation:
    """A ``kiln.fallback`` at the current insertion point."""
    attributes = {"op": ir.StringAttr.get(op), "call": ir.StringAttr.get(call),
                  "reason": ir.StringAttr.get(reason)}
    return create_with_slots("kiln.fallback", inputs, MAX_FALLBACK_INPUTS, result_types,
                             MAX_FALLBACK_RESULTS, attributes)
