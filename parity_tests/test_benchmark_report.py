"""The benchmark report's GPU half, on made-up timings: no GPU has run the benchmarks yet.

The quick run (test_benchmarks_quick.py) exercises the CPU implementations
for real; here a report with all five implementations is built from
invented times, so that the GPU crossover, the GPU columns and the charts
are known to work before a GPU machine produces the first real numbers.
"""
from dataclasses import asdict

import pytest

from benchmarks import report
from benchmarks.networks import WORKLOADS
from benchmarks.run import make_settings

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
IMPLEMENTATIONS = ("floor", "torch-cpu", "torch-cuda", "minigrad-cpu", "minigrad-cuda")
BATCHES = (1, 16, 256, 4096)


def curve(network, implementation, milliseconds):
    """A raw scaling curve as a worker returns it: three equal runs per batch."""
    return {"network": network, "implementation": implementation,
            "device": "GPU 0" if implementation.endswith("cuda") else "CPU",
            "points": [{"batch": b, "times_s": [ms / 1e3] * 3} for b, ms in zip(BATCHES, milliseconds)]}


@pytest.mark.parametrize("gpu_times, expected", [
    ((5.0, 5.0, 1.0, 2.0), 256),      # slower at small batches, faster from 256 on
    ((0.1, 5.0, 1.0, 2.0), 256),      # faster at batch 1 alone does not count: it must stay faster
    ((5.0, 5.0, 50.0, 900.0), None),  # never faster
])
def test_the_gpu_crossover_is_the_batch_from_which_it_stays_faster(gpu_times, expected):
    cpu_times = (1.0, 2.0, 10.0, 100.0)
    scaling = report.summarise_scaling([curve("mlp", "minigrad-cpu", cpu_times),
                                        curve("mlp", "minigrad-cuda", gpu_times)])
    assert report.gpu_crossover(scaling) == {"mlp": {"minigrad-cuda": expected}}


def test_a_gpu_without_its_cpu_twin_has_no_crossover():
    scaling = report.summarise_scaling([curve("mlp", "torch-cuda", (1, 1, 1, 1)),
                                        curve("mlp", "minigrad-cpu", (2, 2, 2, 2))])
    assert report.gpu_crossover(scaling) == {}


def made_up_report():
    raw_results = []
    for workload in WORKLOADS:
        for number, implementation in enumerate(IMPLEMENTATIONS, 1):
            gpu = implementation.endswith("cuda")
            raw_results.append({
                "workload": workload, "implementation": implementation,
                "device": "GPU 0" if gpu else "CPU", "data": "random", "warmup": 5, "loss_after": 2.3,
                "rss_setup_mb": 100.0, "peak_rss_mb": 120.0, "peak_device_mb": 512.0 if gpu else None,
                "times_s": [number * 1e-3, number * 1.1e-3, number * 0.9e-3]})
    curves = [curve(network, implementation, (1, 2, 10, 100) if not implementation.endswith("cuda")
                    else (5, 5, 1, 2))
              for network in ("mlp", "lenet_d2l") for implementation in IMPLEMENTATIONS]
    scaling = report.summarise_scaling(curves)
    return {
        "machine": report.describe_machine(1, {"numpy": "2", "torch": "2.13.0"}, ["CPU", "GPU 0"]),
        "settings": asdict(make_settings(False, 1, 0)),
        "implementations": list(IMPLEMENTATIONS), "skipped": {},
        "results": report.summarise_workloads(raw_results), "scaling": scaling,
        "crossover": report.gpu_crossover(scaling), "errors": [],
    }


def test_a_report_with_gpus_has_their_rows_crossover_and_charts(tmp_path):
    result = made_up_report()
    rows = {(row["workload"], row["implementation"]): row for row in result["results"]}
    assert rows[("mlp-train", "minigrad-cuda")]["vs_torch_cpu"] == pytest.approx(5 / 2)
    assert rows[("mlp-train", "torch-cuda")]["vs_floor"] == pytest.approx(3)

    charts = report.plot_charts(tmp_path, result)
    report.write_markdown(tmp_path / "results.md", result, charts)
    markdown = (tmp_path / "results.md").read_text()
    assert "- GPU: GPU 0" in markdown
    assert "| mlp-train | minigrad-cuda | 3 | 5.00 |" in markdown
    assert "| 512 |" in markdown  # peak GPU memory
    assert "## Where the GPU overtakes the CPU" in markdown
    for network in ("mlp", "lenet_d2l"):
        assert f"- {network}: minigrad-cuda beats minigrad-cpu from batch 256" in markdown
        assert f"- {network}: torch-cuda beats torch-cpu from batch 256" in markdown
    for chart in ("step_times.png", "scaling.png"):
        assert (tmp_path / chart).read_bytes().startswith(PNG_SIGNATURE)
