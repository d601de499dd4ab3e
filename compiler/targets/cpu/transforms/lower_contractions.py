"""The ``kiln-lower-contractions`` pass: f32 matmuls become packed, register-blocked loops."""

import math
from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import func, memref

from ....artifacts.host_program_builder import PERSISTENT_ATTR, PREPACK_ATTR, STATE_COUNT_ATTR
from ....ir.walk import collect_ops, named
from ....ir.kernel_arguments import append_kernel_arguments
from ....ir.linalg_queries import loop_extents, reduction_dims
from ....passes.registry import register_pass
from .gemm_codegen import GemmShape, Operand, gemm_function, pack_function, spans

ALIGNMENT = 64


@register_pass
@dataclass
class KilnLowerContractions:
    """Lower each f32 matmul-like ``linalg.generic`` in a kernel to a packed vector GEMM.

    Runs on bufferized kernels, before ``kiln-plan-memory``. A contraction is a generic
    whose body is ``out + in0 * in1``, with one reduction dimension and projected
    permutation maps: matmul, batch matmul, ``x @ w.T`` of ``nn.Linear``, attention's
    ``q @ k.T`` through any static strides. Its operands are reinterpreted as flat
    buffers and the generic is replaced by the loop nest of :mod:`.gemm_codegen`: B
    packed into zero-padded panels (a scratch buffer that the memory planner places in
    the arena), then a micro-kernel that keeps an 8 x 32 block of C in vector registers.
    A zero fill of C right before the contraction is folded into the micro-kernel's
    initial accumulators. Contractions whose result is not contiguous along the columns,
    or that are empty, are left alone.

        linalg.generic {iterator_types = ["parallel", "parallel", "reduction"]}
            ins(%x, %w : memref<32x256xf32>, memref<512x256xf32>) outs(%y : memref<32x512xf32>)
      becomes
        %p = memref.alloc() : memref<131072xf32>   // B packed in panels of 32 columns
        scf.parallel (...) { ... pack ... }
        scf.parallel (...) { scf.for %k ... { vector.fma ... } vector.maskedstore ... }
    """

    argument: ClassVar[str] = "kiln-lower-contractions"

    def run(self, module: ir.Operation) -> None:
        kernels = [op for op in module.regions[0].blocks[0].operations
                   if op.operation.name == "func.func" and "kiln.kernel" in op.attributes]
        calls = {}
        for call in collect_ops(module, named("func.call")):
            calls.setdefault(ir.FlatSymbolRefAttr(call.attributes["callee"]).value, []).append(call)
        with module.context:
            for kernel in kernels:
                contractions = collect_ops(kernel.operation, named("linalg.generic"))
                for generic in filter(_is_contraction, contractions):
                    found = gemm_shape(generic)
                    if found is not None:
                        _lower(generic, *found, kernel,
                               calls.get(ir.StringAttr(kernel.attributes["sym_name"]).value, []))


def _is_contraction(generic: ir.Operation) -> bool:
    """Whether ``generic`` computes ``out + in0 * in1`` over static f32 buffers."""
    if len(generic.operands) != 3 or len(generic.results) or not reduction_dims(generic):
        return False
    if not all(ir.MemRefType(v.type).has_static_shape for v in generic.operands):
        return False
    if any(ir.MemRefType(v.type).element_type != ir.F32Type.get() for v in generic.operands):
        return False
    body = generic.regions[0].blocks[0]
    ops = list(body.operations)
    if [op.operation.name for op in ops] != ["arith.mulf", "arith.addf", "linalg.yield"]:
        return False
    first, second, accumulator = body.arguments
    multiply, add, yielded = ops
    return ({multiply.operands[0], multiply.operands[1]} == {first, second}
            and {add.operands[0], add.operands[1]} == {accumulator, multiply.results[0]}
            and yielded.operands[0] == add.results[0])


def _linear(expr: ir.AffineExpr, rank: int) -> tuple[list[int], int] | None:
    """``expr`` as per-dimension coefficients and a constant, if it is linear."""
    expr = expr.maybe_downcast()
    if isinstance(expr, ir.AffineDimExpr):
        coefficients = [0] * rank
        coefficients[expr.position] = 1
        return coefficients, 0
    if isinstance(expr, ir.AffineConstantExpr):
        return [0] * rank, expr.value
    if isinstance(expr, ir.AffineAddExpr):
        left, right = _linear(expr.lhs, rank), _linear(expr.rhs, rank)
        if left is None or right is None:
            return None
        return [x + y for x, y in zip(left[0], right[0])], left[1] + right[1]
    if isinstance(expr, ir.AffineMulExpr):
        for variable, factor in ((expr.lhs, expr.rhs), (expr.rhs, expr.lhs)):
            factor = factor.maybe_downcast()
            inner = _linear(variable, rank)
            if isinstance(factor, ir.AffineConstantExpr) and inner is not None:
                return [x * factor.value for x in inner[0]], inner[1] * factor.value
    return None


