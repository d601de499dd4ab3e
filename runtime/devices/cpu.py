"""The CPU device: loads a shared object of kernels and calls them with ctypes."""

import ctypes
import functools
import hashlib
import os
import tempfile
from pathlib import Path

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
    def kernel(library: ctypes.CDLL, name: str, arity: int):
        """Kernel ``name`` of ``library``, callable with ``arity`` addresses (ints).

        One ctypes prototype serves every kernel of an arity, and the function object
        is a fresh one, not the attribute that ``getattr(library, name)`` caches and
        shares, so loading many kernels costs one symbol lookup each.
        """
        try:
            return _prototype(arity)((name, library))
        except AttributeError as error:
            raise DeviceError(f"the CPU kernel library has no kernel '{name}'") from error

    def check_tensor(self, tensor) -> str | None:
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
