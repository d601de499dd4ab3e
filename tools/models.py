"""Small, real model definitions shared by ``kiln-bench``, ``tools/gpu-check`` and the tests.

Each factory takes a ``torch.Generator``-seeded config and returns ``(module, inputs)``,
with the module in eval mode. The ``hf_*`` models are ``transformers`` models built from
small configs with random weights (``pip install -e .[bench]``).
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


class ElementwiseChain(nn.Module):
    """``(x * 2 + 1).relu() * 0.5 - 0.25``: one pass over memory if fused, four in eager."""

    def forward(self, x):
        return (x * 2.0 + 1.0).relu() * 0.5 - 0.25


class MatMul(nn.Module):
    """``x @ W`` with a square weight scaled by ``1/sqrt(size)``, so outputs stay near 1."""

    def __init__(self, size=1024):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(size, size) / math.sqrt(size))

    def forward(self, x):
        return x @ self.weight


class BasicBlock(nn.Module):
    """ResNet's basic block: two 3x3 conv + BatchNorm; a 1x1 projection if the shape changes."""

    def __init__(self, inputs, outputs, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = nn.Identity()
        if stride != 1 or inputs != outputs:
            self.shortcut = nn.Sequential(
                nn.Conv2d(inputs, outputs, 1, stride=stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + self.shortcut(x))


class ResNetBlocks(nn.Module):
    """A small ResNet: a conv stem, three basic blocks (one downsampling), pool, classifier."""

    def __init__(self, widths=(32, 64), classes=10):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        self.blocks = nn.Sequential(
            BasicBlock(widths[0], widths[0]),
            BasicBlock(widths[0], widths[1], stride=2),
            BasicBlock(widths[1], widths[1]),
        )
        self.classifier = nn.Linear(widths[1], classes)
        for module in self.modules():  # eval-mode BatchNorm with statistics that are not 0 and 1
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.classifier(x.mean(dim=(2, 3)))


class TransformersOutput(nn.Module):
    """A ``transformers`` model that returns one field of its output (``logits``, ...)."""

    def __init__(self, model, field):
        super().__init__()
        self.model = model
        self.field = field

    def forward(self, x):
        return getattr(self.model(x), self.field)


# name: (model class, config class, config, output field, input kind, input shape). Small
# configs, random weights: nothing is downloaded. "tokens" inputs are ids below vocab_size.
TRANSFORMERS_MODELS = {
    "hf_gpt2": ("GPT2LMHeadModel", "GPT2Config",
                dict(n_layer=2, n_embd=256, n_head=4, vocab_size=2048, n_positions=128,
                     bos_token_id=0, eos_token_id=0, attn_implementation="eager"),
                "logits", "tokens", (2, 64)),
    "hf_gpt2_sdpa": ("GPT2LMHeadModel", "GPT2Config",
                     dict(n_layer=2, n_embd=256, n_head=4, vocab_size=2048, n_positions=128,
                          bos_token_id=0, eos_token_id=0, attn_implementation="sdpa"),
                     "logits", "tokens", (2, 64)),
    "hf_bert": ("BertModel", "BertConfig",
                dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=4,
                     intermediate_size=1024, vocab_size=2048, attn_implementation="eager"),
                "last_hidden_state", "tokens", (2, 64)),
    "hf_resnet": ("ResNetForImageClassification", "ResNetConfig",
                  dict(embedding_size=32, hidden_sizes=[32, 64, 128, 256], depths=[1, 1, 1, 1],
                       layer_type="basic", num_labels=10),
                  "logits", "image", (2, 3, 64, 64)),
    "hf_vit": ("ViTForImageClassification", "ViTConfig",
               dict(image_size=64, patch_size=8, hidden_size=192, num_hidden_layers=2,
                    num_attention_heads=4, intermediate_size=768, num_labels=10,
                    attn_implementation="eager"),
               "logits", "image", (2, 3, 64, 64)),
    "hf_convnext": ("ConvNextForImageClassification", "ConvNextConfig",
                    dict(hidden_sizes=[32, 64, 128, 256], depths=[1, 1, 1, 1], image_size=64,
                         num_labels=10),
                    "logits", "image", (2, 3, 64, 64)),
}


def _transformers_model(name, seed, **overrides):
    """A ``transformers`` model from ``TRANSFORMERS_MODELS`` with random weights, and its input."""
    import transformers

    model_class, config_class, config, field, kind, shape = TRANSFORMERS_MODELS[name]
    config = getattr(transformers, config_class)(**{**config, **overrides})
    module = TransformersOutput(getattr(transformers, model_class)(config), field)
    generator = _seeded(seed)
    if kind == "tokens":
        return module, (torch.randint(0, config.vocab_size, shape, generator=generator),)
    return module, (torch.randn(*shape, generator=generator),)


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


def make_inputs(shapes, seed=0):
    generator = _seeded(seed)
    return tuple(torch.randn(*shape, generator=generator) for shape in shapes)


def _matmul(size):
    return lambda: (MatMul(size), [(size, size)])


def build(name: str, seed: int = 0, **config):
    """``(module, example_inputs)`` for a named model with its benchmark-sized config.

    ``config`` overrides the model's constructor arguments; for the ``hf_*`` models it
    overrides fields of the ``transformers`` config (which needs ``transformers``).
    """
    torch.manual_seed(seed)
    if name in TRANSFORMERS_MODELS:
        module, inputs = _transformers_model(name, seed, **config)
        return module.eval(), inputs
    factories = {
        "mlp": lambda: (MLP(**config), [(32, config.get("widths", (256,))[0])]),
        "cnn": lambda: (SmallCNN(**config), [(4, 3, 32, 32)]),
        "attention": lambda: (MultiHeadAttention(**config), [(4, 32, 64)]),
        "gpt2_block": lambda: (GPT2Block(**config), [(8, 128, 256)]),
        "layernorm_gelu_residual": lambda: (LayerNormGeluResidual(**config), [(32, 64, 256)]),
        # 4096 x 4096 float32: 64 MiB in, 64 MiB out.
        "elementwise_chain": lambda: (ElementwiseChain(), [(config.get("rows", 4096), 4096)]),
        "matmul_512": _matmul(config.get("size", 512)),
        "matmul_1024": _matmul(config.get("size", 1024)),
        "matmul_2048": _matmul(config.get("size", 2048)),
        "linear_64x512x2048": lambda: (nn.Linear(512, 2048), [(64, 512)]),
        "resnet_blocks": lambda: (ResNetBlocks(**config), [(8, 3, 32, 32)]),
    }
    module, shapes = factories[name]()
    module.eval()
    return module, make_inputs(shapes, seed)


MODEL_NAMES = (
    "mlp", "cnn", "attention", "gpt2_block", "layernorm_gelu_residual", "elementwise_chain",
    "matmul_512", "matmul_1024", "matmul_2048", "linear_64x512x2048", "resnet_blocks",
    *TRANSFORMERS_MODELS,
)
