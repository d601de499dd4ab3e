"""Outputs are fresh tensors: memory is reused only once no tensor or view refers to it."""

import torch

import kiln
from kiln.runtime.memory import OutputPool


def _double(x):
    return x * 2.0


def test_an_output_still_held_is_never_overwritten():
    x = torch.randn(1 << 19)  # 2 MiB outputs: pooled
    compiled = kiln.compile(_double, x)
    first = compiled(x)
    view = compiled(x)[: 10]  # only a view of the second output survives
    third = compiled(x + 1)
    torch.testing.assert_close(first, x * 2)
    torch.testing.assert_close(view, (x * 2)[:10])
    torch.testing.assert_close(third, (x + 1) * 2)
    assert len({first.data_ptr(), view.data_ptr(), third.data_ptr()}) == 3


def test_a_dropped_output_is_reused():
    pool = OutputPool(min_bytes=0)
    first = pool.empty(0, (256,), torch.float32)
    address = first.data_ptr()
    del first
    assert pool.empty(0, (256,), torch.float32).data_ptr() == address


def test_small_outputs_are_not_pooled():
    pool = OutputPool(min_bytes=1 << 20)
    pool.empty(0, (16,), torch.float32)
    assert not pool._storages
