"""Kiln's kernels appear by name in ``torch.profiler`` traces."""

import pytest
import torch

import kiln
from custom_ops import reverse_rows
from kiln.runtime.host_program import Launch


def _recorded_names(compiled, *args) -> list[str]:
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profile:
        compiled(*args)
    return [event.name for event in profile.events()]


def test_each_kernel_launch_is_a_profiler_range_named_for_it():
    x, w = torch.randn(8, 16), torch.randn(16, 32)
    compiled = kiln.compile(lambda x, w: torch.softmax(x @ w, -1) + 1, x, w)
    kernels = [step.kernel for step in compiled.host_program.steps if isinstance(step, Launch)]
    names = _recorded_names(compiled, x, w)
    assert kernels and all(f"kiln::{kernel}" in names for kernel in kernels)


@pytest.mark.uses_fallback
def test_a_fallback_step_is_named_for_its_op():
    x = torch.randn(4, 3)
    compiled = kiln.compile(lambda t: reverse_rows(t) * 2, x)
    assert "kiln::fallback::kiln_test.reverse_rows.default" in _recorded_names(compiled, x)
