"""ResNet-18 on CIFAR-10-shaped images: one training step, minigrad against PyTorch on the CPU.

    python -m benchmarks.resnet [--quick] [--threads 1] [--out benchmarks/results]

A step is the course's loop body: zero_grad, forward in training mode
(BatchNorm on batch statistics), cross-entropy, backward, SGD with momentum
0.9. Both libraries build the network from `minigrad.roadmap_models.resnet18`
with the same weights and take the same random 3x32x32 batches, at batch 32
and at batch 128, on one thread by default. The libraries take turns step by
step (after a warm-up step each), so that a change in the machine's load
falls on both; each row reports the median over the repeats and minigrad's
time over torch's from the same run, and the losses of the last step, which
agree. Writes resnet18.json and resnet18.md into --out.

--quick runs the same code at batch 2, on a network of width 8 on 16x16
images, with one repeat: a check that it runs, not a measurement.
"""
import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.report import describe_machine

BATCHES = (32, 128)
LEARNING_RATE = 0.01


def build(lib, width, seed):
    """ResNet-18 in `lib`, its weights the same in both libraries (drawn by torch)."""
    import torch

    from minigrad import roadmap_models

    torch.manual_seed(seed)
    reference = roadmap_models.resnet18(torch.nn, width=width)
    if lib is torch:
        return reference
    model = roadmap_models.resnet18(lib.nn, width=width)
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    return model


class Trainer:
    """One library's model, optimiser and batches."""

    def __init__(self, lib, width, batch, size, seed):
        self.lib = lib
        self.model = build(lib, width, seed)
        self.model.train()
        self.optimizer = lib.optim.SGD(self.model.parameters(), lr=LEARNING_RATE, momentum=0.9)
        rng = np.random.default_rng(seed)
        self.images = lib.from_numpy(rng.standard_normal((batch, 3, size, size),
                                                         dtype=np.float32))
        self.labels = lib.from_numpy(rng.integers(0, 10, size=batch))
        self.loss = None

    def step(self):
        """One training step; returns its time in seconds."""
        start = time.perf_counter()
        self.optimizer.zero_grad()
        loss = self.lib.nn.functional.cross_entropy(self.model(self.images), self.labels)
        loss.backward()
        self.optimizer.step()
        elapsed = time.perf_counter() - start
        self.loss = loss.item()
        return elapsed


def measure(batch, width, size, repeats, seed):
    """Median step times of both libraries at one batch size, interleaved."""
    import torch

    import minigrad

    trainers = {"minigrad-cpu": Trainer(minigrad, width, batch, size, seed),
                "torch-cpu": Trainer(torch, width, batch, size, seed)}
    times = {name: [] for name in trainers}
    for trainer in trainers.values():
        trainer.step()  # warm-up: first-call allocations and caches
    for _ in range(repeats):
        for name, trainer in trainers.items():
            times[name].append(trainer.step())
    rows = []
    torch_median = statistics.median(times["torch-cpu"])
    for name, samples in times.items():
        median = statistics.median(samples)
        rows.append({"workload": f"resnet18-train-b{batch}", "implementation": name,
                     "batch": batch, "width": width, "image_size": size, "repeats": repeats,
                     "median_s": median, "min_s": min(samples), "max_s": max(samples),
                     "images_per_s": batch / median, "vs_torch_cpu": median / torch_median,
                     "loss_after": trainers[name].loss})
    return rows


def markdown(rows, threads, quick, machine):
    lines = [f"# ResNet-18 training step on CIFAR-10-shaped images ({threads} thread"
             f"{'s' if threads != 1 else ''}{', quick: not a measurement' if quick else ''})", "",
             f"Measured {machine['date']} on {machine['cpu']} ({machine['cores']} cores), "
             f"minigrad {machine['versions']['minigrad']}, numpy {machine['versions']['numpy']}, "
             f"torch {machine['versions']['torch']}: `python -m benchmarks.resnet`.", "",
             "| workload | implementation | median s | images/s | vs torch-cpu | loss after |",
             "| --- | --- | --- | --- | --- | --- |"]
    lines += [f"| {r['workload']} | {r['implementation']} | {r['median_s']:.4f} | "
              f"{r['images_per_s']:.1f} | {r['vs_torch_cpu']:.2f}x | {r['loss_after']:.6f} |"
              for r in rows]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tiny network, one repeat")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    arguments = parser.parse_args(argv)

    import torch

    import minigrad

    torch.set_num_threads(arguments.threads)
    minigrad.set_num_threads(arguments.threads)
    if arguments.quick:
        settings = [(2, 8, 16, 1)]
    else:
        settings = [(batch, 64, 32, arguments.repeats) for batch in BATCHES]
    rows = [row for batch, width, size, repeats in settings
            for row in measure(batch, width, size, repeats, arguments.seed)]
    machine = describe_machine(arguments.threads, {"minigrad": minigrad.__version__,
                                                   "numpy": np.__version__,
                                                   "torch": torch.__version__}, ["CPU"])
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "resnet18.json").write_text(json.dumps(
        {"machine": machine, "quick": arguments.quick, "rows": rows}, indent=2))
    text = markdown(rows, arguments.threads, arguments.quick, machine)
    (out / "resnet18.md").write_text(text)
    print(text)
    return rows


if __name__ == "__main__":
    main()
