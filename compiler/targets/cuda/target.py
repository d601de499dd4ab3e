"""The CUDA target's compiler half: each kernel → Triton kernels → sm_90 cubins.

Its stages stop at bufferized, planned linalg (no CPU tiling, packing or OpenMP); then
:func:`~.triton_codegen.lower_kernel` turns each kernel into Triton launches with grids,
each launch is compiled to a cubin (:mod:`.cubin`), and the host program launches them
in place of the kernel. ``cuda-interpreter`` is the same compiler without cubins, for
Triton's interpreter on CPU tensors.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from torch_mlir import ir

from kiln import knobs
from kiln.runtime.devices.cuda_artifact import CudaKernel, pack
from kiln.runtime.host_program import HostProgram, Launch

from ...ir.element_types import TORCH_DTYPES
from ...artifacts.host_program_builder import KERNEL_ATTR
from ...passes.stages import Stage
from ..base import Artifact, Capabilities
from .cubin import CAPABILITY, compile_launch
from .triton_codegen import TritonLaunch, lower_kernel


@dataclass(frozen=True)
class CudaOptions:
    """The GPU architecture (``sm_<capability>``), whether to build cubins (not for the
    interpreter), and ``kiln-fuse``'s options (``KILN_FUSION``)."""

    capability: int = CAPABILITY
    cubins: bool = True
    fusion: str = ""


class CudaTarget:
    """Compiles each kernel to Triton kernels, ahead of time, with no GPU needed."""

    name = "cuda"
    capabilities = Capabilities(ops=None, element_types=frozenset(TORCH_DTYPES))
    builds_cubins = True

    def __init__(self, settings: knobs.Knobs):
        self.options = CudaOptions(cubins=self.builds_cubins, fusion=settings.fusion)
        self._ptx: dict[str, str] = {}  # each launch's PTX, dumped beside its Triton source

    def stages(self) -> list[Stage]:
        """``fused`` (kernels marked for this target), ``tiled`` (linalg, elementwise
        producers folded in) and ``planned`` (buffers, one arena)."""
        fusion = " ".join(filter(None, [f"target={self.name}", self.options.fusion]))
        return [
            Stage("fused", f"builtin.module(kiln-fuse{{{fusion}}})"),
            Stage("tiled", "builtin.module(convert-kiln-to-linalg, kiln-outline-kernels,"
                           " linalg-generalize-named-ops, linalg-fuse-elementwise-ops,"
                           " canonicalize, cse)"),
            Stage("planned", "builtin.module(kiln-bufferize, kiln-plan-memory, canonicalize)"),
        ]

    def emit_artifact(self, kernels: dict[str, ir.Module], host_program: HostProgram,
                      dump: Callable[[str, str], None]) -> Artifact:
        """Triton launches per kernel (``triton``, dumped as ``triton.py``), then one
        cubin per launch (``cubins``, their PTX dumped as ``ptx.ptx``); the host program
        launches them with their grids."""
        started = time.perf_counter()
        launches = {name: lower_kernel(_kernel_function(module)) for name, module in kernels.items()}
        generated = time.perf_counter()
        dump("triton.py", "\n\n".join(launch.source for group in launches.values()
                                      for launch in group))
        compiled = [self._compiled(launch) for group in launches.values() for launch in group]
        if self.options.cubins:
            dump("ptx.ptx", "\n".join(self._ptx[kernel.name] for kernel in compiled))
        return Artifact(pack(compiled), _launching(host_program, launches),
                        {"triton": generated - started, "cubins": time.perf_counter() - generated})

    def _compiled(self, launch: TritonLaunch) -> CudaKernel:
        common = dict(name=launch.name, source=launch.source, signature=list(launch.signature),
                      constexprs=dict(launch.constexprs))
        if not self.options.cubins:
            return CudaKernel(symbol=launch.name, cubin=b"", num_warps=launch.num_warps,
                              shared_bytes=0, global_scratch_bytes=0, **common)
        built = compile_launch(launch)
        self._ptx[launch.name] = built.ptx
        return CudaKernel(symbol=built.symbol, cubin=built.cubin, num_warps=built.num_warps,
                          shared_bytes=built.shared,
                          global_scratch_bytes=built.global_scratch_size, **common)


class CudaInterpreterTarget(CudaTarget):
    """The CUDA target's kernels without cubins, for Triton's interpreter on the CPU."""

    name = "cuda-interpreter"
    builds_cubins = False


def _kernel_function(module: ir.Module) -> ir.Operation:
    return next(op.operation for op in module.body.operations
                if op.operation.name == "func.func" and KERNEL_ATTR in op.attributes)


def _launching(program: HostProgram, launches: dict[str, list[TritonLaunch]]) -> HostProgram:
    """``program`` with each kernel's launch replaced by its Triton launches, in order."""
    steps = []
    for step in program.steps:
        if isinstance(step, Launch):
            steps.extend(Launch(launch.name, tuple(step.args[i] for i in launch.arguments),
                                launch.grid) for launch in launches[step.kernel])
        else:
            steps.append(step)
    return HostProgram(program.arena_bytes, tuple(steps), program.persistent_bytes)
