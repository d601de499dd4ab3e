"""Runs a whole host program of the CUDA target's Triton launches on CPU tensors, through
Triton's interpreter (:mod:`kiln.runtime.devices.triton_interpreter`), to check the
generated kernels' numerics with no GPU: the compiler's tests use :func:`run_host_program`
on the launches :func:`~.triton_codegen.lower_kernel` makes.
"""

from collections.abc import Sequence

import torch

from kiln.runtime.devices.cpu import CpuDevice
from kiln.runtime.devices.triton_interpreter import TORCH_DTYPES, run_launches
from kiln.runtime.fallback import bind_fallback
from kiln.runtime.host_program import BufferRef, Copy, Fallback, HostProgram, Launch, Prepack

from .triton_codegen import TritonLaunch


def run_host_program(program: HostProgram, kernels: dict[str, Sequence[TritonLaunch]],
                     state: Sequence[torch.Tensor], inputs: Sequence[torch.Tensor],
                     outputs: Sequence[torch.Tensor]) -> None:
    """Run ``program`` on contiguous CPU tensors, each kernel through its Triton launches
    in the interpreter; the results land in ``outputs``."""
    for tensor in (*state, *inputs, *outputs):
        if not tensor.is_contiguous() or tensor.device.type != "cpu":
            raise ValueError("run_host_program takes contiguous CPU tensors")
    arena = torch.zeros(program.arena_bytes, dtype=torch.uint8)
    persistent = [torch.zeros(size, dtype=torch.uint8) for size in program.persistent_bytes]
    tensors = {"state": state, "input": inputs, "output": outputs}

    def bytes_at(ref: BufferRef) -> torch.Tensor:
        if ref.kind == "arena":
            return arena[ref.index:]
        if ref.kind == "persistent":
            return persistent[ref.index]
        return tensors[ref.kind][ref.index].reshape(-1).view(torch.uint8)

    def typed(ref: BufferRef, dtype: torch.dtype) -> torch.Tensor:
        raw = bytes_at(ref)
        size = dtype.itemsize
        return raw[:raw.numel() // size * size].view(dtype)

    for step in program.steps:
        if isinstance(step, (Launch, Prepack)):
            launches = kernels[step.kernel]
            types = {a: t for launch in launches for a, t in zip(launch.arguments, launch.signature)}
            run_launches(launches, [typed(ref, TORCH_DTYPES[types[i]]) if i in types else None
                                    for i, ref in enumerate(step.args)])
        elif isinstance(step, Copy):
            bytes_at(step.target)[:step.nbytes].copy_(bytes_at(step.source)[:step.nbytes])
        elif isinstance(step, Fallback):
            run = bind_fallback(step, CpuDevice)
            run(*(bytes_at(t.buffer).data_ptr() for t in (*step.args, *step.results)))
