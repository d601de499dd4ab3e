"""Random numbers a compiled program draws through torch, in eager's order.

The compiler turns each random op whose result depends only on shapes, dtypes and
Python numbers (``rand``, ``randn_like``, ``randint``, the functional ``uniform``...)
into an extra argument of the compiled code. Before the kernels run, the runtime calls
the same ATen op with the same arguments on the target's device, in program order, so
the program draws exactly the numbers eager draws from torch's generator: under
``torch.manual_seed`` a compiled program and eager give the same results.
"""

import functools
from dataclasses import dataclass

import torch

from .errors import ArtifactError


@dataclass(frozen=True)
class TensorLike:
    """A tensor argument of which the op reads only the shape and dtype."""

    shape: tuple[int, ...]
    dtype: str


@dataclass(frozen=True)
class RandomDraw:
    """One call of a random ATen op (``aten.rand.default``), without its device."""

    op: str
    args: tuple
    kwargs: tuple[tuple[str, object], ...]

    def draw(self, device, torch_device: torch.device) -> torch.Tensor:
        """The op's result on ``torch_device``, drawn from torch's generator now."""
        args = [_argument(a, device) for a in self.args]
        kwargs = {name: _argument(value, device) for name, value in self.kwargs}
        if self._is_factory:
            kwargs["device"] = torch_device
        return self._overload(*args, **kwargs)

    @functools.cached_property
    def _overload(self):
        return resolve_op(self.op)

    @functools.cached_property
    def _is_factory(self) -> bool:
        """Whether the op makes its tensor from nothing (``rand``), so it needs a device."""
        return not any(isinstance(a, TensorLike) for a in self.args)

    def to_record(self) -> list:
        args = [["like", list(a.shape), a.dtype] if isinstance(a, TensorLike) else ["value", a]
                for a in self.args]
        return [self.op, args, [list(pair) for pair in self.kwargs]]

    @classmethod
    def from_record(cls, record: list) -> "RandomDraw":
        op, args, kwargs = record
        resolve_op(op)
        return cls(op, tuple(TensorLike(tuple(a[1]), a[2]) if a[0] == "like" else a[1] for a in args),
                   tuple((str(name), value) for name, value in kwargs))


def dtype_value(dtype: torch.dtype) -> list:
    """How a dtype argument is recorded."""
    return ["dtype", str(dtype).removeprefix("torch.")]


def _argument(value, device):
    if isinstance(value, TensorLike):
        return device.empty(value.shape, getattr(torch, value.dtype))
    if isinstance(value, list) and len(value) == 2 and value[0] == "dtype":
        return getattr(torch, value[1])
    return value


def resolve_op(name: str):
    """The ATen op named ``aten.<op>.<overload>``."""
    namespace, _, rest = name.partition(".")
    op_name, _, overload = rest.partition(".")
    op = getattr(getattr(torch.ops.aten, op_name, None), overload or "default", None)
    if namespace != "aten" or op is None:
        raise ArtifactError(f"the program draws random numbers with '{name}', which this "
                            "torch does not have; recompile it with this version of torch")
    return op
