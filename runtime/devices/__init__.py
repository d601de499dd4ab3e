"""Runtime halves of Kiln's targets: allocate, load an artifact, launch, synchronize."""

from pathlib import Path

from kiln import targets

from .base import Device

__all__ = ["Device", "get_device"]


def get_device(target: str, cache_dir: Path | None = None) -> Device:
    """The runtime device of ``target``, found through the ``kiln.targets`` entry points."""
    return targets.load_half(targets.spec(target).device)(cache_dir)
