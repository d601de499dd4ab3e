"""The ``kiln-npu-tile-kernels`` pass: the example NPU runs every loop nest in fixed tiles."""

from dataclasses import dataclass
from typing import ClassVar

from torch_mlir import ir
from torch_mlir.dialects import arith, memref

from kiln.compiler.ir.linalg_queries import loop_extents, reduction_dims
from kiln.compiler.ir.transform_script import run_transform_script
from kiln.compiler.passes.registry import register_pass
from kiln.runtime.errors import KilnError

from .counters import COUNTERS, counters_symbol

TILE_MARK = "kiln.npu_tile"
SEQUENCE = "kiln_npu_tile_kernels"
# On each tiled kernel: how many loop nests it tiled, and the most scratchpad one tile uses.
TILED_OPS_ATTR = "npu.tiled_ops"
TILE_BYTES_ATTR = "npu.tile_bytes"
# On each tiled kernel: the global its tile and byte counters live in.
COUNTERS_ATTR = "npu.counters"


@register_pass
@dataclass
class KilnNpuTileKernels:
    """Tile the NPU's kernels by its fixed tile size and count tiles and scratchpad bytes.

    Runs on buffers (after ``planned``), on the ``func.func`` kernels whose ``kiln.target``
    is ``target``; kernels placed on any other target (the CPU's) are left alone. Each
    ``linalg.generic`` is tiled with ``scf.for`` loops (``transform.structured.
    tile_using_for``): its innermost parallel loop and every reduction loop by
    ``tile_size``, its other parallel loops by 1, so a tile holds at most ``tile_size``
    output elements; a loop that already fits in one tile is not tiled. The operands'
    slices of one tile must fit in the ``scratchpad_bytes`` scratchpad, or the kernel is
    refused. Before each tile, the kernel adds one to its tile counter and the bytes of
    the tile's slices (what moves through the scratchpad) to its byte counter: a public
    ``memref.global`` of two ``i64`` named ``<kernel>_npu_counters``, which the device
    reads after each launch.

        linalg.generic {iterator_types = ["parallel", "parallel"]} ins(%a : memref<4x200xf32>) ...
      becomes
        scf.for %i = 0 to 4 step 1 { scf.for %j = 0 to 200 step 64 {
          <add 1 and the bytes of both slices to @kernel_npu_counters>
          linalg.generic ins(subview of %a [1, min(64, 200 - %j)]) ... } }
    """

    argument: ClassVar[str] = "kiln-npu-tile-kernels"
    target: str = "example-npu"
    tile_size: int = 64
    scratchpad_bytes: int = 262144

    def run(self, module: ir.Operation) -> None:
        with module.context, ir.Location.unknown():
            schedule = []
            for kernel in self._kernels(module):
                schedule += self._mark(kernel)
            if schedule:
                run_transform_script(module, SEQUENCE, "\n".join(schedule))
            # Found again: running the script invalidated every operation object but the module.
            for kernel in self._kernels(module):
                self._count_tiles(module, kernel)

    def _kernels(self, module: ir.Operation) -> list:
        """The kernel functions of ``module`` placed on this pass's ``target``."""
        return [op for op in module.regions[0].blocks[0].operations
                if op.operation.name == "func.func" and "kiln.kernel" in op.attributes
                and "kiln.target" in op.attributes
                and ir.StringAttr(op.attributes["kiln.target"]).value == self.target]

    def _mark(self, kernel) -> list[str]:
        """Mark each generic of ``kernel`` and return the transforms that tile it; record the
        kernel's tiled ops and its largest tile's scratchpad bytes."""
        name = ir.StringAttr(kernel.attributes["sym_name"]).value
        i64 = ir.IntegerType.get_signless(64)
        steps, largest = [], 0
        generics = _generics(kernel)
        for index, generic in enumerate(generics):
            mark = f"{name}_{index}"
            generic.attributes[TILE_MARK] = ir.StringAttr.get(mark)
            sizes = self._tile_sizes(generic)
            footprint = _tile_bytes(generic, sizes)
            if footprint > self.scratchpad_bytes:
                raise KilnError(f"kernel '{name}' of target '{self.target}': a tile of "
                                f"{footprint} bytes does not fit the {self.scratchpad_bytes}-byte "
                                f"scratchpad; choose a smaller tile_size than {self.tile_size}")
            largest = max(largest, footprint)
            loops = sum(size != 0 for size in sizes)
            if loops:
                steps.append(
                    f'%op_{mark} = transform.structured.match attributes{{{TILE_MARK} = "{mark}"}}'
                    f" in %root : (!transform.any_op) -> !transform.any_op\n"
                    f"%tiled_{mark}:{loops + 1} = transform.structured.tile_using_for %op_{mark} "
                    f"tile_sizes [{', '.join(map(str, sizes))}] : (!transform.any_op) -> "
                    f"({', '.join(['!transform.any_op'] * (loops + 1))})")
        kernel.attributes[TILED_OPS_ATTR] = ir.IntegerAttr.get(i64, len(generics))
        kernel.attributes[TILE_BYTES_ATTR] = ir.IntegerAttr.get(i64, largest)
        return steps

    def _tile_sizes(self, generic) -> list[int]:
        """Per loop: ``tile_size`` for the innermost parallel loop and the reductions, 1 for
        the other parallel loops, 0 (untiled) for a loop that one tile covers."""
        extents = loop_extents(generic)
        reductions = reduction_dims(generic)
        parallel = [d for d in range(len(extents)) if d not in reductions]
        innermost = parallel[-1] if parallel else None
        sizes = []
        for d in range(len(extents)):
            size = self.tile_size if d in reductions or d == innermost else 1
            covered = extents[d] is not None and extents[d] <= size
            sizes.append(0 if covered else size)
        return sizes

    def _count_tiles(self, module: ir.Operation, kernel) -> None:
        """Add the counter updates before every tiled generic of ``kernel``."""
        symbol = counters_symbol(ir.StringAttr(kernel.attributes["sym_name"]).value)
        i64 = ir.IntegerType.get_signless(64)
        counters_type = ir.MemRefType.get([len(COUNTERS)], i64)
        zeros = ir.DenseElementsAttr.get_splat(ir.RankedTensorType.get([len(COUNTERS)], i64),
                                               ir.IntegerAttr.get(i64, 0))
        with ir.InsertionPoint.at_block_begin(module.regions[0].blocks[0]):
            memref.GlobalOp(symbol, ir.TypeAttr.get(counters_type), initial_value=zeros)
        kernel.attributes[COUNTERS_ATTR] = ir.FlatSymbolRefAttr.get(symbol)
        for generic in _generics(kernel):
            del generic.attributes[TILE_MARK]
            with ir.InsertionPoint(generic), generic.location:
                counters = memref.get_global(counters_type, symbol)
                _add(counters, COUNTERS.index("tiles"), _i64_constant(1))
                moved = _i64_constant(0)
                for operand in generic.operands:
                    moved = arith.addi(moved, _bytes_of(operand))
                _add(counters, COUNTERS.index("bytes"), moved)


