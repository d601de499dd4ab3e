"""ATen ops on complex tensors, as real ops on the (real, imaginary) components.

A :class:`Complex` holds the real view of a complex tensor: its shape plus a trailing
dimension of 2. Each rule takes the op's example result (its dtype and shape) and the
op's arguments, in which complex tensors are :class:`Complex` values, and returns a
:class:`Complex` or, for ops with real results, a real tensor. Real operands of a
complex op are promoted as eager promotes them: a zero imaginary part, here the scalar
0.0, which multiplies exactly as eager's promoted zero does.
"""

import torch

aten = torch.ops.aten

REAL_DTYPE_OF = {torch.complex32: torch.float16, torch.complex64: torch.float32,
                 torch.complex128: torch.float64}
RULES = {}


class Complex:
    """A complex tensor held as its real view (``torch.view_as_real``)."""

    def __init__(self, real_view: torch.Tensor):
        self.real_view = real_view

    @property
    def re(self) -> torch.Tensor:
        return self.real_view[..., 0]

    @property
    def im(self) -> torch.Tensor:
        return self.real_view[..., 1]

    @property
    def rank(self) -> int:
        return self.real_view.dim() - 1


def pack(re, im, shape) -> Complex:
    """The complex tensor of ``shape`` with components ``re`` and ``im`` (tensors or
    scalars, broadcast to ``shape``)."""
    dtype = next(p.dtype for p in (re, im) if isinstance(p, torch.Tensor))
    parts = [p.expand(shape) if isinstance(p, torch.Tensor) else torch.full(shape, p, dtype=dtype)
             for p in (re, im)]
    return Complex(torch.stack(parts, dim=-1))


def parts(value, dtype: torch.dtype):
    """The (real, imaginary) components of an operand, in the real ``dtype``."""
    if isinstance(value, Complex):
        return value.re.to(dtype), value.im.to(dtype)
    if isinstance(value, torch.Tensor):
        return value.to(dtype), 0.0
    if isinstance(value, complex):
        return value.real, value.imag
    return value, 0.0


def real_dtype(example: torch.Tensor) -> torch.dtype:
    """The component dtype of a complex example value."""
    return REAL_DTYPE_OF[example.dtype]


def axis(dim: int, rank: int) -> int:
    """``dim`` of a complex tensor of ``rank`` as a non-negative dimension, which is
    also its dimension in the real view. A 0-d tensor's only dimension (0 or -1) names
    the tensor itself; rules that could apply it to the trailing pair check for rank 0."""
    return dim % rank if rank else 0


def rule(*ops):
    """Registers the decorated function as the rule for ``ops``."""
    def register(function):
        for op in ops:
            RULES[op] = function
        return function
    return register


# Layout: the same op on the real view, with dimensions that skip the trailing 2.

@rule(aten.clone.default, aten.alias.default)
def _copy(out, z, **_):
    return Complex(z.real_view.clone())


@rule(aten.view.default, aten._unsafe_view.default, aten.reshape.default,
      aten.squeeze.default, aten.squeeze.dim, aten.squeeze.dims, aten.unsqueeze.default)
def _reshape(out, z, *_):
    return Complex(z.real_view.reshape(*out.shape, 2))


@rule(aten.expand.default)
def _expand(out, z, *_, **__):
    return Complex(z.real_view.expand(*out.shape, 2))


@rule(aten.permute.default)
def _permute(out, z, dims):
    return Complex(z.real_view.permute(*[axis(d, z.rank) for d in dims], z.rank))


@rule(aten.transpose.int)
def _transpose(out, z, first, second):
    return Complex(z.real_view.transpose(axis(first, z.rank), axis(second, z.rank)))


@rule(aten.select.int)
def _select(out, z, dim, index):
    return Complex(z.real_view.select(axis(dim, z.rank), index))


@rule(aten.slice.Tensor)
def _slice(out, z, dim=0, start=None, end=None, step=1):
    return Complex(aten.slice.Tensor(z.real_view, axis(dim, z.rank), start, end, step))


@rule(aten.flip.default)
def _flip(out, z, dims):
    if z.rank == 0:
        return Complex(z.real_view.clone())
    return Complex(z.real_view.flip([axis(d, z.rank) for d in dims]))


@rule(aten.index.Tensor)
def _index(out, z, indices):
    return Complex(aten.index.Tensor(z.real_view, indices))


@rule(aten.cat.default)
def _cat(out, tensors, dim=0):
    dtype = real_dtype(out)
    pieces = [pack(*parts(t, dtype), t.real_view.shape[:-1] if isinstance(t, Complex) else t.shape)
              for t in tensors if not (isinstance(t, torch.Tensor) and t.dim() == 1 and t.numel() == 0)]
    return Complex(torch.cat([p.real_view for p in pieces], axis(dim, out.dim())))


@rule(aten.constant_pad_nd.default)
def _pad(out, z, pad, value=0):
    re, im = parts(value, real_dtype(out))
    return pack(aten.constant_pad_nd.default(z.re, pad, re),
                aten.constant_pad_nd.default(z.im, pad, im), out.shape)


# Conversions and construction.

@rule(aten._to_copy.default)
def _to_copy(out, x, **_):
    if out.is_complex():
        return pack(*parts(x, real_dtype(out)), out.shape)
    if out.dtype == torch.bool:
        return (x.re != 0) | (x.im != 0)
    return x.re.to(out.dtype)  # eager discards the imaginary part


@rule(aten.full.default)
def _full(out, size, value, **_):
    re, im = parts(value, real_dtype(out))
    dtype = real_dtype(out)
    return pack(torch.full(size, re, dtype=dtype), torch.full(size, im, dtype=dtype), out.shape)


