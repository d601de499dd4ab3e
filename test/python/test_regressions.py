"""Regressions found by the differential tester (issue 7): each program once gave a wrong
answer, a crash or an internal error. Results are compared with eager PyTorch exactly
where eager's result is exact, and at ``assert_close``'s defaults for the dtype elsewhere.
"""

import pytest
import torch

import kiln
from helpers import check


def check_at_dtype_tolerance(fn, *args):
    """Like ``helpers.check`` on the example inputs, at ``assert_close``'s default
    tolerances for the result's dtype (float16: rtol 1e-3, atol 1e-5)."""
    compiled = kiln.compile(fn, *args)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    torch.testing.assert_close(compiled(*args), fn(*args))


def _negated(x):
    return -x


@pytest.mark.parametrize("program", [
    lambda x: (lambda v: (torch.where(v > 0, v, v), v))(_negated(x)),
    lambda x: (lambda v: (torch.maximum(v, v), v))(_negated(x)),
    lambda x: (lambda v: (torch.minimum(v, v), v.unsqueeze(1)))(_negated(x)),
    lambda x: (lambda v: (torch.logical_or(v, v), v))(x > 0),
], ids=["where", "maximum", "minimum-and-view", "logical_or"])
def test_one_value_used_twice_by_an_op_and_returned_compiles(program):
    """The op folds to its operand, so the kernel returned one value twice, which
    crashed bufferization (a segmentation fault)."""
    check(program, torch.tensor([1.0, -2.0, 3.0]))


def _bools(*shape, seed=0):
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed)) < 0.5


@pytest.mark.parametrize("program", [
    lambda a, b: a + b,
    lambda a, b: a + a,
    lambda a, b: torch.add(a, b, alpha=True),
    lambda a, b: a + True,
    lambda a, b: a * b,
    lambda a, b: torch.maximum(a, b),
    lambda a, b: torch.minimum(a, b),
    lambda a, b: torch.maximum(a, torch.tensor(False)),
    lambda a, b: torch.minimum(a, torch.tensor(True)),
    lambda a, b: a.sum(),
    lambda a, b: b.sum(1, keepdim=True),
    lambda a, b: a.prod(0),
    lambda a, b: (a.amax(1), b.amin(0)),
], ids=["add", "add-self", "add-alpha", "add-true", "mul", "maximum", "minimum",
        "maximum-false", "minimum-true", "sum", "sum-dim", "prod", "amax-amin"])
def test_arithmetic_on_bools_is_logical_as_in_eager(program):
    """Bool ``+`` and ``maximum`` are or, ``*`` and ``minimum`` and; a sum counts (int64).
    i1 addition wrapped (true + true was false) and signed i1 maximum took true for -1."""
    check(program, _bools(4, 5, seed=1), _bools(4, 5, seed=2))


def _integers(dtype, seed=0):
    values = torch.randint(-100, 100, (4, 5), generator=torch.Generator().manual_seed(seed))
    return values.to(dtype)


DTYPE_PAIRS = [
    (torch.int64, torch.bool), (torch.bool, torch.int64), (torch.int32, torch.int8),
    (torch.int16, torch.int16), (torch.int8, torch.int8), (torch.bool, torch.bool),
]


@pytest.mark.parametrize("dtype, other_dtype", DTYPE_PAIRS)
@pytest.mark.parametrize("operator", [
    torch.bitwise_and, torch.bitwise_or, torch.bitwise_xor, torch.logical_xor,
], ids=["and", "or", "xor", "logical_xor"])
def test_bitwise_ops_on_every_integer_dtype_promote_as_eager(operator, dtype, other_dtype):
    """``int64 | bool`` emitted kiln.or on i64, which only took i1; xor did not convert."""
    check(operator, _integers(dtype, seed=1), _integers(other_dtype, seed=2))


def test_bitwise_op_with_a_scalar():
    check(lambda x: (x & 6) ^ 3, _integers(torch.int16))


@pytest.mark.parametrize("program", [
    lambda x: torch.mean(x, dim=0, keepdim=True),
    lambda x: torch.mean(x, dim=-1),
    lambda x: torch.sum(x, dim=0, keepdim=True),
    lambda x: torch.var(x, dim=0, correction=0),
    lambda x: torch.amax(x, dim=0),
], ids=["mean-keepdim", "mean-last", "sum", "var", "amax"])
def test_reducing_dim_zero_of_a_0d_tensor(program):
    """Eager allows dim 0 of a 0-d tensor; the mean's element count raised IndexError."""
    check(program, torch.tensor(1.5))


