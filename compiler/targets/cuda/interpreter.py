"""Runs the CUDA target's Triton launches through Triton's interpreter on CPU tensors.

This checks the generated kernels' numerics with no GPU: :func:`run_launches` runs one
kernel's launches on its buffers, :func:`run_host_program` a whole host program (kernel
launches, copies, fallback ops) on torch CPU tensors and a CPU arena.

Triton's interpreter needs ``TRITON_INTERPRET=1`` before the ``@triton.jit`` decorator
runs, and the function's source in a file it can inspect, so each source is written to a
file in a temporary directory and imported from there. A process that imports these
modules must not also compile the same functions for a GPU (see :mod:`.cubin`).
Triton's own library functions (``tl.zeros``, ``tl.sum``, ...) were made when triton was
first imported, in a Kiln process before ``TRITON_INTERPRET`` was set (``torch.export``
imports triton), so while a launch runs they are called as the interpreter would have
made them. The interpreter keeps bfloat16 values as their raw 16 bits; its ``tl.dot``
multiplies those bits as integers and its float32 -> bfloat16 cast truncates, so while a
launch runs, bfloat16 dot operands are widened to float32 first (exact, as on the GPU,
which accumulates their products in float32) and the cast rounds to nearest even, as the
GPU's does.
"""

import contextlib
import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch

from kiln.runtime.devices.cpu import CpuDevice
from kiln.runtime.fallback import bind_fallback
from kiln.runtime.host_program import BufferRef, Copy, Fallback, HostProgram, Launch, Prepack

from .triton_codegen import TritonLaunch

TORCH_DTYPES = {"*fp16": torch.float16, "*bf16": torch.bfloat16, "*fp32": torch.float32,
                "*fp64": torch.float64, "*i1": torch.bool, "*i8": torch.int8,
                "*i16": torch.int16, "*i32": torch.int32, "*i64": torch.int64}

_source_dir: Path | None = None
_functions: dict[str, object] = {}


def interpreted_function(launch: TritonLaunch):
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


def run_launches(launches: Sequence[TritonLaunch], tensors: Sequence[torch.Tensor | None]) -> None:
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


def run_host_program(program: HostProgram, kernels: dict[str, Sequence[TritonLaunch]],
                     state: Sequence[torch.Tensor], inputs: Sequence[torch.Tensor],
                     outputs: Sequence[torch.Tensor]) -> None:
    """Run ``program`` on contiguous CPU tensors, each kernel through its Triton launches
    in the interpreter; the results land in ``outputs``."""
    for tensor in (*state, *inputs, *outputs):
        if not tensor.is_contiguous() or tensor.device.type != "cpu":
            raise ValueError("run_host_program takes contiguous CPU tensors")
    arena = torch.zeros(program.arena_bytes, dtype=torch.uint8)
    persistent = [torch.zeros(size, dtype=torch.uint8) for size in program.persistent_bytes]
    tensors = {"state": state, "input": inputs, "output": outputs}

    def bytes_at(ref: BufferRef) -> torch.Tensor:
        if ref.kind == "arena":
            return arena[ref.index:]
        if ref.kind == "persistent":
            return persistent[ref.index]
        return tensors[ref.kind][ref.index].reshape(-1).view(torch.uint8)

    def typed(ref: BufferRef, dtype: torch.dtype) -> torch.Tensor:
        raw = bytes_at(ref)
        size = dtype.itemsize
        return raw[:raw.numel() // size * size].view(dtype)

    for step in program.steps:
        if isinstance(step, (Launch, Prepack)):
            launches = kernels[step.kernel]
            types = {a: t for launch in launches for a, t in zip(launch.arguments, launch.signature)}
            run_launches(launches, [typed(ref, TORCH_DTYPES[types[i]]) if i in types else None
                                    for i, ref in enumerate(step.args)])
        elif isinstance(step, Copy):
            bytes_at(step.target)[:step.nbytes].copy_(bytes_at(step.source)[:step.nbytes])
        elif isinstance(step, Fallback):
            run = bind_fallback(step, CpuDevice)
            run(*(bytes_at(t.buffer).data_ptr() for t in (*step.args, *step.results)))
