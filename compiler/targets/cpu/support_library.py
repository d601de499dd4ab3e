"""The CPU target's C support code, compiled once and cached, then linked into every kernel library.

The sources are package data of :mod:`kiln.runtime.native`: memref routines that MLIR's
lowering calls by name, and the OpenMP entry points that parallel loops call (run on
torch's thread pool). They are compiled to object files on first use, into Kiln's cache
directory, under a key of the sources' bytes, the C compiler's identity and the flags;
every later link reuses those objects.
"""

import functools
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kiln import knobs
from kiln.runtime.native import sources as native_sources

# How each support source is compiled: position-independent code for a shared object.
COMPILE_FLAGS = ("-fPIC", "-O2")


def support_objects(compiler: str) -> list[Path]:
    """Object files of the support sources, compiled by ``compiler`` on first use.

    They are written to a fresh folder and renamed into place, so a process sharing the
    cache directory never links a half-written object; if another process got there
    first, its objects are used.
    """
    sources = native_sources()
    key = _key(compiler, sources)
    folder = knobs.current().cache_dir / "cpu-support" / key
    objects = [folder / f"{Path(name).stem}.o" for name in sources]
    if all(path.is_file() for path in objects):
        return objects
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=folder.parent))
    staging.chmod(0o755)  # mkdtemp's folder is private; the cache may be shared
    try:
        for name, text in sources.items():
            _compile(compiler, name, text, staging / f"{Path(name).stem}.o")
        os.rename(staging, folder)
    except OSError:
        if not all(path.is_file() for path in objects):  # not another process's rename
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return objects


def _key(compiler: str, sources: dict[str, bytes]) -> str:
    digest = hashlib.sha256(json.dumps([_identity(compiler), COMPILE_FLAGS]).encode())
    for name, text in sources.items():
        digest.update(name.encode() + b"\0" + text + b"\0")
    return digest.hexdigest()[:32]


@functools.cache
def _identity(compiler: str) -> list[str]:
    """The compiler's real path and its ``--version`` text: a different compiler, a new key."""
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True)
    return [os.path.realpath(compiler), version.stdout]


def _compile(compiler: str, name: str, text: bytes, output: Path) -> None:
    source = output.with_name(name)
    source.write_bytes(text)
    command = [compiler, "-c", *COMPILE_FLAGS, "-o", str(output), str(source)]
    compiled = subprocess.run(command, capture_output=True, text=True)
    if compiled.returncode:  # the sources are Kiln's own: a failure is Kiln's bug
        raise RuntimeError(f"{compiler} could not compile Kiln's {name}:\n{compiled.stderr}")
