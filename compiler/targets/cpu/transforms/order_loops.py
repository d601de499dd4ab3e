"""The ``kiln-order-loops`` pass: the innermost loop of a reduction walks memory in order."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.walk import collect_ops, named
from ....ir.linalg_queries import loop_extents, reduction_dims
from ....passes.registry import register_pass


@register_pass
@dataclass
class KilnOrderLoops:
    """Reorder a reduction's loops so the innermost one reads most operands contiguously.

    ``linalg.generic`` loops run in dimension order, so a matmul written (m, n, k) walks
    ``B[k, n]`` down a column in its innermost loop. For every generic with a reduction
    iterator, each dimension is scored by how many operands (inputs and the output) it
    steps through one element at a time in their last, contiguous position (``ow`` in
    ``in[.., oh + kh, ow + kw]`` counts); ties go to the longer loop. A parallel
    dimension that ranks above the current innermost one becomes the innermost loop.
    Per output element the reduction still runs in the same order, so results do not
    change.

        C[m, n] += A[m, k] * B[k, n]      loops (m, n, k): k is contiguous in A only
      becomes
        loops (m, k, n): n is contiguous in B and C
    """

    argument: ClassVar[str] = "kiln-order-loops"

    def run(self, module: ir.Operation) -> None:
        generics = collect_ops(module, named("linalg.generic"))
        with module.context:
            for generic in generics:
                order = _better_order(generic)
                if order is not None:
                    _permute(generic, order)


def _better_order(generic) -> list[int] | None:
    """A loop order with a more contiguous innermost dimension, or ``None``."""
    reductions = reduction_dims(generic)
    if not reductions:
        return None
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    count = maps[0].n_dims
    scores = [0] * count
    for indexing in maps:
        results = list(indexing.results)
        for dim in _unit_step_dims(results[-1]) if results else ():
            scores[dim] += 1
    extents = loop_extents(generic)
    rank = lambda d: (scores[d], extents[d] or 0)  # noqa: E731
    current = count - 1
    best = max((d for d in range(count) if d not in reductions), key=rank, default=current)
    if rank(best) <= rank(current):
        return None
    return [d for d in range(count) if d != best] + [best]


def _unit_step_dims(expr) -> set[int]:
    """The dimensions whose step of one moves ``expr`` by exactly one element."""
    if isinstance(expr, ir.AffineDimExpr):
        return {expr.position}
    if isinstance(expr, ir.AffineAddExpr):
        return _unit_step_dims(expr.lhs) | _unit_step_dims(expr.rhs)
    return set()


def _permute(generic, order: list[int]) -> None:
    """Make old dimension ``order[i]`` the new dimension ``i``."""
    count = len(order)
    new_position = {old: new for new, old in enumerate(order)}
    substitution = ir.AffineMap.get(count, 0, [ir.AffineDimExpr.get(new_position[old])
                                               for old in range(count)])
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    generic.attributes["indexing_maps"] = ir.ArrayAttr.get([
        ir.AffineMapAttr.get(ir.AffineMap.get(count, 0, [e.compose(substitution)
                                                         for e in m.results]))
        for m in maps])
    kinds = list(generic.attributes["iterator_types"])
    generic.attributes["iterator_types"] = ir.ArrayAttr.get([kinds[old] for old in order])
    for op in generic.regions[0].blocks[0].operations:
        if op.operation.name == "linalg.index":
            old = ir.IntegerAttr(op.attributes["dim"]).value
            op.attributes["dim"] = ir.IntegerAttr.get(ir.IntegerType.get_signless(64), new_position[old])
