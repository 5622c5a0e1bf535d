"""Sampling with tensor parameters: `normal(mean, std)`.

A sample is not differentiated through, as in PyTorch: `normal` records an
op so that its output requires grad when mean or std does, but its
gradient is zero (write `mean + std * mg.randn(...)` to reparameterise).
"""
from .. import backend, random
from ..autograd.function import Function
from ..tensor import Tensor, wrap_array


class Normal(Function):
    """mean + std·ε with ε ~ N(0, 1), broadcast.   d/dmean = 0,  d/dstd = 0 (as torch)"""

    @staticmethod
    def forward(ctx, mean, std):
        xp = mean.xp
        shape = xp.broadcast_shapes(mean.array.shape, std.array.shape)
        dtype = xp.result_type(mean.array.dtype, std.array.dtype)
        noise = random.normal_array(shape, 0.0, 1.0, dtype, mean.device)
        return (mean.array + std.array * noise).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        zeros = wrap_array(grad.xp.zeros_like(grad.array))
        return zeros, zeros


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std²): `normal(mean, std, size)` for numbers (size required), or the
    shape of mean and std broadcast when either is a tensor."""
    from ..creation import _size

    if generator is not None:
        raise TypeError("normal(): minigrad has one generator per device (mg.manual_seed); "
                        "generator= is not supported")
    tensors = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments: with a "
                            "float mean and a float std, size= is required")
        if std < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")
        dtype = backend.numpy_dtype(dtype or backend.default_float)
        device = backend.Device(device or "cpu")
        array = random.normal_array(_size((), size), mean, std, dtype, device)
        return wrap_array(array, requires_grad=requires_grad)
    if size is not None:
        raise TypeError("normal(): size= is only taken with a float mean and a float std")
    like = tensors[0]
    for p in tensors:
        if p.array.dtype.kind != "f":
            raise RuntimeError(f"normal expects floating point mean and std (got {p.dtype})")
    mean = mean if isinstance(mean, Tensor) else wrap_array(like.xp.asarray(mean, like.array.dtype))
    std = std if isinstance(std, Tensor) else wrap_array(like.xp.asarray(std, like.array.dtype))
    if std.array.size and bool((std.array < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    return Normal.apply(mean, std)
