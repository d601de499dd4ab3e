"""The host function of a ``planned`` module → the runtime's host program; kernels split out.

After memory planning the entry function (the *host function*) only allocates the
arena, takes views of it, reshapes, launches kernels (``func.call`` of ``kiln.kernel``
functions) and copies::

    func.func @forward(%x: memref<4x8xf32>, %out: memref<4x8xf32>) {
      %arena = memref.alloc() {alignment = 64 : i64, kiln.arena} : memref<128xi8>
      %c0 = arith.constant 0 : index
      %t = memref.view %arena[%c0][] {kiln.buffer = {offset = 0 : i64, ...}} : ...
      call @forward_kernel_0(%x, %t) : (memref<4x8xf32>, memref<4x8xf32>) -> ()
      memref.copy %t, %out : memref<4x8xf32> to memref<4x8xf32>
      return
    }

:func:`extract_host_program` turns it into a :class:`HostProgram` (``launch
forward_kernel_0(input 0, arena[+0])``, ``copy 128 bytes arena[+0] -> output 0``) and
erases it, so only kernels are lowered to LLVM; :func:`split_kernels` then gives each
kernel a module of its own.
"""

import dataclasses

import torch
from torch_mlir import ir

from kiln.runtime.host_program import (BufferRef, Copy, Fallback, HostProgram, Launch, Prepack,
                                       TensorRef)

from ..ir.byte_sizes import byte_size, element_bytes
from ..diagnostics import InvalidIRError, user_source_line

KERNEL_ATTR = "kiln.kernel"
ARENA_ATTR = "kiln.arena"
BUFFER_ATTR = "kiln.buffer"
# On the host function: how many of its first arguments are parameters and buffers.
STATE_COUNT_ATTR = "kiln.state_count"
# On a kernel that packs a weight: the host runs it only when the weight changes.
PREPACK_ATTR = "kiln.prepack"
# On a kernel function: the target it runs on (kiln-fuse places each kernel).
TARGET_ATTR = "kiln.target"
# On the planned host function: the bytes its buffers would take without sharing the arena.
UNSHARED_BYTES_ATTR = "kiln.unshared_bytes"
# On a bodiless function that stands for an op the host runs through torch.
FALLBACK_ATTR = "kiln.fallback"
# On kiln.fallback, and in its function's FALLBACK_ATTR: the torch dtype of each operand,
# then each result, from before ui8 became i8 (a buffer's memref type does not tell them).
FALLBACK_DTYPES_ATTR = "dtypes"
# On a host alloc: a buffer that outlives the call (a weight's packed panels), not in the arena.
PERSISTENT_ATTR = "kiln.persistent"
# Ops a host function may hold; any other op is an error.
HOST_OPS = frozenset({
    "memref.alloc", "memref.dealloc", "memref.view", "memref.collapse_shape",
    "memref.expand_shape", "memref.copy", "arith.constant", "func.call", "func.return",
})
RESHAPE_OPS = frozenset({"memref.collapse_shape", "memref.expand_shape"})


def find_function(module: ir.Module, name: str) -> ir.Operation:
    """The ``func.func`` named ``name`` in ``module``; :class:`InvalidIRError` if none."""
    for op in module.body.operations:
        if op.operation.name == "func.func" and _symbol_name(op) == name:
            return op.operation
    raise InvalidIRError(f"the module has no function '{name}'")


def planned_unshared_bytes(function: ir.Operation) -> int:
    """The bytes ``kiln-plan-memory`` recorded on the host function; a clear error if the
    memory planner did not run (a target's passes must keep the driver's ``planned``)."""
    if UNSHARED_BYTES_ATTR not in function.attributes:
        raise InvalidIRError(f"host function '{_symbol_name(function)}' was not planned: "
                           f"{UNSHARED_BYTES_ATTR} is missing, so kiln-plan-memory did not run")
    return ir.IntegerAttr(function.attributes[UNSHARED_BYTES_ATTR]).value


def extract_host_program(module: ir.Module, entry_point: str, state_count: int,
                         input_count: int) -> HostProgram:
    """The host program of ``entry_point``, whose arguments are state, inputs, then outputs.

    Erases the host function from ``module``, leaving only kernels. Raises
    :class:`InvalidIRError` naming any op a host function may not hold, with its location.
    """
    function = find_function(module, entry_point)
    arguments = _argument_refs(function, state_count, input_count)
    functions = [op for op in module.body.operations if op.operation.name == "func.func"]
    kernels = {_symbol_name(op): PREPACK_ATTR in op.attributes for op in functions
               if KERNEL_ATTR in op.attributes}
    fallbacks = {_symbol_name(op): ir.DictAttr(op.attributes[FALLBACK_ATTR]) for op in functions
                 if FALLBACK_ATTR in op.attributes}
    program = _HostProgramBuilder(function, arguments, kernels, fallbacks).build()
    function.erase()
    return program


