"""Whole models compiled by Kiln match eager PyTorch (fp32, rtol = atol = 1e-4).

Each model runs at two configurations, and each compiled program also runs on fresh
inputs, so a wrong answer cannot hide behind the example inputs.
"""

import pytest
import torch

import kiln
from kiln.tools import models

TOLERANCE = dict(rtol=1e-4, atol=1e-4)

CASES = {
    "mlp-bench": ("mlp", {}, [(8, 256)]),
    "mlp-narrow": ("mlp", {"widths": (24, 40, 8)}, [(5, 24)]),
    "cnn-bench": ("cnn", {}, [(2, 3, 32, 32)]),
    "cnn-other": ("cnn", {"channels": (1, 8, 12), "classes": 3}, [(3, 1, 16, 16)]),
    "attention": ("attention", {}, [(2, 16, 64)]),
    "attention-other": ("attention", {"width": 48, "heads": 3}, [(3, 10, 48)]),
    "gpt2-block": ("gpt2_block", {"width": 64, "heads": 4, "max_sequence": 64}, [(2, 32, 64)]),
    "gpt2-block-other": ("gpt2_block", {"width": 96, "heads": 2, "max_sequence": 32}, [(1, 17, 96)]),
    "layernorm-gelu-residual": ("layernorm_gelu_residual", {}, [(4, 8, 256)]),
    "layernorm-gelu-residual-other": ("layernorm_gelu_residual", {"width": 40}, [(3, 40)]),
}


@pytest.mark.parametrize("case", CASES)
def test_model_matches_eager(case):
    name, config, shapes = CASES[case]
    module, _ = models.build(name, seed=1, **config)
    example = models.make_inputs(shapes, seed=2)
    compiled = kiln.compile(module, *example)
    with torch.no_grad():
        for inputs in (example, models.make_inputs(shapes, seed=3)):
            torch.testing.assert_close(compiled(*inputs), module(*inputs), **TOLERANCE)


def test_compiled_program_reads_current_parameters():
    module, example = models.build("mlp", seed=4, widths=(6, 5, 3))
    compiled = kiln.compile(module, *example)
    with torch.no_grad():
        module.layers[0].weight.mul_(2.0)
        torch.testing.assert_close(compiled(*example), module(*example), **TOLERANCE)
