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
batch 1000; one MNIST training epoch of the MLP at batch 200; a training
step of a 1-layer LSTM (sequence 50, batch 32, input 64, hidden 128) and of
the sine-wave RNN (no floor for these two). Then the
scaling curves: training-step time against batch size for the MLP and the
d2l LeNet, and the batch size from which each GPU implementation beats its
CPU twin.

Each (implementation, workload) runs in a fresh process with the thread
count set before NumPy or torch is imported (one thread unless ``--threads``
says otherwise), so that it starts clean and its peak memory is its own.
The implementations of a workload take their timed runs in turn, one at a
time (round-robin, see ``run_interleaved``): on a shared machine whose speed
drifts, that keeps the ratios between them fair.

Results go to ``--out``: ``results.json`` (everything, raw times included),
``results.md`` (tables and the machine they were measured on) and PNG
charts. ``--quick`` does few repeats over a short batch list, on random
data: it proves the code runs, in well under a minute, and measures nothing.
"""

import argparse
import json
import os
import select
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
    max_repeats: int
    timed_budget_s: float
    epoch_repeats: int
    scaling_batches: tuple
    scaling_min_repeats: int
    scaling_max_repeats: int
    scaling_budget_s: float
    worker_timeout_s: float
    lr: float = LEARNING_RATE


def make_settings(quick, threads, seed):
    if quick:
        return Settings(quick, threads, seed, warmup=1, repeats=3, max_repeats=3, timed_budget_s=0, epoch_repeats=1,
                        scaling_batches=QUICK_SCALING_BATCHES, scaling_min_repeats=1, scaling_max_repeats=3,
                        scaling_budget_s=0.05, worker_timeout_s=300)
    return Settings(quick, threads, seed, warmup=5, repeats=30, max_repeats=500, timed_budget_s=20.0,
                    epoch_repeats=3,
                    scaling_batches=SCALING_BATCHES, scaling_min_repeats=5, scaling_max_repeats=30,
                    scaling_budget_s=1.0, worker_timeout_s=3600)


class WorkerFailed(Exception):
    """A worker process exited with an error; the message ends with its traceback's last lines."""


def worker_environment(settings):
    """This process's environment with the thread count set for every threading library."""
    return dict(os.environ, **{name: str(settings.threads) for name in THREAD_VARIABLES})


def run_worker(task, settings):
    """Run one task in a fresh ``python -m benchmarks.run --worker`` process and return its result."""
    environment = worker_environment(settings)
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


class Server:
    """One ``--worker`` process serving a workload task: it times a run each time it is asked."""

    def __init__(self, task, settings, folder):
        self.task, self.timeout_s = task, settings.worker_timeout_s
        self.result_path = Path(folder) / f"{task['implementation']}.result.json"
        task_path = Path(folder) / f"{task['implementation']}.task.json"
        task_path.write_text(json.dumps(dict(task, result_path=str(self.result_path))))
        self.stderr = open(Path(folder) / f"{task['implementation']}.stderr", "w+")
        self.process = subprocess.Popen([sys.executable, "-m", "benchmarks.run", "--worker", str(task_path)],
                                        cwd=REPO_ROOT, env=worker_environment(settings), text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    def reply(self):
        """The worker's next line; WorkerFailed if it died or said nothing within the timeout."""
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout_s)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.process.kill()
            self.process.wait()
            self.stderr.seek(0)
            last_lines = self.stderr.read().strip().splitlines()[-3:]
            raise WorkerFailed(" | ".join(last_lines) or f"no reply within {self.timeout_s:.0f} s")
        return line.strip()

    def time_one_run(self):
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        return float(self.reply())

    def finish(self):
        """Stop the worker and return its result."""
        self.process.stdin.write("finish\n")
        self.process.stdin.close()
        if self.process.wait(timeout=self.timeout_s) != 0:
            raise WorkerFailed(f"exited with {self.process.returncode}")
        self.stderr.close()
        return json.loads(self.result_path.read_text())


