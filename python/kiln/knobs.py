"""Typed settings: the one place that reads Kiln's ``KILN_*`` environment variables.

Every other module asks this one, once per compile; ``kiln.compile(..., options=...)``
and ``torch.compile(..., backend="kiln", options=...)`` override them for one compile
(:func:`with_options`). A knob read here is documented here:

- ``KILN_DUMP_IR``: a directory; every compilation writes the IR of each stage there,
  as if ``dump_ir=`` had been passed to :func:`kiln.compile`.
- ``KILN_CACHE_DIR``: Kiln's cache directory (default: ``$XDG_CACHE_HOME/kiln``, or
  ``~/.cache/kiln`` without ``XDG_CACHE_HOME``). Compiled programs are cached under its
  ``programs/`` folder, and compiled shared objects are written there before loading.
- ``KILN_CACHE``: ``0`` turns the compile cache off: every :func:`kiln.compile` compiles
  afresh and stores nothing (default ``1``, on).
- ``KILN_FALLBACK``: ``0`` is strict mode: an op Kiln does not compile is an error
  that names every such op. By default (``1``) such an op runs through torch, as a host
  step between Kiln's kernels, and ``stats["fallbacks"]`` lists each one and why.
- ``KILN_OPT_LEVEL``: LLVM optimization level for generated code, 0 to 3 (default 3).
- ``KILN_REPRODUCER_DIR``: where a failing pass writes the module it failed on
  (default: the system temporary directory).
- ``KILN_FUSION``: options for ``kiln-fuse``, to turn kinds of fusion off while
  debugging, e.g. ``"epilogues=0"`` or ``"elementwise=0 reductions=0 epilogues=0"``
  (default: empty, everything on).
- ``KILN_SUPPRESS_ERRORS``: ``1`` makes the ``torch.compile`` backend run a graph
  eagerly, with a warning, when Kiln fails with an internal error (a bug in Kiln), as
  it does for a graph Kiln refuses (default ``0``: the internal error is raised).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Knobs:
    """A snapshot of every ``KILN_*`` setting."""

    dump_ir: Path | None
    cache: bool
    cache_dir: Path
    fallback: bool
    opt_level: int
    reproducer_dir: Path
    fusion: str
    suppress_errors: bool


def _path_or_none(name: str) -> Path | None:
    value = os.environ.get(name, "")
    return Path(value) if value else None


def _opt_level() -> int:
    raw = os.environ.get("KILN_OPT_LEVEL", "3")
    if raw not in {"0", "1", "2", "3"}:
        raise ValueError(f"KILN_OPT_LEVEL must be 0, 1, 2 or 3, not {raw!r}")
    return int(raw)


def _switch(name: str, default: str = "1") -> bool:
    """A ``0``/``1`` setting, ``default`` when unset."""
    raw = os.environ.get(name, default)
    if raw not in {"0", "1"}:
        raise ValueError(f"{name} must be 0 or 1, not {raw!r}")
    return raw == "1"


def _cache_dir() -> Path:
    xdg = _path_or_none("XDG_CACHE_HOME")
    return _path_or_none("KILN_CACHE_DIR") or (xdg or Path.home() / ".cache") / "kiln"


# Knobs a compile's ``options`` may set for the driver; every other option is the target's
# (whose defaults may come from knobs too: ``opt_level`` and ``fusion`` for the CPU).
DRIVER_OPTIONS = {"fallback": bool, "cache": bool}


def with_options(settings: Knobs, options: Mapping[str, object]) -> tuple[Knobs, dict]:
    """``settings`` with the driver's ``options`` applied, and the options left for the
    target; a driver option of the wrong type is an ``OptionError`` naming it."""
    from kiln.runtime.errors import OptionError  # the runtime imports this module
    driver, target = {}, {}
    for name, value in options.items():
        if name in DRIVER_OPTIONS:
            if not isinstance(value, DRIVER_OPTIONS[name]):
                raise OptionError(f"Kiln option '{name}' must be {DRIVER_OPTIONS[name].__name__}, "
                                f"not {type(value).__name__} ({value!r})")
            driver[name] = value
        else:
            target[name] = value
    return dataclasses.replace(settings, **driver), target


def current() -> Knobs:
    """Read the environment now and return the settings in force: the defaults of one
    compile, which passes this snapshot on (nothing else reads the environment)."""
    return Knobs(
        dump_ir=_path_or_none("KILN_DUMP_IR"),
        cache=_switch("KILN_CACHE"),
        cache_dir=_cache_dir(),
        fallback=_switch("KILN_FALLBACK"),
        opt_level=_opt_level(),
        reproducer_dir=_path_or_none("KILN_REPRODUCER_DIR") or Path(tempfile.gettempdir()),
        fusion=os.environ.get("KILN_FUSION", "").strip(),
        suppress_errors=_switch("KILN_SUPPRESS_ERRORS", default="0"),
    )
