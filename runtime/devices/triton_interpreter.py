"""Triton's interpreter as a runtime: runs the CUDA target's Triton kernels on CPU tensors.

Triton's interpreter needs ``TRITON_INTERPRET=1`` before the ``@triton.jit`` decorator
runs, and the function's source in a file it can inspect, so each source is written to a
file in a temporary directory and imported from there. A process that runs these
kernels must not also compile the same functions for a GPU.
Triton's own library functions (``tl.zeros``, ``tl.sum``, ...) were made when triton was
first imported, in a Kiln process before ``TRITON_INTERPRET`` was set (``torch.export``
imports triton), so while a launch runs they are called as the interpreter would have
made them. The interpreter keeps bfloat16 values as their raw 16 bits; its ``tl.dot``
multiplies those bits as integers and its float32 -> bfloat16 cast truncates, so while a
launch runs, bfloat16 dot operands are widened to float32 first (exact, as on the GPU,
which accumulates their products in float32) and the cast rounds to nearest even, as the
GPU's does. Like the rest of the runtime, this module imports neither MLIR nor the compiler.
"""

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch


@dataclass(frozen=True)
class InterpretedLaunch:
    """One launch of a Triton kernel: its source defines ``name``, which takes the
    tensors at ``arguments`` (indices of the Kiln kernel's arguments), then ``constexprs``."""

    name: str
    source: str
    arguments: tuple[int, ...]
    grid: tuple[int, ...]
    num_warps: int
    constexprs: dict[str, int] = field(default_factory=dict)


TORCH_DTYPES = {"*fp16": torch.float16, "*bf16": torch.bfloat16, "*fp32": torch.float32,
                "*fp64": torch.float64, "*i1": torch.bool, "*i8": torch.int8,
                "*i16": torch.int16, "*i32": torch.int32, "*i64": torch.int64}

_source_dir: Path | None = None
_functions: dict[str, object] = {}


def interpreted_function(launch: InterpretedLaunch):
    """The interpreter's version of ``launch``'s ``@triton.jit`` function."""
    global _source_dir
    key = hashlib.sha256(launch.source.encode()).hexdigest()[:24]
    if key not in _functions:
        os.environ["TRITON_INTERPRET"] = "1"  # read when the decorator runs
        if _source_dir is None:
            _source_dir = Path(tempfile.mkdtemp(prefix="kiln-triton-"))
        module_name = f"kiln_triton_{key}"
        path = _source_dir / f"{module_name}.py"
        path.write_text(launch.source)
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        _functions[key] = getattr(module, launch.name)
    return _functions[key]


def run_launches(launches: Sequence[InterpretedLaunch], tensors: Sequence[torch.Tensor | None]) -> None:
    """Run ``launches`` in order; ``tensors[i]`` is the CPU tensor at the start of the
    kernel's argument ``i`` (with the element type of the launches' signature)."""
    for launch in launches:
        function = interpreted_function(launch)
        with _library_functions_interpreted(), _bfloat16_as_on_the_gpu():
            function[launch.grid](*(tensors[a] for a in launch.arguments),
                                  num_warps=launch.num_warps, **launch.constexprs)


@contextlib.contextmanager
def _library_functions_interpreted():
    """Calls of compiled-mode ``@triton.jit`` functions run them through the interpreter."""
    from triton.runtime.interpreter import InterpretedFunction
    from triton.runtime.jit import JITFunction

    original = JITFunction.__call__
    interpreted: dict[int, InterpretedFunction] = {}

    def call(self, *args, **kwargs):
        if id(self) not in interpreted:
            interpreted[id(self)] = InterpretedFunction(self.fn)
        return interpreted[id(self)](*args, **kwargs)

    JITFunction.__call__ = call
    try:
        yield
    finally:
        JITFunction.__call__ = original


@contextlib.contextmanager
def _bfloat16_as_on_the_gpu():
    """The interpreter's ``tl.dot`` takes bfloat16 operands as float32, and its float32 ->
    bfloat16 cast rounds to nearest even."""
    import numpy as np
    import triton.language as tl
    from triton.runtime.interpreter import InterpreterBuilder, TensorHandle

    original_dot, original_cast = InterpreterBuilder.create_dot, InterpreterBuilder.cast_impl

    def create_dot(self, a, b, accumulator, *options):
        a, b = (self.cast_impl(x, tl.float32) if x.dtype.scalar == tl.bfloat16 else x
                for x in (a, b))
        return original_dot(self, a, b, accumulator, *options)

    def cast_impl(self, source, target):
        if source.dtype.scalar != tl.float32 or target.scalar != tl.bfloat16:
            return original_cast(self, source, target)
        bits = source.data.astype(np.float32).view(np.uint32)
        rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
        nan = np.isnan(source.data)
        rounded[nan] = (bits[nan] >> 16).astype(np.uint16) | 0x40  # stays a (quiet) NaN
        return TensorHandle(rounded, tl.bfloat16)

    InterpreterBuilder.create_dot, InterpreterBuilder.cast_impl = create_dot, cast_impl
    try:
        yield
    finally:
        InterpreterBuilder.create_dot, InterpreterBuilder.cast_impl = original_dot, original_cast
