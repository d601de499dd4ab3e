"""Runs a program through every stage, timing each, dumping IR, and reporting failures.

A failing stage writes the module it was given to a file and names the ``kiln-opt``
command that reproduces the failure.
"""

import inspect
import time
from pathlib import Path

import torch
from torch.utils import _pytree as pytree
from torch_mlir import ir

from kiln import knobs
from kiln.runtime import Executable, TensorSpec
from kiln.runtime.errors import KilnError

from .conversion import kiln_to_linalg, torch_to_kiln  # noqa: F401  (registers passes)
from .diagnostics import CompileError
from .dialect import make_context
from .importer import export, import_program, state_tensors
from .pass_pipeline import build_pass_manager
from .targets import get_target
from .targets.llvm_translation import translate_to_llvm_ir


def compile_program(fn, example_args: tuple, target: str = "cpu",
                    dump_ir: str | Path | None = None) -> Executable:
    """Compile ``fn`` (a module or function) for the shapes and dtypes of ``example_args``."""
    settings = knobs.current()
    dump_dir = Path(dump_ir) if dump_ir else settings.dump_ir
    if dump_dir:
        dump_dir.mkdir(parents=True, exist_ok=True)
    timings = {}
    compiler = get_target(target)

    started = time.perf_counter()
    program = export(fn, tuple(example_args))
    context = make_context()
    with context, ir.Location.unknown():
        imported = import_program(program, context)
        timings["torch"] = time.perf_counter() - started
        _dump(dump_dir, 0, "torch", imported.module)
        for index, stage in enumerate(compiler.stages(), start=1):
            started = time.perf_counter()
            _run_stage(stage, imported.module, context, settings)
            timings[stage.name] = time.perf_counter() - started
            _dump(dump_dir, index, stage.name, imported.module)
        started = time.perf_counter()
        llvm_ir = translate_to_llvm_ir(imported.module)
    if dump_dir:
        (dump_dir / f"{len(compiler.stages()) + 1}-llvm.ll").write_text(llvm_ir)
    binary = compiler.emit_artifact(llvm_ir, settings.opt_level)
    timings["artifact"] = time.perf_counter() - started

    state = state_tensors(program, imported.state_names)
    names = _parameter_names(fn, len(example_args))
    outputs = [_spec_of(f"result{i}", t) for i, t in enumerate(_output_values(program))]
    return Executable(
        target=target, entry_point=imported.function_name, binary=binary, state=state,
        inputs=[_spec_of(name, arg) for name, arg in zip(names, example_args)],
        outputs=outputs, output_tree=pytree.treespec_dumps(program.call_spec.out_spec),
        stats={"kernels": 1, "compile_seconds": timings},
    )


def _run_stage(stage, module: ir.Module, context: ir.Context, settings: knobs.Knobs) -> None:
    before = module.operation.get_asm(enable_debug_info=True)
    pass_manager, failures = build_pass_manager(stage.pipeline, context)
    try:
        pass_manager.run(module.operation)
    except ir.MLIRError as error:
        if failures.errors and isinstance(failures.errors[0], KilnError):
            raise failures.errors[0] from None
        reproducer = settings.reproducer_dir / f"kiln-reproducer-{stage.name}.mlir"
        reproducer.write_text(before)
        raise CompileError(
            f"stage '{stage.name}' failed: {error}\n"
            f"The input to the stage is saved; reproduce with:\n"
            f"  kiln-opt {reproducer} --pass-pipeline='{stage.pipeline}'"
        ) from None


def _dump(directory: Path | None, index: int, stage: str, module: ir.Module) -> None:
    if directory:
        (directory / f"{index}-{stage}.mlir").write_text(str(module))


def _parameter_names(fn, count: int) -> list[str]:
    """The user's names for the positional arguments, for error messages."""
    target = fn.forward if isinstance(fn, torch.nn.Module) else fn
    try:
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    named = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return (named + [f"arg{i}" for i in range(len(named), count)])[:count]


def _output_values(program) -> list:
    output_node = next(n for n in program.graph.nodes if n.op == "output")
    return [node.meta["val"] for node in output_node.args[0]]


def _spec_of(name: str, tensor: torch.Tensor) -> TensorSpec:
    return TensorSpec(name, tuple(tensor.shape), str(tensor.dtype).removeprefix("torch."))