@rule(aten.scalar_tensor.default)
def _scalar_tensor(out, value, **_):
    return _full(out, [], value)


@rule(aten.complex.default)
def _complex(out, re, im):
    return pack(re, im, out.shape)


@rule(aten.polar.default)
def _polar(out, magnitude, angle):
    return pack(magnitude * torch.cos(angle), magnitude * torch.sin(angle), out.shape)


@rule(aten.view_as_complex.default)
def _view_as_complex(out, x):
    return Complex(x)


@rule(aten.view_as_real.default)
def _view_as_real(out, z):
    return z.real_view


@rule(aten.where.self)
def _where(out, condition, a, b):
    dtype = real_dtype(out)
    (ar, ai), (br, bi) = parts(a, dtype), parts(b, dtype)
    return pack(torch.where(condition, ar, br), torch.where(condition, ai, bi), out.shape)


# Arithmetic, as eager's c10::complex computes it.

@rule(aten._conj.default, aten.conj_physical.default, aten._conj_physical.default)
def _conj(out, z):
    return pack(z.re, -z.im, out.shape)


@rule(aten.neg.default)
def _neg(out, z):
    return Complex(-z.real_view)


@rule(aten.add.Tensor)
def _add(out, a, b, alpha=1):
    dtype = real_dtype(out)
    (ar, ai), (br, bi) = parts(a, dtype), _scaled_parts(b, alpha, dtype)
    return pack(ar + br, ai + bi, out.shape)


@rule(aten.sub.Tensor)
def _sub(out, a, b, alpha=1):
    return _add(out, a, b, -alpha)


def _scaled_parts(value, factor, dtype):
    """The components of ``value * factor``, for a real or complex Python ``factor``."""
    re, im = parts(value, dtype)
    if factor == 1:
        return re, im
    fr, fi = parts(factor, dtype)
    return re * fr - im * fi, re * fi + im * fr


def _to_tensors(*values):
    like = next(v for v in values if isinstance(v, torch.Tensor))
    return [v if isinstance(v, torch.Tensor) else torch.full_like(like, v) for v in values]


@rule(aten.mul.Tensor)
def _mul(out, a, b):
    dtype = real_dtype(out)
    (ar, ai), (br, bi) = parts(a, dtype), parts(b, dtype)
    return pack(ar * br - ai * bi, ar * bi + ai * br, out.shape)


@rule(aten.div.Tensor)
def _div(out, a, b):
    """Smith's algorithm, with c10::complex's branches: scale by the larger of the
    divisor's components, so that neither overflows."""
    dtype = real_dtype(out)
    ar, ai, br, bi = _to_tensors(*parts(a, dtype), *parts(b, dtype))
    real_larger = br.abs() >= bi.abs()
    ratio = torch.where(real_larger, bi / br, br / bi)
    scale = 1 / torch.where(real_larger, br + bi * ratio, bi + br * ratio)
    re = torch.where(real_larger, (ar + ai * ratio) * scale, (ar * ratio + ai) * scale)
    im = torch.where(real_larger, (ai - ar * ratio) * scale, (ai * ratio - ar) * scale)
    both_zero = (br == 0) & (bi == 0)
    re = torch.where(both_zero, ar / br.abs(), re)
    im = torch.where(both_zero, ai / bi.abs(), im)
    return pack(re, im, out.shape)


@rule(aten.reciprocal.default)
def _reciprocal(out, z):
    return _div(out, 1.0, z)


@rule(aten.abs.default)
def _abs(out, z):
    return torch.hypot(z.re, z.im)


@rule(aten.angle.default)
def _angle(out, z):
    return torch.atan2(z.im, z.re)


@rule(aten.exp.default)
def _exp(out, z):
    magnitude = torch.exp(z.re)
    return pack(magnitude * torch.cos(z.im), magnitude * torch.sin(z.im), out.shape)


@rule(aten.eq.Tensor)
def _eq(out, a, b):
    dtype = REAL_DTYPE_OF[torch.promote_types(_complex_dtype(a), _complex_dtype(b))]
    (ar, ai), (br, bi) = parts(a, dtype), parts(b, dtype)
    return (ar == br) & (ai == bi)


@rule(aten.ne.Tensor)
def _ne(out, a, b):
    return ~_eq(out, a, b)


def _complex_dtype(value) -> torch.dtype:
    if isinstance(value, Complex):
        return torch.promote_types(value.real_view.dtype, torch.complex32)
    return value.dtype if isinstance(value, torch.Tensor) else torch.complex32


@rule(aten.sum.dim_IntList)
def _sum(out, z, dims=None, keepdim=False, dtype=None):
    return _reduced(torch.sum, out, z, dims, keepdim)


@rule(aten.mean.dim)
def _mean(out, z, dims=None, keepdim=False, dtype=None):
    return _reduced(torch.mean, out, z, dims, keepdim)


def _reduced(reduce, out, z: Complex, dims, keepdim: bool) -> Complex:
    """``reduce`` over ``dims`` of the complex tensor (all of them for none), never over
    the real view's trailing pair: a reduction over an empty list would take it too."""
    values = z.real_view.to(real_dtype(out))
    if z.rank == 0:  # dims [], [0] and [-1] all name the scalar itself
        return Complex(values.clone())
    axes = [axis(d, z.rank) for d in dims] if dims else list(range(z.rank))
    return Complex(reduce(values, axes, keepdim=keepdim))


@rule(aten.mm.default, aten.bmm.default)
def _matmul(out, a, b):
    dtype = real_dtype(out)
    (ar, ai), (br, bi) = _to_tensors(*parts(a, dtype)), _to_tensors(*parts(b, dtype))
    return pack(ar @ br - ai @ bi, ar @ bi + ai @ br, out.shape)
