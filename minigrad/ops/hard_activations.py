"""Piecewise-linear activations: hardtanh, relu6, hardsigmoid, hardswish, and prelu.

Their derivatives are piecewise constant (piecewise linear for hardswish),
with PyTorch's choice at the kinks, where the derivative does not exist:

    hardtanh(x) = clamp(x, lo, hi)       d/dx = 1 for lo < x < hi, else 0
    relu6(x) = hardtanh(x, 0, 6)
    hardsigmoid(x) = clamp(x/6 + ½, 0, 1)   d/dx = 1/6 for -3 < x < 3, else 0
    hardswish(x) = x·hardsigmoid(x)     d/dx = 0 for x < -3, x/3 + ½ for -3 ≤ x ≤ 3, 1 above
    prelu(x, a) = x where x > 0, else a·x (a per channel, dim 1)
"""
from ..autograd.function import Function
from ..tensor import wrap_array
from .elementwise import where


class Hardtanh(Function):
    """clamp(x, lo, hi).   d/dx = 1 where lo < x < hi (strictly, as PyTorch), else 0"""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.xp.clip(x.array, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = (x.array > ctx.low) & (x.array < ctx.high)
        return grad * wrap_array(inside.astype(grad.array.dtype)), None, None


class Hardsigmoid(Function):
    """clamp(x/6 + ½, 0, 1).   d/dx = 1/6 where -3 < x < 3, else 0"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.clip(x.array / 6 + 0.5, 0, 1).astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = (x.array > -3) & (x.array < 3)
        return grad * wrap_array((inside / 6).astype(grad.array.dtype))


class Hardswish(Function):
    """x·clamp(x/6 + ½, 0, 1).   d/dx = 0 where x < -3, x/3 + ½ where -3 ≤ x ≤ 3, else 1"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x.array * x.xp.clip(x.array / 6 + 0.5, 0, 1)).astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        middle = where(wrap_array(x.array <= 3), x / 3 + 0.5, 1.0)
        return grad * where(wrap_array(x.array < -3), 0.0, middle)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return Hardtanh.apply(input, min_val, max_val)


def relu6(input, inplace=False):
    return Hardtanh.apply(input, 0.0, 6.0)


def hardsigmoid(input, inplace=False):
    return Hardsigmoid.apply(input)


def hardswish(input, inplace=False):
    return Hardswish.apply(input)


def prelu(input, weight):
    """x where x > 0, else a·x, as torch.nn.functional.prelu: `weight` a has one element (shared)
    or one per channel of dim 1."""
    if weight.numel() != 1 and (input.ndim < 2 or weight.numel() != input.shape[1]):
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {weight.numel()} and channel size = "
                           f"{input.shape[1] if input.ndim >= 2 else 1}.")
    slope = weight.reshape((-1,) + (1,) * (input.ndim - 2)) if weight.numel() != 1 \
        else weight.reshape(())
    return where(wrap_array(input.array > 0), input, input * slope)
