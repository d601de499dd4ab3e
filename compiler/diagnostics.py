"""Compiler errors that name what is wrong, where, and what to do next."""

import re
from pathlib import Path

import torch
import torch_mlir
from torch_mlir import ir

from kiln.runtime.errors import InternalCompilerError, KilnError

_FILE_LINE = re.compile(r'"([^"]+)":(\d+):(\d+)')


class FrontendError(KilnError):
    """The program could not be captured or imported."""


class CompileError(KilnError):
    """Kiln refuses the program at a compiler stage: an op it does not convert, or one
    the target cannot run; the message names the op, its line and what to do."""


class UnsupportedOpError(CompileError):
    """Ops (ATen or kiln) with no conversion yet; the message names each one and its line."""

    def __init__(self, op_name: str, location: ir.Location, detail: str = ""):
        where = user_source_line(location)
        self.op_name = op_name
        self.source_line = where
        self.location = location
        prefix = f"{where}: " if where else ""
        suffix = f" ({detail})" if detail else ""
        self.problems = [f"{prefix}{op_name} is not supported by Kiln yet{suffix}"]
        super().__init__(self._message())

    def merged_with(self, others: list["UnsupportedOpError"]) -> "UnsupportedOpError":
        """This error, naming the ops of ``others`` too."""
        self.problems += [problem for other in others for problem in other.problems]
        self.args = (self._message(),)
        return self

    def _message(self) -> str:
        hint = ("kiln.supported_ops() lists what Kiln converts. Let Kiln run the other ops "
                "through torch (the default; KILN_FALLBACK=0 turns that off), decompose them "
                "into supported ones in your model, or file an issue.")
        return "\n".join(self.problems) + f"\n{hint}"


class InvalidIRError(InternalCompilerError):
    """IR outside the contract of the pass or builder it was given, at ``location``.

    ``kiln-opt`` reports it as a diagnostic there (the user wrote that IR); inside
    ``kiln.compile`` every module is Kiln's own, so it is an internal error.
    """

    def __init__(self, message: str, location: ir.Location | None = None):
        super().__init__(message)
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


_STACK_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def user_line_of_stack(stack_trace: str | None) -> str | None:
    """The ``file:line`` of the user's innermost frame in an FX node's ``stack_trace``."""
    frames = _STACK_FRAME.findall(stack_trace or "")
    user_frames = [f"{path}:{line}" for path, line in frames if not is_library_frame(path)]
    return user_frames[-1] if user_frames else None


def is_library_frame(path: str) -> bool:
    """Whether ``path`` belongs to torch, torch-mlir or Kiln's compiler, not to the user."""
    return str(Path(path).resolve()).startswith(_LIBRARY_DIRS)
