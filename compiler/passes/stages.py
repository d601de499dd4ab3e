"""Named stages, each a textual pass pipeline, and the stage every target starts with.

``kiln.compile()``, ``dump_ir`` file names and error messages use stage names; the same
text runs under ``kiln-opt --pass-pipeline``. Each target lists its own stages after
``kiln`` (``kiln.compiler.targets``).
"""

from dataclasses import dataclass

from .. import transforms  # noqa: F401  (registers kiln-fuse, kiln-outline-kernels, kiln-plan-memory)
from ..passes.pipeline import register_pipeline_alias
from ..transforms import plan_memory  # noqa: F401  (registers kiln-plan-memory)

register_pipeline_alias(
    "kiln-bufferize",
    "one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map}, "
    "cse, canonicalize, func.func(buffer-loop-hoisting), "
    "buffer-results-to-out-params{hoist-static-allocs modify-public-functions}, "
    "kiln-fallback-out-params",
    "Bufferize linalg-on-tensors; allocations leave loops; results (of kernels and of "
    "fallback ops) become caller-allocated out-parameters",
)


@dataclass(frozen=True)
class Stage:
    """A named step: the IR after ``pipeline`` has run is the stage ``name``."""

    name: str
    pipeline: str


def kiln_stage(fallback: bool = True) -> Stage:
    """The first stage after ``torch``, the same for every target: torch ops become kiln
    ops; with ``fallback``, an op Kiln does not compile becomes a ``kiln.fallback``,
    which the host runs through torch."""
    return Stage("kiln", f"builtin.module(convert-torch-to-kiln{{fallback={int(fallback)}}},"
                         " canonicalize, cse)")
