"""Kiln's bufferized kernels as Triton kernels: :func:`lower_kernel`.

A kernel (a ``kiln.kernel`` ``func.func`` of ``linalg.generic`` and ``memref.copy`` ops
on memref arguments, after ``kiln-bufferize`` and ``kiln-plan-memory``) becomes a list of
:class:`TritonLaunch` es; running them in order on the kernel's buffers equals running
the kernel. Views are pointer arithmetic on the argument they view
(:mod:`.loop_nests`).

How nests become launches (:mod:`.launch_groups` has the legality rules):

1. A contraction with matmul-like maps (batch dims allowed) is a ``tl.dot`` kernel, with
   the fill before it and the elementwise nests after it that read its output fused in
   (:mod:`.dot_codegen`).
2. A run of nests that all start with the same parallel row dimension and include a
   reduction (softmax, layer_norm) is one launch with one program per row, which runs
   the nests in order with a barrier between them; per-row temporaries go through the
   scratch buffers the kernel already has.
3. Any other nest is a launch of its own: elementwise nests as a 1-D blocked loop over the
   flattened iteration space, reductions as blocks of outputs that step through the
   reduction in chunks (:mod:`.loop_codegen`). Convolutions take this path.

Block sizes and warp counts come from the shapes (:mod:`.block_sizes`). Offsets are
32-bit unless a buffer reaches past 2**31 elements. Ops the generator does not know
raise :class:`~kiln.compiler.diagnostics.CompileError` naming the op and its line.
"""

import re
from dataclasses import dataclass, field

from torch_mlir import ir

from ...diagnostics import CompileError
from .access_forms import largest_offset, linear_form, parameter
from .block_sizes import warps_for
from .dot_codegen import emit_contraction
from .launch_groups import ContractionGroup, Group, RowGroup, plan_groups
from .loop_codegen import emit_loop, is_empty
from .loop_nests import KernelLoops, LoopNest, read_kernel
from .triton_source import POINTER_TYPES, SourceWriter, function_source

INT32_LIMIT = 2 ** 31 - 1


@dataclass(frozen=True)
class TritonLaunch:
    """One Triton kernel launch of a Kiln kernel.

    ``source`` defines the ``@triton.jit`` function ``name``; it takes one pointer per
    entry of ``arguments`` (indices of the Kiln kernel's arguments, whose Triton pointer
    types are ``signature``), then the ``constexprs`` by name.
    """

    name: str
    source: str
    arguments: tuple[int, ...]
    signature: tuple[str, ...]
    grid: tuple[int, ...]
    num_warps: int
    constexprs: dict[str, int] = field(default_factory=dict)


def lower_kernel(kernel: ir.Operation) -> list[TritonLaunch]:
    """The Triton launches that together run ``kernel``, in order."""
    kernel_loops = read_kernel(kernel)
    for loop in kernel_loops.loops:
        _check_in_place(loop)
    launches = []
    for group in plan_groups(kernel_loops.loops):
        launch = _launch(group, kernel_loops, f"{_identifier(kernel_loops.name)}_{len(launches)}")
        if launch is not None:
            launches.append(launch)
    return launches


def _launch(group: Group, kernel: KernelLoops, name: str) -> TritonLaunch | None:
    loops = _loops_of(group)
    if all(is_empty(loop) for loop in loops):
        return None
    wide = any(largest_offset(access, loop.sizes) > INT32_LIMIT
               for loop in loops for access in loop.inputs + loop.outputs) \
        or any(buffer.largest_offset > INT32_LIMIT for loop in loops
               for buffer in loop.loaded_buffers)
    writer = SourceWriter()
    if isinstance(group, ContractionGroup):
        constexprs, programs, warps = emit_contraction(writer, group, wide)
    elif isinstance(group, RowGroup):
        constexprs, programs, warps = _emit_rows(writer, group, wide)
    else:
        emitted = emit_loop(writer, group.loop, {}, True, "", wide)
        constexprs, programs = emitted.constexprs, emitted.blocks
        warps = warps_for(emitted.tile)
    arguments = tuple(sorted(set().union(*(loop.arguments for loop in loops))))
    parameters = [parameter(a) for a in arguments] + [f"{c}: tl.constexpr" for c in constexprs]
    return TritonLaunch(
        name=name, source=function_source(name, parameters, writer.lines), arguments=arguments,
        signature=tuple(POINTER_TYPES[kernel.argument_types[a]] for a in arguments),
        grid=(programs,), num_warps=warps, constexprs=constexprs)


def _emit_rows(writer: SourceWriter, group: RowGroup, wide: bool):
    row = writer.assign("tl.program_id(0).to(tl.int64)" if wide else "tl.program_id(0)", "row")
    constexprs, tile = {}, 1
    for i, loop in enumerate(group.loops):
        if is_empty(loop):
            continue
        if i:
            writer.line("tl.debug_barrier()")  # the next nest reads what this row wrote
        emitted = emit_loop(writer, loop, {0: row}, False, str(i), wide)
        constexprs.update(emitted.constexprs)
        tile = max(tile, emitted.tile)
    return constexprs, group.rows, warps_for(tile)


def _loops_of(group: Group) -> list[LoopNest]:
    if isinstance(group, ContractionGroup):
        return ([group.fill] if group.fill else []) + [group.contraction] \
            + [e.loop for e in group.epilogues]
    if isinstance(group, RowGroup):
        return list(group.loops)
    return [group.loop]


def _check_in_place(loop: LoopNest) -> None:
    """Refuse a nest that reads a buffer it writes at another element: its blocks would
    race on a GPU."""
    rank = len(loop.sizes)
    for output in loop.outputs:
        form = linear_form(output, rank)
        for access in loop.inputs + loop.outputs:
            if access.argument == output.argument and (form is None
                                                       or linear_form(access, rank) != form):
                raise CompileError(
                    f"{loop.where}: {loop.op} reads kernel argument {output.argument} at other "
                    "elements than it writes; the CUDA target cannot run it in place")
        if output.argument in {buffer.argument for buffer in loop.loaded_buffers}:
            raise CompileError(
                f"{loop.where}: {loop.op} loads from kernel argument {output.argument}, which "
                "it writes; the CUDA target cannot run it in place")


def _identifier(name: str) -> str:
    return re.sub(r"\W", "_", name)
