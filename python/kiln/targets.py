"""Kiln's targets, found through the entry-point group ``kiln.targets``.

A target is a pair of halves, named by import path so that neither is imported before
it is needed:

- the *compiler half* (it imports MLIR): its stages from the ``kiln`` dialect to an
  artifact, its options and what it can run (see ``kiln.compiler.targets.base``);
- the *runtime half*, a device (it imports neither MLIR nor the compiler): it allocates,
  copies, loads an artifact, launches kernels and synchronizes (see
  ``kiln.runtime.devices.base``).

Each entry point names a :class:`TargetSpec`. ``cpu`` and ``cuda`` are registered in
Kiln's own ``pyproject.toml`` exactly as a vendor's plug-in registers its target::

    [project.entry-points."kiln.targets"]
    mychip = "mychip_kiln:TARGET"   # TARGET = TargetSpec("mychip", "mychip_kiln.compiler:MyChipCompiler", ...)
"""

import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import json
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from kiln.runtime.errors import DeviceError, KilnError

ENTRY_POINT_GROUP = "kiln.targets"


@dataclass(frozen=True)
class TargetSpec:
    """A target's name and the ``module:attribute`` paths of its two halves."""

    name: str
    compiler: str  # a class with the compiler-half interface
    device: str  # a class with the device interface
    description: str = ""
    # Distributions whose version changes the code the target generates (its tools).
    tools: tuple[str, ...] = ()


CPU = TargetSpec("cpu", "kiln.compiler.targets.cpu:CpuTarget", "kiln.runtime.devices.cpu:CpuDevice",
                 "the host CPU: LLVM through llvmlite, OpenMP loops on torch's thread pool")
CUDA = TargetSpec("cuda", "kiln.compiler.targets.cuda.target:CudaTarget",
                  "kiln.runtime.devices.cuda:CudaDevice",
                  "NVIDIA GPUs (sm_90): Triton kernels compiled ahead of time to cubins",
                  tools=("triton",))
CUDA_INTERPRETER = TargetSpec(
    "cuda-interpreter", "kiln.compiler.targets.cuda.target:CudaInterpreterTarget",
    "kiln.runtime.devices.cuda_interpreter:CudaInterpreterDevice",
    "the CUDA target's Triton kernels run by Triton's interpreter on CPU tensors, to check "
    "numerics without a GPU", tools=("triton",))


BUILT_IN = (CPU, CUDA, CUDA_INTERPRETER)


@functools.cache
def available() -> dict[str, TargetSpec]:
    """Every registered target, by name.

    Kiln registers its own targets in its ``pyproject.toml``; run from a source tree that
    pip has not installed (as on a GPU machine that only received the runtime), they
    are found without their entry points.
    """
    found = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        spec = entry.load()
        if not isinstance(spec, TargetSpec) or spec.name != entry.name:
            raise KilnError(f"the '{ENTRY_POINT_GROUP}' entry point '{entry.name}' ({entry.value}) "
                            f"must name a kiln.targets.TargetSpec called '{entry.name}'")
        found[entry.name] = spec
    if CPU.name not in found:
        found.update((spec.name, spec) for spec in BUILT_IN)
    return found


def spec(name: str) -> TargetSpec:
    """The registered target ``name``; :class:`DeviceError` naming the others if none."""
    targets = available()
    if name not in targets:
        raise DeviceError(f"unknown target '{name}'; available: {', '.join(sorted(targets))}. "
                          f"A target registers itself in the '{ENTRY_POINT_GROUP}' entry-point group.")
    return targets[name]


def load_half(path: str):
    """The object at ``module:attribute``."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def target_hash(name: str, options: dict) -> str:
    """What the compile cache keys a target by, without importing its compiler half (a
    cache hit imports no MLIR): its name, the options given to it, the versions of its
    tools, and the sources of its packages outside Kiln (Kiln's own are in the key)."""
    target = spec(name)
    digest = hashlib.sha256(json.dumps([name, sorted((k, repr(v)) for k, v in options.items())])
                            .encode())
    for tool in target.tools:
        try:
            digest.update(f"{tool}={importlib.metadata.version(tool)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{tool} absent".encode())
    packages = {path.partition(":")[0].split(".")[0] for path in (target.compiler, target.device)}
    for package in sorted(packages - {"kiln"}):
        for source in _package_sources(package):
            digest.update(str(source).encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()


def _package_sources(package: str) -> list[Path]:
    """The Python files of a top-level package, found without importing it."""
    found = importlib.util.find_spec(package)
    if found is None or found.origin is None:
        return []
    root = Path(found.origin).parent
    return sorted(root.rglob("*.py")) if found.submodule_search_locations else [Path(found.origin)]
