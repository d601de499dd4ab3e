"""The ``kiln-plan-memory`` pass: every intermediate buffer becomes a view into one arena."""

import sys
from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import arith, func, memref

from ..ir.byte_sizes import byte_size
from ..diagnostics import InvalidIRError
from ..artifacts.host_program_builder import PERSISTENT_ATTR, UNSHARED_BYTES_ATTR
from ..ir.kernel_arguments import append_kernel_arguments
from ..ir.linalg_queries import reduction_dims
from ..passes.registry import register_pass

ALIGNMENT = 64
# On a kernel: the positions of its arguments that were scratch allocations.
SCRATCH_ATTR = "kiln.scratch_args"
VIEW_OPS = ("memref.collapse_shape", "memref.expand_shape")
HOST_OPS = (
    "memref.alloc",
    "memref.dealloc",
    "memref.copy",
    "func.call",
    "func.return",
    "arith.constant",
    *VIEW_OPS,
)


class MemoryPlanError(InvalidIRError):
    """The bufferized program has a form that ``kiln-plan-memory`` cannot plan."""

    def __init__(self, message: str, location: ir.Location):
        super().__init__(f"kiln-plan-memory: {message}", location)


@dataclass
class Slot:
    """Bytes ``[offset, offset + size)`` of the arena, busy during ops ``first..last``.

    A buffer and the buffers that write in place into it share one slot.
    """

    size: int
    first: int
    last: int
    offset: int = 0

    def overlaps_in_time(self, other: "Slot") -> bool:
        return self.first <= other.last and other.first <= self.last


@dataclass
class Buffer:
    """A host ``memref.alloc``: its byte size, live range (host op indices) and slot."""

    id: int
    alloc: ir.Operation
    size: int
    first: int
    last: int
    slot: Slot
    in_place_of: "Buffer | None" = None


@register_pass
@dataclass
class PlanMemory:
    """Place every intermediate buffer of the host function in one arena, by liveness.

    Runs on the bufferized module: a host function that allocates buffers and calls
    private ``kiln.kernel`` functions. In order:

    1. Top-level static ``memref.alloc``s in a kernel (scratch) become trailing kernel
       arguments; each call site passes a new host alloc, so they are planned too.
    2. ``memref.copy %buf, %out`` into an out-parameter used by nothing else, where
       ``%buf`` is a host alloc (or a reshape view of one) not used after the copy,
       is elided: the producer writes straight into ``%out``.
    3. A buffer is live from the first to the last host op that uses it or a view of it.
    4. At a call to a pure elementwise kernel (one all-parallel ``linalg.generic`` with
       one identity-mapped output), an output buffer born there takes the slot of an
       input buffer of the same byte size that is read with an identity map and dies
       there (in-place update).
    5. Offsets are greedy: slots by decreasing size, each at the lowest 64-byte-aligned
       offset that does not collide with a slot whose live range overlaps its own.
    6. The function gets one 64-byte-aligned ``i8`` arena; each alloc becomes a
       ``memref.view`` into it with a ``kiln.buffer`` attribute (``live`` numbers are
       host op indices after steps 1-2); ``kiln.arena_bytes`` and
       ``kiln.unshared_bytes`` (the sum of all buffer sizes) go on the function.

        %a = memref.alloc() : memref<4x8xf32>
        call @k0(%x, %a) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
        %b = memref.alloc() : memref<4x8xf32>
        call @k1(%a, %b) : (memref<4x8xf32>, memref<4x8xf32>) -> ()   // @k1 is elementwise
      becomes
        %arena = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<128xi8>
        %c0 = arith.constant 0 : index
        %a = memref.view %arena[%c0][] {kiln.buffer = {id = 0 : i64, live = array<i64: 1, 3>,
            offset = 0 : i64, size = 128 : i64}} : memref<128xi8> to memref<4x8xf32>
        ...
        %b = memref.view %arena[%c0_0][] {kiln.buffer = {id = 1 : i64, in_place_of = 0 : i64,
            live = array<i64: 3, 3>, offset = 0 : i64, size = 128 : i64}} : ...
    """

    argument: ClassVar[str] = "kiln-plan-memory"
    print_plan: bool = False

    def run(self, module: ir.Operation) -> None:
        with module.context:
            self.plan_module(module)

    def plan_module(self, module: ir.Operation) -> None:
        functions = [
            op for op in module.regions[0].blocks[0].operations if op.operation.name == "func.func"
        ]
        kernels = {fn.sym_name.value: fn for fn in functions  # a declaration is no kernel to plan
                   if "kiln.kernel" in fn.attributes and len(fn.regions[0].blocks)}
        hosts = [
            fn for fn in functions if fn.sym_name.value not in kernels and len(fn.regions[0].blocks)
        ]
        for host in hosts:
            check_host(host)
        calls: dict[str, list[ir.Operation]] = {}
        for host in hosts:
            for op in host.regions[0].blocks[0].operations:
                if op.operation.name == "func.call":
                    calls.setdefault(op.attributes["callee"].value, []).append(op)
        for name, kernel in kernels.items():
            lift_scratch(kernel, calls.get(name, []))
        for host in hosts:
            block = host.regions[0].blocks[0]
            erase_deallocs(block)
            elide_output_copies(block)
            buffers = plan(block, kernels)
            arena_bytes = assign_offsets(list({id(b.slot): b.slot for b in buffers}.values()))
            rewrite(host, buffers, arena_bytes)
            if self.print_plan:
                sys.stderr.write(plan_table(host.sym_name.value, buffers, arena_bytes))


