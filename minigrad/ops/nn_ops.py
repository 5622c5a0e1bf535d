"""Layers' own ops: linear (the affine map of a fully connected layer) and dropout.

    y = x·Wᵀ + b        dL/dx = g·W,   dL/dW = gᵀ·x,   dL/db = Σ g over the rows

where g = dL/dy and the rows are every axis of x but the last (a batch of
vectors, or any stack of them).
"""
from .. import random
from ..autograd.function import Function
from ..tensor import Tensor


class Linear(Function):
    """y = x·Wᵀ + b.   dL/dx = g·W,  dL/dW = gᵀ·x,  dL/db = Σ_rows g"""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x.array @ weight.array.T
        if bias is not None:
            y += bias.array
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        # A batch of vectors is already rows; only a deeper stack needs flattening.
        rows = grad if grad.ndim == 2 else grad.reshape(-1, weight.shape[0])
        x_rows = x if x.ndim == 2 else x.reshape(-1, weight.shape[1])
        grad_x = grad @ weight if ctx.needs_input_grad[0] else None
        grad_weight = rows.t() @ x_rows if ctx.needs_input_grad[1] else None
        grad_bias = rows.sum(0) if ctx.needs_input_grad[2] else None
        return grad_x, grad_weight, grad_bias


def linear(input, weight, bias=None):
    """y = input·weightᵀ + bias, as torch.nn.functional.linear; weight is (out, in) features."""
    if weight.ndim != 2 or input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not fit weight of "
                           f"shape {tuple(weight.shape)}: expected input of shape "
                           f"(*, {weight.shape[-1]})")
    check_weight_and_bias("linear", input, weight, bias)
    return Linear.apply(input, weight, bias)


def check_weight_and_bias(op, input, weight, bias):
    """PyTorch's errors for a layer's bias of the wrong shape and for mixed dtypes."""
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"{op}: expected bias of shape ({weight.shape[0]},), "
                           f"got {tuple(bias.shape)}")
    for name, other in (("weight", weight), ("bias", bias)):
        if other is not None and other.array.dtype != input.array.dtype:
            raise RuntimeError(f"{op}: input ({input.dtype}) and {name} ({other.dtype}) must "
                               "have the same dtype")


def dropout(input, p=0.5, training=True):
    """Inverted dropout, as torch.nn.functional.dropout.

    In training, each element is zeroed with probability p and the survivors
    are scaled by 1/(1 - p), so the expected output equals the input and
    evaluation needs no rescaling:  y = x·m/(1 - p),  dL/dx = g·m/(1 - p).
    The mask m comes from minigrad's seeded generator. Outside training the
    input is returned as it is.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return input
    keep = random.generator(input.device).random(input.shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return input * Tensor((keep * scale).astype(input.array.dtype))
