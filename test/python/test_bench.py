"""``kiln-bench`` runs end to end on a small model."""

from kiln.tools.kiln_bench import COLUMNS, main


def test_bench_mlp_smoke(capsys, tmp_path):
    report = tmp_path / "bench.json"
    status = main(["--models", "mlp", "--repeats", "2", "--warmup", "1", "--small",
                   "--json", str(report)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "  ".join(COLUMNS[:2]) in out
    assert "PASS" in out
    assert report.exists()
