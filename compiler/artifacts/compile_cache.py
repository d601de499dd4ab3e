"""The on-disk compile cache: keys, lookup, store and integrity checks.

An entry is one compiled program, found by a key that hashes everything a compilation
depends on: the program, the target, every knob that affects code generation, the host
CPU, the versions of Kiln, torch, torch-mlir and llvmlite, and the content of Kiln's own
compiler sources (so an edit to the compiler never returns a stale artifact).

The program's part of the key is a *fingerprint*, not the exported graph: ``torch.export``
costs over a second in a fresh process, more than a hit may take. The fingerprint runs the
program once, eagerly, under a ``TorchFunctionMode`` that records every torch call: its
name, its non-tensor arguments and which tensor each tensor argument is (an input, a
parameter or buffer by name, an earlier call's result, or a constant, by its bytes). With
the inputs' and the state's shapes, dtypes and strides and the outputs' structure, this
determines what ``torch.export`` traces. (Running on meta tensors would be cheaper, but
their Python meta kernels import TorchDynamo, as slow as exporting.) The calls run on
private copies of the module's tensors and the inputs, and the random number generator is
restored, so recording changes nothing. Parameter and buffer *values* are not part of the
key: they are arguments of the compiled code, so an entry stores only their shapes and a
hit takes the module's current tensors. A program the recording cannot run is compiled
without the cache.

An entry is a file ``<key>.kiln`` under ``<KILN_CACHE_DIR>/programs``::

    kiln-compile-cache 1\\n
    <sha256 of the rest, hex>\\n
    <JSON: the module's name for each state tensor, null for a constant>\\n
    <the executable, as Executable.save writes it, parameters as shapes only>

It is written to a temporary file and renamed into place, so a reader never sees half an
entry; one that fails its checksum or does not load is reported with a warning, removed
and rebuilt.

``kiln.compile`` asks the cache before it imports the compiler, so a hit costs no MLIR
import: this module must import neither MLIR nor the rest of the compiler, and the key's
source hash reads the compiler's files without importing them.
"""

import copy
import functools
import hashlib
import importlib.metadata
import inspect
import io
import json
import os
import platform
import tempfile
import time
import warnings
from dataclasses import asdict
from pathlib import Path

import torch
from torch.overrides import TorchFunctionMode, resolve_name
from torch.utils import _pytree as pytree

from kiln import knobs, targets
from kiln.runtime import Executable
from kiln.runtime import executable as executable_format
from kiln.runtime.errors import KilnError

ENTRY_MAGIC = b"kiln-compile-cache 1\n"
# Knobs that change where files go or what is printed, not the code generated; every
# other knob is part of the key, so a new knob can only make the cache miss, never stale.
NOT_CODEGEN_KNOBS = {"dump_ir", "cache", "cache_dir", "reproducer_dir"}
COMPILER_ROOT = Path(__file__).parents[1]  # kiln.compiler: this file is in its artifacts/


