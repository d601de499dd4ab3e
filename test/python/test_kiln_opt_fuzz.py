"""kiln-opt on mutated lit inputs (lines, attributes, regions and blocks) and Kiln's
passes: every outcome is a result or a diagnostic located in the input.

The inputs and the verdicts are ``tools/conformance/opt_fuzz.py``'s; each input runs in
a worker process, so a segmentation fault in MLIR is a failure of that input, not the
end of the test run. A traceback, a signal, an internal error (a pass or verifier that
crashed) or an unlocated error fails the input. A small seeded budget runs here;
``KILN_FUZZ_SEEDS=1000`` makes it the long run.
"""

import os
import signal

import pytest

from kiln.compiler.passes.registry import PASSES
from kiln.compiler.tools import kiln_opt
from kiln.tools.conformance import opt_fuzz
from kiln.tools.conformance.pool import TaskOutcome, WorkerPool

SEEDS = int(os.environ.get("KILN_FUZZ_SEEDS", "100"))
VALID = """\
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = "kiln.exp"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
"""


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    directory = tmp_path_factory.mktemp("kiln-opt-fuzz")
    return opt_fuzz.run_seeds(range(SEEDS), directory, jobs=1, timeout=120)


@pytest.mark.parametrize("seed", range(SEEDS))
def test_mutated_inputs_give_results_or_located_diagnostics(seed, verdicts):
    path, problems = verdicts[seed]
    assert not problems, f"{path}: {problems}"


def _verdict(tmp_path, passes: list[str]) -> list[str]:
    """The problems of one in-process run of kiln-opt on :data:`VALID`."""
    path = tmp_path / "input.mlir"
    path.write_text(VALID)
    outcome = TaskOutcome((str(path), passes), items=list(opt_fuzz.run_case((str(path), passes))))
    return opt_fuzz.problems(outcome, str(path))


def test_a_clean_run_has_no_problems(tmp_path):
    assert _verdict(tmp_path, ["--kiln-fuse"]) == []


def test_a_pass_that_raises_is_a_failure(tmp_path, monkeypatch):
    def broken(self, module):
        raise IndexError("a bug in a pass")

    monkeypatch.setattr(PASSES["kiln-fuse"], "run", broken)
    (problem,) = _verdict(tmp_path, ["--kiln-fuse"])
    assert problem.startswith("internal error:") and "a bug in a pass" in problem


def test_a_traceback_is_a_failure(tmp_path, monkeypatch):
    def broken(*args):
        raise RuntimeError("a bug in kiln-opt")

    monkeypatch.setattr(kiln_opt, "_process_chunk", broken)
    assert _verdict(tmp_path, ["--kiln-fuse"]) == ["traceback: RuntimeError: a bug in kiln-opt"]


def test_an_unlocated_error_is_a_failure(tmp_path):
    outcome = TaskOutcome(("in.mlir", []), items=[(1, "<unknown>: error: no location\n", "")])
    assert opt_fuzz.problems(outcome, "in.mlir") == ["unlocated: <unknown>: error: no location"]


def test_a_worker_killed_by_a_signal_is_a_failure():
    # The worker's handler raises SIGSEGV in itself, as a crash inside MLIR would.
    pool = WorkerPool(signal.raise_signal, jobs=1, timeout=60, env={})
    (outcome,) = pool.run([signal.SIGSEGV])
    assert opt_fuzz.problems(outcome, "in.mlir") == [f"signal: {int(signal.SIGSEGV)}"]


def test_the_inputs_own_lines_quoted_under_a_diagnostic_are_not_errors():
    errors = ("in.mlir:2:1: error: expected operation name\n"
              "// RUN: not kiln-opt error: x\n^\n")
    outcome = TaskOutcome(("in.mlir", []), items=[(1, errors, "")])
    assert opt_fuzz.problems(outcome, "in.mlir") == []
