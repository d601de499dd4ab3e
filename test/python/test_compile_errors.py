"""Unsupported ops and failing stages give errors that say what, where and what next."""

from pathlib import Path

import pytest
import torch
from torch_mlir import ir

import kiln
from kiln import knobs
from kiln.compiler import driver
from kiln.compiler.dialect import make_context
from kiln.runtime.host_program import BufferRef, HostProgram, Launch
from custom_ops import reverse_rows, running_max


class UsesACustomOp(torch.nn.Module):
    def forward(self, x):
        return reverse_rows(x)  # the line the error must point at


@pytest.fixture
def strict(monkeypatch):
    """Strict mode: an op Kiln does not compile is an error, not run through torch."""
    monkeypatch.setenv("KILN_FALLBACK", "0")


def test_unsupported_op_names_op_and_user_line(strict):
    with pytest.raises(kiln.KilnError) as raised:
        kiln.compile(UsesACustomOp(), torch.randn(4))
    message = str(raised.value)
    line = UsesACustomOp.forward.__code__.co_firstlineno + 1
    assert f"test_compile_errors.py:{line}: kiln_test.reverse_rows is not supported by Kiln yet" \
        in message
    assert "kiln.supported_ops()" in message


def doubled_then_reversed(x):
    y = x * 2
    return reverse_rows(y)  # the line the error must point at


def test_unsupported_op_in_a_plain_function_names_the_user_line(strict):
    with pytest.raises(kiln.KilnError) as raised:
        kiln.compile(doubled_then_reversed, torch.randn(4))
    line = doubled_then_reversed.__code__.co_firstlineno + 2
    assert f"test_compile_errors.py:{line}: kiln_test.reverse_rows is not supported by Kiln yet" \
        in str(raised.value)


def reverse_then_running_max(x):
    y = reverse_rows(x)  # the first line the error must point at
    return running_max(y, 0, torch.float32)[0]  # the second


def test_strict_mode_names_every_unsupported_op_at_once(strict):
    with pytest.raises(kiln.KilnError) as raised:
        kiln.compile(reverse_then_running_max, torch.randn(4))
    line = reverse_then_running_max.__code__.co_firstlineno
    message = str(raised.value)
    assert (f"test_compile_errors.py:{line + 1}: kiln_test.reverse_rows is not supported by "
            "Kiln yet") in message
    assert (f"test_compile_errors.py:{line + 2}: kiln_test.running_max is not supported by "
            "Kiln yet") in message
    assert "KILN_FALLBACK=0" in message


def test_untraceable_program_explains_torch_export_failure():
    def data_dependent(x):
        return x * 2 if x.sum() > 0 else x

    with pytest.raises(kiln.KilnError, match="torch.export could not trace"):
        kiln.compile(data_dependent, torch.randn(3))


@pytest.mark.parametrize("program", [lambda x: x.to(torch.uint16), lambda x: torch.ops.aten.hash_tensor(x)],
                         ids=["uint16-argument", "uint64-result"])
def test_a_dtype_the_importer_lacks_is_refused_at_the_users_line(program):
    """torch-mlir's importer has no type for uint16 (as an argument) or uint64: it
    failed with a bare KeyError."""
    with pytest.raises(kiln.KilnError, match=r"test_compile_errors.py:\d+: aten\.\w+\.default "
                                             r"uses torch\.(uint16|uint64), a dtype Kiln does not"):
        kiln.compile(program, torch.randn(3))


def test_a_failed_decomposition_retrace_is_a_frontend_error():
    """torch's re-trace asserts on a resize_ of an input; that was a bare AssertionError."""
    def program(x):
        x.resize_(2, 2)
        return x * 2

    with pytest.raises(kiln.KilnError, match=r"(?s)could not decompose the program.*resize_"):
        kiln.compile(program, torch.randn(3, 3))


def test_unknown_target():
    with pytest.raises(kiln.KilnError, match="unknown target 'tpu'; available: cpu, cuda"):
        kiln.compile(lambda x: x + 1, torch.randn(2), target="tpu")


def test_supported_ops_lists_converted_aten_ops():
    ops = kiln.supported_ops()
    assert "torch.aten.mm" in ops and "torch.aten.convolution" in ops


