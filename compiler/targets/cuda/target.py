"""The CUDA target's compiler half: each kernel → Triton kernels → sm_90 cubins.

Its stages stop at bufferized, planned linalg (no CPU tiling, packing or OpenMP); then
:func:`~.triton_codegen.lower_kernel` turns each kernel into Triton launches with grids,
each launch is compiled to a cubin (:mod:`.cubin`), and the host program launches them
in place of the kernel. ``cuda-interpreter`` is the same compiler without cubins, for
Triton's interpreter on CPU tensors.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from torch_mlir import ir

from kiln import knobs
from kiln.runtime.devices.cuda_artifact import CudaKernel, pack
from kiln.runtime.host_program import HostProgram, Launch

from ...ir.element_types import TORCH_DTYPES
from ...artifacts.host_program_builder import KERNEL_ATTR
from ..base import Artifact, Capabilities, TargetPasses, parse_options
from .cubin import CAPABILITY, compile_launch
from .triton_codegen import TritonLaunch, lower_kernel


@dataclass(frozen=True)
class CudaOptions:
    """The GPU architecture (``sm_<capability>``, e.g. 90 for the H100 and H200) and
    ``kiln-fuse``'s options (default ``KILN_FUSION``)."""

    capability: int = CAPABILITY
    fusion: str = ""


class CudaTarget:
    """Compiles each kernel to Triton kernels, ahead of time, with no GPU needed."""

    name = "cuda"
    capabilities = Capabilities(ops=None, element_types=frozenset(TORCH_DTYPES))
    builds_cubins = True

    def __init__(self, settings: knobs.Knobs, options: Mapping[str, object] | None = None):
        self.options = parse_options(self.name, CudaOptions, options or {},
                                     {"fusion": settings.fusion})
        self.fusion = self.options.fusion
        self._settings = settings
        self._ptx: dict[str, str] = {}  # each launch's PTX, dumped beside its Triton source

    def passes(self) -> TargetPasses:
        """Only clean-ups: the kernels stay linalg on buffers, which
        :func:`~.triton_codegen.lower_kernel` turns into Triton launches with grids."""
        return TargetPasses(tiling="canonicalize, cse", planned="canonicalize")

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
        if self.builds_cubins:
            dump("ptx.ptx", "\n".join(self._ptx[kernel.name] for kernel in compiled))
        return Artifact(pack(compiled), _launching(host_program, launches),
                        {"triton": generated - started, "cubins": time.perf_counter() - generated})

    def _compiled(self, launch: TritonLaunch) -> CudaKernel:
        common = dict(name=launch.name, source=launch.source, signature=list(launch.signature),
                      constexprs=dict(launch.constexprs))
        if not self.builds_cubins:
            return CudaKernel(symbol=launch.name, cubin=b"", num_warps=launch.num_warps,
                              shared_bytes=0, global_scratch_bytes=0, **common)
        built = compile_launch(launch, self.options.capability, self._settings)
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
