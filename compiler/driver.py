"""Runs a program through every stage, timing each, dumping IR, and reporting failures.

Stages up to ``planned`` transform the whole module. Then the host function becomes the
runtime's host program, each kernel moves to a module of its own, and the later stages,
LLVM translation and code generation run per kernel; one shared object holds them all.

A failing stage writes the module it was given to a file and names the ``kiln-opt``
command that reproduces the failure.
"""

import dataclasses
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import torch
from torch_mlir import ir

from kiln import knobs, targets
from kiln.runtime import Executable, TensorSpec, output_tree
from kiln.runtime.errors import InternalCompilerError, KilnError
from kiln.runtime.host_program import Copy, Fallback, HostProgram, Launch, Prepack

from .artifacts.compile_cache import parameter_names
from .artifacts.host_program_builder import (STATE_COUNT_ATTR, TARGET_ATTR, extract_host_program,
                                             find_function, planned_unshared_bytes,
                                             share_identical_kernels, split_kernels)
from .conversion import kiln_to_linalg, torch_to_kiln  # noqa: F401  (registers passes)
from .diagnostics import CompileError, user_source_line
from .dialect import make_context
from .importer import export, import_program, state_tensors
from .ir.analysis import eager_peak_bytes_estimate
from .ir.walk import collect_ops, named
from .passes.pipeline import build_pass_manager
from .passes.stages import driver_stages
from .targets import Artifact, get_target
from .tools.emit_artifact import kernels_text

# Where kernels a target cannot run go, when its memory is host memory.
CPU_PARTITION = targets.CPU.name


def compile_program(fn, example_args: tuple, target: str = "cpu",
                    dump_ir: str | Path | None = None,
                    options: Mapping[str, object] | None = None) -> Executable:
    """Compile ``fn`` (a module or function) for the shapes and dtypes of ``example_args``.

    ``options`` holds the driver's own settings (``fallback``, a :class:`knobs.Knobs`
    field) and the target's options; the environment's ``KILN_*`` knobs are the defaults."""
    settings, target_options = knobs.with_options(knobs.current(), options or {})
    dump_dir = Path(dump_ir) if dump_ir else settings.dump_ir
    if dump_dir:
        dump_dir.mkdir(parents=True, exist_ok=True)
    timings = {}
    compiler = get_target(target, settings, target_options)
    passes = compiler.passes()
    stages = driver_stages(compiler.name, compiler.fusion, passes, settings.fallback)
    eager_estimate = None

    started = time.perf_counter()
    program, reads_layout = export(fn, tuple(example_args))
    context = make_context()
    with context, ir.Location.unknown():
        imported = import_program(program, context)
        module, entry_point = imported.module, imported.function_name
        find_function(module, entry_point).attributes[STATE_COUNT_ATTR] = ir.IntegerAttr.get(
            ir.IntegerType.get_signless(64), len(imported.state_names))
        timings["torch"] = time.perf_counter() - started
        _dump(dump_dir, 0, "torch", module)
        for index, stage in enumerate(stages, start=1):
            started = time.perf_counter()
            _run_stage(stage, module, context, settings)
            timings[stage.name] = time.perf_counter() - started
            _dump(dump_dir, index, stage.name, module)
            if index == 1:  # the kiln stage: ops as eager would run them, before fusion
                eager_estimate = eager_peak_bytes_estimate(find_function(module, entry_point))
            if index == 2:  # the fused stage: each kernel placed on a target
                _check_capabilities(module, compiler)

        started = time.perf_counter()
        unshared_bytes = planned_unshared_bytes(find_function(module, entry_point))
        host_program = extract_host_program(module, entry_point, len(imported.state_names),
                                            imported.user_input_count + len(imported.random_draws))
        kernels, host_program = share_identical_kernels(split_kernels(module), host_program)
        timings["host_program"] = time.perf_counter() - started
        artifact, cpu_binary = _compile_kernels(compiler, passes.kernel_stages, kernels,
                                                host_program, len(stages), settings, dump_dir,
                                                timings)
    timings.update(artifact.timings)
    binary, host_program = artifact.binary, artifact.host_program

    state = state_tensors(program, imported.state_names)
    names = parameter_names(fn, len(example_args))
    outputs = [_spec_of(f"result{i}", t) for i, t in enumerate(imported.result_examples)]
    tensor_inputs = [(name, arg) for name, arg in zip(names, example_args)
                     if isinstance(arg, torch.Tensor)]
    steps = host_program.steps
    executable = Executable(
        target=target, host_program=host_program, binary=binary, state=state,
        inputs=[_spec_of(name, arg, with_layout=reads_layout) for name, arg in tensor_inputs],
        outputs=outputs, output_tree=output_tree.dumps(program.call_spec.out_spec),
        mutations=list(imported.mutations), scalar_inputs=list(imported.scalar_inputs),
        constant_outputs=list(imported.constant_outputs), scalar_outputs=list(imported.scalar_outputs),
        random_draws=list(imported.random_draws), bounded_outputs=list(imported.bounded_outputs),
        cpu_binary=cpu_binary,
        stats={
            "kernels": sum(isinstance(step, Launch) for step in steps),
            "distinct_kernels": len(kernels),
            "cpu_kernels": sum(step.device == CPU_PARTITION for step in steps
                               if isinstance(step, (Launch, Prepack))),
            "prepacked_weights": sum(isinstance(step, Prepack) for step in steps),
            "copies": sum(isinstance(step, Copy) for step in steps),
            "fallbacks": [{"op": step.op, "where": step.where, "reason": step.reason}
                          for step in steps if isinstance(step, Fallback)],
            "arena_bytes": host_program.arena_bytes,
            "eager_peak_bytes_estimate": eager_estimate,
            "unshared_bytes": unshared_bytes,
            "compile_seconds": timings,
            "state_names": list(imported.state_names),
        },
    )
    if isinstance(fn, torch.nn.Module):
        executable.follow_module(fn, list(imported.state_names))
    return executable


