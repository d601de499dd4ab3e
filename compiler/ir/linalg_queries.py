"""Questions passes ask about ``linalg.generic`` ops."""

from torch_mlir import ir


def reduction_dims(generic: ir.Operation) -> list[int]:
    """Positions of the generic's reduction iterators; empty when it is all parallel."""
    return [i for i, kind in enumerate(generic.attributes["iterator_types"])
            if str(kind) == "#linalg.iterator_type<reduction>"]


def loop_extents(generic: ir.Operation) -> list[int | None]:
    """Each loop dimension's trip count, read from an operand that indexes it directly
    (``None`` where no operand does, or the size is dynamic)."""
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    extents: list[int | None] = [None] * maps[0].n_dims
    for operand, indexing in zip(generic.operands, maps):
        shape = operand.type.shape if isinstance(operand.type, ir.ShapedType) else []
        for size, expr in zip(shape, indexing.results):
            expr = expr.maybe_downcast()
            if isinstance(expr, ir.AffineDimExpr) and not ir.ShapedType.is_dynamic_size(size):
                extents[expr.position] = size
    return extents
