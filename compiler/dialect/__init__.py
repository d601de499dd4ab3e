"""The ``kiln`` dialect and the context every compiler stage works in."""

from . import fallback, kernel  # noqa: F401  (define kiln.fallback, kiln.kernel before the dialect loads)
from .context import make_context

__all__ = ["make_context"]
