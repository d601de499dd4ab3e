"""Compiler errors that name what is wrong, where, and what to do next."""

import re
from pathlib import Path

import torch
import torch_mlir
from torch_mlir import ir

from kiln.runtime.errors import KilnError

_FILE_LINE = re.compile(r'"([^"]+)":(\d+):(\d+)')


class FrontendError(KilnError):
    """The program could not be captured or imported."""


class CompileError(KilnError):
    """A compiler stage failed; the message says which and how to reproduce it."""


class UnsupportedOpError(CompileError):
    """An op (ATen or kiln) has no conversion yet."""

    def __init__(self, op_name: str, location: ir.Location, detail: str = ""):
        where = user_source_line(location)
        prefix = f"{where}: " if where else ""
        hint = (
            "kiln.supported_ops() lists what Kiln converts. You can decompose the op "
            "into supported ones in your model, keep it out of the compiled region "
            "(torch.compile(backend='kiln') falls back to eager per graph), or file an issue."
        )
        detail = f" ({detail})" if detail else ""
        super().__init__(f"{prefix}{op_name} is not supported by Kiln yet{detail}.\n{hint}")
        self.op_name = op_name
        self.source_line = where
        self.location = location


def user_source_line(location: ir.Location) -> str | None:
    """The ``file:line`` of the user's code in a location, skipping torch's own frames.

    The FX importer records ``callsite(callee at caller)`` chains; the user's frame is
    the first one outside the torch and kiln packages.
    """
    frames = [(path, line) for path, line, _ in _FILE_LINE.findall(str(location))]
    for path, line in frames:
        if not is_library_frame(path):
            return f"{path}:{line}"
    return None


_LIBRARY_DIRS = (
    str(Path(torch.__file__).resolve().parent),
    str(Path(torch_mlir.__path__[0]).resolve()),
    str(Path(__file__).resolve().parent),
)


def is_library_frame(path: str) -> bool:
    """Whether ``path`` belongs to torch, torch-mlir or Kiln's compiler, not to the user."""
    return str(Path(path).resolve()).startswith(_LIBRARY_DIRS)