class CompileCache:
    """The programs compiled in earlier processes, in ``directory``."""

    def __init__(self, directory: Path):
        self.directory = directory

    def key(self, fn, example_args: tuple, target: str, input_names: list[str],
            settings: knobs.Knobs, target_options: dict) -> str | None:
        """The entry's name for compiling ``fn`` with these arguments, or None if
        uncacheable; the target's part is :func:`kiln.targets.target_hash`."""
        program = _fingerprint(fn, example_args)
        if program is None:
            return None
        options = {k: str(v) for k, v in asdict(settings).items() if k not in NOT_CODEGEN_KNOBS}
        parts = {
            "program": program, "input_names": input_names,
            "target": targets.target_hash(target, target_options),
            "options": options, "host": _host(), "versions": _versions(),
            "sources": _source_hash(), "format": executable_format.FORMAT_VERSION,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def lookup(self, key: str, fn, started: float) -> Executable | None:
        """The cached executable for ``key``, reading state from ``fn``'s current tensors.

        Its ``compile_seconds`` is the time since ``started`` (``time.perf_counter()``
        when the compilation began, before the key was computed).
        """
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:  # absent, or unreadable: then storing says why
            return None
        try:
            names, payload = _unpack(data)
            executable = executable_format.load(io.BytesIO(payload), bind=False)
        except (ValueError, KilnError) as error:
            warnings.warn(f"Kiln's compile cache entry {path} is corrupt ({error}); "
                          "removing it and recompiling", RuntimeWarning, stacklevel=3)
            path.unlink(missing_ok=True)
            return None
        current = dict(_named_state(fn))
        executable.state = [current[name] if name is not None else saved
                            for name, saved in zip(names, executable.state)]
        if isinstance(fn, torch.nn.Module):
            executable.follow_module(fn, names)
        executable.stats.pop("load_seconds", None)
        executable.stats["cache"] = "hit"
        executable.stats["compile_seconds"] = {"cache": time.perf_counter() - started}
        return executable

    def store(self, key: str, executable: Executable, fn) -> None:
        """Write ``executable`` as ``key``'s entry; parameters and buffers as shapes only."""
        owners = {}
        for name, tensor in _named_state(fn):
            owners.setdefault(_address(tensor), name)  # a tied tensor keeps its first name
        names = [owners.get(_address(t)) for t in executable.state]
        stripped = copy.copy(executable)
        stripped.state = [t.to("meta") if name is not None else t
                          for name, t in zip(names, executable.state)]
        buffer = io.BytesIO()
        stripped.save(buffer)
        body = json.dumps(names).encode() + b"\n" + buffer.getvalue()
        entry = ENTRY_MAGIC + hashlib.sha256(body).hexdigest().encode() + b"\n" + body
        temporary = None
        try:  # a cache that cannot be written must not fail the compilation
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".tmp-", delete=False) as file:
                temporary = file.name
                file.write(entry)
            os.replace(temporary, self._path(key))
        except OSError as error:
            warnings.warn(f"Kiln could not write its compile cache entry {self._path(key)}: {error}",
                          RuntimeWarning, stacklevel=3)
            if temporary:
                Path(temporary).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}.kiln"


def open_cache(settings: knobs.Knobs) -> CompileCache | None:
    """The compile cache the settings ask for, or None when ``KILN_CACHE=0``."""
    return CompileCache(settings.cache_dir / "programs") if settings.cache else None


def parameter_names(fn, count: int) -> list[str]:
    """The user's names for the positional arguments: error messages use them, so the key does."""
    target = fn.forward if isinstance(fn, torch.nn.Module) else fn
    try:
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    named = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return (named + [f"arg{i}" for i in range(len(named), count)])[:count]


def _unpack(data: bytes) -> tuple[list, bytes]:
    """An entry's state names and executable bytes; ValueError if it is damaged."""
    if not data.startswith(ENTRY_MAGIC):
        raise ValueError("not a Kiln compile cache entry")
    checksum, _, body = data[len(ENTRY_MAGIC):].partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != checksum:
        raise ValueError("checksum mismatch: truncated or overwritten")
    names, _, payload = body.partition(b"\n")
    return json.loads(names), payload


class _Recorder(TorchFunctionMode):
    """Records each torch call, and runs it on private copies of the caller's tensors.

    Tensors are described by label: ``in<i>`` for input ``i``, the module's name for a
    parameter or buffer, ``v<n>`` for the ``n``-th tensor a call returned, and the dtype,
    shape and bytes' hash for any other tensor (a constant). A tensor the program did not
    make is copied before its first use, so the program cannot change the module or the
    inputs. Every tensor seen is kept alive, so no ``id`` is reused while recording.
    """

    def __init__(self, labels: dict[int, str]):
        super().__init__()
        self.labels = labels
        self.calls: list[str] = []
        self._copies: dict[int, torch.Tensor] = {}
        self._alive: list[torch.Tensor] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        self.calls.append(f"{_qualified_name(func)}{self.describe((args, kwargs))}")
        args, kwargs = pytree.tree_map_only(torch.Tensor, self._private, (args, kwargs))
        result = func(*args, **kwargs)
        for value in pytree.tree_leaves(result):
            if isinstance(value, torch.Tensor) and id(value) not in self.labels:
                self._alive.append(value)
                self.labels[id(value)] = f"v{len(self._alive)}"
        return result

    def describe(self, tree) -> str:
        leaves, spec = pytree.tree_flatten(tree)
        return f"{[self._label(v) if isinstance(v, torch.Tensor) else repr(v) for v in leaves]}{spec}"

    def _label(self, tensor: torch.Tensor) -> str:
        if id(tensor) not in self.labels:
            self._alive.append(tensor)
            data = tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy()
            self.labels[id(tensor)] = (f"const:{tensor.dtype}:{list(tensor.shape)}:"
                                       f"{hashlib.sha256(data.tobytes()).hexdigest()}")
        return self.labels[id(tensor)]

    def _private(self, tensor: torch.Tensor) -> torch.Tensor:
        if self.labels[id(tensor)].startswith("v"):
            return tensor
        if id(tensor) not in self._copies:
            self._copies[id(tensor)] = tensor.detach().clone().requires_grad_(tensor.requires_grad)
        return self._copies[id(tensor)]


