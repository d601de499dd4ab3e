"""``example-npu``: an out-of-tree Kiln target for a simulated accelerator, the
walkthrough for a vendor.

A target is two halves named by a :class:`kiln.targets.TargetSpec`, registered in the
``kiln.targets`` entry-point group (see this folder's ``pyproject.toml``):

- the compiler half (:mod:`.compiler`) declares what the NPU runs (:mod:`.capabilities`),
  adds its own per-kernel stage, ``npu-tiled`` (the pass ``kiln-npu-tile-kernels`` in
  :mod:`.tile_kernels`: fixed tiles, a scratchpad, counters), and emits an artifact
  (:mod:`.artifact`); kernels with ops the NPU lacks are placed on the CPU;
- the device (:mod:`.device`) is a reference executor: it runs each kernel on host
  memory and reports the tiles it issued and the bytes it moved (:class:`.report.NpuReport`).
"""

from kiln.targets import TargetSpec

TARGET = TargetSpec(
    name="example-npu",
    compiler="kiln_example_target.compiler:NpuCompiler",
    device="kiln_example_target.device:NpuDevice",
    description="an example plug-in: a simulated NPU with 64-element tiles and a 256 KiB "
                "scratchpad, run by a reference executor on the host",
)
