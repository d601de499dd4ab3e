"""``kiln.compile``: the ML engineer's front door."""

import time
from pathlib import Path

from kiln import knobs


def compile(module_or_fn, *example_args, target: str = "cpu", dump_ir: str | Path | None = None):
    """Compile a ``torch.nn.Module`` or function for the shapes and dtypes of ``example_args``.

    Returns a callable :class:`kiln.runtime.Executable` that takes and returns torch
    tensors. Parameters and buffers are passed to the compiled code as arguments, read
    from the module at every call. ``dump_ir=DIR`` writes each stage's IR to
    ``DIR/<index>-<stage>.mlir`` (and the final LLVM IR to ``<index>-llvm.ll``).

    The compile cache answers first, so a hit imports neither the compiler nor MLIR.
    """
    cached = _cache_hit(module_or_fn, example_args, target, dump_ir)
    if cached:
        return cached
    from kiln.compiler.driver import compile_program  # imports MLIR: only on a miss

    return compile_program(module_or_fn, example_args, target=target, dump_ir=dump_ir)


def _cache_hit(fn, example_args: tuple, target: str, dump_ir: str | Path | None):
    """The compile cache's executable for this compilation, or None if it must compile."""
    started = time.perf_counter()
    settings = knobs.current()
    if dump_ir or settings.dump_ir or not settings.cache:
        return None
    from kiln.compiler.compile_cache import open_cache, parameter_names

    cache = open_cache(settings)
    key = cache.key(fn, example_args, target, parameter_names(fn, len(example_args)), settings)
    return key and cache.lookup(key, fn, started)