def _argument_refs(function: ir.Operation, state_count: int, input_count: int) -> list[BufferRef]:
    count = len(function.regions[0].blocks[0].arguments)
    if count < state_count + input_count:
        raise InvalidIRError(f"the entry function has {count} arguments; expected "
                           f"{state_count} state, {input_count} inputs and the outputs")
    return ([BufferRef("state", i) for i in range(state_count)]
            + [BufferRef("input", i) for i in range(input_count)]
            + [BufferRef("output", i) for i in range(count - state_count - input_count)])


class _HostProgramBuilder:
    """Walks one host function, mapping each buffer value to a :class:`BufferRef`."""

    def __init__(self, function: ir.Operation, arguments: list[BufferRef],
                 kernels: dict[str, bool], fallbacks: dict[str, ir.DictAttr]):
        self.function = function
        self.kernels = kernels  # name -> whether it packs a weight
        self.fallbacks = fallbacks  # name -> its kiln.fallback attribute
        blocks = function.regions[0].blocks
        if len(blocks) != 1:
            raise InvalidIRError(f"host function '{_symbol_name(function)}' must have one block")
        self.block = blocks[0]
        self.buffers: dict[ir.Value, BufferRef] = dict(zip(self.block.arguments, arguments))
        self.arena: ir.Value | None = None
        self.arena_bytes = 0
        self.persistent_bytes: list[int] = []
        self.steps: list[Launch | Prepack | Copy | Fallback] = []

    def build(self) -> HostProgram:
        for op in self.block.operations:
            name = op.operation.name
            if name not in HOST_OPS:
                raise self.error(op, f"unexpected op {name} in the host function; a host function "
                                     "only allocates, views, reshapes, launches kernels and copies")
            getattr(self, "visit_" + name.split(".")[1])(op)
        return HostProgram(self.arena_bytes, tuple(self.steps), tuple(self.persistent_bytes))

    def visit_alloc(self, op) -> None:
        if PERSISTENT_ATTR in op.attributes:
            self.buffers[op.results[0]] = BufferRef("persistent", len(self.persistent_bytes))
            self.persistent_bytes.append(self.size_of(op, op.results[0]))
            return
        if ARENA_ATTR not in op.attributes:
            raise self.error(op, "a buffer outside the arena; run kiln-plan-memory first")
        if self.arena is not None:
            raise self.error(op, "a host function has at most one arena")
        self.arena, self.arena_bytes = op.results[0], self.size_of(op, op.results[0])
        # A buffer that fills the arena (a 64-element int8 tensor in a 64-byte arena, or
        # any empty one in an empty arena) has the arena's type, so its view folds away.
        self.buffers[self.arena] = BufferRef("arena", 0)

    def visit_dealloc(self, op) -> None:
        if self.arena is None or op.operands[0] != self.arena:
            self.buffer(op, op.operands[0])

    def visit_constant(self, op) -> None:
        pass  # only feeds views' offsets

    def visit_view(self, op) -> None:
        source, byte_shift, *sizes = op.operands
        if source != self.arena or sizes:
            raise self.error(op, "memref.view must take a static view of the arena")
        if BUFFER_ATTR in op.attributes:
            offset = ir.IntegerAttr(ir.DictAttr(op.attributes[BUFFER_ATTR])["offset"]).value
        elif isinstance(byte_shift, ir.OpResult) \
                and byte_shift.owner.operation.name == "arith.constant":
            offset = ir.IntegerAttr(byte_shift.owner.attributes["value"]).value
        else:
            raise self.error(op, f"memref.view's offset must be a constant or in {BUFFER_ATTR}")
        self.buffers[op.results[0]] = BufferRef("arena", offset)

    def visit_collapse_shape(self, op) -> None:
        self.buffers[op.results[0]] = self.buffer(op, op.operands[0])

    visit_expand_shape = visit_collapse_shape

    def visit_call(self, op) -> None:
        callee = ir.FlatSymbolRefAttr(op.attributes["callee"]).value
        if callee in self.fallbacks:
            self.steps.append(self.fallback_step(op, self.fallbacks[callee]))
            return
        if callee not in self.kernels:
            raise self.error(op, f"the host function calls '{callee}', which is not a kernel")
        if len(op.results):
            raise self.error(op, f"kernel '{callee}' must return nothing")
        step = Prepack if self.kernels[callee] else Launch
        self.steps.append(step(callee, tuple(self.buffer(op, v) for v in op.operands)))

    def fallback_step(self, op, described: ir.DictAttr) -> Fallback:
        """The step that runs a fallback op; its inputs lead the call's operands."""
        dtypes = self.fallback_dtypes(op, described)
        tensors = [TensorRef(self.buffer(op, v), tuple(v.type.shape), dtype)
                   for v, dtype in zip(op.operands, dtypes)]
        inputs = ir.IntegerAttr(described["inputs"]).value
        return Fallback(
            op=ir.StringAttr(described["op"]).value, call=ir.StringAttr(described["call"]).value,
            args=tuple(tensors[:inputs]), results=tuple(tensors[inputs:]),
            reason=ir.StringAttr(described["reason"]).value,
            where=user_source_line(op.location) or "")

    def fallback_dtypes(self, op, described: ir.DictAttr) -> list[str]:
        """The torch dtype names of a fallback call's operands, as conversion recorded
        them, each checked against the size of its buffer's elements."""
        if FALLBACK_DTYPES_ATTR not in described:
            raise self.error(op, f"a fallback without the torch dtypes of its tensors "
                                 f"('{FALLBACK_DTYPES_ATTR}')")
        dtypes = [ir.StringAttr(name).value
                  for name in ir.ArrayAttr(described[FALLBACK_DTYPES_ATTR])]
        if len(dtypes) != len(op.operands):
            raise self.error(op, f"{len(dtypes)} dtypes for the {len(op.operands)} tensors "
                                 "of a fallback")
        for value, name in zip(op.operands, dtypes):
            dtype = getattr(torch, name, None)
            element = value.type.element_type
            if not isinstance(dtype, torch.dtype) or dtype.itemsize != element_bytes(element):
                raise self.error(op, f"a fallback reads a buffer of {element} elements as {name}")
        return dtypes

    def visit_copy(self, op) -> None:
        source, target = op.operands
        for value in (source, target):
            if not _is_contiguous(ir.MemRefType(value.type)):
                raise self.error(op, f"memref.copy of a non-contiguous {value.type}")
        self.steps.append(Copy(self.buffer(op, source), self.buffer(op, target),
                               self.size_of(op, source)))

    def visit_return(self, op) -> None:
        if len(op.operands):
            raise self.error(op, "the host function must return its outputs through out-parameters")

    def buffer(self, op, value: ir.Value) -> BufferRef:
        if value not in self.buffers:
            raise self.error(op, f"operand {value.get_name()} is not a buffer of the host program")
        return self.buffers[value]

    def size_of(self, op, value: ir.Value) -> int:
        try:
            return byte_size(value.type)
        except InvalidIRError as error:
            raise self.error(op, str(error)) from None

    def error(self, op, message: str) -> InvalidIRError:
        where = user_source_line(op.location) or str(op.location)
        return InvalidIRError(f"{where}: {message} (in {op.operation.name}, "
                              f"host function '{_symbol_name(self.function)}')", op.location)


