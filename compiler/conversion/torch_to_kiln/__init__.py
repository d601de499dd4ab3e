"""``convert-torch-to-kiln``: the torch dialect to the kiln dialect."""

from .convert import ConvertTorchToKiln
from .registry import supported_ops

__all__ = ["ConvertTorchToKiln", "supported_ops"]
