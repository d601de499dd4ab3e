"""Dynamo's parameters and buffers as the compiled program's state, not its inputs.

Dynamo hands a backend every parameter and buffer of the module as a graph input. Kiln
packs a weight that a matmul or convolution reads once, into a buffer it keeps, only
when the weight is program *state*; an input is packed again at every call (a 512 →
2048 linear at one row took 880 µs that way against 110 µs as state). This module turns
those inputs back into state: each becomes a parameter or buffer of a copy of the graph
module, and the callable it returns rebinds them to the tensors Dynamo passes at each
call, so a replaced or updated weight is seen (and repacked only then).
"""

import re
from collections.abc import Callable

import torch

# Dynamo's source names of a module's parameters and buffers, e.g.
# L['self']._modules['0']._parameters['weight'].
STATE_SOURCE = re.compile(r"\._(parameters|buffers)\[")


def is_state_input(placeholder: torch.fx.Node, example) -> bool:
    """Whether a graph input is a parameter or a buffer of the user's module."""
    if isinstance(example, torch.nn.Parameter):
        return True
    graph_argument = placeholder.meta.get("grapharg")
    source = getattr(graph_argument, "source", None)
    return source is not None and STATE_SOURCE.search(source.name) is not None


def lift_state_inputs(gm: torch.fx.GraphModule, example_inputs: list):
    """A copy of ``gm`` whose parameter and buffer inputs are its own state, the example
    inputs that remain, and a function from the graph's flat inputs at a call to those
    the copy takes (after rebinding its state to the tensors passed); ``None`` when no
    input is a parameter or buffer. ``gm`` itself is left as it is."""
    placeholders = [node for node in gm.graph.nodes if node.op == "placeholder"]
    lifted = [position for position, (node, example) in enumerate(zip(placeholders, example_inputs))
              if isinstance(example, torch.Tensor) and is_state_input(node, example)]
    if not lifted:
        return None
    module = torch.fx.GraphModule(gm, torch.fx.Graph())
    module.graph = _graph_with_state(gm.graph, module, placeholders, lifted, example_inputs)
    module.recompile()
    kept = [position for position in range(len(placeholders)) if position not in lifted]
    slots = [(module._parameters if isinstance(example_inputs[p], torch.nn.Parameter)
              else module._buffers, _state_name(index), p) for index, p in enumerate(lifted)]

    def rebind(args: tuple) -> list:
        for table, name, position in slots:
            table[name] = args[position]
        return [args[position] for position in kept]

    return module, [example_inputs[p] for p in kept], rebind


def _graph_with_state(graph: torch.fx.Graph, module: torch.nn.Module, placeholders: list,
                      lifted: list[int], example_inputs: list) -> torch.fx.Graph:
    """A copy of ``graph`` where each lifted placeholder reads ``module``'s new state."""
    copied = torch.fx.Graph()
    values = {}
    lifted_nodes = {placeholders[p]: (index, example_inputs[p]) for index, p in enumerate(lifted)}
    for node in graph.nodes:
        if node in lifted_nodes:
            index, example = lifted_nodes[node]
            name = _state_name(index)
            if isinstance(example, torch.nn.Parameter):
                module.register_parameter(name, example)
            else:
                module.register_buffer(name, example)
            values[node] = copied.get_attr(name)
            values[node].meta = dict(node.meta)
        else:
            values[node] = copied.node_copy(node, lambda n: values[n])
    return copied


def _state_name(index: int) -> str:
    return f"kiln_state_{index}"


def with_state_rebound(compiled: Callable, rebind: Callable) -> Callable:
    """The graph's callable: rebind the state from the call's inputs, then run."""
    def run(*args):
        return compiled(*rebind(args))

    run.kiln_executable = compiled
    return run
