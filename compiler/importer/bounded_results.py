"""Results whose length depends on the data (``nonzero``, ``masked_select``, ``x[mask]``),
as tensors of their largest possible length and a count.

Kiln compiles static shapes only. A selection from ``n`` elements has at most ``n``
rows, so the program computes the selected rows into a tensor of ``n`` rows, in order,
and returns how many are real as one more result; the runtime returns the first
``count`` rows, a view. The graph is traced again (:func:`.retrace.retrace`) with each
such value as a :class:`Bounded`: selections make them, ops applied row by row (every
pointwise op, copies, slices and selects along other dimensions) carry them, and sums
and means ignore the padding rows. Anything else that reads a data-dependent length, such
as a ``view`` to it, is refused at the user's line.
"""

import operator
from dataclasses import dataclass

import torch
from torch.fx.experimental.symbolic_shapes import free_unbacked_symbols
from torch.utils import _pytree as pytree

from ..diagnostics import FrontendError, user_line_of_stack
from .retrace import RewritingInterpreter, retrace

aten = torch.ops.aten


@dataclass
class Bounded:
    """A tensor whose dimension ``dim`` holds ``count`` real rows, then padding."""

    padded: torch.Tensor
    count: torch.Tensor
    dim: int

    def valid_rows(self) -> torch.Tensor:
        """True for real rows, shaped to broadcast against :attr:`padded`."""
        rows = torch.arange(self.padded.shape[self.dim]) < self.count
        return rows.reshape([-1 if d == self.dim else 1 for d in range(self.padded.dim())])


@dataclass(frozen=True)
class _Length:
    """A Python number computed from a :class:`Bounded`'s length (``x.size(0)``,
    ``u0 >= 0``), held as a 0-d tensor."""

    value: torch.Tensor


def has_data_dependent_shapes(graph: torch.fx.Graph) -> bool:
    """Whether any value in ``graph`` has a length that depends on the data."""
    return any(free_unbacked_symbols(node.meta.get("val")) for node in graph.nodes
               if node.op != "output")


def pad_data_dependent_results(graph: torch.fx.Graph) -> tuple[torch.fx.Graph, tuple]:
    """``graph`` traced again with each data-dependent result at its largest length.

    Returns the new graph, whose results are the old ones followed by one count per
    padded result, and ``(result position, count position, dimension)`` for each
    padded result.
    """
    interpreter = _BoundingInterpreter(graph.owning_module, graph)
    examples = [node.meta["val"] for node in graph.nodes if node.op == "placeholder"]
    new_graph = retrace(interpreter, examples)
    return new_graph, interpreter.bounded_results


class _BoundingInterpreter(RewritingInterpreter):
    def __init__(self, module, graph):
        super().__init__(module, graph)
        self.bounded_results: tuple = ()

    def run_node(self, node: torch.fx.Node):
        with self._set_current_node(node):
            args, kwargs = self.fetch_args_kwargs_from_env(node)
            if node.op == "output":
                return self.output(node.target, (self._padded_results(args[0]),), kwargs)
            if node.op != "call_function":
                return getattr(self, node.op)(node.target, args, kwargs)
            leaves = pytree.tree_leaves((args, kwargs))
            if any(isinstance(leaf, _Length) for leaf in leaves):
                if node.target is aten._assert_scalar.default:
                    return None  # the padded form holds every length the check allows
                values = pytree.tree_map(lambda v: v.value if isinstance(v, _Length) else v, (args, kwargs))
                if node.target in _LENGTH_ARITHMETIC:
                    return _Length(node.target(*values[0], **values[1]))
                if not _is_pointwise(node.target):
                    raise _refusal(node, "uses a length that depends on the data as a shape")
                args, kwargs = values
                leaves = pytree.tree_leaves((args, kwargs))
            rule = _rule_for(node, args, leaves)
            if rule is not None:
                return self.apply(node, rule, args, kwargs)
            if node.target is aten._assert_tensor_metadata.default:
                return None  # a trace-time check of dtype and device, which stay as they are
            if node.target is aten._local_scalar_dense.default:
                where = user_line_of_stack(node.meta.get("stack_trace"))
                raise FrontendError(f"{where + ': ' if where else ''}the program computes with a "
                                    "Python value read from a tensor (.item()); return the tensor "
                                    "instead, or keep this part in eager PyTorch")
            if any(isinstance(leaf, Bounded) for leaf in leaves) or free_unbacked_symbols(node.meta.get("val")):
                raise _refusal(node, "reads a tensor whose length depends on the data")
            return self.call_function(node.target, args, kwargs)

    def _padded_results(self, results):
        flat = list(results)
        counts, bounded = [], []
        for position, value in enumerate(flat):
            if isinstance(value, Bounded):
                bounded.append((position, len(flat) + len(counts), value.dim))
                counts.append(value.count)
                flat[position] = value.padded
        self.bounded_results = tuple(bounded)
        return [*flat, *counts]


