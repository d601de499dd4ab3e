"""A compiled program: kernels, a host program, metadata and parameter values.

The runtime never imports MLIR or the compiler, so an executable saved with
:meth:`Executable.save` runs after :func:`load` in a process that compiled nothing.
"""

import contextlib
import functools
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import torch
from torch.utils import _pytree as pytree

from kiln import knobs

from . import memory, output_tree
from .devices import get_device
from .errors import ArtifactError, CallError
from .fallback import bind_fallback
from .host_program import BufferRef, Copy, Fallback, HostProgram, Launch, Prepack
from .random_draws import RandomDraw

FORMAT = "kiln-executable"
FORMAT_VERSION = 8  # 3: a sha256 checksum; 4: in-place updates; 5: Python scalars; 6: input layouts;
# 7: random draws, scalar results and results of data-dependent length; 8: kernels on the CPU
# Scratch buffers start on a 64-byte boundary, as the compiler's allocations assume.
ALIGNMENT = 64
# The device that runs the kernels a target could not (Launch.device).
CPU_DEVICE = "cpu"


@functools.cache
def _torch_dtype(name: str) -> torch.dtype:
    return getattr(torch, name)


@dataclass(frozen=True)
class TensorSpec:
    """Shape and dtype of one argument or result; for an argument of a program that
    reads memory layouts (``as_strided``), the strides and storage offset it was
    compiled for."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    layout: tuple[tuple[int, ...], int] | None = None

    @property
    def torch_dtype(self) -> torch.dtype:
        return _torch_dtype(self.dtype)  # cached: calls check every argument's dtype

    def describe(self) -> str:
        return f"{self.dtype} tensor of shape {list(self.shape)}"


@dataclass
class Executable:
    """What ``kiln.compile`` returns: call it like the original module.

    Each call allocates fresh output tensors and runs :attr:`host_program`; a buffer or
    input the module updates in place (BatchNorm's running statistics, ``x.add_(1)``) is
    updated after the call. Scratch
    memory (the arena) is allocated once per executable and reused; a lock serializes
    calls that use it, so concurrent calls are safe.
    """

    target: str
    host_program: HostProgram
    binary: bytes
    state: list[torch.Tensor]
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    output_tree: str
    stats: dict = field(default_factory=dict)
    # The leading outputs are new values of tensors the program updates in place: each
    # is copied into ("state", i) or ("input", i) after the call, not returned.
    mutations: list[tuple[str, int]] = field(default_factory=list)
    # Python scalar arguments the program was specialized for, as (position, value), and
    # constant results, as (position among the results, value).
    scalar_inputs: list[tuple[int, object]] = field(default_factory=list)
    constant_outputs: list[tuple[int, object]] = field(default_factory=list)
    # Results that are Python scalars (``x.item()``): positions among the results that
    # are not constants, each read from the one-element tensor computed there.
    scalar_outputs: list[int] = field(default_factory=list)
    # Random numbers drawn through torch before the kernels run: the arguments after the
    # inputs.
    random_draws: list[RandomDraw] = field(default_factory=list)
    # Results of data-dependent length, computed at their largest: (position, position of
    # the trailing result that holds the length, dimension).
    bounded_outputs: list[tuple[int, int, int]] = field(default_factory=list)
    # The CPU's shared object of the kernels the target could not run (launches whose
    # device is "cpu"); empty when there are none.
    cpu_binary: bytes = b""

    def __post_init__(self):
        self._output_spec = output_tree.loads(self.output_tree)
        self._single_output = self._output_spec.is_leaf()
        self._device = None  # bound on first use: a program compiled here may run elsewhere
        self._bind_lock = threading.Lock()
        self._state_sources: list[tuple] | None = None

    def bind(self) -> None:
        """Create the target's device, load the artifact and allocate scratch memory.

        The first call does this by itself; :func:`load` does it at once, so that a
        program for a device this machine lacks is refused there, with a
        :class:`DeviceError`.
        """
        with self._bind_lock:
            if self._device is None:
                cache_dir = knobs.current().cache_dir
                self._bind_to(get_device(self.target, cache_dir), cache_dir)

    def _bind_to(self, device, cache_dir: Path) -> None:
        program = self.host_program
        self.state = [device.adopt(t) for t in self.state]
        self._torch_device = device.empty((0,), torch.float32).device
        # Scratch memory lives as long as the executable; its addresses never change.
        self._arena = _Scratch(device, program.arena_bytes) if program.arena_bytes else None
        self._persistent = [_Scratch(device, nbytes) for nbytes in program.persistent_bytes]
        self._outputs = memory.OutputPool(device.empty)
        shared = self._arena is not None or self._persistent
        self._lock = threading.Lock() if shared else contextlib.nullcontext()
        self._scratch_pointers: list[int] = []
        self._prepacks: list[tuple] = []
        libraries = {"": (device, device.load(self.binary))}
        if self.cpu_binary:
            cpu = get_device(CPU_DEVICE, cache_dir)
            libraries[CPU_DEVICE] = (cpu, cpu.load(self.cpu_binary))
        self._steps = self._bind_steps(libraries)
        self._packed_for: list[tuple | None] = [None] * len(self._prepacks)
        self._device = device  # last: a call that sees a device finds everything bound

    def _bind_steps(self, libraries: dict[str, tuple]) -> list[tuple]:
        """The host program as ``(function, slots)`` pairs over one table of addresses;
        ``libraries`` maps a launch's ``device`` to that device and its loaded artifact.

        At each call the table holds the state, input and output addresses, then
        :attr:`_scratch_pointers`, the addresses of arena views and persistent buffers,
        which this fills once; a step calls ``function`` with the addresses in its
        ``slots``. :class:`Prepack` steps go to :attr:`_prepacks` instead, with the state
        indices they read.
        """
        counts = {"state": len(self.state), "input": len(self.inputs) + len(self.random_draws),
                  "output": len(self.outputs)}
        starts = {"state": 0, "input": counts["state"], "output": counts["state"] + counts["input"]}
        scratch_slots: dict[BufferRef, int] = {}

        def slot(ref: BufferRef) -> int:
            if ref.kind in counts:
                if ref.index >= counts[ref.kind]:
                    raise ArtifactError(f"the host program uses {ref}, which this program lacks")
                return starts[ref.kind] + ref.index
            if ref not in scratch_slots:
                scratch_slots[ref] = sum(counts.values()) + len(self._scratch_pointers)
                self._scratch_pointers.append(self._scratch_address(ref))
            return scratch_slots[ref]

        device = libraries[""][0]
        kernels, steps = {}, []
        for step in self.host_program.steps:
            if isinstance(step, (Launch, Prepack)):
                key = (step.kernel, step.grid, step.device)
                if step.device not in libraries:
                    raise ArtifactError(f"kernel {step.kernel} runs on '{step.device}', for "
                                        "which this program carries no code")
                if key not in kernels:
                    runner, library = libraries[step.device]
                    kernels[key] = runner.kernel(library, step.kernel, len(step.args), step.grid)
                bound = (kernels[key], tuple(slot(a) for a in step.args))
                if isinstance(step, Launch):
                    steps.append(bound)
                else:
                    sources = tuple(a.index for a in step.args if a.kind == "state")
                    self._prepacks.append((*bound, sources))
            elif isinstance(step, Fallback):
                buffers = [t.buffer for t in (*step.args, *step.results)]
                steps.append((bind_fallback(step, device), tuple(slot(b) for b in buffers)))
            elif isinstance(step, Copy):
                steps.append((device.copier(step.nbytes), (slot(step.target), slot(step.source))))
        return steps

    def _scratch_address(self, ref: BufferRef) -> int:
        if ref.kind == "persistent":
            if ref.index >= len(self._persistent):
                raise ArtifactError(f"the host program uses {ref}, which this program lacks")
            return self._persistent[ref.index].address
        # An empty buffer may sit at the arena's end, or stand for an arena of 0 bytes.
        arena_bytes = self._arena.nbytes if self._arena is not None else 0
        if ref.index > arena_bytes:
            raise ArtifactError(f"the host program uses {ref}, outside its arena")
        return self._arena.address + ref.index if self._arena is not None else 0

    def follow_module(self, module: torch.nn.Module, names: list[str | None]) -> None:
        """Read each state tensor from ``module`` at every call, so that a parameter or
        buffer replaced after compiling (``m.fc.weight = nn.Parameter(...)``) is used.

        ``names`` holds the module's name for each state tensor, or None for a constant.
        """
        sources = []
        for name, tensor in zip(names, self.state):
            owner_name, _, attribute = (name or "").rpartition(".")
            try:
                owner = module.get_submodule(owner_name) if name else None
            except AttributeError:
                owner = None
            if owner is not None and (attribute in owner._parameters or attribute in owner._buffers):
                sources.append((name, owner, attribute))
            else:
                sources.append((name, None, tensor))
        self._state_sources = sources

    def _current_state(self) -> list[torch.Tensor]:
        if self._state_sources is None:
            return self.state
        current = []
        for (name, owner, attribute), compiled in zip(self._state_sources, self.state):
            if owner is None:
                current.append(attribute)
                continue
            tensor = owner._parameters.get(attribute, owner._buffers.get(attribute))
            if (not isinstance(tensor, torch.Tensor) or tensor.shape != compiled.shape
                    or tensor.dtype != compiled.dtype):
                found = (f"a {str(tensor.dtype).removeprefix('torch.')} tensor of shape "
                         f"{list(tensor.shape)}" if isinstance(tensor, torch.Tensor) else repr(tensor))
                raise CallError(
                    f"the module's '{name}' is now {found}; Kiln compiled it as a "
                    f"{str(compiled.dtype).removeprefix('torch.')} tensor of shape "
                    f"{list(compiled.shape)}, so compile the module again")
            current.append(tensor)
        return current

    def __call__(self, *args):
        if self._device is None:
            self.bind()
        inputs = self._checked_inputs(self._without_scalars(args) if self.scalar_inputs else args)
        inputs += [draw.draw(self._device, self._torch_device) for draw in self.random_draws]
        outputs = [self._outputs.empty(i, s.shape, s.torch_dtype) for i, s in enumerate(self.outputs)]
        live_state = self._current_state()
        state = [t if t.is_contiguous() else t.contiguous() for t in live_state]
        pointers = [t.data_ptr() for t in state + inputs + outputs] + self._scratch_pointers
        with self._lock:
            for index, (function, slots, sources) in enumerate(self._prepacks):
                version = self._weight_version(live_state, sources)
                if version is None or version != self._packed_for[index]:
                    function(*[pointers[i] for i in slots])
                    self._packed_for[index] = version
            if torch.autograd.profiler._is_profiler_enabled:
                self._run_steps_recorded(pointers)
            else:
                for function, slots in self._steps:
                    function(*[pointers[i] for i in slots])
        if self.bounded_outputs:
            outputs = self._narrowed(outputs)
        if self.mutations:
            outputs = self._apply_mutations(outputs, live_state, args)
        for position in self.scalar_outputs:
            outputs[position] = outputs[position].item()
        for position, value in self.constant_outputs:
            outputs.insert(position, value)
        if self._single_output:
            return outputs[0]
        return pytree.tree_unflatten(outputs, self._output_spec)

    def _run_steps_recorded(self, pointers: list[int]) -> None:
        """The steps, each in a ``torch.profiler`` range named for what it runs
        (``kiln::<kernel>``, ``kiln::fallback::<op>``, ``kiln::copy``); only while a
        profiler records, so that other calls pay nothing for it."""
        run = [step for step in self.host_program.steps if not isinstance(step, Prepack)]
        for (function, slots), step in zip(self._steps, run, strict=True):
            with torch.profiler.record_function(_profiler_name(step)):
                function(*[pointers[i] for i in slots])

    def _weight_version(self, live_state: list[torch.Tensor], sources) -> tuple | None:
        """What a packed copy of the state tensors ``sources`` depends on: a weight is
        repacked when it is replaced or modified in place. None (repack at every call)
        when one of them is not read from the module: a tensor ``torch.export`` lifted
        from a closure or a plain attribute aliases the caller's storage under a version
        counter of its own, so an in-place change would go unseen."""
        if self._state_sources is None or any(self._state_sources[i][1] is None for i in sources):
            return None
        return tuple((id(live_state[i]), live_state[i].data_ptr(), live_state[i]._version)
                     for i in sources)

    def _narrowed(self, outputs: list[torch.Tensor]) -> list[torch.Tensor]:
        """Each result of data-dependent length cut to its length; the lengths dropped."""
        for position, length_position, dim in self.bounded_outputs:
            outputs[position] = outputs[position].narrow(dim, 0, int(outputs[length_position]))
        return outputs[:len(outputs) - len(self.bounded_outputs)]

    def _apply_mutations(self, outputs: list[torch.Tensor], state: list[torch.Tensor],
                         args: tuple) -> list[torch.Tensor]:
        """Copy each in-place update into the caller's tensor; return the other outputs."""
        with torch.no_grad():
            for (kind, index), value in zip(self.mutations, outputs):
                (state if kind == "state" else args)[index].copy_(value)
        return outputs[len(self.mutations):]

    def _without_scalars(self, args: tuple) -> tuple:
        """``args`` without the Python scalars, each checked against its compiled value."""
        expected = len(self.inputs) + len(self.scalar_inputs)
        if len(args) != expected:
            raise CallError(f"expected {expected} arguments, got {len(args)}")
        for position, value in self.scalar_inputs:
            given = args[position]
            if type(given) is not type(value) or given != value:
                raise CallError(
                    f"argument {position} must be {value!r}: torch.export specialized the "
                    f"program for that Python {type(value).__name__}, so compile it again "
                    f"for {given!r} (or pass a tensor)")
        scalars = {position for position, _ in self.scalar_inputs}
        return tuple(arg for position, arg in enumerate(args) if position not in scalars)

    def _checked_inputs(self, args) -> list[torch.Tensor]:
        if len(args) != len(self.inputs):
            names = ", ".join(s.name for s in self.inputs)
            raise CallError(f"expected {len(self.inputs)} arguments ({names}), got {len(args)}")
        checked = []
        for index, (arg, spec) in enumerate(zip(args, self.inputs)):
            where = f"argument {index} ('{spec.name}')"
            if not isinstance(arg, torch.Tensor):
                raise CallError(f"{where} must be a {spec.describe()}, got {type(arg).__name__}")
            if arg.dtype != spec.torch_dtype or arg.shape != spec.shape:
                raise CallError(
                    f"{where} must be a {spec.describe()}, got {str(arg.dtype).removeprefix('torch.')} "
                    f"tensor of shape {list(arg.shape)}; Kiln compiled for the example inputs' "
                    "shapes, so recompile with an example of this shape"
                )
            if spec.layout is not None and (arg.stride(), arg.storage_offset()) != spec.layout:
                strides, offset = spec.layout
                raise CallError(
                    f"{where} must have strides {strides} and storage offset {offset}, as the "
                    f"example had (this one has {arg.stride()} and {arg.storage_offset()}): the "
                    "program reads its memory layout (as_strided), so pass a tensor laid out "
                    "like the example, or recompile with this one")
            problem = self._device.check_tensor(arg)
            if problem:
                raise CallError(f"{where} {problem}; move it with .to('{self._torch_device.type}')")
            if arg.is_conj() or arg.is_neg():  # lazy views: memory holds other values
                arg = arg.resolve_conj().resolve_neg()
            checked.append(arg if arg.is_contiguous() else arg.contiguous())
        return checked

    def save(self, path: str | Path | BinaryIO) -> None:
        """Write everything needed to run this program to one file (a path or a binary file)."""
        record = {
            "format": FORMAT, "version": FORMAT_VERSION, "target": self.target,
            "host_program": self.host_program.to_record(), "binary": self.binary,
            "state": [t.detach().contiguous() for t in self._current_state()],
            "inputs": [_spec_record(s) for s in self.inputs],
            "outputs": [_spec_record(s) for s in self.outputs],
            "output_tree": self.output_tree, "stats": self.stats,
            "mutations": [list(m) for m in self.mutations],
            "scalar_inputs": [list(s) for s in self.scalar_inputs],
            "constant_outputs": [list(c) for c in self.constant_outputs],
            "scalar_outputs": list(self.scalar_outputs),
            "bounded_outputs": [list(b) for b in self.bounded_outputs],
            "random_draws": [draw.to_record() for draw in self.random_draws],
            "cpu_binary": self.cpu_binary or None,  # an empty bytes pickles as a call
        }
        record["checksum"] = _checksum(record)
        torch.save(record, path)


def load(path: str | Path | BinaryIO, bind: bool = True) -> Executable:
    """Load a program written by :meth:`Executable.save` to a path or file; needs no compiler.

    With ``bind`` (the default), its device is created and its artifact loaded now: a
    program for a device this machine lacks raises :class:`DeviceError` here.
    """
    started = time.perf_counter()
    try:
        record = torch.load(path, weights_only=True)
    except Exception as error:  # torch.load raises pickle, zip and OS errors alike
        raise ArtifactError(f"{path} is not a readable Kiln executable: {error}") from error
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ArtifactError(f"{path} is not a Kiln executable")
    if record.get("version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path} has format version {record.get('version')}; this Kiln reads {FORMAT_VERSION}. "
            "Recompile the program with this version of Kiln."
        )
    try:
        intact = record.get("checksum") == _checksum(record)
    except (KeyError, TypeError, ValueError, AttributeError, RuntimeError):
        intact = False  # a damaged key or value: the record is not even well formed
    if not intact:
        raise ArtifactError(
            f"{path} is damaged: its contents do not match the checksum written with them. "
            "Save the program again from the compiled module.")
    executable = Executable(
        target=record["target"], host_program=HostProgram.from_record(record["host_program"]),
        binary=record["binary"], state=record["state"],
        inputs=[_spec_from_record(s) for s in record["inputs"]],
        outputs=[_spec_from_record(s) for s in record["outputs"]], output_tree=record["output_tree"],
        stats=dict(record["stats"]),
        mutations=[(str(kind), int(index)) for kind, index in record["mutations"]],
        scalar_inputs=[(int(position), value) for position, value in record["scalar_inputs"]],
        constant_outputs=[(int(position), value) for position, value in record["constant_outputs"]],
        scalar_outputs=[int(position) for position in record["scalar_outputs"]],
        bounded_outputs=[(int(p), int(c), int(d)) for p, c, d in record["bounded_outputs"]],
        random_draws=[RandomDraw.from_record(draw) for draw in record["random_draws"]],
        cpu_binary=record["cpu_binary"] or b"",
    )
    if bind:
        executable.bind()
    executable.stats["load_seconds"] = time.perf_counter() - started
    return executable


def _profiler_name(step) -> str:
    """A host-program step's range name in ``torch.profiler`` traces."""
    if isinstance(step, Launch):
        return f"kiln::{step.kernel}"
    if isinstance(step, Fallback):
        return f"kiln::fallback::{step.op}"
    return "kiln::copy"


def _checksum(record: dict) -> str:
    """sha256 over everything a saved program runs with: code, state and metadata."""
    digest = hashlib.sha256(record["binary"] + (record["cpu_binary"] or b""))
    for tensor in record["state"]:
        digest.update(str((tensor.dtype, tuple(tensor.shape))).encode())
        digest.update(tensor.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    metadata = [record["target"], record["host_program"], record["inputs"], record["outputs"],
                record["output_tree"], record["mutations"], record["scalar_inputs"],
                record["constant_outputs"], record["scalar_outputs"], record["random_draws"],
                record["bounded_outputs"]]
    digest.update(json.dumps(metadata, sort_keys=True).encode())
    return digest.hexdigest()


def _spec_record(spec: TensorSpec) -> list:
    layout = [[list(spec.layout[0]), spec.layout[1]]] if spec.layout is not None else []
    return [spec.name, list(spec.shape), spec.dtype, *layout]


def _spec_from_record(record: list) -> TensorSpec:
    name, shape, dtype, *layout = record
    return TensorSpec(name, tuple(shape), dtype,
                      (tuple(layout[0][0]), layout[0][1]) if layout else None)


class _Scratch:
    """``nbytes`` of the device's memory, starting at a multiple of ALIGNMENT."""

    def __init__(self, device, nbytes: int):
        self.nbytes = nbytes
        self._storage, self.address = device.allocate(nbytes, ALIGNMENT)