def run_interleaved(tasks, settings, repeats, max_repeats=None, budget_s=0.0):
    """Time one workload on several implementations, their timed runs taken in turn.

    Every implementation keeps its own process (its own threads and peak
    memory) but only one runs at a time: round r asks each in turn for one
    timed run, starting with implementation r mod k, so the machine's slow
    and quick spells are shared out evenly and the ratios within a round
    are fair. There are `repeats` rounds, and more, up to `max_repeats`,
    while the rounds have taken less than `budget_s`: a step of a few
    milliseconds needs hundreds of runs before its median settles on a
    shared machine. Returns (results, {implementation: error message}).
    """
    max_repeats = repeats if max_repeats is None else max_repeats
    errors = {}
    with tempfile.TemporaryDirectory(prefix="minigrad-bench-") as folder:
        servers = {}
        for task in tasks:
            server = Server(task, settings, folder)
            try:
                if server.reply() != "ready":
                    raise WorkerFailed("did not start")
                servers[task["implementation"]] = server
            except WorkerFailed as failure:
                errors[task["implementation"]] = str(failure)
        started = time.perf_counter()
        round_number = 0
        while round_number < repeats or (round_number < max_repeats
                                         and time.perf_counter() - started < budget_s):
            names = list(servers)
            start = round_number % max(len(names), 1)
            for name in names[start:] + names[:start]:
                try:
                    servers[name].time_one_run()
                except (WorkerFailed, ValueError) as failure:
                    errors[name] = str(failure)
                    del servers[name]
            round_number += 1
        results = []
        for name, server in servers.items():
            try:
                results.append(server.finish())
            except (WorkerFailed, subprocess.TimeoutExpired, ValueError) as failure:
                errors[name] = str(failure)
    return results, errors


def scaling_tasks(settings, implementations):
    """One worker task per (scaling network, implementation)."""
    common = {"threads": settings.threads, "seed": settings.seed, "quick": settings.quick}
    return [dict(common, kind="scaling", implementation=implementation, network=network,
                 batches=list(settings.scaling_batches), warmup=settings.warmup,
                 min_repeats=settings.scaling_min_repeats, max_repeats=settings.scaling_max_repeats,
                 budget_s=settings.scaling_budget_s)
            for network in SCALING_NETWORKS for implementation in implementations]


def benchmark(settings, implementations, workload_names, scaling):
    """Run every workload (implementations interleaved), then the scaling curves; return the report."""
    probe = run_worker({"kind": "probe"}, settings)
    skipped = {name: probe["unavailable"][name] for name in implementations if name not in probe["available"]}
    implementations = [name for name in implementations if name in probe["available"]]
    for name, reason in skipped.items():
        print(f"skipping {name}: {reason}")

    workload_results, scaling_curves, errors = [], [], []
    common = {"kind": "workload", "threads": settings.threads, "seed": settings.seed, "quick": settings.quick,
              "warmup": settings.warmup}
    for number, workload in enumerate(workload_names, 1):
        print(f"[{number}/{len(workload_names)}] {workload}, {', '.join(implementations)} in turn ...",
              flush=True)
        started = time.perf_counter()
        tasks = [dict(common, implementation=name, workload=workload) for name in implementations
                 if name != "floor" or WORKLOADS[workload].has_floor]
        if WORKLOADS[workload].mode == "epoch":
            results, failures = run_interleaved(tasks, settings, settings.epoch_repeats)
        else:
            results, failures = run_interleaved(tasks, settings, settings.repeats, settings.max_repeats,
                                                settings.timed_budget_s)
        workload_results += results
        for result in results:
            median_ms = report.timing_summary(result["times_s"])["median_s"] * 1e3
            print(f"    {result['implementation']}: median {median_ms:.2f} ms")
        for name, message in failures.items():
            print(f"    {name}: FAILED: {message}")
            errors.append({"task": f"{workload} on {name}", "message": message})
        print(f"    ({time.perf_counter() - started:.1f} s)")

    tasks = scaling_tasks(settings, implementations) if scaling else []
    for number, task in enumerate(tasks, 1):
        label = f"scaling {task['network']} on {task['implementation']}"
        print(f"[{number:2d}/{len(tasks)}] {label} ...", end=" ", flush=True)
        started = time.perf_counter()
        try:
            result = run_worker(task, settings)
        except WorkerFailed as failure:
            print(f"FAILED: {failure}")
            errors.append({"task": label, "message": str(failure)})
            continue
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
