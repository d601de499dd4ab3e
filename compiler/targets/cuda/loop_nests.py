"""A bufferized kernel read into plain records: one :class:`LoopNest` per ``linalg.generic``
or ``memref.copy``, each operand an :class:`Access` (pointer arithmetic on a kernel argument).

Views (``memref.expand_shape``, ``collapse_shape``, ``subview``, ``cast``) are resolved to
their base argument; their result type's static strides and offset give the addressing,
so a view costs nothing at run time. A body may read any element of a kernel argument
with ``memref.load`` (a gather, as embeddings do); its :class:`ScalarOp` carries the
:class:`Buffer` it reads. The records hold no MLIR objects, so the Triton emitters work
on them alone.
"""

from dataclasses import dataclass

from torch_mlir import ir

from ...diagnostics import CompileError, InvalidIRError, user_source_line

# An affine expression over loop dimensions, as nested tuples: ("dim", i), ("const", c),
# or (kind, lhs, rhs) with kind one of "add", "mul", "floordiv", "ceildiv", "mod".
Expr = tuple

VIEW_OPS = frozenset({"memref.expand_shape", "memref.collapse_shape", "memref.subview",
                      "memref.cast", "memref.reinterpret_cast"})
IGNORED_OPS = frozenset({"arith.constant", "func.return"})


@dataclass(frozen=True)
class Access:
    """How a loop nest reaches one operand: element ``offset + sum(strides[j] * indices[j])``
    of kernel argument ``argument``, whose elements are ``element_type`` (an MLIR type name)."""

    argument: int
    element_type: str
    offset: int
    strides: tuple[int, ...]
    indices: tuple[Expr, ...]


@dataclass(frozen=True)
class Buffer:
    """What a body's ``memref.load`` reads: element ``offset + sum(strides[j] * i[j])``,
    ``0 <= i[j] < shape[j]``, of kernel argument ``argument``."""

    argument: int
    element_type: str
    offset: int
    strides: tuple[int, ...]
    shape: tuple[int, ...]

    @property
    def largest_offset(self) -> int:
        """The largest element offset the load can reach."""
        return self.offset + sum(abs(s) * max(n - 1, 0) for s, n in zip(self.strides, self.shape))


@dataclass(frozen=True)
class ScalarOp:
    """One op of a loop body. Operands are :data:`Ref` s; results are numbered values.
    A ``memref.load``'s operands are its indices, and ``buffer`` what it reads."""

    name: str
    operands: tuple
    results: tuple[int, ...]
    result_types: tuple[str, ...]
    predicate: int | None = None  # of arith.cmpf / arith.cmpi
    buffer: Buffer | None = None
    expression: Expr | None = None  # of affine.apply, where ("dim", i) is operand i


# A body value: ("arg", i) a block argument (inputs then outputs), ("value", n) a result of
# an earlier ScalarOp, ("const", python_value, type_name), ("index", dim) from linalg.index.
Ref = tuple


@dataclass(frozen=True)
class Body:
    """The scalar computation of one loop iteration."""

    ops: tuple[ScalarOp, ...]
    yields: tuple[Ref, ...]


@dataclass(frozen=True)
class LoopNest:
    """One ``linalg.generic`` (or ``memref.copy``) over a static iteration space."""

    op: str
    where: str
    sizes: tuple[int, ...]
    iterators: tuple[str, ...]
    inputs: tuple[Access, ...]
    outputs: tuple[Access, ...]
    body: Body

    @property
    def parallel_dims(self) -> tuple[int, ...]:
        """Positions of the parallel dimensions."""
        return tuple(d for d, kind in enumerate(self.iterators) if kind == "parallel")

    @property
    def reduction_dims(self) -> tuple[int, ...]:
        """Positions of the reduction dimensions."""
        return tuple(d for d, kind in enumerate(self.iterators) if kind == "reduction")

    @property
    def loaded_buffers(self) -> tuple[Buffer, ...]:
        """The buffers the body reads with ``memref.load``."""
        return tuple(op.buffer for op in self.body.ops if op.buffer is not None)

    @property
    def arguments(self) -> set[int]:
        """The kernel arguments the nest touches."""
        return ({access.argument for access in self.inputs + self.outputs}
                | {buffer.argument for buffer in self.loaded_buffers})


@dataclass(frozen=True)
class KernelLoops:
    """A kernel's name, its arguments' element types and its loop nests in program order."""

    name: str
    argument_types: tuple[str, ...]
    loops: tuple[LoopNest, ...]


