"""Matmuls lowered by kiln-lower-contractions match eager on every shape and layout.

Tolerance: rtol = atol = 1e-4 for float32 dot products of up to 300 terms (the packed
micro-kernel sums in another order than eager's BLAS).
"""

import pytest
import torch

import kiln

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


def _random(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _check(fn, *args, dump=None):
    compiled = kiln.compile(fn, *args, dump_ir=dump)
    expected = fn(*args)
    assert expected.abs().max() > 1.0  # outputs of meaningful size
    torch.testing.assert_close(compiled(*args), expected, **TOLERANCE)


@pytest.mark.parametrize("m, k, n", [(1, 7, 33), (8, 32, 32), (9, 300, 65), (37, 19, 50),
                                     (64, 128, 17), (3, 1, 40)])
def test_matmul_shapes(m, k, n):
    _check(torch.matmul, _random(m, k), _random(k, n, seed=1))


def test_matmul_is_lowered_to_the_vector_micro_kernel(tmp_path):
    _check(torch.matmul, _random(16, 16), _random(16, 64, seed=1), dump=tmp_path)
    planned = (tmp_path / "4-planned.mlir").read_text()
    assert "vector.fma" in planned and "reduction" not in planned


@pytest.mark.parametrize("bias", [True, False])
def test_linear_reads_its_weight_transposed(bias):
    layer = torch.nn.Linear(70, 45, bias=bias).eval()
    with torch.no_grad():
        _check(layer, _random(11, 70) * 4)


def test_batched_and_broadcast_matmuls():
    _check(torch.bmm, _random(3, 9, 20), _random(3, 20, 33, seed=1))
    _check(torch.matmul, _random(2, 3, 9, 20), _random(20, 33, seed=1))
    _check(lambda q, k: q @ k.transpose(-2, -1), _random(2, 4, 12, 16), _random(2, 4, 12, 16, seed=1))


def test_epilogue_after_matmul():
    def mlp(x, w, b):
        return torch.nn.functional.gelu(x @ w + b) + x[:, :1]

    _check(mlp, _random(20, 40) * 2, _random(40, 48, seed=1), _random(48, seed=2))


@pytest.mark.parametrize("threads", [1, 3])
def test_parallel_tiles_on_any_thread_count(threads):
    previous = torch.get_num_threads()
    try:
        compiled = kiln.compile(torch.matmul, _random(129, 64), _random(64, 97, seed=1))
        torch.set_num_threads(threads)
        a, b = _random(129, 64, seed=5), _random(64, 97, seed=6)
        torch.testing.assert_close(compiled(a, b), a @ b, **TOLERANCE)
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("config, lowered", [
    (dict(in_channels=3, out_channels=16, kernel_size=3, padding=1), True),
    (dict(in_channels=8, out_channels=12, kernel_size=3, stride=2, padding=1), True),
    (dict(in_channels=8, out_channels=20, kernel_size=1), True),
    (dict(in_channels=6, out_channels=9, kernel_size=(3, 5), dilation=2, padding=(2, 1)), True),
    (dict(in_channels=8, out_channels=8, kernel_size=3, padding=1, groups=8), True),
    # A grouped convolution indexes channels with floordiv: not linear, left to loops.
    (dict(in_channels=8, out_channels=12, kernel_size=3, groups=2), False),
])
def test_convolutions_pack_their_input_as_im2col(config, lowered, tmp_path):
    conv = torch.nn.Conv2d(**config).eval()
    with torch.no_grad():
        _check(conv, _random(2, config["in_channels"], 13, 11) * 3, dump=tmp_path)
    assert ("vector.fma" in (tmp_path / "4-planned.mlir").read_text()) == lowered


def test_rows_flatten_and_k_splits_over_views():
    layer = torch.nn.Linear(24, 40).eval()

    def heads_then_projection(y):  # y: [batch, heads, sequence, head_width]
        batch, heads, sequence, width = y.shape
        return layer(y.transpose(1, 2).reshape(batch, sequence, heads * width))

    with torch.no_grad():
        _check(layer, _random(3, 17, 24) * 4)
        _check(heads_then_projection, _random(2, 4, 9, 6) * 4)


def test_weights_are_packed_once_and_repacked_when_they_change():
    layer = torch.nn.Linear(70, 45).eval()
    x = _random(11, 70) * 4
    with torch.no_grad():
        compiled = kiln.compile(layer, x)
        assert compiled.stats["prepacked_weights"] == 1
        assert "prepack" in compiled.host_program.describe()
        torch.testing.assert_close(compiled(x), layer(x), **TOLERANCE)
        torch.testing.assert_close(compiled(x * 2), layer(x * 2), **TOLERANCE)
        layer.weight.mul_(-3)  # in place: a new _version, the same storage
        torch.testing.assert_close(compiled(x), layer(x), **TOLERANCE)
        layer.weight.copy_(_random(45, 70, seed=9))
        torch.testing.assert_close(compiled(x), layer(x), **TOLERANCE)


def test_a_weight_read_through_a_reshape_is_prepacked_and_repacked():
    """Attention's output projection reads its weight split per head (a reshape inside
    the kernel); it was packed again for every row block at every call."""
    class SelfAttention(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = torch.nn.MultiheadAttention(32, 4, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=False)[0]

    module, x = SelfAttention().eval(), _random(2, 9, 32) * 4
    with torch.no_grad():
        compiled = kiln.compile(module, x)
        assert compiled.stats["prepacked_weights"] == 2  # the input and output projections
        torch.testing.assert_close(compiled(x), module(x), **TOLERANCE)
        module.attention.out_proj.weight.mul_(-3)
        torch.testing.assert_close(compiled(x), module(x), **TOLERANCE)


def test_prepacked_weights_survive_save_and_load(tmp_path):
    layer = torch.nn.Linear(33, 20).eval()
    x = _random(5, 33) * 4
    with torch.no_grad():
        kiln.compile(layer, x).save(tmp_path / "linear.kiln")
        loaded = kiln.load(tmp_path / "linear.kiln")
        torch.testing.assert_close(loaded(x), layer(x), **TOLERANCE)


@pytest.mark.parametrize("width", [64, 48, 40])
def test_convolution_rows_packed_with_vector_loads_where_contiguous(width):
    # Widths 64 and 48: every 16 columns lie within one output row (masked vector
    # copies, the last panel half empty for 48); width 40: panels are checked at run
    # time, and those that wrap to the next row are packed element by element.
    conv = torch.nn.Conv2d(4, 8, 3, padding=1).eval()
    with torch.no_grad():
        _check(conv, _random(2, 4, 5, width) * 3)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_contractions_accumulate_in_float32(dtype):
    # Summed in half precision, 1024 products drift far beyond one rounding of the
    # result; accumulated in f32 and rounded once, Kiln stays within eager's error.
    generator = torch.Generator().manual_seed(4)
    a, b = torch.randn(4, 1024, generator=generator), torch.randn(1024, 8, generator=generator)
    conv = torch.nn.Conv2d(64, 8, 3).eval()
    x = torch.randn(1, 64, 10, 10, generator=generator)
    with torch.no_grad():
        exact_conv = conv(x)
        for fn, args, exact in ((torch.matmul, (a, b), a @ b), (conv.to(dtype), (x,), exact_conv)):
            half = tuple(t.to(dtype) for t in args)
            got = kiln.compile(fn, *half)(*half).float()
            eager_error = (fn(*half).float() - exact).abs().max()
            assert (got - exact).abs().max() <= 2 * eager_error + 1e-3


def test_a_weight_lifted_from_a_closure_is_repacked_at_every_call():
    """A function that closes over a module: torch.export lifts its weights as constants
    that share the storage but not the version counter, so a packed copy kept across
    calls went stale after ``weight.mul_``: a silent wrong answer."""
    layer = torch.nn.Linear(70, 45).eval()
    x = _random(11, 70) * 4

    def project(x):
        return layer(x) * 2

    with torch.no_grad():
        compiled = kiln.compile(project, x)
        assert compiled.stats["prepacked_weights"] == 1
        torch.testing.assert_close(compiled(x), project(x), **TOLERANCE)
        layer.weight.mul_(-3)
        torch.testing.assert_close(compiled(x), project(x), **TOLERANCE)
