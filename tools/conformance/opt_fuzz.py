"""Fuzzing ``kiln-opt``: mutated lit inputs through Kiln's passes, each in a worker process.

Input ``seed`` is a lit test file of ``test/`` (in its own form or, half the time, in
MLIR's generic form), mutated by :mod:`.mlir_mutations`, then run with
``--split-input-file`` and one registered Kiln pass, or a few in a row. Every run must
end in a result or in diagnostics located in the input. These are failures:

- ``traceback``: an exception escaped ``kiln-opt``'s ``main``;
- ``signal``: the worker died (a segfault or an abort in MLIR), or exited without
  reporting; ``timeout``: it ran past ``--timeout``;
- ``internal error``: a pass or a verifier crashed and said so in a diagnostic;
- ``unlocated``: an error line that does not start with the input's ``file:``;
- ``exit status``: ``main`` returned something other than 0 or 1.

    python -m kiln.tools.conformance.opt_fuzz --inputs 1000 --jobs 2
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path

from .mlir_mutations import mutated
from .pool import CRASH, TaskOutcome, WorkerPool

TEST_ROOT = Path(__file__).resolve().parents[2] / "test"
# The pipeline that once crashed MLIR on a linalg.generic with malformed attributes.
PIPELINES = (("--kiln-fuse", "--kiln-bufferize", "--kiln-outline-kernels"),)
SPLIT_MARKER = "// -----"


def lit_inputs() -> list[Path]:
    """The lit test files the mutations start from."""
    return sorted(TEST_ROOT.glob("*/*.mlir"))


def pass_flags() -> list[str]:
    """One ``--name`` flag per registered Kiln pass."""
    from kiln.compiler.passes.registry import PASSES
    from kiln.compiler.tools.kiln_opt import register_everything

    register_everything()
    return [f"--{name}" for name in sorted(PASSES)]


def generic_form(text: str) -> str:
    """``text`` with every chunk that parses printed in MLIR's generic form."""
    from torch_mlir import ir

    from kiln.compiler.dialect.context import make_context
    from kiln.compiler.tools.parse_guards import parse_hazards

    chunks = []
    for chunk in text.split(f"{SPLIT_MARKER}\n"):
        if parse_hazards(chunk):  # MLIR's parser would crash this process
            chunks.append(chunk)
            continue
        context = make_context()
        context.attach_diagnostic_handler(lambda _: True)  # a chunk meant to fail stays as is
        try:
            module = ir.Module.parse(chunk, context)
        except ir.MLIRError:
            chunks.append(chunk)
            continue
        chunks.append(module.operation.get_asm(print_generic_op_form=True))
    return f"{SPLIT_MARKER}\n".join(chunks)


def fuzz_case(seed: int, inputs: list[Path], flags: list[str]) -> tuple[str, list[str]]:
    """The mutated text and the pass flags of input ``seed``."""
    generator = random.Random(seed)
    text = generator.choice(inputs).read_text()
    if generator.random() < 0.5:
        text = generic_form(text)
    if generator.random() < 0.2:
        passes = list(generator.choice(PIPELINES))
    else:
        passes = generator.sample(flags, generator.choice((1, 1, 1, 2, 3)))
    return mutated(text, generator), passes


def run_case(task: tuple[str, list[str]]):
    """The worker's handler: run ``kiln-opt`` on one input; yields (exit status, stderr,
    the traceback of an exception that escaped ``main``, or "")."""
    from kiln.compiler.tools.kiln_opt import main

    path, passes = task
    errors = io.StringIO()
    escaped = ""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(errors):
        try:
            status = main([path, "--split-input-file", *passes])
        except Exception:
            status, escaped = None, traceback.format_exc()
    yield status, errors.getvalue(), escaped


def problems(outcome: TaskOutcome, path: str) -> list[str]:
    """Each way the run of the input at ``path`` failed, as ``category: detail``."""
    if outcome.failure == CRASH:
        code = outcome.exit_code
        return [f"signal: {-code}" if code is not None and code < 0 else f"signal: {outcome.detail}"]
    if outcome.failure:
        return [f"{outcome.failure}: {outcome.detail.strip().splitlines()[-1]}"]
    status, errors, escaped = outcome.items[0]
    found = []
    if escaped or "Traceback (most recent call last)" in errors:
        found.append("traceback: " + (escaped or errors).strip().splitlines()[-1])
    elif status not in (0, 1):
        found.append(f"exit status: {status}")
    lines = errors.splitlines()
    for line, below in zip(lines, lines[1:] + [""]):
        if below.strip() == "^":  # the input's own line, quoted under a diagnostic
            continue
        if "internal error" in line:
            found.append(f"internal error: {line}")
        elif " error: " in f" {line}" and not line.startswith(f"{path}:"):
            found.append(f"unlocated: {line}")
    return found


def run_seeds(seeds, directory: Path, jobs: int, timeout: float) -> dict[int, tuple[str, list[str]]]:
    """Write and run the inputs of ``seeds`` under ``directory``; each seed's input path
    and problems."""
    inputs, flags = lit_inputs(), pass_flags()
    tasks = {}
    for seed in seeds:
        text, passes = fuzz_case(seed, inputs, flags)
        path = directory / f"fuzz-{seed}.mlir"
        path.write_text(text)
        tasks[str(path)] = (seed, passes)
    pool = WorkerPool(run_case, jobs=jobs, timeout=timeout, env={})
    results = {}
    for outcome in pool.run([(path, passes) for path, (_, passes) in tasks.items()]):
        path = outcome.task[0]
        results[tasks[path][0]] = (path, problems(outcome, path))
    return results


def main(argv=None) -> int:
    """Command-line entry point: fuzz many inputs; exits 1 if any run failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=1000, help="inputs to run (1000)")
    parser.add_argument("--seed", type=int, default=0, help="first seed; input i uses seed + i")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds per input (60)")
    parser.add_argument("--keep", type=Path, help="write the inputs here (default: a temporary folder)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as temporary:
        directory = args.keep or Path(temporary)
        directory.mkdir(parents=True, exist_ok=True)
        results = run_seeds(range(args.seed, args.seed + args.inputs), directory, args.jobs,
                            args.timeout)
        counts = Counter()
        for seed, (path, found) in sorted(results.items()):
            for problem in found:
                counts[problem.split(":")[0]] += 1
                print(f"seed {seed} ({Path(path).name}): {problem}", flush=True)
    print(f"\n{len(results)} inputs in {time.monotonic() - started:.0f} s; failures: "
          + (", ".join(f"{kind} {n}" for kind, n in sorted(counts.items())) or "none"))
    return 1 if counts else 0


if __name__ == "__main__":
    sys.exit(main())
