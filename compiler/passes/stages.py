"""Named stages, each a textual pass pipeline: the driver's, with a target's passes added.

``kiln.compile()``, ``dump_ir`` file names and error messages use stage names; the same
text runs under ``kiln-opt --pass-pipeline``. The driver owns the stages up to
``planned``; a target adds passes at named points and lists its per-kernel stages
(``kiln.compiler.targets.base.TargetPasses``).
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


def driver_stages(target: str, fusion: str, passes, fallback: bool = True) -> list[Stage]:
    """The whole-module stages every target runs, with ``passes`` (a target's
    ``TargetPasses``) added at their points; ``fusion`` holds ``kiln-fuse``'s options.

    ``planned`` is the last: after it the host program is extracted and each kernel
    moves to a module of its own for the target's ``kernel_stages``."""
    fuse_options = " ".join(filter(None, [f"target={target}", fusion]))
    return [
        kiln_stage(fallback),
        Stage("fused", f"builtin.module(kiln-fuse{{{fuse_options}}})"),
        Stage("tiled", _module("convert-kiln-to-linalg, kiln-outline-kernels,"
                               " linalg-generalize-named-ops, linalg-fuse-elementwise-ops",
                               passes.tiling)),
        Stage("planned", _module("kiln-bufferize", passes.bufferized, "kiln-plan-memory",
                                 passes.planned)),
    ]


def _module(*pipelines: str) -> str:
    return "builtin.module(" + ", ".join(p for p in pipelines if p) + ")"


def kiln_stage(fallback: bool = True) -> Stage:
    """The first stage after ``torch``, the same for every target: torch ops become kiln
    ops; with ``fallback``, an op Kiln does not compile becomes a ``kiln.fallback``,
    which the host runs through torch."""
    return Stage("kiln", f"builtin.module(convert-torch-to-kiln{{fallback={int(fallback)}}},"
                         " canonicalize, cse)")
