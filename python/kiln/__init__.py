"""Kiln: a compiler for PyTorch programs, built on MLIR and LLVM.

``kiln.compile(module, *example_args)`` compiles; ``kiln.load(path)`` loads a saved
executable without importing the compiler; ``torch.compile(module, backend="kiln")``
uses Kiln as a TorchDynamo backend.
"""

from kiln.runtime import ArtifactError, CallError, DeviceError, Executable, KilnError, load
from kiln.runtime.errors import InternalCompilerError, OptionError

from .api import compile
from .version import __version__


def supported_ops() -> list[str]:
    """The ATen ops Kiln converts to its dialect."""
    from kiln.compiler.conversion.torch_to_kiln import supported_ops as converted

    return converted()


__all__ = [
    "ArtifactError", "CallError", "DeviceError", "Executable", "InternalCompilerError",
    "KilnError", "OptionError", "compile", "load",
    "supported_ops",
]
