"""`python -m benchmarks.resnet --quick` runs and writes its rows: both libraries, started from
the same weights on the same batches, end on the same loss. Speed is not asserted."""
import json
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_the_resnet18_benchmark_runs_in_quick_mode(tmp_path):
    process = subprocess.run([sys.executable, "-m", "benchmarks.resnet", "--quick", "--out",
                              str(tmp_path)], cwd=REPO_ROOT, capture_output=True, text=True,
                             timeout=600)
    assert process.returncode == 0, process.stderr
    rows = json.loads((tmp_path / "resnet18.json").read_text())["rows"]
    assert {r["implementation"] for r in rows} == {"minigrad-cpu", "torch-cpu"}
    mine, theirs = sorted(rows, key=lambda r: r["implementation"])
    assert abs(mine["loss_after"] - theirs["loss_after"]) < 1e-4 * abs(theirs["loss_after"])
    assert "| resnet18-train-b2 | minigrad-cpu |" in (tmp_path / "resnet18.md").read_text()
