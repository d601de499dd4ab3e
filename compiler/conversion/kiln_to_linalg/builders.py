"""Small builders over the linalg, tensor and arith Python bindings."""

from collections.abc import Callable, Sequence

from torch_mlir import ir
from torch_mlir.dialects import arith, linalg, tensor


def empty(type_: ir.RankedTensorType) -> ir.Value:
    return tensor.EmptyOp(list(type_.shape), type_.element_type).result


def scalar_constant(value, element_type: ir.Type) -> ir.Value:
    if isinstance(element_type, ir.FloatType):
        return arith.ConstantOp(element_type, ir.FloatAttr.get(element_type, float(value))).result
    return arith.ConstantOp(element_type, ir.IntegerAttr.get(element_type, int(value))).result


def filled(type_: ir.RankedTensorType, value) -> ir.Value:
    """A tensor of ``type_`` with every element ``value``."""
    fill_value = scalar_constant(value, type_.element_type)
    return linalg.fill(fill_value, outs=[empty(type_)])


def identity_map(rank: int) -> ir.AffineMap:
    return ir.AffineMap.get_identity(rank)


def projection(rank: int, exprs: Sequence[ir.AffineExpr]) -> ir.AffineMap:
    return ir.AffineMap.get(rank, 0, list(exprs))


def dim(position: int) -> ir.AffineExpr:
    return ir.AffineDimExpr.get(position)


def generic(inputs: Sequence[ir.Value], init: ir.Value, maps: Sequence[ir.AffineMap],
            iterators: Sequence[str], body: Callable[..., ir.Value]) -> ir.Value:
    """``linalg.generic`` whose region yields ``body(*input_elements, output_element)``."""
    op = linalg.GenericOp(
        [init.type], list(inputs), [init],
        ir.ArrayAttr.get([ir.AffineMapAttr.get(m) for m in maps]),
        ir.ArrayAttr.get([ir.Attribute.parse(f"#linalg.iterator_type<{it}>") for it in iterators]),
    )
    element_types = [v.type.element_type for v in list(inputs) + [init]]
    block = op.regions[0].blocks.append(*element_types)
    with ir.InsertionPoint(block):
        linalg.YieldOp([body(*block.arguments)])
    return op.result


def elementwise(inputs: Sequence[ir.Value], result_type: ir.RankedTensorType,
                body: Callable[..., ir.Value]) -> ir.Value:
    """An all-parallel ``linalg.generic`` over same-shaped inputs; ``body`` sees input elements."""
    rank = len(result_type.shape)
    maps = [identity_map(rank)] * (len(inputs) + 1)
    return generic(inputs, empty(result_type), maps, ["parallel"] * rank,
                   lambda *args: body(*args[:-1]))


def index_value(position: int) -> ir.Value:
    return linalg.IndexOp(ir.IntegerAttr.get(ir.IntegerType.get_signless(64), position)).result
