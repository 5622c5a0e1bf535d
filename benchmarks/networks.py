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

# Sequence models: a 1-layer LSTM classifier (sequence 50, batch 32, input 64, hidden 128,
# cross-entropy on the last step's output) and the sine-wave RNN (predicts the next point of a
# sine wave at every step, MSE). Both batch_first, so a batch is sliced along dim 0 like images.
LSTM_SHAPE = {"steps": 50, "input": 64, "hidden": 128, "classes": 10}
SINE_SHAPE = {"steps": 50, "hidden": 32}


def lstm_classifier(nn):
    class LSTMClassifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(LSTM_SHAPE["input"], LSTM_SHAPE["hidden"], batch_first=True)
            self.head = nn.Linear(LSTM_SHAPE["hidden"], LSTM_SHAPE["classes"])

        def forward(self, x):
            output, _ = self.lstm(x)
            return self.head(output[:, -1])

    return LSTMClassifier()


def sine_rnn(nn):
    class SineRNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = nn.RNN(1, SINE_SHAPE["hidden"], batch_first=True)
            self.head = nn.Linear(SINE_SHAPE["hidden"], 1)

        def forward(self, x):
            output, _ = self.rnn(x)
            return self.head(output)

    return SineRNN()


def recurrent_flops(gates, input_size, hidden, steps):
    """FLOPs of one sequence through one recurrent layer: per step, gates·hidden outputs from
    input_size + hidden inputs."""
    return steps * 2 * gates * hidden * (input_size + hidden)


LSTM_FLOPS = (recurrent_flops(4, LSTM_SHAPE["input"], LSTM_SHAPE["hidden"], LSTM_SHAPE["steps"])
              + linear_flops(LSTM_SHAPE["hidden"], LSTM_SHAPE["classes"]))
SINE_FLOPS = (recurrent_flops(1, 1, SINE_SHAPE["hidden"], SINE_SHAPE["steps"])
              + SINE_SHAPE["steps"] * linear_flops(SINE_SHAPE["hidden"], 1))

# The sequence networks have no hand-written NumPy floor: they compare with torch only.
SEQUENCE_NETWORKS = ("lstm", "sine_rnn")
# The loss each network trains with (torch.nn.functional's name); cross_entropy unless listed.
LOSSES = {"sine_rnn": "mse_loss"}

NETWORKS = {"mlp": mlp, "lenet_d2l": lenet_d2l, "lenet_modern": lenet_modern}
NETWORKS.update(lstm=lstm_classifier, sine_rnn=sine_rnn)
FORWARD_FLOPS_PER_IMAGE = {"mlp": MLP_FLOPS, "lenet_d2l": LENET_FLOPS, "lenet_modern": LENET_FLOPS}
FORWARD_FLOPS_PER_IMAGE.update(lstm=LSTM_FLOPS, sine_rnn=SINE_FLOPS)


def sequence_parameters(network, seed):
    """float32 initial weights of a sequence network, from PyTorch's default distributions:
    recurrent ones U(-1/√hidden, 1/√hidden), the Linear head U(-1/√fan_in, 1/√fan_in)."""
    import numpy as np

    if network == "lstm":
        rows, inputs, hidden, classes = (4 * LSTM_SHAPE["hidden"], LSTM_SHAPE["input"],
                                         LSTM_SHAPE["hidden"], LSTM_SHAPE["classes"])
        recurrent, head = "lstm", (classes, hidden)
    else:
        rows, inputs, hidden = SINE_SHAPE["hidden"], 1, SINE_SHAPE["hidden"]
        recurrent, head = "rnn", (1, hidden)
    shapes = {f"{recurrent}.weight_ih_l0": (rows, inputs), f"{recurrent}.weight_hh_l0": (rows, hidden),
              f"{recurrent}.bias_ih_l0": (rows,), f"{recurrent}.bias_hh_l0": (rows,),
              "head.weight": head, "head.bias": head[:1]}
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(-1, 1, size=shape).astype(np.float32)
            / np.float32(np.sqrt(hidden if name.startswith(recurrent) else head[1]))
            for name, shape in shapes.items()}


def sequence_batch(network, batch, seed):
    """One batch for a sequence network: random (batch, 50, 64) inputs and class labels for the
    LSTM; sine waves of random phases and their next points for the RNN (float32)."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    if network == "lstm":
        x = rng.standard_normal((batch, LSTM_SHAPE["steps"], LSTM_SHAPE["input"]), dtype=np.float32)
        return x, rng.integers(0, LSTM_SHAPE["classes"], size=batch)
    phase = rng.uniform(0, 2 * np.pi, (batch, 1))
    wave = np.sin(phase + 0.1 * np.arange(SINE_SHAPE["steps"] + 1)).astype(np.float32)[..., None]
    return wave[:, :-1], wave[:, 1:]


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
    def has_floor(self):
        """Whether numpy_floor has this network (the sequence networks compare with torch only)."""
        return self.network not in SEQUENCE_NETWORKS

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
    Workload("lstm-train", "lstm", 32, "train"),
    Workload("sine-rnn-train", "sine_rnn", 32, "train"),
]}

SCALING_NETWORKS = ("mlp", "lenet_d2l")
SCALING_BATCHES = (1, 4, 16, 64, 256, 1024, 4096)
QUICK_SCALING_BATCHES = (1, 16, 256)
