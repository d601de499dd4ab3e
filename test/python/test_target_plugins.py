"""Targets are plug-ins: ``example-npu`` (examples/plugin_target), found through the
``kiln.targets`` entry points, compiles, runs, saves and loads like Kiln's own targets;
its own stage tiles its kernels and its reference executor reports the tiles and bytes;
kernels holding ops it lacks run on the CPU. Results match eager within rtol=atol=1e-4
(f32)."""

import io
import sys
from pathlib import Path

import pytest
import torch

import kiln
from kiln import targets

PLUGIN_DIR = Path(__file__).parents[2] / "examples" / "plugin_target"
TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}


@pytest.fixture
def example_target(tmp_path, monkeypatch):
    """Installs examples/plugin_target as pip would: its package on the path, and a
    dist-info whose entry_points.txt registers ``example-npu``; yields the device's
    report, emptied."""
    dist_info = tmp_path / "kiln_example_target-0.2.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: kiln-example-target\n"
                                        "Version: 0.2.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[kiln.targets]\nexample-npu = kiln_example_target:TARGET\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    targets.available.cache_clear()
    from kiln_example_target.device import NpuDevice

    NpuDevice.report.reset()
    yield NpuDevice.report
    targets.available.cache_clear()


def _scale_and_shift(x):
    return x * 2 + 1


def _matmul(x, w):
    return x @ w


def test_kilns_own_targets_are_entry_points():
    assert targets.available()["cpu"] == targets.CPU


def test_an_out_of_tree_target_compiles_runs_and_reloads(example_target):
    assert "example-npu" in targets.available()
    fn = lambda x, w: torch.softmax(x @ w, -1) * 2  # noqa: E731
    x, w = torch.randn(4, 8), torch.randn(8, 16)
    compiled = kiln.compile(fn, x, w, target="example-npu")
    torch.testing.assert_close(compiled(x, w), fn(x, w), **TOLERANCE)
    assert example_target.launches == compiled.stats["kernels"] > 0
    assert compiled.stats["cpu_kernels"] == 0
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    loaded = kiln.load(buffer)
    assert loaded.target == "example-npu"
    torch.testing.assert_close(loaded(x, w), fn(x, w), **TOLERANCE)
    assert example_target.launches == 2 * compiled.stats["kernels"]


def test_the_npu_stage_tiles_by_64_and_counts_the_scratchpad_bytes(example_target):
    # One elementwise kernel over 4 rows of 200: 4 x ceil(200 / 64) = 16 tiles, each
    # moving its input and output slices, so the whole input and output: 2 x 3200 bytes.
    x = torch.randn(4, 200)
    compiled = kiln.compile(_scale_and_shift, x, target="example-npu")
    torch.testing.assert_close(compiled(x), _scale_and_shift(x), **TOLERANCE)
    assert (example_target.tiles, example_target.bytes_moved) == (16, 6400)
    compiled(x)
    assert (example_target.tiles, example_target.bytes_moved) == (32, 12800)


@pytest.mark.parametrize("dtype, tolerance, tiles, bytes_moved, cpu_kernels", [
    (torch.bfloat16, {"rtol": 1.6e-2, "atol": 1e-5}, 16, 2 * 4 * 200 * 2, 0),
    (torch.int8, {"rtol": 0, "atol": 0}, 16, 2 * 4 * 200 * 1, 0),
    (torch.float64, {"rtol": 1e-7, "atol": 1e-7}, 0, 0, 1),  # no f64 on the NPU: the CPU's
])
def test_the_npus_element_types_run_on_it_and_others_on_the_cpu(
        example_target, dtype, tolerance, tiles, bytes_moved, cpu_kernels):
    x = torch.randn(4, 200).mul(20).to(dtype)
    compiled = kiln.compile(_scale_and_shift, x, target="example-npu")
    torch.testing.assert_close(compiled(x), _scale_and_shift(x), **tolerance)
    assert compiled.stats["cpu_kernels"] == cpu_kernels
    assert (example_target.tiles, example_target.bytes_moved) == (tiles, bytes_moved)


def test_a_matmuls_tiles_read_its_weight_once_per_row(example_target):
    # (4 x 8) @ (8 x 16): the output's fill and the product each run one tile per row (16
    # columns and 8 reductions fit a tile); every row's tile reads all of the weight.
    x, w = torch.randn(4, 8), torch.randn(8, 16)
    compiled = kiln.compile(_matmul, x, w, target="example-npu")
    torch.testing.assert_close(compiled(x, w), x @ w, **TOLERANCE)
    fill, rows, weight, output = 4 * 16 * 4, 4 * 8 * 4, 4 * 8 * 16 * 4, 4 * 16 * 4
    assert (example_target.tiles, example_target.bytes_moved) == (8, fill + rows + weight + output)


def test_the_tile_size_is_an_option(example_target):
    x = torch.randn(4, 200)
    compiled = kiln.compile(_scale_and_shift, x, target="example-npu", options={"tile_size": 32})
    torch.testing.assert_close(compiled(x), _scale_and_shift(x), **TOLERANCE)
    assert (example_target.tiles, example_target.bytes_moved) == (4 * 7, 6400)


def test_a_tile_larger_than_the_scratchpad_is_refused(example_target):
    # With 256-element tiles, a row of (2 x 256) @ (256 x 256) is one tile holding its row
    # of x, all of w and its row of the output: 1024 + 262144 + 1024 bytes.
    x, w = torch.randn(2, 256), torch.randn(256, 256)
    with pytest.raises(kiln.KilnError, match=r"a tile of 264192 bytes does not fit the "
                                             r"262144-byte scratchpad; choose a smaller "
                                             r"tile_size than 256"):
        kiln.compile(_matmul, x, w, target="example-npu", options={"tile_size": 256})
    compiled = kiln.compile(_matmul, x, w, target="example-npu",
                            options={"tile_size": 256, "scratchpad_bytes": 264192})
    torch.testing.assert_close(compiled(x, w), x @ w, **TOLERANCE)


