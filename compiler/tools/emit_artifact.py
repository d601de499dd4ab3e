"""Reproduce a target's artifact emission from the kernels Kiln saved when it failed.

    python -m kiln.compiler.tools.emit_artifact kiln-reproducer-artifact-XXXX.mlir --target cpu

The input holds one module per kernel, each after ``// kernel <name>``, separated by
``// -----`` (as ``dump_ir`` writes the per-kernel stages). The target's
``emit_artifact`` runs on them as it did inside ``kiln.compile``; ``-o`` writes the
artifact's bytes, and ``--dump DIR`` the intermediate forms the target saves (the CPU's
``llvm.ll``, the CUDA target's ``triton.py`` and ``ptx.ptx``), which lit tests check.
"""

import argparse
import sys
from pathlib import Path

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
    """The kernel modules of :func:`kernels_text`'s form, in the current context; each
    chunk is named by its ``// kernel <name>`` line (other comments may precede it)."""
    kernels = {}
    for chunk in text.split(KERNEL_SEPARATOR):
        names = [line.removeprefix(KERNEL_HEADER).strip() for line in chunk.splitlines()
                 if line.startswith(KERNEL_HEADER)]
        kernels[names[0] if names else f"kernel_{len(kernels)}"] = ir.Module.parse(chunk)
    return kernels


def main(argv: list[str] | None = None) -> int:
    """Run one target's artifact emission on saved kernels; 0 when it succeeds."""
    parser = argparse.ArgumentParser(prog="python -m kiln.compiler.tools.emit_artifact",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", help="the saved kernels (.mlir)")
    parser.add_argument("--target", default="cpu")
    parser.add_argument("-o", "--output", help="where to write the artifact")
    parser.add_argument("--dump", help="a directory for the target's intermediate forms")
    args = parser.parse_args(argv)
    with open(args.kernels) as file:
        text = file.read()
    try:
        with make_context(), ir.Location.unknown():
            artifact = get_target(args.target, knobs.current()).emit_artifact(
                parse_kernels(text), HostProgram(0, ()), _dumper(args.dump))
    except (KilnError, ir.MLIRError) as error:
        sys.stderr.write(f"emit_artifact: {error}\n")
        return 1
    if args.output:
        with open(args.output, "wb") as file:
            file.write(artifact.binary)
    sys.stderr.write(f"emit_artifact: {len(artifact.binary)} bytes for target '{args.target}'\n")
    return 0


def _dumper(directory: str | None):
    def dump(file_name: str, text: str) -> None:
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            (Path(directory) / file_name).write_text(text)
    return dump


if __name__ == "__main__":
    sys.exit(main())
