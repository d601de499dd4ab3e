"""``kiln-bench``: eager PyTorch, ``torch.compile`` (Inductor) and Kiln side by side.

Runs all three in one process on the example models, checks Kiln against eager
(rtol = atol = 1e-4) and prints median per-call times, with Kiln's kernel count, its
arena size and an estimate of what eager's intermediates take if nothing is reused.
Exits 1 if any model fails.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

import kiln

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import models  # noqa: E402

TOLERANCE = dict(rtol=1e-4, atol=1e-4)
# --small: model configs that shrink what the fixed example-input shapes allow.
SMALL_CONFIGS = {
    "mlp": {"widths": (256, 64, 32)},
    "cnn": {"channels": (3, 8, 8)},
    "gpt2_block": {"max_sequence": 128},
}
COLUMNS = ("model", "eager ms", "inductor ms", "kiln ms", "kiln/eager", "kiln/inductor",
           "compile s", "kernels", "arena KiB", "eager-est KiB", "check")


def main(argv=None) -> int:
    """Entry point of ``kiln-bench``; returns the process exit status."""
    args = _parse(argv)
    print(f"kiln-bench: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.repeats} repeats after {args.warmup} warmup, median per call")
    print("note: the machine is shared and noisy; compare ratios within one run, "
          "not times across runs")
    with torch.no_grad():
        results = [_bench(name, args) for name in args.models]
    _print_table(results)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"torch": torch.__version__, "threads": torch.get_num_threads(),
             "repeats": args.repeats, "warmup": args.warmup, "results": results}, indent=2))
    failed = [r["model"] for r in results if r["check"] != "PASS"]
    if failed:
        print(f"kiln-bench: FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _parse(argv):
    parser = argparse.ArgumentParser(prog="kiln-bench", description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(models.MODEL_NAMES),
                        help=f"comma-separated subset of {', '.join(models.MODEL_NAMES)}")
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per backend")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per backend")
    parser.add_argument("--small", action="store_true", help="smaller model configs (for tests)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    args.models = [name for name in args.models.split(",") if name]
    unknown = sorted(set(args.models) - set(models.MODEL_NAMES))
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(models.MODEL_NAMES)}")
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    return args


def _bench(name, args):
    """Compile, check and time one model; returns its result row as a dict."""
    config = SMALL_CONFIGS.get(name, {}) if args.small else {}
    module, inputs = models.build(name, **config)
    expected = module(*inputs)
    result = {"model": name, "eager_ms": None, "inductor_ms": None, "kiln_ms": None,
              "kiln_compile_s": None, "kernels": None, "arena_kib": None,
              "eager_estimate_kib": None, "check": "FAIL", "error": None}
    runners = {"eager": module}

    _progress(f"{name}: compiling with Kiln")
    try:
        executable = kiln.compile(module, *inputs)
    except kiln.KilnError as error:
        result["error"] = f"Kiln compile failed: {error}"
        _progress(f"{name}: {result['error']}")
        executable = None
    if executable is not None:
        result["kiln_compile_s"] = sum(executable.stats["compile_seconds"].values())
        result["kernels"] = executable.stats["kernels"]
        result["arena_kib"] = executable.stats["arena_bytes"] / 1024
        estimate = executable.stats["eager_peak_bytes_estimate"]
        result["eager_estimate_kib"] = None if estimate is None else estimate / 1024
        try:
            torch.testing.assert_close(executable(*inputs), expected, **TOLERANCE)
            result["check"] = "PASS"
        except AssertionError as error:
            result["error"] = f"Kiln output differs from eager: {error}"
            _progress(f"{name}: {result['error']}")
        runners["kiln"] = executable

    _progress(f"{name}: compiling with Inductor")
    inductor = _compile_inductor(module, inputs)
    if inductor is not None:
        runners["inductor"] = inductor

    _progress(f"{name}: timing {', '.join(runners)}")
    for backend, ms in _time(runners, inputs, args.repeats, args.warmup).items():
        result[f"{backend}_ms"] = ms
    return result


def _compile_inductor(module, inputs):
    """``torch.compile(module)`` after its first (compiling) call, or None if that fails."""
    compiled = torch.compile(module)
    try:
        compiled(*inputs)
    except Exception as error:  # Inductor's failures (no C++ compiler, ...) have no common type
        _progress(f"Inductor unavailable ({type(error).__name__}: {error}); reporting n/a")
        return None
    return compiled


def _time(runners, inputs, repeats, warmup):
    """Median milliseconds per call for each runner, calls interleaved across runners."""
    times = {backend: [] for backend in runners}
    for index in range(warmup + repeats):
        for backend, run in runners.items():
            start = time.perf_counter()
            run(*inputs)
            elapsed = time.perf_counter() - start
            if index >= warmup:
                times[backend].append(elapsed * 1e3)
    return {backend: statistics.median(samples) for backend, samples in times.items()}


def _print_table(results):
    rows = [COLUMNS] + [
        (r["model"], _fmt(r["eager_ms"], ".3f"), _fmt(r["inductor_ms"], ".3f"),
         _fmt(r["kiln_ms"], ".3f"), _ratio(r["kiln_ms"], r["eager_ms"]),
         _ratio(r["kiln_ms"], r["inductor_ms"]), _fmt(r["kiln_compile_s"], ".2f"),
         _fmt(r["kernels"], "d"), _fmt(r["arena_kib"], ".1f"),
         _fmt(r["eager_estimate_kib"], ".1f"), r["check"])
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    for row in rows:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))))


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def _ratio(numerator, denominator):
    return "n/a" if numerator is None or denominator is None else f"{numerator / denominator:.2f}x"


def _progress(message):
    print(f"kiln-bench: {message}", file=sys.stderr, flush=True)
