"""Random ops become arguments that the runtime draws through torch (``runtime.random_draws``).

Only ops whose result depends on nothing but shapes, dtypes and Python numbers move
out of the graph; their tensor arguments (``rand_like``'s, the functional ``uniform``'s)
are recorded by shape and dtype. Random ops that read tensor values (``normal`` with a
tensor mean, ``multinomial``, ``poisson``) stay, and are refused as unsupported ops.
"""

import copy

import torch

from kiln.runtime.random_draws import RandomDraw, TensorLike, dtype_value

from ..diagnostics import FrontendError, user_line_of_stack

aten = torch.ops.aten

DRAWN_OPS = {
    aten.rand.default, aten.randn.default, aten.randint.default, aten.randint.low,
    aten.randperm.default, aten.rand_like.default, aten.randn_like.default,
    aten.randint_like.default, aten.randint_like.low_dtype, aten.uniform.default,
    aten.normal.float_float, aten.normal_functional.default, aten.exponential.default,
    aten.cauchy.default, aten.log_normal.default, aten.geometric.default, aten.bernoulli.p,
    aten.random.default, aten.random.to, getattr(aten.random, "from"),
}
# Where the result lives is the runtime's choice; a layout or memory format other than
# the default is refused by torch.export's functional graph already.
_PLACEMENT_KWARGS = {"device", "pin_memory", "layout", "memory_format"}


def hoist_random_draws(graph: torch.fx.Graph) -> tuple[torch.fx.Graph, tuple[RandomDraw, ...]]:
    """``graph`` with each drawn random op replaced by a new last argument, and the draws
    in program order. The graph is copied, with its module, if it has any."""
    if not any(node.target in DRAWN_OPS for node in graph.nodes):
        return graph, ()
    graph = copy.deepcopy(graph.owning_module).graph
    arguments = [node for node in graph.nodes if node.op == "placeholder"]
    draws = []
    for node in [n for n in graph.nodes if n.target in DRAWN_OPS]:
        draws.append(_draw_of(node))
        place = graph.inserting_after(arguments[-1]) if arguments else graph.inserting_before()
        with place:
            argument = graph.placeholder(f"random_draw_{len(draws) - 1}")
        arguments.append(argument)
        argument.meta["val"] = node.meta["val"]
        node.replace_all_uses_with(argument)
        graph.erase_node(node)
    return graph, tuple(draws)


def _draw_of(node: torch.fx.Node) -> RandomDraw:
    if node.kwargs.get("generator") is not None:
        where = user_line_of_stack(node.meta.get("stack_trace"))
        raise FrontendError(f"{where + ': ' if where else ''}{node.target} with a generator "
                            "of its own is not supported by Kiln; draw from torch's default "
                            "generator, or pass the random tensor in")
    args = tuple(_recorded(a) for a in node.args)
    kwargs = tuple((name, _recorded(value)) for name, value in node.kwargs.items()
                   if name not in _PLACEMENT_KWARGS and name != "generator")
    return RandomDraw(str(node.target), args, kwargs)


def _recorded(value):
    if isinstance(value, torch.fx.Node):
        example = value.meta["val"]
        return TensorLike(tuple(example.shape), str(example.dtype).removeprefix("torch."))
    if isinstance(value, torch.dtype):
        return dtype_value(value)
    if isinstance(value, (list, tuple)):
        return [_recorded(v) for v in value]
    return value
