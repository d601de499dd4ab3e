"""Host memory for outputs and arenas: torch tensors backed by transparent huge pages.

glibc serves an allocation of 32 MiB or more (its largest mmap threshold) with a fresh
``mmap`` every time; touching it costs one page fault per 4 KiB page, which for a
64 MiB output takes longer than the kernel that fills it. For those, Kiln asks the
kernel (Linux, transparent huge pages in ``madvise`` mode) for 2 MiB pages: 512 times
fewer faults. Smaller allocations are reused from glibc's heap without faults, and
advising them only makes the kernel compact memory, so they are left alone, as are
platforms without ``madvise``.
"""

import ctypes
import math
import sys
import threading

import torch

HUGE_PAGE_MIN_BYTES = 32 << 20
_PAGE = 4096
_MADV_HUGEPAGE = 14


def _madvise():
    if not sys.platform.startswith("linux"):
        return None
    function = getattr(ctypes.CDLL(None, use_errno=True), "madvise", None)
    if function is not None:
        function.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        function.restype = ctypes.c_int
    return function


_advise = _madvise()
# How many references a storage has; a private torch API, so without it nothing is pooled.
_use_count = getattr(torch._C, "_storage_Use_Count", None)


def empty(shape, dtype: torch.dtype) -> torch.Tensor:
    """An uninitialized CPU tensor; large ones are advised to use huge pages."""
    tensor = torch.empty(shape, dtype=dtype)
    nbytes = tensor.numel() * tensor.element_size()
    if _advise is not None and nbytes >= HUGE_PAGE_MIN_BYTES:
        start = -(-tensor.data_ptr() // _PAGE) * _PAGE
        end = (tensor.data_ptr() + nbytes) // _PAGE * _PAGE
        _advise(start, end - start, _MADV_HUGEPAGE)  # advice only: a failure changes nothing
    return tensor


class OutputPool:
    """Reuses the memory of large outputs once the caller has let go of them.

    Each call returns fresh output tensors, never memory a caller can still see. But a
    multi-megabyte output that the caller has dropped (no tensor or view refers to its
    storage any more: only this pool does) is memory nobody can observe, and reusing it
    spares the page faults of a fresh allocation, which for a memory-bound kernel cost
    more than the kernel. Outputs under ``min_bytes`` come from glibc's heap cheaply and
    are not pooled.
    """

    def __init__(self, allocate=empty, min_bytes: int = 1 << 20, per_output: int = 2):
        self.allocate = allocate  # (shape, dtype) -> a new tensor on the program's device
        self.min_bytes = min_bytes
        self.per_output = per_output
        self._storages: dict[int, list] = {}
        self._lock = threading.Lock()  # a storage found free is claimed before another look

    def empty(self, index: int, shape, dtype: torch.dtype) -> torch.Tensor:
        """An uninitialized tensor for output ``index``, on memory no one else holds."""
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes < self.min_bytes or _use_count is None:
            return self.allocate(shape, dtype)
        with self._lock:
            kept = self._storages.setdefault(index, [])
            for storage in kept:
                if _use_count(storage._cdata) == 1:  # only this pool holds it
                    return torch.empty(0, dtype=dtype, device=storage.device).set_(storage, 0, shape)
            tensor = self.allocate(shape, dtype)
            if len(kept) < self.per_output:
                kept.append(tensor.untyped_storage())
            return tensor

