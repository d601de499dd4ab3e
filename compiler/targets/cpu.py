"""The CPU target's compiler half: LLVM IR → optimized native code in a shared object."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import llvmlite.binding as llvm

from ..diagnostics import CompileError
from ..pipelines import Stage, cpu_stages

SUPPORT_SOURCE = Path(__file__).parents[2] / "runtime" / "native" / "kiln_cpu_support.c"

llvm.initialize_all_targets()
llvm.initialize_all_asmprinters()


class CpuTarget:
    """Compiles for the host CPU with llvmlite; links with the system C compiler."""

    name = "cpu"

    def stages(self) -> list[Stage]:
        return cpu_stages()

    def emit_artifact(self, llvm_ir: str, opt_level: int) -> bytes:
        """Optimize ``llvm_ir`` for the host and return a shared object's bytes."""
        module = llvm.parse_assembly(llvm_ir)
        module.verify()
        machine = llvm.Target.from_default_triple().create_target_machine(
            cpu=llvm.get_host_cpu_name(), features=llvm.get_host_cpu_features().flatten(),
            opt=opt_level, reloc="pic", codemodel="default",
        )
        if opt_level:
            tuning = llvm.create_pipeline_tuning_options(speed_level=opt_level)
            builder = llvm.create_pass_builder(machine, tuning)
            builder.getModulePassManager().run(module, builder)
        return _link_shared_object(machine.emit_object(module))


def _link_shared_object(object_code: bytes) -> bytes:
    linker = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if linker is None:
        raise CompileError(
            "the CPU target links kernels with the system C compiler, and none was found; "
            "install one (e.g. `apt-get install gcc`)"
        )
    with tempfile.TemporaryDirectory(prefix="kiln-link-") as directory:
        object_path = Path(directory) / "kernels.o"
        library_path = Path(directory) / "kernels.so"
        object_path.write_bytes(object_code)
        command = [linker, "-shared", "-fPIC", "-O2", "-o", str(library_path),
                   str(object_path), str(SUPPORT_SOURCE), "-lm"]
        linked = subprocess.run(command, capture_output=True, text=True)
        if linked.returncode:
            raise CompileError(f"linking the CPU kernels failed:\n{linked.stderr}")
        return library_path.read_bytes()
