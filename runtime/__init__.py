"""Kiln's runtime: runs compiled executables. It never imports MLIR or the compiler."""

from .errors import ArtifactError, CallError, DeviceError, KilnError
from .executable import Executable, TensorSpec, load

__all__ = ["ArtifactError", "CallError", "DeviceError", "Executable", "KilnError", "TensorSpec", "load"]
