"""The CPU device: loads a shared object of kernels and calls them with ctypes."""

import ctypes
import functools
import hashlib
import os
import tempfile
from pathlib import Path

import torch

from .. import memory
from ..errors import DeviceError


class CpuDevice:
    """Runs kernels compiled for the host CPU; tensors stay where torch put them."""

    name = "cpu"

    def __init__(self, cache_dir: Path | None = None):
        self._cache_dir = cache_dir or Path(tempfile.mkdtemp(prefix="kiln-"))

    def load(self, binary: bytes) -> ctypes.CDLL:
        """Write the shared object once per content hash and load it.

        It is written to a temporary file and renamed into place, so a process sharing
        the cache directory never loads half a library; a file already there that differs
        from ``binary`` (damaged on disk) is replaced before it is loaded.
        """
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        path = self._cache_dir / f"kernels-{hashlib.sha256(binary).hexdigest()[:16]}.so"
        if not path.exists() or path.read_bytes() != binary:
            _write_atomically(path, binary)
        try:
            return ctypes.CDLL(str(path))
        except OSError as error:
            raise DeviceError(f"the CPU device could not load {path}: {error}") from error

    @staticmethod
    def kernel(library: ctypes.CDLL, name: str, arity: int, grid: tuple[int, ...] = ()):
        """Kernel ``name`` of ``library``, callable with ``arity`` addresses (ints).

        A CPU kernel spreads its own loops over the cores, so it takes no grid. One
        ctypes prototype serves every kernel of an arity, and the function object is a
        fresh one, not the attribute that ``getattr(library, name)`` caches and shares,
        so loading many kernels costs one symbol lookup each.
        """
        if grid:
            raise DeviceError(f"CPU kernel '{name}' was given a launch grid {grid}")
        try:
            return _prototype(arity)((name, library))
        except AttributeError as error:
            raise DeviceError(f"the CPU kernel library has no kernel '{name}'") from error

    @staticmethod
    def allocate(nbytes: int, alignment: int) -> tuple[torch.Tensor, int]:
        """``nbytes`` of host memory from torch, and its first ``alignment``-aligned address."""
        storage = memory.empty((nbytes + alignment - 1,), torch.uint8)
        return storage, -(-storage.data_ptr() // alignment) * alignment

    @staticmethod
    def empty(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        return memory.empty(shape, dtype)

    @staticmethod
    def adopt(tensor: torch.Tensor) -> torch.Tensor:
        return tensor.cpu()

    @staticmethod
    def copier(nbytes: int):
        """A step function that copies ``nbytes`` from its second address to its first."""
        def copy(target: int, source: int) -> None:
            ctypes.memmove(target, source, nbytes)
        return copy

    @staticmethod
    def tensor_at(address: int, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        nbytes = dtype.itemsize * int(torch.Size(shape).numel())
        if nbytes == 0:
            return torch.empty(shape, dtype=dtype)
        return torch.frombuffer((ctypes.c_byte * nbytes).from_address(address), dtype=dtype).view(shape)

    @staticmethod
    def synchronize() -> None:
        """CPU kernels have finished when their call returns."""

    @staticmethod
    def check_tensor(tensor) -> str | None:
        return None if tensor.device.type == "cpu" else f"is on {tensor.device}, expected cpu"


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a unique temporary file beside ``path``, then rename it to ``path``."""
    file = tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False)
    try:
        with file:
            file.write(data)
        os.replace(file.name, path)
    except BaseException:
        Path(file.name).unlink(missing_ok=True)
        raise


@functools.cache
def _prototype(arity: int):
    """The ctypes type of ``void kernel(void *, ... arity times)``."""
    return ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * arity)
