"""CPU code generation: each kernel's LLVM IR → an object; all → one shared object."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import llvmlite.binding as llvm

from ...diagnostics import CompileError

NATIVE_DIR = Path(__file__).parents[3] / "runtime" / "native"
# Linked into every kernel library: memref support routines, and the OpenMP entry points
# that parallel loops call, run on torch's own thread pool.
SUPPORT_SOURCES = (NATIVE_DIR / "kiln_cpu_support.c", NATIVE_DIR / "kiln_openmp_shim.c")

llvm.initialize_all_targets()
llvm.initialize_all_asmprinters()


def emit_shared_object(kernels: dict[str, str], opt_level: int) -> bytes:
    """Optimize each kernel's LLVM IR for the host; return one shared object's bytes.

    ``kernels`` maps each kernel's name to its module's LLVM IR text; each becomes one
    object file. They are compiled one after another: llvmlite serializes every LLVM
    call behind one process-wide lock, so threads would not overlap.
    """
    machine = llvm.Target.from_default_triple().create_target_machine(
        cpu=llvm.get_host_cpu_name(), features=_host_features(),
        opt=opt_level, reloc="pic", codemodel="default",
    )
    return _link_shared_object([_compile_kernel(text, machine, opt_level)
                                for text in kernels.values()])


def _host_features() -> str:
    """The host's CPU features; with AVX-512, LLVM may use 512-bit vectors.

    Some CPUs (Sapphire Rapids, Skylake-X) tune LLVM to stay on 256-bit vectors; the
    vectorized math of ``kiln-expand-math`` runs faster on 512-bit ones.
    """
    features = llvm.get_host_cpu_features()
    text = features.flatten()
    return text + ",-prefer-256-bit" if features.get("avx512f") else text


def _compile_kernel(llvm_ir: str, machine, opt_level: int) -> bytes:
    """One kernel module's object code, parsed in a fresh LLVM context."""
    module = llvm.parse_assembly(llvm_ir, context=llvm.create_context())
    module.verify()
    if opt_level:
        tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
        builder = llvm.create_pass_builder(machine, tuning)
        builder.getModulePassManager().run(module, builder)
    return machine.emit_object(module)


def _link_shared_object(objects: list[bytes]) -> bytes:
    linker = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if linker is None:
        raise CompileError(
            "the CPU target links kernels with the system C compiler, and none was found; "
            "install one (e.g. `apt-get install gcc`)"
        )
    with tempfile.TemporaryDirectory(prefix="kiln-link-") as directory:
        object_paths = [Path(directory) / f"kernel-{i}.o" for i in range(len(objects))]
        for path, object_code in zip(object_paths, objects):
            path.write_bytes(object_code)
        library_path = Path(directory) / "kernels.so"
        command = [linker, "-shared", "-fPIC", "-O2", "-o", str(library_path),
                   *map(str, object_paths), *map(str, SUPPORT_SOURCES), "-lm"]
        linked = subprocess.run(command, capture_output=True, text=True)
        if linked.returncode:  # the objects are Kiln's own: a failure is Kiln's bug
            raise RuntimeError(f"{linker} could not link the CPU kernels:\n{linked.stderr}")
        return library_path.read_bytes()
