"""Statistics: var and std (with their means), sort, argsort, topk, running sums and products.

var and std are composed from mean, subtraction, sum and sqrt, so their
gradients (and second derivatives) are those ops':

    var = Σ (x - mean)² / (N - correction)     d var/dx = 2 (x - mean) / (N - correction)
    std = √var                                 d std/dx = (x - mean) / ((N - correction)·std)

sort and topk pick elements: the values are a `gather` of x at the sorted
indices, so the gradient lands back where each value came from.
"""
import math

from ..autograd import grad_mode
from ..autograd.function import Function
from ..tensor import wrap_array
from .elementwise import where
from .indexing import gather
from .reductions import expand_back, normalize_dims, numpy_spelling, values_indices
from .shape import _dim


def _correction(dim, unbiased, correction, op):
    """(dim, correction) from torch's spellings: `var(dim, unbiased)`, `var(unbiased)`,
    `var(dim, correction=c)`; the default is Bessel's correction, 1."""
    if isinstance(dim, bool):  # `x.var(False)`: the `var(unbiased)` overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}: give either unbiased or correction, not both")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return dim, correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """Σ (x - mean)² / (N - correction) over dim (all elements by default).

    d var/dx = 2 (x - mean) / (N - correction); N - correction <= 0 gives inf
    (nan where the sum is 0), as in torch.
    """
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    dim, correction = _correction(dim, unbiased, correction, "var")
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"std and var only support floating point and complex dtypes "
                           f"(got {input.dtype})")
    dims = normalize_dims(dim, input.ndim)
    count = 1
    for d in dims:
        count *= input.array.shape[d]
    deviation = input - input.mean(dims, keepdim=True)
    total = (deviation * deviation).sum(dims, keepdim=keepdim)
    if count - correction <= 0:  # torch divides by 0 there: inf, or nan where the sum is 0
        return total * float("inf")
    return total / float(count - correction)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None):
    """√var: the standard deviation over dim, with Bessel's correction by default.

    d std/dx = (x - mean) / ((N - correction)·std)
    """
    deviation = var(input, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims)
    return deviation.sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over dim, in one call."""
    dim, correction = _correction(dim, unbiased, correction, "var_mean")
    dims = normalize_dims(dim, input.ndim)
    return (var(input, dims, keepdim=keepdim, correction=correction),
            input.mean(dims, keepdim=keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over dim, in one call."""
    dim, correction = _correction(dim, unbiased, correction, "std_mean")
    dims = normalize_dims(dim, input.ndim)
    return (std(input, dims, keepdim=keepdim, correction=correction),
            input.mean(dims, keepdim=keepdim))


# ---------------------------------------------------------------------------
# sorting
# ---------------------------------------------------------------------------


def _sort_indices(input, dim, descending, stable=True):
    """int64 positions that sort input along dim (ties keep their order)."""
    xp = input.xp
    array = input.array
    if array.ndim == 0:
        return xp.zeros((), xp.int64)
    if descending:
        # Sorting -x ascending keeps ties in order; bool and unsigned values are widened first.
        array = -(array.astype(xp.int64) if array.dtype.kind in "bu" else array)
    return xp.argsort(array, axis=dim, kind="stable").astype(xp.int64)


def sort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """(values, indices): input sorted along dim; values = gather(input, dim, indices).

    d values/d input: the gradient goes back to the position each value came from.
    """
    if axis is not None:
        dim = axis
    dim = _dim(dim, input.ndim)
    indices = wrap_array(_sort_indices(input, dim, descending))
    return values_indices("sort", gather(input, dim, indices), indices)


def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """The int64 positions that sort input along dim (`sort(...).indices`)."""
    if axis is not None:
        dim = axis
    return wrap_array(_sort_indices(input, _dim(dim, input.ndim), descending))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim, largest first.

    values = gather(input, dim, indices): the gradient goes back to where each came from.
    """
    dim = _dim(dim, input.ndim)
    size = input.array.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k = {k}, dimension {dim} has size "
                           f"{size})")
    indices = _sorted_positions(input, dim, largest, 0, k)
    return values_indices("topk", gather(input, dim, indices), indices)


def _sorted_positions(input, dim, descending, start, stop):
    """The int64 positions along dim of the sorted elements from start to stop."""
    order = _sort_indices(input, dim, descending)
    if input.ndim:
        order = order[(slice(None),) * dim + (slice(start, stop),)]
    return wrap_array(order)


def kthvalue(input, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest element along dim (k counts from 1).

    values = gather(input, dim, indices): the gradient goes back to where each came from.
    """
    dim = _dim(dim, input.ndim)
    size = input.array.shape[dim] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} "
                           f"(k = {k}, size {size})")
    indices = _sorted_positions(input, dim, False, k - 1, k)
    values = gather(input, dim, indices)
    if not keepdim and input.ndim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values_indices("kthvalue", values, indices)


def median(input, dim=None, keepdim=False):
    """The lower median (of all elements, or (values, indices) along dim), as torch: for an
    even count the smaller of the two middle elements. Its gradient goes to that element."""
    if dim is None:
        flat = input.reshape(-1)
        if flat.array.size == 0:
            raise RuntimeError("median() input tensor cannot be empty")
        return kthvalue(flat, (flat.array.size + 1) // 2, 0).values
    dim = _dim(dim, input.ndim)
    size = input.array.shape[dim] if input.ndim else 1
    return values_indices("median", *kthvalue(input, (size + 1) // 2, dim, keepdim))


def mode(input, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (the smallest among equally frequent
    ones) and the position of its last occurrence, as torch gives."""
    dim = _dim(dim, input.ndim)
    xp = input.xp
    array = input.array if input.ndim else input.array.reshape(1)
    moved = xp.moveaxis(array, dim if input.ndim else 0, -1)
    equal = moved[..., :, None] == moved[..., None, :]
    counts = equal.sum(axis=-1)
    best = counts.max(axis=-1, keepdims=True)
    # among the most frequent values, the smallest; then its last position
    candidates = xp.where(counts == best, moved, xp.inf if moved.dtype.kind == "f" else
                          xp.iinfo(moved.dtype).max if moved.dtype.kind in "iu" else True)
    value = candidates.min(axis=-1, keepdims=True)
    positions = xp.arange(moved.shape[-1])
    last = xp.where(moved == value, positions, -1).max(axis=-1, keepdims=True)
    indices = xp.moveaxis(last, -1, dim if input.ndim else 0).astype(xp.int64)
    if not input.ndim:
        indices = indices.reshape(())
    values = gather(input, dim, wrap_array(indices))
    indices = wrap_array(indices)
    if not keepdim and input.ndim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return values_indices("mode", values, indices)


def logsumexp(input, dim, keepdim=False):
    """log Σ exp(x) over dim, computed as m + log Σ exp(x - m) with m the maximum (no overflow).

    d/dx = softmax(x) over dim.
    """
    dims = normalize_dims(dim, input.ndim)
    x = input if input.array.dtype.kind == "f" else input.to(input.xp.float32)
    shift = x.detach().amax(dims, keepdim=True)
    finite = input.xp.isfinite(shift.array)
    shift = wrap_array(input.xp.where(finite, shift.array, 0))  # all -inf (or inf): no shift
    total = (x - shift).exp().sum(dims, keepdim=True).log() + shift
    return total if keepdim else total.squeeze(dims) if dims else total


def _running_dim(dim, axis, op):
    """The dim of cumsum/cumprod, given as dim or as NumPy's axis=, which torch also takes."""
    dim = axis if axis is not None else dim
    if dim is None:
        raise TypeError(f'{op}() missing 1 required positional arguments: "dim"')
    return dim


class CumSum(Function):
    """Running sums along dim.   d/dx_i = Σ_{k >= i} grad_k: the gradient's reversed running sum"""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return x.xp.cumsum(x.array, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


def cumsum(input, dim=None, *, dtype=None, axis=None):
    """Running sums along dim; integers and bools sum as int64, as torch."""
    return _running(CumSum, "cumsum", input, dim, dtype, axis)


def _running(function, name, input, dim, dtype, axis):
    """A running sum or product: the dim (or its alias axis), the result's dtype, 0-d inputs."""
    dim = _running_dim(dim, axis, name)
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in "biu":
        x = x.to(x.xp.int64)
    if x.ndim == 0:
        return x.reshape(())
    return function.apply(x, _dim(dim, x.ndim))


class CumProd(Function):
    """Running products along dim: y_k = Π_{j≤k} x_j.   d/dx_i = Σ_{k≥i} grad_k Π_{j≤k, j≠i} x_j

    A Function of its own so that zeros are exact. Where x has no zero, this is
    Σ_{k≥i} grad_k y_k / x_i (O(n)). Where a row has zeros, x_z its first one, it is
        Σ_{k≥i} grad_k y_k / x_i                        before it (i < z)
        Π_{j<z} x_j · Σ_{k≥z} grad_k Π_{z<j≤k} x_j      at it (i = z)
        0                                               after it: each product holds x_z = 0
    (O(n)), but the 0 after it has a non-zero derivative in x_z: when backward is recorded
    (create_graph), rows with zeros take the product of the others itself, O(n²), whose
    derivatives are exact, as torch does. Rows of up to 64 elements take it too when backward
    is recorded (as torch's composite path does): a second derivative that is 0 because
    x_i is not among the factors is then exactly 0, where y_k / x_i would leave the
    rounding of a quotient and a product that cancel."""

    @staticmethod
    def forward(ctx, x, dim):
        y = wrap_array(x.xp.cumprod(x.array, axis=dim))
        ctx.save_for_backward(x, y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dim, xp = ctx.dim, x.xp
        if x.array.shape[dim] == 1:  # y = x: the gradient passes as it is, with no y/x to round
            return grad, None
        is_zero = x.array == 0
        if grad_mode._enabled and (x.array.shape[dim] <= 64 or is_zero.any()):
            return _cumprod_grad_by_products_of_others(x, grad, dim), None
        if not is_zero.any():
            return (grad * y).flip(dim).cumsum(dim).flip(dim) / x, None
        zeros_so_far = xp.cumsum(is_zero, axis=dim)
        before = wrap_array(zeros_so_far == 0)
        first_zero = wrap_array(is_zero & (zeros_so_far == 1))
        one, zero = (wrap_array(xp.full((), v, x.array.dtype)) for v in (1, 0))
        x_before = where(before, x, one)  # x up to its first zero, 1 from there
        from_the_end = (grad * y).flip(dim).cumsum(dim).flip(dim)  # Σ_{k≥i} grad_k y_k
        at_first_zero = x_before.prod(dim, keepdim=True) * where(
            before, zero, grad * CumProd.apply(where(before | first_zero, one, x), dim)
        ).sum(dim, keepdim=True)
        return where(before, from_the_end / x_before, where(first_zero, at_first_zero, zero)), None


def _cumprod_grad_by_products_of_others(x, grad, dim):
    """Σ_{k≥i} grad_k Π_{j≤k, j≠i} x_j for each i: the running products of a row of x with x_i
    replaced by 1, O(n²) in the size n of dim, exact (and differentiable) where x has zeros."""
    xp, dtype = x.xp, x.array.dtype
    n = x.array.shape[dim]
    rows = x.movedim(dim, -1).unsqueeze(-2)  # [..., i, k] = x_k
    rows = where(wrap_array(xp.eye(n, dtype=bool)), wrap_array(xp.ones((), dtype)), rows)
    products = CumProd.apply(rows, rows.ndim - 1)  # [..., i, k] = Π_{j≤k, j≠i} x_j
    k_from_i = wrap_array(xp.triu(xp.ones((n, n), dtype=bool)))
    terms = where(k_from_i, products * grad.movedim(dim, -1).unsqueeze(-2),
                  wrap_array(xp.zeros((), dtype)))
    return terms.sum(-1).movedim(-1, dim)


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """Running products along dim; integers and bools multiply as int64, as torch."""
    return _running(CumProd, "cumprod", input, dim, dtype, axis)


class Prod(Function):
    """Π x over dims.   d/dx_i = Π_{j≠i} x_j

    computed as the product of the others itself (each x_i replaced by 1 in turn), exact
    where x has zeros or tiny factors; for reductions of more than 64 elements with no zero
    factor, as y/x_i (the product of others would cost O(n²))."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        y = wrap_array(x.array.prod(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, y)
        ctx.dims = dims
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        dims, shape = ctx.dims, x.array.shape
        grad = expand_back(grad, shape, dims)
        if all(shape[d] == 1 for d in dims):  # a product of one factor: d/dx = 1
            return grad, None, None
        if x.array.size > 64 * y.array.size and not (x.array == 0).any():
            return grad * expand_back(y, shape, dims) / x, None, None
        return grad * _product_of_others(x, dims), None, None


def _product_of_others(x, dims):
    """Π_{j≠i} x_j over dims, for each i: the product of a row of x with x_i replaced by 1.

    O(n²) in the reduced size n, and exact where x has zeros (where y/x_i is 0/0).
    """
    xp, dtype = x.xp, x.array.dtype
    kept = [d for d in range(x.ndim) if d not in dims]
    order = tuple(kept + list(dims))
    moved = x.permute(order)
    lead = moved.array.shape[:len(kept)]
    n = moved.array.size // max(math.prod(lead), 1) if moved.array.size else 0
    rows = moved.reshape(lead + (1, n)).expand(lead + (n, n))
    others = Prod.apply(where(wrap_array(xp.eye(n, dtype=bool)), wrap_array(xp.ones((), dtype)), rows),
                        (len(lead) + 1,), False)
    inverse = tuple(sorted(range(x.ndim), key=order.__getitem__))
    return others.reshape(moved.array.shape).permute(inverse)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The product of the elements (along dim); integers and bools multiply as int64, as torch."""
    if axis is not None or keepdims is not None:
        dim, keepdim = numpy_spelling(dim, keepdim, axis, keepdims)
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in "biu":
        x = x.to(x.xp.int64)
    if dim is not None and not isinstance(dim, int):
        raise TypeError("prod(): argument 'dim' must be int, not tuple")
    dims = normalize_dims(dim, x.ndim)
    if dims and len(dims) > 1 and dim is not None:
        raise TypeError("prod(): argument 'dim' must be int")
    return Prod.apply(x, dims, keepdim if dim is not None else False)


METHODS = {"var": var, "std": std, "sort": sort, "argsort": argsort, "topk": topk,
           "kthvalue": kthvalue, "median": median, "mode": mode, "logsumexp": logsumexp,
           "cumsum": cumsum, "cumprod": cumprod, "prod": prod}
