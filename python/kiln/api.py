"""``kiln.compile``: the ML engineer's front door."""

from pathlib import Path


def compile(module_or_fn, *example_args, target: str = "cpu", dump_ir: str | Path | None = None):
    """Compile a ``torch.nn.Module`` or function for the shapes and dtypes of ``example_args``.

    Returns a callable :class:`kiln.runtime.Executable` that takes and returns torch
    tensors. Parameters and buffers are passed to the compiled code as arguments, read
    from the module at every call. ``dump_ir=DIR`` writes each stage's IR to
    ``DIR/<index>-<stage>.mlir`` (and the final LLVM IR to ``<index>-llvm.ll``).
    """
    from kiln.compiler.driver import compile_program  # keeps `import kiln` compiler-free

    return compile_program(module_or_fn, example_args, target=target, dump_ir=dump_ir)
