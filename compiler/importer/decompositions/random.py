"""Random ops whose eager kernels draw standard samples, or masks, and then transform them.

Each becomes the standard draw (a random op the runtime makes through torch, see
``importer.random_draws``) followed by the same arithmetic eager's kernel applies to it,
in the same order, so the compiled program gives eager's numbers bit for bit under
``torch.manual_seed``.
"""

import torch

aten = torch.ops.aten

TORCH_DECOMPOSITIONS = []


def _standard_normal(shape, dtype, device, std=1.0):
    return aten.normal.float_float(0.0, std, list(shape), dtype=dtype, device=device)


def normal_tensor_tensor(mean, std, *, generator=None):
    """``normal(mean, std)``: eager draws N(0, 1), multiplies by ``std``, adds ``mean``."""
    if generator is not None:
        return NotImplemented
    shape = torch.broadcast_shapes(mean.shape, std.shape)
    return _standard_normal(shape, mean.dtype, mean.device) * std + mean


def normal_tensor_float(mean, std=1.0, *, generator=None):
    """``normal(mean, std)`` with a scalar ``std``: eager draws N(0, std), adds ``mean``."""
    if generator is not None:
        return NotImplemented
    return _standard_normal(mean.shape, mean.dtype, mean.device, std) + mean


def normal_float_tensor(mean, std, *, generator=None):
    """``normal(mean, std)`` with a scalar ``mean``: N(0, 1) times ``std``, plus ``mean``."""
    if generator is not None:
        return NotImplemented
    return _standard_normal(std.shape, std.dtype, std.device) * std + mean


def native_dropout(input, p, train):
    """``native_dropout``: eager draws a boolean mask with ``bernoulli_(1 - p)`` and
    multiplies the input by it, then by ``1 / (1 - p)``."""
    if not train or p == 0:
        return input.clone(), torch.ones_like(input, dtype=torch.bool)
    keep = 1 - p
    mask = aten.bernoulli.p(torch.empty_like(input, dtype=torch.bool), keep)
    return input * mask * (1 / keep if keep else 0.0), mask


def bernoulli(p, *, generator=None):
    """``bernoulli(p)``: eager's kernel compares a uniform draw with ``p``, drawn in
    float64 for a float64 ``p`` and in float32 otherwise (torch's own decomposition
    always draws float32, which gives other numbers for float64)."""
    if generator is not None or not p.is_floating_point():
        return NotImplemented
    drawn = torch.float64 if p.dtype == torch.float64 else torch.float32
    uniform = aten.rand.default(list(p.shape), dtype=drawn, device=p.device)
    return (uniform < p).to(p.dtype)


DECOMPOSITIONS = {
    aten.bernoulli.default: bernoulli,
    aten.native_dropout.default: native_dropout,
    aten.normal.Tensor_Tensor: normal_tensor_tensor,
    aten.normal.Tensor_float: normal_tensor_float,
    aten.normal.float_Tensor: normal_float_tensor,
}
