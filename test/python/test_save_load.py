"""A saved program runs after ``kiln.load`` in a fresh process that never imports the compiler."""

import subprocess
import sys
import textwrap

import pytest
import torch

import kiln


def test_dump_ir_writes_every_stage(tmp_path):
    kiln.compile(lambda x: torch.relu(x) * 2, torch.randn(3), dump_ir=tmp_path)
    stages = ["torch", "kiln", "fused", "tiled", "planned", "llvm"]  # the driver's, then the CPU's
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


def test_any_changed_byte_is_refused_and_truncation_too(tmp_path):
    module = torch.nn.Linear(6, 4)
    path = tmp_path / "linear.kiln"
    kiln.compile(module, torch.randn(3, 6)).save(path)
    data = path.read_bytes()
    x = torch.randn(3, 6)
    expected = kiln.load(path)(x)
    loaded = 0
    # Flip one byte at a spread of offsets: every one is refused (or, where the flip
    # hits bytes torch.load ignores, the program still loads and is unchanged).
    for offset in range(0, len(data), max(1, len(data) // 97)):
        damaged = bytearray(data)
        damaged[offset] ^= 0x40
        (tmp_path / "damaged.kiln").write_bytes(bytes(damaged))
        try:
            program = kiln.load(tmp_path / "damaged.kiln")
        except kiln.ArtifactError:
            continue
        assert torch.equal(program(x), expected)
        loaded += 1
    assert loaded < 20  # most flips land in what the checksum or the zip format covers
    (tmp_path / "short.kiln").write_bytes(data[: len(data) // 2])
    with pytest.raises(kiln.ArtifactError):
        kiln.load(tmp_path / "short.kiln")


def test_a_changed_weight_byte_is_reported_as_damage(tmp_path):
    module = torch.nn.Linear(6, 4)
    path = tmp_path / "linear.kiln"
    kiln.compile(module, torch.randn(3, 6)).save(path)
    record = torch.load(path, weights_only=True)
    record["state"][0][0, 0] += 1.0  # as a flipped bit in the stored weights would
    torch.save(record, tmp_path / "tampered.kiln")
    with pytest.raises(kiln.ArtifactError, match="damaged"):
        kiln.load(tmp_path / "tampered.kiln")
