"""The compiler half: options, capabilities, stages and artifact emission."""

import dataclasses
from dataclasses import dataclass

from kiln.compiler.dialect.kiln import BINARY_OPS, REDUCE_OPS, UNARY_OPS
from kiln.compiler.targets import Artifact, Capabilities
from kiln.compiler.targets.cpu import CpuTarget

# Every kiln op but convolution: a kernel holding one is refused at compile time.
KERNEL_OPS = frozenset(
    {f"kiln.{name}" for name in (*UNARY_OPS, *BINARY_OPS)}
    | {f"kiln.reduce_{kind}" for kind in REDUCE_OPS}
    | {f"kiln.{name}" for name in ("compare", "select", "cast", "matmul", "batch_matmul",
                                   "broadcast", "reshape", "transpose", "slice", "concat",
                                   "pad", "gather", "constant", "iota")})


@dataclass(frozen=True)
class ExampleOptions:
    """This target's options; a vendor's would hold its tile sizes, core counts, ..."""

    opt_level: int = 2


class ExampleCompiler:
    """Compiles with Kiln's CPU stages and code generation, at LLVM -O2."""

    name = "example-cpu"
    capabilities = Capabilities(ops=KERNEL_OPS, element_types=frozenset({"f32", "i64", "i1"}))

    def __init__(self, settings):
        self.options = ExampleOptions()
        self._cpu = CpuTarget(dataclasses.replace(settings, opt_level=self.options.opt_level))

    def stages(self):
        """Kiln's CPU stages; a vendor lists its own pass pipelines from ``fused`` on."""
        return self._cpu.stages()

    def emit_artifact(self, kernels, host_program, dump) -> Artifact:
        """The CPU's shared object; a vendor emits whatever its device loads."""
        artifact = self._cpu.emit_artifact(kernels, host_program, dump)
        return Artifact(artifact.binary, artifact.host_program, artifact.timings)
