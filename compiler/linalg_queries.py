"""Questions passes ask about ``linalg.generic`` ops."""

from torch_mlir import ir


def reduction_dims(generic: ir.Operation) -> list[int]:
    """Positions of the generic's reduction iterators; empty when it is all parallel."""
    return [i for i, kind in enumerate(generic.attributes["iterator_types"])
            if str(kind) == "#linalg.iterator_type<reduction>"]
