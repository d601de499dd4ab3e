"""The CPU target shares LLVM's work among worker processes; the result must not depend
on how the kernels were shared."""

import pytest
import torch

import kiln
from kiln.compiler.targets.cpu import codegen


def _program(x, w):
    hidden = torch.nn.functional.gelu(x @ w)
    return torch.softmax(hidden, dim=-1) + hidden.mean(dim=0), torch.layer_norm(hidden, [48])


@pytest.fixture
def example():
    generator = torch.Generator().manual_seed(0)
    return torch.randn(33, 40, generator=generator), torch.randn(40, 48, generator=generator)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_any_number_of_worker_processes_gives_the_same_program(workers, example, monkeypatch):
    monkeypatch.setenv("KILN_CACHE", "0")
    monkeypatch.setattr(codegen, "_worker_count", lambda kernels: min(workers, len(kernels)))
    compiled = kiln.compile(_program, *example)
    assert compiled.stats["kernels"] >= 3
    torch.testing.assert_close(compiled(*example), _program(*example), rtol=1e-5, atol=1e-5)


def test_shares_are_balanced_by_size():
    shares = codegen._balanced_shares(["a" * 9, "b" * 5, "c" * 4, "d" * 1], 2)
    assert sorted(sum(map(len, share)) for share in shares) == [9, 10]


def test_a_failing_worker_is_an_internal_error_with_a_reproducer(example, monkeypatch, tmp_path):
    """A crash in a worker (here: it cannot read its request) is Kiln's bug, reported
    with the kernels saved for ``emit_artifact``."""
    monkeypatch.setenv("KILN_CACHE", "0")
    monkeypatch.setenv("KILN_REPRODUCER_DIR", str(tmp_path))
    monkeypatch.setattr(codegen, "_worker_count", lambda kernels: 2)
    monkeypatch.setattr(codegen.llvm_compile_worker, "__file__", str(tmp_path / "missing.py"))
    with pytest.raises(kiln.InternalCompilerError,
                       match=r"(?s)LLVM compile worker failed.*emit_artifact"):
        kiln.compile(_program, *example)
    assert list(tmp_path.glob("kiln-reproducer-artifact-*.mlir"))