def check_host(host: func.FuncOp) -> None:
    """Raise unless ``host`` is one block of the ops this pass knows, with static allocs."""
    name = host.sym_name.value
    if len(host.regions[0].blocks) != 1:
        raise MemoryPlanError(
            f"host function @{name} has several blocks; expected one straight-line block",
            host.location,
        )
    for op in host.regions[0].blocks[0].operations:
        if op.operation.name not in HOST_OPS:
            raise MemoryPlanError(
                f"host function @{name} contains '{op.operation.name}'; the host may only allocate, reshape, "
                "copy and call kernels, so move this op into a kiln.kernel function",
                op.location,
            )
        if op.operation.name == "memref.alloc":
            check_plannable(op, f"host function @{name}")
        if op.operation.name == "func.return" and any(is_alloc(root_of(v)) for v in op.operands):
            raise MemoryPlanError(
                f"host function @{name} returns a buffer it allocates, which a later call would "
                "overwrite; run buffer-results-to-out-params first",
                op.location,
            )


def check_plannable(alloc: ir.Operation, where: str) -> None:
    """Raise unless ``alloc`` has a static shape, identity layout, default memory space
    and an integer, float or index element type."""
    kind: ir.MemRefType = alloc.result.type
    if not isinstance(kind.element_type, (ir.IntegerType, ir.FloatType, ir.IndexType)):
        raise MemoryPlanError(
            f"{where} allocates {kind}; only integer, float and index buffers can be planned",
            alloc.location,
        )
    if not kind.has_static_shape or len(alloc.operands):
        raise MemoryPlanError(
            f"{where} allocates {kind} with a dynamic shape; memory planning needs static shapes "
            "(compile with static example shapes)",
            alloc.location,
        )
    if kind.affine_map != ir.AffineMap.get_identity(kind.rank) or kind.memory_space is not None:
        raise MemoryPlanError(
            f"{where} allocates {kind} with a layout or memory space; only plain row-major "
            "buffers can be planned",
            alloc.location,
        )


def lift_scratch(kernel: func.FuncOp, calls: list[ir.Operation]) -> None:
    """Turn the kernel's top-level allocs into trailing arguments fed by host allocs at ``calls``."""
    block = kernel.regions[0].blocks[0]
    scratch = [op for op in block.operations if op.operation.name == "memref.alloc"]
    if not scratch:
        return
    for alloc in scratch:
        check_plannable(alloc, f"kernel @{kernel.sym_name.value}")
    first_scratch = len(block.arguments)
    types = [alloc.result.type for alloc in scratch]
    arguments = append_kernel_arguments(
        kernel, [(kind, alloc.location) for kind, alloc in zip(types, scratch)], calls,
        lambda call: [memref.AllocOp(kind, [], []).result for kind in types])
    for alloc, argument in zip(scratch, arguments):
        for dealloc in [
            use.owner for use in alloc.result.uses if use.owner.operation.name == "memref.dealloc"
        ]:
            dealloc.erase()
        alloc.result.replace_all_uses_with(argument)
        alloc.erase()
    kernel.attributes[SCRATCH_ATTR] = ir.DenseI64ArrayAttr.get(
        list(range(first_scratch, len(block.arguments))))


def root_of(value: ir.Value) -> ir.Value:
    """The value under a chain of reshape views."""
    while isinstance(value, ir.OpResult) and value.owner.operation.name in VIEW_OPS:
        value = value.owner.operands[0]
    return value


