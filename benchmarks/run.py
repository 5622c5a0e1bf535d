"""Benchmark minigrad against PyTorch and a hand-written NumPy floor, on CPU and GPU.

    python -m benchmarks.run [--quick] [--out benchmarks/results] [--threads N]
                             [--implementations floor torch-cpu ...] [--workloads mlp-train ...]
                             [--no-scaling]

Implementations: ``floor`` (plain NumPy, backward written by hand: what any
NumPy engine could reach with zero overhead), ``torch-cpu``, ``torch-cuda``,
``minigrad-cpu`` and ``minigrad-cuda``; those this machine cannot run are
skipped and the reason is reported. All start from the same weights and see
the same batches.

Workloads (``networks.WORKLOADS``): a training step of the MLP (batch 200),
of the d2l LeNet and of the modern LeNet (batch 256); LeNet inference at
batch 1000; one MNIST training epoch of the MLP at batch 200. Then the
scaling curves: training-step time against batch size for the MLP and the
d2l LeNet, and the batch size from which each GPU implementation beats its
CPU twin.

Each (implementation, workload) runs in a fresh process with the thread
count set before NumPy or torch is imported (one thread unless ``--threads``
says otherwise), so that it starts clean and its peak memory is its own.

Results go to ``--out``: ``results.json`` (everything, raw times included),
``results.md`` (tables and the machine they were measured on) and PNG
charts. ``--quick`` does few repeats over a short batch list, on random
data: it proves the code runs, in well under a minute, and measures nothing.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks import report
from benchmarks.engines import IMPLEMENTATIONS
from benchmarks.networks import LEARNING_RATE, QUICK_SCALING_BATCHES, SCALING_BATCHES, SCALING_NETWORKS, WORKLOADS

REPO_ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@dataclass(frozen=True)
class Settings:
    """How long to measure. Scaling points repeat until ``budget_s`` is spent, within the bounds."""

    quick: bool
    threads: int
    seed: int
    warmup: int
    repeats: int
    epoch_repeats: int
    scaling_batches: tuple
    scaling_min_repeats: int
    scaling_max_repeats: int
    scaling_budget_s: float
    worker_timeout_s: float
    lr: float = LEARNING_RATE


def make_settings(quick, threads, seed):
    if quick:
        return Settings(quick, threads, seed, warmup=1, repeats=3, epoch_repeats=1,
                        scaling_batches=QUICK_SCALING_BATCHES, scaling_min_repeats=1, scaling_max_repeats=3,
                        scaling_budget_s=0.05, worker_timeout_s=300)
    return Settings(quick, threads, seed, warmup=5, repeats=30, epoch_repeats=3,
                    scaling_batches=SCALING_BATCHES, scaling_min_repeats=5, scaling_max_repeats=30,
                    scaling_budget_s=1.0, worker_timeout_s=3600)


class WorkerFailed(Exception):
    """A worker process exited with an error; the message ends with its traceback's last lines."""


def run_worker(task, settings):
    """Run one task in a fresh ``python -m benchmarks.run --worker`` process and return its result."""
    environment = dict(os.environ, **{name: str(settings.threads) for name in THREAD_VARIABLES})
    with tempfile.TemporaryDirectory(prefix="minigrad-bench-") as folder:
        task_path, result_path = Path(folder) / "task.json", Path(folder) / "result.json"
        task_path.write_text(json.dumps(dict(task, result_path=str(result_path))))
        try:
            process = subprocess.run([sys.executable, "-m", "benchmarks.run", "--worker", str(task_path)],
                                     cwd=REPO_ROOT, env=environment, capture_output=True, text=True,
                                     timeout=settings.worker_timeout_s)
        except subprocess.TimeoutExpired:
            raise WorkerFailed(f"timed out after {settings.worker_timeout_s:.0f} s") from None
        if process.returncode != 0:
            raise WorkerFailed(" | ".join(process.stderr.strip().splitlines()[-3:]))
        return json.loads(result_path.read_text())


