"""Kiln's vectorized f32 math (``kiln-expand-math``) against eager PyTorch.

Each function is compiled once and run on a sweep of the whole float32 range (every
4099th bit pattern: all exponents, both signs, denormals, inf and NaN), a dense grid on
[-20, 20] and hand-picked special values (zeros of both signs, denormals, the largest
finite float, the edges of exp's overflow and underflow, the points where the
approximations switch polynomials). Tolerances are stated per function:

- exp, log, tanh: within 2.5e-7 relative of torch (about 2 ulp; each side is within
  about 1.2 ulp of the correctly rounded result) and within 1.5 ulp of a float64
  reference; exp's denormal results within 1e-44 absolute (a few denormal steps).
- erf: within 3 ulp of the float64 reference, 2e-7 absolute.
- sigmoid, SiLU, GELU (exact and tanh): compositions of the above, within 1e-6
  relative or 1e-44 absolute of torch (sigmoid, SiLU), 4e-7 absolute (tanh GELU) or
  2e-6 absolute (exact GELU, where torch's own error is 1.2e-6 near x = -2.6: its
  1 + erf(x / sqrt 2) cancels); and Kiln's largest absolute error against a float64
  reference is at most torch's own plus 1e-7.

Non-finite results must match torch exactly (``equal_nan=True``), and so must the sign
of zero results.
"""

import re

import llvmlite.binding as llvm
import pytest
import torch
import torch.nn.functional as F

import kiln

FLT_MAX = torch.finfo(torch.float32).max
SPECIAL = [
    0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e-40, -1e-40, 1.4e-45, -1.4e-45,
    1.1754943508222875e-38, FLT_MAX, -FLT_MAX, 1.0, -1.0, 0.99999994, 1.0000001, 2.0, 0.5,
    88.72283, 88.722839, 88.7229, 89.0, 89.5, 100.0, -87.33654, -87.34, -103.97, -103.98,
    -104.0, -110.0, -120.0, 1e-8, -1e-8, 1e-30, 0.625, -0.625, 0.62499994, 0.6250001,
    3.9, 4.0, 4.1, -4.0, 9.0, -9.0, 10.0, 44.0, 45.0, 1e10, -1e10,
]


def whole_range() -> torch.Tensor:
    bits = torch.arange(0, 2**32, 4099, dtype=torch.int64)
    bits = torch.where(bits >= 2**31, bits - 2**32, bits).to(torch.int32)
    return torch.cat([bits.view(torch.float32), torch.linspace(-20, 20, 400001),
                      torch.tensor(SPECIAL, dtype=torch.float32)])


X = whole_range()


def ulp_error(got: torch.Tensor, reference: torch.Tensor) -> float:
    """Largest error in units of the last place of the float32 rounding of ``reference`` (float64)."""
    rounded = reference.float()
    finite = torch.isfinite(rounded) & torch.isfinite(got) & (rounded.abs() >= torch.finfo(torch.float32).tiny)
    step = (torch.nextafter(rounded.abs(), torch.tensor(float("inf"))) - rounded.abs()).double()
    return ((got.double() - reference).abs() / step)[finite].max().item()


def check_special_values(got: torch.Tensor, expected: torch.Tensor) -> None:
    assert torch.equal(got.isnan(), expected.isnan())
    infinite = expected.isinf()
    assert torch.equal(got.isinf(), infinite) and torch.equal(got[infinite], expected[infinite])
    zero = expected == 0
    assert torch.equal(got[zero].signbit(), expected[zero].signbit())


CASES = {
    # name: (function, input, rtol, atol, max ulp vs float64 or None)
    "exp": (torch.exp, X, 2.5e-7, 1e-44, 1.5),
    "log": (torch.log, X, 2.5e-7, 0.0, 1.5),
    "tanh": (torch.tanh, X, 2.5e-7, 0.0, 1.5),
    "erf": (torch.erf, X, 3e-7, 2e-7, 3.0),
    "sigmoid": (torch.sigmoid, X, 1e-6, 1e-44, None),
    "silu": (F.silu, X, 1e-6, 1e-44, None),
    # torch's gelu overflows x * (1 + erf) above FLT_MAX / 2, Kiln's order does not.
    "gelu": (F.gelu, X[X.abs() < 1e38], 1e-6, 2e-6, None),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), X, 1e-6, 4e-7, None),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name):
    fn, x, rtol, atol, max_ulp = CASES[name]
    got = kiln.compile(fn, x)(x)
    expected = fn(x)
    torch.testing.assert_close(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    check_special_values(got, expected)
    reference = fn(x.double())
    if max_ulp is not None:
        assert ulp_error(got, reference) <= max_ulp
    else:
        finite = torch.isfinite(expected)
        kiln_error = (got.double() - reference)[finite].abs().max().item()
        torch_error = (expected.double() - reference)[finite].abs().max().item()
        assert kiln_error <= torch_error + 1e-7


def test_exp_range_edges():
    x = torch.tensor([88.72283, 88.7229, 1e30, float("inf"), -103.28, -103.98, -1e30,
                      -float("inf"), 1e-40, -0.0])
    got = kiln.compile(torch.exp, x)(x)
    assert got[0] == torch.exp(x[0]) and torch.isfinite(got[0])  # 3.4e38, the largest results
    assert got[1:4].isinf().all()
    assert got[4] > 0 and got[4] == torch.exp(x[4])  # a denormal result
    assert torch.equal(got[5:8], torch.zeros(3))
    assert torch.equal(got[8:], torch.ones(2))


def test_log_special_values():
    x = torch.tensor([0.0, -0.0, -1e-40, -1.0, -float("inf"), float("inf"), float("nan"),
                      1e-45, 1.0, FLT_MAX])
    got = kiln.compile(torch.log, x)(x)
    assert torch.equal(got[:2], torch.full((2,), -float("inf")))
    assert got[2:5].isnan().all() and got[6].isnan()
    assert got[5] == float("inf")
    torch.testing.assert_close(got[7:], torch.log(x[7:]), rtol=2.5e-7, atol=0.0)
    assert got[8] == 0.0


def test_tanh_and_erf_saturate_and_keep_the_sign_of_zero():
    x = torch.tensor([-0.0, 0.0, 10.0, -10.0, 1e30, -float("inf"), float("inf")])
    for fn in (torch.tanh, torch.erf):
        got = kiln.compile(fn, x)(x)
        assert torch.equal(got.signbit()[:2], torch.tensor([True, False]))
        assert torch.equal(got[2:], torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0]))


def test_math_loop_is_vectorized(tmp_path):
    """No libm call is left, and LLVM turns the loop into vector code (512-bit with AVX-512)."""
    x = torch.randn(1 << 16)
    kiln.compile(lambda t: torch.sigmoid(t) * t + torch.tanh(t) + torch.log(t.abs()) + torch.erf(t),
                 x, dump_ir=tmp_path)
    (llvm_ir,) = tmp_path.glob("*-llvm.ll")
    text = llvm_ir.read_text()
    assert not re.search(r"@(expf|logf|tanhf|erff|llvm\.exp\.|llvm\.log\.)", text)

    from kiln.compiler.targets.cpu.codegen import _host_features

    machine = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=_host_features(), opt=3)
    module = llvm.parse_assembly(text)
    builder = llvm.create_pass_builder(machine, llvm.create_pipeline_tuning_options(speed_level=3))
    builder.getModulePassManager().run(module, builder)
    assert re.search(r"@llvm\.fma\.v\d+f32", str(module)), "the math loop was not vectorized"
    if llvm.get_host_cpu_features().get("avx512f"):
        assert "zmm" in machine.emit_assembly(module)
