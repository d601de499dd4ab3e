"""The ``kiln-split-reductions`` pass: a long reduction becomes per-chunk partials, then their sum."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.walk import collect_ops, named
from ....ir.linalg_queries import loop_extents, reduction_dims
from ....passes.registry import register_pass
from ....ir.transform_script import run_transform_script

MARK_ATTR = "kiln.split_reduction"
SEQUENCE = "kiln_split_reductions"
CHUNK = 2048  # elements each partial sums, about


@register_pass
@dataclass
class KilnSplitReductions:
    """Split each reduction over at least ``min_extent`` elements into chunk partials.

    A float sum over millions of elements, accumulated in one pass, loses precision as
    the running total grows (a float32 variance over 8M elements came out 1e-5 off).
    ``transform.structured.split_reduction`` rewrites the generic into one that reduces
    each chunk of about 2048 consecutive elements into its own partial, and one that
    combines the partials, like the cascade summation eager PyTorch uses. The partials
    are independent, so the first reduction also runs on every core. The number of
    chunks must divide the extent; a reduction with no suitable divisor is left alone.

        %s = sum over 8388608 of %x
      becomes
        %p = sum over the last dim of expand(%x) : 4096x2048 -> 4096 ; %s = sum of %p
    """

    argument: ClassVar[str] = "kiln-split-reductions"
    min_extent: int = 32768

    def run(self, module: ir.Operation) -> None:
        with module.context:
            for generic in collect_ops(module, named("linalg.generic")):
                chunks = _chunk_count(generic, self.min_extent)
                if chunks:
                    _split(module, generic, chunks)


def _chunk_count(generic: ir.Operation, min_extent: int) -> int | None:
    """How many chunks to split the generic's one long reduction into, if any."""
    dims = reduction_dims(generic)
    if len(dims) != 1 or len(generic.results) != 1:
        return None
    extent = loop_extents(generic)[dims[0]]
    if extent is None or extent < min_extent:
        return None
    candidates = range(max(2, extent // (CHUNK + CHUNK // 2)), extent // (CHUNK // 2) + 1)
    divisors = [d for d in candidates if extent % d == 0]
    return min(divisors, key=lambda d: abs(extent // d - CHUNK)) if divisors else None


def _split(module: ir.Operation, generic: ir.Operation, chunks: int) -> None:
    """Run split_reduction on ``generic``; a generic it cannot split stays as it is."""
    generic.attributes[MARK_ATTR] = ir.UnitAttr.get()
    steps = (f"%op = transform.structured.match attributes{{{MARK_ATTR}}} in %root"
             " : (!transform.any_op) -> !transform.any_op\n"
             f"%a, %b, %c, %d = transform.structured.split_reduction %op {{ split_factor = {chunks},"
             " insert_split_dimension = 0 } : (!transform.any_op) -> (!transform.any_op,"
             " !transform.any_op, !transform.any_op, !transform.any_op)")
    try:
        run_transform_script(module, SEQUENCE, steps)
    except ir.MLIRError:
        pass  # not a reduction split_reduction recognizes: keep the single pass
    finally:
        for op in collect_ops(module, lambda op: MARK_ATTR in op.attributes):
            del op.attributes[MARK_ATTR]
