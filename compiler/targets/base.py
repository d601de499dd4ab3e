"""The compiler half of a target: what every target's compiler class provides.

The driver turns a program into ``kiln`` dialect IR, runs the target's :meth:`stages
<CompilerTarget.stages>` (whole-module stages up to ``planned``, where the host program
is extracted, then per-kernel stages), and hands the kernels to
:meth:`CompilerTarget.emit_artifact`, which translates, generates code and emits the
artifact the target's device loads. A target is a class with this interface, named by
a :class:`kiln.targets.TargetSpec`; subclassing is not required.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from torch_mlir import ir

from kiln import knobs
from kiln.runtime.host_program import HostProgram

from ..passes.stages import Stage


@dataclass(frozen=True)
class Capabilities:
    """What a target's kernels can hold: kiln op names (None: every op) and element types."""

    ops: frozenset[str] | None
    element_types: frozenset[str]


@dataclass
class Artifact:
    """What a target emits: the bytes its device loads, the host program that runs them
    (a target may rewrite launches, e.g. one kernel into several with grids), and how long
    each step of emission took."""

    binary: bytes
    host_program: HostProgram
    timings: dict[str, float] = field(default_factory=dict)


class CompilerTarget(Protocol):
    """A target's compiler half, constructed with the settings in force."""

    name: str
    capabilities: Capabilities

    def __init__(self, settings: knobs.Knobs): ...

    def stages(self) -> list[Stage]:
        """The MLIR stages after ``kiln``: up to ``planned`` on the whole module, then per kernel."""

    def emit_artifact(self, kernels: dict[str, ir.Module], host_program: HostProgram,
                      dump: Callable[[str, str], None]) -> Artifact:
        """Translate and compile ``kernels`` (each in its own module, after the last stage).

        ``dump(file_name, text)`` saves an intermediate form when IR dumps are asked for.
        """
