"""The ``kiln-parallelize-loops`` pass: big loop nests run on every core, small ones serially."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import scf

from ..ir_walk import collect_ops, named
from ..pass_registry import register_pass

LOOP_OPS = ("scf.for", "scf.parallel")


@register_pass
@dataclass
class KilnParallelizeLoops:
    """Keep ``scf.parallel`` only where the work pays for waking the thread team.

    Runs on buffers, after ``convert-linalg-to-parallel-loops`` and before
    ``convert-scf-to-openmp``, which turns each remaining ``scf.parallel`` into an
    OpenMP parallel loop. A parallel loop stays parallel when it is outermost (no loop
    encloses it) and its work, the ops it runs counted over every trip of it and of the
    loops inside it, is at least ``min_work``. Every other ``scf.parallel`` becomes a nest
    of ``scf.for``: a nested one would fork a team on every trip of its parent, and a
    small one costs more to fork (a few microseconds) than to run.

    Of a kept loop, only the leading dimensions that give at least ``min_chunks``
    iterations stay parallel; the others become inner ``scf.for`` loops. OpenMP
    collapses a multi-dimensional loop into one flat index that is split with division
    in every iteration, which keeps LLVM from vectorizing the innermost dimension.

        scf.parallel (%i) = (%c0) to (%c8) step (%c1) { ... }     // 8 ops of work
      becomes
        scf.for %i = %c0 to %c8 step %c1 { ... }

        scf.parallel (%i, %j) = (%c0, %c0) to (%c64, %c4096) ...  // big
      becomes
        scf.parallel (%i) = (%c0) to (%c64) ... { scf.for %j = %c0 to %c4096 ... }
    """

    argument: ClassVar[str] = "kiln-parallelize-loops"
    min_work: int = 32768
    min_chunks: int = 16

    def run(self, module: ir.Operation) -> None:
        loops = collect_ops(module, named("scf.parallel"))
        with module.context:
            # Post-order: inner loops are serialized before the loops that hold them.
            for loop in loops:
                if _enclosing_loop(loop) is not None or _work(loop) < self.min_work:
                    _serialize(loop)
                else:
                    _keep_leading_parallel(loop, self.min_chunks)


def _enclosing_loop(op: ir.Operation) -> ir.Operation | None:
    parent = op.operation.parent
    while parent is not None and parent.operation.name != "func.func":
        if parent.operation.name in LOOP_OPS:
            return parent
        parent = parent.operation.parent
    return None


def _work(op: ir.Operation) -> int:
    """Ops ``op`` runs, with each loop's body counted once per trip (unknown trips: 1)."""
    if op.name not in LOOP_OPS:
        inner = sum(_work(nested) for region in op.regions for block in region.blocks
                    for nested in block.operations)
        return 1 + inner
    body = sum(_work(nested) for nested in op.regions[0].blocks[0].operations)
    return body * _trip_count(op)


def _trip_count(loop: ir.Operation) -> int:
    rank = len(loop.regions[0].blocks[0].arguments)
    lower, upper, step = (loop.operands[i * rank:(i + 1) * rank] for i in range(3))
    trips = 1
    for low, high, stride in zip(lower, upper, step):
        bounds = [_constant(v) for v in (low, high, stride)]
        if None not in bounds and bounds[2] > 0:
            trips *= max(0, -(-(bounds[1] - bounds[0]) // bounds[2]))
    return trips


def _constant(value: ir.Value) -> int | None:
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.name != "arith.constant":
        return None
    return ir.IntegerAttr(owner.attributes["value"]).value


def _bounds(loop: ir.Operation) -> tuple[list[ir.Value], list[ir.Value], list[ir.Value]]:
    rank = len(loop.regions[0].blocks[0].arguments)
    lower, upper, step = (list(loop.operands[i * rank:(i + 1) * rank]) for i in range(3))
    return lower, upper, step


def _keep_leading_parallel(parallel: ir.Operation, min_chunks: int) -> None:
    """Leave the fewest leading dimensions parallel that give ``min_chunks`` iterations."""
    lower, upper, step = _bounds(parallel)
    kept, chunks = 0, 1
    while kept < len(lower) and chunks < min_chunks:
        bounds = [_constant(v) for v in (lower[kept], upper[kept], step[kept])]
        chunks *= -(-(bounds[1] - bounds[0]) // bounds[2]) if None not in bounds else min_chunks
        kept += 1
    if kept == len(lower):
        return
    body = parallel.regions[0].blocks[0]
    with ir.InsertionPoint(parallel), parallel.location:
        outer = scf.ParallelOp([], lower[:kept], upper[:kept], step[:kept], [])
        block = outer.regions[0].blocks.append(*[ir.IndexType.get()] * kept)
        with ir.InsertionPoint(block):
            terminator = scf.ReduceOp([], 0)
    for argument, replacement in zip(body.arguments[:kept], block.arguments):
        argument.replace_all_uses_with(replacement)
    _move_into_loops(parallel, kept, ir.InsertionPoint(terminator))


def _serialize(parallel: ir.Operation) -> None:
    """Replace an ``scf.parallel`` without reductions by an equivalent ``scf.for`` nest."""
    _move_into_loops(parallel, 0, ir.InsertionPoint(parallel))


def _move_into_loops(parallel: ir.Operation, first: int, insertion: ir.InsertionPoint) -> None:
    """Move the body of ``parallel`` into a new ``scf.for`` nest over its dimensions from
    ``first`` on, built at ``insertion``, and erase ``parallel``."""
    body = parallel.regions[0].blocks[0]
    lower, upper, step = _bounds(parallel)
    terminator = None
    for low, high, stride, argument in zip(lower[first:], upper[first:], step[first:],
                                           list(body.arguments)[first:]):
        with insertion, parallel.location:
            loop = scf.ForOp(low, high, stride)
            with ir.InsertionPoint(loop.body):
                terminator = scf.YieldOp([])
        argument.replace_all_uses_with(loop.induction_variable)
        insertion = ir.InsertionPoint(terminator)
    anchor = terminator if terminator is not None else insertion.ref_operation
    for op in list(body.operations)[:-1]:  # all but the scf.reduce terminator
        op.move_before(anchor)
    parallel.erase()
