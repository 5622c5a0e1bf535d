"""Statistics: var and std (with their means), sort, argsort, topk.

var and std are composed from mean, subtraction, sum and sqrt, so their
gradients (and second derivatives) are those ops':

    var = Σ (x - mean)² / (N - correction)     d var/dx = 2 (x - mean) / (N - correction)
    std = √var                                 d std/dx = (x - mean) / ((N - correction)·std)

sort and topk pick elements: the values are a `gather` of x at the sorted
indices, so the gradient lands back where each value came from.
"""
from ..tensor import Tensor
from .indexing import gather
from .reductions import ValuesIndices, normalize_dims
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
    indices = Tensor(_sort_indices(input, dim, descending))
    return ValuesIndices(gather(input, dim, indices), indices)


def argsort(input, dim=-1, descending=False, stable=False, *, axis=None):
    """The int64 positions that sort input along dim (`sort(...).indices`)."""
    if axis is not None:
        dim = axis
    return Tensor(_sort_indices(input, _dim(dim, input.ndim), descending))


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (or smallest) elements along dim, largest first.

    values = gather(input, dim, indices): the gradient goes back to where each came from.
    """
    dim = _dim(dim, input.ndim)
    size = input.array.shape[dim] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k = {k}, dimension {dim} has size "
                           f"{size})")
    order = _sort_indices(input, dim, descending=largest)
    if input.ndim:
        order = order[(slice(None),) * dim + (slice(0, k),)]
    indices = Tensor(order)
    return ValuesIndices(gather(input, dim, indices), indices)


METHODS = {"var": var, "std": std, "sort": sort, "argsort": argsort, "topk": topk}
