"""Moving a tensor between dtypes and devices, differentiably.

    y = x.to(dtype)     dL/dx = (dL/dy).to(x's dtype)
    y = x.to(device)    dL/dx = (dL/dy).to(x's device)
"""
from .. import backend
from ..autograd.function import Function


class Cast(Function):
    """x in another dtype.   grad is cast back to x's dtype"""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.array.dtype
        return x.array.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return Cast.apply(grad, ctx.dtype), None


class Move(Function):
    """x on another device.   grad is moved back to x's device"""

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = x.device
        return backend.move_to(x.array, device)

    @staticmethod
    def backward(ctx, grad):
        return Move.apply(grad, ctx.device), None


def to(x, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """`x.to(dtype)`, `x.to(device)`, `x.to(device, dtype)` or `x.to(other_tensor)`, as in PyTorch."""
    from ..tensor import Tensor

    for arg in args:
        if isinstance(arg, Tensor):
            device, dtype = arg.device, arg.array.dtype
        elif isinstance(arg, (str, backend.Device)):
            device = arg
        else:
            dtype = arg
    out = x
    if device is not None and backend.Device(device) != x.device:
        out = Move.apply(out, backend.Device(device))
    if dtype is not None and backend.numpy_dtype(dtype) != x.array.dtype:
        out = Cast.apply(out, backend.numpy_dtype(dtype))
    if copy and out is x:
        out = Cast.apply(x, x.array.dtype)
    return out
