"""The tables ``kiln-bench`` prints: speed and check, compile and memory, throughput."""

import math

from .measure import MEMORY_BOUND_BELOW

SPEED_COLUMNS = ("model", "eager ms", "inductor ms", "inductor-freezing ms", "kiln ms",
                 "kiln speedup vs eager", "kiln speedup vs inductor",
                 "kiln speedup vs inductor-freezing", "rtol=atol", "out std", "check")
COMPILE_COLUMNS = ("model", "kiln compile s", "kiln cache", "inductor compile s",
                   "inductor-freezing compile s", "inductor/kiln compile", "kernels",
                   "arena KiB", "eager-est KiB")
THROUGHPUT_COLUMNS = ("model", "bound", "GFLOP", "MB moved", "flop/B", "eager", "inductor",
                      "inductor-freezing", "kiln", "torch copy")
COMPARED = ("eager", "inductor", "inductor_freezing")
# An output spread below this makes an rtol/atol check weak; the table says so.
TINY_OUTPUT_STD = 1e-2


def speedup(result, baseline):
    """``baseline``'s time over Kiln's: above 1, Kiln is faster. None if either is missing."""
    kiln_ms, other_ms = result.get("kiln_ms"), result.get(f"{baseline}_ms")
    return None if kiln_ms is None or other_ms is None else other_ms / kiln_ms


def geomean_speedups(results) -> dict:
    """Geometric mean of each speedup over the models that pass the check (Kiln ran and
    was right) and where the other backend ran."""
    passed = [r for r in results if r["check"] == "PASS"]
    means = {}
    for baseline in COMPARED:
        values = [s for s in (speedup(r, baseline) for r in passed) if s is not None]
        means[baseline] = math.exp(sum(map(math.log, values)) / len(values)) if values else None
    return means


def print_report(results, overhead_us, parallel_us=None):
    """Print the three tables, the errors and the per-call overhead lines."""
    print("per-call overhead, x + 1 on a 1-element tensor: "
          + ", ".join(f"{backend} {us:.1f} µs" for backend, us in overhead_us.items()))
    if parallel_us:
        print("parallel launch, x + 1 on 65536 floats: "
              + ", ".join(f"{backend} {us:.1f} µs" for backend, us in parallel_us.items()))
    print("\nspeed (median ms per call; speedup = other backend's time / Kiln's time, "
          ">1 means Kiln is faster)")
    passed = sum(r["check"] == "PASS" for r in results)
    means = geomean_speedups(results)
    _print_table(SPEED_COLUMNS, [_speed_row(r) for r in results] + [
        (f"geomean ({passed} models that pass)", "", "", "", "",
         *(_times(means[b]) for b in COMPARED), "", "", "")])
    errors = [r for r in results if r["error"]]
    for r in errors:
        print(f"  {r['model']}: {r['error']}")

    print("\ncompile (wall-clock s of the first compile; Inductor's is its first call minus a "
          "normal call) and memory")
    _print_table(COMPILE_COLUMNS, [_compile_row(r) for r in results if "flops" in r])

    print(f"\nthroughput (GFLOP/s when flop/B >= {MEMORY_BOUND_BELOW:g}, else GB/s of the bytes "
          "moved: inputs, weights and outputs once; torch copy moves the same bytes)")
    _print_table(THROUGHPUT_COLUMNS, [_throughput_row(r) for r in results if "flops" in r])


def _speed_row(r):
    std = r.get("output_std")
    std_cell = _fmt(std, ".3g") + (" (tiny)" if std is not None and std < TINY_OUTPUT_STD else "")
    return (r["model"], *(_fmt(r[f"{b}_ms"], ".3f") for b in (*COMPARED, "kiln")),
            *(_times(speedup(r, b)) for b in COMPARED), f"{r['tolerance']:g}", std_cell,
            r["check"])


def _compile_row(r):
    kiln_s, inductor_s = r.get("kiln_compile_s"), r.get("inductor_compile_s")
    ratio = inductor_s / kiln_s if kiln_s and inductor_s is not None else None
    return (r["model"], _fmt(kiln_s, ".2f"), _fmt(r.get("kiln_cache"), ""),
            _fmt(inductor_s, ".2f"), _fmt(r.get("inductor_freezing_compile_s"), ".2f"),
            _times(ratio), _fmt(r.get("kernels"), "d"), _fmt(r.get("arena_kib"), ".1f"),
            _fmt(r.get("eager_estimate_kib"), ".1f"))


def _throughput_row(r):
    memory = r["bound"] == "memory"
    amount, unit = (r["bytes"], "GB/s") if memory else (r["flops"], "GFLOP/s")
    rates = []
    for backend in (*COMPARED, "kiln"):
        ms = r[f"{backend}_ms"]
        rates.append("n/a" if ms is None else f"{amount / ms / 1e6:.1f} {unit}")
    copy = f"{r['copy_gbps']:.1f} GB/s" if memory else ""
    return (r["model"], r["bound"], f"{r['flops'] / 1e9:.3f}", f"{r['bytes'] / 1e6:.1f}",
            f"{r['flops_per_byte']:.1f}", *rates, copy)


def _print_table(columns, rows):
    rows = [columns] + rows
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    for row in rows:
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))))


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def _times(value):
    return "n/a" if value is None else f"{value:.2f}x"
