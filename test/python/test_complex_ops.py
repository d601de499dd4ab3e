"""Complex tensors and ``torch.fft`` compiled by Kiln (as pairs of real tensors) match eager.

Results are compared at ``torch.testing.assert_close``'s default tolerances for their
dtype (complex64 and float32: rtol 1.3e-6, atol 1e-5) unless a test states otherwise,
on the example inputs and on fresh ones.
"""

import pytest
import torch

import kiln
from kiln import KilnError

pytestmark = pytest.mark.usefixtures("strict_mode")
_generator = torch.Generator().manual_seed(0)


def crandn(*shape, dtype=torch.complex64):
    return torch.randn(shape, generator=_generator, dtype=dtype)


def randn(*shape):
    return torch.randn(shape, generator=_generator)


def check(fn, *args, **tolerance):
    compiled = kiln.compile(fn, *args)
    assert compiled.stats["fallbacks"] == []
    fresh = tuple(torch.randn(a.shape, generator=_generator, dtype=a.dtype) for a in args)
    for inputs in (args, fresh):
        torch.testing.assert_close(compiled(*inputs), fn(*inputs), **tolerance)
    return compiled


@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_fft_family_matches_eager(norm):
    def transforms(x):
        return (torch.fft.fft(x, norm=norm), torch.fft.rfft(x, dim=1, norm=norm),
                torch.fft.irfft(x, n=9, norm=norm), torch.fft.fft2(x, norm=norm),
                torch.fft.rfftn(x, s=(4, 6), norm=norm), torch.fft.ihfft(x, norm=norm))

    check(transforms, randn(3, 5, 8))


def test_complex_transforms_round_trip_and_hermitian_ones():
    def transforms(z):
        return (torch.fft.ifft(torch.fft.fft(z, dim=0), dim=0), torch.fft.ifftn(z),
                torch.fft.hfft(z, n=10), torch.fft.irfft2(z))

    check(transforms, crandn(6, 7))


def test_complex_arithmetic_matches_eager():
    def arithmetic(a, b, r):
        return (a * b, a / b, a / r, a + 2.5 * b, a - r, (a * 1j).conj(), a.abs(), a.angle(),
                torch.exp(a), 1 / b, a.sum(0), a.mean(dim=1, keepdim=True), a == b,
                torch.view_as_real(a * b), a @ b.mT, a.reshape(-1).flip(0)[1:7])

    check(arithmetic, crandn(4, 5), crandn(4, 5), randn(4, 5))


def test_division_by_a_divisor_with_the_larger_imaginary_part_and_by_zero():
    a = torch.tensor([1 + 2j, 3 - 1j, 1 + 1j, -2j], dtype=torch.complex64)
    b = torch.tensor([1e-3 + 5j, -4j, 0j, 2e30 + 1e30j], dtype=torch.complex64)
    compiled = kiln.compile(torch.div, a, b)
    torch.testing.assert_close(compiled(a, b), a / b, equal_nan=True)


def test_complex128_and_complex32_conversions():
    x = randn(3, 4)
    check(lambda x: (x.cdouble() * 3, x.chalf(), torch.complex(x, -x), torch.polar(x.abs(), x)), x)


def test_complex_inputs_outputs_and_lazy_conjugate_views():
    z = crandn(5, 3)
    compiled = check(lambda z: z * (z + 1), z)
    conjugated = z.conj()  # a view whose memory holds z, with the conjugate bit set
    torch.testing.assert_close(compiled(conjugated), conjugated * (conjugated + 1))


def test_a_negative_view_input_is_read_as_its_values():
    x = randn(4, 5)
    compiled = kiln.compile(lambda x: x + 1, x)
    negative_view = (x + 1j * x).conj().imag  # memory holds x, the view reads -x
    assert negative_view.is_neg()
    torch.testing.assert_close(compiled(negative_view), negative_view + 1)


def test_spectrogram_power_as_in_speech_front_ends():
    def power_spectrogram(audio):
        window = torch.hann_window(400)
        spectrum = torch.stft(audio, 400, 160, window=window, return_complex=True)
        return spectrum.abs() ** 2

    # Magnitudes reach 1e4 here; eager's float32 FFT rounds them at about 1e-6 relative.
    check(power_spectrogram, randn(2, 1600), rtol=1e-5, atol=1e-3)


def test_a_compiled_complex_program_saves_and_loads(tmp_path):
    x = randn(4, 6)
    compiled = kiln.compile(torch.fft.rfft, x)
    compiled.save(tmp_path / "rfft.kiln")
    loaded = kiln.load(tmp_path / "rfft.kiln")
    torch.testing.assert_close(loaded(x), torch.fft.rfft(x))


def test_an_unsupported_complex_op_is_refused_at_the_users_line():
    def program(z):
        return torch.sin(z)

    with pytest.raises(KilnError, match=r"test_complex_ops.py:\d+: aten.sin.default on complex"):
        kiln.compile(program, crandn(3))


def test_a_transform_past_the_length_limit_is_refused():
    with pytest.raises(KilnError, match="Fourier transform of length 4096"):
        kiln.compile(torch.fft.fft, randn(4096))


def test_reductions_of_a_complex_scalar_keep_both_components():
    def reductions(z):
        return z.sum(), z.sum(0, keepdim=True), z.mean(-1), z.flip(0)

    check(reductions, crandn())


def test_complex_variance_is_the_mean_squared_magnitude():
    def spread(z):
        return torch.var(z), torch.var(z, 1, keepdim=True), torch.std(z, 0), torch.var_mean(z, 1)

    check(spread, crandn(5, 6))
