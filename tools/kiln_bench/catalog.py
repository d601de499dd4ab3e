"""Which models ``kiln-bench`` runs, at what size, and how closely Kiln must match eager."""

from kiln.tools import models

# The models a plain ``kiln-bench`` runs; each is expected to compile with Kiln, so a
# compile failure here fails the run. ``--models all`` adds the rest of
# ``models.MODEL_NAMES``, whose compile failures are reported but do not fail the run.
DEFAULT_MODELS = (
    "mlp", "cnn", "attention", "gpt2_block", "layernorm_gelu_residual", "elementwise_chain",
    "matmul_1024", "linear_64x512x2048", "resnet_blocks",
    "hf_gpt2", "hf_resnet", "hf_vit", "hf_convnext",
)

# --small: configs that shrink what the fixed example-input shapes allow (for tests).
SMALL_CONFIGS = {
    "mlp": {"widths": (256, 64, 32)},
    "cnn": {"channels": (3, 8, 8)},
    "gpt2_block": {"max_sequence": 128},
    "elementwise_chain": {"rows": 64},
    "matmul_512": {"size": 128},
    "matmul_1024": {"size": 128},
    "matmul_2048": {"size": 128},
    "resnet_blocks": {"widths": (8, 16)},
    "hf_gpt2": {"n_embd": 64, "n_head": 2},
    "hf_gpt2_sdpa": {"n_embd": 64, "n_head": 2},
    "hf_bert": {"hidden_size": 64, "intermediate_size": 256},
    "hf_resnet": {"embedding_size": 8, "hidden_sizes": [8, 16, 32, 64]},
    "hf_vit": {"hidden_size": 64, "intermediate_size": 256},
    "hf_convnext": {"hidden_sizes": [8, 16, 32, 64]},
}

# rtol = atol for the check against eager. Every model passes at 1e-4 today; a model that
# needs a looser bound gets an entry here, and the table prints each model's bound.
DEFAULT_TOLERANCE = 1e-4
TOLERANCES: dict[str, float] = {}


def tolerance(name: str) -> float:
    """The rtol (= atol) Kiln's output must meet against eager for ``name``."""
    return TOLERANCES.get(name, DEFAULT_TOLERANCE)


def resolve(spec: str) -> list[str]:
    """Model names for a ``--models`` value: ``default``, ``all`` or a comma-separated list.

    Raises ``ValueError`` naming any unknown model.
    """
    if spec == "default":
        return list(DEFAULT_MODELS)
    if spec == "all":
        return list(DEFAULT_MODELS) + [n for n in models.MODEL_NAMES if n not in DEFAULT_MODELS]
    names = [name for name in spec.split(",") if name]
    unknown = sorted(set(names) - set(models.MODEL_NAMES))
    if unknown:
        raise ValueError(f"unknown model(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(models.MODEL_NAMES)}, or default, or all")
    return names
