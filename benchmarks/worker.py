"""One benchmark task, run in a fresh Python process.

``run.py`` starts ``python -m benchmarks.run --worker TASK.json`` once per
(implementation, workload) and once per scaling curve, with the thread count
already in the environment. A fresh process per task means that NumPy, torch
and minigrad start their thread pools with that count, that one task's
imports and caches do not speed up or slow down the next, and that the
process's peak memory is that task's alone.

A task is a JSON object; the worker writes its result as JSON to the task's
``result_path``. Kinds of task:

- ``probe``: which implementations this machine can run, and versions;
- ``workload``: time one workload of ``networks.WORKLOADS``, one run per
  command read from standard input (see ``serve_workload``);
- ``scaling``: time training steps of one network across batch sizes.
"""

import importlib
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import numpy_floor
from benchmarks.engines import IMPLEMENTATIONS, library_problem, make_engine
from benchmarks.networks import (IMAGE_SHAPE, MNIST_TRAIN_IMAGES, NUM_CLASSES, SEQUENCE_NETWORKS, WORKLOADS,
                                 sequence_batch, sequence_parameters)

REPO_ROOT = Path(__file__).resolve().parent.parent


def main(task_path):
    task = json.loads(Path(task_path).read_text())
    result = TASKS[task["kind"]](task)
    Path(task["result_path"]).write_text(json.dumps(result))


def probe(task):
    """Which implementations can run here (and why not the others), with library versions."""
    versions = {"numpy": np.__version__}
    available = ["floor"]
    unavailable = {}
    for library in ("torch", "minigrad"):
        problem = library_problem(library)
        if problem is not None:
            unavailable[f"{library}-cpu"] = unavailable[f"{library}-cuda"] = problem
            continue
        module = importlib.import_module(library)
        versions[library] = module.__version__
        available.append(f"{library}-cpu")
        if module.cuda.is_available():
            available.append(f"{library}-cuda")
        else:
            unavailable[f"{library}-cuda"] = f"{library}.cuda.is_available() is False"
    if "minigrad-cuda" in available:
        import cupy

        versions["cupy"] = cupy.__version__
    return {"versions": versions, "available": [i for i in IMPLEMENTATIONS if i in available],
            "unavailable": unavailable}


def serve_workload(task, commands=None, replies=None):
    """Set up one workload, warm it up, then time one run per ``run`` line read from ``commands``.

    Each timed run's seconds go back on ``replies`` as a line, the run
    preceded by an untimed one of the same kind (except for epochs); ``finish``
    ends the loop and the result (the times, the loss, peak memory) is
    written as for any task. ``run.py`` keeps one such process per
    implementation and sends its ``run`` lines round-robin, so the timed
    runs of all implementations interleave and a slow spell of a shared
    machine falls on all of them alike.
    """
    commands = sys.stdin if commands is None else commands
    replies = sys.stdout if replies is None else replies
    workload = WORKLOADS[task["workload"]]
    if workload.network in SEQUENCE_NETWORKS:
        state = sequence_parameters(workload.network, task["seed"])
    else:
        state = numpy_floor.init_params(numpy_floor.NETWORKS[workload.network].PARAMETER_SHAPES, task["seed"])
    engine = make_engine(task["implementation"], workload.network, state, task["threads"])

    if workload.mode == "epoch":
        images, labels, data = epoch_data(task["quick"], task["seed"])
    elif workload.network in SEQUENCE_NETWORKS:
        images, labels = sequence_batch(workload.network, workload.batch, task["seed"])
        data = "random" if workload.network == "lstm" else "sine waves"
    else:
        images, labels = random_batch(workload.batch, task["seed"])
        data = "random"
    all_images, all_labels = engine.batch(images, labels)
    x, y = all_images[:workload.batch], all_labels[:workload.batch]
    rss_setup = peak_rss_mb()

    def train_step():
        engine.train_step(x, y)

    def infer():
        engine.infer(x)

    def epoch():
        for start in range(0, len(images), workload.batch):
            engine.train_step(all_images[start:start + workload.batch], all_labels[start:start + workload.batch])

    warm_up = infer if workload.mode == "infer" else train_step
    timed_run = {"train": train_step, "infer": infer, "epoch": epoch}[workload.mode]
    for _ in range(task["warmup"]):
        warm_up()
    engine.synchronize()

    times = []
    print("ready", file=replies, flush=True)
    for command in commands:
        if command.strip() != "run":
            break
        if workload.mode != "epoch":
            # This process slept while the others took their turns: one untimed run first puts
            # its caches back where back-to-back steps keep them (an epoch warms itself up).
            timed_run()
            engine.synchronize()
        times.append(time_once(timed_run, engine.synchronize))
        print(times[-1], file=replies, flush=True)

    peak_device = engine.peak_device_bytes()
    return {
        "implementation": task["implementation"],
        "workload": workload.name,
        "device": engine.device_name,
        "data": data,
        "warmup": task["warmup"],
        "times_s": times,
        "loss_after": engine.loss(x, y),
        "rss_setup_mb": rss_setup,
        "peak_rss_mb": peak_rss_mb(),
        "peak_device_mb": None if peak_device is None else peak_device / 2**20,
    }


