"""The ``kiln-lower-copies`` pass: strided copies inside kernels become parallel loops."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import linalg

from ....ir.walk import collect_ops, named
from ....passes.registry import register_pass


@register_pass
@dataclass
class KilnLowerCopies:
    """Turn each ``memref.copy`` inside a kernel into a ``linalg.copy``.

    MLIR lowers a copy between memrefs whose layouts are not both the identity to a
    call of the generic ``memrefCopy`` routine, which copies one element per call, on
    one thread; a padding kernel's copy into the interior of its padded buffer is such
    a copy. As ``linalg.copy`` it becomes loops that ``kiln-parallelize-loops`` can run
    on the thread team and LLVM vectorizes. Copies in the host function are left to the
    host program.

        memref.copy %x, %interior : memref<8x32xf32> to memref<8x32xf32, strided<[34, 1], offset: 35>>
      becomes
        linalg.copy ins(%x : memref<8x32xf32>) outs(%interior : memref<8x32xf32, strided<...>>)
    """

    argument: ClassVar[str] = "kiln-lower-copies"

    def run(self, module: ir.Operation) -> None:
        kernels = [op for op in module.regions[0].blocks[0].operations
                   if op.operation.name == "func.func" and "kiln.kernel" in op.attributes]
        with module.context:
            for kernel in kernels:
                for copy in collect_ops(kernel.operation, named("memref.copy")):
                    source, target = copy.operands
                    with ir.InsertionPoint(copy), copy.location:
                        linalg.copy(source, outs=[target])
                    copy.erase()
