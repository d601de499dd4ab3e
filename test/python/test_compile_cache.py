"""The compile cache: hits in a fresh process, misses on any change, survives damaged entries."""

import json
import subprocess
import sys
import textwrap

import pytest
import torch

import kiln

TOLERANCE = dict(rtol=1e-4, atol=1e-4)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KILN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("KILN_CACHE", raising=False)
    return tmp_path


def mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 3)).eval()


def entries(cache_dir):
    return sorted((cache_dir / "programs").glob("*.kiln"))


def without_timings(stats):
    return {k: v for k, v in stats.items() if k not in ("compile_seconds", "cache")}


def test_hit_in_a_fresh_process_matches_eager_and_fresh_stats(cache_dir):
    script = textwrap.dedent("""
        import json, torch, kiln
        torch.manual_seed(0)
        module = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 3)).eval()
        x = torch.randn(4, 6)
        compiled = kiln.compile(module, x)
        with torch.no_grad():
            torch.testing.assert_close(compiled(x), module(x), rtol=1e-4, atol=1e-4)
        print(json.dumps({k: v for k, v in compiled.stats.items() if k != "compile_seconds"}))
    """)
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    assert [run.pop("cache") for run in runs] == ["miss", "hit"]
    assert runs[0] == runs[1]


def test_hit_in_a_fresh_process_imports_neither_mlir_nor_the_driver(cache_dir):
    script = textwrap.dedent("""
        import json, sys, torch, kiln
        torch.manual_seed(0)
        module = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.GELU(), torch.nn.Linear(8, 3)).eval()
        compiled = kiln.compile(module, torch.randn(4, 6))
        print(json.dumps([compiled.stats["cache"], "torch_mlir" in sys.modules,
                          "kiln.compiler.driver" in sys.modules]))
    """)
    runs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    assert runs == [["miss", True, True], ["hit", False, False]]


def test_second_compile_is_a_hit_with_the_same_behaviour(cache_dir):
    module, x = mlp(), torch.randn(4, 6)
    first = kiln.compile(module, x)
    second = kiln.compile(module, x)
    assert (first.stats["cache"], second.stats["cache"]) == ("miss", "hit")
    assert without_timings(first.stats) == without_timings(second.stats)
    assert second.inputs == first.inputs and second.outputs == first.outputs
    with torch.no_grad():
        torch.testing.assert_close(second(x), module(x), **TOLERANCE)
    assert len(entries(cache_dir)) == 1


@pytest.mark.parametrize("change", ["graph", "shape", "dtype", "fusion", "opt_level",
                                    "target option", "storage offset"])
def test_any_change_misses(cache_dir, monkeypatch, change):
    fn, x = (lambda t: torch.relu(t) * 2), torch.randn(4, 5)
    assert kiln.compile(fn, x).stats["cache"] == "miss"
    options, entries_after = {}, 2
    if change == "graph":
        fn = lambda t: torch.relu(t) * 3  # noqa: E731
    elif change == "shape":
        x = torch.randn(4, 6)
    elif change == "dtype":
        x = x.double()
    elif change == "fusion":
        monkeypatch.setenv("KILN_FUSION", "elementwise=0")
    elif change == "opt_level":
        monkeypatch.setenv("KILN_OPT_LEVEL", "1")
    elif change == "storage offset":  # as_strided reads the layout: compiled for its offset
        fn = lambda t: torch.as_strided(t, (2, 2), (1, 2))  # noqa: E731
        assert kiln.compile(fn, torch.arange(30.0)[10:30].view(4, 5)).stats["cache"] == "miss"
        x = torch.arange(30.0)[5:25].view(4, 5)
        entries_after = 3
    else:
        options = {"opt_level": 2}
    compiled = kiln.compile(fn, x, options=options)
    assert compiled.stats["cache"] == "miss"
    torch.testing.assert_close(compiled(x), fn(x), **TOLERANCE)
    assert len(entries(cache_dir)) == entries_after


@pytest.mark.parametrize("damage", ["corrupt", "truncate"])
def test_damaged_entry_is_rebuilt_with_a_warning(cache_dir, damage):
    module, x = mlp(), torch.randn(4, 6)
    kiln.compile(module, x)
    [entry] = entries(cache_dir)
    data = bytearray(entry.read_bytes())
    if damage == "corrupt":
        data[len(data) // 2] ^= 0xFF
    else:
        del data[len(data) // 2:]
    entry.write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match=f"{entry.name}.*corrupt"):
        rebuilt = kiln.compile(module, x)
    assert rebuilt.stats["cache"] == "miss"
    with torch.no_grad():
        torch.testing.assert_close(rebuilt(x), module(x), **TOLERANCE)
    assert kiln.compile(module, x).stats["cache"] == "hit"


def test_kiln_cache_0_turns_it_off(cache_dir, monkeypatch):
    monkeypatch.setenv("KILN_CACHE", "0")
    module, x = mlp(), torch.randn(4, 6)
    assert [kiln.compile(module, x).stats["cache"] for _ in range(2)] == ["off", "off"]
    assert not (cache_dir / "programs").exists()


def test_hit_uses_the_current_parameters(cache_dir):
    x = torch.randn(4, 6)
    kiln.compile(mlp(seed=0), x)
    other = mlp(seed=1)  # same program, other weights
    compiled = kiln.compile(other, x)
    assert compiled.stats["cache"] == "hit"
    with torch.no_grad():
        torch.testing.assert_close(compiled(x), other(x), **TOLERANCE)
        other[0].weight.mul_(2)  # an in-place update after the compile is seen too
        torch.testing.assert_close(compiled(x), other(x), **TOLERANCE)


def test_fingerprinting_changes_neither_the_module_nor_the_random_state(cache_dir):
    module = torch.nn.Sequential(torch.nn.BatchNorm1d(6), torch.nn.Linear(6, 2)).train()
    x = torch.randn(4, 6)
    before = {k: v.clone() for k, v in module.state_dict().items()}
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    kiln.compile(module, x)  # compiling traces BatchNorm's updates; only calls apply them
    assert torch.equal(torch.rand(3), expected)
    after = module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_unwritable_cache_warns_and_still_compiles(cache_dir):
    (cache_dir / "programs").write_text("")  # a file where the entries' folder should be
    fn, x = (lambda t: t + 1), torch.randn(3)
    with pytest.warns(RuntimeWarning, match="could not write its compile cache entry"):
        compiled = kiln.compile(fn, x)
    torch.testing.assert_close(compiled(x), fn(x))


def test_the_source_hash_covers_every_compiler_package_and_the_native_sources():
    from kiln.compiler.artifacts.compile_cache import hashed_sources

    names = {name for name, _ in hashed_sources()}
    for expected in ("compiler/driver.py", "compiler/transforms/fuse.py",
                     "compiler/importer/decompositions/reductions.py",
                     "compiler/targets/cpu/transforms/lower_contractions.py",
                     "native/kiln_cpu_support.c"):
        assert expected in names
