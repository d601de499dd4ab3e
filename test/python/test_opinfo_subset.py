"""A fast subset of the OpInfo conformance run: common ops whose every sample passes today.

Each op's first three float32 OpInfo samples are compiled by Kiln and compared with
eager at ``assert_close``'s default float32 tolerances (rtol 1.3e-6, atol 1e-5), as
``tools/conformance/opinfo.py`` does for every op (see docs/coverage.md). The samples
run in this process; the full runner isolates each op in a worker instead.
"""

import pytest

from kiln.tools.conformance import opinfo

OPS = [
    "add", "sub", "mul", "div.no_rounding_mode", "maximum", "pow", "where", "clamp", "lt",
    "tanh", "nn.functional.relu", "nn.functional.gelu",
    "sum", "amax", "var", "softmax", "log_softmax", "nn.functional.layer_norm",
    "matmul", "bmm", "cat", "reshape", "transpose", "permute", "expand",
]
SAMPLES = 3


@pytest.fixture(autouse=True)
def uncached_kiln(monkeypatch):
    monkeypatch.setenv("KILN_CACHE", "0")
    monkeypatch.setenv("KILN_FALLBACK", "0")


@pytest.mark.parametrize("op_name", OPS)
def test_every_sample_passes(op_name):
    op = opinfo.op_registry()[op_name]
    samples = opinfo.samples_of(op_name, "float32", SAMPLES)
    assert samples, f"{op_name} has no float32 samples"
    results = [opinfo.check_sample(op, sample) for sample in samples]
    failures = [f"sample {i}: {category}: {reason}"
                for i, (category, reason) in enumerate(results) if category != "pass"]
    assert not failures, "\n".join(failures)
