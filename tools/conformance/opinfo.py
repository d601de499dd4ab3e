"""OpInfo conformance: compile PyTorch's OpInfo samples with Kiln and compare with eager.

For each op of ``torch.testing._internal.common_methods_invocations.op_db`` and each
requested dtype, the first ``--samples`` sample inputs (drawn after
``torch.manual_seed(0)``) become small programs: the tensors in the sample are the
program's inputs, everything else (scalars, dims, flags) is baked in. Each program is
compiled with ``kiln.compile`` and run on the sample, and the result is compared with
eager by ``torch.testing.assert_close`` at its default tolerances for the result's dtype
(float32: rtol 1.3e-6, atol 1e-5), with ``equal_nan=True``. Eager, the exported program
and Kiln each run from the same generator state (``torch.manual_seed(42)``, the seed
OpInfo's wrappers of random ops set), so random ops are compared on the same draws.

Every sample lands in one category:

- ``pass``: Kiln's result matches eager.
- ``wrong``: Kiln compiled and ran the program, and the result differs from eager.
- ``crash``: the worker process died (a segfault, an abort).
- ``timeout``: the op's samples ran past ``--timeout`` seconds.
- ``refused``: Kiln declined with one of its own errors (``kiln.KilnError``: a
  ``CompileError``, ``UnsupportedOpError`` or ``FrontendError``).
- ``export``: outside the ceiling: eager itself fails, ``torch.export`` cannot capture
  the program, or the exported program's result differs from eager (uninitialized
  memory, random ops whose eager kernel draws differently from their decomposition).
- ``other``: any other exception, while compiling or running; an internal compiler
  error (``kiln.InternalCompilerError``, a bug in Kiln) is one of these, not ``refused``.

The ceiling is what ``torch.export`` and eager manage: every sample but ``export`` ones.
Ops run in a pool of worker processes (``pool.WorkerPool``) with ``KILN_CACHE=0`` and
``KILN_FALLBACK=0``, one intra-op thread each, so a crash or a hang costs one sample.

    python -m kiln.tools.conformance.opinfo --ops add,exp --samples 3
    python -m kiln.tools.conformance.opinfo --jobs 2 --timeout 60 --write-docs
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import torch
from torch.utils import _pytree as pytree

from .pool import CRASH, HANDLER_ERROR, TIMEOUT, WorkerPool
from .reasons import disagreement, one_line

CATEGORIES = ("pass", "wrong", "crash", "timeout", "refused", "export", "other")
WORKER_ENV = {"KILN_CACHE": "0", "KILN_FALLBACK": "0"}
COVERAGE_DOC = Path(__file__).resolve().parents[2] / "docs" / "coverage.md"
RANDOM_SEED = 42


@dataclass(frozen=True)
class Task:
    """One op at one dtype, from sample ``first`` up to (not including) sample ``limit``."""

    op: str
    dtype: str
    first: int
    limit: int


@dataclass(frozen=True)
class SampleResult:
    """The category of one sample, and for a failure a one-line reason."""

    index: int
    category: str
    reason: str = ""


@cache
def op_registry() -> dict[str, object]:
    """Every OpInfo by full name: ``name`` or ``name.variant`` (``max.binary``)."""
    from torch.testing._internal.common_methods_invocations import op_db

    return {op.name + (f".{op.variant_test_name}" if op.variant_test_name else ""): op
            for op in op_db}


def select_ops(names: list[str] | None) -> list[str]:
    """The full op names matching ``names`` (a bare name selects all its variants)."""
    every = sorted(op_registry())
    if not names:
        return every
    chosen = [op for op in every if op in names or op.split(".")[0] in names]
    unknown = set(names) - set(chosen) - {op.split(".")[0] for op in chosen}
    if unknown:
        raise SystemExit(f"no OpInfo named {', '.join(sorted(unknown))}")
    return chosen


def dtypes_to_run(op_name: str, requested: str) -> list[str]:
    """The dtypes to test ``op_name`` at: ``all`` its CPU dtypes, or those of a list it supports."""
    supported = {str(d).removeprefix("torch.") for d in op_registry()[op_name].supported_dtypes("cpu")}
    wanted = supported if requested == "all" else set(requested.split(","))
    return sorted(wanted & supported)


def samples_of(op_name: str, dtype: str, limit: int) -> list:
    """The first ``limit`` sample inputs of an op, drawn from a fixed seed."""
    torch.manual_seed(0)
    op = op_registry()[op_name]
    samples = op.sample_inputs("cpu", getattr(torch, dtype), requires_grad=False)
    chosen = list(itertools.islice(samples, limit))
    # Finalize the unfinished sample generator now: left to a later garbage collection,
    # its grad-mode context would exit inside some torch.export trace, and complain.
    del samples
    gc.collect()
    return chosen


def program_of(op, sample):
    """A function of the sample's tensors that calls the op, and those tensors."""
    leaves, spec = pytree.tree_flatten((sample.input, sample.args, sample.kwargs))
    tensor_slots = [i for i, leaf in enumerate(leaves) if isinstance(leaf, torch.Tensor)]

    def program(*tensors):
        filled = list(leaves)
        for slot, tensor in zip(tensor_slots, tensors):
            filled[slot] = tensor
        first, args, kwargs = pytree.tree_unflatten(filled, spec)
        return op.op(first, *args, **kwargs)

    return program, tuple(leaves[i] for i in tensor_slots)


