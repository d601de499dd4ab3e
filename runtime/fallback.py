"""Runs a :class:`~.host_program.Fallback` step: an ATen op called through torch.

The step's ``call`` is the op's argument list as JSON: ``{"args": [...], "kwargs":
{...}}``, where ``{"tensor": i}`` stands for the i-th tensor argument,
``{"torch": "float32"}`` for a dtype, layout or memory format, and everything else is
passed as it is. The tensors are views of the host program's buffers, made from their
addresses at each call; the op's results are copied into the step's result buffers.
"""

import json
from collections.abc import Callable

import torch

from .errors import ArtifactError, CallError
from .host_program import Fallback, TensorRef

_TORCH_ENUMS = (torch.dtype, torch.layout, torch.memory_format)


def bind_fallback(step: Fallback, device) -> Callable[..., None]:
    """A step function that takes the addresses of ``step.args`` then ``step.results``,
    which are memory of ``device``."""
    overload = _overload(step.op)
    try:
        template = json.loads(step.call)
        args, kwargs = template["args"], template["kwargs"]
        _check_template(template)
    except (ValueError, KeyError, TypeError) as error:
        raise ArtifactError(f"malformed call of fallback {step.op}: {error}") from error
    views = [_viewer(t, device) for t in (*step.args, *step.results)]
    result_count = len(step.results)

    def run(*addresses: int) -> None:
        tensors = [view(address) for view, address in zip(views, addresses)]
        inputs = tensors[:len(tensors) - result_count]
        produced = overload(*_decode(args, inputs),
                            **{name: _decode(value, inputs) for name, value in kwargs.items()})
        produced = produced if isinstance(produced, (tuple, list)) else (produced,)
        for target, value, ref in zip(tensors[len(inputs):], produced, step.results):
            if value.shape != target.shape or value.dtype != target.dtype:
                raise CallError(
                    f"fallback {step.op} ({step.where or 'unknown line'}) returned a "
                    f"{value.dtype} tensor of shape {list(value.shape)} where Kiln compiled "
                    f"{ref.dtype}{list(ref.shape)}; please report this as a Kiln bug")
            target.copy_(value)

    return run


def _overload(name: str) -> torch._ops.OpOverload:
    namespace, packet, overload = (name.split(".") + ["default"])[:3]
    try:
        return getattr(getattr(getattr(torch.ops, namespace), packet), overload)
    except AttributeError:
        raise ArtifactError(f"this torch has no op {name}, which the program calls; "
                            "recompile it with this torch") from None


def _viewer(tensor: TensorRef, device) -> Callable[[int], torch.Tensor]:
    """A function that makes a tensor of ``tensor``'s shape and dtype at an address."""
    dtype = getattr(torch, tensor.dtype, None)
    if not isinstance(dtype, torch.dtype):
        raise ArtifactError(f"unknown dtype {tensor.dtype!r} in a fallback step")
    shape = tensor.shape
    return lambda address: device.tensor_at(address, shape, dtype)


def _decode(value, tensors: list[torch.Tensor]):
    if isinstance(value, list):
        return [_decode(item, tensors) for item in value]
    if isinstance(value, dict) and "tensor" in value:
        return tensors[value["tensor"]]
    if isinstance(value, dict) and "torch" in value:
        return getattr(torch, value["torch"])
    return value


def _check_template(value) -> None:
    """Raise ValueError unless every ``{"torch": name}`` names a dtype, layout or format."""
    if isinstance(value, list):
        for item in value:
            _check_template(item)
    elif isinstance(value, dict):
        if "torch" in value and not isinstance(getattr(torch, str(value["torch"]), None), _TORCH_ENUMS):
            raise ValueError(f"{value['torch']!r} is not a torch dtype, layout or memory format")
        for item in value.values():
            _check_template(item)