def _fingerprint(fn, example_args: tuple) -> str | None:
    """What ``fn`` does with arguments like ``example_args``, as text; None if unknowable."""
    labels = {id(arg): f"in{i}" for i, arg in enumerate(example_args)}
    state = [f"{name}:{_metadata(tensor)}" for name, tensor in _named_state(fn)]
    for name, tensor in reversed(_named_state(fn)):  # a tied tensor takes its first name
        labels[id(tensor)] = name
    recorder = _Recorder(labels)
    try:
        with torch.random.fork_rng(devices=[]), recorder:
            result = fn(*example_args)
        outputs = recorder.describe(result)
    except Exception:  # anything the program raises: the compiler will report it
        return None
    inputs = [_metadata(a) if isinstance(a, torch.Tensor) else repr(a) for a in example_args]
    text = json.dumps({"inputs": inputs, "state": state, "calls": recorder.calls,
                       "outputs": outputs, "grad": torch.is_grad_enabled()})
    # An object printed with its address differs in every process: never a hit.
    return None if " at 0x" in text else text


def _metadata(tensor: torch.Tensor) -> str:
    """What a program may depend on besides values: a layout-reading program (as_strided)
    is compiled for its inputs' strides and storage offsets."""
    return (f"{tensor.dtype}{list(tensor.shape)}{list(tensor.stride())}+{tensor.storage_offset()}"
            f"{tensor.device}{tensor.requires_grad}")


def _qualified_name(func) -> str:
    return resolve_name(func) or f"{getattr(func, '__module__', '')}.{getattr(func, '__qualname__', func)}"


def _named_state(fn) -> list[tuple[str, torch.Tensor]]:
    """Every parameter and buffer of ``fn`` under every name, if ``fn`` is a module."""
    if not isinstance(fn, torch.nn.Module):
        return []
    return [*fn.named_parameters(remove_duplicate=False), *fn.named_buffers(remove_duplicate=False)]


def _address(tensor: torch.Tensor) -> tuple:
    """What identifies a tensor's view of memory, whichever Python object holds it."""
    return (tensor.data_ptr(), tensor.dtype, tuple(tensor.shape), tuple(tensor.stride()))


@functools.cache
def _host() -> dict:
    import llvmlite.binding as llvm

    return {"machine": platform.machine(), "cpu": llvm.get_host_cpu_name(),
            "features": llvm.get_host_cpu_features().flatten()}


@functools.cache
def _versions() -> dict:
    return {name: importlib.metadata.version(name)
            for name in ("kiln", "torch", "torch-mlir", "llvmlite")}


@functools.cache
def _source_hash() -> str:
    """A hash of the compiler's Python sources and the native runtime sources, once per process."""
    digest = hashlib.sha256()
    for name, content in hashed_sources():
        digest.update(name.encode() + b"\0" + content + b"\0")
    return digest.hexdigest()


def hashed_sources() -> list[tuple[str, bytes]]:
    """What the key's source hash covers, by name: every Python file of the compiler (all
    its subpackages) and the C sources linked into CPU kernels."""
    from kiln.runtime.native import sources

    files = [(f"compiler/{path.relative_to(COMPILER_ROOT)}", path.read_bytes())
             for path in sorted(COMPILER_ROOT.rglob("*.py"))]
    return files + [(f"native/{name}", content) for name, content in sources().items()]
