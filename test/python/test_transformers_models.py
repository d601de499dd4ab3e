"""Real models from ``transformers``, built from small configs with random weights, match
eager through ``kiln.compile`` and ``torch.compile(backend="kiln")``, every op compiled.

Text models get an attention mask that hides the end of one sequence, as users pass it.
Outputs are checked to be of a meaningful size, since tiny outputs pass any ``atol``.
Tolerance: rtol = atol = 1e-4 (float32).
"""

import pytest
import torch
import transformers

import kiln
from kiln import backend

TOLERANCE = dict(rtol=1e-4, atol=1e-4)
BATCH, SEQUENCE, VOCABULARY = 2, 16, 512


class Output(torch.nn.Module):
    """Calls a model with token ids and a mask, or with one tensor, and returns ``field``."""

    def __init__(self, model, field, **options):
        super().__init__()
        self.model, self.field, self.options = model, field, options

    def forward(self, *inputs):
        if len(inputs) == 2:
            ids, mask = inputs
            output = self.model(input_ids=ids, attention_mask=mask, **self.options)
        else:
            output = self.model(*inputs, **self.options)
        return getattr(output, self.field)


def tokens(seed):
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCABULARY, (BATCH, SEQUENCE), generator=generator)
    mask = torch.ones(BATCH, SEQUENCE, dtype=torch.long)
    mask[1, SEQUENCE // 2:] = 0
    return ids, mask


def image(seed, shape=(BATCH, 3, 32, 32)):
    return (torch.randn(*shape, generator=torch.Generator().manual_seed(seed)),)


T = transformers
MODELS = {
    "gpt2": lambda: (Output(T.GPT2LMHeadModel(T.GPT2Config(
        n_layer=2, n_embd=64, n_head=2, vocab_size=VOCABULARY, n_positions=64)), "logits"), tokens),
    "bert": lambda: (Output(T.BertModel(T.BertConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=2, intermediate_size=128,
        vocab_size=VOCABULARY)), "last_hidden_state"), tokens),
    "distilbert": lambda: (Output(T.DistilBertModel(T.DistilBertConfig(
        dim=64, n_layers=2, n_heads=2, hidden_dim=128, vocab_size=VOCABULARY)),
        "last_hidden_state"), tokens),
    "llama": lambda: (Output(T.LlamaForCausalLM(T.LlamaConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
        intermediate_size=128, vocab_size=VOCABULARY, max_position_embeddings=64)),
        "logits", use_cache=False), tokens),
    "t5_encoder": lambda: (Output(T.T5EncoderModel(T.T5Config(
        d_model=64, d_kv=32, d_ff=128, num_layers=2, num_heads=2, vocab_size=VOCABULARY)),
        "last_hidden_state"), tokens),
    "vit": lambda: (Output(T.ViTForImageClassification(T.ViTConfig(
        image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, num_labels=10)), "logits"), image),
    "whisper_encoder": lambda: (Output(T.WhisperModel(T.WhisperConfig(
        d_model=64, encoder_layers=2, encoder_attention_heads=2, encoder_ffn_dim=128,
        num_mel_bins=16, max_source_positions=32, decoder_layers=1, decoder_attention_heads=2,
        decoder_ffn_dim=128, vocab_size=VOCABULARY, pad_token_id=0, bos_token_id=0,
        eos_token_id=0, decoder_start_token_id=0)).get_encoder(), "last_hidden_state"),
        lambda seed: image(seed, (BATCH, 16, 64))),
    "resnet": lambda: (Output(T.ResNetForImageClassification(T.ResNetConfig(
        embedding_size=8, hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1], layer_type="basic",
        num_labels=10)), "logits"), image),
    "convnext": lambda: (Output(T.ConvNextForImageClassification(T.ConvNextConfig(
        hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1], image_size=32, num_labels=10)),
        "logits"), image),
}


def build(name):
    torch.manual_seed(0)
    model, inputs = MODELS[name]()
    return model.eval(), inputs


def assert_matches(actual, expected):
    assert expected.std() > 0.05, f"outputs of std {expected.std():.2g} would pass any atol"
    torch.testing.assert_close(actual, expected, **TOLERANCE)


@pytest.fixture
def strict(monkeypatch):
    """Every op compiled by Kiln: none may run through torch."""
    monkeypatch.setenv("KILN_FALLBACK", "0")


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_kiln_compile_matches_eager(name, strict):
    model, inputs = build(name)
    compiled = kiln.compile(model, *inputs(0))
    for seed in (0, 1):
        assert_matches(compiled(*inputs(seed)), model(*inputs(seed)))


@pytest.mark.parametrize("name", MODELS)
@torch.no_grad()
def test_torch_compile_with_the_kiln_backend_matches_eager(name, strict):
    torch._dynamo.reset()
    model, inputs = build(name)
    before = dict(backend.stats)
    compiled = torch.compile(model, backend="kiln", dynamic=False)
    assert_matches(compiled(*inputs(0)), model(*inputs(0)))
    assert backend.stats["compiled_graphs"] > before["compiled_graphs"]
    assert backend.stats["eager_graphs"] == before["eager_graphs"]
    torch._dynamo.reset()
