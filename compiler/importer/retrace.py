"""Tracing a graph again through an interpreter that rewrites some of its values."""

import torch
from torch.fx import traceback as fx_traceback
from torch.fx.experimental.proxy_tensor import make_fx

from ..diagnostics import FrontendError, user_line_of_stack
from .decompositions import kiln_decomposition_table


class RewritingInterpreter(torch.fx.Interpreter):
    """An interpreter for :func:`retrace` whose rewrite rules may refuse a node: the
    refusal names the node's line in the user's source, without torch.fx's node dump."""

    def __init__(self, module, graph):
        super().__init__(module, graph=graph)
        self.extra_traceback = False

    @staticmethod
    def apply(node: torch.fx.Node, rule, args, kwargs):
        """``rule(*args, **kwargs)``, a refusal located at ``node``'s line."""
        try:
            return rule(*args, **kwargs)
        except FrontendError as error:
            where = user_line_of_stack(node.meta.get("stack_trace"))
            if where is None or str(error).startswith(where):
                raise
            raise FrontendError(f"{where}: {error}") from None


def retrace(interpreter: torch.fx.Interpreter, examples: list) -> torch.fx.Graph:
    """The graph of ``interpreter.run(*examples)`` on fake tensors, decomposed by Kiln's
    table; each op keeps the source location of the node it was traced from, so errors
    still name the user's line. The rules must call functional ops only: the trace is
    not functionalized (``matmul`` of a vector, for one, squeezes in place)."""
    with fx_traceback.preserve_node_meta():
        traced = make_fx(interpreter.run, decomposition_table=kiln_decomposition_table(),
                         tracing_mode="fake")(*examples)
    return traced.graph
