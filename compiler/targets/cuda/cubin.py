"""One :class:`~.triton_codegen.TritonLaunch` compiled to PTX and a cubin (sm_90 by default).

Compilation runs in a subprocess (:mod:`.triton_compile_worker`), so it never sees the
interpreter's ``TRITON_INTERPRET`` and uses Triton's bundled CUDA 12.9 ``ptxas``. It
takes 5 to 8 s a kernel, so results are cached under ``<Kiln cache dir>/triton/<key>``,
the key hashing the source, signature, constexprs, num_warps, target and Triton version;
``KILN_CACHE=0`` compiles afresh. No GPU is needed.

A kernel compiled by Triton takes, after its pointer parameters (constexprs are baked
in), two more pointers: the global and the profile scratch buffers. Pass null pointers
when ``global_scratch_size`` (and ``profile_scratch_size``) is 0.
"""

import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiln import knobs

from ...diagnostics import InternalCompilerError
from .access_forms import parameter
from .triton_codegen import TritonLaunch

CAPABILITY = 90  # sm_90: H100 and H200
COMPILE_TIMEOUT_SECONDS = 600
WORKER = Path(__file__).with_name("triton_compile_worker.py")
TRITON_CACHE = "triton-cache"


@dataclass(frozen=True)
class CompiledKernel:
    """A launch's cubin, its PTX, and what launching it needs."""

    cubin: bytes
    ptx: str
    symbol: str  # the kernel's name in the cubin
    num_warps: int
    shared: int  # bytes of dynamic shared memory to launch with
    global_scratch_size: int  # bytes per program of the global scratch buffer
    metadata: dict  # everything Triton reported


def compile_launch(launch: TritonLaunch, capability: int,
                   settings: knobs.Knobs) -> CompiledKernel:
    """PTX and cubin of ``launch`` for ``sm_<capability>``, from the cache when already
    compiled."""
    request = {
        "source": launch.source, "name": launch.name,
        "signature": {**{parameter(a): t for a, t in zip(launch.arguments, launch.signature)},
                      **{name: "constexpr" for name in launch.constexprs}},
        "constexprs": launch.constexprs, "num_warps": launch.num_warps,
        "capability": capability,
    }
    key = hashlib.sha256(json.dumps(
        [request, importlib.metadata.version("triton")], sort_keys=True).encode()).hexdigest()
    entry = settings.cache_dir / "triton" / key[:32]
    if not (settings.cache and (entry / "metadata.json").exists()):
        with tempfile.TemporaryDirectory(prefix="kiln-cubin-") as scratch:
            built = Path(scratch) / "entry"
            built.mkdir()
            _run_worker(request, built)
            if not settings.cache:
                return _read(built)
            entry.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(entry, ignore_errors=True)
            shutil.copytree(built, entry, ignore=shutil.ignore_patterns(TRITON_CACHE))
    return _read(entry)


def _run_worker(request: dict, out: Path) -> None:
    (out / "request.json").write_text(json.dumps(request))
    environment = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    environment["TRITON_CACHE_DIR"] = str(out / TRITON_CACHE)  # Kiln's cache keeps the result
    try:
        finished = subprocess.run(
            [sys.executable, str(WORKER), str(out / "request.json"), str(out)],
            env=environment, capture_output=True, text=True, timeout=COMPILE_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        raise InternalCompilerError(f"Triton did not compile kernel {request['name']} within "
                                    f"{COMPILE_TIMEOUT_SECONDS} s") from None
    if finished.returncode:
        raise InternalCompilerError(f"Triton failed to compile kernel {request['name']}:\n"
                                    f"{finished.stderr[-4000:]}\nIts source:\n{request['source']}")


def _read(entry: Path) -> CompiledKernel:
    metadata = json.loads((entry / "metadata.json").read_text())
    return CompiledKernel(
        cubin=(entry / "kernel.cubin").read_bytes(), ptx=(entry / "kernel.ptx").read_text(),
        symbol=metadata["name"], num_warps=metadata["num_warps"], shared=metadata["shared"],
        global_scratch_size=metadata.get("global_scratch_size", 0), metadata=metadata)
