"""``kiln-bench`` runs end to end on small models, and fails when Kiln is wrong."""

import json
import re

import pytest

import kiln
from kiln.tools.kiln_bench import main
from kiln.tools.kiln_bench.report import SPEED_COLUMNS

FAST = ["--small", "--repeats", "1", "--warmup", "0", "--warm-caches"]


def test_bench_reports_speedups_throughput_and_plot(capsys, tmp_path):
    report, plot = tmp_path / "bench.json", tmp_path / "bench.png"
    status = main(["--models", "mlp,elementwise_chain", *FAST, "--json", str(report),
                   "--plot", str(plot)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert re.search(r"\s+".join(map(re.escape, SPEED_COLUMNS)), out)
    assert "kiln speedup vs inductor-freezing" in out and "geomean (2 models that pass)" in out
    assert "per-call overhead" in out and "GFLOP/s" in out and "GB/s" in out
    results = {r["model"]: r for r in json.loads(report.read_text())["results"]}
    assert [r["check"] for r in results.values()] == ["PASS", "PASS"]
    assert results["mlp"]["bound"] == "compute" and results["mlp"]["flops"] > 0
    assert results["elementwise_chain"]["bound"] == "memory"
    assert results["elementwise_chain"]["copy_gbps"] > 0
    for backend in ("eager", "inductor", "inductor_freezing", "kiln"):
        assert results["mlp"][f"{backend}_ms"] > 0
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_bench_fails_when_kiln_output_differs(capsys, monkeypatch):
    compile_ = kiln.compile

    class OffByOne:
        def __init__(self, executable):
            self.executable, self.stats = executable, executable.stats

        def __call__(self, *args):
            return self.executable(*args) + 1

    monkeypatch.setattr(kiln, "compile", lambda *a, **k: OffByOne(compile_(*a, **k)))
    assert main(["--models", "elementwise_chain", *FAST]) == 1
    assert "Kiln output differs from eager" in capsys.readouterr().out


def test_compile_failure_is_a_row_and_fails_only_default_models(capsys, monkeypatch):
    def unsupported(*args, **kwargs):
        raise kiln.KilnError("model.py:1: aten.frobnicate is not supported by Kiln yet.\nhint")

    monkeypatch.setattr(kiln, "compile", unsupported)
    monkeypatch.setattr("kiln.tools.kiln_bench.micro.call_overhead",
                        lambda: {"eager": 1.0, "kiln": 1.0})
    monkeypatch.setattr("kiln.tools.kiln_bench.micro.parallel_launch", lambda: {"eager": 1.0})
    assert main(["--models", "matmul_512", *FAST]) == 0  # not in the default list
    out = capsys.readouterr().out
    assert "NO-COMPILE" in out and "aten.frobnicate is not supported by Kiln yet." in out
    assert "hint" not in out
    assert main(["--models", "matmul_1024", *FAST]) == 1


def test_unknown_model_is_a_usage_error():
    with pytest.raises(SystemExit):
        main(["--models", "no_such_model"])
