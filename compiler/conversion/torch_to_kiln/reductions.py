"""Converters for reductions: ``sum``, ``amax``, ``amin``, ``prod`` and ``any``."""

from torch_mlir import ir

from ...dialect import kiln
from .registry import converts
from .rewriter import i64_array, normalize_dim

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