def _generics(kernel) -> list:
    """Every ``linalg.generic`` in ``kernel``, in order."""
    found = []

    def visit(op):
        if op.operation.name == "linalg.generic":
            found.append(op.opview)
        return ir.WalkResult.ADVANCE

    kernel.operation.walk(visit)
    return found


def _maps(generic) -> list[ir.AffineMap]:
    """The generic's indexing maps, one per operand."""
    return [ir.AffineMapAttr(m).value for m in ir.ArrayAttr(generic.attributes["indexing_maps"])]


def _tile_bytes(generic, sizes: list[int]) -> int:
    """The bytes of every operand's slice for one tile of ``sizes`` (0: the whole loop)."""
    extents = loop_extents(generic)
    total = 0
    for operand, indexing in zip(generic.operands, _maps(generic)):
        shape = ir.ShapedType(operand.type)
        elements = 1
        for position, expr in enumerate(indexing.results):
            expr = expr.maybe_downcast()
            if isinstance(expr, ir.AffineConstantExpr):
                continue
            if isinstance(expr, ir.AffineDimExpr):
                loop = expr.position
                whole = extents[loop] if extents[loop] is not None else sizes[loop]
                elements *= sizes[loop] if sizes[loop] and sizes[loop] < whole else whole
            else:  # a slice read at a combination of loops: count the whole dimension
                elements *= shape.get_dim_size(position)
        total += elements * _element_bytes(shape.element_type)
    return total


def _element_bytes(element_type: ir.Type) -> int:
    """Bytes per element (an ``i1`` takes a byte)."""
    return max(1, element_type.width // 8)


def _i64_constant(value: int) -> ir.Value:
    """An ``arith.constant`` of type ``i64``."""
    return arith.constant(ir.IntegerType.get_signless(64), value)


def _bytes_of(operand: ir.Value) -> ir.Value:
    """The bytes of the memref ``operand`` (a tile's slice), as an ``i64``."""
    shape = ir.MemRefType(operand.type)
    i64 = ir.IntegerType.get_signless(64)
    total = _i64_constant(_element_bytes(shape.element_type))
    for position in range(shape.rank):
        if shape.is_dynamic_dim(position):
            size = memref.dim(operand, arith.constant(ir.IndexType.get(), position))
            size = arith.index_cast(i64, size)
        else:
            size = _i64_constant(shape.get_dim_size(position))
        total = arith.muli(total, size)
    return total


def _add(counters: ir.Value, index: int, amount: ir.Value) -> None:
    """Atomically add ``amount`` to element ``index`` of ``counters``."""
    position = arith.constant(ir.IndexType.get(), index)
    memref.atomic_rmw(arith.AtomicRMWKind.addi, amount, counters, [position])