def run_scaling(task):
    """Time training steps of one network at each batch size, as many as fit a small time budget."""
    network = task["network"]
    state = numpy_floor.init_params(numpy_floor.NETWORKS[network].PARAMETER_SHAPES, task["seed"])
    engine = make_engine(task["implementation"], network, state, task["threads"])
    points = []
    for batch in task["batches"]:
        x, y = engine.batch(*random_batch(batch, task["seed"]))
        for _ in range(task["warmup"]):
            engine.train_step(x, y)
        engine.synchronize()
        times = []
        while len(times) < task["max_repeats"] and (len(times) < task["min_repeats"]
                                                     or sum(times) < task["budget_s"]):
            times.append(time_once(lambda: engine.train_step(x, y), engine.synchronize))
        points.append({"batch": batch, "times_s": times})
    return {"implementation": task["implementation"], "network": network, "device": engine.device_name,
            "points": points}


TASKS = {"probe": probe, "workload": serve_workload, "scaling": run_scaling}


def time_once(run, synchronize):
    """Wall time of ``run()``, including the device work it queued."""
    start = time.perf_counter()
    run()
    synchronize()
    return time.perf_counter() - start


def random_batch(batch, seed):
    """Standard-normal float32 images and uniform labels: the same for every implementation.

    The generator is seeded with seed + 1 to keep it apart from the initial weights' stream.
    """
    rng = np.random.default_rng(seed + 1)
    images = rng.standard_normal((batch,) + IMAGE_SHAPE, dtype=np.float32)
    return images, rng.integers(0, NUM_CLASSES, size=batch)


def epoch_data(quick, seed):
    """The MNIST training images and labels, and where they came from.

    Read with ``minigrad.vision.datasets.MNIST`` from ``$MINIGRAD_DATA`` or the
    ``shared/datasets`` folder beside the repository. Quick mode, or a
    machine without the files, gets random data of the same shape: the
    step time does not depend on the pixel values.
    """
    if not quick:
        root = os.environ.get("MINIGRAD_DATA") or REPO_ROOT.parent / "shared" / "datasets"
        try:
            from minigrad.vision.datasets import MNIST

            dataset = MNIST(root=root, train=True, download=False)
            # pixels / 255, as ToTensor() makes them; the step time does not depend on the values.
            images = dataset.data.numpy()[:, None].astype(np.float32) / 255
            return images, dataset.targets.numpy(), "MNIST training set"
        except (ImportError, OSError) as error:
            images, labels = random_batch(MNIST_TRAIN_IMAGES, seed)
            return images, labels, f"random (MNIST unavailable: {str(error).splitlines()[0]})"
    images, labels = random_batch(MNIST_TRAIN_IMAGES, seed)
    return images, labels, "random"


def peak_rss_mb():
    """This process's peak resident memory so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
