"""The benchmark harness runs end to end and writes what it promises.

``python -m benchmarks.run --quick`` on the CPU implementations, into a
temporary folder: every workload and scaling curve gets a result, the JSON,
Markdown and PNG files exist with the expected content, and all
implementations, started from the same weights and fed the same batches,
end on the same loss. Speed is never asserted: quick mode measures nothing.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.engines import library_problem
from benchmarks.networks import SCALING_NETWORKS, WORKLOADS

REPO_ROOT = Path(__file__).resolve().parent.parent
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ROW_KEYS = {"workload", "implementation", "device", "median_s", "min_s", "max_s", "repeats", "images_per_s",
            "gflops", "peak_rss_mb", "peak_device_mb", "vs_torch_cpu", "vs_floor", "loss_after"}


def cpu_implementations():
    """floor and torch-cpu always; minigrad-cpu once minigrad can build and train the networks."""
    implementations = ["floor", "torch-cpu"]
    if library_problem("minigrad") is None:
        implementations.append("minigrad-cpu")
    return implementations


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("benchmarks")
    implementations = cpu_implementations()
    process = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(out), "--implementations", *implementations],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert process.returncode == 0, process.stdout + process.stderr
    return out, implementations, process.stdout


def test_every_workload_and_curve_has_a_result(quick_run):
    out, implementations, _ = quick_run
    report = json.loads((out / "results.json").read_text())

    assert {"machine", "settings", "implementations", "skipped", "workloads", "results", "scaling", "crossover",
            "errors", "raw"} <= set(report)
    assert report["errors"] == []
    assert report["implementations"] == implementations
    assert report["settings"]["quick"] is True
    assert {"cpu", "cores", "threads", "versions", "date"} <= set(report["machine"])
    assert {"numpy", "torch"} <= set(report["machine"]["versions"])

    measured = {(row["workload"], row["implementation"]) for row in report["results"]}
    assert measured == {(w, i) for w in WORKLOADS for i in implementations
                        if i != "floor" or WORKLOADS[w].has_floor}
    for row in report["results"]:
        assert ROW_KEYS <= set(row)
        assert 0 < row["min_s"] <= row["median_s"] <= row["max_s"]
        assert row["images_per_s"] > 0 and row["gflops"] > 0 and row["peak_rss_mb"] > 0

    assert set(report["scaling"]) == set(SCALING_NETWORKS)
    for curves in report["scaling"].values():
        assert set(curves) == set(implementations)
        for points in curves.values():
            assert [p["batch"] for p in points] == report["settings"]["scaling_batches"]
            assert all(p["median_s"] > 0 for p in points)


def test_all_implementations_compute_the_same_loss(quick_run):
    out, _, _ = quick_run
    report = json.loads((out / "results.json").read_text())
    for workload in WORKLOADS:
        losses = {row["implementation"]: row["loss_after"] for row in report["results"] if row["workload"] == workload}
        assert max(losses.values()) == pytest.approx(min(losses.values()), rel=1e-3), (workload, losses)


def test_markdown_charts_and_printed_table(quick_run):
    out, implementations, stdout = quick_run
    markdown = (out / "results.md").read_text()
    assert "| workload | implementation | runs | median ms" in markdown
    assert "CPU:" in markdown and "numpy" in markdown and "torch" in markdown
    for implementation in implementations:
        assert f"| {implementation} |" in markdown
    for chart in ("step_times.png", "scaling.png"):
        assert (out / chart).read_bytes().startswith(PNG_SIGNATURE)
        assert f"]({chart})" in markdown
    assert "| workload | implementation | runs | median ms" in stdout


def test_the_overhead_probe_runs_and_prints_every_phase(capsys):
    from benchmarks import overhead

    overhead.main(["--steps", "20"])
    printed = capsys.readouterr().out
    for phase in overhead.PHASES + ("minigrad step", "floor step"):
        assert phase in printed
