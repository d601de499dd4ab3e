"""Small, real model definitions shared by the tests, ``kiln-bench`` and the examples.

Each factory takes a ``torch.Generator``-seeded config and returns ``(module, inputs)``,
with the module in eval mode.
"""

import math

import torch
from torch import nn
import torch.nn.functional as F


class MLP(nn.Module):
    """Linear + GELU layers."""

    def __init__(self, widths=(256, 512, 512, 128)):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths, widths[1:]))

    def forward(self, x):
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index < len(self.layers) - 1:
                x = F.gelu(x)
        return x


class SmallCNN(nn.Module):
    """Conv → BatchNorm → ReLU → MaxPool, twice, then global average pool and a classifier."""

    def __init__(self, channels=(3, 16, 32), classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels[0], channels[1], 3, padding=1),
            nn.BatchNorm2d(channels[1]),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(channels[1], channels[2], 3, padding=1, stride=1),
            nn.BatchNorm2d(channels[2]),
            nn.ReLU(),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Linear(channels[2], classes)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


class MultiHeadAttention(nn.Module):
    """``nn.MultiheadAttention`` in self-attention form, batch first."""

    def __init__(self, width=64, heads=4):
        super().__init__()
        self.attention = nn.MultiheadAttention(width, heads, batch_first=True)

    def forward(self, x):
        return self.attention(x, x, x, need_weights=False)[0]


class GPT2Block(nn.Module):
    """Pre-LayerNorm transformer block with causal self-attention and a GELU MLP."""

    def __init__(self, width=256, heads=4, max_sequence=1024):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln_2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.fc_proj = nn.Linear(4 * width, width)
        mask = torch.tril(torch.ones(max_sequence, max_sequence, dtype=torch.bool))
        self.register_buffer("causal_mask", mask, persistent=False)

    def attention(self, x):
        batch, sequence, width = x.shape
        head_width = width // self.heads
        q, k, v = self.qkv(x).split(width, dim=2)
        q, k, v = (
            t.view(batch, sequence, self.heads, head_width).transpose(1, 2) for t in (q, k, v)
        )
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(head_width)
        mask = self.causal_mask[:sequence, :sequence]
        scores = scores.masked_fill(~mask, float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(batch, sequence, width))

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        return x + self.fc_proj(F.gelu(self.fc(self.ln_2(x)), approximate="tanh"))


class LayerNormGeluResidual(nn.Module):
    """``x + GELU(LayerNorm(x) W + b)``."""

    def __init__(self, width=256):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return x + F.gelu(self.linear(self.norm(x)))


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


def make_inputs(shapes, seed=0):
    generator = _seeded(seed)
    return tuple(torch.randn(*shape, generator=generator) for shape in shapes)


def build(name: str, seed: int = 0, **config):
    """``(module, example_inputs)`` for a named model with its benchmark-sized config."""
    torch.manual_seed(seed)
    factories = {
        "mlp": lambda: (MLP(**config), [(32, config.get("widths", (256,))[0])]),
        "cnn": lambda: (SmallCNN(**config), [(4, 3, 32, 32)]),
        "attention": lambda: (MultiHeadAttention(**config), [(4, 32, 64)]),
        "gpt2_block": lambda: (GPT2Block(**config), [(8, 128, 256)]),
        "layernorm_gelu_residual": lambda: (LayerNormGeluResidual(**config), [(32, 64, 256)]),
    }
    module, shapes = factories[name]()
    module.eval()
    return module, make_inputs(shapes, seed)


MODEL_NAMES = ("mlp", "cnn", "attention", "gpt2_block", "layernorm_gelu_residual")
