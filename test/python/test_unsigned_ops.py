"""uint8 tensors against eager: wraparound, unsigned division, comparisons, extremes,
casts, bitwise ops and shifts, on values across 0..255 (above 127 a signed reading of
the same bits would differ)."""

import pytest
import torch

import kiln
from custom_ops import running_max
from kiln.compiler.diagnostics import UnsupportedOpError
from kiln.runtime.host_program import Fallback

U8 = torch.uint8
# every uint8 value once, and a scrambled copy of them with no zero (a divisor)
EVERY = torch.arange(256, dtype=torch.int64).reshape(16, 16).to(U8)
SCRAMBLED = ((EVERY.long() * 37 + 11) % 255 + 1).to(U8)


def _compiled_matches_eager(fn, *args, target: str = "cpu") -> None:
    compiled = kiln.compile(fn, *args, target=target)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    with torch.no_grad():
        torch.testing.assert_close(compiled(*args), fn(*args))


OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "add_scalar": lambda a, b: a + 200,
    "rsub_scalar": lambda a, b: 3 - a,
    "true_div": lambda a, b: a / b,
    "floor_divide": lambda a, b: a // b,
    "floor_divide_scalar": lambda a, b: a // 7,
    "remainder": lambda a, b: torch.remainder(a, b),
    "fmod": lambda a, b: torch.fmod(a, b),
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt_scalar": lambda a, b: a > 128,
    "ge": lambda a, b: a >= b,
    "eq": lambda a, b: a == b,
    "ne_scalar": lambda a, b: a != 200,
    "maximum": lambda a, b: torch.maximum(a, b),
    "minimum": lambda a, b: torch.minimum(a, b),
    "clamp": lambda a, b: a.clamp(20, 200),
    "clamp_min": lambda a, b: a.clamp_min(130),
    "amax": lambda a, b: a.amax(1),
    "amin": lambda a, b: a.amin(0),
    "max": lambda a, b: a.max(),
    "max_dim": lambda a, b: b.max(1),
    "argmax": lambda a, b: b.argmax(1),
    "argmin": lambda a, b: b.argmin(0),
    "sum": lambda a, b: a.sum(1),
    "sum_all": lambda a, b: a.sum(),
    "sum_as_uint8": lambda a, b: a.sum(0, dtype=U8),
    "prod": lambda a, b: b[:, :4].prod(1),
    "mean_of_float": lambda a, b: a.float().mean(1),
    "to_float32": lambda a, b: a.float(),
    "to_float16": lambda a, b: a.half(),
    "to_int64": lambda a, b: a.long(),
    "to_int32": lambda a, b: a.int(),
    "to_int8": lambda a, b: a.to(torch.int8),
    "to_bool": lambda a, b: a.bool(),
    "from_float32": lambda a, b: (a.float() * 0.75 + 0.5).to(U8),
    "from_int64_wraps": lambda a, b: (a.long() * 3 - 300).to(U8),
    "from_int8": lambda a, b: a.to(torch.int8).to(U8),
    "byte": lambda a, b: (a.float() + 0.25).byte(),
    "bitwise_and": lambda a, b: a & b,
    "bitwise_or": lambda a, b: a | b,
    "bitwise_xor": lambda a, b: a ^ b,
    "bitwise_not": lambda a, b: ~a,
    "right_shift_scalar": lambda a, b: a >> 3,
    "left_shift_scalar": lambda a, b: a << 3,
    "right_shift": lambda a, b: torch.bitwise_right_shift(a, b),
    "left_shift": lambda a, b: torch.bitwise_left_shift(a, b % 10),
    "where": lambda a, b: torch.where(a > b, a - b, b),
    "neg": lambda a, b: -a,
    "abs": lambda a, b: a.abs(),
    "sign": lambda a, b: a.sign(),
    "pow": lambda a, b: a ** b,
    "sort": lambda a, b: torch.sort(b, 1).values,
    "topk": lambda a, b: torch.topk(b, 3).values,
    "cumsum": lambda a, b: a.cumsum(1),
    "masked_fill": lambda a, b: a.masked_fill(b > 100, 250),
    "constant": lambda a, b: a + torch.tensor([255, 128, 200, 1] * 4, dtype=U8),
    "eye": lambda a, b: torch.eye(16, dtype=U8) * a,
    "arange": lambda a, b: torch.arange(3, 250, 16, dtype=U8) + a[0],
    "mask_multiply": lambda a, b: (a.float() - 127.5) * (b > 127).to(U8),
}


