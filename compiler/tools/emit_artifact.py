"""Reproduce a target's artifact emission from the kernels Kiln saved when it failed.

    python -m kiln.compiler.tools.emit_artifact kiln-reproducer-artifact-XXXX.mlir --target cpu

The input holds one module per kernel, each after ``// kernel <name>``, separated by
``// -----`` (as ``dump_ir`` writes the per-kernel stages). The target's
``emit_artifact`` runs on them as it did inside ``kiln.compile``; ``-o`` writes the
artifact's bytes.
"""

import argparse
import sys

from torch_mlir import ir

from kiln import knobs
from kiln.runtime.errors import KilnError
from kiln.runtime.host_program import HostProgram

from ..dialect import make_context
from ..targets import get_target

KERNEL_SEPARATOR = "// -----\n"
KERNEL_HEADER = "// kernel "


def kernels_text(kernels: dict[str, ir.Module]) -> str:
    """``kernels`` in the form this tool (and ``kiln-opt --split-input-file``) reads."""
    return KERNEL_SEPARATOR.join(f"{KERNEL_HEADER}{name}\n{module.operation.get_asm(enable_debug_info=True)}"
                                 for name, module in kernels.items())


def parse_kernels(text: str) -> dict[str, ir.Module]:
    """The kernel modules of :func:`kernels_text`'s form, in the current context."""
    kernels = {}
    for chunk in text.split(KERNEL_SEPARATOR):
        header, _, body = chunk.partition("\n")
        kernels[header.removeprefix(KERNEL_HEADER).strip()] = ir.Module.parse(body)
    return kernels


def main(argv: list[str] | None = None) -> int:
    """Run one target's artifact emission on saved kernels; 0 when it succeeds."""
    parser = argparse.ArgumentParser(prog="python -m kiln.compiler.tools.emit_artifact",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", help="the saved kernels (.mlir)")
    parser.add_argument("--target", default="cpu")
    parser.add_argument("-o", "--output", help="where to write the artifact")
    args = parser.parse_args(argv)
    with open(args.kernels) as file:
        text = file.read()
    try:
        with make_context(), ir.Location.unknown():
            artifact = get_target(args.target, knobs.current()).emit_artifact(
                parse_kernels(text), HostProgram(0, ()), lambda name, text: None)
    except (KilnError, ir.MLIRError) as error:
        sys.stderr.write(f"emit_artifact: {error}\n")
        return 1
    if args.output:
        with open(args.output, "wb") as file:
            file.write(artifact.binary)
    sys.stderr.write(f"emit_artifact: {len(artifact.binary)} bytes for target '{args.target}'\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
