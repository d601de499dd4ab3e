"""``tools/gpu-check``: its first half compiles for ``cuda`` and saves what a GPU machine
needs; its second half imports only Kiln's runtime, from the checkout, uninstalled."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_prepare_saves_programs_that_the_bare_runtime_loads(tmp_path):
    out = tmp_path / "out"
    prepared = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gpu-check"), "prepare",
         "--models", "layernorm_gelu_residual", "--out", str(out)],
        capture_output=True, text=True)
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "layernorm_gelu_residual.kiln", "layernorm_gelu_residual.pt", "manifest.json"]
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / "tools")!r})
        from pathlib import Path
        from gpu_check.run import _import_runtime_from
        _import_runtime_from(Path({str(ROOT)!r}))
        import kiln
        program = kiln.load({str(out / "layernorm_gelu_residual.kiln")!r}, bind=False)
        assert program.target == "cuda" and program.stats["kernels"] > 0
        assert "kiln-runtime-" in kiln.__file__, kiln.__file__
        leaked = [m for m in ("torch_mlir", "triton", "kiln.compiler") if m in sys.modules]
        assert not leaked, leaked
        print("ok")
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert loaded.stdout.strip().endswith("ok"), loaded.stdout + loaded.stderr
