"""Compiler halves of Kiln's targets, found through the ``kiln.targets`` entry points."""

from kiln import knobs, targets

from .base import Artifact, Capabilities, CompilerTarget

__all__ = ["Artifact", "Capabilities", "CompilerTarget", "get_target"]


def get_target(name: str, settings: knobs.Knobs | None = None) -> CompilerTarget:
    """The compiler half of target ``name``, for ``settings`` (default: the knobs in force)."""
    compiler_class = targets.load_half(targets.spec(name).compiler)
    return compiler_class(settings or knobs.current())
