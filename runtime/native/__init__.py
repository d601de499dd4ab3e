"""The C sources that the CPU target links into every kernel library, shipped as package data.

``kiln_cpu_support.c`` holds memref routines that MLIR's lowering calls by name;
``kiln_openmp_shim.c`` the OpenMP entry points of parallel loops, run on torch's thread
pool. The compiler half compiles them once (``kiln.compiler.targets.cpu.support_library``).
"""

import importlib.resources


def sources() -> dict[str, bytes]:
    """Every ``*.c`` file of this package, by file name, in name order."""
    folder = importlib.resources.files(__name__)
    return {source.name: source.read_bytes()
            for source in sorted(folder.iterdir(), key=lambda s: s.name) if source.name.endswith(".c")}
