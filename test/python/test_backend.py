"""``torch.compile(backend="kiln")`` matches eager; an op Kiln does not compile runs
through torch inside the compiled graph, and a graph Kiln cannot compile runs eagerly."""

import inspect

import pytest
import torch
from torch import nn

from custom_ops import reverse_rows
import kiln
from kiln import backend

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


class ReversesRows(nn.Module):
    """Calls a custom op, which Kiln never compiles."""

    def forward(self, x):
        return reverse_rows(x) * 2


REVERSE_LINE = inspect.getsourcelines(ReversesRows.forward)[1] + 1


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


@torch.no_grad()
def test_mlp_matches_eager_on_fresh_inputs(recwarn):
    torch.manual_seed(0)
    before = dict(backend.stats)
    model = nn.Sequential(nn.Linear(16, 32), nn.GELU(), nn.Linear(32, 8)).eval()
    compiled = torch.compile(model, backend="kiln")
    for _ in range(3):
        x = torch.randn(4, 16)
        torch.testing.assert_close(compiled(x), model(x), **TOLERANCE)
    # Matching eager proves nothing if the graph ran eagerly, or if its ops ran through
    # torch: a supported graph must be compiled whole.
    assert backend.stats["compiled_graphs"] == before["compiled_graphs"] + 1
    assert backend.stats["eager_graphs"] == before["eager_graphs"]
    assert backend.stats["fallback_ops"] == before["fallback_ops"]
    warned = [str(w.message) for w in recwarn if "kiln backend" in str(w.message)]
    assert not warned, warned


@torch.no_grad()
@pytest.mark.uses_fallback
def test_unsupported_op_runs_through_torch_with_a_warning_at_the_users_line():
    x = torch.randn(5, 3)
    before = dict(backend.stats)
    with pytest.warns(RuntimeWarning, match="kiln_test.reverse_rows.default runs through torch") \
            as warned:
        out = torch.compile(ReversesRows(), backend="kiln")(x)
    torch.testing.assert_close(out, x.flip(0) * 2)
    warning = next(w for w in warned if "reverse_rows" in str(w.message))
    assert (warning.filename, warning.lineno) == (__file__, REVERSE_LINE)
    assert backend.stats["compiled_graphs"] == before["compiled_graphs"] + 1
    assert backend.stats["fallback_ops"] == before["fallback_ops"] + 1
    assert backend.stats["eager_graphs"] == before["eager_graphs"]


@torch.no_grad()
def test_strict_mode_runs_a_graph_with_an_unsupported_op_eagerly(monkeypatch):
    monkeypatch.setenv("KILN_FALLBACK", "0")
    x = torch.randn(5, 3)
    before = dict(backend.stats)
    with pytest.warns(RuntimeWarning, match="kiln backend: running this graph eagerly.*reverse_rows"):
        out = torch.compile(ReversesRows(), backend="kiln")(x)
    torch.testing.assert_close(out, x.flip(0) * 2)
    assert backend.stats["eager_graphs"] == before["eager_graphs"] + 1


@pytest.fixture
def broken_mul_converter(monkeypatch):
    """A crash inside Kiln: the converter of aten.mul raises, as a bug in it would."""
    from kiln.compiler.conversion.torch_to_kiln.registry import CONVERTERS

    def broken_converter(rewriter, op):
        raise RuntimeError("a bug in a converter")

    monkeypatch.setitem(CONVERTERS, "torch.aten.mul.Tensor", broken_converter)
    monkeypatch.setenv("KILN_CACHE", "0")


def _causes(error: BaseException) -> list[BaseException]:
    chain = []
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    return chain


@torch.no_grad()
def test_an_internal_error_is_raised_not_run_eagerly(broken_mul_converter, tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    before = dict(backend.stats)
    with pytest.raises(Exception) as raised:
        torch.compile(lambda a, b: a * b, backend="kiln")(torch.randn(5, 3), torch.randn(5, 3))
    internal = [e for e in _causes(raised.value) if isinstance(e, kiln.InternalCompilerError)]
    assert internal and "a bug in a converter" in str(internal[0])
    assert backend.stats["eager_graphs"] == before["eager_graphs"]


@torch.no_grad()
def test_suppress_errors_runs_a_graph_eagerly_after_an_internal_error(broken_mul_converter,
                                                                      tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    monkeypatch.setenv("KILN_SUPPRESS_ERRORS", "1")
    a, b = torch.randn(5, 3), torch.randn(5, 3)
    before = dict(backend.stats)
    with pytest.warns(RuntimeWarning, match=r"(?s)running this graph eagerly: Kiln failed with an "
                                            r"internal error.*a bug in a converter"):
        out = torch.compile(lambda a, b: a * b, backend="kiln")(a, b)
    torch.testing.assert_close(out, a * b)
    assert backend.stats["eager_graphs"] == before["eager_graphs"] + 1


def _recording_backend(compiled: list):
    """A backend that compiles with Kiln and keeps what it returns."""
    def compile_graph(gm, example_inputs):
        compiled.append(backend.kiln_backend(gm, example_inputs))
        return compiled[-1]

    return compile_graph


@torch.no_grad()
def test_parameters_and_buffers_dynamo_passes_are_state_packed_once():
    """Dynamo passes weights as graph inputs; Kiln makes them the program's state, so a
    linear layer's weight is packed once, not at every call."""
    model = nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.Linear(32, 8)).eval()
    x = torch.randn(4, 16)
    compiled = []
    optimized = torch.compile(model, backend=_recording_backend(compiled))
    torch.testing.assert_close(optimized(x), model(x), **TOLERANCE)
    executable = compiled[0].kiln_executable
    assert len(executable.stats["state_names"]) == 8  # 2 linears x 2, BatchNorm's 4 tensors
    assert executable.stats["prepacked_weights"] == 2
    assert len(executable.inputs) == 1


@torch.no_grad()
def test_a_weight_updated_or_replaced_after_compiling_is_used():
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8)).eval()
    x = torch.randn(4, 16)
    optimized = torch.compile(model, backend="kiln")
    optimized(x)
    model[0].weight.mul_(-2)  # in place: the packed copy must be rebuilt
    torch.testing.assert_close(optimized(x), model(x), **TOLERANCE)
    model[2].weight = nn.Parameter(torch.randn(8, 32))  # a new tensor
    torch.testing.assert_close(optimized(x), model(x), **TOLERANCE)
