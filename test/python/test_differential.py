"""Random small tensor programs, compiled by Kiln, must match eager or be refused by Kiln.

The generator is ``tools/conformance/differential.py`` (its docstring states the ops,
shapes, layouts and tolerances: ``assert_close``'s defaults for each result's dtype).
Hypothesis runs a fixed, derandomized set of programs so CI is stable, and shrinks a
failing program before printing it. ``python -m kiln.tools.conformance.differential
--examples 2000`` is the long run.
"""

import pytest
from hypothesis import HealthCheck, given, settings

from kiln.tools.conformance import differential

CI_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                       suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module", autouse=True)
def uncached_kiln():
    # The cache would hand back an earlier program's result instead of compiling.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KILN_CACHE", "0")
        patch.setenv("KILN_FALLBACK", "0")
        yield


def _check(program):
    outcome, reason = differential.check_program(program)
    assert outcome in differential.ACCEPTABLE, f"{outcome}: {reason}\n{program.describe()}"


@CI_SETTINGS
@given(differential.programs())
def test_random_programs_match_eager(program):
    _check(program)


@settings(CI_SETTINGS, max_examples=15)
@given(differential.programs(empty_sizes=True))
def test_random_programs_with_empty_dims_match_eager_or_are_refused(program):
    _check(program)


def test_an_internal_compiler_error_is_a_failure_not_a_refusal(monkeypatch, tmp_path):
    """A pass that crashes must fail the run, however much it looks like a refusal."""
    from kiln.compiler.conversion.torch_to_kiln.registry import CONVERTERS

    def broken_converter(rewriter, op):
        raise RuntimeError("a bug in a converter")

    monkeypatch.setitem(CONVERTERS, "torch.aten.mul.Tensor", broken_converter)
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    program = differential.Program(inputs=[differential.InputSpec("x", (3,), "float32", "strided")],
                                   lines=[("y", "x * x")], outputs=["y"])
    outcome, reason = differential.check_program(program)
    assert (outcome, outcome in differential.ACCEPTABLE) == ("internal error", False), reason
    assert "a bug in a converter" in reason