def test_an_unknown_option_is_refused_with_the_targets_options(example_target):
    with pytest.raises(kiln.KilnError, match=r"target 'example-npu' has no option 'tile_sise'; "
                                             r"its options are tile_size \(int, default 64\), "
                                             r"scratchpad_bytes \(int, default 262144\), fusion"):
        kiln.compile(_scale_and_shift, torch.randn(4), target="example-npu",
                     options={"tile_sise": 32})


def test_a_tile_of_no_elements_is_refused(example_target):
    with pytest.raises(kiln.KilnError, match="target 'example-npu' needs a positive tile_size "
                                             "and scratchpad_bytes, not 0 and 262144"):
        kiln.compile(_scale_and_shift, torch.randn(4), target="example-npu",
                     options={"tile_size": 0})


def test_the_device_refuses_what_is_not_its_artifact(example_target):
    from kiln_example_target import artifact
    from kiln_example_target.device import NpuDevice

    with pytest.raises(kiln.KilnError, match="not an example-npu artifact"):
        NpuDevice().load(b"\x7fELF" + bytes(64))
    other = artifact.pack({"target": "other-npu", "counters": ["tiles", "bytes"]}, b"")
    with pytest.raises(kiln.KilnError, match="an artifact for 'other-npu' with counters "
                                             r"\['tiles', 'bytes'\] cannot run on example-npu"):
        NpuDevice().load(other)


def _convolve_then_scale(x, w, b):
    return torch.relu(torch.nn.functional.conv2d(x, w)) * 2 + b


def test_a_convolution_runs_on_the_cpu_beside_the_npus_kernels(example_target, tmp_path):
    x, w, b = torch.randn(2, 3, 9, 9), torch.randn(4, 3, 3, 3), torch.randn(7)
    compiled = kiln.compile(_convolve_then_scale, x, w, b, target="example-npu",
                            dump_ir=tmp_path)
    torch.testing.assert_close(compiled(x, w, b), _convolve_then_scale(x, w, b), **TOLERANCE)
    assert compiled.stats["cpu_kernels"] == 1
    assert example_target.launches == compiled.stats["kernels"] - 1 == 1
    # The epilogue's tiles: 2 x 4 x 7 rows of 7; each moves its row of the convolution,
    # of the bias and of the output.
    assert (example_target.tiles, example_target.bytes_moved) == (56, 3 * 2 * 4 * 7 * 7 * 4)
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    torch.testing.assert_close(kiln.load(buffer)(x, w, b), _convolve_then_scale(x, w, b),
                               **TOLERANCE)
    assert example_target.launches == 2
    placed = _refusals_by_kernel(tmp_path / "2-fused.mlir")
    assert sorted(target for target, _ in placed) == ["cpu", "example-npu"]
    for target, refused in placed:  # a kernel holds the NPU's ops, or only ops it lacks
        assert all(refused) if target == "cpu" else not any(refused), (target, refused)


def _refusals_by_kernel(fused: Path) -> list[tuple[str, list[bool]]]:
    """Each kernel of a ``fused`` dump: its target, and whether the NPU refuses each of
    its ops but the terminator."""
    from torch_mlir import ir

    from kiln.compiler.dialect import make_context
    from kiln_example_target.compiler import NpuCompiler

    with make_context():
        module = ir.Module.parse(fused.read_text())
        function = module.body.operations[0]
        return [(ir.StringAttr(kernel.attributes["target"]).value,
                 [NpuCompiler.capabilities.refusal(op) is not None
                  for op in kernel.regions[0].blocks[0].operations
                  if op.operation.name != "kiln.yield"])
                for kernel in function.regions[0].blocks[0].operations
                if kernel.operation.name == "kiln.kernel"]


def test_the_npu_pass_leaves_the_cpus_kernels_alone(example_target, tmp_path):
    from torch_mlir import ir

    from kiln.compiler.dialect import make_context
    from kiln.compiler.passes.pipeline import build_pass_manager

    x, w, b = torch.randn(2, 3, 9, 9), torch.randn(4, 3, 3, 3), torch.randn(7)
    kiln.compile(_convolve_then_scale, x, w, b, target="example-npu", dump_ir=tmp_path)
    with make_context() as context:
        module = ir.Module.parse((tmp_path / "4-planned.mlir").read_text())
        before = {_name(f): str(f) for f in _kernels(module)}
        pass_manager, _ = build_pass_manager("builtin.module(kiln-npu-tile-kernels)", context)
        pass_manager.run(module.operation)
        after = {_name(f): f for f in _kernels(module)}
    targets_of = {name: ir.StringAttr(function.attributes["kiln.target"]).value
                  for name, function in after.items()}
    assert sorted(targets_of.values()) == ["cpu", "example-npu"]
    for name, function in after.items():
        if targets_of[name] == "cpu":
            assert str(function) == before[name]
        else:
            assert "npu.counters" in function.attributes and "scf.for" in str(function)


def _kernels(module) -> list:
    return [op for op in module.body.operations
            if op.operation.name == "func.func" and "kiln.kernel" in op.attributes]


def _name(function) -> str:
    from torch_mlir import ir

    return ir.StringAttr(function.attributes["sym_name"]).value


def test_an_unknown_target_names_the_registered_ones(example_target):
    available = "cpu, cuda, cuda-interpreter, example-npu"
    with pytest.raises(kiln.KilnError, match=f"unknown target 'tpu'; available: {available}"):
        kiln.compile(lambda x: x + 1, torch.randn(2), target="tpu")
