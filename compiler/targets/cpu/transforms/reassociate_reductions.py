"""The ``kiln-reassociate-reductions`` pass: let LLVM reorder floating-point reductions."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.walk import collect_ops
from ....ir.linalg_queries import reduction_dims
from ....passes.registry import register_pass

FLOAT_COMBINERS = ("arith.addf", "arith.mulf", "arith.maximumf", "arith.minimumf")


@register_pass
@dataclass
class KilnReassociateReductions:
    """Allow reassociation of the float arithmetic in linalg reductions.

    Strict IEEE order forces a sum, a max or a matmul's dot product to run one element
    at a time. With ``fastmath<reassoc, contract>`` on the arithmetic of every
    ``linalg.generic`` that has a reduction iterator, LLVM may split the accumulation
    into vector lanes and fuse multiply-adds, as eager PyTorch's kernels do. Results
    differ from strict order only by rounding (a few ulps for fp32 sums).

        %s = arith.addf %acc, %x : f32
      becomes
        %s = arith.addf %acc, %x fastmath<reassoc,contract> : f32
    """

    argument: ClassVar[str] = "kiln-reassociate-reductions"

    def run(self, module: ir.Operation) -> None:
        generics = collect_ops(module, lambda op: op.name == "linalg.generic"
                               and bool(reduction_dims(op)))
        with module.context:
            flags = ir.Attribute.parse("#arith.fastmath<reassoc,contract>")
            for generic in generics:
                for op in generic.regions[0].blocks[0].operations:
                    if op.operation.name in FLOAT_COMBINERS:
                        op.attributes["fastmath"] = flags