def _address(value: ir.Value, affine_map: ir.AffineMap) -> tuple[list[int], int] | None:
    """The operand's element address as per-loop-dimension strides and an offset."""
    memref_type = ir.MemRefType(value.type)
    strides, offset = memref_type.get_strides_and_offset()
    rank = affine_map.n_dims
    coefficients = [0] * rank
    for stride, expr in zip(strides, affine_map.results):
        linear = _linear(expr, rank)
        if linear is None or min(linear[0]) < 0:
            return None
        coefficients = [c + stride * x for c, x in zip(coefficients, linear[0])]
        offset += stride * linear[1]
    return coefficients, offset


def _chain(first: int, candidates: list[int], strides: list[list[int]], extents: list[int]) -> list[int]:
    """``first`` and the ``candidates`` that extend it outward, innermost first: each next
    dimension's stride, in every one of ``strides``, is the previous one's times its extent."""
    chain = [first]
    remaining = [d for d in candidates if d != first]
    while True:
        last = chain[-1]
        follower = next((d for d in remaining
                         if all(s[d] == s[last] * extents[last] for s in strides)), None)
        if follower is None:
            return chain
        chain.append(follower)
        remaining.remove(follower)


def gemm_shape(generic: ir.Operation) -> tuple[GemmShape, int] | None:
    """The contraction as a :class:`GemmShape` and which input (0 or 1) is its B, or
    None when the GEMM cannot take it.

    The input that holds C's unit-stride dimension is B (packed); C's columns are the
    run of B-only dimensions contiguous in C (``oh, ow`` of a convolution), its rows
    every A-only dimension, outermost in C first (``batch, sequence`` of a linear layer,
    at any strides), and its k every reduction dimension, outermost in A first. Every
    other parallel dimension is a batch dimension.
    """
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    addresses = [_address(value, m) for value, m in zip(generic.operands, maps)]
    extents = loop_extents(generic)
    if None in addresses or None in extents or min(extents) == 0:
        return None
    reductions = reduction_dims(generic)
    parallel = [d for d in range(len(extents)) if d not in reductions]
    c_strides, c_offset = addresses[2]
    for b_index in (1, 0):
        (a_strides, a_offset), (b_strides, b_offset) = addresses[1 - b_index], addresses[b_index]
        b_only = [d for d in parallel if b_strides[d] and not a_strides[d]]
        unit = [d for d in b_only if c_strides[d] == 1]
        if unit:
            columns = _chain(unit[0], b_only, [c_strides], extents)
            break
    else:
        return None
    rows = sorted((d for d in parallel if a_strides[d] and not b_strides[d]),
                  key=lambda d: -c_strides[d])
    k_dims = sorted(reductions, key=lambda d: -a_strides[d])
    batch = [d for d in parallel if d not in columns and d not in rows]

    def operand(strides, offset, column_terms):
        return Operand(offset=offset, batch_strides=tuple(strides[d] for d in batch),
                       rows=terms(rows, strides) or ((1, 0),), columns=column_terms)

    def terms(dims, strides):
        return tuple((extents[d], strides[d]) for d in dims)

    columns = list(reversed(columns))  # outermost first, as the terms are
    shape = GemmShape(
        batch=tuple(extents[d] for d in batch), m=math.prod(extents[d] for d in rows),
        n=math.prod(extents[d] for d in columns), k=math.prod(extents[d] for d in k_dims),
        a=operand(a_strides, a_offset, terms(k_dims, a_strides)),
        b=Operand(offset=b_offset, batch_strides=tuple(b_strides[d] for d in batch),
                  rows=terms(k_dims, b_strides), columns=terms(columns, b_strides)),
        c=operand(c_strides, c_offset, ((math.prod(extents[d] for d in columns), 1),)),
        accumulate=True)
    return shape, b_index


def _zero_fill_before(generic: ir.Operation) -> ir.Operation | None:
    """The op right before ``generic`` if it only writes 0.0 into the contraction's output."""
    block = generic.operation.block
    operations = list(block.operations)
    position = next(i for i, op in enumerate(operations) if op.operation == generic.operation)
    if position == 0:
        return None
    fill = operations[position - 1]
    if fill.operation.name != "linalg.generic" or len(fill.operands) != 1:
        return None
    if fill.operands[0] != generic.operands[2]:
        return None
    body = list(fill.regions[0].blocks[0].operations)
    if len(body) != 1 or isinstance(body[0].operands[0].owner, ir.Block):
        return None
    constant = body[0].operands[0].owner
    if constant.name != "arith.constant" or ir.FloatAttr(constant.attributes["value"]).value != 0.0:
        return None
    return fill


