"""``torch.compile(module, backend="kiln")``: Kiln as a TorchDynamo backend.

Dynamo hands the backend an FX graph with flat inputs; Kiln compiles it for the example
inputs' shapes and dtypes. An op Kiln does not compile runs through torch inside the
compiled graph (see ``KILN_FALLBACK``), with a warning at the user's line. A graph
Kiln refuses (symbolic shapes, strict mode, an op the host cannot run either) runs
eagerly instead, with a warning. A crash inside Kiln (an internal compiler error, or
any other exception that is not a refusal) is raised, since it is a bug to report,
unless ``KILN_SUPPRESS_ERRORS=1`` asks for that graph to run eagerly too, as Inductor's
``suppress_errors`` does. :data:`stats` counts the graphs and ops.
"""

import warnings

import torch

import kiln
from kiln import knobs
from kiln.graph_state import lift_state_inputs, with_state_rebound

# Since the process started: graphs compiled by Kiln, graphs run eagerly instead, and
# ops run through torch inside compiled graphs.
stats = {"compiled_graphs": 0, "eager_graphs": 0, "fallback_ops": 0}


def kiln_backend(gm: torch.fx.GraphModule, example_inputs, options: dict | None = None,
                 mode: str | None = None):
    """Compile a Dynamo graph with Kiln; run ``gm`` eagerly instead if Kiln refuses it.

    Returns a callable that takes the graph's flat inputs and returns what ``gm`` returns.
    An internal error is raised unless ``KILN_SUPPRESS_ERRORS=1``.
    ``torch.compile(..., backend="kiln", options={...})`` passes ``options``: ``target``
    (default: ``cuda`` for CUDA inputs, else ``cpu``) and whatever ``kiln.compile``
    takes as ``options``. ``mode`` is accepted and ignored: Kiln has one mode.
    """
    options = dict(options or {})
    target = options.pop("target", _target_of(example_inputs))
    symbolic = [type(x).__name__ for x in example_inputs if not isinstance(x, torch.Tensor)]
    if symbolic:
        return _run_eagerly(gm, f"graph takes non-tensor inputs ({', '.join(symbolic)}), e.g. "
                                "symbolic shapes; pass dynamic=False to torch.compile to "
                                "specialize them")
    program, inputs, rebind = lift_state_inputs(gm, example_inputs) or (gm, example_inputs, None)
    try:
        compiled = kiln.compile(program, *inputs, target=target, options=options)
    except kiln.OptionError:  # the user's options, not the graph: never run eagerly for them
        raise
    except kiln.KilnError as error:  # a refusal
        return _run_eagerly(gm, str(error))
    except Exception as error:  # kiln.InternalCompilerError, or a bug that escaped it
        if not knobs.current().suppress_errors:
            raise
        return _run_eagerly(gm, f"Kiln failed with an internal error (KILN_SUPPRESS_ERRORS=1 "
                                f"runs the graph eagerly): {type(error).__name__}: {error}")
    stats["compiled_graphs"] += 1
    for fallback in compiled.stats.get("fallbacks", []):
        stats["fallback_ops"] += 1
        _warn_at(fallback["where"], f"kiln backend: {fallback['op']} runs through torch, "
                                    f"not compiled by Kiln ({fallback['reason']})")
    return compiled if rebind is None else with_state_rebound(compiled, rebind)


def _target_of(example_inputs) -> str:
    """The target for the graph's inputs: ``cuda`` if any tensor is on a CUDA device."""
    on_gpu = any(isinstance(x, torch.Tensor) and x.device.type == "cuda" for x in example_inputs)
    return "cuda" if on_gpu else "cpu"


def _run_eagerly(gm: torch.fx.GraphModule, reason: str):
    stats["eager_graphs"] += 1
    warnings.warn(f"kiln backend: running this graph eagerly: {reason}", RuntimeWarning,
                  stacklevel=3)
    return gm.forward


def _warn_at(where: str, message: str) -> None:
    """Warn at the user's ``file:line`` when it is known."""
    path, _, line = where.rpartition(":")
    if path and line.isdigit():
        warnings.warn_explicit(message, RuntimeWarning, path, int(line))
    else:
        warnings.warn(message, RuntimeWarning, stacklevel=3)
