"""Complex tensors as pairs of real ones: the graph rewrite before import.

Neither torch-mlir's backend contract nor Kiln's dialect has complex element types.
A complex tensor of shape ``S`` is stored as interleaved (real, imaginary) pairs, which is
exactly the memory of a real tensor of shape ``S + [2]`` (``torch.view_as_real``). So
the program is traced again with every complex value replaced by that real view and
every op on complex values by real ops on its two components (:mod:`.complex_ops`,
:mod:`.fourier`). The runtime then passes a complex argument's memory and fills a
complex result's memory as they are: nothing is copied at the boundary.

The re-trace (:func:`.retrace.retrace`) keeps each op's source location, so errors
still name the user's line.
"""

import torch
from torch.utils import _pytree as pytree

from ..diagnostics import FrontendError, user_line_of_stack
from . import fourier  # noqa: F401  (registers the transforms' rules)
from .complex_ops import Complex, RULES
from .retrace import RewritingInterpreter, retrace


def has_complex_values(graph: torch.fx.Graph) -> bool:
    """Whether any value in ``graph`` is a complex tensor."""
    return any(_is_complex(value) for node in graph.nodes
               for value in pytree.tree_leaves(node.meta.get("val")))


def complex_as_real(graph: torch.fx.Graph) -> torch.fx.Graph:
    """``graph`` traced again with each complex tensor as its real view.

    Arguments and results keep their positions; a complex one becomes a real tensor
    with a trailing dimension of 2.
    """
    placeholders = [node for node in graph.nodes if node.op == "placeholder"]
    examples = [_as_real(node.meta["val"]) for node in placeholders]
    return retrace(_ComplexAsRealInterpreter(graph.owning_module, graph), examples)


class _ComplexAsRealInterpreter(RewritingInterpreter):
    """Runs the graph with :class:`Complex` values in place of complex tensors."""

    def run_node(self, node: torch.fx.Node):
        with self._set_current_node(node):
            args, kwargs = self.fetch_args_kwargs_from_env(node)
            if node.op == "placeholder":  # its example is already the real view
                value = self.placeholder(node.target, args, kwargs)
                return Complex(value) if _is_complex(node.meta.get("val")) else value
            if node.op == "get_attr":
                value = self.get_attr(node.target, args, kwargs)
                return Complex(_as_real(value)) if _is_complex(value) else value
            if node.op == "output":
                return self.output(node.target, pytree.tree_map(_unwrapped, args), kwargs)
            if node.op == "call_function" and _touches_complex(node, args, kwargs):
                return self._complex_call(node, args, kwargs)
            return getattr(self, node.op)(node.target, args, kwargs)

    def _complex_call(self, node: torch.fx.Node, args, kwargs):
        rule = RULES.get(node.target)
        if rule is None:
            where = user_line_of_stack(node.meta.get("stack_trace"))
            raise FrontendError(
                f"{where + ': ' if where else ''}{node.target} on complex tensors is not "
                "supported by Kiln yet (Kiln computes complex tensors as pairs of real ones, "
                f"for {len(RULES)} ops); keep this part of the program in eager PyTorch")
        return self.apply(node, rule, (node.meta["val"], *args), kwargs)


def _touches_complex(node: torch.fx.Node, args, kwargs) -> bool:
    leaves = pytree.tree_leaves((args, kwargs, node.meta.get("val")))
    return any(isinstance(leaf, (Complex, complex)) or _is_complex(leaf) for leaf in leaves)


def _unwrapped(value):
    return value.real_view if isinstance(value, Complex) else value


def _as_real(value):
    return torch.view_as_real(value.resolve_conj()) if _is_complex(value) else value


def _is_complex(value) -> bool:
    return isinstance(value, torch.Tensor) and value.is_complex()
