"""The host program: extraction from a planned module, its record form, and running it."""

import io
import threading

import pytest
import torch
from torch_mlir import ir

import kiln
from kiln.compiler.dialect import make_context
from kiln.compiler.diagnostics import InvalidIRError
from kiln.compiler.artifacts.host_program_builder import extract_host_program, split_kernels
from kiln.runtime.host_program import BufferRef, Copy, HostProgram, Launch

TOLERANCE = dict(rtol=1e-5, atol=1e-5)

KERNELS = """
  memref.global "private" constant @__constant_2xf32 : memref<2xf32> = dense<[1.0, 2.0]>
  func.func private @forward_kernel_0(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {kiln.kernel} {
    %c = memref.get_global @__constant_2xf32 : memref<2xf32>
    return
  }
  func.func private @forward_kernel_1(%a: memref<4x8xf32>, %b: memref<4x8xf32>) attributes {kiln.kernel} {
    return
  }
"""

PLANNED = KERNELS + """
  func.func @forward(%w: memref<4x8xf32>, %x: memref<4x8xf32>, %out: memref<32xf32>) {
    %arena = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<384xi8>
    %c0 = arith.constant 0 : index
    %c128 = arith.constant 128 : index
    %c256 = arith.constant 256 : index
    %t0 = memref.view %arena[%c0][] {kiln.buffer = {offset = 0 : i64, size = 128 : i64, live = array<i64: 0, 1>}} : memref<384xi8> to memref<4x8xf32>
    call @forward_kernel_0(%x, %t0) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    %t1 = memref.view %arena[%c128][] : memref<384xi8> to memref<4x8xf32>
    %t2 = memref.view %arena[%c256][] : memref<384xi8> to memref<4x8xf32>
    call @forward_kernel_1(%t0, %t1) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    %flat_w = memref.collapse_shape %w [[0, 1]] : memref<4x8xf32> into memref<32xf32>
    %wide = memref.expand_shape %flat_w [[0, 1]] output_shape [4, 8] : memref<32xf32> into memref<4x8xf32>
    call @forward_kernel_1(%wide, %t2) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    %flat = memref.collapse_shape %t1 [[0, 1]] : memref<4x8xf32> into memref<32xf32>
    memref.copy %flat, %out : memref<32xf32> to memref<32xf32>
    return
  }
"""


def _extract(body: str):
    with make_context(), ir.Location.unknown():
        module = ir.Module.parse("module {" + body + "}")
        program = extract_host_program(module, "forward", state_count=1, input_count=1)
        return program, module, {name: str(kernel) for name, kernel in split_kernels(module).items()}


def test_extraction_maps_arena_views_reshapes_and_copies():
    program, module, kernels = _extract(PLANNED)
    arena = lambda offset: BufferRef("arena", offset)
    assert program == HostProgram(arena_bytes=384, steps=(
        Launch("forward_kernel_0", (BufferRef("input", 0), arena(0))),
        Launch("forward_kernel_1", (arena(0), arena(128))),
        Launch("forward_kernel_1", (BufferRef("state", 0), arena(256))),
        Copy(arena(128), BufferRef("output", 0), 128),
    ))
    assert "@forward(" not in str(module), "the host function is erased"
    assert sorted(kernels) == ["forward_kernel_0", "forward_kernel_1"]
    # Each kernel module exports its kernel and carries the globals it uses, and only those.
    assert "func.func @forward_kernel_0(" in kernels["forward_kernel_0"]
    assert "@__constant_2xf32" in kernels["forward_kernel_0"]
    assert "@__constant_2xf32" not in kernels["forward_kernel_1"]


def test_unexpected_host_op_is_named_with_its_location():
    body = KERNELS + """
  func.func @forward(%w: memref<4x8xf32>, %x: memref<4x8xf32>, %out: memref<4x8xf32>) {
    %s = memref.subview %x[0, 0] [4, 8] [1, 1] : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1]>>
    call @forward_kernel_1(%w, %out) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    return
  }
"""
    with pytest.raises(InvalidIRError, match=r"-:\d+.*unexpected op memref\.subview"):
        _extract(body)


def test_buffer_outside_the_arena_is_an_error():
    body = KERNELS + """
  func.func @forward(%w: memref<4x8xf32>, %x: memref<4x8xf32>, %out: memref<4x8xf32>) {
    %t = memref.alloc() : memref<4x8xf32>
    call @forward_kernel_1(%x, %t) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
    return
  }
"""
    with pytest.raises(InvalidIRError, match="outside the arena; run kiln-plan-memory first"):
        _extract(body)


