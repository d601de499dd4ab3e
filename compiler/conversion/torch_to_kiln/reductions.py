"""Converters for reductions: ``sum``, ``amax``, ``amin``, ``prod``, ``any``, ``all``,
``argmax`` and ``argmin``."""

import math

from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import i64_array, i64_attr, normalize_dim

KINDS = {"sum": "sum", "amax": "max", "amin": "min", "prod": "prod", "any": "max", "all": "min"}


def _reduce(rewriter, op, kind: str, dims):
    result = rewriter.result_type(op)
    x = rewriter.tensor(op.operands[0])
    x = rewriter.cast(x, result.element_type)
    shape = list(x.type.shape)
    if dims is None or dims == []:
        dims = list(range(len(shape)))
    if not shape:  # a 0-d tensor reduces to itself (cast to the result's dtype above)
        return [x]
    dims = sorted({normalize_dim(d, len(shape)) for d in ([dims] if isinstance(dims, int) else dims)})
    reduced_shape = [size for d, size in enumerate(shape) if d not in dims]
    reduced_type = ir.RankedTensorType.get(reduced_shape, result.element_type)
    reduced = kiln.REDUCE_OPS[kind](x, i64_array(dims), reduced_type).result
    return [rewriter.reshape(reduced, list(result.shape))]


@converts("torch.aten.sum.dim_IntList", "torch.aten.sum", "torch.aten.amax", "torch.aten.amin",
          "torch.aten.prod.dim_int", "torch.aten.prod", "torch.aten.any.dim", "torch.aten.any.dims",
          "torch.aten.any", "torch.aten.all.dim", "torch.aten.all")
def convert_reduction(rewriter, op):
    """Reduce, then reshape to the result type, which has size-1 dims where keepdim is set."""
    aten_name = op.name.split(".")[2]
    has_dims = op.name.count(".") == 3 or aten_name in ("amax", "amin")
    dims = rewriter.constant(op.operands[1]) if has_dims else None
    return _reduce(rewriter, op, KINDS[aten_name], dims)


@converts("torch.aten.argmax", "torch.aten.argmin")
def convert_arg_extreme(rewriter, op):
    """The first index of the largest (smallest) element along ``dim``, or of the
    flattened tensor when ``dim`` is None; NaN counts as the extreme, as in eager.

    Two reductions: the extreme value, then the least index that holds it.
    """
    x = rewriter.tensor(op.operands[0])
    dim, keepdim = rewriter.constant(op.operands[1]), rewriter.constant(op.operands[2])
    result = rewriter.result_type(op)
    if dim is None:
        x, dim = rewriter.reshape(x, [math.prod(x.type.shape)]), 0
    shape = list(x.type.shape)
    if not shape:  # the only element of a 0-d tensor is at index 0
        return [rewriter.splat(0, result)]
    dim = normalize_dim(dim, len(shape))
    kept_type = ir.RankedTensorType.get(shape[:dim] + [1] + shape[dim + 1:], x.type.element_type)
    kind = "max" if op.name == "torch.aten.argmax" else "min"
    extreme = rewriter.broadcast_to(_reduce_to(x, kind, dim, kept_type), shape)
    hits = kiln.CompareOp(x, extreme, ir.StringAttr.get("eq"), _bool_like(x)).result
    if isinstance(x.type.element_type, ir.FloatType):
        # max and min propagate NaN, and NaN equals nothing: find the NaNs themselves.
        is_nan = kiln.CompareOp(x, x, ir.StringAttr.get("ne"), _bool_like(x)).result
        hits = kiln.BINARY_OPS["or"](hits, is_nan, hits.type).result
    index_type = ir.RankedTensorType.get(shape, ir.IntegerType.get_signless(64))
    positions = kiln.IotaOp(i64_attr(dim), index_type).result
    past_end = rewriter.splat(shape[dim], index_type)
    candidates = kiln.SelectOp(hits, positions, past_end, index_type).result
    kept_index_type = ir.RankedTensorType.get(kept_type.shape, index_type.element_type)
    first = _reduce_to(candidates, "min", dim, kept_index_type)
    return [rewriter.reshape(first, list(result.shape))]


def _reduce_to(x: ir.Value, kind: str, dim: int, kept_type: ir.RankedTensorType) -> ir.Value:
    """``x`` reduced along ``dim``, which stays as a size-1 dimension of ``kept_type``."""
    reduced_shape = [s for d, s in enumerate(x.type.shape) if d != dim]
    reduced_type = ir.RankedTensorType.get(reduced_shape, kept_type.element_type)
    reduced = kiln.REDUCE_OPS[kind](x, i64_array([dim]), reduced_type).result
    return kiln.ReshapeOp(reduced, kept_type).result


def _bool_like(x: ir.Value) -> ir.RankedTensorType:
    return ir.RankedTensorType.get(list(x.type.shape), ir.IntegerType.get_signless(1))
