"""The ``cuda-interpreter`` device: the CUDA target's Triton kernels, run by Triton's
interpreter on CPU tensors, so that their numerics are checked without a GPU.

Memory is the CPU device's; each launch gets one-element tensors at its buffers'
addresses, which is all the interpreter needs (it reads through raw pointers).
"""

from ..errors import DeviceError
from .cpu import CpuDevice
from .cuda_artifact import CudaKernel, unpack
from .triton_interpreter import TORCH_DTYPES, InterpretedLaunch, run_launches


class CudaInterpreterDevice(CpuDevice):
    """Runs a CUDA artifact's Triton sources in Triton's interpreter."""

    name = "cuda-interpreter"

    def load(self, binary: bytes) -> dict[str, CudaKernel]:
        return unpack(binary)

    def kernel(self, module: dict[str, CudaKernel], name: str, arity: int,
               grid: tuple[int, ...] = ()):
        if name not in module:
            raise DeviceError(f"the CUDA artifact has no kernel '{name}'")
        kernel = module[name]
        launch = InterpretedLaunch(name=kernel.name, source=kernel.source,
                                   arguments=tuple(range(arity)), grid=grid,
                                   num_warps=kernel.num_warps, constexprs=dict(kernel.constexprs))
        dtypes = [TORCH_DTYPES[kind] for kind in kernel.signature]

        def launch_interpreted(*addresses: int) -> None:
            run_launches([launch], [self.tensor_at(a, (1,), dtype)
                                    for a, dtype in zip(addresses, dtypes)])

        return launch_interpreted