def users(value: ir.Value) -> list[ir.Operation]:
    """The ops that use ``value`` or a reshape view of it, views included."""
    found = []
    for use in value.uses:
        found.append(use.owner.operation)
        if use.owner.operation.name in VIEW_OPS:
            found += users(use.owner.results[0])
    return found


def is_alloc(value: ir.Value) -> bool:
    return isinstance(value, ir.OpResult) and value.owner.operation.name == "memref.alloc"


def erase_deallocs(block: ir.Block) -> None:
    """Erase deallocs of host buffers: the arena outlives them all."""
    for op in list(block.operations):
        if op.operation.name == "memref.dealloc":
            if not is_alloc(root_of(op.operands[0])):
                raise MemoryPlanError(
                    "memref.dealloc of a buffer the host did not allocate", op.location
                )
            op.erase()


def elide_output_copies(block: ir.Block) -> None:
    """Make producers write straight into out-parameters instead of copying into them."""
    for copy in [op for op in block.operations if op.operation.name == "memref.copy"]:
        source, out = copy.operands
        buffer = root_of(source)
        out_parameter = isinstance(out, ir.BlockArgument) and len(list(out.uses)) == 1
        if not (out_parameter and out.type == source.type and is_alloc(buffer)):
            continue
        index = {op.operation: i for i, op in enumerate(block.operations)}
        if any(index[user] > index[copy.operation] for user in users(buffer)):
            continue  # still read later, or copied to a second output as well
        views = []
        while source != buffer:
            views.append(source.owner)
            source = source.owner.operands[0]
        alloc = buffer.owner
        with ir.InsertionPoint(alloc), alloc.location:
            replacement = out
            for view in views:  # outermost first: undo each reshape on the out-parameter
                original = view.operands[0].type
                reassociation = view.attributes["reassociation"]
                if view.operation.name == "memref.collapse_shape":
                    replacement = memref.ExpandShapeOp(
                        original, replacement, reassociation, [], original.shape
                    ).result
                else:
                    replacement = memref.CollapseShapeOp(
                        original, replacement, reassociation
                    ).result
        buffer.replace_all_uses_with(replacement)
        copy.erase()
        for view in views:
            if not len(list(view.results[0].uses)):
                view.erase()
        alloc.erase()


def plan(block: ir.Block, kernels: dict[str, func.FuncOp]) -> list[Buffer]:
    """The block's buffers with live ranges and slots; in-place outputs share their input's slot."""
    ops = list(block.operations)
    index = {op.operation: i for i, op in enumerate(ops)}
    buffers: dict[ir.Operation, Buffer] = {}
    for i, op in enumerate(ops):
        if op.operation.name == "memref.alloc" and PERSISTENT_ATTR not in op.attributes:
            size = byte_size(op.result.type)
            live = [index[user] for user in users(op.result)] or [i]
            slot = Slot(size, min(live), max(live))
            buffers[op.operation] = Buffer(len(buffers), op, size, slot.first, slot.last, slot)
    for i, op in enumerate(ops):
        roles = op.operation.name == "func.call" and elementwise_roles(
            kernels.get(op.attributes["callee"].value)
        )
        if roles:
            place_in_place(i, op, roles, buffers)
    return list(buffers.values())


def place_in_place(
    i: int, call: ir.Operation, roles: list[str], buffers: dict[ir.Operation, Buffer]
) -> None:
    """At elementwise call ``i``, give the output buffer born here the slot of an input
    buffer of the same size that dies here, if there is one."""
    roles_of: dict[int, set[str]] = {}  # buffer id -> roles of the kernel arguments it is passed as
    by_id = {b.id: b for b in buffers.values()}
    for operand, role in zip(call.operands, roles):
        root = root_of(operand)
        if is_alloc(root):
            roles_of.setdefault(buffers[root.owner.operation].id, set()).add(role)
    outputs = [
        by_id[n] for n, r in roles_of.items() if r - {"unused"} == {"out"} and by_id[n].first == i
    ]
    inputs = [
        by_id[n] for n, r in roles_of.items() if r - {"unused"} == {"in"} and by_id[n].last == i
    ]
    for output in outputs:
        for candidate in inputs:
            if candidate.size == output.size:
                output.in_place_of, output.slot = candidate, candidate.slot
                candidate.slot.last = output.last
                return


