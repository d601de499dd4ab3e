"""The compiler half of a target: the contract between the driver and a target.

The driver owns every target-independent stage (see
:func:`kiln.compiler.passes.stages.driver_stages`): ``kiln``, ``fused`` (fusion, which
reads the target's :class:`Capabilities` and places on the CPU each kernel the target
cannot run), ``tiled`` (the lowering to linalg and the outlining of kernels), and
``planned`` (bufferization and memory planning). A target adds passes at the named
points of :class:`TargetPasses`, lists the stages that run on each kernel's own module
after ``planned``, and emits the artifact its device loads. This follows Triton's
``BaseBackend``: the target parses its options, says what it can run, adds its stages and
emits code. A target is a class with this interface, named by a
:class:`kiln.targets.TargetSpec`; subclassing is not required.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from kiln import knobs
from kiln.runtime.errors import OptionError
from kiln.runtime.host_program import HostProgram

from ..passes.stages import Stage
from .capabilities import Capabilities

__all__ = ["Artifact", "Capabilities", "CompilerTarget", "TargetPasses", "parse_options"]

if TYPE_CHECKING:
    from torch_mlir import ir


@dataclass(frozen=True)
class TargetPasses:
    """The passes (textual pipeline elements) a target adds at the driver's named points.

    - ``tiling``: in stage ``tiled``, after the kernels are linalg in functions of their own;
    - ``bufferized``: in stage ``planned``, after bufferization, before memory planning;
    - ``planned``: in stage ``planned``, after memory planning;
    - ``kernel_stages``: stages run on each kernel's own module after ``planned``.
    """

    tiling: str = ""
    bufferized: str = ""
    planned: str = ""
    kernel_stages: tuple[Stage, ...] = ()


@dataclass
class Artifact:
    """What a target emits: the bytes its device loads, the host program that runs them
    (a target may rewrite launches, e.g. one kernel into several with grids), and how long
    each step of emission took."""

    binary: bytes
    host_program: HostProgram
    timings: dict[str, float] = field(default_factory=dict)


class CompilerTarget(Protocol):
    """A target's compiler half, constructed with the settings in force and the options
    given to ``kiln.compile(..., options=...)`` that are not the driver's own."""

    name: str
    capabilities: Capabilities
    # ``kiln-fuse``'s options, e.g. "epilogues=0" (the ``fusion`` option or KILN_FUSION).
    fusion: str

    def __init__(self, settings: knobs.Knobs, options: Mapping[str, object]): ...

    def passes(self) -> TargetPasses:
        """The passes this target adds to the driver's stages, and its per-kernel stages."""

    def emit_artifact(self, kernels: dict[str, ir.Module], host_program: HostProgram,
                      dump: Callable[[str, str], None]) -> Artifact:
        """Translate and compile ``kernels`` (each in its own module, after the last stage).

        ``dump(file_name, text)`` saves an intermediate form when IR dumps are asked for.
        """


def parse_options(target: str, options_class: type, given: Mapping[str, object],
                  defaults: Mapping[str, object]):
    """``options_class`` (a dataclass) from ``defaults`` (from the environment's knobs)
    overridden by ``given``; an unknown name or a value of the wrong type is an
    :class:`OptionError` that lists the target's options."""
    fields = {f.name: f for f in dataclasses.fields(options_class)}
    types = typing.get_type_hints(options_class)
    for name, value in given.items():
        if name not in fields:
            raise OptionError(f"target '{target}' has no option '{name}'; its options are "
                            f"{_described(options_class, types)}")
        expected = types[name]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise OptionError(f"option '{name}' of target '{target}' must be "
                            f"{expected.__name__}, not {type(value).__name__} ({value!r})")
    return options_class(**{**defaults, **given})


def _described(options_class: type, types: dict) -> str:
    return ", ".join(f"{f.name} ({types[f.name].__name__}, default {f.default!r})"
                     for f in dataclasses.fields(options_class))
