"""Normalisation: batch_norm, layer_norm, group_norm.

All three standardise x over some axes A, then scale and shift:

    μ = mean_A(x),   σ² = mean_A((x - μ)²)  (biased),   r = 1/√(σ² + eps)
    x̂ = (x - μ)·r,   y = x̂·w + b

They differ only in A and in the shape of w and b: batch_norm normalises
each channel over the batch and the pixels (A = every axis but 1, w and b
per channel), layer_norm each sample over its last axes (w and b of those
axes' shape), group_norm each sample's group of channels (A = the group's
channels and pixels, w and b per channel).

The standardisation is one op, `Standardize`, with two outputs (x̂ and r);
the affine part is ordinary `*` and `+`. With n the count of elements in A,
g = dL/dx̂ and h = dL/dr (r's gradient, usually zero):

    dL/dx = r·(g - mean_A(g) - x̂·(mean_A(g·x̂) + h·r/n))

(the mean of x̂ is 0 and its mean square 1, which removes the parts of g
that shift or scale the sample). The backward is written with tensor ops on
the saved outputs x̂ and r, so its own derivative comes from the same op:
second derivatives through the batch statistics come free.

Outside training, batch_norm uses running estimates instead of the batch's,
constants to autograd: y = (x - running_mean)·w/√(running_var + eps) + b.
"""
import math

from ..autograd import grad_mode, no_grad
from ..autograd.function import Function
from ..tensor import wrap_array
from .nn_ops import check_weight_and_bias
from .reductions import expand_back


class AccurateMean(Function):
    """Σ x / n over axes, summed in float64 whatever x's dtype (as PyTorch's normalisation
    kernels accumulate on the CPU), kept dims.   d/dx = 1/n

    The statistics' rounding error is multiplied by r = 1/√(σ² + eps), up to
    1/√eps ≈ 316: a float32 sum of a constant channel must still cancel exactly.
    """

    @staticmethod
    def forward(ctx, x, axes):
        ctx.shape, ctx.axes = x.shape, axes
        ctx.count = math.prod(x.shape[axis] for axis in axes)
        return accurate_mean(x.array, axes)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad / ctx.count, ctx.shape, ctx.axes), None


class Centre(Function):
    """x - mean_A(x), the mean summed in float64 and the difference rounded once.
    d/dx: g ↦ g - mean_A(g)

    Centring is its own adjoint, so the backward is Centre again, and the
    centring of a constant is exactly 0 at every order. Composed as x minus an
    AccurateMean, the second derivative summed the constant back in x's dtype
    (the broadcast's backward) and divided by n, and left a rounding where the
    exact answer is 0 (layer_norm's Hessian-vector product along a constant
    direction).
    """

    @staticmethod
    def forward(ctx, x, axes):
        ctx.axes = axes
        return centre(x.array, axes)

    @staticmethod
    def backward(ctx, grad):
        return Centre.apply(grad, ctx.axes), None


def centre(array, axes):
    return (array - float64_mean(array, axes)).astype(array.dtype, copy=False)


def accurate_mean(array, axes):
    return array.mean(axis=axes, dtype="float64", keepdims=True).astype(array.dtype, copy=False)


def float64_mean(array, axes):
    return array.mean(axis=axes, dtype="float64", keepdims=True)


class Standardize(Function):
    """(x̂, r) = ((x - μ)·r, 1/√(σ² + eps)) over axes A, μ and σ² precomputed (see the module
    docstring).   dL/dx = r·(g - mean_A(g) - x̂·(mean_A(g·x̂) + h·r/n))

    The formula cancels: it removes from g its parts along 1 and along x̂,
    and what is left can be a hundred times smaller than g. PyTorch computes
    it in float64 from x and the float64 statistics, and so does the first
    derivative here; under create_graph the same formula runs as tensor ops on
    the saved outputs, so that it is differentiable in turn.
    """

    @staticmethod
    def forward(ctx, x, axes, mean, variance, eps):
        xp = x.xp
        r = 1 / xp.sqrt(variance + eps)  # float64, as the statistics are
        standardized = wrap_array(xp.multiply(x.array - mean, r, dtype=x.array.dtype))
        inverse_std = wrap_array(r.astype(x.array.dtype))
        ctx.save_for_backward(standardized, inverse_std, x)
        ctx.axes, ctx.mean, ctx.exact_inverse_std = axes, mean, r
        ctx.count = math.prod(x.shape[axis] for axis in axes)
        return standardized, inverse_std

    @staticmethod
    def backward(ctx, grad, grad_inverse_std):
        standardized, inverse_std, x = ctx.saved_tensors
        axes, count = ctx.axes, ctx.count
        if grad_inverse_std is not None and not grad_inverse_std.array.any():
            grad_inverse_std = None
        if not grad_mode.is_grad_enabled():
            return (wrap_array(_standardize_input_grad(x.array, grad.array, grad_inverse_std, ctx)),
                    None, None, None, None)
        along_x = AccurateMean.apply(grad * standardized, axes)
        if grad_inverse_std is not None:
            along_x = along_x + grad_inverse_std * inverse_std / count
        centred = Centre.apply(grad, axes)
        return inverse_std * (centred - standardized * along_x), None, None, None, None


