"""What every lesson shares: quick mode, where pictures go, and minigrad's numbers beside torch's.

Each lesson writes its computation once as a function of `lib`, the library
module (`minigrad` or `torch`: they share their API), runs it on minigrad, and
where torch is installed runs it again on torch and prints both results, one
under the other. `Lesson.check` also records every pair, so the lesson test
(parity_tests/test_lessons.py) can assert that they agree.

Quick mode (`--quick`, or the environment variable MINIGRAD_QUICK=1) shortens
every training loop so a lesson runs in seconds; CI runs the lessons that way.
"""
import os
import sys
import time
from pathlib import Path

import numpy as np

import minigrad

OUTPUT = Path(__file__).resolve().parent / "output"


def quick_mode(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return "--quick" in argv or os.environ.get("MINIGRAD_QUICK", "") not in ("", "0")


def optional_torch():
    """torch, or None where it is not installed (the lessons then print minigrad's side alone)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def as_numpy(value):
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu") and not isinstance(value, minigrad.Tensor):
        value = value.cpu()
    return np.asarray(value, dtype=np.float64)


class Lesson:
    """A lesson's printing and bookkeeping: headings, checks against torch, output files."""

    def __init__(self, title, quick=None, out_dir=None, torch=True):
        self.quick = quick_mode() if quick is None else quick
        self.out_dir = Path(out_dir) if out_dir is not None else OUTPUT
        self.torch = optional_torch() if torch else None
        self.checks = []  # (label, minigrad's value, torch's value, rtol, atol)
        self.files = []
        self.started = time.perf_counter()
        print("=" * len(title.encode("gbk", errors="replace")))
        print(title)
        print("=" * len(title.encode("gbk", errors="replace")))
        if self.quick:
            print("(quick mode: shortened training, as CI runs it)")
        if self.torch is None:
            print("(torch is not installed: minigrad's numbers are shown alone)")

    def heading(self, text):
        print(f"\n## {text}")

    def show(self, label, value):
        print(f"{label}: {_format(value)}")

    def check(self, label, mine, theirs=None, rtol=1e-5, atol=1e-6):
        """Print minigrad's value and torch's beneath it, and record the pair for the test."""
        print(f"{label}")
        print(f"    minigrad: {_format(mine)}")
        if theirs is not None:
            print(f"    torch:    {_format(theirs)}")
            self.checks.append((label, as_numpy(mine), as_numpy(theirs), rtol, atol))

    def check_steps(self, label, mine, theirs, steps_per_epoch, exact_steps=100, rtol=1e-3):
        """Per-step training losses beside torch's: the first `exact_steps` are checked, and
        each epoch's largest relative gap is printed.

        In float32 the two libraries add the same numbers in different orders
        (their matrix-product kernels differ), and training amplifies those
        last-bit differences step by step: after a few hundred steps the two
        runs are two nearby trajectories, not one. So only the early steps are
        held to a tolerance; later, the gap is shown, and the test accuracy
        after each epoch is compared instead.
        """
        if theirs is None:
            return
        gaps = np.abs(mine - theirs) / np.maximum(np.abs(theirs), 1e-12)
        print(f"{label}: largest relative gap to torch in each epoch:")
        for start in range(0, len(gaps), steps_per_epoch):
            epoch = start // steps_per_epoch + 1
            print(f"    epoch {epoch}: {gaps[start:start + steps_per_epoch].max():.2e}")
        count = min(exact_steps, len(mine))
        self.checks.append((f"{label}: the first {count} steps", mine[:count], theirs[:count],
                            rtol, 1e-6))

    def path(self, name, listed=True):
        """Where to write output file `name` (listed at the end of the lesson unless told not)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / name
        if listed:
            self.files.append(path)
        return path

    def disagreements(self):
        """The checks where minigrad and torch differ by more than their tolerance."""
        return [(label, mine, theirs) for label, mine, theirs, rtol, atol in self.checks
                if mine.shape != theirs.shape or
                not np.allclose(mine, theirs, rtol=rtol, atol=atol, equal_nan=True)]

    def finish(self):
        bad = self.disagreements()
        seconds = time.perf_counter() - self.started
        print(f"\n{len(self.checks) - len(bad)} of {len(self.checks)} numbers agree with torch"
              f" ({seconds:.1f} s).")
        for label, mine, theirs in bad:
            print(f"  DIFFERENT: {label}: minigrad {_format(mine)}, torch {_format(theirs)}")
        for path in self.files:
            print(f"wrote {path}")
        return self


def pyplot():
    """matplotlib's pyplot on the Agg backend (files only), or an error naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError("this lesson draws with matplotlib: pip install -e '.[train]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _format(value):
    if isinstance(value, (int, float, str)):
        return f"{value:.6g}" if isinstance(value, float) else str(value)
    array = as_numpy(value)
    if array.ndim == 0:
        return f"{array.item():.6g}"
    text = np.array2string(array, precision=4, separator=", ", threshold=12, max_line_width=100)
    return text.replace("\n", "\n              ")
