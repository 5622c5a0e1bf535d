"""Reductions: sum, mean, max, min, argmax, argmin, norm (with `dim` and `keepdim`).

A reduction's backward spreads the gradient back over the dimensions it
removed: `expand_back` reshapes it to the kept-dimension shape and
broadcasts it to the input's shape.
"""
import builtins
from collections import namedtuple

from ..autograd.function import Function
from ..tensor import Tensor, wrap_array
from .shape import broadcast_to

class ValuesIndices(namedtuple("ValuesIndices", ["values", "indices"])):
    """(values, indices), as max/min along a dim, sort, topk, kthvalue, median and mode return
    them; each op's own subclass (`values_indices`) prints as torch's return type does."""

    __slots__ = ()

    def __repr__(self):
        return (f"torch.return_types.{type(self).__name__}(\nvalues={self.values!r},\n"
                f"indices={self.indices!r})")


_RETURN_TYPES = {}


def values_indices(op, values, indices):
    """`op`'s (values, indices) pair: a ValuesIndices whose type is named after op, as torch's
    `torch.return_types.max`."""
    if op not in _RETURN_TYPES:
        _RETURN_TYPES[op] = type(op, (ValuesIndices,), {"__slots__": ()})
    return _RETURN_TYPES[op](values, indices)


def normalize_dims(dim, ndim):
    """`dim` (None, an int or a sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = builtins.max(ndim, 1)  # this module's own max() shadows the builtin
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-rank}, {rank - 1}], but got {d})")
    if not ndim:
        return ()
    return (dims[0] % rank,) if len(dims) == 1 else tuple(sorted(d % rank for d in dims))


def numpy_spelling(dim, keepdim, axis, keepdims):
    """`axis=` for `dim=` and `keepdims=` for `keepdim=`, NumPy's names, which torch accepts too."""
    if axis is not None:
        if dim is not None:
            raise TypeError("got both dim and axis; they are one argument (axis is NumPy's name)")
        dim = axis
    return dim, keepdim if keepdims is None else keepdims


def kept_shape(shape, dims):
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


def expand_back(grad, shape, dims):
    """The gradient of a reduction over `dims`, broadcast back to the input's `shape`."""
    return broadcast_to(grad.reshape(kept_shape(shape, dims)), shape)


class Sum(Function):
    """Σ x over dims.   d/dx = 1: the gradient is copied to every summed element"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims = x.array.shape, dims
        return x.array.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad, ctx.shape, ctx.dims), None, None


class Mean(Function):
    """Σ x / n over dims.   d/dx = 1/n"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims = x.array.shape, dims
        ctx.count = 1
        for d in dims:
            ctx.count *= x.array.shape[d]
        return x.array.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return expand_back(grad / ctx.count, ctx.shape, ctx.dims), None, None


class Extreme(Function):
    """max (or min) over dims.   d/dx = 1/k at the k elements equal to the result, else 0

    Ties share the gradient evenly, as PyTorch's `max()` and `amax` do.
    """

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        reduce = x.xp.max if largest else x.xp.min
        y = reduce(x.array, axis=dims, keepdims=True)
        ctx.save_for_backward(x)
        ctx.dims, ctx.extreme = dims, y
        return y if keepdim else y.reshape([n for i, n in enumerate(y.shape) if i not in dims])

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        hits = (x.array == ctx.extreme).astype(grad.array.dtype)
        share = hits / hits.sum(axis=ctx.dims, keepdims=True)
        return expand_back(grad, x.array.shape, ctx.dims) * wrap_array(share), None, None, None


class ExtremeAlongDim(Function):
    """max (or min) along one dim, with indices.   d/dx = 1 at the returned index, else 0"""

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        xp = x.xp
        pick = xp.argmax if largest else xp.argmin
        indices = xp.expand_dims(pick(x.array, axis=dim), dim)
        values = xp.take_along_axis(x.array, indices, axis=dim)
        ctx.shape, ctx.dim, ctx.indices = x.array.shape, dim, indices
        return values if keepdim else values.squeeze(dim)

    @staticmethod
    def backward(ctx, grad):
        xp = grad.xp
        positions = xp.arange(ctx.shape[ctx.dim]).reshape(
            [-1 if i == ctx.dim else 1 for i in range(len(ctx.shape))])
        chosen = (positions == ctx.indices).astype(grad.array.dtype)
        return expand_back(grad, ctx.shape, (ctx.dim,)) * wrap_array(chosen), None, None, None


