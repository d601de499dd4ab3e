"""kiln-opt as a command-line tool, and the textual pipelines it runs."""

import io
import subprocess
import sys

import pytest

from kiln.compiler.dialect.context import make_context
from kiln.compiler.passes.pipeline import (
    PIPELINE_ALIASES,
    PipelineAlias,
    PipelineError,
    build_pass_manager,
    expand,
    split_elements,
)
from kiln.compiler.tools.kiln_opt import main, register_everything

MM = """\
func.func @mm(%a: !torch.vtensor<[2,3],f32>, %b: !torch.vtensor<[3,4],f32>) -> !torch.vtensor<[2,4],f32> {
  %0 = torch.aten.mm %a, %b : !torch.vtensor<[2,3],f32>, !torch.vtensor<[3,4],f32> -> !torch.vtensor<[2,4],f32>
  return %0 : !torch.vtensor<[2,4],f32>
}
"""

MALFORMED = """\
func.func @f() {
  return
}
func.func @g() {
  %0 = "kiln.exp"(
}
"""


def kiln_opt(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """Run kiln-opt in a fresh process, as a user would."""
    command = [sys.executable, "-m", "kiln.compiler.tools.kiln_opt", *args]
    return subprocess.run(
        command, check=False, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def mm_file(tmp_path):
    path = tmp_path / "mm.mlir"
    path.write_text(MM)
    return path


def test_malformed_input_gives_file_line_col_and_exit_1(tmp_path):
    path = tmp_path / "broken.mlir"
    path.write_text(MALFORMED)
    result = kiln_opt(str(path))
    assert result.returncode == 1
    assert f"{path}:5:19: error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_stdin_input_and_its_name_in_diagnostics():
    converted = kiln_opt("--convert-torch-to-kiln", stdin=MM)
    assert converted.returncode == 0, converted.stderr
    assert '"kiln.matmul"' in converted.stdout
    broken = kiln_opt("-", stdin=MALFORMED)
    assert broken.returncode == 1
    assert "<stdin>:5:19: error:" in broken.stderr


def test_output_file(mm_file, tmp_path, capsys):
    output = tmp_path / "out.mlir"
    assert main([str(mm_file), "--convert-torch-to-kiln", "-o", str(output)]) == 0
    assert '"kiln.matmul"' in output.read_text()
    assert capsys.readouterr().out == ""


def test_unknown_pass_is_named_with_close_matches(mm_file, capsys):
    assert main([str(mm_file), "--pass-pipeline=builtin.module(convert-torch-to-kiln, csee)"]) == 1
    error = capsys.readouterr().err
    assert "unknown pass or pipeline 'csee'" in error
    assert main([str(mm_file), "--pass-pipeline=convert-torch-to-kilm"]) == 1
    assert "Did you mean 'convert-torch-to-kiln'" in capsys.readouterr().err


def test_list_passes_shows_passes_aliases_and_summaries(capsys):
    assert main(["--list-passes"]) == 0
    listing = capsys.readouterr().out
    assert "convert-torch-to-kiln" in listing
    assert "Convert torch dialect ops on value tensors" in listing
    for name, alias in PIPELINE_ALIASES.items():
        assert name in listing and alias.summary in listing


def test_help_has_one_flag_per_pass(capsys):
    assert main(["--help"]) == 0
    assert "--convert-torch-to-kiln" in capsys.readouterr().out


def test_pass_flags_run_in_command_line_order(mm_file, capfd, monkeypatch):
    monkeypatch.setitem(PIPELINE_ALIASES, "test-cse", PipelineAlias("test-cse", "cse", "CSE"))
    assert (
        main([str(mm_file), "--test-cse", "--convert-torch-to-kiln", "--mlir-print-ir-after-all"])
        == 0
    )
    dumps = capfd.readouterr().err
    assert 0 <= dumps.index("IR Dump After CSE") < dumps.index("IR Dump After ConvertTorchToKiln")


def test_pipeline_and_pass_flags_are_exclusive(mm_file, capsys):
    assert main([str(mm_file), "--pass-pipeline=cse", "--convert-torch-to-kiln"]) == 1
    assert "cannot be combined" in capsys.readouterr().err


def test_split_input_file_joins_outputs(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(MM + "// -----\n" + MM))
    assert main(["--split-input-file", "--convert-torch-to-kiln"]) == 0
    output = capsys.readouterr().out
    assert output.count('"kiln.matmul"') == 2
    assert output.count("// -----\n") == 1


def test_verify_diagnostics_reports_missing_and_unexpected(tmp_path, capsys):
    path = tmp_path / "verify.mlir"
    path.write_text(
        "func.func @f(%x: tensor<2xi64>) -> tensor<2xi64> {\n"
        "  // expected-error @+1 {{a message that is not produced}}\n"
        '  %0 = "kiln.exp"(%x) : (tensor<2xi64>) -> tensor<2xi64>\n'
        "  return %0 : tensor<2xi64>\n"
        "}\n"
    )
    assert main([str(path), "--verify-diagnostics"]) == 1
    error = capsys.readouterr().err
    assert (
        f"{path}:3:8: error: unexpected error: 'kiln.exp' op expects a floating-point operand"
        in error
    )
    assert (
        f'{path}:3: error: expected error "a message that is not produced" was not produced'
        in error
    )


def test_split_elements_respects_brackets_and_quotes():
    elements = split_elements('a{x=1,2}, func.func(b, c{y="p,q"}), d')
    assert [e.name for e in elements] == ["a", "func.func", "d"]
    assert elements[0].options == "x=1,2"
    assert elements[1].nested == 'b, c{y="p,q"}'
    with pytest.raises(PipelineError, match="unbalanced"):
        split_elements("a)")


def test_aliases_expand_recursively_and_cycles_are_reported(monkeypatch):
    monkeypatch.setitem(PIPELINE_ALIASES, "test-inner", PipelineAlias("test-inner", "cse", ""))
    monkeypatch.setitem(
        PIPELINE_ALIASES,
        "test-outer",
        PipelineAlias("test-outer", "builtin.module(test-inner, canonicalize)", ""),
    )
    assert [e.name for e in expand("builtin.module(test-outer, symbol-dce)")] == [
        "cse",
        "canonicalize",
        "symbol-dce",
    ]
    monkeypatch.setitem(
        PIPELINE_ALIASES, "test-loop", PipelineAlias("test-loop", "cse, test-loop", "")
    )
    with pytest.raises(PipelineError, match="expands to itself"):
        expand("test-loop")


def test_build_pass_manager_mixes_kiln_and_upstream_passes():
    register_everything()
    pm, failures = build_pass_manager(
        "builtin.module(convert-torch-to-kiln, func.func(canonicalize), cse)", make_context()
    )
    text = str(pm)
    assert text.startswith("builtin.module(convert-torch-to-kiln,func.func(canonicalize")
    assert text.endswith(",cse)")
    assert failures.errors == []


def test_input_that_is_not_utf8_is_an_error_not_a_traceback(tmp_path):
    path = tmp_path / "binary.mlir"
    path.write_bytes(b"func.func @f() {\n  return\n}\n\xff\xfe")
    result = kiln_opt(str(path), "--kiln-fuse")
    assert result.returncode == 1
    assert f"{path}:4: the input is not UTF-8 text (byte 0xff" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_error_at_an_unknown_location_is_placed_in_the_input(tmp_path):
    """An op the input gives loc(unknown) has no file position of its own; its error is
    placed at the first line of its chunk, naming the location it had."""
    path = tmp_path / "unknown.mlir"
    path.write_text("// a comment\n"
                    "func.func @f(%x: tensor<2xi64>) -> tensor<2xi64> {\n"
                    '  %0 = "kiln.exp"(%x) : (tensor<2xi64>) -> tensor<2xi64> loc(unknown)\n'
                    "  return %0 : tensor<2xi64>\n}\n")
    result = kiln_opt(str(path))
    assert result.returncode == 1
    assert (f"{path}:1:1: error: 'kiln.exp' op expects a floating-point operand, got "
            "tensor<2xi64> [reported at loc(unknown)]") in result.stderr


def test_a_python_exception_in_a_verifier_is_a_located_internal_error(tmp_path, monkeypatch, capsys):
    from kiln.compiler.dialect.kiln import UnaryOp

    def broken(self):
        raise IndexError("a bug in a check")

    monkeypatch.setattr(UnaryOp, "check", broken)
    path = tmp_path / "exp.mlir"
    path.write_text('func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {\n'
                    '  %0 = "kiln.exp"(%x) : (tensor<2xf32>) -> tensor<2xf32>\n'
                    '  return %0 : tensor<2xf32>\n}\n')
    assert main([str(path)]) == 1
    assert (f"{path}:2:8: error: 'kiln.exp' op internal error in its verifier: IndexError: "
            "a bug in a check") in capsys.readouterr().err


@pytest.mark.parametrize("flag", ["--kiln-sink-result-reshapes", "--kiln-tile-rows",
                                  "--kiln-plan-memory"])
def test_a_kernel_declaration_passes_through(flag, tmp_path, capsys):
    """A bodiless kiln.kernel function has nothing to change (each pass raised IndexError)."""
    path = tmp_path / "declaration.mlir"
    path.write_text("func.func private @k(memref<4xf32>) attributes {kiln.kernel}\n"
                    "func.func @host(%x: memref<4xf32>) {\n"
                    "  call @k(%x) : (memref<4xf32>) -> ()\n  return\n}\n")
    assert main([str(path), flag]) == 0
    assert "func.func private @k(memref<4xf32>)" in capsys.readouterr().out