def test_a_zero_size_operand_runs_on_the_host_even_in_strict_mode(strict):
    # A K = 0 matmul used to be lowered with memref descriptors the runtime cannot pass,
    # and the call crashed the process. An empty tensor moves no data: the host runs it.
    a, b = torch.randn(3, 0), torch.randn(0, 4)
    compiled = kiln.compile(lambda a, b: a @ b, a, b)
    assert [f["op"] for f in compiled.stats["fallbacks"]] == ["aten.mm.default"]
    torch.testing.assert_close(compiled(a, b), torch.zeros(3, 4))


def test_an_internal_failure_names_a_reproducer(tmp_path, monkeypatch):
    from kiln.compiler.conversion.torch_to_kiln.registry import CONVERTERS

    def broken_converter(rewriter, op):
        raise RuntimeError("a bug in a converter")

    monkeypatch.setitem(CONVERTERS, "torch.aten.mul.Tensor", broken_converter)
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    monkeypatch.setenv("KILN_CACHE", "0")
    with pytest.raises(kiln.InternalCompilerError, match=r"(?s)a bug in a converter.*"
                       r"kiln-opt .*kiln-reproducer-kiln-.*\.mlir") as raised:
        kiln.compile(lambda a, b: a * b, torch.randn(5, 3), torch.randn(5, 3))
    assert not isinstance(raised.value, kiln.KilnError)  # a crash is not a refusal
    assert list(tmp_path.glob("kiln-reproducer-kiln-*.mlir")) == [Path(raised.value.reproducer)]


def test_a_failure_while_emitting_the_artifact_names_a_reproducer(tmp_path, monkeypatch):
    import kiln.compiler.targets.cpu as cpu
    from kiln.compiler.tools import emit_artifact

    def broken_code_generation(kernels, opt_level):
        raise RuntimeError("a bug in code generation")

    monkeypatch.setattr(cpu, "emit_shared_object", broken_code_generation)
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    monkeypatch.setenv("KILN_CACHE", "0")
    with pytest.raises(kiln.InternalCompilerError, match=r"(?s)a bug in code generation.*"
                       r"python -m kiln.compiler.tools.emit_artifact "
                       r".*kiln-reproducer-artifact-.*\.mlir --target cpu") as raised:
        kiln.compile(lambda a: a.exp() * 2, torch.randn(5, 3))
    assert not isinstance(raised.value, kiln.KilnError)
    (reproducer,) = tmp_path.glob("kiln-reproducer-artifact-*.mlir")
    monkeypatch.undo()
    output = tmp_path / "kernels.so"
    assert emit_artifact.main([str(reproducer), "--target", "cpu", "-o", str(output)]) == 0
    assert output.read_bytes()[:4] == b"\x7fELF"


def test_a_kernel_lowered_with_the_wrong_arity_is_an_internal_error(tmp_path, monkeypatch):
    """A kernel whose signature the runtime cannot call is Kiln's bug: the lowered
    kernels are saved, and the message names the kiln-opt command that prints them."""
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    with make_context(), ir.Location.unknown():
        kernel = ir.Module.parse("func.func @k(%a: memref<4xf32>) { return }")
        launch = Launch("k", (BufferRef("input", 0), BufferRef("output", 0)))
        with pytest.raises(kiln.InternalCompilerError,
                           match=r"(?s)kernel 'k' was lowered with 1 parameters for 2 "
                                 r"buffers.*kiln-opt .*kiln-reproducer-kernels-.*\.mlir"
                                 r" --split-input-file") as raised:
            driver._check_kernel_arities({"k": kernel}, HostProgram(0, (launch,)),
                                         knobs.current())
    assert not isinstance(raised.value, kiln.KilnError)
    assert "func.func @k(%arg0: memref<4xf32>" in Path(raised.value.reproducer).read_text()


def test_ir_a_pass_cannot_handle_is_an_internal_error_inside_compile(tmp_path, monkeypatch):
    """kiln-plan-memory refusing its input is a located diagnostic in kiln-opt, but in
    kiln.compile the input is Kiln's own: an internal error with a reproducer."""
    from kiln.compiler.transforms.plan_memory import MemoryPlanError, PlanMemory

    def unplannable(self, module):
        raise MemoryPlanError("a form the planner does not know", module.location)

    monkeypatch.setattr(PlanMemory, "run", unplannable)
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    monkeypatch.setenv("KILN_CACHE", "0")
    with pytest.raises(kiln.InternalCompilerError, match=r"(?s)kiln-plan-memory: a form the "
                       r"planner does not know.*kiln-opt .*kiln-reproducer-planned-") as raised:
        kiln.compile(lambda a: a.exp() * 2, torch.randn(5, 3))
    assert not isinstance(raised.value, kiln.KilnError)
