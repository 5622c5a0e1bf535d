"""How fast an MNIST epoch loads: the course's pipeline on minigrad beside torch's DataLoader.

    python -m benchmarks.loading [--epochs 7] [--out benchmarks/results] [--quick]

Loading only (no model): every batch of one epoch is produced and dropped, on
one thread. The rows:

- ``minigrad``: ``vision.datasets.MNIST(transform=Compose([ToTensor(),
  Normalize((0.1307,), (0.3081,))]))`` and ``utils.data.DataLoader(batch_size=200,
  shuffle=True)``, as the lessons write it. DataLoader recognises this
  pipeline (``vision.transforms.batched``): each batch is one fancy index into
  the uint8 pixels, one conversion to float32 and the normalisation, on the
  whole (200, 1, 28, 28) array at once, with the same numbers, bit for bit, as
  the images one at a time.
- ``minigrad-per-sample``: the same pipeline forced through the general path
  (a ``collate_fn`` other than ``default_collate``): per image a PIL image,
  ``ToTensor``, ``Normalize``, then ``default_collate``. Timed over a part of
  the epoch (``--per-sample-batches``) and scaled to a whole one: what the
  batching saves.
- ``torch``: torch's ``DataLoader(TensorDataset(images, labels),
  batch_size=200, shuffle=True)`` over the same images already normalised in
  memory, the fastest way torch loads them.

The implementations take their epochs in turn (round-robin), so that the drift
of a shared machine falls on all alike; the table gives the median and the
best epoch. ``--quick`` loads the 10,000 test images, one epoch each without
warm-up (one batch of the per-sample path): it proves the code runs and
measures nothing.
"""
import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(variable, "1")

import numpy as np  # noqa: E402 - after the thread count

REPO_ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 200
MEAN, STD = 0.1307, 0.3081


def minigrad_loaders(root, train):
    """The lessons' loader, and the same one pushed through the per-sample path."""
    import minigrad
    from minigrad.utils.data import DataLoader, default_collate
    from minigrad.vision import datasets, transforms

    minigrad.set_num_threads(1)
    dataset = datasets.MNIST(root, train=train, download=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))]))
    fast = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True)
    per_sample = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True,
                            collate_fn=lambda samples: default_collate(samples))
    return dataset, fast, per_sample


def torch_loader(dataset):
    """torch's DataLoader over a TensorDataset of the same images, normalised once in memory."""
    import torch

    torch.set_num_threads(1)
    images = torch.from_numpy(dataset.data.numpy()).unsqueeze(1).float().div(255).sub(MEAN).div(STD)
    labels = torch.from_numpy(dataset.targets.numpy())
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=BATCH_SIZE,
                                       shuffle=True)


def time_batches(loader, batches=None):
    """Seconds to produce `batches` batches of `loader` (all of one epoch when None)."""
    start = time.perf_counter()
    for _ in itertools.islice(loader, batches):
        pass
    return time.perf_counter() - start


def measure(root, epochs, per_sample_batches, quick):
    dataset, fast, per_sample = minigrad_loaders(root, train=not quick)
    batches_per_epoch = len(fast)
    per_sample_batches = min(per_sample_batches, batches_per_epoch)
    rows = {
        "minigrad": lambda: time_batches(fast),
        "minigrad-per-sample": lambda: time_batches(per_sample, per_sample_batches) * batches_per_epoch
        / per_sample_batches,
    }
    try:
        rows["torch"] = (lambda loader: lambda: time_batches(loader))(torch_loader(dataset))
    except ImportError as error:
        print(f"torch row skipped: {error}", file=sys.stderr)
    for timer in rows.values() if not quick else ():  # warm-up: imports, caches, the first page faults
        timer()
    times = {name: [] for name in rows}
    for _ in range(epochs):
        for name, timer in rows.items():
            times[name].append(timer())
    return len(dataset), batches_per_epoch, per_sample_batches, times


def report(images, batches, per_sample_batches, times, epochs, quick):
    lines = [f"MNIST {'test' if quick else 'training'} epoch: {images} images in {batches} batches of {BATCH_SIZE}, "
             f"loading only, one thread; {epochs} epoch(s) each, round-robin"
             + (" (quick mode: measures nothing)" if quick else ""), "",
             "| loader | median s/epoch | best s/epoch | ms/batch (median) | images/s (median) |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, seconds in times.items():
        median = statistics.median(seconds)
        lines.append(f"| {name} | {median:.3f} | {min(seconds):.3f} | {1000 * median / batches:.3f} | "
                     f"{images / median:,.0f} |")
    lines.append("")
    lines.append(f"minigrad-per-sample: {per_sample_batches} batch(es) timed per epoch, scaled to {batches}.")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7)
    parser.add_argument("--per-sample-batches", type=int, default=30,
                        help="batches of the per-sample path timed per epoch, scaled to a whole epoch")
    parser.add_argument("--data", default=os.environ.get("MINIGRAD_DATA") or REPO_ROOT.parent / "shared" / "datasets")
    parser.add_argument("--out", type=Path, help="also write loading.json and loading.md there")
    parser.add_argument("--quick", action="store_true", help="the test split, one epoch each: a smoke run")
    arguments = parser.parse_args(argv)
    epochs = 1 if arguments.quick else arguments.epochs
    per_sample_batches = 1 if arguments.quick else arguments.per_sample_batches

    images, batches, per_sample_batches, times = measure(arguments.data, epochs, per_sample_batches, arguments.quick)
    table = report(images, batches, per_sample_batches, times, epochs, arguments.quick)
    print(table)
    if arguments.out is not None:
        arguments.out.mkdir(parents=True, exist_ok=True)
        machine = {"python": platform.python_version(), "machine": platform.machine(), "cpu_count": os.cpu_count(),
                   "numpy": np.__version__, "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
        (arguments.out / "loading.json").write_text(json.dumps(
            {"machine": machine, "quick": arguments.quick, "images": images, "batches": batches,
             "batch_size": BATCH_SIZE, "per_sample_batches": per_sample_batches, "seconds_per_epoch": times},
            indent=2) + "\n")
        (arguments.out / "loading.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
