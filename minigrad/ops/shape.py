"""Shape ops: reshape and its relatives, permutations, broadcasting, indexing, cat, stack.

None of these change a number, so each backward only moves the gradient back
into the input's layout: a reshape's gradient is reshaped back, a
permutation's is permuted by the inverse, an index's is scattered back (adding
where an index repeats), a broadcast's is summed.
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, wrap_array


class Reshape(Function):
    """x viewed with a new shape.   grad is reshaped back to x's shape"""

    returns_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.array.shape
        try:
            return x.array.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"shape '{list(shape)}' is invalid for input of size {x.array.size} "
                f"(input shape {tuple(x.shape)})") from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Permute(Function):
    """x with its axes reordered.   grad is permuted by the inverse order"""

    returns_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return x.array.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(ctx.inverse), None


class BroadcastTo(Function):
    """x repeated along broadcast dims.   grad is summed back over them"""

    returns_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.array.shape
        return x.xp.broadcast_to(x.array, shape)

    @staticmethod
    def backward(ctx, grad):
        return sum_to(grad, ctx.shape), None


class SumTo(Function):
    """x summed down to a shape it was broadcast from.   grad is broadcast back"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.array.shape
        lead = x.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(
            lead + i for i, n in enumerate(shape) if n == 1 and x.array.shape[lead + i] != 1)
        y = x.array.sum(axis=axes, keepdims=True) if axes else x.array
        return y.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return broadcast_to(grad, ctx.shape), None


class GetItem(Function):
    """x[index].   grad lands back at the indexed positions (summed where an index repeats)"""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.array.shape, index
        return x.array[index]

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.index), None


class SliceView(GetItem):
    """x[index] for ints and slices alone: a view of x, so it shares x's version counter."""

    returns_view = True


class SetItem(Function):
    """x[index] = values, written into x's own array (x becomes the output, as in torch).

    grad_x = grad with grad[index] = 0 (those positions were overwritten);
    grad_values = grad[index], summed back over the dims values was broadcast along."""

    @staticmethod
    def forward(ctx, x, values, index):
        ctx.index = index
        if isinstance(values, Tensor):
            ctx.values_dtype = values.array.dtype
        assign(x.array, index, values.array if isinstance(values, Tensor) else values)
        return x.array

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_values = None
        if ctx.needs_input_grad[0]:
            kept = grad.xp.ones(grad.array.shape, dtype=grad.array.dtype)
            kept[ctx.index] = 0
            grad_x = grad * wrap_array(kept)
        if ctx.needs_input_grad[1]:
            grad_values = grad[ctx.index].to(ctx.values_dtype)
        return grad_x, grad_values, None


def assign(array, index, values):
    """array[index] = values, refusing values that do not broadcast as torch does (before
    anything is written)."""
    try:
        array[index] = values
    except ValueError as error:
        if "broadcast" not in str(error):
            raise
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(getattr(values, 'shape', ()))} cannot be "
            f"broadcast to indexing result of shape {list(array[index].shape)}") from None


class IndexAdd(Function):
    """zeros(shape) with values added at index.   grad is grad[index]"""

    @staticmethod
    def forward(ctx, values, shape, index):
        ctx.index = index
        xp = values.xp
        out = xp.zeros(shape, dtype=values.array.dtype)
        if is_basic_index(index):
            out[index] = values.array  # a basic index never repeats a position
        else:
            backend.scatter_add(xp, out, index, values.array)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, ctx.index), None, None