def _compile_kernels(compiler, kernel_stages: tuple, kernels: dict[str, ir.Module],
                     host_program: HostProgram, stage_count: int, settings: knobs.Knobs,
                     dump_dir: Path | None, timings: dict) -> tuple[Artifact, bytes]:
    """Run each kernel through the stages of the target ``kiln-fuse`` placed it on and
    emit the artifacts: the target's, and the CPU's shared object of the kernels the
    target could not run (empty when there are none)."""
    partitions = _partitioned(kernels, compiler.name)
    kernel_stages = {compiler.name: kernel_stages}
    cpu = None
    if CPU_PARTITION in partitions and compiler.name != CPU_PARTITION:
        cpu = get_target(CPU_PARTITION, settings)
        kernel_stages[CPU_PARTITION] = cpu.passes().kernel_stages
        host_program = _launched_on(host_program, partitions[CPU_PARTITION])
    for name, partition in partitions.items():
        for index, stage in enumerate(kernel_stages[name], start=stage_count + 1):
            started = time.perf_counter()
            for kernel in partition.values():
                _run_stage(stage, kernel, kernel.context, settings)
            timings[stage.name] = timings.get(stage.name, 0.0) + time.perf_counter() - started
            _dump(dump_dir, index, stage.name if name == compiler.name else f"{stage.name}-{name}",
                  partition)

    _check_kernel_arities(kernels, host_program, settings)
    last_index = stage_count + max(map(len, kernel_stages.values()))

    def dump(file_name: str, text: str) -> None:
        if dump_dir:
            (dump_dir / f"{last_index + 1}-{file_name}").write_text(text)

    artifact = _emit_artifact(compiler, partitions.get(compiler.name, {}), host_program, dump,
                              settings)
    if cpu is None:
        return artifact, b""
    cpu_artifact = _emit_artifact(cpu, partitions[CPU_PARTITION], artifact.host_program,
                                  lambda file_name, text: dump(f"cpu-{file_name}", text), settings)
    return artifact, cpu_artifact.binary


def _partitioned(kernels: dict[str, ir.Module], target: str) -> dict[str, dict[str, ir.Module]]:
    """The kernels by the target ``kiln-fuse`` placed them on (``kiln.target``)."""
    partitions: dict[str, dict[str, ir.Module]] = {}
    for name, module in kernels.items():
        function = find_function(module, name)
        placed = (ir.StringAttr(function.attributes[TARGET_ATTR]).value
                  if TARGET_ATTR in function.attributes else target)
        partitions.setdefault(placed, {})[name] = module
    return partitions


def _launched_on(program: HostProgram, kernels: dict[str, ir.Module]) -> HostProgram:
    """``program`` with the launches of ``kernels`` marked to run on the CPU device."""
    steps = tuple(dataclasses.replace(step, device=CPU_PARTITION)
                  if isinstance(step, (Launch, Prepack)) and step.kernel in kernels else step
                  for step in program.steps)
    return dataclasses.replace(program, steps=steps)


