"""Activation layers: `ReLU`, `LeakyReLU`, `Sigmoid`, `Tanh`, `Softmax`, and the smooth and
piecewise-linear ones of ops/exponential_units.py and ops/hard_activations.py.

`inplace=True` is accepted so that PyTorch code runs unchanged; minigrad
computes a new tensor either way, with the same values.
"""
from ... import creation
from .. import functional as F
from .. import init as nn_init
from ..parameter import Parameter
from .module import Module


class ReLU(Module):
    """max(x, 0), elementwise."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else negative_slope·x, elementwise."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """e^x / Σ e^x along `dim`."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


def _with_inplace(text, inplace):
    return f"{text}, inplace=True" if inplace and text else "inplace=True" if inplace else text


class ELU(Module):
    """x where x > 0, else alpha·(e^x - 1)."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return _with_inplace(f"alpha={self.alpha}", self.inplace)


class CELU(ELU):
    """x where x > 0, else alpha·(e^(x/alpha) - 1)."""

    def forward(self, input):
        return F.celu(input, self.alpha)


class SELU(Module):
    """scale·elu(x, alpha) with the self-normalising constants."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.selu(input)

    def extra_repr(self):
        return _with_inplace("", self.inplace)


class GELU(Module):
    """x·Φ(x), or its tanh approximation with approximate='tanh'."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(SELU):
    """x·σ(x)."""

    def forward(self, input):
        return F.silu(input)


class Mish(SELU):
    """x·tanh(softplus(x))."""

    def forward(self, input):
        return F.mish(input)


class Hardsigmoid(SELU):
    """clamp(x/6 + ½, 0, 1)."""

    def forward(self, input):
        return F.hardsigmoid(input)


class Hardswish(SELU):
    """x·clamp(x/6 + ½, 0, 1)."""

    def forward(self, input):
        return F.hardswish(input)


class Softplus(Module):
    """log(1 + e^(beta·x))/beta, and x itself where beta·x > threshold."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """clamp(x, min_val, max_val)."""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError("min_val cannot be greater than max_val")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return _with_inplace(f"min_val={self.min_val}, max_val={self.max_val}", self.inplace)


class ReLU6(Hardtanh):
    """clamp(x, 0, 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return _with_inplace("", self.inplace)


class PReLU(Module):
    """x where x > 0, else a·x, with a learned: one slope shared (num_parameters=1) or one per
    channel; every slope starts at `init`."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(creation.full((num_parameters,), init, dtype=dtype,
                                              device=device))

    def reset_parameters(self):
        nn_init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class LogSoftmax(Softmax):
    """x - log Σ e^x along `dim`."""

    def forward(self, input):
        return F.log_softmax(input, self.dim)


class Softmin(Softmax):
    """softmax(-x) along `dim`."""

    def forward(self, input):
        return F.softmin(input, self.dim)
