"""``torch.compile(module, backend="kiln")``: Kiln as a TorchDynamo backend.

Dynamo hands the backend an FX graph with flat inputs; Kiln compiles it for the example
inputs' shapes and dtypes. Graphs Kiln cannot compile (an unsupported op, symbolic shapes)
run eagerly instead, with a warning, so ``torch.compile`` never fails because of Kiln.
"""

import warnings

import torch

import kiln


def kiln_backend(gm: torch.fx.GraphModule, example_inputs):
    """Compile a Dynamo graph with Kiln; fall back to running ``gm`` eagerly if Kiln can't.

    Returns a callable that takes the graph's flat inputs and returns what ``gm`` returns.
    """
    symbolic = [type(x).__name__ for x in example_inputs if not isinstance(x, torch.Tensor)]
    if symbolic:
        _warn_fallback(f"graph takes non-tensor inputs ({', '.join(symbolic)}), e.g. symbolic "
                       "shapes; pass dynamic=False to torch.compile to specialize them")
        return gm.forward
    try:
        return kiln.compile(gm, *example_inputs)
    except kiln.KilnError as error:
        _warn_fallback(str(error))
        return gm.forward


def _warn_fallback(reason: str) -> None:
    warnings.warn(f"kiln backend: running this graph eagerly: {reason}", RuntimeWarning,
                  stacklevel=3)
