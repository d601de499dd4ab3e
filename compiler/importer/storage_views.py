"""Storage reads through views: ``as_strided`` of a view addresses its base's storage.

``as_strided`` places its elements by the *storage* of its operand, and a view (an
``unfold``, a slice, a transpose) shares its base's storage. Kiln's decompositions turn
many views into new values (``unfold`` becomes a gather), whose layout is no longer the
view's, so an ``as_strided`` decomposed after them would address the wrong elements.
This rewrite, run on the exported graph before decomposition, points each such read at
the start of its view chain, where the storage is the one eager reads.
"""

import torch

STORAGE_READS = (torch.ops.aten.as_strided.default, torch.ops.aten.as_strided_copy.default)


def read_storage_from_view_bases(graph_module: torch.fx.GraphModule) -> None:
    """Make every ``as_strided`` whose operand is a view read that view's base instead,
    with the storage offset it would have used made explicit."""
    changed = False
    for node in graph_module.graph.nodes:
        if node.op != "call_function" or node.target not in STORAGE_READS:
            continue
        operand = node.args[0]
        base = _view_base(operand)
        if base is operand:
            continue
        size, stride = node.args[1], node.args[2]
        offset = node.args[3] if len(node.args) > 3 else node.kwargs.get("storage_offset")
        if offset is None:
            offset = operand.meta["val"].storage_offset()
        node.args = (base, size, stride, offset)
        node.kwargs = {}
        changed = True
    if changed:
        graph_module.recompile()


def _view_base(node: torch.fx.Node) -> torch.fx.Node:
    """The first node of the chain of view ops that ends at ``node``."""
    while (isinstance(node, torch.fx.Node) and node.op == "call_function"
           and _is_view(node.target) and isinstance(node.args[0], torch.fx.Node)):
        node = node.args[0]
    return node


def _is_view(target) -> bool:
    """Whether an ATen op returns an alias of its first argument that it does not write."""
    if not isinstance(target, torch._ops.OpOverload):
        return False
    arguments, results = target._schema.arguments, target._schema.returns
    if not arguments or not results or arguments[0].alias_info is None:
        return False
    alias = results[0].alias_info
    return alias is not None and not alias.is_write
