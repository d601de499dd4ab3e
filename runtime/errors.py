"""The error types every Kiln layer raises; the runtime owns them so it stays standalone."""


class KilnError(Exception):
    """Base class of every error Kiln raises on purpose."""


class CallError(KilnError, TypeError):
    """A compiled program was called with arguments that do not match its signature."""


class DeviceError(KilnError, RuntimeError):
    """A device is missing, or could not load or run an artifact."""


class ArtifactError(KilnError, ValueError):
    """A saved artifact is unreadable or was written by an incompatible Kiln."""


class OptionError(KilnError, ValueError):
    """An option given to a compile (``options=``) that the driver or the target does not
    have, or a value of the wrong type. Never a refusal of the program: ``torch.compile``
    raises it rather than running the graph eagerly."""


class InternalCompilerError(Exception):
    """A crash inside Kiln's compiler: a bug in Kiln, never a refusal of the program.

    Deliberately not a :class:`KilnError`, so that code which accepts Kiln's refusals
    (``torch.compile`` running a refused graph eagerly, the conformance runners counting
    one as ``refused``) does not take a crash for one. ``reproducer`` is the file holding
    the failing stage's input, when one was saved.
    """

    def __init__(self, message: str, reproducer: str | None = None):
        super().__init__(message)
        self.reproducer = reproducer
