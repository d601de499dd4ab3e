"""The compiler half of ``example-npu``: options, capabilities, stages and the artifact."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from torch_mlir import ir

from kiln import knobs
from kiln.compiler.passes.stages import Stage
from kiln.compiler.targets.base import Artifact, Capabilities, TargetPasses, parse_options
from kiln.compiler.targets.cpu import stages  # noqa: F401  (registers kiln-lower-to-llvm)
from kiln.compiler.targets.cpu.codegen import emit_shared_object
from kiln.compiler.targets.llvm_translation import translate_to_llvm_ir
from kiln.runtime.errors import OptionError
from kiln.runtime.host_program import HostProgram

from . import artifact
from .capabilities import ELEMENT_TYPES, KERNEL_OPS
from .counters import COUNTERS, counters_symbol
from .tile_kernels import KilnNpuTileKernels

NAME = "example-npu"


@dataclass(frozen=True)
class NpuOptions:
    """How ``example-npu`` compiles: the NPU's tile size (elements), its scratchpad's
    size (bytes) and the options of ``kiln-fuse``."""

    tile_size: int = 64
    scratchpad_bytes: int = 256 * 1024
    fusion: str = ""


class NpuCompiler:
    """Compiles for the example NPU: Kiln's stages to ``planned``, then its own
    ``npu-tiled`` stage (``kiln-npu-tile-kernels``) and the CPU's LLVM lowering, since the
    NPU is simulated by a reference executor on the host. Kernels holding an op it lacks
    run on the CPU: its memory is host memory."""

    name = NAME
    capabilities = Capabilities(ops=KERNEL_OPS, element_types=ELEMENT_TYPES,
                                partitions_to_cpu=True)

    def __init__(self, settings: knobs.Knobs, options: Mapping[str, object]):
        self.options = parse_options(self.name, NpuOptions, options,
                                     {"fusion": settings.fusion})
        if self.options.tile_size < 1 or self.options.scratchpad_bytes < 1:
            raise OptionError(f"target '{self.name}' needs a positive tile_size and "
                            f"scratchpad_bytes, not {self.options.tile_size} and "
                            f"{self.options.scratchpad_bytes}")
        self.fusion = self.options.fusion

    def passes(self) -> TargetPasses:
        """Nothing in the driver's stages; per kernel, ``npu-tiled`` then ``llvm``."""
        tile = KilnNpuTileKernels.argument
        return TargetPasses(
            kernel_stages=(
                Stage("npu-tiled", f"builtin.module({tile}{{target={self.name} "
                                   f"tile-size={self.options.tile_size} "
                                   f"scratchpad-bytes={self.options.scratchpad_bytes}}}, "
                                   "canonicalize, cse)"),
                Stage("llvm", "builtin.module(kiln-lower-to-llvm)"),
            ),
        )

    def emit_artifact(self, kernels: dict[str, ir.Module], host_program: HostProgram,
                      dump: Callable[[str, str], None]) -> Artifact:
        """The manifest (tile size, scratchpad, each kernel's counters) and one shared
        object of every kernel, built by the CPU's code generation."""
        started = time.perf_counter()
        llvm_ir = {name: translate_to_llvm_ir(kernel) for name, kernel in kernels.items()}
        translated = time.perf_counter()
        dump("llvm.ll", "\n".join(f"; kernel {name}\n{text}" for name, text in llvm_ir.items()))
        manifest = {"target": self.name, "tile_size": self.options.tile_size,
                    "scratchpad_bytes": self.options.scratchpad_bytes, "counters": list(COUNTERS),
                    "kernels": {name: counters_symbol(name) for name in kernels}}
        binary = artifact.pack(manifest, emit_shared_object(llvm_ir, opt_level=2))
        return Artifact(binary, host_program, {"llvm-ir": translated - started,
                                               "artifact": time.perf_counter() - translated})