def _standardize_input_grad(x, grad, grad_inverse_std, ctx):
    """Standardize's dL/dx as arrays, in float64 from x and the float64 statistics."""
    axes, r = ctx.axes, ctx.exact_inverse_std
    standardized = (x - ctx.mean) * r
    grad = grad.astype("float64")
    along_x = (grad * standardized).mean(axis=axes, keepdims=True)
    if grad_inverse_std is not None:
        along_x += grad_inverse_std.array * r / ctx.count
    dx = centre(grad, axes)
    dx -= standardized * along_x
    dx *= r
    return dx.astype(x.dtype, copy=False)


def standardize(x, axes, eps):
    """x̂ = (x - μ)/√(σ² + eps) over `axes`, and the biased σ² (an array, for running
    statistics)."""
    xp = x.xp
    mean = float64_mean(x.array, axes)
    variance = float64_mean(xp.square(x.array - mean), axes)
    standardized, _ = Standardize.apply(x, axes, mean, variance, eps)
    return standardized, mean, variance


def _affine(x, weight, bias, shape):
    """x·w + b with w and b viewed as `shape` (None skips either)."""
    if weight is not None:
        x = x * weight.reshape(shape)
    if bias is not None:
        x = x + bias.reshape(shape)
    return x


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over channel axis 1 of input (N, C, *), as
    torch.nn.functional.batch_norm.

    In training, each channel is standardised by its mean and biased variance
    over the batch and the other axes (see the module docstring), and the
    running statistics, when given, move towards the batch's in place:

        running_mean ← (1 - momentum)·running_mean + momentum·μ
        running_var  ← (1 - momentum)·running_var + momentum·σ²·n/(n - 1)   (unbiased)

    Outside training, y = (x - running_mean)/√(running_var + eps)·w + b.
    """
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *), got {tuple(input.shape)}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {tensor.numel()} "
                               f"(input of shape {tuple(input.shape)})")
    if weight is not None:
        check_weight_and_bias("batch_norm", input, weight, bias)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in "
                               "evaluation mode")
        xp = input.xp
        inverse_std = wrap_array(1 / xp.sqrt(running_var.array + eps))
        scale = inverse_std if weight is None else weight * inverse_std
        shift = -running_mean.detach() * scale
        if bias is not None:
            shift = shift + bias
        return input * scale.reshape(shape) + shift.reshape(shape)

    axes = (0,) + tuple(range(2, input.ndim))
    count = input.numel() // channels
    if count <= 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{tuple(input.shape)}")
    standardized, mean, variance = standardize(input, axes, eps)
    if running_mean is not None or running_var is not None:
        with no_grad():
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(wrap_array(mean.reshape(-1) * momentum))
            if running_var is not None:
                unbiased = variance.reshape(-1) * (count / (count - 1))
                running_var.mul_(1 - momentum).add_(wrap_array(unbiased * momentum))
    return _affine(standardized, weight, bias, shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last len(normalized_shape) axes, as
    torch.nn.functional.layer_norm: each sample standardised by its own mean and biased
    variance over those axes, then y = x̂·w + b with w and b of `normalized_shape`."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) \
        else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or tuple(input.shape[input.ndim - count:]) != normalized_shape \
            or input.ndim < count:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size "
            f"{list(input.shape)}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: expected {name} of shape {normalized_shape}, got "
                               f"{tuple(tensor.shape)}")
    axes = tuple(range(input.ndim - count, input.ndim))
    standardized, _, _ = standardize(input, axes, eps)
    return _affine(standardized, weight, bias, normalized_shape)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation, as torch.nn.functional.group_norm: the C channels of input
    (N, C, *) split into num_groups groups, each sample's group standardised over its
    channels and pixels, then y = x̂·w + b with w and b per channel."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected input of shape (N, C, *), got "
                           f"{tuple(input.shape)}")
    n, channels = input.shape[:2]
    if num_groups < 1 or channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and "
                           f"num_groups={num_groups}")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tuple(tensor.shape) != (channels,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape "
                               f"{list(tensor.shape)} and input of shape {list(input.shape)}")
    if input.numel() // num_groups == 1:  # PyTorch's check: one value per group in the batch
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{[n * channels // num_groups, num_groups] + list(input.shape[2:])}")
    grouped = input.reshape(n, num_groups, -1)
    standardized, _, _ = standardize(grouped, (2,), eps)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    return _affine(standardized.reshape(input.shape), weight, bias, shape)
