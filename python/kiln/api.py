"""``kiln.compile``: the ML engineer's front door."""

import importlib.util
import time
from collections.abc import Mapping
from pathlib import Path

from kiln import knobs
from kiln.runtime.errors import KilnError


def compile(module_or_fn, *example_args, target: str = "cpu", dump_ir: str | Path | None = None,
            options: Mapping[str, object] | None = None):
    """Compile a ``torch.nn.Module`` or function for the shapes and dtypes of ``example_args``.

    Returns a callable :class:`kiln.runtime.Executable` that takes and returns torch
    tensors. Parameters and buffers are passed to the compiled code as arguments, read
    from the module at every call. ``target`` names a registered target
    (``kiln.targets.available()``: ``cpu``, ``cuda``, ``cuda-interpreter`` and any
    installed plug-in); ops Kiln does not compile run through torch (``KILN_FALLBACK``).
    ``dump_ir=DIR`` writes each stage's IR to ``DIR/<index>-<stage>.mlir`` (and the
    target's final forms, such as the CPU's ``<index>-llvm.ll``).

    ``options`` overrides the ``KILN_*`` environment for this compile: the driver's
    ``fallback`` and ``cache`` (bools), and the target's own options (the CPU's
    ``opt_level`` and ``fusion``, the CUDA target's ``capability`` and ``fusion``); an
    unknown option is a :class:`kiln.KilnError` that lists the target's.

    The compile cache answers first, so a hit imports neither the compiler nor MLIR;
    ``stats["cache"]`` says "hit", "miss" or "off" (disabled, dumping IR, or a program
    the cache cannot fingerprint).
    """
    started = time.perf_counter()
    _require_the_compiler()
    options = dict(options or {})
    settings, target_options = knobs.with_options(knobs.current(), options)
    cache = key = None
    if not (dump_ir or settings.dump_ir) and settings.cache:
        from kiln.compiler.artifacts.compile_cache import open_cache, parameter_names

        cache = open_cache(settings)
        names = parameter_names(module_or_fn, len(example_args))
        key = cache.key(module_or_fn, example_args, target, names, settings, target_options)
        cached = key and cache.lookup(key, module_or_fn, started)
        if cached:
            return cached
    from kiln.compiler.driver import compile_program  # imports MLIR: only on a miss

    executable = compile_program(module_or_fn, example_args, target=target, dump_ir=dump_ir,
                                 options=options)
    executable.stats["cache"] = "miss" if key else "off"
    if key:
        cache.store(key, executable, module_or_fn)
    return executable


def _require_the_compiler() -> None:
    """A clear error where only the runtime is installed (``pip install kiln``), which
    loads saved programs but cannot compile."""
    missing = [name for name in ("torch_mlir", "llvmlite") if importlib.util.find_spec(name) is None]
    if missing:
        raise KilnError(f"kiln.compile needs Kiln's compiler, which is not installed here "
                        f"({', '.join(missing)} missing): pip install 'kiln[compiler]'. "
                        "This installation can only run saved programs (kiln.load).")
