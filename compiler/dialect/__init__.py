"""The ``kiln`` dialect and the context every compiler stage works in."""

from .context import make_context

__all__ = ["make_context"]
