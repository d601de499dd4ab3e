"""The CPU target's compiler half: llvmlite code for the host CPU, one shared object."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from torch_mlir import ir

from kiln import knobs
from kiln.runtime.errors import OptionError
from kiln.runtime.host_program import HostProgram

from ...ir.element_types import TORCH_DTYPES
from ..base import Artifact, Capabilities, TargetPasses, parse_options
from ..llvm_translation import translate_to_llvm_ir
from .codegen import emit_shared_object
from .stages import cpu_passes


@dataclass(frozen=True)
class CpuOptions:
    """How the CPU target compiles: LLVM's optimization level and the options of
    ``kiln-fuse``; ``KILN_OPT_LEVEL`` and ``KILN_FUSION`` give the defaults."""

    opt_level: int = 3
    fusion: str = ""


class CpuTarget:
    """Compiles for the host CPU with llvmlite; links with the system C compiler."""

    name = "cpu"
    capabilities = Capabilities(ops=None, element_types=frozenset(TORCH_DTYPES))

    def __init__(self, settings: knobs.Knobs, options: Mapping[str, object] | None = None):
        self.options = parse_options(self.name, CpuOptions, options or {},
                                     {"opt_level": settings.opt_level, "fusion": settings.fusion})
        if self.options.opt_level not in range(4):
            raise OptionError(f"option 'opt_level' of target 'cpu' must be 0 to 3, "
                            f"not {self.options.opt_level}")
        self.fusion = self.options.fusion

    def passes(self) -> TargetPasses:
        """Row tiling, split reductions and the like in ``tiled``, packed GEMMs in
        ``planned``, then ``llvm`` per kernel (see :func:`.stages.cpu_passes`)."""
        return cpu_passes()

    def emit_artifact(self, kernels: dict[str, ir.Module], host_program: HostProgram,
                      dump: Callable[[str, str], None]) -> Artifact:
        """Each kernel's LLVM IR (``llvm-ir``, dumped as ``llvm.ll``), then one shared object."""
        started = time.perf_counter()
        llvm_ir = {name: translate_to_llvm_ir(kernel) for name, kernel in kernels.items()}
        translated = time.perf_counter()
        dump("llvm.ll", "\n".join(f"; kernel {name}\n{text}" for name, text in llvm_ir.items()))
        binary = emit_shared_object(llvm_ir, self.options.opt_level)
        return Artifact(binary, host_program, {"llvm-ir": translated - started,
                                               "artifact": time.perf_counter() - translated})
