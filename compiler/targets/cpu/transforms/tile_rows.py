"""The ``kiln-tile-rows`` pass: a kernel built around row reductions runs one row at a time."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir

from ....ir.linalg_queries import reduction_dims
from ....ir.loop_queries import row_loop_nest, trip_counts
from ....passes.registry import register_pass
from ....ir.transform_script import run_transform_script

ROOT_ATTR = "kiln.row_root"
# On a tiled kernel: how many outermost loops of its body run independent rows, so
# ``kiln-parallelize-loops`` may run them on the thread team.
ROW_LOOPS_ATTR = "kiln.row_loops"
SEQUENCE = "kiln_tile_rows"


@register_pass
@dataclass
class KilnTileRows:
    """Tile a row-reduction kernel by rows and fuse its producers into the row loop.

    A kernel qualifies when it returns one value, computed by an all-parallel
    ``linalg.generic`` (the root), and each of its reductions reads one tensor and
    reduces only its last dimension: softmax, layer_norm and their elementwise
    neighbours. Contractions (two inputs) are left to the target's tiling. The root is tiled
    with size 1 on every dimension but the last, and its producers are fused into the
    loop (``transform.structured.fuse``), so each row's maximum, sum, mean or variance
    is computed right before the row is normalized, and the row-sized temporaries stay
    in cache. Reductions along other dimensions would be recomputed for every row, so
    such kernels are left alone.

        %m = row max of %x; %e = exp(%x - %m); %s = row sum of %e; %r = %e / %s
      becomes
        %r = scf.for %row ... { max, exp, sum and divide of row %row; insert the row }
          {kiln.row_loop}

    Rows shorter than ``min_row_length`` are left whole: a row of a few dozen elements
    costs more in per-row loop overhead than its temporaries cost in memory traffic.

    The row loops are marked ``kiln.row_loop``: their iterations are independent, so
    ``kiln-parallelize-loops`` may run them in parallel once they are buffers.
    """

    argument: ClassVar[str] = "kiln-tile-rows"
    min_row_length: int = 1

    def run(self, module: ir.Operation) -> None:
        with module.context:
            roots = {}
            for function in module.regions[0].blocks[0].operations:
                if (function.operation.name == "func.func" and "kiln.kernel" in function.attributes
                        and len(function.regions[0].blocks)):
                    root = _row_root(function)
                    if root is not None and root.results[0].type.shape[-1] >= self.min_row_length:
                        name = ir.StringAttr(function.attributes["sym_name"]).value
                        root.attributes[ROOT_ATTR] = ir.StringAttr.get(name)
                        roots[name] = len(root.results[0].type.shape)
            if roots:
                _run_schedule(module, roots)
                _mark_row_kernels(module, roots)


def _row_root(function) -> ir.Operation | None:
    """The op to tile, if ``function`` is a row-reduction kernel."""
    block = function.regions[0].blocks[0]
    terminator = list(block.operations)[-1]
    if len(terminator.operands) != 1 or isinstance(terminator.operands[0].owner, ir.Block):
        return None
    root = terminator.operands[0].owner
    if root.operation.name != "linalg.generic" or reduction_dims(root) != []:
        return None
    reductions = [op for op in block.operations
                  if op.operation.name == "linalg.generic" and reduction_dims(op)]
    rank = len(root.results[0].type.shape)
    if rank < 2 or not reductions:
        return None
    if not all(_is_row_reduction(reduction, rank) for reduction in reductions):
        return None
    return root


def _is_row_reduction(generic, rank: int) -> bool:
    """Whether ``generic`` reduces the last dimension of one rank-``rank`` row-major input."""
    if len(generic.operands) != 2:  # one input and the accumulator: not a matmul
        return False
    if reduction_dims(generic) != [rank - 1]:
        return False
    input_map, output_map = (ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"])
    leading = ir.AffineMap.get(rank, 0, [ir.AffineDimExpr.get(d) for d in range(rank - 1)])
    return input_map == ir.AffineMap.get_identity(rank) and output_map == leading


def _run_schedule(module: ir.Operation, roots: dict[str, int]) -> None:
    """Tiles and fuses every marked root with a transform script, then removes the script."""
    steps = "\n".join(
        f'%op{i} = transform.structured.match attributes{{{ROOT_ATTR} = "{name}"}} in %root'
        f" : (!transform.any_op) -> !transform.any_op\n"
        f"%tiled{i}:{rank} = transform.structured.fuse %op{i} tile_sizes "
        f"[{', '.join(['1'] * (rank - 1) + ['0'])}] : (!transform.any_op) -> "
        f"({', '.join(['!transform.any_op'] * rank)})"
        for i, (name, rank) in enumerate(roots.items()))
    run_transform_script(module, SEQUENCE, steps)
    _drop_root_marks(module)


def _mark_row_kernels(module: ir.Operation, roots: dict[str, int]) -> None:
    """Record on each tiled kernel how many row loops tiling made, counting only loops of
    more than one trip (canonicalization folds the others away)."""
    i64 = ir.IntegerType.get_signless(64)
    for function in module.regions[0].blocks[0].operations:
        if (function.operation.name == "func.func"
                and ir.StringAttr(function.attributes["sym_name"]).value in roots):
            loops = row_loop_nest(function.regions[0].blocks[0])
            count = sum(trip_counts(loop) != [1] for loop in loops)
            function.attributes[ROW_LOOPS_ATTR] = ir.IntegerAttr.get(i64, count)


def _drop_root_marks(module: ir.Operation) -> None:
    def drop(op):
        if ROOT_ATTR in op.attributes:
            del op.attributes[ROOT_ATTR]
        return ir.WalkResult.ADVANCE

    module.walk(drop)
