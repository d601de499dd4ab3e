"""Ops Kiln does not compile run through torch as host steps between Kiln's kernels."""

import io

import pytest
import torch

import kiln
from custom_ops import reverse_rows, running_max
from kiln.runtime import load
from kiln.runtime.host_program import Fallback, Launch

pytestmark = pytest.mark.uses_fallback  # the fallback is what these tests are about

# Each op's result is computed by torch itself; only Kiln's kernels around them round.
TOLERANCE = dict(rtol=1e-5, atol=1e-5)


def between_kernels(x, i):
    y = reverse_rows(x * 2)  # a kernel feeds the fallback through the arena
    values, indices = running_max(y, 1, torch.float64)  # a dtype argument, two results
    return y.exp() + 1, values, indices, torch.cumsum(x, 1, dtype=torch.float64) + i


def example():
    return torch.randn(6, 40), torch.randint(0, 40, (6, 1))


def test_unsupported_ops_run_between_kernels_and_match_eager():
    compiled = kiln.compile(between_kernels, *example())
    steps = compiled.host_program.steps
    fallbacks = [s for s in steps if isinstance(s, Fallback)]
    assert [s.op for s in fallbacks][:2] == ["kiln_test.reverse_rows.default",
                                             "kiln_test.running_max.default"]
    assert sum(isinstance(s, Launch) for s in steps) >= 2  # x * 2 before, exp + 1 after
    assert any(t.buffer.kind == "arena" for s in fallbacks for t in (*s.args, *s.results))
    for _ in range(3):
        x, i = example()
        for got, expected in zip(compiled(x, i), between_kernels(x, i), strict=True):
            torch.testing.assert_close(got, expected, **TOLERANCE)


def test_stats_say_what_ran_through_torch_where_and_why():
    compiled = kiln.compile(between_kernels, *example())
    fallbacks = compiled.stats["fallbacks"]
    line = between_kernels.__code__.co_firstlineno
    assert fallbacks[0] == {"op": "kiln_test.reverse_rows.default",
                            "where": f"{__file__}:{line + 1}",
                            "reason": "Kiln has no converter for it"}
    assert fallbacks[1]["op"] == "kiln_test.running_max.default"
    assert "fallback kiln_test.running_max.default" in compiled.host_program.describe()


def test_a_supported_program_has_no_fallbacks():
    compiled = kiln.compile(lambda x: torch.softmax(x, -1) * 2, torch.randn(4, 8))
    assert compiled.stats["fallbacks"] == []


def test_a_saved_program_with_fallbacks_runs_without_the_compiler():
    compiled = kiln.compile(between_kernels, *example())
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    x, i = example()
    for got, expected in zip(loaded(x, i), between_kernels(x, i), strict=True):
        torch.testing.assert_close(got, expected, **TOLERANCE)


def test_a_saved_uint8_fallback_still_runs_on_uint8():
    """The host program records each fallback tensor's torch dtype, not the int8 that
    uint8 is lowered to; a saved program reads it back."""
    def program(x):
        return running_max(x, 0, torch.uint8)

    x = ((torch.arange(48) * 37 + 11) % 256).to(torch.uint8).reshape(6, 8)  # 0..255, mixed
    buffer = io.BytesIO()
    kiln.compile(program, x).save(buffer)
    buffer.seek(0)
    loaded = load(buffer)
    (step,) = [s for s in loaded.host_program.steps if isinstance(s, Fallback)]
    assert [t.dtype for t in (*step.args, *step.results)] == ["uint8", "uint8", "int64"]
    for got, expected in zip(loaded(x), program(x), strict=True):
        torch.testing.assert_close(got, expected)


def test_a_fallback_result_that_fills_the_arena():
    """An int8 buffer as large as the arena has the arena's type: its view folds away and
    the host program must still find it."""
    def program(x):
        return reverse_rows(x).float() + 1

    x = torch.randint(-100, 100, (64,), dtype=torch.int8)
    compiled = kiln.compile(program, x)
    assert compiled.host_program.arena_bytes == 64
    torch.testing.assert_close(compiled(x), program(x))


def test_a_fallback_reads_parameters_and_writes_outputs():
    class Scan(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.randn(5))

        def forward(self, x):
            return reverse_rows(x * self.scale)

    model = Scan()
    x = torch.randn(3, 5)
    compiled = kiln.compile(model, x)
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), model(x), **TOLERANCE)
        model.scale.mul_(2)  # read at every call, by kernels and fallbacks alike
        torch.testing.assert_close(compiled(x), model(x), **TOLERANCE)


def test_strict_mode_refuses_instead(monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")
    with pytest.raises(kiln.KilnError, match="kiln_test.reverse_rows is not supported"):
        kiln.compile(between_kernels, *example())


@pytest.mark.parametrize("program, shapes", [
    (lambda a: a[2:2] * 2, [(5, 3)]),
    (lambda a, b: a @ b, [(3, 0), (0, 4)]),  # K = 0: zeros
    (lambda a: (a[:, :0].sum(1) + 1, a * 2), [(3, 4)]),  # an empty sum feeds a kernel
    (lambda a: a.new_zeros(0).sum() + a, [(3,)]),
    (lambda a: a + 1.5, [(0, 4)]),  # a scalar splat of no elements once crashed conversion
    (lambda a: torch.diagonal(a, 9) + 1, [(3, 4)]),  # an offset past the end: empty
], ids=["empty-slice", "k-0-matmul", "empty-reduction", "empty-creation", "empty-input",
        "diagonal-past-the-end"])
def test_ops_on_zero_size_tensors_run_through_torch(program, shapes):
    inputs = [torch.randn(*shape) for shape in shapes]
    compiled = kiln.compile(program, *inputs)
    assert compiled.stats["fallbacks"]
    assert all("zero-size" in f["reason"] for f in compiled.stats["fallbacks"])
    torch.testing.assert_close(compiled(*inputs), program(*inputs))
