"""Package discovery for Kiln's one distribution.

Kiln's import packages live in four folders (``kiln`` in ``python/kiln``,
``kiln.compiler`` in ``compiler/``, ``kiln.runtime`` in ``runtime/``, ``kiln.tools`` in
``tools/``). setuptools' ``packages.find`` can search a folder but cannot give what it
finds a prefix, so this file does that: every folder under a root that holds an
``__init__.py`` is a package, named by its path under the root. Everything else (metadata,
dependencies, entry points, package data) is in ``pyproject.toml``.
"""

from setuptools import find_packages, setup

PACKAGE_ROOTS = {
    "kiln": "python/kiln",
    "kiln.compiler": "compiler",
    "kiln.runtime": "runtime",
    "kiln.tools": "tools",
}


def discover_packages() -> list[str]:
    """Every import package under :data:`PACKAGE_ROOTS`, the roots included."""
    found = set(PACKAGE_ROOTS)
    for root, folder in PACKAGE_ROOTS.items():
        found.update(f"{root}.{package}" for package in find_packages(folder))
    return sorted(found)


setup(package_dir=PACKAGE_ROOTS, packages=discover_packages())