def _rule_for(node: torch.fx.Node, args, leaves):
    if node.target in _SELECTIONS:
        return _SELECTIONS[node.target]
    if node.target is aten.index.Tensor and any(
            isinstance(i, torch.Tensor) and i.dtype in (torch.bool, torch.uint8) for i in args[1] or []):
        return _index_by_mask
    if not any(isinstance(leaf, Bounded) for leaf in leaves):
        return None
    if node.target is operator.getitem:
        return operator.getitem
    if node.target is aten.sym_size.int:
        return _size
    if node.target in _ROW_PRESERVING:
        return _ROW_PRESERVING[node.target]
    if _is_pointwise(node.target):
        return lambda *a, **k: _pointwise(node.target, a, k)
    return None


def _is_pointwise(op) -> bool:
    return isinstance(op, torch._ops.OpOverload) and torch.Tag.pointwise in op.tags


def _refusal(node: torch.fx.Node, problem: str) -> FrontendError:
    where = user_line_of_stack(node.meta.get("stack_trace"))
    return FrontendError(
        f"{where + ': ' if where else ''}{node.target} {problem}; Kiln compiles selections "
        "(nonzero, masked_select, x[mask]) whose results are returned, or go through "
        "pointwise ops, sums and means. Return the selection, or keep this part in eager "
        "PyTorch")


# Selections: the chosen rows, in order, gathered to the front.

def _compacted(values: torch.Tensor, keep: torch.Tensor) -> Bounded:
    """The rows of ``values`` (along dimension 0) where ``keep`` holds, in order, first."""
    n = keep.shape[0]
    kept_before = torch.cumsum(keep.to(torch.int64), 0)
    # Row r of the result is the first row with r + 1 kept rows up to it.
    source = torch.searchsorted(kept_before, torch.arange(1, n + 1), right=False).clamp(max=max(n - 1, 0))
    return Bounded(values[source], kept_before[-1] if n else torch.zeros((), dtype=torch.int64), 0)