def make_tasks(settings, implementations, workload_names, scaling):
    """One worker task per (workload, implementation), then per (scaling network, implementation)."""
    common = {"threads": settings.threads, "seed": settings.seed, "quick": settings.quick}
    tasks = []
    for workload in workload_names:
        repeats = settings.epoch_repeats if WORKLOADS[workload].mode == "epoch" else settings.repeats
        tasks += [dict(common, kind="workload", implementation=implementation, workload=workload,
                       warmup=settings.warmup, repeats=repeats) for implementation in implementations]
    if scaling:
        tasks += [dict(common, kind="scaling", implementation=implementation, network=network,
                       batches=list(settings.scaling_batches), warmup=settings.warmup,
                       min_repeats=settings.scaling_min_repeats, max_repeats=settings.scaling_max_repeats,
                       budget_s=settings.scaling_budget_s)
                  for network in SCALING_NETWORKS for implementation in implementations]
    return tasks


def benchmark(settings, implementations, workload_names, scaling):
    """Run every task, printing progress; return the report as a dict."""
    probe = run_worker({"kind": "probe"}, settings)
    skipped = {name: probe["unavailable"][name] for name in implementations if name not in probe["available"]}
    implementations = [name for name in implementations if name in probe["available"]]
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}")
    tasks = make_tasks(settings, implementations, workload_names, scaling)

    workload_results, scaling_curves, errors = [], [], []
    for number, task in enumerate(tasks, 1):
        label = f"{task.get('workload') or 'scaling ' + task['network']} on {task['implementation']}"
        print(f"[{number:2d}/{len(tasks)}] {label} ...", end=" ", flush=True)
        started = time.perf_counter()
        try:
            result = run_worker(task, settings)
        except WorkerFailed as failure:
            print(f"FAILED: {failure}")
            errors.append({"task": label, "message": str(failure)})
            continue
        if task["kind"] == "workload":
            workload_results.append(result)
            summary = f"median {report.timing_summary(result['times_s'])['median_s'] * 1e3:.2f} ms"
        else:
            scaling_curves.append(result)
            summary = ", ".join(f"{p['batch']}: {report.timing_summary(p['times_s'])['median_s'] * 1e3:.2f} ms"
                                for p in result["points"])
        print(f"{summary}  ({time.perf_counter() - started:.1f} s)")

    devices = [result["device"] for result in workload_results + scaling_curves]
    scaling_summary = report.summarise_scaling(scaling_curves)
    return {
        "machine": report.describe_machine(settings.threads, probe["versions"], devices),
        "settings": asdict(settings),
        "implementations": implementations,
        "skipped": skipped,
        "workloads": [dict(name=w.name, network=w.network, batch=w.batch, mode=w.mode,
                           flops_per_run=w.flops_per_run) for w in map(WORKLOADS.get, workload_names)],
        "results": report.summarise_workloads(workload_results),
        "scaling": scaling_summary,
        "crossover": report.gpu_crossover(scaling_summary),
        "errors": errors,
        "raw": {"workloads": workload_results, "scaling": scaling_curves},
    }


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, small batches, random data (for CI)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "benchmarks" / "results",
                        help="folder for results.json, results.md and the charts")
    parser.add_argument("--threads", type=int, default=1, help="threads per implementation (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and the batches")
    parser.add_argument("--implementations", nargs="+", choices=IMPLEMENTATIONS, default=list(IMPLEMENTATIONS),
                        metavar="NAME", help=f"any of {', '.join(IMPLEMENTATIONS)} (default: all available)")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS),
                        metavar="NAME", help=f"any of {', '.join(WORKLOADS)} (default: all)")
    parser.add_argument("--no-scaling", dest="scaling", action="store_false", help="skip the batch-size curves")
    parser.add_argument("--worker", metavar="TASK_JSON", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    if arguments.worker:
        from benchmarks import worker

        worker.main(arguments.worker)
        return 0

    settings = make_settings(arguments.quick, arguments.threads, arguments.seed)
    started = time.perf_counter()
    result = benchmark(settings, arguments.implementations, arguments.workloads, arguments.scaling)

    arguments.out.mkdir(parents=True, exist_ok=True)
    try:
        chart_names = report.plot_charts(arguments.out, result)
    except ImportError:
        print("matplotlib is not installed: no charts (pip install matplotlib)")
        chart_names = []
    report.write_json(arguments.out / "results.json", result)
    report.write_markdown(arguments.out / "results.md", result, chart_names)

    print()
    print(report.results_table(result["results"]))
    if result["scaling"]:
        print()
        print(report.scaling_tables(result["scaling"]))
    print(f"\nwrote {arguments.out}/results.json, results.md and {', '.join(chart_names) or 'no charts'}"
          f" in {time.perf_counter() - started:.0f} s")
    if result["errors"]:
        print(f"{len(result['errors'])} task(s) failed: see above")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
