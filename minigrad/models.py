"""The tutorials' models for 28x28 grey images (MNIST, Fashion-MNIST), ready to train.

Each builder returns an `nn.Sequential`, so its `state_dict` keys are the ones
PyTorch gives the same model (`1.weight`, `1.bias`, ...) and weights move
between the two by name. Every builder takes the `nn` namespace to build from:
minigrad's by default, or `torch.nn`, since minigrad mirrors PyTorch's API.
That is how the main job's `--compare-torch` and the parity tests build the
PyTorch twin of a model; this module itself never imports torch.

    >>> import minigrad.models as models
    >>> model = models.build("lenet")             # minigrad
    >>> twin = models.build("lenet", torch.nn)    # the same architecture in PyTorch
    >>> twin.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in model.state_dict().items()})
"""

from . import nn as minigrad_nn

INPUT_SHAPE = (1, 28, 28)
"""The shape of one input image, channels first: every model here expects a batch of (N, 1, 28, 28)."""


def mlp(nn=minigrad_nn):
    """The multilayer perceptron of the PyTorch MNIST tutorials: 784 -> 200 -> 200 -> 10, ReLU."""
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 200), nn.ReLU(),
        nn.Linear(200, 200), nn.ReLU(),
        nn.Linear(200, 10),
    )


def softmax_regression(nn=minigrad_nn):
    """Softmax regression: one linear layer from the 784 pixels to the 10 class scores.

    The softmax itself is left to the loss (`cross_entropy` takes raw scores, logits).
    """
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


def lenet(nn=minigrad_nn):
    """LeNet-5 as d2l.ai builds it: sigmoid activations and average pooling.

    The first convolution pads by 2 so that a 28x28 MNIST image plays the part
    of LeNet's original 32x32 input; the second leaves 16 maps of 5x5 = 400 features.
    """
    return _lenet(nn, nn.Sigmoid, nn.AvgPool2d)


def lenet_modern(nn=minigrad_nn):
    """LeNet-5 with today's choices, ReLU and max pooling: the same layers, and it trains much faster."""
    return _lenet(nn, nn.ReLU, nn.MaxPool2d)


def _lenet(nn, activation, pooling):
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), activation(),
        pooling(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), activation(),
        pooling(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), activation(),
        nn.Linear(120, 84), activation(),
        nn.Linear(84, 10),
    )


MODELS = {
    "mlp": mlp,
    "softmax": softmax_regression,
    "lenet": lenet,
    "lenet-modern": lenet_modern,
}
"""The model builders by the name the command line uses (`--model lenet-modern`)."""


def build(name, nn=minigrad_nn):
    """Build the model called `name` (a key of `MODELS`) from the `nn` namespace given.

    Raises ValueError listing the known names when `name` is not one of them.
    """
    try:
        builder = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODELS)}") from None
    return builder(nn)
