"""Kiln's version, read from one place: ``pyproject.toml``'s ``[project] version``.

An installed Kiln reads it from its distribution's metadata, which pip wrote from
``pyproject.toml``; Kiln imported from a checkout that pip has not installed (as on a
GPU machine that received only the runtime) reads ``pyproject.toml`` itself.
"""

import importlib.metadata
import tomllib
from pathlib import Path

# python/kiln/version.py → the checkout's root
CHECKOUT_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def kiln_version() -> str:
    """The installed distribution's version, or the checkout's ``pyproject.toml`` version."""
    try:
        return importlib.metadata.version("kiln")
    except importlib.metadata.PackageNotFoundError:
        return tomllib.loads(CHECKOUT_PYPROJECT.read_text())["project"]["version"]


__version__ = kiln_version()
