"""The ``kiln-merge-parallel-regions`` pass: one thread-team wake-up per run of parallel loops."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.walk import collect_ops, named
from ....passes.registry import register_pass

# Ops with no side effects that may move from between two regions to before the first.
PURE_OPS = ("memref.subview", "memref.reinterpret_cast", "memref.expand_shape",
            "memref.collapse_shape", "memref.cast", "affine.apply")


@register_pass
@dataclass
class KilnMergeParallelRegions:
    """Merge consecutive ``omp.parallel`` regions into one.

    Runs after ``convert-scf-to-openmp``, which gives each parallel loop a region of its
    own, so a kernel with five loops wakes the thread team five times (a few
    microseconds each, which small kernels feel). Each region holds an ``omp.wsloop``,
    whose implicit barrier already orders it before the next loop, so consecutive
    regions can share one team. Pure ops between two regions (views, index arithmetic)
    move before the first; any other op ends the run.

        omp.parallel { omp.wsloop { A } }  %v = memref.subview ...  omp.parallel { omp.wsloop { B } }
      becomes
        %v = memref.subview ...  omp.parallel { omp.wsloop { A }  omp.wsloop { B } }
    """

    argument: ClassVar[str] = "kiln-merge-parallel-regions"

    def run(self, module: ir.Operation) -> None:
        blocks = {id(op.operation.block): op.operation.block
                  for op in collect_ops(module, named("omp.parallel"))}
        for block in blocks.values():
            _merge_runs(block)


def _merge_runs(block: ir.Block) -> None:
    current, between = None, []
    for op in list(block.operations):
        name = op.operation.name
        if name == "omp.parallel":
            if current is not None:
                for pure in between:
                    pure.move_before(current)
                _absorb(current, op.operation)
            else:
                current = op.operation
            between = []
        elif current is not None and _is_pure(op.operation):
            between.append(op.operation)
        else:
            current, between = None, []


def _is_pure(op: ir.Operation) -> bool:
    return not len(op.regions) and (op.name.startswith("arith.") or op.name in PURE_OPS)


def _absorb(target: ir.Operation, source: ir.Operation) -> None:
    """Move ``source``'s region body, less its terminator, to the end of ``target``'s."""
    terminator = list(target.regions[0].blocks[0].operations)[-1]
    for op in list(source.regions[0].blocks[0].operations)[:-1]:
        op.move_before(terminator)
    source.erase()
