"""The networks and workloads that the benchmarks time.

The networks are minigrad's own models (`minigrad.models`), each written once
as a function of an ``nn`` namespace: minigrad mirrors PyTorch's API, so
``mlp(torch.nn)`` and ``mlp(minigrad.nn)`` build the same model, with the same
state_dict keys as the hand-written NumPy floor.
"""

from dataclasses import dataclass

from minigrad.models import lenet as lenet_d2l
from minigrad.models import lenet_modern, mlp

IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 10
MNIST_TRAIN_IMAGES = 60_000
LEARNING_RATE = 0.01


def linear_flops(in_features, out_features):
    """Multiply-adds of one image through a Linear layer, counted as 2 FLOPs each."""
    return 2 * in_features * out_features


def conv_flops(in_channels, out_channels, kernel_size, out_height, out_width):
    """FLOPs of one image through a Conv2d: 2 * (output pixels) * (patch size) per output channel."""
    return 2 * out_channels * out_height * out_width * in_channels * kernel_size * kernel_size


# Only matmuls and convolutions are counted: activations, pooling and the
# loss add a few percent that depend on how each implementation fuses them.
MLP_FLOPS = linear_flops(784, 200) + linear_flops(200, 200) + linear_flops(200, 10)
LENET_FLOPS = (conv_flops(1, 6, 5, 28, 28) + conv_flops(6, 16, 5, 10, 10)
               + linear_flops(400, 120) + linear_flops(120, 84) + linear_flops(84, 10))

NETWORKS = {"mlp": mlp, "lenet_d2l": lenet_d2l, "lenet_modern": lenet_modern}
FORWARD_FLOPS_PER_IMAGE = {"mlp": MLP_FLOPS, "lenet_d2l": LENET_FLOPS, "lenet_modern": LENET_FLOPS}


@dataclass(frozen=True)
class Workload:
    """One thing to time.

    ``mode`` is ``train`` (one SGD step: zero_grad, forward, cross-entropy,
    backward, step), ``infer`` (one forward pass under no_grad) or ``epoch``
    (training steps over the 60,000 MNIST training images, in order).
    """

    name: str
    network: str
    batch: int
    mode: str

    @property
    def images_per_run(self):
        """Images processed by one timed run: one batch, or the whole epoch."""
        return MNIST_TRAIN_IMAGES if self.mode == "epoch" else self.batch

    @property
    def flops_per_run(self):
        """FLOPs of one timed run; training counts backward as twice the forward (3x in all)."""
        passes = 1 if self.mode == "infer" else 3
        return passes * FORWARD_FLOPS_PER_IMAGE[self.network] * self.images_per_run


WORKLOADS = {w.name: w for w in [
    Workload("mlp-train", "mlp", 200, "train"),
    Workload("lenet-d2l-train", "lenet_d2l", 256, "train"),
    Workload("lenet-modern-train", "lenet_modern", 256, "train"),
    Workload("lenet-d2l-infer", "lenet_d2l", 1000, "infer"),
    Workload("mlp-epoch", "mlp", 200, "epoch"),
]}

SCALING_NETWORKS = ("mlp", "lenet_d2l")
SCALING_BATCHES = (1, 4, 16, 64, 256, 1024, 4096)
QUICK_SCALING_BATCHES = (1, 16, 256)
