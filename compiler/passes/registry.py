"""Kiln's Python passes: registration by kebab-case name, options as dataclass fields.

A pass is a dataclass with a ``run(module)`` method and an ``argument`` class variable;
its docstring's first line is the summary ``kiln-opt --list-passes`` shows.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from torch_mlir import ir

from kiln.runtime.errors import KilnError

from ..diagnostics import InvalidIRError

PASSES: dict[str, type] = {}


def register_pass(cls: type) -> type:
    """Class decorator: makes ``cls`` available to pipelines under ``cls.argument``."""
    if not cls.__doc__:
        raise TypeError(f"pass {cls.__name__} needs a docstring")
    PASSES[cls.argument] = cls
    return cls


def summary(cls: type) -> str:
    return cls.__doc__.strip().splitlines()[0]


def description(cls: type) -> str:
    return "\n".join(cls.__doc__.strip().splitlines()[1:]).strip()


def options(cls: type) -> list[dataclasses.Field]:
    return list(dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else []


def instantiate(argument: str, option_text: str = ""):
    """Build a pass from ``name`` and ``key=value key2=v1,v2`` option text."""
    cls = PASSES[argument]
    known = {f.name.replace("_", "-"): f for f in options(cls)}
    values = {}
    for item in option_text.split():
        key, _, raw = item.partition("=")
        if key not in known:
            raise KilnError(f"pass '{argument}' has no option '{key}'; it has: {', '.join(known) or 'none'}")
        values[known[key].name] = _parse_option(known[key], raw)
    return cls(**values)


def _parse_option(field: dataclasses.Field, raw: str):
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    if kind == "bool":
        return raw in ("", "1", "true", "True")
    if kind == "int":
        return int(raw)
    if kind.startswith("tuple"):
        return tuple(int(x) for x in raw.split(",") if x)
    return raw


@dataclass
class PassFailures:
    """Collects the Kiln errors raised inside passes while a PassManager runs."""

    errors: list[KilnError] = dataclasses.field(default_factory=list)


def as_external_pass(pass_object, failures: PassFailures) -> Callable:
    """Adapts a Kiln pass to ``PassManager.add``: errors become diagnostics plus a failure.

    A :class:`KilnError` is the user's problem and keeps its location. An
    :class:`InvalidIRError` (IR outside the pass's contract) is reported at its location
    too, but not recorded: in ``kiln.compile`` it is Kiln's bug. Any other exception is a
    bug in the pass, reported at the module as an internal error.
    """

    def run(op: ir.Operation, external_pass) -> None:
        try:
            pass_object.run(op)
        except (KilnError, InvalidIRError) as error:
            if isinstance(error, KilnError):
                failures.errors.append(error)
            location = getattr(error, "location", None) or op.location
            location.emit_error(str(error))
            external_pass.signal_pass_failure()
        except Exception as error:  # a bug in the pass: a diagnostic, not a traceback
            op.location.emit_error(f"internal error in {pass_object.argument}: "
                                   f"{type(error).__name__}: {error}")
            external_pass.signal_pass_failure()

    run.__name__ = type(pass_object).__name__
    return run
