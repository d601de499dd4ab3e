"""A saved program runs after ``kiln.load`` in a fresh process that never imports the compiler."""

import subprocess
import sys
import textwrap

import torch

import kiln
from kiln.compiler.targets import get_target


def test_dump_ir_writes_every_stage(tmp_path):
    kiln.compile(lambda x: torch.relu(x) * 2, torch.randn(3), dump_ir=tmp_path)
    stages = ["torch"] + [stage.name for stage in get_target("cpu").stages()]
    expected = [f"{index}-{name}.mlir" for index, name in enumerate(stages)]
    expected.append(f"{len(stages)}-llvm.ll")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    assert '"kiln.maximum"' in (tmp_path / "1-kiln.mlir").read_text()
    assert "; kernel " in (tmp_path / expected[-1]).read_text()


def test_saved_program_runs_in_fresh_process_without_compiler(tmp_path):
    module = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.GELU(), torch.nn.Linear(4, 2))
    x = torch.randn(3, 6)
    compiled = kiln.compile(module, x)
    path = tmp_path / "mlp.kiln"
    compiled.save(path)
    torch.save({"x": x, "expected": module(x).detach()}, tmp_path / "io.pt")
    script = textwrap.dedent(f"""
        import sys, torch, kiln
        program = kiln.load({str(path)!r})
        io = torch.load({str(tmp_path / "io.pt")!r})
        torch.testing.assert_close(program(io["x"]), io["expected"], rtol=1e-4, atol=1e-4)
        leaked = [m for m in sys.modules if m.startswith(("torch_mlir", "kiln.compiler", "llvmlite"))]
        assert not leaked, leaked
        print("ran without compiler")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "ran without compiler" in result.stdout


def test_loading_a_non_kiln_file_is_a_clear_error(tmp_path):
    path = tmp_path / "not-kiln.pt"
    torch.save({"weights": torch.zeros(2)}, path)
    try:
        kiln.load(path)
    except kiln.ArtifactError as error:
        assert "is not a Kiln executable" in str(error)
    else:
        raise AssertionError("kiln.load accepted a file that is not a Kiln executable")
