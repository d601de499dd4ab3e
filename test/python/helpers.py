"""Shared helpers for the pytest suites: compile with Kiln and compare against eager PyTorch."""

import torch

import kiln

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


def fresh_like(value, generator):
    """Return a new random input with the shape, dtype and value range of `value`.

    Floating tensors are drawn uniformly from [min, max] of `value` and integer tensors
    from the same closed range, so positive-only inputs (log, sqrt) and index tensors stay
    valid. Booleans are drawn at random. Anything that is not a tensor is returned as is.
    """
    if not isinstance(value, torch.Tensor):
        return value
    if value.dtype == torch.bool:
        return torch.rand(value.shape, generator=generator) < 0.5
    if value.numel() == 0:
        return value.clone()
    low, high = value.min().item(), value.max().item()
    if value.dtype.is_floating_point:
        unit = torch.rand(value.shape, generator=generator, dtype=value.dtype)
        return low + (high - low) * unit
    return torch.randint(int(low), int(high) + 1, value.shape, generator=generator, dtype=value.dtype)


def check(fn, *args, seed=1234):
    """Compile `fn` with `kiln.compile` and compare it with eager PyTorch.

    The comparison runs on the example `args` and again on fresh random inputs of the
    same shapes, dtypes and value ranges, so a wrong answer cannot hide behind the
    example inputs. Every op must be compiled by Kiln: an op run through torch (a
    fallback) would match eager without testing Kiln.
    """
    compiled = kiln.compile(fn, *args)
    assert compiled.stats["fallbacks"] == [], compiled.stats["fallbacks"]
    generator = torch.Generator().manual_seed(seed)
    fresh = tuple(fresh_like(arg, generator) for arg in args)
    with torch.no_grad():
        for inputs in (args, fresh):
            torch.testing.assert_close(compiled(*inputs), fn(*inputs), **TOLERANCE)
