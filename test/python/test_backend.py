"""``torch.compile(backend="kiln")`` matches eager, and falls back to eager where Kiln can't."""

import pytest
import torch
from torch import nn

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


class Cumsum(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, dim=0) * 2


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


@torch.no_grad()
def test_mlp_matches_eager_on_fresh_inputs(recwarn):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 8)).eval()
    compiled = torch.compile(model, backend="kiln")
    for _ in range(3):
        x = torch.randn(4, 16)
        torch.testing.assert_close(compiled(x), model(x), **TOLERANCE)
    # Matching eager proves nothing if the graph ran eagerly: a supported graph must
    # not fall back.
    fallbacks = [w for w in recwarn if "running this graph eagerly" in str(w.message)]
    assert not fallbacks, [str(w.message) for w in fallbacks]


@torch.no_grad()
def test_unsupported_op_falls_back_to_eager_with_warning():
    x = torch.randn(5, 3)
    with pytest.warns(RuntimeWarning, match="kiln backend: running this graph eagerly.*cumsum"):
        out = torch.compile(Cumsum(), backend="kiln")(x)
    torch.testing.assert_close(out, torch.cumsum(x, dim=0) * 2)