def elementwise_roles(kernel: func.FuncOp | None) -> list[str] | None:
    """Per kernel argument, ``in``/``out``/``unused``/``other`` if the kernel is one
    all-parallel ``linalg.generic`` with one identity-mapped output, else None.

    ``in``: only read by the generic, through identity maps; ``out``: the generic's output.
    """
    if kernel is None:
        return None
    body = [
        op
        for op in kernel.regions[0].blocks[0].operations
        if op.operation.name not in ("func.return", "arith.constant")
    ]
    if len(body) != 1 or body[0].operation.name != "linalg.generic":
        return None
    generic = body[0]
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    parallel = not reduction_dims(generic)
    identity = [m == ir.AffineMap.get_identity(m.n_dims) for m in maps]
    if not parallel or len(generic.outputs) != 1 or not identity[-1]:
        return None
    roles = []
    for argument in kernel.regions[0].blocks[0].arguments:
        kinds = set()
        for use in argument.uses:
            if use.owner.operation != generic.operation or not identity[use.operand_number]:
                kinds.add("other")
            else:
                kinds.add("in" if use.operand_number < len(generic.inputs) else "out")
        roles.append(kinds.pop() if len(kinds) == 1 else "other" if kinds else "unused")
    return roles


def align(n: int) -> int:
    return (n + ALIGNMENT - 1) // ALIGNMENT * ALIGNMENT


def assign_offsets(slots: list[Slot]) -> int:
    """Greedy placement, largest slot first, each at the lowest aligned offset that is free
    for its whole live range; returns the arena size."""
    placed: list[Slot] = []
    for slot in sorted(slots, key=lambda s: (-s.size, s.first)):
        slot.offset = 0
        for other in sorted(
            (p for p in placed if p.overlaps_in_time(slot)), key=lambda p: p.offset
        ):
            if slot.offset + slot.size <= other.offset:
                break
            slot.offset = max(slot.offset, align(other.offset + other.size))
        placed.append(slot)
    return align(max((s.offset + s.size for s in slots), default=0))


def rewrite(host: func.FuncOp, buffers: list[Buffer], arena_bytes: int) -> None:
    """Replace each planned alloc by a view of one arena allocated at the function's start."""
    i64 = ir.IntegerType.get_signless(64)
    host.attributes["kiln.arena_bytes"] = ir.IntegerAttr.get(i64, arena_bytes)
    host.attributes[UNSHARED_BYTES_ATTR] = ir.IntegerAttr.get(i64, sum(b.size for b in buffers))
    if not buffers:
        return
    block = host.regions[0].blocks[0]
    with ir.InsertionPoint.at_block_begin(block), host.location:
        arena = memref.AllocOp(
            ir.MemRefType.get([arena_bytes], ir.IntegerType.get_signless(8)),
            [],
            [],
            alignment=ALIGNMENT,
        )
        arena.attributes["kiln.arena"] = ir.UnitAttr.get()
    for buffer in buffers:
        record = {
            "id": ir.IntegerAttr.get(i64, buffer.id),
            "offset": ir.IntegerAttr.get(i64, buffer.slot.offset),
            "size": ir.IntegerAttr.get(i64, buffer.size),
            "live": ir.DenseI64ArrayAttr.get([buffer.first, buffer.last]),
        }
        if buffer.in_place_of is not None:
            record["in_place_of"] = ir.IntegerAttr.get(i64, buffer.in_place_of.id)
        alloc = buffer.alloc
        with ir.InsertionPoint(alloc), alloc.location:
            offset = arith.ConstantOp(ir.IndexType.get(), buffer.slot.offset)
            view = memref.ViewOp(alloc.result.type, arena.result, offset.result, [])
            view.attributes["kiln.buffer"] = ir.DictAttr.get(record)
        alloc.result.replace_all_uses_with(view.result)
        alloc.erase()


def plan_table(name: str, buffers: list[Buffer], arena_bytes: int) -> str:
    """The plan as text: one row per buffer."""
    unshared = sum(b.size for b in buffers)
    lines = [
        f"kiln-plan-memory: @{name}: arena {arena_bytes} bytes, {unshared} bytes without reuse",
        f"  {'buffer':<8}{'offset':>8}{'size':>10}  {'live':<12}in place of",
    ]
    for b in buffers:
        in_place = "" if b.in_place_of is None else str(b.in_place_of.id)
        live = f"[{b.first}, {b.last}]"
        lines.append(f"  {b.id:<8}{b.slot.offset:>8}{b.size:>10}  {live:<12}{in_place}".rstrip())
    return "\n".join(lines) + "\n"
