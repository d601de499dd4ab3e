"""The ``kiln`` dialect and the context every compiler stage works in."""

from . import kernel  # noqa: F401  (defines kiln.kernel before the dialect loads)
from .context import make_context

__all__ = ["make_context"]
