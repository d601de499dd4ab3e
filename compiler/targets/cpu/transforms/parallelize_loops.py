"""The ``kiln-parallelize-loops`` pass: big loop nests run on every core, small ones serially."""

import math
from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import memref, scf

from ....diagnostics import InvalidIRError
from ....ir.byte_sizes import byte_size
from ....ir.walk import collect_ops, named
from ....ir.loop_queries import loop_bounds, row_loop_nest, trip_counts
from ....passes.registry import register_pass
from ....transforms.plan_memory import SCRATCH_ATTR
from .tile_rows import ROW_LOOPS_ATTR

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

    A kernel that ``kiln-tile-rows`` tiled (``kiln.row_loops = n``) first has the
    leading ones of its outermost ``n`` serial loops, whose iterations are independent
    rows, turned into one ``scf.parallel``. A scratch argument used only inside them, and directly rather than
    through a row's ``memref.subview``, is a row's temporary: it becomes a buffer
    allocated in the loop body (and freed at its end), private to the thread that runs
    the row, if it is at most ``max_private_bytes``; otherwise the rows stay serial.

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
    max_private_bytes: int = 65536

    def run(self, module: ir.Operation) -> None:
        with module.context:
            for function in module.regions[0].blocks[0].operations:
                if ROW_LOOPS_ATTR in function.attributes:
                    _parallelize_rows(function, self.max_private_bytes, self.min_chunks)
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
    return body * math.prod(count or 1 for count in trip_counts(op))


def _leading_dims(counts: list[int | None], min_chunks: int) -> int:
    """How many leading dimensions of these trip counts give ``min_chunks`` iterations."""
    kept, chunks = 0, 1
    while kept < len(counts) and chunks < min_chunks:
        chunks *= counts[kept] or min_chunks
        kept += 1
    return kept


def _keep_leading_parallel(parallel: ir.Operation, min_chunks: int) -> None:
    """Leave the fewest leading dimensions parallel that give ``min_chunks`` iterations."""
    lower, upper, step = loop_bounds(parallel)
    kept = _leading_dims(trip_counts(parallel), min_chunks)
    if kept == len(lower):
        return
    body = parallel.regions[0].blocks[0]
    block, terminator = _new_parallel(parallel, lower[:kept], upper[:kept], step[:kept])
    for argument, replacement in zip(body.arguments[:kept], block.arguments):
        argument.replace_all_uses_with(replacement)
    _move_into_loops(parallel, kept, ir.InsertionPoint(terminator))


def _new_parallel(before: ir.Operation, lower, upper, step) -> tuple[ir.Block, ir.Operation]:
    """An empty ``scf.parallel`` before ``before``: its body block and terminator."""
    with ir.InsertionPoint(before), before.location:
        parallel = scf.ParallelOp([], lower, upper, step, [])
        block = parallel.regions[0].blocks.append(*[ir.IndexType.get()] * len(lower))
        with ir.InsertionPoint(block):
            terminator = scf.ReduceOp([], 0)
    return block, terminator


def _serialize(parallel: ir.Operation) -> None:
    """Replace an ``scf.parallel`` without reductions by an equivalent ``scf.for`` nest."""
    _move_into_loops(parallel, 0, ir.InsertionPoint(parallel))


def _move_into_loops(parallel: ir.Operation, first: int, insertion: ir.InsertionPoint) -> None:
    """Move the body of ``parallel`` into a new ``scf.for`` nest over its dimensions from
    ``first`` on, built at ``insertion``, and erase ``parallel``."""
    body = parallel.regions[0].blocks[0]
    lower, upper, step = loop_bounds(parallel)
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


def _parallelize_rows(kernel, max_private_bytes: int, min_chunks: int) -> None:
    """Run the kernel's leading row loops as one ``scf.parallel`` with private scratch."""
    count = kernel.attributes[ROW_LOOPS_ATTR]
    if not isinstance(count, ir.IntegerAttr):
        raise InvalidIRError(f"expects '{ROW_LOOPS_ATTR}' to be an integer, got {count}",
                             kernel.location)
    count = count.value
    nest = row_loop_nest(kernel.regions[0].blocks[0])[:count]
    if not count or len(nest) != count or any(len(loop.results) for loop in nest):
        return
    nest = nest[:_leading_dims([trip_counts(loop)[0] for loop in nest], min_chunks)]
    outer = nest[0]
    indices = kernel.attributes[SCRATCH_ATTR] if SCRATCH_ATTR in kernel.attributes else []
    if not isinstance(indices, (ir.DenseI64ArrayAttr, list)):
        raise InvalidIRError(f"expects '{SCRATCH_ATTR}' to be an array<i64> of argument "
                             f"indices, got {indices}", kernel.location)
    scratch = [kernel.regions[0].blocks[0].arguments[i] for i in indices]
    private = [argument for argument in scratch if _used_only_inside(argument, outer)
               and any(use.owner.name != "memref.subview" for use in argument.uses)]
    if any(byte_size(argument.type) > max_private_bytes for argument in private):
        return
    bounds = [loop_bounds(loop) for loop in nest]
    block, terminator = _new_parallel(outer, *([b[i][0] for b in bounds] for i in range(3)))
    with ir.InsertionPoint.at_block_begin(block), outer.location:
        buffers = [memref.AllocOp(argument.type, [], [], alignment=64).result
                   for argument in private]
    for argument, buffer in zip(private, buffers):
        argument.replace_all_uses_with(buffer)
    for loop, argument in zip(nest, block.arguments):
        loop.regions[0].blocks[0].arguments[0].replace_all_uses_with(argument)
    for op in list(nest[-1].regions[0].blocks[0].operations)[:-1]:  # all but the scf.yield
        op.move_before(terminator)
    with ir.InsertionPoint(terminator), outer.location:
        for buffer in buffers:
            memref.DeallocOp(buffer)
    outer.erase()


def _used_only_inside(value: ir.Value, loop: ir.Operation) -> bool:
    return all(_is_inside(use.owner, loop) for use in value.uses)


def _is_inside(op, loop: ir.Operation) -> bool:
    op = op.operation
    while op != loop:
        if op.parent is None:
            return False
        op = op.parent.operation
    return True
