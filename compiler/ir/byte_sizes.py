"""Bytes taken in memory by statically shaped tensors and memrefs."""

from torch_mlir import ir

from ..diagnostics import InvalidIRError


def byte_size(shaped: ir.Type) -> int:
    """Bytes of a statically shaped tensor or memref type, one byte per ``i1``.

    Raises :class:`InvalidIRError` for a dynamic shape or an element type without a width.
    """
    shaped = ir.ShapedType(shaped)
    if not shaped.has_static_shape:
        raise InvalidIRError(f"expected a static shape, got {shaped}")
    count = 1
    for size in shaped.shape:
        count *= size
    return count * element_bytes(shaped.element_type)


def element_bytes(element: ir.Type) -> int:
    """Bytes one element of type ``element`` takes in memory."""
    if isinstance(element, ir.IndexType):
        return 8
    if isinstance(element, (ir.IntegerType, ir.FloatType)):
        return max(1, element.width // 8)
    raise InvalidIRError(f"no byte size known for element type {element}")
