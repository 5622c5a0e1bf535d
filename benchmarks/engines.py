"""The implementations under test, behind one small interface.

An engine builds a network from the shared initial weights, turns NumPy
batches into its own arrays on its own device, and runs training steps and
inference. The worker times it; every engine gets the same weights and the
same batches, so all of them compute the same numbers.

PyTorch and minigrad share one engine, ``FrameworkEngine``: minigrad mirrors
PyTorch's API, ``cuda.synchronize()`` included, so the same lines drive both.
Only the GPU's name and peak memory are read differently.

This module is imported only inside a worker process, after the thread
count is fixed in the environment: importing NumPy or torch earlier would
start their thread pools with the wrong size.
"""

import functools
import importlib

from benchmarks import numpy_floor
from benchmarks.networks import LEARNING_RATE, LOSSES, NETWORKS

IMPLEMENTATIONS = ("floor", "torch-cpu", "torch-cuda", "minigrad-cpu", "minigrad-cuda")


def library_problem(library_name):
    """Why ``torch`` or ``minigrad`` cannot run the benchmarks here, or None if it can.

    Importing is not enough while a library is being written: it must also
    build every network and offer what a training step uses.
    """
    try:
        lib = importlib.import_module(library_name)
        for submodule in ("nn", "nn.functional", "optim"):
            importlib.import_module(f"{library_name}.{submodule}")
        for build in NETWORKS.values():
            build(lib.nn)
        for name in ("from_numpy", "no_grad", "nn.functional.cross_entropy", "optim.SGD", "cuda.is_available",
                     "cuda.synchronize"):
            functools.reduce(getattr, name.split("."), lib)
    except Exception as error:  # whatever breaks, there is nothing to benchmark: say why
        return f"{library_name} cannot run the benchmarks: {error!r}"
    return None


def make_engine(implementation, network, state, threads):
    """The engine for ``implementation`` running ``network`` from the weights ``state``."""
    if implementation == "floor":
        return FloorEngine(network, state)
    library, device = implementation.split("-")
    if library == "torch":
        return TorchEngine(network, state, device, threads)
    return MinigradEngine(network, state, device)


class FloorEngine:
    """The hand-written NumPy networks of ``numpy_floor``: no autodiff at all."""

    device_name = "CPU"

    def __init__(self, network, state):
        self.net = numpy_floor.NETWORKS[network](params=state)

    def batch(self, images, labels):
        return images, labels

    def train_step(self, images, labels):
        self.net.step(images, labels, LEARNING_RATE)

    def infer(self, images):
        self.net.forward(images)

    def loss(self, images, labels):
        return numpy_floor.softmax_cross_entropy(self.net.forward(images), labels)[0]

    def synchronize(self):
        """NumPy runs eagerly on the CPU: nothing is left in flight."""

    def peak_device_bytes(self):
        return None


class FrameworkEngine:
    """PyTorch or minigrad, through the API they share.

    Subclasses name the library (``torch`` or ``minigrad``) in
    ``library_name``; a training step is exactly the tutorials' loop body.
    """

    library_name = None

    def __init__(self, network, state, device):
        lib = importlib.import_module(self.library_name)
        for submodule in ("nn", "nn.functional", "optim"):
            importlib.import_module(f"{self.library_name}.{submodule}")
        self.lib = lib
        self.functional = lib.nn.functional
        self.loss_function = getattr(lib.nn.functional, LOSSES.get(network, "cross_entropy"))
        self.device = device
        self.model = NETWORKS[network](lib.nn)
        self.model.load_state_dict({name: lib.from_numpy(value) for name, value in state.items()})
        self.model.to(device)
        self.optimizer = lib.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def batch(self, images, labels):
        return self.lib.from_numpy(images).to(self.device), self.lib.from_numpy(labels).to(self.device)

    def train_step(self, images, labels):
        self.optimizer.zero_grad()
        loss = self.loss_function(self.model(images), labels)
        loss.backward()
        self.optimizer.step()

    def infer(self, images):
        with self.lib.no_grad():
            self.model(images)

    def loss(self, images, labels):
        with self.lib.no_grad():
            return self.loss_function(self.model(images), labels).item()

    def synchronize(self):
        """Wait for queued GPU kernels, so that a timing covers the work and not just its launch."""
        if self.device == "cuda":
            self.lib.cuda.synchronize()


class TorchEngine(FrameworkEngine):
    library_name = "torch"

    def __init__(self, network, state, device, threads):
        import torch

        torch.set_num_threads(threads)
        super().__init__(network, state, device)
        self.device_name = torch.cuda.get_device_name() if device == "cuda" else "CPU"

    def peak_device_bytes(self):
        return self.lib.cuda.max_memory_allocated() if self.device == "cuda" else None


class MinigradEngine(FrameworkEngine):
    library_name = "minigrad"

    def __init__(self, network, state, device):
        super().__init__(network, state, device)
        self.device_name = "CPU"
        if device == "cuda":
            import cupy

            self.device_name = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"].decode()

    def peak_device_bytes(self):
        """Bytes held by CuPy's memory pool, which keeps what it once allocated: its high-water mark."""
        if self.device != "cuda":
            return None
        import cupy

        return cupy.get_default_memory_pool().total_bytes()