def test_compute_left_in_the_host_function_is_an_error():
    body = """
  func.func @forward(%w: memref<4xf32>, %x: memref<4xf32>, %out: memref<4xf32>) {
    linalg.add ins(%w, %x : memref<4xf32>, memref<4xf32>) outs(%out : memref<4xf32>)
    return
  }
"""
    with pytest.raises(InvalidIRError, match=r"unexpected op linalg\.add in the host function"):
        _extract(body)


def test_record_round_trips_through_torch_save_with_weights_only():
    program = HostProgram(arena_bytes=4096, steps=(
        Launch("k0", (BufferRef("state", 1), BufferRef("input", 0), BufferRef("arena", 256))),
        Launch("k1", (BufferRef("arena", 0), BufferRef("output", 0))),
        Copy(BufferRef("arena", 256), BufferRef("output", 1), 512),
    ))
    buffer = io.BytesIO()
    torch.save(program.to_record(), buffer)
    buffer.seek(0)
    assert HostProgram.from_record(torch.load(buffer, weights_only=True)) == program
    listing = program.describe()
    assert "launch k0(state 1, input 0, arena[+256])" in listing
    assert "copy 512 bytes arena[+256] -> output 1" in listing


def test_malformed_record_is_an_artifact_error():
    with pytest.raises(kiln.ArtifactError, match="malformed host program"):
        HostProgram.from_record({"arena_bytes": 0, "steps": [{"jump": 1}]})
    with pytest.raises(kiln.ArtifactError, match="unknown buffer kind"):
        HostProgram.from_record({"arena_bytes": 0, "steps": [{"launch": "k", "args": [["heap", 0]]}]})


def _intermediates(x, y):
    a = torch.exp(x) @ y
    return torch.tanh(a) + a.sum(dim=1, keepdim=True)


def test_compiled_program_runs_its_host_program():
    x, y = torch.randn(8, 16), torch.randn(16, 8)
    compiled = kiln.compile(_intermediates, x, y)
    # exp (a producer never fuses into a contraction), the matmul with the row sum of
    # its result, then tanh(a) + sum: three launches, as the fusion rules say.
    assert compiled.stats["kernels"] == 3
    assert len([s for s in compiled.host_program.steps if isinstance(s, Launch)]) == 3
    torch.testing.assert_close(compiled(x, y), _intermediates(x, y), **TOLERANCE)


def test_arena_reuse_does_not_overwrite_a_returned_output():
    x, y = torch.randn(8, 16), torch.randn(16, 8)
    compiled = kiln.compile(_intermediates, x, y)
    assert compiled.host_program.arena_bytes
    first = compiled(x, y)
    expected_first = first.clone()
    second = compiled(x + 1, y * 2)
    torch.testing.assert_close(first, expected_first, rtol=0, atol=0)
    torch.testing.assert_close(second, _intermediates(x + 1, y * 2), **TOLERANCE)
    assert first.data_ptr() != second.data_ptr()


def test_concurrent_calls_share_the_arena_safely():
    x, y = torch.randn(8, 16), torch.randn(16, 8)
    compiled = kiln.compile(_intermediates, x, y)
    inputs = [(x * i, y - i) for i in range(8)]
    results = [None] * len(inputs)

    def call(index):
        for _ in range(20):
            results[index] = compiled(*inputs[index])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (a, b), result in zip(inputs, results):
        torch.testing.assert_close(result, _intermediates(a, b), **TOLERANCE)


def test_identical_kernels_are_compiled_once_and_launched_twice():
    class TwoLayers(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.first, self.second = torch.nn.Linear(32, 32), torch.nn.Linear(32, 32)

        def forward(self, x):
            return torch.relu(self.second(torch.relu(self.first(x) * 2.0)) * 2.0)

    model = TwoLayers().eval()
    x = torch.randn(16, 32)
    with torch.no_grad():
        compiled = kiln.compile(model, x)
        torch.testing.assert_close(compiled(x), model(x), rtol=1e-5, atol=1e-5)
    launched = [step.kernel for step in compiled.host_program.steps if isinstance(step, Launch)]
    assert len(launched) == 2 and launched[0] == launched[1]
    assert compiled.stats["distinct_kernels"] == 2  # one GEMM kernel and one weight packer
