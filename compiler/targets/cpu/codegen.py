"""CPU code generation: each kernel's LLVM IR → an object; all → one shared object."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import llvmlite.binding as llvm

from ...diagnostics import CompileError
from . import llvm_compile_worker
from .llvm_compile_worker import compile_module, host_machine
from .support_library import support_objects

# Below this much LLVM IR (about a quarter second of LLVM work), a worker process's
# start-up costs more than it saves.
PARALLEL_MIN_IR_CHARS = 120_000


def emit_shared_object(kernels: dict[str, str], opt_level: int) -> bytes:
    """Optimize each kernel's LLVM IR for the host; return one shared object's bytes.

    ``kernels`` maps each kernel's name to its module's LLVM IR text; each becomes one
    object file. The modules are shared among the host's cores: this process compiles
    one share and a worker process (:mod:`.llvm_compile_worker`) each of the others.
    """
    cpu, features = llvm.get_host_cpu_name(), _host_features()
    shares = _balanced_shares(list(kernels.values()), _worker_count(kernels))
    with tempfile.TemporaryDirectory(prefix="kiln-codegen-") as directory:
        directory = Path(directory)
        workers = [_start_worker(share, index, cpu, features, opt_level, directory)
                   for index, share in enumerate(shares[1:], start=1)]
        machine = host_machine(cpu, features, opt_level)
        objects = []
        for position, llvm_ir in enumerate(shares[0]):
            objects.append(directory / f"share-0-{position}.o")
            objects[-1].write_bytes(compile_module(llvm_ir, machine, opt_level))
        for worker, worker_objects in workers:
            _wait_for(worker)
            objects += worker_objects
        return _link_shared_object(objects, directory)


def _host_features() -> str:
    """The host's CPU features; with AVX-512, LLVM may use 512-bit vectors.

    Some CPUs (Sapphire Rapids, Skylake-X) tune LLVM to stay on 256-bit vectors; the
    vectorized math of ``kiln-expand-math`` runs faster on 512-bit ones.
    """
    features = llvm.get_host_cpu_features()
    text = features.flatten()
    return text + ",-prefer-256-bit" if features.get("avx512f") else text


def _worker_count(kernels: dict[str, str]) -> int:
    """How many processes share the LLVM work: one per usable core, if there is enough."""
    if sum(map(len, kernels.values())) < PARALLEL_MIN_IR_CHARS:
        return 1
    return max(1, min(len(os.sched_getaffinity(0)), len(kernels)))


def _balanced_shares(modules: list[str], count: int) -> list[list[str]]:
    """``modules`` split into ``count`` shares of about equal IR size, largest first."""
    shares: list[list[str]] = [[] for _ in range(count)]
    sizes = [0] * count
    for module in sorted(modules, key=len, reverse=True):
        lightest = sizes.index(min(sizes))
        shares[lightest].append(module)
        sizes[lightest] += len(module)
    return shares


def _start_worker(share, index, cpu, features, opt_level, directory: Path):
    """A worker process compiling ``share``, and the object files it will write."""
    pairs = []
    for position, llvm_ir in enumerate(share):
        ir_path = directory / f"share-{index}-{position}.ll"
        ir_path.write_text(llvm_ir)
        pairs.append((str(ir_path), str(ir_path.with_suffix(".o"))))
    request = directory / f"share-{index}.json"
    request.write_text(json.dumps({"cpu": cpu, "features": features,
                                   "opt_level": opt_level, "modules": pairs}))
    worker = subprocess.Popen([sys.executable, llvm_compile_worker.__file__, str(request)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return worker, [Path(object_path) for _, object_path in pairs]


def _wait_for(worker: subprocess.Popen) -> None:
    _, stderr = worker.communicate()
    if worker.returncode:  # the modules are Kiln's own: a failure is Kiln's bug
        raise RuntimeError(f"an LLVM compile worker failed (exit {worker.returncode}):\n{stderr}")


def _link_shared_object(objects: list[Path], directory: Path) -> bytes:
    linker = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if linker is None:
        raise CompileError(
            "the CPU target links kernels with the system C compiler, and none was found; "
            "install one (e.g. `apt-get install gcc`)"
        )
    library_path = directory / "kernels.so"
    command = [linker, "-shared", "-fPIC", "-O2", "-o", str(library_path),
               *map(str, objects), *map(str, support_objects(linker)), "-lm"]
    linked = subprocess.run(command, capture_output=True, text=True)
    if linked.returncode:  # the objects are Kiln's own: a failure is Kiln's bug
        raise RuntimeError(f"{linker} could not link the CPU kernels:\n{linked.stderr}")
    return library_path.read_bytes()
