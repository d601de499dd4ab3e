"""Micro-benchmarks that put the model timings in context: copy bandwidth, per-call overhead."""

import statistics
import time

import torch

import kiln


def copy_bandwidth(nbytes: int, repeats: int = 10) -> float:
    """GB/s of ``dst.copy_(src)`` that moves ``nbytes`` in all (reads half, writes half)."""
    src = torch.randn(max(nbytes // 8, 1))
    dst = torch.empty_like(src)
    seconds = _median_seconds(lambda: dst.copy_(src), repeats)
    return 2 * src.numel() * src.element_size() / seconds / 1e9


def call_overhead(calls: int = 1000) -> dict:
    """Median µs per call of ``x + 1`` on a one-element tensor: eager, Inductor and Kiln.

    Compiling it first also pays Kiln's and Inductor's one-time start-up, so that the
    per-model compile times that follow do not include it.
    """
    x = torch.ones(1)
    runners = {"eager": _add_one, "inductor": torch.compile(_add_one),
               "kiln": kiln.compile(_add_one, x)}
    return {backend: _median_seconds(lambda: run(x), calls) * 1e6
            for backend, run in runners.items()}


def parallel_launch(elements: int = 1 << 16, calls: int = 1000) -> dict:
    """Median µs per call of ``x + 1`` on ``elements`` floats, enough work for Kiln to run
    it on the thread team: eager, then Kiln on one thread and on all of torch's threads.

    Kiln's team time minus half its one-thread time bounds what waking the team costs.
    """
    x = torch.ones(elements)
    compiled = kiln.compile(_add_one, x)
    threads = torch.get_num_threads()
    timings = {"eager": _median_seconds(lambda: _add_one(x), calls) * 1e6}
    try:
        torch.set_num_threads(1)
        timings["kiln 1 thread"] = _median_seconds(lambda: compiled(x), calls) * 1e6
    finally:
        torch.set_num_threads(threads)
    timings[f"kiln {threads} threads"] = _median_seconds(lambda: compiled(x), calls) * 1e6
    return timings


def _add_one(x):
    return x + 1


def _median_seconds(call, repeats: int) -> float:
    call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)
