"""The half that runs here: compile each model for ``cuda`` and save what the GPU needs.

For each model ``NAME`` the folder gets ``NAME.kiln`` (the compiled program) and
``NAME.pt``: when they are small, its inputs and eager's outputs (computed here in
float64, rounded to float32). Large ones are rebuilt on the GPU side instead, since
what may be carried there is limited (64 MiB in all); the weights travel once, in the
program, whose ``stats["state_names"]`` name them for the eager module there. ``manifest.json`` lists
the models.
"""

import json
import time
from pathlib import Path

import torch

import kiln
from kiln.tools import models

# Inputs and outputs larger than this are rebuilt on the GPU machine, not carried.
CARRIED_TENSOR_BYTES = 1 << 20


def prepare_all(names: list[str], out: Path) -> int:
    """Compile and save every model; returns 1 if any failed to compile."""
    out.mkdir(parents=True, exist_ok=True)
    prepared, failed = [], []
    for name in names:
        started = time.perf_counter()
        try:
            module, inputs = models.build(name, seed=0)
            compiled = kiln.compile(module, *inputs, target="cuda")
        except Exception as error:  # report every model, then fail
            failed.append(name)
            print(f"{name:26} FAILED to compile: {str(error).splitlines()[0]}", flush=True)
            continue
        compiled.save(out / f"{name}.kiln")
        with torch.no_grad():
            expected = module.double()(*[x.double() if x.is_floating_point() else x
                                         for x in inputs])
            module.float()
        expected = _to_float32(expected)
        small = _nbytes(list(inputs)) + _nbytes(expected) <= CARRIED_TENSOR_BYTES
        torch.save({"inputs": list(inputs) if small else None,
                    "expected": expected if small else None}, out / f"{name}.pt")
        prepared.append(name)
        print(f"{name:26} compiled in {time.perf_counter() - started:5.1f} s: "
              f"{compiled.stats['kernels']} launches, {len(compiled.stats['fallbacks'])} "
              "fallbacks", flush=True)
    (out / "manifest.json").write_text(json.dumps({"models": prepared}, indent=1))
    total = sum(path.stat().st_size for path in out.iterdir())
    print(f"wrote {len(prepared)} programs to {out} ({total / 2**20:.1f} MiB)")
    return 1 if failed else 0


def _nbytes(value) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    return sum(_nbytes(v) for v in value)


def _to_float32(value):
    if isinstance(value, torch.Tensor):
        return value.float() if value.is_floating_point() else value
    return type(value)(_to_float32(v) for v in value)
