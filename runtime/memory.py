"""Host memory for outputs and arenas: torch tensors backed by transparent huge pages.

A fresh multi-megabyte tensor is a fresh ``mmap``; touching it costs one page fault per
4 KiB page, which for a 64 MiB output takes longer than the kernel that fills it. Where
the kernel allows it (Linux with transparent huge pages in ``madvise`` mode), Kiln asks
for 2 MiB pages on large allocations, so the same memory costs 512 times fewer faults.
Elsewhere the advice is skipped and the tensors are ordinary ``torch.empty`` tensors.
"""

import ctypes
import sys

import torch

HUGE_PAGE_MIN_BYTES = 4 << 20
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
