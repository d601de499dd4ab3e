"""Lowerings of reductions, matmuls and convolutions to linalg."""

import math

from torch_mlir import ir
from torch_mlir.dialects import arith, linalg

from . import scalar
from .builders import dim, empty, filled, generic, identity_map, projection
from .registry import lowers
from .signedness import is_unsigned

REDUCE_COMBINERS = {"sum": "add", "prod": "mul", "max": "maximum", "min": "minimum"}


def _identity(kind: str, element_type: ir.Type, unsigned: bool):
    if isinstance(element_type, ir.FloatType):
        return {"sum": 0.0, "prod": 1.0, "max": -math.inf, "min": math.inf}[kind]
    width = ir.IntegerType(element_type).width
    if width == 1:
        return {"sum": 0, "prod": 1, "max": 0, "min": 1}[kind]
    if unsigned:  # the unsigned maximum, 2**width - 1, has every bit set: -1 signless
        return {"sum": 0, "prod": 1, "max": 0, "min": -1}[kind]
    return {"sum": 0, "prod": 1, "max": -(2 ** (width - 1)), "min": 2 ** (width - 1) - 1}[kind]


def _combine(kind: str, a: ir.Value, b: ir.Value, unsigned: bool) -> ir.Value:
    return scalar.binary(REDUCE_COMBINERS[kind], a, b, unsigned)


def _register_reduce(kind: str):
    @lowers(f"kiln.reduce_{kind}")
    def lower_reduce(op):
        """A sum accumulates in a wider float and rounds once at the end: f32 for half
        precision, as eager's does, and f64 for f32, which keeps a sum of millions of
        elements far from zero as accurate as eager's cascade summation or better. Products
        stay in their own type, as eager's do; max and min are exact."""
        x = op.operands[0]
        unsigned = is_unsigned(x)
        rank = len(x.type.shape)
        dims = list(op.attributes["dimensions"])
        result_type = op.results[0].type
        accumulator = _sum_accumulator_type(result_type) if kind == "sum" else result_type
        init = filled(accumulator, _identity(kind, accumulator.element_type, unsigned))
        kept = [dim(d) for d in range(rank) if d not in dims]
        iterators = ["reduction" if d in dims else "parallel" for d in range(rank)]

        def combine(value, partial):
            return _combine(kind, partial, scalar.cast(value, accumulator.element_type), unsigned)

        reduced = generic([x], init, [identity_map(rank), projection(rank, kept)], iterators,
                          combine)
        return _narrowed(reduced, result_type)


for _kind in REDUCE_COMBINERS:
    _register_reduce(_kind)


def _accumulator_type(result_type: ir.RankedTensorType) -> ir.RankedTensorType:
    """f32 for half-precision results, which eager PyTorch also accumulates in f32."""
    if isinstance(result_type.element_type, (ir.F16Type, ir.BF16Type)):
        return ir.RankedTensorType.get(list(result_type.shape), ir.F32Type.get())
    return result_type


def _sum_accumulator_type(result_type: ir.RankedTensorType) -> ir.RankedTensorType:
    """f64 for f32 sums; otherwise the matmul accumulator (f32 for half precision)."""
    if isinstance(result_type.element_type, ir.F32Type):
        return ir.RankedTensorType.get(list(result_type.shape), ir.F64Type.get())
    return _accumulator_type(result_type)


def _narrowed(value: ir.Value, result_type: ir.RankedTensorType) -> ir.Value:
    """``value`` cast elementwise to ``result_type`` (a no-op when the types agree)."""
    if value.type == result_type:
        return value
    rank = len(result_type.shape)
    return generic([value], empty(result_type), [identity_map(rank)] * 2, ["parallel"] * rank,
                   lambda x, _: scalar.cast(x, result_type.element_type))


@lowers("kiln.matmul", "kiln.batch_matmul")
def lower_matmul(op):
    """A matmul into a zero accumulator, in f32 for half-precision operands."""
    result_type = op.results[0].type
    init = filled(_accumulator_type(result_type), 0)
    named = linalg.matmul if op.name == "kiln.matmul" else linalg.batch_matmul
    return _narrowed(named(op.operands[0], op.operands[1], outs=[init]), result_type)


@lowers("kiln.conv2d")
def lower_conv2d(op):
    """Grouped NCHW/FCHW convolution as one ``linalg.generic`` over
    ``(n, f, oh, ow, c, kh, kw)``; the input channel is ``(f floordiv F_g) * C + c``.
    Half-precision convolutions accumulate in f32, as eager's do."""
    x, weight = op.operands
    result_type = op.results[0].type
    strides = list(op.attributes["strides"])
    dilations = list(op.attributes["dilations"])
    groups = op.attributes["groups"].value
    filters_per_group = weight.type.shape[0] // groups
    channels_per_group = weight.type.shape[1]
    n, f, oh, ow, c, kh, kw = (dim(i) for i in range(7))
    channel = (
        c if groups == 1
        else ir.AffineExpr.get_floor_div(f, filters_per_group) * channels_per_group + c
    )
    input_map = projection(7, [n, channel, oh * strides[0] + kh * dilations[0],
                               ow * strides[1] + kw * dilations[1]])
    weight_map = projection(7, [f, c, kh, kw])
    output_map = projection(7, [n, f, oh, ow])
    iterators = ["parallel"] * 4 + ["reduction"] * 3
    accumulator = _accumulator_type(result_type)
    init = filled(accumulator, 0)

    def multiply_add(a, w, acc):
        a, w = (scalar.cast(v, accumulator.element_type) for v in (a, w))
        return scalar.binary("add", acc, scalar.binary("mul", a, w))

    convolved = generic([x, weight], init, [input_map, weight_map, output_map], iterators,
                        multiply_add)
    return _narrowed(convolved, result_type)
