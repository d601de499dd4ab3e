"""Compiler halves of Kiln's targets, found through the ``kiln.targets`` entry points."""

from collections.abc import Mapping

from kiln import knobs, targets

from .base import Artifact, Capabilities, CompilerTarget, TargetPasses

__all__ = ["Artifact", "Capabilities", "CompilerTarget", "TargetPasses", "get_target"]


def get_target(name: str, settings: knobs.Knobs | None = None,
               options: Mapping[str, object] | None = None) -> CompilerTarget:
    """The compiler half of target ``name``, for ``settings`` (default: the knobs in
    force) and the target's ``options`` (parsed by the target; unknown ones refused)."""
    compiler_class = targets.load_half(targets.spec(name).compiler)
    return compiler_class(settings or knobs.current(), options or {})
