"""The error types every Kiln layer raises; the runtime owns them so it stays standalone."""


class KilnError(Exception):
    """Base class of every error Kiln raises on purpose."""


class CallError(KilnError, TypeError):
    """A compiled program was called with arguments that do not match its signature."""


class DeviceError(KilnError, RuntimeError):
    """A device is missing, or could not load or run an artifact."""


class ArtifactError(KilnError, ValueError):
    """A saved artifact is unreadable or was written by an incompatible Kiln."""
