"""The host program: what the runtime does, step by step, to run a compiled program.

A compiled program is a list of kernels in one shared object plus a host program that
says which kernel to launch on which buffers, in order. Buffers are the program's state
(parameters and buffers), its inputs, its outputs, views into one arena of scratch
memory. An op Kiln does not compile is a :class:`Fallback` step: the host calls the
ATen op through torch on those buffers.

The record form (:meth:`HostProgram.to_record`) holds only lists, dicts, ints and strs,
so it is saved with ``torch.save`` and read back with ``torch.load(weights_only=True)``.
Like the rest of the runtime, this module never imports MLIR or the compiler.
"""

from dataclasses import dataclass

from .errors import ArtifactError

BUFFER_KINDS = ("state", "input", "output", "arena", "persistent")


@dataclass(frozen=True)
class BufferRef:
    """Where a kernel argument or copy operand lives.

    ``index`` is the position among the program's state, inputs, outputs or persistent
    buffers for those kinds, and the byte offset into the arena for ``'arena'``.
    """

    kind: str
    index: int

    def __post_init__(self):
        if self.kind not in BUFFER_KINDS:
            raise ArtifactError(f"unknown buffer kind {self.kind!r}; expected {BUFFER_KINDS}")

    def __str__(self) -> str:
        return f"arena[+{self.index}]" if self.kind == "arena" else f"{self.kind} {self.index}"


@dataclass(frozen=True)
class Launch:
    """Run kernel ``kernel`` with the addresses of ``args`` as its arguments, over ``grid``
    program instances (a GPU kernel's; a CPU kernel has none and spreads its own loops).

    ``device`` is empty for the program's own target; ``"cpu"`` for a kernel its target
    could not run, which the CPU runs on the same (host) memory."""

    kernel: str
    args: tuple[BufferRef, ...]
    grid: tuple[int, ...] = ()
    device: str = ""


@dataclass(frozen=True)
class Prepack:
    """Run kernel ``kernel`` on ``args`` when a state tensor among them has changed.

    It packs a weight into a persistent buffer for the kernels that read it; the runtime
    runs it on the first call and again only when one of the state tensors it reads is
    replaced or modified in place (a new identity or ``_version``).
    """

    kernel: str
    args: tuple[BufferRef, ...]
    grid: tuple[int, ...] = ()
    device: str = ""


@dataclass(frozen=True)
class Copy:
    """Copy ``nbytes`` contiguous bytes from ``source`` to ``target``."""

    source: BufferRef
    target: BufferRef
    nbytes: int


@dataclass(frozen=True)
class TensorRef:
    """A buffer seen as a tensor: where it lives, its shape and its torch dtype's name."""

    buffer: BufferRef
    shape: tuple[int, ...]
    dtype: str

    def __str__(self) -> str:
        return f"{self.buffer}: {self.dtype}{list(self.shape)}"


@dataclass(frozen=True)
class Fallback:
    """Call the ATen op ``op`` (a ``torch.ops`` overload such as ``aten.max.dim``) on the
    tensors ``args`` and copy what it returns into ``results``.

    ``call`` is the op's argument list as JSON (see :mod:`.fallback`). ``reason`` says
    why Kiln did not compile the op, and ``where`` is the user's source line.
    """

    op: str
    call: str
    args: tuple[TensorRef, ...]
    results: tuple[TensorRef, ...]
    reason: str = ""
    where: str = ""


Step = Launch | Prepack | Copy | Fallback


@dataclass(frozen=True)
class HostProgram:
    """Scratch memory the program needs and the steps that run it, in order."""

    arena_bytes: int
    steps: tuple[Step, ...]
    persistent_bytes: tuple[int, ...] = ()  # sizes of the buffers kept across calls

    def to_record(self) -> dict:
        """This program as plain lists, dicts, ints and strs."""
        return {
            "arena_bytes": self.arena_bytes,
            "persistent_bytes": list(self.persistent_bytes),
            "steps": [_step_record(step) for step in self.steps],
        }

    @staticmethod
    def from_record(record: dict) -> "HostProgram":
        """The program that :meth:`to_record` wrote; :class:`ArtifactError` if malformed."""
        try:
            return HostProgram(
                arena_bytes=int(record["arena_bytes"]),
                steps=tuple(_step_from_record(step) for step in record["steps"]),
                persistent_bytes=tuple(int(n) for n in record.get("persistent_bytes", ())),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ArtifactError(f"malformed host program record: {error!r}") from error

    def describe(self) -> str:
        """A readable listing: the arena's size, then one numbered line per step."""
        lines = [f"host program: arena {self.arena_bytes} bytes"]
        if self.persistent_bytes:
            lines[0] += f", persistent buffers of {list(self.persistent_bytes)} bytes"
        for number, step in enumerate(self.steps):
            if isinstance(step, (Launch, Prepack)):
                verb = "launch" if isinstance(step, Launch) else "prepack"
                text = f"{verb} {step.kernel}({', '.join(map(str, step.args))})"
                if step.grid:
                    text += f" over grid {list(step.grid)}"
                if step.device:
                    text += f" on {step.device}"
            elif isinstance(step, Fallback):
                text = (f"fallback {step.op}({', '.join(map(str, step.args))}) -> "
                        f"{', '.join(map(str, step.results))}  # {step.reason}")
            else:
                text = f"copy {step.nbytes} bytes {step.source} -> {step.target}"
            lines.append(f"  {number:>3}  {text}")
        return "\n".join(lines)


def _step_record(step: Step) -> dict:
    if isinstance(step, (Launch, Prepack)):
        verb = "launch" if isinstance(step, Launch) else "prepack"
        return {verb: step.kernel, "args": [[a.kind, a.index] for a in step.args],
                "grid": list(step.grid), "device": step.device}
    if isinstance(step, Fallback):
        return {"fallback": step.op, "call": step.call, "reason": step.reason, "where": step.where,
                "args": [_tensor_record(t) for t in step.args],
                "results": [_tensor_record(t) for t in step.results]}
    return {"copy": step.nbytes, "source": [step.source.kind, step.source.index],
            "target": [step.target.kind, step.target.index]}


def _step_from_record(record: dict) -> Step:
    if "launch" in record:
        return Launch(str(record["launch"]), tuple(_buffer(a) for a in record["args"]),
                      tuple(int(n) for n in record["grid"]), str(record["device"]))
    if "prepack" in record:
        return Prepack(str(record["prepack"]), tuple(_buffer(a) for a in record["args"]),
                       tuple(int(n) for n in record["grid"]), str(record["device"]))
    if "copy" in record:
        return Copy(_buffer(record["source"]), _buffer(record["target"]), int(record["copy"]))
    if "fallback" in record:
        return Fallback(str(record["fallback"]), str(record["call"]),
                        tuple(_tensor(t) for t in record["args"]),
                        tuple(_tensor(t) for t in record["results"]),
                        str(record["reason"]), str(record["where"]))
    raise ValueError(f"a step must be a launch, a prepack, a copy or a fallback, not {record!r}")


def _buffer(record: list) -> BufferRef:
    kind, index = record
    return BufferRef(str(kind), int(index))


def _tensor_record(tensor: TensorRef) -> list:
    return [tensor.buffer.kind, tensor.buffer.index, list(tensor.shape), tensor.dtype]


def _tensor(record: list) -> TensorRef:
    kind, index, shape, dtype = record
    return TensorRef(_buffer([kind, index]), tuple(int(n) for n in shape), str(dtype))
