"""What the example NPU's reference executor reports: launches, tiles and bytes moved."""

import threading
from dataclasses import dataclass, field


@dataclass
class KernelCounts:
    """One kernel's totals over its launches."""

    launches: int = 0
    tiles: int = 0
    bytes_moved: int = 0


@dataclass
class NpuReport:
    """Totals per kernel since the last :meth:`reset`; safe to update from many threads."""

    kernels: dict[str, KernelCounts] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, kernel: str, tiles: int, bytes_moved: int) -> None:
        """Count one launch of ``kernel`` that issued ``tiles`` and moved ``bytes_moved``."""
        with self._lock:
            counts = self.kernels.setdefault(kernel, KernelCounts())
            counts.launches += 1
            counts.tiles += tiles
            counts.bytes_moved += bytes_moved

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self.kernels.clear()

    @property
    def launches(self) -> int:
        """Kernel launches, over every kernel."""
        return sum(counts.launches for counts in self.kernels.values())

    @property
    def tiles(self) -> int:
        """Tiles issued, over every kernel."""
        return sum(counts.tiles for counts in self.kernels.values())

    @property
    def bytes_moved(self) -> int:
        """Bytes moved through the scratchpad, over every kernel."""
        return sum(counts.bytes_moved for counts in self.kernels.values())
