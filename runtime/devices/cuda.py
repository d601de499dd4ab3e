"""The CUDA device: loads cubins with cuda-bindings and launches them on torch's stream.

The arena, persistent buffers and outputs are torch CUDA tensors, so inputs and outputs
pass without copies. Nothing here imports MLIR, the compiler or Triton.
"""

import ctypes
from pathlib import Path

import torch

from ..errors import DeviceError
from .cuda_artifact import CudaKernel, unpack

THREADS_PER_WARP = 32
# Kernels whose dynamic shared memory exceeds this must opt in to more (CUDA's default).
DEFAULT_SHARED_LIMIT = 48 * 1024


class CudaDevice:
    """Runs the CUDA target's kernels on the current CUDA device."""

    name = "cuda"

    def __init__(self, cache_dir: Path | None = None):
        if not torch.cuda.is_available():
            raise DeviceError("this program was compiled for target 'cuda', and torch finds no "
                              "CUDA GPU or driver here; run it on a machine with an NVIDIA GPU, "
                              "or compile it for target 'cpu'")
        try:
            from cuda.bindings import driver
        except ImportError as error:
            raise DeviceError("the CUDA device needs the cuda-bindings package "
                              "(pip install cuda-bindings)") from error
        self._driver = driver
        self._scratch: list[torch.Tensor] = []  # Triton's global scratch, per bound launch
        torch.empty(1, device="cuda")  # makes torch's primary context current here

    def _check(self, result, what: str):
        error, *values = result if isinstance(result, tuple) else (result,)
        if error != self._driver.CUresult.CUDA_SUCCESS:
            raise DeviceError(f"CUDA {what} failed: {error}")
        return values[0] if len(values) == 1 else values

    def load(self, binary: bytes) -> dict[str, tuple[CudaKernel, object]]:
        """Load every cubin of the artifact; each kernel with its CUDA function."""
        loaded = {}
        for name, kernel in unpack(binary).items():
            module = self._check(self._driver.cuModuleLoadData(kernel.cubin), f"loading {name}")
            function = self._check(self._driver.cuModuleGetFunction(module, kernel.symbol.encode()),
                                   f"finding {name}")
            if kernel.shared_bytes > DEFAULT_SHARED_LIMIT:
                attribute = self._driver.CUfunction_attribute
                self._check(self._driver.cuFuncSetAttribute(
                    function, attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                    kernel.shared_bytes), f"granting {name} its shared memory")
            loaded[name] = (kernel, function)
        return loaded

    def kernel(self, module: dict, name: str, arity: int, grid: tuple[int, ...] = ()):
        """A function of ``arity`` addresses that launches ``name`` over ``grid`` on
        torch's current stream; Triton's two trailing scratch pointers are added."""
        if name not in module:
            raise DeviceError(f"the CUDA artifact has no kernel '{name}'")
        kernel, function = module[name]
        x, y, z = (*grid, 1, 1, 1)[:3]
        scratch = 0
        if kernel.global_scratch_bytes:
            self._scratch.append(torch.empty(kernel.global_scratch_bytes * x * y * z,
                                             dtype=torch.uint8, device="cuda"))
            scratch = self._scratch[-1].data_ptr()
        driver, threads = self._driver, kernel.num_warps * THREADS_PER_WARP

        def launch(*addresses: int) -> None:
            values = [ctypes.c_void_p(a) for a in (*addresses, scratch, 0)]
            pointers = (ctypes.c_void_p * len(values))(*[ctypes.addressof(v) for v in values])
            stream = torch.cuda.current_stream().cuda_stream
            self._check(driver.cuLaunchKernel(function, x, y, z, threads, 1, 1,
                                              kernel.shared_bytes, stream,
                                              ctypes.addressof(pointers), 0), f"launching {name}")

        return launch

    @staticmethod
    def allocate(nbytes: int, alignment: int) -> tuple[torch.Tensor, int]:
        """``nbytes`` of GPU memory from torch's allocator (which aligns to 512 bytes)."""
        storage = torch.empty(nbytes + alignment, dtype=torch.uint8, device="cuda")
        return storage, -(-storage.data_ptr() // alignment) * alignment

    @staticmethod
    def empty(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        return torch.empty(shape, dtype=dtype, device="cuda")

    @staticmethod
    def adopt(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.to("cuda")

    def copier(self, nbytes: int):
        """A step function that copies ``nbytes`` between GPU addresses on torch's stream."""
        driver = self._driver

        def copy(target: int, source: int) -> None:
            stream = torch.cuda.current_stream().cuda_stream
            self._check(driver.cuMemcpyDtoDAsync(target, source, nbytes, stream), "copying")

        return copy

    @staticmethod
    def tensor_at(address: int, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """A tensor over GPU memory, through ``__cuda_array_interface__``."""
        count = int(torch.Size(shape).numel())
        if count == 0:
            return torch.empty(shape, dtype=dtype, device="cuda")
        raw = _CudaArray(address, count * dtype.itemsize)
        return torch.as_tensor(raw, device="cuda").view(dtype).view(shape)

    @staticmethod
    def synchronize() -> None:
        torch.cuda.synchronize()

    @staticmethod
    def check_tensor(tensor) -> str | None:
        return None if tensor.device.type == "cuda" else f"is on {tensor.device}, expected cuda"


class _CudaArray:
    """``nbytes`` of GPU memory at ``address``, as torch can wrap without a copy."""

    def __init__(self, address: int, nbytes: int):
        self.__cuda_array_interface__ = {"shape": (nbytes,), "typestr": "|u1",
                                         "data": (address, False), "version": 3}
