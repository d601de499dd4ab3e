"""The table of lowerings, one function per kiln op, keyed by the op's name."""

from collections.abc import Callable

LOWERINGS: dict[str, Callable] = {}


def lowers(*op_names: str):
    """Register the decorated function as the lowering of each ``kiln.*`` op.

    A lowering takes the kiln op and returns the ``tensor`` value that replaces its result;
    it builds at the op's location with the insertion point before the op.
    """

    def register(fn):
        for name in op_names:
            LOWERINGS[name] = fn
        return fn

    return register
