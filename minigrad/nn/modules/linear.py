"""`Linear`: the fully connected layer."""
import math

from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class Linear(Module):
    """y = x·Wᵀ + b over the last axis of x, W of shape (out_features, in_features).

    Initialised as in PyTorch: W from kaiming_uniform_ with a = √5, which is
    U(-1/√in_features, 1/√in_features), and b from that same distribution.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        add_affine_parameters(self, (out_features, in_features), bias, dtype, device)

    def reset_parameters(self):
        reset_affine_parameters(self.weight, self.bias)

    def forward(self, input):
        if input.ndim == 0 or input.array.shape[-1] != self.in_features:
            raise RuntimeError(f"{self!r}: expected input of shape (*, {self.in_features}), got "
                               f"{tuple(input.shape)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def add_affine_parameters(module, weight_shape, bias, dtype, device):
    """Give a layer its `weight` of `weight_shape` and a `bias` per output (or an empty bias
    slot), then PyTorch's default start through the layer's own reset_parameters()."""
    module.weight = Parameter(creation.zeros(*weight_shape, dtype=dtype, device=device))
    if bias:
        module.bias = Parameter(creation.zeros(weight_shape[0], dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()


def reset_affine_parameters(weight, bias):
    """PyTorch's default start for Linear and Conv2d: W from kaiming_uniform_ with a = √5,
    b from U(-1/√fan_in, 1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
