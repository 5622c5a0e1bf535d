"""Layers' own ops: linear (the affine map of a fully connected layer) and dropout.

    y = x·Wᵀ + b        dL/dx = g·W,   dL/dW = gᵀ·x,   dL/db = Σ g over the rows

where g = dL/dy and the rows are every axis of x but the last (a batch of
vectors, or any stack of them). The two parameter gradients are one op of
their own, LinearParameterGrads, whose backward is linear again.
"""
from .. import random
from ..autograd.function import Function
from ..tensor import wrap_array
from .matmul import matrix_product


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
        needs_x_grad, needs_weight_grad, needs_bias_grad = ctx.needs_input_grad
        grad_x = grad @ weight if needs_x_grad else None
        # A batch of vectors is already rows; only a deeper stack needs flattening.
        rows = grad if grad.ndim == 2 else grad.reshape(-1, weight.array.shape[0])
        grad_weight = grad_bias = None
        if needs_weight_grad:
            x_rows = x if x.ndim == 2 else x.reshape(-1, weight.array.shape[1])
            grads = LinearParameterGrads.apply(rows, x_rows, needs_bias_grad)
            grad_weight, grad_bias = grads if needs_bias_grad else (grads, None)
        elif needs_bias_grad:
            grad_bias = rows.sum(0)
        return grad_x, grad_weight, grad_bias


class LinearParameterGrads(Function):
    """(gᵀ·x, Σ_rows g): the weight's and the bias's gradient of Linear, from the rows of
    g = dL/dy and of its input x; the bias's only when `with_bias`.

    Its own op, so that both come from one step, and because its backward is
    Linear itself: for upstream gradients (H_W, H_b),

        dL/dg = x·H_Wᵀ + H_b = linear(x, H_W, H_b),    dL/dx = g·H_W
    """

    @staticmethod
    def forward(ctx, g, x, with_bias):
        ctx.save_for_backward(g, x)
        grad_weight = matrix_product(g.array.T, x.array)
        return (grad_weight, g.array.sum(axis=0)) if with_bias else grad_weight

    @staticmethod
    def backward(ctx, h_weight, h_bias=None):
        g, x = ctx.saved_tensors
        d_g = linear(x, h_weight, h_bias) if ctx.needs_input_grad[0] else None
        d_x = g @ h_weight if ctx.needs_input_grad[1] else None
        return d_g, d_x, None


def linear(input, weight, bias=None):
    """y = input·weightᵀ + bias, as torch.nn.functional.linear; weight is (out, in) features."""
    if weight.ndim != 2 or input.ndim == 0 or input.array.shape[-1] != weight.array.shape[1]:
        raise RuntimeError(f"linear: input of shape {tuple(input.shape)} does not fit weight of "
                           f"shape {tuple(weight.shape)}: expected input of shape "
                           f"(*, {weight.shape[-1]})")
    check_weight_and_bias("linear", input, weight, bias)
    return Linear.apply(input, weight, bias)


def check_weight_and_bias(op, input, weight, bias):
    """PyTorch's errors for a layer's bias of the wrong shape and for mixed dtypes."""
    if bias is not None and bias.array.shape != (weight.array.shape[0],):
        raise RuntimeError(f"{op}: expected bias of shape ({weight.shape[0]},), "
                           f"got {tuple(bias.shape)}")
    dtype = input.array.dtype
    if weight.array.dtype != dtype or (bias is not None and bias.array.dtype != dtype):
        name, other = ("weight", weight) if weight.array.dtype != dtype else ("bias", bias)
        raise RuntimeError(f"{op}: input ({input.dtype}) and {name} ({other.dtype}) must "
                           "have the same dtype")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout, as torch.nn.functional.dropout.

    In training, each element is zeroed with probability p and the survivors
    are scaled by 1/(1 - p), so the expected output equals the input and
    evaluation needs no rescaling:  y = x·m/(1 - p),  dL/dx = g·m/(1 - p).
    The mask m comes from minigrad's seeded generator. Outside training, or
    with p = 0, the input is returned as it is (as torch does). `inplace=True`
    is accepted so that PyTorch code runs unchanged; the result is a new
    tensor with the same values.
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    keep = random.generator(input.device).random(input.array.shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return input * wrap_array((keep * scale).astype(input.array.dtype))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout, as torch.nn.functional.dropout2d: each channel of (N, C, H, W), or of
    one image (C, H, W), is zeroed with probability p and the rest scaled by 1/(1 - p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"dropout2d: expected input of shape (N, C, H, W) or (C, H, W), got "
                           f"{tuple(input.shape)}")
    if not training:
        return input
    mask_shape = tuple(input.shape[:-2]) + (1, 1)
    keep = random.generator(input.device).random(mask_shape) >= p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    return input * wrap_array((keep * scale).astype(input.array.dtype))


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout, as torch.nn.functional.alpha_dropout: dropped elements are set to SELU's
    negative saturation α' = -1.7581 instead of 0, then y = a·x' + b with
        a = 1/√((α'²·p + 1)(1 - p)),   b = -a·α'·p
    so that inputs of mean 0 and variance 1 keep them.   dL/dx = a·m·g (m the kept mask)"""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    saturation = 1.7580993408473766
    a = 1 / ((saturation ** 2 * p + 1) * (1 - p)) ** 0.5
    keep = random.generator(input.device).random(input.shape) >= p
    dtype = input.array.dtype
    shift = ((keep - 1.0) * saturation * a + saturation * a * p).astype(dtype)
    return input * wrap_array((keep * a).astype(dtype)) + wrap_array(shift)