def _lower(generic: ir.Operation, shape: GemmShape, b_index: int, kernel,
           calls: list[ir.Operation]) -> None:
    fill = _zero_fill_before(generic)
    if fill is not None:
        shape = GemmShape(**{**shape.__dict__, "accumulate": False})
    a, b, c = generic.operands[1 - b_index], generic.operands[b_index], generic.operands[2]
    sizes = spans(shape)
    location = generic.location
    weight = _weight_argument(_reshaped_from(b), calls)
    flat = _flatten({"a": a, "b": b, "c": c}, sizes, generic, location)
    if weight is None:  # each panel is packed into a buffer of its own, right before use
        _inline(gemm_function("gemm", shape), flat, generic)
    else:
        packed = _prepack(kernel, calls, weight, _reshaped_from(b), shape, location)
        _inline(gemm_function("gemm", shape, packed=True), [*flat, packed], generic)
    generic.erase()
    if fill is not None:
        fill.erase()


def _flatten(values: dict[str, ir.Value], sizes: dict[str, int], before: ir.Operation,
             location) -> list[ir.Value]:
    """Each of ``values`` (keyed ``a``, ``b``, ``c``) as the flat buffer the GEMM reads."""
    with ir.InsertionPoint(before), location:
        return [memref.ReinterpretCastOp(ir.MemRefType.get([sizes[key]], ir.F32Type.get()), value,
                                         [], [], [], [0], [sizes[key]], [1]).result
                for key, value in values.items()]


def _inline(text: str, arguments: list[ir.Value], before: ir.Operation) -> None:
    """Parse the function ``text`` and move its body, on ``arguments``, before ``before``."""
    template = ir.Module.parse(text)  # must outlive the moves below
    body = template.body.operations[0].regions[0].blocks[0]
    for argument, value in zip(body.arguments, arguments):
        argument.replace_all_uses_with(value)
    for op in list(body.operations)[:-1]:  # all but func.return
        op.move_before(before)


def _reshaped_from(value: ir.Value) -> ir.Value:
    """The buffer that ``value`` reshapes, through any chain of reshapes.

    A reshape of a contiguous buffer keeps every element's flat address, and the GEMM
    reads its operands as flat buffers, so a weight seen through one (attention's output
    projection splits its rows per head) is packed from the weight itself."""
    while (not isinstance(value, ir.BlockArgument)
           and value.owner.name in ("memref.expand_shape", "memref.collapse_shape")):
        value = value.owner.operands[0]
    return value


def _weight_argument(b: ir.Value, calls: list[ir.Operation]) -> int | None:
    """The kernel argument number of B if every call passes it a host state argument."""
    if not isinstance(b, ir.BlockArgument) or not calls:
        return None
    for call in calls:
        host = call.operation.parent
        state_count = host.attributes[STATE_COUNT_ATTR] if STATE_COUNT_ATTR in host.attributes else None
        source = call.operands[b.arg_number]
        if (state_count is None or not isinstance(source, ir.BlockArgument)
                or source.arg_number >= ir.IntegerAttr(state_count).value):
            return None
    return b.arg_number


def _prepack(kernel, calls: list[ir.Operation], weight: int, b: ir.Value, shape: GemmShape,
             location) -> ir.Value:
    """Pack the weight B in a kernel of its own that the host runs before ``kernel``, into
    a persistent buffer; return the kernel argument that now brings the panels."""
    packed_type = ir.MemRefType.get([shape.packed_elements], ir.F32Type.get(), loc=location)
    name = (f"{ir.StringAttr(kernel.attributes['sym_name']).value}"
            f"_pack{len(kernel.regions[0].blocks[0].arguments)}")
    with ir.InsertionPoint(kernel), location:
        packer = func.FuncOp(name, ([b.type, packed_type], []), visibility="private")
        for key in ("kiln.kernel", "kiln.target"):
            packer.attributes[key] = kernel.attributes[key]
        packer.attributes[PREPACK_ATTR] = ir.UnitAttr.get()
        entry = packer.add_entry_block()
        with ir.InsertionPoint(entry):
            terminator = func.ReturnOp([])
    flat_b = _flatten({"b": entry.arguments[0]}, spans(shape), terminator, location)
    _inline(pack_function("pack", shape), [*flat_b, entry.arguments[1]], terminator)

    def pack_before(call: ir.Operation) -> list[ir.Value]:
        """A persistent host buffer for the panels, filled by the packer before ``call``."""
        with ir.InsertionPoint.at_block_begin(call.operation.block), location:
            buffer = memref.AllocOp(packed_type, [], [], alignment=ALIGNMENT)
            buffer.attributes[PERSISTENT_ATTR] = ir.UnitAttr.get()
        func.CallOp([], name, [call.operands[weight], buffer.result])
        return [buffer.result]

    (packed,) = append_kernel_arguments(kernel, [(packed_type, location)], calls, pack_before)
    return packed
