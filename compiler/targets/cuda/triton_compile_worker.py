"""Compiles one Triton function to PTX and a cubin in a fresh process:
``python triton_compile_worker.py REQUEST.json OUT_DIR``.

It runs apart from the compiler so that ``TRITON_INTERPRET`` (which the interpreter
runner sets) cannot turn the function into an interpreted one, and so that it can point
Triton at its bundled CUDA 12.9 ``ptxas`` before Triton reads its settings: those cubins
load on any driver from CUDA 12.9 on. It imports only triton, not Kiln.

The request holds ``source``, ``name``, ``signature`` (parameter name -> Triton type or
``"constexpr"``), ``constexprs``, ``num_warps`` and ``capability``. OUT_DIR receives
``kernel.ptx``, ``kernel.cubin`` and ``metadata.json``.
"""

import importlib.util
import json
import os
import sys
from pathlib import Path


def main(request_path: str, out_dir: str) -> None:
    """Compile the request's function and write its PTX, cubin and metadata."""
    request = json.loads(Path(request_path).read_text())
    triton_dir = Path(importlib.util.find_spec("triton").origin).parent
    os.environ.pop("TRITON_INTERPRET", None)
    os.environ["TRITON_PTXAS_BLACKWELL_PATH"] = str(triton_dir / "backends/nvidia/bin/ptxas")
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    out = Path(out_dir)
    source_path = out / f"{request['name']}.py"
    source_path.write_text(request["source"])
    spec = importlib.util.spec_from_file_location(request["name"], source_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, request["name"])
    compiled = triton.compile(
        ASTSource(function, request["signature"], request["constexprs"]),
        target=GPUTarget("cuda", request["capability"], 32),
        options={"num_warps": request["num_warps"]})
    (out / "kernel.ptx").write_text(compiled.asm["ptx"])
    (out / "kernel.cubin").write_bytes(compiled.asm["cubin"])
    metadata = {key: value for key, value in compiled.metadata._asdict().items()
                if isinstance(value, (int, str, bool, float)) or value is None}
    (out / "metadata.json").write_text(json.dumps(metadata, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
