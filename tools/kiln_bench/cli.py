"""``kiln-bench``: eager PyTorch, ``torch.compile`` (Inductor) and Kiln side by side.

Runs eager, Inductor's default mode, Inductor with ``freezing`` (weights folded and
prepacked) and Kiln in one process, under ``torch.no_grad()``, on the example models.
Checks Kiln against eager at each model's stated tolerance (rtol = atol = 1e-4 unless the
table says otherwise), and prints median per-call times with Kiln's speedups (other
backend's time / Kiln's; above 1, Kiln is faster) and their geomean; compile times;
kernels and arena size; GFLOP/s or GB/s beside a torch copy of the same bytes; and the
per-call overhead of a one-op graph.

Compiles are cold by default: Inductor writes to a fresh ``TORCHINDUCTOR_CACHE_DIR``
(torch's ``temporary_cache_dir``, which also clears its in-memory caches) and Kiln runs
with ``KILN_CACHE=0``; ``--warm-caches`` keeps both caches.

Exits 1 if Kiln's output differs from eager for any model, or if a model of the default
list fails to compile. Models outside it (``--models all``) that fail to compile are
reported, with the error's first line, and do not change the exit status.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path

import torch

from . import catalog, measure, micro, report


def main(argv=None) -> int:
    """Entry point of ``kiln-bench``; returns the process exit status."""
    args = _parse(argv)
    caches = "with warm caches" if args.warm_caches else "cold (fresh Inductor cache, KILN_CACHE=0)"
    print(f"kiln-bench: torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.repeats} repeats after {args.warmup} warmup, median per call; compiles "
          f"{caches}")
    print(f"note: load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs at the start; "
          "compare ratios within one run, not times across runs")
    with torch.no_grad(), _caches(cold=not args.warm_caches):
        overhead_us = micro.call_overhead()
        parallel_us = micro.parallel_launch()
        results = [measure.bench_model(name, args) for name in args.models]
    report.print_report(results, overhead_us, parallel_us)
    if args.plot:
        from .plot import write_plot

        write_plot(results, args.plot)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"torch": torch.__version__, "threads": torch.get_num_threads(),
             "repeats": args.repeats, "warmup": args.warmup, "cold": not args.warm_caches,
             "call_overhead_us": overhead_us, "parallel_launch_us": parallel_us,
             "results": results}, indent=2))
    failed = [r["model"] for r in results if r["check"] == "FAIL"
              or (r["check"] == "NO-COMPILE" and r["model"] in catalog.DEFAULT_MODELS)]
    if failed:
        print(f"kiln-bench: FAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _parse(argv):
    parser = argparse.ArgumentParser(prog="kiln-bench", description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="default",
                        help="'default' (" + ",".join(catalog.DEFAULT_MODELS) + "), 'all', "
                        "or a comma-separated subset of " + ",".join(catalog.models.MODEL_NAMES))
    parser.add_argument("--repeats", type=int, default=20, help="timed calls per backend")
    parser.add_argument("--warmup", type=int, default=3, help="untimed calls per backend")
    parser.add_argument("--small", action="store_true", help="smaller model configs (for tests)")
    parser.add_argument("--warm-caches", action="store_true",
                        help="keep Inductor's on-disk cache and Kiln's (compile times are then "
                        "not cold)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--plot", metavar="PATH", help="also draw the speedups as a PNG")
    args = parser.parse_args(argv)
    try:
        args.models = catalog.resolve(args.models)
    except ValueError as error:
        parser.error(str(error))
    if args.repeats < 1 or args.warmup < 0:
        parser.error("--repeats must be at least 1 and --warmup at least 0")
    return args


@contextlib.contextmanager
def _caches(cold: bool):
    """Cold: a fresh, temporary Inductor cache directory and ``KILN_CACHE=0``, restored after."""
    if not cold:
        yield
        return
    from torch._inductor.runtime.cache_dir_utils import temporary_cache_dir

    saved = os.environ.get("KILN_CACHE")
    os.environ["KILN_CACHE"] = "0"
    try:
        with tempfile.TemporaryDirectory(prefix="kiln-bench-inductor-") as directory, \
                temporary_cache_dir(directory):
            yield
    finally:
        if saved is None:
            del os.environ["KILN_CACHE"]
        else:
            os.environ["KILN_CACHE"] = saved
