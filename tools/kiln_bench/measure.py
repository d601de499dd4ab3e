"""Compile, check and time one model with eager, Inductor (default and freezing) and Kiln."""

import statistics
import sys
import time

import torch
from torch.utils import _pytree as pytree
from torch.utils.flop_counter import FlopCounterMode

import kiln

from . import catalog, micro

# Below this many counted FLOPs per byte moved a model is memory-bound, and its throughput
# is reported in GB/s beside a torch copy of the same bytes; at or above it, in GFLOP/s.
MEMORY_BOUND_BELOW = 4.0
# Inductor's two modes; freezing folds the weights into the graph and prepacks them.
INDUCTOR_MODES = {"inductor": {}, "inductor_freezing": {"freezing": True}}
BACKENDS = ("eager", *INDUCTOR_MODES, "kiln")


def bench_model(name, args) -> dict:
    """Compile, check and time one model; returns its result row (JSON-friendly)."""
    torch._dynamo.reset()
    result = {"model": name, "tolerance": catalog.tolerance(name), "check": "FAIL",
              "error": None, **{f"{backend}_ms": None for backend in BACKENDS}}
    config = catalog.SMALL_CONFIGS.get(name, {}) if args.small else {}
    try:
        module, inputs = catalog.models.build(name, **config)
    except ImportError as error:
        result.update(check="SKIP", error=f"{error} (pip install -e .[bench] installs it)")
        return result
    expected = module(*inputs)
    result.update(_work(module, inputs, expected))
    runners = {"eager": module}

    executable = _compile_kiln(name, module, inputs, result)
    if executable is not None and _check(name, executable, inputs, expected, result):
        runners["kiln"] = executable
    first_call_s = {}
    for mode, options in INDUCTOR_MODES.items():
        _progress(f"{name}: compiling with {mode}")
        compiled, first_call_s[mode] = _compile_inductor(module, inputs, options)
        if compiled is not None:
            runners[mode] = compiled

    _progress(f"{name}: timing {', '.join(runners)}")
    for backend, ms in _time(runners, inputs, args.repeats, args.warmup).items():
        result[f"{backend}_ms"] = ms
    for mode, seconds in first_call_s.items():
        if mode in runners:  # the first call compiled and ran once: take one call away
            result[f"{mode}_compile_s"] = seconds - result[f"{mode}_ms"] / 1e3
    if result["bound"] == "memory":
        result["copy_gbps"] = micro.copy_bandwidth(result["bytes"])
    return result


def _work(module, inputs, expected) -> dict:
    """FLOPs (FlopCounterMode on an eager call), bytes moved, and the output's spread.

    The counted call runs with grad enabled: under no_grad ``nn.MultiheadAttention`` takes
    a fused fast path whose FLOPs the counter does not know. Bytes moved is the least any
    backend must touch: inputs, parameters, buffers and outputs, each once.
    """
    with torch.enable_grad(), FlopCounterMode(display=False) as counter:
        module(*inputs)
    flops = counter.get_total_flops()
    tensors = [*inputs, *module.parameters(), *module.buffers(), *pytree.tree_leaves(expected)]
    nbytes = sum(t.numel() * t.element_size() for t in tensors if isinstance(t, torch.Tensor))
    outputs = [t for t in pytree.tree_leaves(expected) if t.is_floating_point()]
    std = max((t.float().std().item() for t in outputs if t.numel() > 1), default=None)
    intensity = flops / nbytes
    return {"flops": flops, "bytes": nbytes, "flops_per_byte": intensity, "output_std": std,
            "bound": "memory" if intensity < MEMORY_BOUND_BELOW else "compute"}


def _compile_kiln(name, module, inputs, result):
    """``kiln.compile`` timed on the wall clock; None, with the error recorded, if it fails."""
    _progress(f"{name}: compiling with Kiln")
    started = time.perf_counter()
    try:
        executable = kiln.compile(module, *inputs)
    except Exception as error:  # real models fail in export, import or conversion alike
        result.update(check="NO-COMPILE", error=f"Kiln compile failed: {_first_line(error)}")
        _progress(f"{name}: {result['error']}")
        return None
    stats = executable.stats
    estimate = stats.get("eager_peak_bytes_estimate")
    result.update(kiln_compile_s=time.perf_counter() - started, kiln_cache=stats.get("cache"),
                  kernels=stats.get("kernels"), arena_kib=stats["arena_bytes"] / 1024,
                  eager_estimate_kib=None if estimate is None else estimate / 1024)
    return executable


def _check(name, executable, inputs, expected, result) -> bool:
    """Compare Kiln's output with eager's at the model's tolerance; True if Kiln ran."""
    bound = catalog.tolerance(name)
    try:
        actual = executable(*inputs)
    except Exception as error:
        result["error"] = f"Kiln call failed: {_first_line(error)}"
        _progress(f"{name}: {result['error']}")
        return False
    try:
        torch.testing.assert_close(actual, expected, rtol=bound, atol=bound)
        result["check"] = "PASS"
    except AssertionError as error:
        result["error"] = f"Kiln output differs from eager: {' '.join(str(error).split())}"
        _progress(f"{name}: {result['error']}")
    return True


def _compile_inductor(module, inputs, options):
    """``torch.compile(module, options=options)``, compiled by its first call.

    The Inductor config goes in ``options`` rather than a ``config.patch`` around the call:
    Dynamo treats two ``torch.compile`` instances with equal options as one backend, so
    the second would reuse the first's compiled graph. Returns ``(compiled, first call
    seconds)``, or ``(None, None)`` if Inductor fails.
    """
    compiled = torch.compile(module, options=options)
    started = time.perf_counter()
    try:
        compiled(*inputs)
    except Exception as error:  # Inductor's failures (no C++ compiler, ...) have no common type
        _progress(f"Inductor unavailable ({type(error).__name__}: {_first_line(error)}); n/a")
        return None, None
    return compiled, time.perf_counter() - started


def _time(runners, inputs, repeats, warmup):
    """Median milliseconds per call for each runner, calls interleaved across runners."""
    times = {backend: [] for backend in runners}
    for index in range(warmup + repeats):
        for backend, run in runners.items():
            start = time.perf_counter()
            run(*inputs)
            elapsed = time.perf_counter() - start
            if index >= warmup:
                times[backend].append(elapsed * 1e3)
    return {backend: statistics.median(samples) for backend, samples in times.items()}


def _first_line(error) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def _progress(message):
    print(f"kiln-bench: {message}", file=sys.stderr, flush=True)