def _coordinates(shape) -> torch.Tensor:
    """The row-major coordinates of every element of a tensor of ``shape``: (numel, rank)."""
    flat = torch.arange(torch.Size(shape).numel())
    columns, stride = [], 1
    for size in reversed(shape):
        columns.append((flat // stride) % size)
        stride *= size
    return torch.stack(columns[::-1], dim=1) if columns else flat.new_zeros((flat.shape[0], 0))


def _nonzero(x):
    return _compacted(_coordinates(x.shape), (x != 0).reshape(-1))


def _masked_select(x, mask):
    x, mask = torch.broadcast_tensors(x, mask)
    return _compacted(x.reshape(-1), mask.reshape(-1))


def _index_by_mask(x, indices):
    """``x[..., mask, ...]``: the mask's dimensions become one, of its selected positions."""
    masks = [p for p, i in enumerate(indices) if isinstance(i, torch.Tensor) and i.dtype in (torch.bool, torch.uint8)]
    if len(masks) != 1 or any(i is not None for p, i in enumerate(indices) if p != masks[0]):
        raise FrontendError("indexing with a boolean mask beside other index tensors is not "
                            "supported by Kiln yet; index in two steps")
    position = masks[0]
    mask = indices[position].to(torch.bool)
    selected = _nonzero(mask)
    coordinates = [selected.padded[:, d] for d in range(mask.dim())]
    padded = aten.index.Tensor(x, [None] * position + coordinates)
    return Bounded(padded, selected.count, position)


def _unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique`` (eager's CPU kernel sorts whatever ``sorted`` says): a stable
    sort, then the first element of each run of equal ones; each NaN is its own run."""
    if dim is not None:
        raise FrontendError("torch.unique along a dimension is not supported by Kiln yet")
    values, order = torch.sort(x.reshape(-1), stable=True)
    return _runs(values, order, x.shape, return_inverse, return_counts)


def _unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique_consecutive``: the first element of each run of equal ones."""
    if dim is not None:
        raise FrontendError("torch.unique_consecutive along a dimension is not supported by "
                            "Kiln yet")
    return _runs(x.reshape(-1), None, x.shape, return_inverse, return_counts)


def _runs(values, order, shape, return_inverse: bool, return_counts: bool):
    """The first value of each run of equal ``values``; for each original element (at
    ``order`` in ``values``, or in place) the index of its run; and each run's length."""
    n = values.shape[0]
    starts = torch.ones(n, dtype=torch.bool)
    if n > 1:
        starts = torch.cat([starts[:1], values[1:] != values[:-1]])
    run = torch.cumsum(starts.to(torch.int64), 0) - 1
    firsts = _compacted(values, starts)
    inverse = counts = torch.zeros(0, dtype=torch.int64)
    if return_inverse:
        placed = run if order is None else torch.zeros_like(run).scatter(0, order, run)
        inverse = placed.reshape(shape)
    if return_counts:
        ones = torch.ones(n, dtype=torch.int64)
        counts = Bounded(torch.zeros(n, dtype=torch.int64).scatter_add(0, run, ones), firsts.count, 0)
    return firsts, inverse, counts


_SELECTIONS = {
    aten.nonzero.default: _nonzero,
    aten.masked_select.default: _masked_select,
    aten._unique2.default: _unique,
    aten.unique_consecutive.default: _unique_consecutive,
}


# Ops that keep rows apart.

def _size(x: Bounded, dim: int):
    return _Length(x.count) if dim % x.padded.dim() == x.dim else x.padded.shape[dim]


def _pointwise(op, args, kwargs):
    bounded = [leaf for leaf in pytree.tree_leaves((args, kwargs)) if isinstance(leaf, Bounded)]
    first = bounded[0]
    if any(b.count is not first.count or b.dim != first.dim for b in bounded[1:]):
        raise FrontendError(f"{op} combines two selections; Kiln cannot tell that their "
                            "lengths agree. Keep this part in eager PyTorch")
    unwrapped = pytree.tree_map(lambda v: v.padded if isinstance(v, Bounded) else v, (args, kwargs))
    result = op(*unwrapped[0], **unwrapped[1])
    rank_change = result.dim() - first.padded.dim()
    return Bounded(result, first.count, first.dim + rank_change)


def _same_rows(op):
    return lambda x, *args, **kwargs: Bounded(op(x.padded, *args, **kwargs), x.count, x.dim)


def _along_other_dim(op, keeps_dim: bool):
    def apply(x: Bounded, dim, *args):
        dim %= x.padded.dim()
        if dim == x.dim:
            raise FrontendError(f"{op} along a dimension whose length depends on the data is "
                                "not supported by Kiln yet")
        shift = 0 if keeps_dim or dim > x.dim else -1
        return Bounded(op(x.padded, dim, *args), x.count, x.dim + shift)
    return apply


def _unsqueeze(x: Bounded, dim):
    dim %= x.padded.dim() + 1
    return Bounded(x.padded.unsqueeze(dim), x.count, x.dim + (dim <= x.dim))


def _reduced(x: Bounded, dims, keepdim: bool, mean: bool, dtype=None):
    rank = x.padded.dim()
    dims = sorted({d % rank for d in dims} if dims else set(range(rank)))
    values = x.padded if dtype is None else x.padded.to(dtype)
    if not values.is_floating_point() and not mean:
        values = values.to(torch.int64)  # eager sums bool and integer tensors in int64
    total = torch.where(x.valid_rows(), values, 0).sum(dims, keepdim=keepdim)
    if not mean:
        result = total
    else:
        others = torch.Size([x.padded.shape[d] for d in dims if d != x.dim]).numel()
        result = total / (x.count * others if x.dim in dims else others)
    if x.dim in dims:
        return result
    return Bounded(result, x.count, x.dim - sum(d < x.dim for d in dims) * (not keepdim))


_ROW_PRESERVING = {
    aten.clone.default: _same_rows(aten.clone.default),
    aten.alias.default: _same_rows(aten.alias.default),
    aten._to_copy.default: _same_rows(aten._to_copy.default),
    aten.slice.Tensor: _along_other_dim(aten.slice.Tensor, keeps_dim=True),
    aten.select.int: _along_other_dim(aten.select.int, keeps_dim=False),
    aten.squeeze.dims: lambda x, dims: _squeezed(x, dims),
    aten.unsqueeze.default: _unsqueeze,
    aten.cat.default: lambda tensors, dim=0: _concatenated(tensors, dim),
    aten.sum.dim_IntList: lambda x, dims=None, keepdim=False, dtype=None: _reduced(x, dims, keepdim, False, dtype),
    aten.mean.dim: lambda x, dims=None, keepdim=False, dtype=None: _reduced(x, dims, keepdim, True, dtype),
}


def _concatenated(tensors, dim):
    first = tensors[0]
    if not all(isinstance(t, Bounded) and t.count is first.count and t.dim == first.dim
               for t in tensors) or dim % first.padded.dim() == first.dim:
        raise FrontendError("concatenating selections with other tensors, or along their "
                            "data-dependent dimension, is not supported by Kiln yet")
    return Bounded(torch.cat([t.padded for t in tensors], dim), first.count, first.dim)


def _squeezed(x: Bounded, dims):
    rank = x.padded.dim()
    dims = [d % rank for d in dims if x.padded.shape[d % rank] == 1 and d % rank != x.dim]
    return Bounded(x.padded.squeeze(dims), x.count, x.dim - sum(d < x.dim for d in dims))


_LENGTH_ARITHMETIC = {operator.ge, operator.le, operator.gt, operator.lt, operator.eq,
                      operator.ne, operator.add, operator.sub, operator.mul, operator.floordiv}
