"""Predicates and logic: all, any, isnan, isclose, equal, count_nonzero, bincount, unique, and
the logical and bitwise ops (`& | ^ ~`).

Their results are booleans or counts: outside the graph, as torch's are.
"""
from ..tensor import Tensor, wrap_array
from .elementwise import as_tensor_like, broadcast_error
from .reductions import numpy_spelling, normalize_dims
from .shape import _dim


def _array(value, like):
    return value.array if isinstance(value, Tensor) else as_tensor_like(value, like).array


def _broadcasting(compute, name):
    """A two-operand op on arrays, with torch's error naming both shapes when they don't broadcast."""
    def op(input, other):
        like = input if isinstance(input, Tensor) else other
        a, b = _array(input, like), _array(other, like)
        try:
            return wrap_array(compute(a, b))
        except ValueError:
            error = broadcast_error(a.shape, b.shape)
            if error is None:
                raise
            raise error from None

    op.__name__ = name
    return op


def _reduced(input, dim, keepdim, reduce):
    dims = normalize_dims(dim, input.ndim)
    return wrap_array(input.xp.asarray(reduce(input.array, axis=dims, keepdims=keepdim)))


def all(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether every element (along dim) is nonzero: a bool tensor."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _reduced(input, dim, keepdim, input.xp.all)


def any(input, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Whether some element (along dim) is nonzero: a bool tensor."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    return _reduced(input, dim, keepdim, input.xp.any)


def count_nonzero(input, dim=None):
    """How many elements (along dim) are nonzero: an int64 tensor."""
    dims = normalize_dims(dim, input.ndim)
    xp = input.xp
    return wrap_array(xp.asarray((input.array != 0).sum(axis=dims)).astype(xp.int64))


def isnan(input):
    return wrap_array(input.xp.isnan(input.array))


def isinf(input):
    return wrap_array(input.xp.isinf(input.array))


def isfinite(input):
    return wrap_array(input.xp.isfinite(input.array))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|a - b| <= atol + rtol·|b| elementwise (NaNs equal only with equal_nan)."""
    if input.array.dtype != other.array.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    try:
        return wrap_array(input.xp.isclose(input.array, other.array, rtol=rtol, atol=atol,
                                       equal_nan=equal_nan))
    except ValueError:
        raise broadcast_error(input.array.shape, other.array.shape) from None


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds everywhere: a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).array.all())


def equal(input, other):
    """Whether the two tensors have the same shape and the same elements: a Python bool."""
    return input.array.shape == other.array.shape and bool((input.array == other.array).all())


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, 2, ... occurs in a 1-D int tensor (summing `weights` if given)."""
    if input.ndim != 1 or input.array.dtype.kind not in "iu":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs (got a "
                           f"{input.ndim}-d {input.dtype} tensor)")
    if input.array.size and input.array.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = input.xp
    weight_array = None if weights is None else weights.array
    counts = xp.bincount(input.array, weights=weight_array, minlength=minlength)
    if weights is None:
        return wrap_array(counts.astype(xp.int64))
    dtype = weights.array.dtype if weights.array.dtype.kind == "f" else xp.float64
    return wrap_array(counts.astype(dtype))


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements (or, with dim, the distinct slices along dim), sorted; with
    `return_inverse` where each element (slice) went, with `return_counts` how often each
    occurs. Always sorted, as torch's CPU unique is."""
    xp = input.xp
    if dim is None:
        values, inverse, counts = xp.unique(input.array, return_inverse=True, return_counts=True)
        inverse = inverse.reshape(input.array.shape)
    else:
        values, inverse, counts = _unique_slices(input, dim)
    out = [wrap_array(values)]
    if return_inverse:
        out.append(wrap_array(inverse.astype(xp.int64)))
    if return_counts:
        out.append(wrap_array(counts.astype(xp.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_slices(input, dim):
    """(distinct slices along dim in lexicographic order, each slice's group, group sizes)."""
    xp, array = input.xp, input.array
    if array.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = _dim(dim, array.ndim)
    slices = xp.moveaxis(array, dim, 0)
    count = slices.shape[0]
    if count == 0:
        if 0 in slices.shape[1:]:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique "
                               "cannot be applied ")
        empty = xp.zeros(0, xp.int64)
        return array.copy(), empty, empty
    rows = slices.reshape(count, -1)
    if rows.shape[1] == 0:
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    order = xp.lexsort(rows.T[::-1])  # the first element is the primary key
    ordered = rows[order]
    starts = xp.concatenate([xp.ones(1, bool), (ordered[1:] != ordered[:-1]).any(axis=1)])
    inverse = xp.empty(count, xp.int64)
    inverse[order] = xp.cumsum(starts) - 1
    counts = xp.diff(xp.concatenate([xp.flatnonzero(starts), xp.asarray([count])]))
    values = ordered[starts].reshape((-1,) + slices.shape[1:])
    return xp.moveaxis(values, 0, dim), inverse, counts


def _truthy(t):
    return t.array if t.array.dtype.kind == "b" else t.array != 0


def _logical(compute, name):
    def op(input, other):
        return _broadcasting(lambda a, b: compute(a if a.dtype.kind == "b" else a != 0,
                                                  b if b.dtype.kind == "b" else b != 0),
                             name)(input, other)

    op.__name__ = name
    return op


logical_and = _logical(lambda a, b: a & b, "logical_and")
logical_or = _logical(lambda a, b: a | b, "logical_or")
logical_xor = _logical(lambda a, b: a ^ b, "logical_xor")


def logical_not(input):
    return wrap_array(~_truthy(input))


def _bitwise(compute, name):
    def op(input, other):
        for t in (input, other):
            if isinstance(t, Tensor) and t.array.dtype.kind == "f":
                raise TypeError(f'"{name}_cpu" not implemented for \'{t.dtype}\'')
        return _broadcasting(compute, name)(input, other)

    op.__name__ = name
    return op


bitwise_and = _bitwise(lambda a, b: a & b, "bitwise_and")
bitwise_or = _bitwise(lambda a, b: a | b, "bitwise_or")
bitwise_xor = _bitwise(lambda a, b: a ^ b, "bitwise_xor")


def bitwise_not(input):
    if input.array.dtype.kind == "f":
        raise TypeError(f'"bitwise_not_cpu" not implemented for \'{input.dtype}\'')
    return wrap_array(~input.array)


METHODS = {
    "all": all, "any": any, "count_nonzero": count_nonzero, "isnan": isnan, "isinf": isinf,
    "isfinite": isfinite, "isclose": isclose, "allclose": allclose, "equal": equal,
    "bincount": bincount, "unique": unique, "logical_and": logical_and,
    "logical_or": logical_or, "logical_xor": logical_xor, "logical_not": logical_not,
    "bitwise_and": bitwise_and, "bitwise_or": bitwise_or, "bitwise_xor": bitwise_xor,
    "bitwise_not": bitwise_not,
    "__and__": bitwise_and, "__or__": bitwise_or, "__xor__": bitwise_xor,
    "__invert__": bitwise_not,
    "__rand__": lambda self, other: bitwise_and(other, self),
    "__ror__": lambda self, other: bitwise_or(other, self),
    "__rxor__": lambda self, other: bitwise_xor(other, self),
}