class Cat(Function):
    """The inputs joined along dim.   each input's grad is its slice of grad"""

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim = dim
        ctx.sizes = [t.array.shape[dim] for t in tensors]
        return tensors[0].xp.concatenate([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            index = (slice(None),) * ctx.dim + (slice(start, start + size),)
            grads.append(grad[index])
            start += size
        return tuple(grads)


class Stack(Function):
    """The inputs stacked along a new dim.   each input's grad is grad[..., i, ...]"""

    @staticmethod
    def forward(ctx, *tensors, dim):
        ctx.dim, ctx.count = dim, len(tensors)
        return tensors[0].xp.stack([t.array for t in tensors], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(grad[(slice(None),) * ctx.dim + (i,)] for i in range(ctx.count))


# ---------------------------------------------------------------------------
# functional forms
# ---------------------------------------------------------------------------


def _shape_arg(shape):
    """Accept both `x.reshape(2, 3)` and `x.reshape((2, 3))`."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def _dim(dim, ndim):
    """`dim` as a non-negative axis; a 0-d tensor takes 0 or -1, as in PyTorch."""
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


def reshape(x, *shape):
    return Reshape.apply(x, _shape_arg(shape))


def view(x, *shape):
    return Reshape.apply(x, _shape_arg(shape))


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return Reshape.apply(x, (1,))
    start, end = _dim(start_dim, x.ndim), _dim(end_dim, x.ndim)
    shape = x.array.shape[:start] + (-1,) + x.array.shape[end + 1:]
    return Reshape.apply(x, shape)


def unsqueeze(x, dim=None, *, axis=None):
    dim = dim if axis is None else axis
    dim = _dim(dim, x.ndim + 1)
    return Reshape.apply(x, x.array.shape[:dim] + (1,) + x.array.shape[dim:])


def squeeze(x, dim=None, *, axis=None):
    dim = dim if axis is None else axis
    if dim is None:
        dims = {i for i, n in enumerate(x.array.shape) if n == 1}
    else:
        dims = {_dim(d, x.ndim) for d in ((dim,) if isinstance(dim, int) else dim)}
        dims = {d for d in dims if x.ndim and x.array.shape[d] == 1}
    return Reshape.apply(x, tuple(n for i, n in enumerate(x.array.shape) if i not in dims))


def permute(x, *dims):
    dims = tuple(_dim(d, x.ndim) for d in _shape_arg(dims))
    if sorted(dims) != list(range(x.ndim)):
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}")
    return Permute.apply(x, dims)


def transpose(x, dim0, dim1):
    if x.ndim == 0:
        return Reshape.apply(x, ())
    dims = list(range(x.ndim))
    dim0, dim1 = _dim(dim0, x.ndim), _dim(dim1, x.ndim)
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, tuple(dims))


def t(x):
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return Permute.apply(x, (1, 0)) if x.ndim == 2 else Reshape.apply(x, x.array.shape)


def broadcast_to(x, shape):
    shape = tuple(shape)
    return x if x.array.shape == shape else BroadcastTo.apply(x, shape)


def sum_to(x, shape):
    shape = tuple(shape)
    return x if x.array.shape == shape else SumTo.apply(x, shape)


def array_index(index, xp):
    """An index as arrays the array module understands: tensors, ranges and lists become arrays."""
    if isinstance(index, tuple):
        return tuple(array_index(i, xp) for i in index)
    if isinstance(index, slice):
        if index.step is not None and index.step < 0:
            raise ValueError("step must be greater than zero")  # torch has no reversed views
        return index
    if isinstance(index, Tensor):
        # A CPU index tensor may index a GPU tensor, as in PyTorch (a no-op on the CPU).
        return xp.asarray(index.array)
    if isinstance(index, (range, list)):
        return xp.asarray([i.item() if isinstance(i, Tensor) else i for i in index]
                          if isinstance(index, list) else index)
    return index


def is_basic_index(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


def getitem(x, index):
    index = array_index(index, x.xp)
    op = SliceView if is_basic_index(index) else GetItem
    try:
        return op.apply(x, index)
    except IndexError as error:
        raise IndexError(f"{error} (indexing a tensor of shape {tuple(x.shape)})") from None


def _same_dtype(tensors):
    dtypes = {t.array.dtype for t in tensors}
    if len(dtypes) == 1:
        return tensors
    dtype = tensors[0].xp.result_type(*dtypes)
    return [t if t.array.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors, dim=0, *, axis=None):
    dim = dim if axis is None else axis
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    tensors = _same_dtype(tensors)
    ndim = tensors[0].ndim
    dim = _dim(dim, ndim)
    for number, t in enumerate(tensors):
        if t.ndim != ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, tensors[0].shape))
                                 if i != dim):
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {dim}. Expected a tensor of "
                f"shape like {tuple(tensors[0].shape)} but got {tuple(t.shape)} for tensor number "
                f"{number} in the list.")
    return Cat.apply(*tensors, dim=dim)


def stack(tensors, dim=0, *, axis=None):
    dim = dim if axis is None else axis
    tensors = _same_dtype(list(tensors))
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for number, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} "
                f"at entry 0 and {tuple(t.shape)} at entry {number}")
    return Stack.apply(*tensors, dim=_dim(dim, tensors[0].ndim + 1))