def _check_kernel_arities(kernels: dict[str, ir.Module], program,
                          settings: knobs.Knobs) -> None:
    """Stop at a kernel whose lowered signature is not one pointer per launch argument:
    an internal error, with the lowered kernels saved for ``kiln-opt``.

    The runtime passes each buffer as one bare pointer; MLIR keeps a memref descriptor
    (pointers, offset, sizes, strides) for a memref it cannot pass bare, and calling such
    a kernel with bare pointers would read garbage addresses.
    """
    arity = {step.kernel: len(step.args) for step in program.steps
             if isinstance(step, (Launch, Prepack))}
    for name, module in kernels.items():
        function = next(op for op in module.body.operations
                        if "sym_name" in op.attributes
                        and ir.StringAttr(op.attributes["sym_name"]).value == name)
        parameters = len(function.regions[0].blocks[0].arguments)
        if parameters != arity[name]:
            saved = _save_reproducer("kernels", kernels_text(kernels), settings)
            raise InternalCompilerError(
                f"internal compiler error: kernel '{name}' was lowered with {parameters} "
                f"parameters for {arity[name]} buffers: one of its buffers cannot be passed "
                "as a bare pointer. This is a bug in Kiln; ops on zero-size tensors, the "
                "usual cause, should have run on the host. The lowered kernels are saved; "
                f"print them, with kernel '{name}''s signature, with:\n"
                f"  kiln-opt {saved} --split-input-file", reproducer=saved)


def _check_capabilities(module: ir.Module, compiler) -> None:
    """Refuse a kernel op, or an element type, that the target says it cannot run (one
    that ``kiln-fuse`` left on the target because it cannot partition to the CPU)."""
    capabilities = compiler.capabilities
    for kernel in collect_ops(module.operation, named("kiln.kernel")):
        if ir.StringAttr(kernel.attributes["target"]).value != compiler.name:
            continue
        for op in kernel.regions[0].blocks[0].operations:
            problem = capabilities.refusal(op)
            if problem is None:
                continue
            where = user_source_line(op.location) or str(op.location)
            raise CompileError(f"{where}: target '{compiler.name}' {problem}; compile this "
                               "program for another target")


def _emit_artifact(compiler, kernels: dict[str, ir.Module], host_program, dump,
                   settings: knobs.Knobs):
    """The target's artifact; a failure inside it (LLVM translation, code generation, a
    linker) saves the kernels to a new file and names the command that reproduces it."""
    try:
        return compiler.emit_artifact(kernels, host_program, dump)
    except KilnError:
        raise
    except Exception as error:  # a crash in code generation: Kiln's bug, not a refusal
        name = _save_reproducer("artifact", kernels_text(kernels), settings)
        raise InternalCompilerError(
            f"internal compiler error: emitting the {compiler.name} artifact failed: "
            f"{type(error).__name__}: {error}\n"
            "This is a bug in Kiln. The kernels are saved; reproduce with:\n"
            f"  python -m kiln.compiler.tools.emit_artifact {name} --target {compiler.name}",
            reproducer=name) from None


def _run_stage(stage, module: ir.Module, context: ir.Context, settings: knobs.Knobs) -> None:
    """Run one stage. A pass that refuses the program (a :class:`KilnError`) has its
    error raised as it is; any other failure, from MLIR or from inside a pass, is an
    :class:`InternalCompilerError` that saves the stage's input to a new file and names
    the ``kiln-opt`` command that reproduces it."""
    before = module.operation.get_asm(enable_debug_info=True)
    pass_manager, failures = build_pass_manager(stage.pipeline, context)
    try:
        pass_manager.run(module.operation)
    except KilnError:
        raise
    except Exception as error:  # MLIRError, or any exception a Python pass let escape
        if failures.errors:
            raise failures.errors[0] from None
        name = _save_reproducer(stage.name, before, settings)
        reason = str(error) if isinstance(error, ir.MLIRError) else f"{type(error).__name__}: {error}"
        raise InternalCompilerError(
            f"internal compiler error: stage '{stage.name}' failed: {reason}\n"
            f"This is a bug in Kiln. The input to the stage is saved; reproduce with:\n"
            f"  kiln-opt {name} --pass-pipeline='{stage.pipeline}'", reproducer=name
        ) from None


def _save_reproducer(stage: str, text: str, settings: knobs.Knobs) -> str:
    """Write what a failing ``stage`` was given to a new, uniquely named file; its path."""
    handle, name = tempfile.mkstemp(prefix=f"kiln-reproducer-{stage}-", suffix=".mlir",
                                    dir=settings.reproducer_dir)
    with os.fdopen(handle, "w") as reproducer:
        reproducer.write(text)
    return name


def _dump(directory: Path | None, index: int, stage: str,
          modules: ir.Module | dict[str, ir.Module]) -> None:
    """Write ``<index>-<stage>.mlir``: the module, or each kernel's split as kiln-opt reads."""
    if not directory:
        return
    text = str(modules) if isinstance(modules, ir.Module) else kernels_text(modules)
    (directory / f"{index}-{stage}.mlir").write_text(text)


def _spec_of(name: str, tensor: torch.Tensor, with_layout: bool = False) -> TensorSpec:
    layout = (tuple(tensor.stride()), tensor.storage_offset()) if with_layout else None
    return TensorSpec(name, tuple(tensor.shape), str(tensor.dtype).removeprefix("torch."), layout)