class _AsModule(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def _clones(tensors: tuple) -> tuple:
    # Fresh copies with the same strides, so an op that writes its input cannot leak.
    return tuple(t.clone(memory_format=torch.preserve_format) for t in tensors)


def check_sample(op, sample) -> tuple[str, str]:
    """Compile one sample with Kiln and compare with eager; returns (category, reason)."""
    from kiln import KilnError, compile as kiln_compile

    program, tensors = program_of(op, sample)
    try:
        expected = _from_seed(program, _clones(tensors))
    except Exception as error:
        return "export", "eager: " + one_line(str(error))
    try:
        exported = torch.export.export(_AsModule(program), tensors, strict=False)
        mismatch = disagreement(_from_seed(exported.module(), _clones(tensors)), expected)
    except Exception as error:
        return "export", "torch.export: " + one_line(f"{type(error).__name__}: {error}")
    if mismatch:
        return "export", "exported program differs from eager: " + mismatch
    try:
        compiled = kiln_compile(program, *_clones(tensors))  # laid out as the calls are
    except KilnError as error:
        return "refused", one_line(str(error))
    except Exception as error:
        return "other", "compile: " + one_line(f"{type(error).__name__}: {error}")
    try:
        actual = _from_seed(compiled, _clones(tensors))
    except Exception as error:
        return "other", "run: " + one_line(f"{type(error).__name__}: {error}")
    mismatch = disagreement(actual, expected)
    return ("wrong", mismatch) if mismatch else ("pass", "")


def _from_seed(program, tensors: tuple):
    torch.manual_seed(RANDOM_SEED)
    return program(*tensors)


def check_task(task: Task):
    """The worker's handler: yields the sample count, then one SampleResult per sample."""
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")  # torch's deprecation warnings would drown the report
    op = op_registry()[task.op]
    try:
        samples = samples_of(task.op, task.dtype, task.limit)
    except Exception as error:
        yield 0
        yield SampleResult(-1, "export", "sample inputs: " + one_line(str(error)))
        return
    yield len(samples)
    for index in range(task.first, len(samples)):
        yield SampleResult(index, *check_sample(op, samples[index]))


@dataclass
class OpReport:
    """Everything known about one op at one dtype."""

    op: str
    dtype: str
    total: int = 0
    results: dict[int, SampleResult] = field(default_factory=dict)

    def categories(self) -> Counter:
        """How many samples fell in each category."""
        return Counter(result.category for result in self.results.values())

    def passed(self) -> bool:
        """Whether the op has samples and every one passes."""
        return bool(self.results) and all(r.category == "pass" for r in self.results.values())

    def within_ceiling(self) -> bool:
        """Whether torch.export and eager handle every sample of the op."""
        return bool(self.results) and all(r.category != "export" for r in self.results.values())

    def first_failure(self) -> str:
        """The first failing sample's category and reason, or an empty string."""
        failures = [r for _, r in sorted(self.results.items()) if r.category != "pass"]
        return f"{failures[0].category}: {failures[0].reason}" if failures else ""


def record(report: OpReport, outcome, pool: WorkerPool) -> None:
    """File a task's outcome in its report; a crash re-queues the samples after it."""
    task = outcome.task
    items = list(outcome.items)
    if items and isinstance(items[0], int):
        report.total = max(report.total, items.pop(0))
    for result in items:
        report.results[result.index] = result
    if not outcome.failure:
        return
    done = max((r.index for r in items), default=task.first - 1)
    stuck = done + 1
    if outcome.failure == HANDLER_ERROR:
        report.results[stuck] = SampleResult(stuck, "other", one_line(outcome.detail.splitlines()[-1]))
    elif outcome.failure == CRASH:
        report.results[stuck] = SampleResult(stuck, "crash", outcome.detail)
        if stuck + 1 < (report.total or task.limit):
            pool.submit(Task(task.op, task.dtype, stuck + 1, task.limit))
    elif outcome.failure == TIMEOUT:
        for index in range(stuck, report.total or stuck + 1):
            report.results[index] = SampleResult(index, "timeout", outcome.detail)


def run(ops: list[str], dtypes: str, samples: int, jobs: int, timeout: float,
        progress=None, fallback: bool = False) -> list[OpReport]:
    """Check every op at every requested dtype it supports; returns one report per pair.

    With ``fallback``, ops Kiln does not compile run through torch (what a user gets by
    default); without, they count as refused (what Kiln itself compiles).
    """
    reports = {(op, dtype): OpReport(op, dtype) for op in ops for dtype in dtypes_to_run(op, dtypes)}
    env = {**WORKER_ENV, "KILN_FALLBACK": "1" if fallback else "0"}
    pool = WorkerPool(check_task, jobs=jobs, timeout=timeout, env=env)
    tasks = [Task(op, dtype, 0, samples) for op, dtype in reports]
    for outcome in pool.run(tasks):
        report = reports[outcome.task.op, outcome.task.dtype]
        record(report, outcome, pool)
        if progress:
            progress(report)
    return sorted(reports.values(), key=lambda r: (r.op, r.dtype))


def summary(reports: list[OpReport]) -> dict:
    """The headline figures of a run."""
    counts = Counter()
    for report in reports:
        counts.update(report.categories())
    samples = sum(counts.values())
    return {
        "ops": len(reports),
        "ops_passing": sum(r.passed() for r in reports),
        "ops_ceiling": sum(r.within_ceiling() for r in reports),
        "samples": samples,
        "samples_passing": counts["pass"],
        "samples_ceiling": samples - counts["export"],
        "categories": {c: counts[c] for c in CATEGORIES},
    }


def summary_table(figures: dict, dtypes: str) -> str:
    """The summary as a Markdown table."""
    rows = [
        ("dtypes", dtypes),
        ("ops passing (every sample)", f"{figures['ops_passing']} / {figures['ops']}"),
        ("samples passing", f"{figures['samples_passing']} / {figures['samples']}"),
        ("ceiling: ops torch.export + eager handle", f"{figures['ops_ceiling']} / {figures['ops']}"),
        ("ceiling: samples torch.export + eager handle",
         f"{figures['samples_ceiling']} / {figures['samples']}"),
        *((f"samples: {c}", str(n)) for c, n in figures["categories"].items()),
    ]
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def coverage_table(reports: list[OpReport]) -> str:
    """Per op and dtype: samples passed / total, and the first failure."""
    lines = ["| op | dtype | passed | first failure |", "| --- | --- | --- | --- |"]
    for report in reports:
        passed = report.categories()["pass"]
        reason = report.first_failure().replace("|", "\\|")
        lines.append(f"| `{report.op}` | {report.dtype} | {passed}/{len(report.results)} | {reason} |")
    return "\n".join(lines)


def coverage_document(reports: list[OpReport], figures: dict, command: str, seconds: float) -> str:
    """docs/coverage.md: how the figures were made, the summary and the per-op table."""
    return f"""# OpInfo coverage

Written by `{command}` ({seconds / 60:.0f} minutes on a 2-core machine,
torch {torch.__version__}). Each op of PyTorch's OpInfo database runs its first samples
(drawn after `torch.manual_seed(0)`) through `kiln.compile` and compares the result with
eager by `torch.testing.assert_close` at its **default tolerances for the result's dtype**
(float32: rtol 1.3e-6, atol 1e-5), with `equal_nan=True`. Categories are described in
`tools/conformance/opinfo.py`; in short: `refused` is a Kiln error (`kiln.KilnError`),
`export` means torch.export or eager itself cannot run the sample, or the exported
program disagrees with eager (random ops): it lowers the ceiling, not Kiln's score.
Workers run with `KILN_CACHE=0` and `KILN_FALLBACK=0`.

## Summary

{summary_table(figures, ", ".join(sorted({r.dtype for r in reports})))}

## Per op

{coverage_table(reports)}
"""


def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", help="comma-separated OpInfo names (default: every op)")
    parser.add_argument("--samples", type=int, default=3, help="samples per op and dtype (3)")
    parser.add_argument("--dtypes", default="float32",
                        help="comma-separated dtypes, or 'all' for each op's CPU dtypes (float32)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per op and dtype (60)")
    parser.add_argument("--write-docs", action="store_true", help=f"write {COVERAGE_DOC.name}")
    parser.add_argument("--fallback", action="store_true",
                        help="let ops Kiln does not compile run through torch (default: strict)")
    return parser.parse_args(argv)


def _print_progress(report: OpReport) -> None:
    passed = report.categories()["pass"]
    failure = report.first_failure()
    print(f"{report.op} [{report.dtype}] {passed}/{len(report.results)} {failure}", flush=True)


def main(argv=None) -> int:
    """Command-line entry point; exits 0 (the run is a measurement, not a gate)."""
    args = _parse_args(argv)
    started = time.monotonic()
    ops = select_ops(args.ops.split(",") if args.ops else None)
    reports = run(ops, args.dtypes, args.samples, args.jobs, args.timeout, _print_progress,
                  args.fallback)
    figures = summary(reports)
    print()
    print(summary_table(figures, args.dtypes))
    if args.write_docs and args.fallback:
        print("\n--write-docs records the strict run only; run it without --fallback")
    elif args.write_docs:
        command = "python -m kiln.tools.conformance.opinfo " + " ".join(argv or sys.argv[1:])
        seconds = time.monotonic() - started
        COVERAGE_DOC.parent.mkdir(exist_ok=True)
        COVERAGE_DOC.write_text(coverage_document(reports, figures, command.strip(), seconds))
        print(f"\nwrote {COVERAGE_DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