@pytest.mark.parametrize("name", OPS)
def test_uint8_op_matches_eager(name):
    _compiled_matches_eager(OPS[name], EVERY, SCRAMBLED)


def test_uint8_output_of_float_input():
    x = torch.linspace(0, 255, 64).reshape(8, 8)
    _compiled_matches_eager(lambda x: x.to(U8) // 3, x)


def test_long_uint8_reduction_split_into_chunks():
    big = (torch.arange(65536, dtype=torch.int64) * 7919 % 256).to(U8)
    _compiled_matches_eager(lambda x: (x.amax(), x.amin(), x.sum()), big)


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "maximum", "lt", "amin",
                                  "right_shift", "to_float32", "from_float32"])
def test_uint8_op_in_triton_interpreter(name):
    _compiled_matches_eager(OPS[name], EVERY, SCRAMBLED, target="cuda-interpreter")


def _unsigned_running_max(a):
    # Kernels before and after; the running maximum is signed on an int8 reading.
    values, indices = running_max(a + 3, 1, U8)
    return values // 3, indices, values.float() * 2


@pytest.mark.uses_fallback
def test_op_without_converter_on_uint8_runs_through_torch_as_uint8():
    compiled = kiln.compile(_unsigned_running_max, SCRAMBLED)
    (step,) = [s for s in compiled.host_program.steps if isinstance(s, Fallback)]
    assert step.op == "kiln_test.running_max.default"
    assert [t.dtype for t in (*step.args, *step.results)] == ["uint8", "uint8", "int64"]
    assert compiled.host_program.describe().count("uint8[16, 16]") == 2
    torch.testing.assert_close(compiled(SCRAMBLED), _unsigned_running_max(SCRAMBLED))
    torch.testing.assert_close(compiled(EVERY), _unsigned_running_max(EVERY))


def test_op_without_converter_on_uint8_is_refused_in_strict_mode(monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")
    with pytest.raises(UnsupportedOpError, match="kiln_test.running_max is not supported"):
        kiln.compile(_unsigned_running_max, SCRAMBLED)


EMPTY_UINT8_PROGRAMS = {
    "eye": lambda a: torch.eye(0) + a.sum(),  # eye compares uint8 aranges of no elements
    "eye_uint8": lambda a: (torch.eye(0, 3, dtype=U8), a // 3),
    "empty_slice": lambda a: (a[:, :0] // 3, a[3:3].max(1).values, a - 1),
    "empty_sum_as_uint8": lambda a: a[:0].sum(0, dtype=U8) + a[0],
}


@pytest.mark.parametrize("name", EMPTY_UINT8_PROGRAMS)
def test_ops_on_empty_uint8_tensors_run_through_torch(name):
    program = EMPTY_UINT8_PROGRAMS[name]
    compiled = kiln.compile(program, SCRAMBLED)
    reasons = [f["reason"] for f in compiled.stats["fallbacks"]]
    assert reasons and all("zero-size" in reason for reason in reasons)
    torch.testing.assert_close(compiled(SCRAMBLED), program(SCRAMBLED))


@pytest.mark.parametrize("dtype", [torch.int8, torch.int64])
def test_signed_shifts_match_eager(dtype):
    """A signed right shift brings in the sign; amounts below 0 or of the width or more
    give 0, or for a right shift the sign in every bit."""
    x = torch.arange(-128, 128, 17).to(dtype).reshape(-1, 1)
    amounts = torch.tensor([-2, -1, 0, 1, 3, 7, 8, 9, 63, 64, 100], dtype=dtype)
    _compiled_matches_eager(lambda x, n: (x >> n, x << n), x, amounts)
