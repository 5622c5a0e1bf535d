"""Smooth activations: elu, selu, celu, gelu (exact and tanh), silu, mish, and softmin.

Those that are products of functions minigrad already differentiates are
written as such, so their derivatives (to any order) come from the parts:

    silu(x) = x·σ(x)                     d/dx = σ(x)·(1 + x·(1 - σ(x)))
    mish(x) = x·tanh(softplus(x))
    gelu(x) = x·Φ(x)                     d/dx = Φ(x) + x·φ(x)
    gelu_tanh(x) = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))
    softmin(x) = softmax(-x)

where Φ is the standard normal distribution function, one op of its own
(`NormalCdf`, dΦ/dx = φ(x) = e^(-x²/2)/√(2π)). The exponential linear
units are one op each, their backward written with tensor ops on the saved
input so that it is differentiable in turn.
"""
import math

from .. import backend
from ..autograd.function import Function
from ..tensor import wrap_array
from .activations import sigmoid, softmax, softplus, tanh
from .elementwise import where

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class ExponentialLinear(Function):
    """scale·(x if x > 0 else α·(e^(x/β) - 1)): elu (β = 1, scale 1), selu, celu (β = α).
    d/dx = scale where x > 0, else scale·(α/β)·e^(x/β)"""

    @staticmethod
    def forward(ctx, x, alpha, beta, scale):
        xp = x.xp
        ctx.save_for_backward(x)
        ctx.alpha, ctx.beta, ctx.scale = alpha, beta, scale
        negative = alpha * xp.expm1(xp.minimum(x.array, 0) / beta)
        return (scale * xp.where(x.array > 0, x.array, negative)).astype(x.array.dtype,
                                                                         copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = where(wrap_array(x.array > 0), ctx.scale,
                      (x.clamp(max=0) / ctx.beta).exp() * (ctx.scale * ctx.alpha / ctx.beta))
        return grad * slope, None, None, None


class NormalCdf(Function):
    """Φ(x) = ½(1 + erf(x/√2)).   dΦ/dx = φ(x) = e^(-x²/2)/√(2π)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (1 + backend.erf(x.array * (1 / math.sqrt(2))))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α·(e^x - 1), as torch.nn.functional.elu."""
    return ExponentialLinear.apply(input, alpha, 1.0, 1.0)


def selu(input, inplace=False):
    """scale·elu(x, α) with PyTorch's constants α ≈ 1.6733, scale ≈ 1.0507 (self-normalising)."""
    return ExponentialLinear.apply(input, SELU_ALPHA, 1.0, SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else α·(e^(x/α) - 1), as torch.nn.functional.celu."""
    if alpha == 0:
        raise ValueError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return ExponentialLinear.apply(input, alpha, alpha, 1.0)


def gelu(input, approximate="none"):
    """x·Φ(x) (approximate='none') or its tanh approximation (approximate='tanh'), as
    torch.nn.functional.gelu (formulas in the module docstring)."""
    if approximate == "none":
        return input * NormalCdf.apply(input)
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (tanh(inner) + 1)
    raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate!r}")


def silu(input, inplace=False):
    """x·σ(x), as torch.nn.functional.silu (also called swish)."""
    return input * sigmoid(input)


def mish(input, inplace=False):
    """x·tanh(softplus(x)), as torch.nn.functional.mish."""
    return input * tanh(softplus(input))


def softmin(input, dim=None):
    """softmax(-x) along dim, as torch.nn.functional.softmin."""
    return softmax(-input, dim)
