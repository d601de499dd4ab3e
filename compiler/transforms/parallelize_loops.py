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

        scf.parallel (%i) = (%c0) to (%c8) step (%c1) { ... }     // 8 ops of work
      becomes
        scf.for %i = %c0 to %c8 step %c1 { ... }
    """

    argument: ClassVar[str] = "kiln-parallelize-loops"
    min_work: int = 32768

    def run(self, module: ir.Operation) -> None:
        loops = collect_ops(module, named("scf.parallel"))
        with module.context:
            # Post-order: inner loops are serialized before the loops that hold them.
            for loop in loops:
                if _enclosing_loop(loop) is not None or _work(loop) < self.min_work:
                    _serialize(loop)


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


def _serialize(parallel: ir.Operation) -> None:
    """Replace an ``scf.parallel`` without reductions by an equivalent ``scf.for`` nest."""
    body = parallel.regions[0].blocks[0]
    rank = len(body.arguments)
    lower, upper, step = (parallel.operands[i * rank:(i + 1) * rank] for i in range(3))
    insertion = ir.InsertionPoint(parallel)
    induction_variables = []
    for low, high, stride in zip(lower, upper, step):
        with insertion, parallel.location:
            loop = scf.ForOp(low, high, stride)
            with ir.InsertionPoint(loop.body):
                terminator = scf.YieldOp([])
        induction_variables.append(loop.induction_variable)
        insertion = ir.InsertionPoint(terminator)
    for argument, induction_variable in zip(body.arguments, induction_variables):
        argument.replace_all_uses_with(induction_variable)
    for op in list(body.operations)[:-1]:  # all but the scf.reduce terminator
        op.move_before(terminator)
    parallel.erase()
