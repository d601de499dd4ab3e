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
import sys

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


def empty(shape, dtype: torch.dtype) -> torch.Tensor:
    """An uninitialized CPU tensor; large ones are advised to use huge pages."""
    tensor = torch.empty(shape, dtype=dtype)
    nbytes = tensor.numel() * tensor.element_size()
    if _advise is not None and nbytes >= HUGE_PAGE_MIN_BYTES:
        start = -(-tensor.data_ptr() // _PAGE) * _PAGE
        end = (tensor.data_ptr() + nbytes) // _PAGE * _PAGE
        _advise(start, end - start, _MADV_HUGEPAGE)  # advice only: a failure changes nothing
    return tensor
