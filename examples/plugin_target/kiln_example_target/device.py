"""The runtime half of ``example-npu``: a reference executor that runs the NPU's kernels
on host memory and reports the tiles they issued and the bytes they moved."""

import ctypes
import threading
from dataclasses import dataclass

from kiln.runtime.devices.cpu import CpuDevice
from kiln.runtime.errors import ArtifactError, DeviceError

from . import artifact
from .counters import COUNTERS
from .report import NpuReport


@dataclass(frozen=True)
class LoadedArtifact:
    """An artifact on the executor: its manifest and its loaded shared object."""

    manifest: dict
    library: ctypes.CDLL


class NpuDevice(CpuDevice):
    """The simulated NPU. Its memory is host memory (so the CPU's kernels share its
    arena); each kernel runs on the host, and after each launch the executor moves the
    kernel's tile and byte counters into :attr:`report`, shared by every device."""

    name = "example-npu"
    report = NpuReport()
    _counters_lock = threading.Lock()

    def load(self, binary: bytes) -> LoadedArtifact:
        """Check the manifest and load the shared object of the kernels."""
        manifest, shared_object = artifact.unpack(binary)
        if manifest.get("target") != self.name or manifest.get("counters") != list(COUNTERS):
            raise ArtifactError(f"an artifact for {manifest.get('target')!r} with counters "
                                f"{manifest.get('counters')} cannot run on {self.name}")
        return LoadedArtifact(manifest, super().load(shared_object))

    def kernel(self, loaded: LoadedArtifact, name: str, arity: int, grid: tuple[int, ...] = ()):
        """A function of ``arity`` addresses that runs kernel ``name`` and reports it."""
        symbol = loaded.manifest["kernels"].get(name)
        if symbol is None:
            raise DeviceError(f"the {self.name} artifact has no kernel '{name}'")
        launch = CpuDevice.kernel(loaded.library, name, arity, grid)
        counters = (ctypes.c_int64 * len(COUNTERS)).in_dll(loaded.library, symbol)
        report = self.report

        def run(*addresses: int) -> None:
            with NpuDevice._counters_lock:  # the counters are the kernel's, not the call's
                launch(*addresses)
                counts = dict(zip(COUNTERS, counters))
                ctypes.memset(counters, 0, ctypes.sizeof(counters))
            report.record(name, counts["tiles"], counts["bytes"])

        return run
