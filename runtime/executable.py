"""A compiled program: kernels, a host program, metadata and parameter values.

The runtime never imports MLIR or the compiler, so an executable saved with
:meth:`Executable.save` runs after :func:`load` in a process that compiled nothing.
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils import _pytree as pytree

from .devices import get_device
from .errors import ArtifactError, CallError

FORMAT = "kiln-executable"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class TensorSpec:
    """Shape and dtype of one argument or result."""

    name: str
    shape: tuple[int, ...]
    dtype: str

    @property
    def torch_dtype(self) -> torch.dtype:
        return getattr(torch, self.dtype)

    def describe(self) -> str:
        return f"{self.dtype} tensor of shape {list(self.shape)}"


@dataclass
class Executable:
    """What ``kiln.compile`` returns: call it like the original module."""

    target: str
    entry_point: str
    binary: bytes
    state: list[torch.Tensor]
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    output_tree: str
    stats: dict = field(default_factory=dict)

    def __post_init__(self):
        from kiln import knobs  # the runtime reads settings only through knobs

        self._device = get_device(self.target, knobs.current().cache_dir)
        library = self._device.load(self.binary)
        arity = len(self.state) + len(self.inputs) + len(self.outputs)
        self._kernel = self._device.kernel(library, self.entry_point, arity)
        self._output_spec = pytree.treespec_loads(self.output_tree)

    def __call__(self, *args):
        inputs = self._checked_inputs(args)
        outputs = [torch.empty(s.shape, dtype=s.torch_dtype) for s in self.outputs]
        state = [t.detach().contiguous() for t in self.state]
        pointers = [t.data_ptr() for t in state + inputs + outputs]
        self._kernel(*pointers)
        return pytree.tree_unflatten(outputs, self._output_spec)

    def _checked_inputs(self, args) -> list[torch.Tensor]:
        if len(args) != len(self.inputs):
            names = ", ".join(s.name for s in self.inputs)
            raise CallError(f"expected {len(self.inputs)} arguments ({names}), got {len(args)}")
        checked = []
        for index, (arg, spec) in enumerate(zip(args, self.inputs)):
            where = f"argument {index} ('{spec.name}')"
            if not isinstance(arg, torch.Tensor):
                raise CallError(f"{where} must be a {spec.describe()}, got {type(arg).__name__}")
            if arg.dtype != spec.torch_dtype or tuple(arg.shape) != spec.shape:
                raise CallError(
                    f"{where} must be a {spec.describe()}, got {str(arg.dtype).removeprefix('torch.')} "
                    f"tensor of shape {list(arg.shape)}; Kiln compiled for the example inputs' "
                    "shapes, so recompile with an example of this shape"
                )
            problem = self._device.check_tensor(arg)
            if problem:
                raise CallError(f"{where} {problem}; move it with .to('{self.target}')")
            checked.append(arg.detach().contiguous())
        return checked

    def save(self, path: str | Path) -> None:
        """Write everything needed to run this program to one file."""
        record = {
            "format": FORMAT, "version": FORMAT_VERSION, "target": self.target,
            "entry_point": self.entry_point, "binary": self.binary,
            "state": [t.detach().contiguous() for t in self.state],
            "inputs": [_spec_record(s) for s in self.inputs],
            "outputs": [_spec_record(s) for s in self.outputs],
            "output_tree": self.output_tree, "stats": self.stats,
        }
        torch.save(record, str(path))


def load(path: str | Path) -> Executable:
    """Load a program written by :meth:`Executable.save`; needs no compiler."""
    started = time.perf_counter()
    try:
        record = torch.load(str(path), weights_only=True)
    except Exception as error:  # torch.load raises pickle, zip and OS errors alike
        raise ArtifactError(f"{path} is not a readable Kiln executable: {error}") from error
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ArtifactError(f"{path} is not a Kiln executable")
    if record["version"] != FORMAT_VERSION:
        raise ArtifactError(
            f"{path} has format version {record['version']}; this Kiln reads {FORMAT_VERSION}. "
            "Recompile the program with this version of Kiln."
        )
    executable = Executable(
        target=record["target"], entry_point=record["entry_point"], binary=record["binary"],
        state=record["state"], inputs=[_spec_from_record(s) for s in record["inputs"]],
        outputs=[_spec_from_record(s) for s in record["outputs"]], output_tree=record["output_tree"],
        stats=dict(record["stats"]),
    )
    executable.stats["load_seconds"] = time.perf_counter() - started
    return executable


def _spec_record(spec: TensorSpec) -> list:
    return [spec.name, list(spec.shape), spec.dtype]


def _spec_from_record(record: list) -> TensorSpec:
    name, shape, dtype = record
    return TensorSpec(name, tuple(shape), dtype)
