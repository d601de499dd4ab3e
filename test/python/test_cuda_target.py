"""The CUDA target end to end, with no GPU: ``kiln.compile(..., target="cuda-interpreter")``
runs the same Triton kernels as ``cuda`` through Triton's interpreter on the CPU, and
``target="cuda"`` builds sm_90 cubins that a saved program carries.

Every default kiln-bench model runs at a config and input shape far smaller than the
benchmark's (the interpreter costs about 2 ms per program instance), and so do three
``transformers`` models of ``test_transformers_models``. Each is checked against eager on
two input sets with rtol = atol = 1e-4 (float32), as the CPU target is.
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import kiln
from kiln.runtime.devices.cuda_artifact import unpack
from kiln.runtime.host_program import Launch
from kiln.tools import models
from kiln.tools.kiln_bench.catalog import DEFAULT_MODELS

ROOT = Path(__file__).parents[2]

TOLERANCE = dict(rtol=1e-4, atol=1e-4)

# name: (constructor config, input shapes). hf_* models take token ids below their
# vocab_size for a 2-D shape, an image otherwise.
SMALL = {
    "mlp": ({"widths": (64, 32, 16)}, [(4, 64)]),
    "cnn": ({"channels": (3, 4, 8)}, [(2, 3, 16, 16)]),
    "attention": ({"width": 32, "heads": 2}, [(2, 8, 32)]),
    "gpt2_block": ({"width": 32, "heads": 2, "max_sequence": 16}, [(2, 16, 32)]),
    "layernorm_gelu_residual": ({"width": 64}, [(2, 8, 64)]),
    "elementwise_chain": ({}, [(16, 64)]),
    "matmul_1024": ({"size": 64}, [(64, 64)]),
    "linear_64x512x2048": ({}, [(4, 512)]),
    "resnet_blocks": ({"widths": (4, 8)}, [(1, 3, 8, 8)]),
    "hf_gpt2": ({"n_embd": 32, "n_head": 2, "n_layer": 1, "vocab_size": 64,
                 "n_positions": 16}, [(2, 8)]),
    "hf_resnet": ({"embedding_size": 8, "hidden_sizes": [8, 8, 16, 16]}, [(1, 3, 32, 32)]),
    "hf_vit": ({"image_size": 16, "patch_size": 8, "hidden_size": 32, "intermediate_size": 64,
                "num_hidden_layers": 1, "num_attention_heads": 2}, [(1, 3, 16, 16)]),
    "hf_convnext": ({"hidden_sizes": [8, 8, 16, 16], "image_size": 32}, [(1, 3, 32, 32)]),
}


def small_model(name):
    """A bench model at its test config, and a function of a seed giving its inputs."""
    config, shapes = SMALL[name]
    module, _ = models.build(name, seed=0, **config)

    def inputs(seed):
        if name.startswith("hf_") and len(shapes[0]) == 2:
            generator = torch.Generator().manual_seed(seed)
            return (torch.randint(0, config["vocab_size"], shapes[0], generator=generator),)
        return models.make_inputs(shapes, seed)

    return module, inputs


def test_every_default_bench_model_has_a_small_config():
    assert set(SMALL) == set(DEFAULT_MODELS)


@pytest.mark.parametrize("name", DEFAULT_MODELS)
@torch.no_grad()
def test_bench_model_matches_eager_through_the_interpreter(name):
    module, inputs = small_model(name)
    compiled = kiln.compile(module, *inputs(0), target="cuda-interpreter")
    assert not compiled.stats["fallbacks"]
    for seed in (0, 1):
        expected = module(*inputs(seed))
        assert expected.std() > 0.05, f"outputs of std {expected.std():.2g} would pass any atol"
        torch.testing.assert_close(compiled(*inputs(seed)), expected, **TOLERANCE)


def test_host_program_launches_have_grids():
    module, inputs = small_model("layernorm_gelu_residual")
    compiled = kiln.compile(module, *inputs(0), target="cuda-interpreter")
    launches = [s for s in compiled.host_program.steps if isinstance(s, Launch)]
    assert launches and all(s.grid and all(g >= 1 for g in s.grid) for s in launches)
    assert {s.kernel for s in launches} == set(unpack(compiled.binary))


def test_cuda_program_carries_sm90_cubins_and_loads_without_the_compiler(tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path / "cache"))
    module, inputs = small_model("elementwise_chain")
    compiled = kiln.compile(module, *inputs(0), target="cuda")
    kernels = unpack(compiled.binary)
    assert kernels
    for kernel in kernels.values():
        assert kernel.cubin[:4] == b"\x7fELF" and kernel.symbol == kernel.name
    built = [entry for entry in (tmp_path / "cache" / "triton").iterdir()]
    assert len(built) == len(kernels)
    for entry in built:
        assert ".target sm_90" in (entry / "kernel.ptx").read_text()
        assert json.loads((entry / "metadata.json").read_text())["arch"] == "sm90"
    path = tmp_path / "chain.kiln"
    compiled.save(path)
    script = textwrap.dedent(f"""
        import sys
        import kiln
        from kiln.runtime.errors import DeviceError
        try:
            kiln.load({str(path)!r})
        except DeviceError as error:
            assert "no CUDA GPU or driver" in str(error), error
        else:
            raise AssertionError("loading for a GPU this machine lacks did not fail")
        program = kiln.load({str(path)!r}, bind=False)
        assert program.target == "cuda" and program.stats["kernels"] > 0
        leaked = [m for m in ("triton", "torch_mlir", "kiln.compiler") if m in sys.modules]
        assert not leaked, leaked
        print("ok")
    """)
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})
    assert loaded.stdout.strip().endswith("ok"), loaded.stdout + loaded.stderr


@pytest.mark.parametrize("name", ["gpt2", "bert", "vit"])
@torch.no_grad()
def test_transformers_model_matches_eager_through_the_interpreter(name):
    sys.path.insert(0, str(ROOT / "test" / "python"))
    from test_transformers_models import assert_matches, build

    model, inputs = build(name)
    compiled = kiln.compile(model, *inputs(0), target="cuda-interpreter")
    assert not compiled.stats["fallbacks"]
    for seed in (0, 1):
        assert_matches(compiled(*inputs(seed)), model(*inputs(seed)))