def unsupported(op, detail: str) -> CompileError:
    """The error for an op the CUDA code generator cannot lower, naming it and its line."""
    where = user_source_line(op.location) or str(op.location)
    return CompileError(f"{where}: {op.operation.name} is not supported by the CUDA target's "
                        f"Triton code generator: {detail}")


def read_kernel(kernel: ir.Operation) -> KernelLoops:
    """The loop nests of ``kernel``, a bufferized ``kiln.kernel`` ``func.func``."""
    name = ir.StringAttr(kernel.attributes["sym_name"]).value
    block = kernel.regions[0].blocks[0]
    bases: dict = {}
    argument_types = []
    for index, argument in enumerate(block.arguments):
        if not isinstance(argument.type, ir.MemRefType):
            raise InvalidIRError(f"kernel '{name}' takes a non-memref argument {argument.type}")
        bases[argument] = index
        argument_types.append(str(ir.MemRefType(argument.type).element_type))
    loops = []
    for op in block.operations:
        op_name = op.operation.name
        if op_name in IGNORED_OPS:
            continue
        if op_name in VIEW_OPS:
            bases[op.results[0]] = _base_of(op, op.operands[0], bases)
        elif op_name == "linalg.generic":
            loops.append(_read_generic(op, bases))
        elif op_name == "memref.copy":
            loops.append(_read_copy(op, bases))
        else:
            raise unsupported(op, "a kernel may hold linalg.generic, memref.copy, views and "
                                  "constants only")
    return KernelLoops(name, tuple(argument_types), tuple(loops))


def _base_of(op, value: ir.Value, bases: dict) -> int:
    if value not in bases:
        raise unsupported(op, f"operand {value.get_name()} is not a view of a kernel argument")
    return bases[value]


def _access(op, value: ir.Value, bases: dict, indices: tuple[Expr, ...]) -> Access:
    buffer = _buffer(op, value, bases)
    return Access(buffer.argument, buffer.element_type, buffer.offset, buffer.strides, indices)


def _buffer(op, value: ir.Value, bases: dict) -> Buffer:
    memref = ir.MemRefType(value.type)
    strides, offset = memref.get_strides_and_offset()
    if any(memref.is_dynamic_stride_or_offset(x) for x in (*strides, offset)) \
            or not memref.has_static_shape:
        raise unsupported(op, f"the view {memref} has a dynamic shape, stride or offset")
    return Buffer(_base_of(op, value, bases), str(memref.element_type), offset, tuple(strides),
                  tuple(memref.shape))


def _read_generic(op, bases: dict) -> LoopNest:
    inputs_count, outputs_count = ir.DenseI32ArrayAttr(op.attributes["operandSegmentSizes"])
    maps = [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(op.attributes["indexing_maps"])]
    iterators = tuple("reduction" if "reduction" in str(kind) else "parallel"
                      for kind in ir.ArrayAttr(op.attributes["iterator_types"]))
    accesses = []
    for value, affine_map in zip(op.operands, maps):
        if affine_map.n_symbols:
            raise unsupported(op, "indexing maps with symbols")
        accesses.append(_access(op, value, bases, tuple(_expr(op, e) for e in affine_map.results)))
    sizes = _loop_sizes(op, accesses, len(iterators))
    return LoopNest("linalg.generic", _where(op), sizes, iterators,
                    tuple(accesses[:inputs_count]), tuple(accesses[inputs_count:]),
                    _read_body(op, inputs_count + outputs_count, bases))


def _read_copy(op, bases: dict) -> LoopNest:
    source, target = op.operands
    rank = ir.MemRefType(source.type).rank
    identity = tuple(("dim", d) for d in range(rank))
    return LoopNest("memref.copy", _where(op), tuple(ir.MemRefType(source.type).shape),
                    ("parallel",) * rank, (_access(op, source, bases, identity),),
                    (_access(op, target, bases, identity),), Body((), (("arg", 0),)))


def _loop_sizes(op, accesses: list[Access], rank: int) -> tuple[int, ...]:
    """Each loop dimension's trip count, from an operand dimension indexed by it alone."""
    sizes: list[int | None] = [None] * rank
    for value, access in zip(op.operands, accesses):
        for size, index in zip(ir.MemRefType(value.type).shape, access.indices):
            if index[0] == "dim" and sizes[index[1]] is None:
                sizes[index[1]] = size
    if None in sizes:
        raise unsupported(op, "a loop dimension that no operand dimension spans alone")
    return tuple(sizes)


