"""Parallel loops run on torch's thread pool and give the same answers on any team size."""

import pytest
import torch

import kiln


def _elementwise_and_reductions(x, y):
    z = torch.relu(x * 2.0 + y)
    return z, z.sum(dim=1), torch.softmax(z, dim=-1)


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_same_results_on_any_thread_count(threads, restore_threads):
    generator = torch.Generator().manual_seed(0)
    x, y = (torch.randn(257, 1031, generator=generator) for _ in range(2))
    compiled = kiln.compile(_elementwise_and_reductions, x, y)
    torch.set_num_threads(threads)
    results = compiled(x, y)
    for got, expected in zip(results, _elementwise_and_reductions(x, y)):
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_big_loops_are_parallel_and_small_ones_serial(tmp_path):
    def scale(x):
        return x * 3.0

    kiln.compile(scale, torch.randn(1 << 16), dump_ir=tmp_path / "big")
    kiln.compile(scale, torch.randn(16), dump_ir=tmp_path / "small")
    assert "__kmpc_fork_call" in (tmp_path / "big" / "6-llvm.ll").read_text()
    assert "__kmpc_fork_call" not in (tmp_path / "small" / "6-llvm.ll").read_text()
