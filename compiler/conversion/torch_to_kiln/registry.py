"""The table of converters, one function per torch op, keyed by the op's MLIR name."""

from collections.abc import Callable

CONVERTERS: dict[str, Callable] = {}


def converts(*op_names: str):
    """Register the decorated function as the converter of each ``torch.aten.*`` name.

    A converter takes ``(rewriter, op)`` and returns the kiln values (or Python
    constants) that replace the op's results, in order.
    """

    def register(fn):
        for name in op_names:
            CONVERTERS[name] = fn
        return fn

    return register


def supported_ops() -> list[str]:
    """The ATen (and prims) op names that ``convert-torch-to-kiln`` converts."""
    prefixes = ("torch.aten.", "torch.prims.")
    return sorted(name for name in CONVERTERS if name.startswith(prefixes))
