"""Finding ops in a module, for passes that rewrite what they find afterwards."""

from collections.abc import Callable

from torch_mlir import ir


def collect_ops(root: ir.Operation, keep: Callable[[ir.Operation], bool]) -> list[ir.Operation]:
    """Every op nested in ``root`` (post-order) for which ``keep`` is true.

    Collecting first and rewriting after keeps a pass from changing the IR it walks.
    """
    found = []

    def visit(op):
        if keep(op):
            found.append(op)
        return ir.WalkResult.ADVANCE

    root.walk(visit)
    return found


def named(*names: str) -> Callable[[ir.Operation], bool]:
    """A ``keep`` predicate for :func:`collect_ops`: the op's name is one of ``names``."""
    return lambda op: op.name in names