_BINARY_EXPRS = (("add", ir.AffineAddExpr), ("mul", ir.AffineMulExpr),
                 ("floordiv", ir.AffineFloorDivExpr), ("ceildiv", ir.AffineCeilDivExpr),
                 ("mod", ir.AffineModExpr))


def _expr(op, expr: ir.AffineExpr, first_symbol: int = 0) -> Expr:
    """``expr`` as nested tuples; symbol ``j`` becomes ``("dim", first_symbol + j)``."""
    if isinstance(expr, ir.AffineDimExpr):
        return ("dim", expr.position)
    if isinstance(expr, ir.AffineSymbolExpr):
        return ("dim", first_symbol + expr.position)
    if isinstance(expr, ir.AffineConstantExpr):
        return ("const", expr.value)
    for kind, cls in _BINARY_EXPRS:
        if isinstance(expr, cls):
            return (kind, _expr(op, expr.lhs, first_symbol), _expr(op, expr.rhs, first_symbol))
    raise unsupported(op, f"the affine expression {expr}")


def _read_body(op, operand_count: int, bases: dict) -> Body:
    block = op.regions[0].blocks[0]
    refs: dict = {argument: ("arg", i) for i, argument in enumerate(block.arguments)}
    if len(block.arguments) != operand_count:
        raise unsupported(op, "a body whose arguments do not match its operands")
    ops, counter = [], 0
    for inner in block.operations:
        name = inner.operation.name
        if name == "linalg.yield":
            return Body(tuple(ops), tuple(_ref(inner, v, refs) for v in inner.operands))
        if name == "arith.constant":
            refs[inner.results[0]] = _constant(inner)
            continue
        if name == "linalg.index":
            refs[inner.results[0]] = ("index", ir.IntegerAttr(inner.attributes["dim"]).value)
            continue
        if len(inner.regions):
            raise unsupported(inner, "ops with regions inside a linalg.generic body")
        results = tuple(range(counter, counter + len(inner.results)))
        counter += len(inner.results)
        predicate = (ir.IntegerAttr(inner.attributes["predicate"]).value
                     if "predicate" in inner.attributes else None)
        operands, buffer, expression = list(inner.operands), None, None
        if name == "memref.load":
            buffer = _buffer(inner, operands.pop(0), bases)
        refs_read = tuple(_ref(inner, v, refs) for v in operands)
        if name == "affine.apply":
            expression = _applied_expression(inner, refs_read)
        ops.append(ScalarOp(name, refs_read, results, tuple(str(r.type) for r in inner.results),
                            predicate, buffer, expression))
        for value, number in zip(inner.results, results):
            refs[value] = ("value", number)
    raise unsupported(op, "a body without linalg.yield")


def _applied_expression(op, operands: tuple) -> Expr:
    """The one result of ``op``'s affine map over its operands (dims, then symbols).

    Its floordiv and mod are rendered as truncating Triton arithmetic, which agrees only on
    non-negative operands, so the operands must be loop indices or non-negative constants.
    """
    affine_map = ir.AffineMapAttr(op.attributes["map"]).value
    if len(affine_map.results) != 1:
        raise unsupported(op, "an affine map with several results")
    if any(ref[0] not in ("index", "const") or (ref[0] == "const" and ref[1] < 0)
           for ref in operands):
        raise unsupported(op, "operands other than loop indices and non-negative constants")
    return _expr(op, affine_map.results[0], affine_map.n_dims)


def _ref(op, value: ir.Value, refs: dict) -> Ref:
    if value in refs:
        return refs[value]
    if isinstance(value, ir.OpResult) and value.owner.operation.name == "arith.constant":
        return _constant(value.owner)
    raise unsupported(op, f"the body uses {value.get_name()}, defined outside it by something "
                          "other than arith.constant")


def _constant(op) -> Ref:
    attr, type_name = op.attributes["value"], str(op.results[0].type)
    if isinstance(attr, ir.BoolAttr):
        return ("const", attr.value, type_name)
    if isinstance(attr, ir.FloatAttr):
        return ("const", ir.FloatAttr(attr).value, type_name)
    if isinstance(attr, ir.IntegerAttr):
        value = ir.IntegerAttr(attr).value
        return ("const", bool(value & 1) if type_name == "i1" else value, type_name)
    raise unsupported(op, f"a non-scalar constant {attr}")


def _where(op) -> str:
    return user_source_line(op.location) or str(op.location)