@pytest.mark.parametrize("program, example", [
    (lambda x: torch.as_strided(x, (2, 2), (1, 2)), torch.arange(10.0)),
    (lambda x: torch.as_strided(x, (3, 2), (2, 1), 3), torch.arange(10.0)),
    (lambda x: torch.as_strided(x, (2, 3), (0, 1)), torch.arange(10.0)),
    (lambda x: torch.as_strided(x * 2, (2, 2, 2), (1, 4, 2)), torch.randn(3, 4)),
    (lambda x: torch.as_strided(x.t(), (3, 2), (1, 3)), torch.randn(2, 5)),
    (lambda x: torch.as_strided(x, (4,), (3,)), torch.arange(12).reshape(3, 4)),
    (lambda x: torch.as_strided(x, (2, 2), (2, 1), 1), torch.rand(6) < 0.5),
], ids=["transposed", "offset", "stride-zero", "of-intermediate", "of-transposed-view",
        "int64", "bool"])
def test_general_as_strided_gathers_the_strided_elements(program, example):
    """torch-mlir rewrites as_strided to a gather at constant offsets, a multi-element
    literal held in a blob (dense_resource); Kiln read the blob as one number, the
    attribute's address, and gathered one element over and over."""
    check(program, example)


def _normal(*shape, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("program, example", [
    (lambda x: torch.sum(x, dim=1), _normal(7, 7) * 2),
    (lambda x: x.sum(), _normal(1000) * 3),
    (lambda x: x.sum(1), _normal(16, 700)),
    (lambda x: x.sum(0), _normal(40000, 3) + 1),  # long enough to be split in chunks
    (lambda x: x.mean(0, keepdim=True), _normal(500, 7) + 2),
    (lambda x: x.var(1), _normal(6, 300)),
], ids=["sum-rows", "sum-all", "sum-long-rows", "sum-split", "mean", "var"])
def test_half_precision_reductions_accumulate_in_float32(program, example, dtype):
    """Eager sums half-precision values in float32 and rounds once; Kiln summed in half."""
    check_at_dtype_tolerance(program, example.to(dtype))


def _every_float16():
    """Every finite float16 value, from its bit patterns."""
    values = torch.arange(-2 ** 15, 2 ** 15, dtype=torch.int32).to(torch.int16).view(torch.float16)
    return values[values.isfinite()]


@pytest.mark.parametrize("program, example", [
    (torch.log1p, torch.tensor([0.18310546875, 0.2056884765625, 0.28955078125], dtype=torch.float16)),
    (lambda x: torch.log1p(x.abs()), _every_float16()),
    (torch.expm1, _every_float16()),
    (torch.log1p, _normal(1000).abs().to(torch.bfloat16)),
    (torch.expm1, _normal(1000).to(torch.bfloat16) * 4),
], ids=["float16-reproducer", "log1p-float16", "expm1-float16", "log1p-bfloat16",
        "expm1-bfloat16"])
def test_half_precision_log1p_and_expm1_round_once(program, example):
    """log1p was log(1 + x) and expm1 exp(x) - 1, in float16: 1 + x rounded to half
    first (4 ulps off)."""
    check_at_dtype_tolerance(program, example)


@pytest.mark.parametrize("program, example", [
    (torch.log1p, torch.tensor([1e-10, -3e-9, 1e-30, 0.0, -0.0, -1.0, float("inf"), 2.5])),
    (torch.expm1, torch.tensor([1e-10, -3e-9, 1e-30, 0.0, -0.0, -105.0, 88.0, 1e3, float("-inf")])),
], ids=["log1p", "expm1"])
def test_log1p_and_expm1_keep_the_bits_of_a_small_argument(program, example):
    """log(1 + x) and exp(x) - 1 gave 0 for x = 1e-10; compared at float32's relative
    tolerance with no absolute slack, which would hide that."""
    compiled = kiln.compile(program, example)
    torch.testing.assert_close(compiled(example), program(example), rtol=1.3e-6, atol=0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("program", [
    torch.sigmoid, lambda x: x.abs().rsqrt(), torch.erf, lambda x: x.abs() ** 1.7,
    lambda x: x.abs() ** x, torch.tanh,
], ids=["sigmoid", "rsqrt", "erf", "pow-scalar", "pow-tensor", "tanh"])
def test_half_precision_math_is_computed_in_float32_and_rounded_once(program, dtype):
    """Eager computes half-precision math in float32 and rounds once; Kiln rounded at
    every step (sigmoid was off by up to 100%) and float16 pow failed to compile."""
    check_at_dtype_tolerance(program, (_normal(4000) * 3).to(dtype))


@pytest.mark.parametrize("program", [torch.floor, torch.ceil, lambda x: torch.sin(torch.floor(x * 2))],
                         ids=["floor", "ceil", "floor-then-sin"])
def test_floor_and_ceil_of_integers_are_the_integers(program):
    """Found by the differential run: kiln.floor on i64 failed to verify."""
    check(program, torch.tensor([[3, -5, 0], [7, 1, -2]]))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_constants_that_are_not_short_decimals_compile(dtype):
    """LLVM rejected ``store half 3.000490e-01`` (an inexact decimal): half and bfloat
    literals are now written in hex."""
    check_at_dtype_tolerance(lambda x: torch.where(x > 0, x, 0.3) * 1.7,
                             (_normal(64) * 3).to(dtype))


def test_a_returned_torch_return_types_tuple_keeps_its_type_through_save_and_load(tmp_path):
    """Returning ``torch.max(x, 1)`` itself failed in ``pytree.treespec_dumps`` with a bare
    NotImplementedError (29 OpInfo samples): struct sequences have no serialization name."""
    def program(x):
        return torch.max(x, 1), [x * 2, {"smallest": torch.min(x, 0)}]

    x = _normal(12).reshape(3, 4)
    compiled = kiln.compile(program, x)
    compiled.save(tmp_path / "program.kiln")
    for runner in (compiled, kiln.load(tmp_path / "program.kiln")):
        result = runner(x)
        assert type(result[0]) is torch.return_types.max
        assert type(result[1][1]["smallest"]) is torch.return_types.min
        torch.testing.assert_close(result, program(x), rtol=0, atol=0)


@pytest.mark.parametrize("source", [torch.float32, torch.float64, torch.float16])
def test_rounding_to_bfloat16_keeps_subnormals_as_eager_does(source):
    """Found by the math helper: f32 -> bf16 on the CPU went through x86's conversion,
    which flushes subnormals to zero (-1.2e-39 became -0.0)."""
    x = torch.tensor([-1.2e-39, 1e-40, 3.0e-39, 1.17e-38, 1.0, 1.00390625, 1.01171875, -2.5,
                      3.3895e38, 3.4e38, float("inf"), -0.0, float("nan")]).to(source)

    def program(x):
        return x.to(torch.bfloat16)

    compiled = kiln.compile(program, x)
    torch.testing.assert_close(compiled(x), program(x), rtol=0, atol=0, equal_nan=True)
    if source != torch.float16:  # float16 has no values this small
        assert (compiled(x)[:4] != 0).all()


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_average_pooling_sums_in_float32(dtype):
    """Found by the differential run: avg_pool2d summed float16 windows in float16,
    1 ulp off eager, which sums and divides in float32 and rounds once."""
    x = (_normal(3 * 7 * 9 * 11).reshape(3, 7, 9, 11) * 2).to(dtype)
    for program in (lambda x: torch.nn.functional.avg_pool2d(x, 2),
                    lambda x: torch.nn.functional.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                             count_include_pad=False)):
        compiled = kiln.compile(program, x)
        torch.testing.assert_close(compiled(x), program(x), rtol=0, atol=0)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean"])
def test_half_precision_scatter_reductions_round_as_eager(reduce, dtype):
    """Found by the differential run: a half-precision scatter_add rounded the sum of
    the sources before adding the target; eager adds everything in float32 and rounds
    once (and a mean rounds its sum, then the quotient)."""
    generator = torch.Generator().manual_seed(0)
    x = (torch.randn(4, 6, generator=generator) * 3).to(dtype)
    index = torch.randint(0, 6, (3, 9), generator=generator)
    source = (torch.randn(3, 9, generator=generator) * 1.1).to(dtype)
    for include_self in (True, False):
        def program(x, index, source):
            return x.scatter_reduce(1, index, source, reduce, include_self=include_self)

        compiled = kiln.compile(program, x, index, source)
        assert compiled.stats["fallbacks"] == []
        for _ in range(3):
            index = torch.randint(0, 6, (3, 9), generator=generator)
            torch.testing.assert_close(compiled(x, index, source), program(x, index, source),
                                       rtol=0, atol=0)