class Norm(Function):
    """‖x‖_p = (Σ |x|^p)^(1/p).   d/dx = x·|x|^(p-2) / ‖x‖^(p-1)  (x/‖x‖ for p = 2; 0 where ‖x‖ = 0)"""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        xp = x.xp
        if p == 2:
            y = xp.sqrt((x.array * x.array).sum(axis=dims, keepdims=keepdim))
        elif p == 1:
            y = xp.abs(x.array).sum(axis=dims, keepdims=keepdim)
        else:
            y = (xp.abs(x.array) ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
        y = wrap_array(y)
        ctx.save_for_backward(x, y)
        ctx.p, ctx.dims = p, dims
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        p, dims, xp = ctx.p, ctx.dims, x.xp
        y_full = expand_back(y, x.array.shape, dims)
        grad_full = expand_back(grad, x.array.shape, dims)
        if p == 1:
            return grad_full * wrap_array(xp.sign(x.array)), None, None, None
        zero = wrap_array(y_full.array == 0)
        safe_y = y_full + zero.to(y.array.dtype)  # ‖x‖ = 0 gives gradient 0, not 0/0
        if p == 2:
            local = x / safe_y
        else:
            local = x * x.abs() ** (p - 2) / safe_y ** (p - 1)
        return grad_full * local * (1 - zero.to(x.array.dtype)), None, None, None


# ---------------------------------------------------------------------------
# functional forms
# ---------------------------------------------------------------------------


def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return Sum.apply(x, normalize_dims(dim, x.ndim), keepdim)


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    if x.array.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {x.dtype}")
    return Mean.apply(x, normalize_dims(dim, x.ndim), keepdim)


def max(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The largest element, or `(values, indices)` along `dim`, as in PyTorch; `max(a, b)` of
    two tensors is `maximum(a, b)`."""
    if isinstance(dim, Tensor):
        from .pointwise import maximum

        return maximum(x, dim)
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _extreme_call(x, dim, keepdim, largest=True)


def min(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """The smallest element, or `(values, indices)` along `dim`, as in PyTorch; `min(a, b)` of
    two tensors is `minimum(a, b)`."""
    if isinstance(dim, Tensor):
        from .pointwise import minimum

        return minimum(x, dim)
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _extreme_call(x, dim, keepdim, largest=False)


def _extreme_call(x, dim, keepdim, largest):
    if x.array.size == 0:
        raise RuntimeError(f"{'max' if largest else 'min'}(): Expected reduction dim to be "
                           "specified for input.numel() == 0.")
    if dim is None:
        return Extreme.apply(x, normalize_dims(None, x.ndim), False, largest)
    (axis,) = normalize_dims(dim, x.ndim) or (0,)
    xp = x.xp
    pick = xp.argmax if largest else xp.argmin
    indices = pick(x.array, axis=axis, keepdims=keepdim) if x.ndim else xp.zeros((), xp.int64)
    values = ExtremeAlongDim.apply(x, axis, keepdim, largest) if x.ndim else x * 1
    return values_indices("max" if largest else "min", values,
                          wrap_array(indices.astype(xp.int64)))


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return Extreme.apply(x, normalize_dims(dim, x.ndim), keepdim, True)


def amin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return Extreme.apply(x, normalize_dims(dim, x.ndim), keepdim, False)


def argmax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _arg_extreme(x, dim, keepdim, x.xp.argmax)


def argmin(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _arg_extreme(x, dim, keepdim, x.xp.argmin)


def _arg_extreme(x, dim, keepdim, pick):
    if dim is None:
        index = pick(x.array)
        shape = (1,) * x.ndim if keepdim else ()
        return wrap_array(x.xp.asarray(index, dtype=x.xp.int64).reshape(shape))
    (axis,) = normalize_dims(dim, x.ndim) or (0,)
    if x.ndim == 0:
        return wrap_array(x.xp.zeros((), x.xp.int64))
    return wrap_array(pick(x.array, axis=axis, keepdims=keepdim).astype(x.xp.int64))


def norm(x, p="fro", dim=None, keepdim=False):
    """The vector p-norm over `dim` (all elements by default); 'fro' is p = 2."""
    if p == "fro":
        p = 2
    if p == float("inf"):
        return amax(x.abs(), dim, keepdim)
    if p == float("-inf"):
        return amin(x.abs(), dim, keepdim)
    if not isinstance(p, (int, float)) or p <= 0:
        raise RuntimeError(f"norm: p must be a positive number, inf or 'fro' (got {p!r})")
    return Norm.apply(x, p, normalize_dims(dim, x.ndim), keepdim)
