"""lit configuration for Kiln's FileCheck tests: ``RUN: kiln-opt %s ... | FileCheck %s``.

Run with ``lit -v test`` from the virtual environment Kiln is installed in: ``kiln-opt``
is taken from next to that Python. ``not`` is lit's built-in.
"""

import os
import shutil
import sys

import lit.formats

config.name = "Kiln"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.excludes = ["python", "Inputs"]
config.test_source_root = os.path.dirname(__file__)


def _kiln_opt() -> str:
    script = os.path.join(os.path.dirname(sys.executable), "kiln-opt")
    if os.path.exists(script):
        return script
    return f"{sys.executable} -m kiln.compiler.tools.kiln_opt"


def _filecheck() -> str:
    candidates = [
        os.environ.get("FILECHECK"),
        shutil.which("FileCheck"),
        shutil.which("FileCheck-22"),
        "/usr/lib/llvm-22/bin/FileCheck",
        shutil.which("filecheck", path=os.path.dirname(sys.executable)),
        shutil.which("filecheck"),
    ]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    lit_config.fatal("no FileCheck found: install llvm-22-tools, or set FILECHECK")


def _tool(name: str) -> str:
    """A pattern for ``name`` used as a command word, not inside a path or a longer name."""
    return rf"(?<![\w./-]){name}(?![\w.-])"


config.substitutions.append(("%python", sys.executable))
config.substitutions.append((_tool("kiln-opt"), _kiln_opt()))
config.substitutions.append((_tool("FileCheck"), _filecheck()))
