"""The engine's own cost: a training step of the MLP with every layer shrunk to a few numbers.

    python -m benchmarks.overhead            # microseconds per phase, minigrad and the floor

At these sizes the arrays cost next to nothing, so what is left is what the
implementations spend around them: minigrad's op applications, tape and
optimiser, and the floor's plain NumPy calls. Both take their steps in one
process, alternately, so a slow spell of the machine falls on both.
"""
import argparse
import time

import numpy as np

import minigrad as mg
from benchmarks import numpy_floor

PHASES = ("zero_grad", "forward", "loss", "backward", "step")


def tiny_mlp():
    """The MLP's layers (Flatten, Linear, ReLU, Linear, ReLU, Linear) on 2x2 images, 3 hidden units."""
    nn = mg.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 3), nn.ReLU(),
                         nn.Linear(3, 10))


def measure(steps):
    """Median seconds of each phase of a minigrad step, and of a whole floor step."""
    model = tiny_mlp()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.01)
    floor = numpy_floor.MLP(params={k: v.detach().numpy().copy() for k, v in model.state_dict().items()})
    images, labels = np.ones((1, 1, 2, 2), np.float32), np.zeros(1, np.int64)
    x, y = mg.from_numpy(images), mg.from_numpy(labels)
    times = {name: [] for name in PHASES + ("floor step",)}
    for number in range(steps):
        t0 = time.perf_counter()
        optimizer.zero_grad()
        t1 = time.perf_counter()
        logits = model(x)
        t2 = time.perf_counter()
        loss = mg.nn.functional.cross_entropy(logits, y)
        t3 = time.perf_counter()
        loss.backward()
        t4 = time.perf_counter()
        optimizer.step()
        t5 = time.perf_counter()
        floor.step(images, labels, 0.01)
        t6 = time.perf_counter()
        if number >= steps // 10:  # the first tenth warms up
            for name, start, end in zip(times, (t0, t1, t2, t3, t4, t5), (t1, t2, t3, t4, t5, t6)):
                times[name].append(end - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.overhead", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    medians = measure(parser.parse_args(argv).steps)
    minigrad_total = sum(medians[name] for name in PHASES)
    print("  ".join(f"{name} {medians[name] * 1e6:.1f} µs" for name in PHASES))
    print(f"minigrad step {minigrad_total * 1e6:.1f} µs, floor step {medians['floor step'] * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
