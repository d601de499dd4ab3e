"""Targets are plug-ins: an out-of-tree target found through the ``kiln.targets`` entry
points compiles, runs, saves and loads like Kiln's own, and its capabilities are enforced."""

import io
import sys
from pathlib import Path

import pytest
import torch

import kiln
from kiln import targets

PLUGIN_DIR = Path(__file__).parents[2] / "examples" / "plugin_target"


@pytest.fixture
def example_target(tmp_path, monkeypatch):
    """Installs examples/plugin_target as pip would: its package on the path, and a
    dist-info whose entry_points.txt registers ``example-cpu``."""
    dist_info = tmp_path / "kiln_example_target-0.1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: kiln-example-target\n"
                                        "Version: 0.1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[kiln.targets]\nexample-cpu = kiln_example_target:TARGET\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    targets.available.cache_clear()
    yield sys.modules.get("kiln_example_target") or __import__("kiln_example_target")
    targets.available.cache_clear()


def test_kilns_own_targets_are_entry_points():
    assert targets.available()["cpu"] == targets.CPU


def test_an_out_of_tree_target_compiles_runs_and_reloads(example_target):
    from kiln_example_target.device import ExampleDevice

    assert "example-cpu" in targets.available()
    fn = lambda x, w: torch.softmax(x @ w, -1) * 2  # noqa: E731
    x, w = torch.randn(4, 8), torch.randn(8, 16)
    compiled = kiln.compile(fn, x, w, target="example-cpu")
    before = ExampleDevice.launches
    torch.testing.assert_close(compiled(x, w), fn(x, w), rtol=1e-4, atol=1e-4)
    assert ExampleDevice.launches - before == compiled.stats["kernels"] > 0
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    loaded = kiln.load(buffer)
    assert loaded.target == "example-cpu"
    torch.testing.assert_close(loaded(x, w), fn(x, w), rtol=1e-4, atol=1e-4)


def test_a_kernel_the_target_cannot_run_is_refused_with_its_line(example_target):
    def convolve(x, w):
        return torch.nn.functional.conv2d(x, w)  # the line the error names

    line = convolve.__code__.co_firstlineno + 1
    with pytest.raises(kiln.KilnError, match=rf"test_target_plugins.py:{line}: target "
                                             r"'example-cpu' runs no kiln.conv2d"):
        kiln.compile(convolve, torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3),
                     target="example-cpu")


def test_an_unknown_target_names_the_registered_ones(example_target):
    available = "cpu, cuda, cuda-interpreter, example-cpu"
    with pytest.raises(kiln.KilnError, match=f"unknown target 'tpu'; available: {available}"):
        kiln.compile(lambda x: x + 1, torch.randn(2), target="tpu")
