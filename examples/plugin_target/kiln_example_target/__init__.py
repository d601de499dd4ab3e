"""A minimal out-of-tree Kiln target, ``example-cpu``: the walkthrough for a vendor.

A target is two halves named by a :class:`kiln.targets.TargetSpec`, registered in the
``kiln.targets`` entry-point group (see this folder's ``pyproject.toml``). This one
reuses Kiln's CPU code generation, so that it runs anywhere; a vendor's compiler half
would emit its own artifact in ``emit_artifact``, and its device would load and launch it.
"""

from kiln.targets import TargetSpec

TARGET = TargetSpec(
    name="example-cpu",
    compiler="kiln_example_target.compiler:ExampleCompiler",
    device="kiln_example_target.device:ExampleDevice",
    description="an example plug-in: the CPU's code, no convolutions, counted launches",
)
