"""Activations: sigmoid, tanh, relu, leaky_relu, softplus, softmax, log_softmax.

All are written to stay finite for inputs of any size (logits of 1e4 give
exact 0s and 1s, never NaN), and those whose derivative is a function of the
output save the output rather than the input.
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import wrap_array
from .elementwise import where


class Sigmoid(Function):
    """s = 1/(1 + e^-x).   ds/dx = s(1 - s)"""

    @staticmethod
    def forward(ctx, x):
        xp = x.xp
        s = xp.negative(x.array, out=xp.empty_like(x.array))  # one buffer, updated in place
        # For very negative x, e^-x overflows to inf and 1/(1 + inf) = 0 is the right answer.
        with backend.overflow_allowed(xp):
            xp.exp(s, out=s)
        s += 1
        s = wrap_array(xp.reciprocal(s, out=s))
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad):
        (s,) = ctx.saved_tensors
        return grad * s * (1 - s)


class Tanh(Function):
    """t = tanh(x).   dt/dx = 1 - t²"""

    @staticmethod
    def forward(ctx, x):
        t = wrap_array(x.xp.tanh(x.array))
        ctx.save_for_backward(t)
        return t

    @staticmethod
    def backward(ctx, grad):
        (t,) = ctx.saved_tensors
        return grad * (1 - t * t)


class ReLU(Function):
    """max(x, 0).   d/dx = 1 where the output is > 0, else 0"""

    @staticmethod
    def forward(ctx, x):
        y = wrap_array(x.xp.maximum(x.array, 0))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * wrap_array((y.array > 0).astype(grad.array.dtype))


class LeakyReLU(Function):
    """x if x > 0 else slope·x.   d/dx = 1 where x > 0, else slope"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return x.xp.where(x.array > 0, x.array, x.array * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = x.xp.where(x.array > 0, 1.0, ctx.negative_slope).astype(grad.array.dtype)
        return grad * wrap_array(slope), None


class Softplus(Function):
    """log(1 + e^(βx))/β, and x itself where βx > threshold.   d/dx = sigmoid(βx) (1 where linear)"""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        xp, z = x.xp, x.array * beta
        # log(1 + e^z) = max(z, 0) + log1p(e^-|z|): finite for any z.
        soft = (xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))) / beta
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return xp.where(z > threshold, x.array, soft).astype(x.array.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        linear = wrap_array(x.array * ctx.beta > ctx.threshold)
        slope = (x * ctx.beta).sigmoid()
        return grad * where(linear, 1.0, slope), None, None


class Softmax(Function):
    """y = e^x / Σ e^x along dim.   dL/dx = y·(g - Σ g·y)"""

    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        e = xp.exp(a - a.max(axis=dim, keepdims=True))
        y = wrap_array(e / e.sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """y = x - log Σ e^x along dim.   dL/dx = g - e^y·Σ g"""

    @staticmethod
    def forward(ctx, x, dim):
        xp, a = x.xp, x.array
        shifted = a - a.max(axis=dim, keepdims=True)
        y = wrap_array(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True), None


# ---------------------------------------------------------------------------
# functional forms
# ---------------------------------------------------------------------------


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def relu(x):
    return ReLU.apply(x)


def leaky_relu(x, negative_slope=0.01):
    return LeakyReLU.apply(x, negative_slope)


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus.apply(x, beta, threshold)


def _softmax_dim(x, dim):
    from .shape import _dim

    if dim is None:  # PyTorch's legacy choice when dim is omitted
        dim = 0 if x.ndim in (0, 1, 3) else 1
    dim = _dim(dim, x.ndim)
    return dim if x.ndim else None  # a 0-d array has no axis 0: reduce over all (one) element


def softmax(x, dim=None, *, axis=None):
    if axis is not None:
        dim = axis
    return Softmax.apply(x, _softmax_dim(x, dim))


def log_softmax(x, dim=None, *, axis=None):
    if axis is not None:
        dim = axis
    return LogSoftmax.apply(x, _softmax_dim(x, dim))
