"""The runtime half of a target: what every device class provides.

A device runs what its target's compiler half emitted. It never imports MLIR or the
compiler, so a saved program runs where no compiler is installed. The executable asks
it for memory, loads the artifact through it, and binds each host-program step to a
function of buffer addresses that the device returns::

    device = CpuDevice(cache_dir)
    module = device.load(binary)
    launch = device.kernel(module, "forward_kernel_0", arity=3, grid=())
    launch(address_0, address_1, address_2)

A device is a class with this interface, named by a :class:`kiln.targets.TargetSpec`;
subclassing is not required.
"""

from pathlib import Path
from typing import Any, Protocol

import torch


class Device(Protocol):
    """A target's runtime half."""

    name: str

    def __init__(self, cache_dir: Path | None = None): ...

    def load(self, binary: bytes) -> Any:
        """Load an artifact; :class:`~kiln.runtime.errors.DeviceError` if it cannot."""

    def kernel(self, module: Any, name: str, arity: int, grid: tuple[int, ...] = ()):
        """A function of ``arity`` buffer addresses that launches kernel ``name`` over ``grid``."""

    def allocate(self, nbytes: int, alignment: int) -> tuple[torch.Tensor, int]:
        """Scratch memory: the tensor that owns it and its first ``alignment``-aligned address."""

    def empty(self, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """An uninitialized output tensor on this device."""

    def adopt(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` (a saved parameter, say) in this device's memory."""

    def copier(self, nbytes: int):
        """A function ``(target_address, source_address)`` that copies ``nbytes``."""

    def tensor_at(self, address: int, shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """A tensor over memory this device owns, for a step that runs through torch."""

    def synchronize(self) -> None:
        """Wait until every launched kernel has finished."""

    def check_tensor(self, tensor: torch.Tensor) -> str | None:
        """Why ``tensor`` cannot be passed to this device's kernels, or None if it can."""
