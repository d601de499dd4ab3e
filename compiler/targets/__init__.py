"""Compiler halves of Kiln's targets."""

from ..diagnostics import CompileError
from .cpu import CpuTarget

TARGETS = {"cpu": CpuTarget}


def get_target(name: str):
    """The compiler half of target ``name``."""
    if name not in TARGETS:
        raise CompileError(f"unknown target '{name}'; available: {', '.join(sorted(TARGETS))}")
    return TARGETS[name]()
