"""Runtime halves of Kiln's targets: allocate, load an artifact, launch."""

from pathlib import Path

from ..errors import DeviceError
from .cpu import CpuDevice

DEVICES = {"cpu": CpuDevice}


def get_device(target: str, cache_dir: Path | None = None):
    """The runtime device for ``target``."""
    if target not in DEVICES:
        raise DeviceError(
            f"no runtime device for target '{target}'; available: {', '.join(sorted(DEVICES))}"
        )
    return DEVICES[target](cache_dir)
