"""Optimizes LLVM IR modules and emits their object code, in this process or in a
separate one: ``python llvm_compile_worker.py REQUEST.json``.

LLVM's optimizer and code generator dominate a cold compile, and llvmlite runs every
LLVM call under one process-wide lock, so threads cannot share the work; processes
can. This file imports only llvmlite, so that a worker starts in a few tens of
milliseconds, and the compiler itself uses the same functions for its own share.

The request holds ``cpu``, ``features``, ``opt_level`` and ``modules``, a list of
``[llvm_ir_path, object_path]`` pairs.
"""

import json
import sys
from pathlib import Path

import llvmlite.binding as llvm

llvm.initialize_all_targets()
llvm.initialize_all_asmprinters()


def host_machine(cpu: str, features: str, opt_level: int):
    """An LLVM target machine for this host's triple, ``cpu`` and ``features``."""
    return llvm.Target.from_default_triple().create_target_machine(
        cpu=cpu, features=features, opt=opt_level, reloc="pic", codemodel="default")


def compile_module(llvm_ir: str, machine, opt_level: int) -> bytes:
    """One module's object code, parsed in a fresh LLVM context and optimized at
    ``opt_level`` with LLVM's standard pipeline."""
    module = llvm.parse_assembly(llvm_ir, context=llvm.create_context())
    module.verify()
    if opt_level:
        tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        builder = llvm.create_pass_builder(machine, tuning)
        builder.getModulePassManager().run(module, builder)
    return machine.emit_object(module)


def main(request_path: str) -> None:
    """Compile each module of the request to its object file."""
    request = json.loads(Path(request_path).read_text())
    machine = host_machine(request["cpu"], request["features"], request["opt_level"])
    for ir_path, object_path in request["modules"]:
        object_code = compile_module(Path(ir_path).read_text(), machine, request["opt_level"])
        Path(object_path).write_bytes(object_code)


if __name__ == "__main__":
    main(*sys.argv[1:])
