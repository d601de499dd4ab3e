"""``convert-kiln-to-linalg``: the kiln dialect to linalg on tensors."""

from .convert import ConvertKilnToLinalg

__all__ = ["ConvertKilnToLinalg"]
