"""Questions passes ask about ``scf.for`` and ``scf.parallel`` loops."""

from torch_mlir import ir


def loop_bounds(loop: ir.Operation) -> tuple[list[ir.Value], list[ir.Value], list[ir.Value]]:
    """Lower bounds, upper bounds and steps, one per dimension (``scf.for`` has one)."""
    rank = 1 if loop.name == "scf.for" else len(loop.regions[0].blocks[0].arguments)
    lower, upper, step = (list(loop.operands[i * rank:(i + 1) * rank]) for i in range(3))
    return lower, upper, step


def constant_index(value: ir.Value) -> int | None:
    """The value of an ``arith.constant`` index, else None."""
    owner = value.owner
    if isinstance(owner, ir.Block) or owner.name != "arith.constant":
        return None
    return ir.IntegerAttr(owner.attributes["value"]).value


def trip_counts(loop: ir.Operation) -> list[int | None]:
    """Each dimension's number of trips, None where a bound is not a constant."""
    counts = []
    for low, high, step in zip(*loop_bounds(loop)):
        bounds = [constant_index(v) for v in (low, high, step)]
        known = None not in bounds and bounds[2] > 0
        counts.append(max(0, -(-(bounds[1] - bounds[0]) // bounds[2])) if known else None)
    return counts


def row_loop_nest(block: ir.Block) -> list[ir.Operation]:
    """The chain of ``scf.for`` loops that starts at the one loop in ``block`` and goes
    down through each body holding exactly one loop."""
    nest = []
    while True:
        loops = [op for op in block.operations if op.operation.name == "scf.for"]
        if len(loops) != 1:
            return nest
        nest.append(loops[0].operation)
        block = loops[0].regions[0].blocks[0]
