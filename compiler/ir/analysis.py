"""Small analyses of Kiln IR that report on a program rather than change it."""

from torch_mlir import ir

from ..ir.byte_sizes import byte_size
from ..transforms.op_classes import FREE_CLASSES, classify


def eager_peak_bytes_estimate(function: ir.Operation) -> int:
    """Bytes eager PyTorch would allocate for the intermediates of a ``kiln``-stage function.

    The estimate assumes nothing is freed or reused: it is the sum of the result sizes
    of every ``kiln.*`` op, except ops whose results eager returns as views (broadcast,
    reshape, transpose, slice), constants and iotas, and values the function returns
    (those are outputs, not intermediates). Compare it with the arena Kiln plans.
    """
    returned = set()
    total = 0
    for block in function.regions[0].blocks:
        for op in block.operations:
            if op.operation.name == "func.return":
                returned.update(op.operands)
    for block in function.regions[0].blocks:
        for op in block.operations:
            if not op.operation.name.startswith("kiln.") or classify(op) in FREE_CLASSES:
                continue
            total += sum(byte_size(r.type) for r in op.results
                         if isinstance(r.type, ir.ShapedType) and r not in returned)
    return total
