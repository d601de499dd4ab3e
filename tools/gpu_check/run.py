"""The half that runs on the GPU machine, with Kiln's runtime alone.

Kiln is not installed there and torch-mlir is absent: the runtime is imported from this
checkout (``python/kiln`` and ``runtime/`` laid out as the ``kiln`` package in a temporary
folder). Eager and Inductor are timed on the module rebuilt from ``tools/models.py``
with the saved weights, when it can be built there (the ``hf_*`` models need
``transformers``); Kiln is always checked against the outputs saved by ``prepare``.
"""

import json
import statistics
import sys
import tempfile
from pathlib import Path

import torch

# Eager's outputs were computed in float64 and rounded; Kiln's GPU kernels compute in
# float32 with IEEE dot products (TF32 off), like the bench's tolerance on the CPU.
TOLERANCE = dict(rtol=1e-4, atol=1e-4)
WARMUP = 5


def run_all(root: Path, folder: Path, repeats: int) -> int:
    """Check and time every prepared model; returns 1 unless every check passed."""
    _import_runtime_from(root)
    import kiln

    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    names = json.loads((folder / "manifest.json").read_text())["models"]
    rows = [_check_and_time(kiln, root, folder, name, repeats) for name in names]
    _print_table(rows)
    return 0 if rows and all(row["check"] == "ok" for row in rows) else 1


def _import_runtime_from(root: Path) -> None:
    """Make ``import kiln`` find this checkout's runtime without installing it."""
    package = Path(tempfile.mkdtemp(prefix="kiln-runtime-")) / "kiln"
    package.mkdir()
    for source in (root / "python" / "kiln").iterdir():
        (package / source.name).symlink_to(source)
    (package / "runtime").symlink_to(root / "runtime")
    sys.path.insert(0, str(package.parent))


def _check_and_time(kiln, root: Path, folder: Path, name: str, repeats: int) -> dict:
    row = {"model": name, "check": "FAIL", "error": "", "eager": None, "inductor": None,
           "reduce_overhead": None, "kiln": None}
    saved = torch.load(folder / f"{name}.pt", weights_only=False)
    try:
        program = kiln.load(folder / f"{name}.kiln")
    except Exception as error:
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
        return row
    module, built_inputs = _module(root, name, program)
    inputs = [x.cuda() for x in (saved["inputs"] or built_inputs or [])]
    try:
        expected = saved["expected"]
        if expected is None:
            with torch.no_grad():
                expected = module(*inputs)  # the inputs were too large to carry
        with torch.no_grad():
            torch.testing.assert_close(program(*inputs), _on_gpu(expected), **TOLERANCE)
        row["check"] = "ok"
        row["kiln"] = _time(lambda: program(*inputs), repeats)
    except Exception as error:  # report every model
        row["error"] = f"{type(error).__name__}: {str(error).splitlines()[0]}"
    if module is None:
        row["error"] = row["error"] or "eager and Inductor not timed: cannot build the module here"
        return row
    with torch.no_grad():
        row["eager"] = _time(lambda: module(*inputs), repeats)
        for column, mode in (("inductor", "default"), ("reduce_overhead", "reduce-overhead")):
            torch._dynamo.reset()
            compiled = torch.compile(module, mode=mode)
            row[column] = _time(lambda: compiled(*inputs), repeats)
    return row


def _module(root: Path, name: str, program):
    """The eager module with the program's weights, on the GPU, and its example inputs;
    or ``(None, None)`` where it cannot be built (no ``transformers`` there)."""
    sys.path.insert(0, str(root / "tools"))  # kiln.tools is not in the runtime-only package
    try:
        import models

        module, inputs = models.build(name, seed=0)
    except ImportError:
        return None, None
    weights = dict(zip(program.stats["state_names"], program.state))
    module.load_state_dict(weights, strict=False)
    return module.cuda().eval(), inputs


def _on_gpu(value):
    if isinstance(value, torch.Tensor):
        return value.cuda()
    return type(value)(_on_gpu(v) for v in value)


def _time(call, repeats: int) -> float:
    """Median milliseconds per call, by CUDA events around each call."""
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        call()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return sorted(times)[len(times) // 2]


def _print_table(rows: list[dict]) -> None:
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}; median ms per "
          "call; ratios are eager time / time (higher is faster)")
    print(f"{'model':26}{'check':>6}{'eager':>10}{'inductor':>10}{'reduce-oh':>10}{'kiln':>10}"
          f"{'kiln/eager':>12}{'kiln/ind.':>11}")
    speedups = []
    for row in rows:
        ratio = (row["eager"] / row["kiln"]) if row["eager"] and row["kiln"] else None
        versus = (row["inductor"] / row["kiln"]) if row["inductor"] and row["kiln"] else None
        if ratio:
            speedups.append((ratio, versus))
        cells = [_ms(row[c]) for c in ("eager", "inductor", "reduce_overhead", "kiln")]
        print(f"{row['model']:26}{row['check']:>6}{''.join(cells)}{_x(ratio):>12}{_x(versus):>11}"
              + (f"  {row['error']}" if row["error"] else ""))
    if speedups:
        eager_mean = _geomean([r for r, _ in speedups])
        inductor_mean = _geomean([v for _, v in speedups if v])
        print(f"geomean: kiln {eager_mean:.2f}x eager, {inductor_mean:.2f}x Inductor (default)")


def _ms(value) -> str:
    return f"{value:10.3f}" if value is not None else f"{'-':>10}"


def _x(value) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def _geomean(values: list[float]) -> float:
    return statistics.geometric_mean(values) if values else float("nan")