def split_kernels(module: ir.Module) -> dict[str, ir.Module]:
    """One module per ``kiln.kernel`` function of ``module``, keyed by kernel name.

    Each holds a public copy of the kernel (so its object file exports it) and copies of
    the symbols it uses, such as ``memref.global`` constants, which stay private.
    """
    symbols = {_symbol_name(op): op for op in module.body.operations if "sym_name" in op.attributes}
    kernels = {}
    with module.context, module.operation.location:
        for name, op in symbols.items():
            if op.operation.name != "func.func" or KERNEL_ATTR not in op.attributes:
                continue
            used = _used_symbols(op.operation, symbols)
            kernel_module = ir.Module.create()
            with ir.InsertionPoint(kernel_module.body):
                for other in symbols.values():
                    if _symbol_name(other) in used:
                        other.operation.clone()
                kernel = op.operation.clone()
            if "sym_visibility" in kernel.attributes:
                del kernel.attributes["sym_visibility"]
            kernels[name] = kernel_module
    return kernels


def share_identical_kernels(kernels: dict[str, ir.Module],
                            program: HostProgram) -> tuple[dict[str, ir.Module], HostProgram]:
    """Keep one of each set of kernels that differ only in name; the host program
    launches that one wherever it launched any of them.

    Repeated layers (a transformer's blocks, a ResNet's stages) give identical kernels;
    compiling each once saves most of code generation's time and the library's size.
    """
    representative: dict[str, str] = {}
    renamed: dict[str, str] = {}
    for name, module in kernels.items():
        text = str(module).replace(f"@{name}(", "@__kernel__(")
        renamed[name] = representative.setdefault(text, name)
    if len(representative) == len(kernels):
        return kernels, program
    steps = tuple(dataclasses.replace(step, kernel=renamed[step.kernel])
                  if isinstance(step, (Launch, Prepack)) else step for step in program.steps)
    kept = {name: module for name, module in kernels.items() if renamed[name] == name}
    return kept, dataclasses.replace(program, steps=steps)


def _used_symbols(root: ir.Operation, symbols: dict) -> set[str]:
    """Names of the module-level symbols ``root`` refers to, directly or through others."""
    used, pending = set(), [root]

    def collect(op: ir.Operation) -> ir.WalkResult:
        for i in range(len(op.attributes)):
            attr = op.attributes[i].attr
            if isinstance(attr, ir.FlatSymbolRefAttr) and attr.value in symbols \
                    and attr.value not in used:
                used.add(attr.value)
                pending.append(symbols[attr.value].operation)
        return ir.WalkResult.ADVANCE

    while pending:
        pending.pop().walk(collect)
    used.discard(_symbol_name(root))
    return used


def _is_contiguous(memref: ir.MemRefType) -> bool:
    strides, offset = memref.get_strides_and_offset()
    expected, stride = [], 1
    for size in reversed(memref.shape):
        expected.append(stride)
        stride *= size
    return offset == 0 and all(s == e or size == 1 for s, e, size
                               in zip(strides, reversed(expected), memref.shape))


def _symbol_name(op) -> str:
    return ir.StringAttr(op.attributes["sym_name"]).value
