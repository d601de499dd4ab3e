"""The ``kiln-lower-contractions`` pass: f32 matmuls become packed, register-blocked loops."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import memref

from ..ir_walk import collect_ops, named
from ..linalg_queries import reduction_dims
from ..pass_registry import register_pass
from .gemm_codegen import GemmShape, Operand, gemm_function, span

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
        with module.context:
            for kernel in kernels:
                contractions = collect_ops(kernel.operation, named("linalg.generic"))
                for generic in filter(_is_contraction, contractions):
                    shape = gemm_shape(generic)
                    if shape is not None:
                        _lower(generic, shape, kernel)


def _is_contraction(generic: ir.Operation) -> bool:
    """Whether ``generic`` computes ``out + in0 * in1`` over f32 with one reduction."""
    if len(generic.operands) != 3 or len(generic.results) or len(reduction_dims(generic)) != 1:
        return False
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    if not all(m.is_projected_permutation for m in maps):
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


def _dim_strides(value: ir.Value, affine_map: ir.AffineMap, rank: int) -> tuple[list[int], list[int], int]:
    """Per loop dimension: the operand's stride (0 if absent) and extent; and its offset."""
    memref_type = ir.MemRefType(value.type)
    strides, offset = memref_type.get_strides_and_offset()
    loop_strides, extents = [0] * rank, [0] * rank
    for position, expr in enumerate(affine_map.results):
        dim = ir.AffineDimExpr(expr).position
        loop_strides[dim] += strides[position]
        extents[dim] = memref_type.shape[position]
    return loop_strides, extents, offset


def gemm_shape(generic: ir.Operation) -> GemmShape | None:
    """The contraction as a :class:`GemmShape`, or None when the GEMM cannot take it."""
    maps = [ir.AffineMapAttr(m).value for m in generic.attributes["indexing_maps"]]
    rank = maps[0].n_dims
    (a_strides, a_extents, a_offset), (b_strides, b_extents, b_offset), (c_strides, c_extents, c_offset) = (
        _dim_strides(value, m, rank) for value, m in zip(generic.operands, maps))
    extents = [max(sizes) for sizes in zip(a_extents, b_extents, c_extents)]
    (k,) = reduction_dims(generic)
    parallel = [d for d in range(rank) if d != k]
    columns = [d for d in parallel if c_strides[d] == 1 and a_strides[d] == 0 and extents[d] > 1]
    if not columns or min(extents) == 0:
        return None
    n = columns[0]
    rows = sorted((d for d in parallel if d != n and b_strides[d] == 0 and a_strides[d] != 0),
                  key=lambda d: c_strides[d])
    m = rows[0] if rows else None
    batch = [d for d in parallel if d not in (n, m)]

    def operand(strides, offset, row_dim, column_dim):
        return Operand(offset=offset, batch_strides=tuple(strides[d] for d in batch),
                       row_stride=strides[row_dim] if row_dim is not None else 0,
                       column_stride=strides[column_dim])

    return GemmShape(
        batch=tuple(extents[d] for d in batch), m=extents[m] if m is not None else 1,
        n=extents[n], k=extents[k],
        a=operand(a_strides, a_offset, m, k), b=operand(b_strides, b_offset, k, n),
        c=operand(c_strides, c_offset, m, n), accumulate=True)


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


def _lower(generic: ir.Operation, shape: GemmShape, kernel) -> None:
    fill = _zero_fill_before(generic)
    if fill is not None:
        shape = GemmShape(**{**shape.__dict__, "accumulate": False})
    a, b, c = generic.operands
    sizes = {"a": span(shape.a, shape, shape.m, shape.k), "b": span(shape.b, shape, shape.k, shape.n),
             "c": span(shape.c, shape, shape.m, shape.n), "p": shape.packed_elements}
    location = generic.location
    entry = kernel.regions[0].blocks[0]
    with ir.InsertionPoint.at_block_begin(entry), location:
        packed = memref.AllocOp(ir.MemRefType.get([sizes["p"]], ir.F32Type.get()), [], [],
                                alignment=ALIGNMENT).result
    with ir.InsertionPoint(generic), location:
        flat = [memref.ReinterpretCastOp(ir.MemRefType.get([sizes[key]], ir.F32Type.get()), value,
                                         [], [], [], [0], [sizes[key]], [1]).result
                for key, value in zip("abc", (a, b, c))]
    template = ir.Module.parse(gemm_function("gemm", shape, sizes))
    function = template.body.operations[0]
    body = function.regions[0].blocks[0]
    for argument, value in zip(body.arguments, [*flat, packed]):
        argument.replace_all_uses_with(value)
    for op in list(body.operations)[:-1]:  # all but func.return
        op.move_before(generic)
    generic.erase()
    if fill is not None:
        fill.erase()
