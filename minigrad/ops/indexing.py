"""Selection by index: gather, scatter, index_select, masked_fill, masked_select, take, nonzero.

Each differentiable op here picks elements of its input at computed
positions, so each is written with the indexing pair of shape.py: `GetItem`
(read the elements at an index) and `IndexAdd` (add values into zeros at an
index), each the other's backward. `gather(x, dim, index)` is x at the
coordinates that `index` names along `dim`; its gradient is scattered back,
adding where an index repeats. The only new Function is `Scatter`, whose
forward overwrites; its backward is again a gather and a mask.
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, wrap_array
from . import elementwise
from .elementwise import as_tensor_like
from .shape import GetItem, IndexAdd, _dim, broadcast_to, getitem


def _index_array(index, op):
    """An index tensor's integer array (on the CPU too), refusing other dtypes as torch does."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {index.dtype}")
    return index.array


def _check_bounds(xp, index, size, dim):
    """torch's error for the first index outside [0, size) along `dim`."""
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = int(index[(index < 0) | (index >= size)].reshape(-1)[0])
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def coordinates(xp, index, dim):
    """The advanced index of `gather`: position p of `index` names x[p with p[dim] = index[p]]."""
    ndim = index.ndim
    grids = [xp.arange(n).reshape((1,) * d + (n,) + (1,) * (ndim - d - 1))
             for d, n in enumerate(index.shape)]
    grids[dim] = index
    return tuple(grids)


def _gather_index(x, dim, index, op, src=None):
    """Check gather's and scatter's arguments; return (dim, coordinates into x)."""
    array = _index_array(index, op)
    xp = x.xp
    if x.ndim == 0 and array.ndim <= 1 and array.size <= 1:
        x_shape = (1,)
        array = array.reshape((1,) * array.ndim or (1,))
    else:
        x_shape = x.array.shape
    dim = _dim(dim, len(x_shape))
    if array.ndim != len(x_shape):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"{'self' if src is None else 'input'} tensor (index "
                           f"{list(index.shape)}, input {list(x.shape)})")
    too_large = any(n > x_shape[d] for d, n in enumerate(array.shape) if d != dim)
    if src is not None:
        too_large |= src.ndim != array.ndim or any(
            n > m for n, m in zip(array.shape, src.array.shape))
    if too_large:
        if src is None:
            raise RuntimeError(f"Size does not match at dimension {dim}: expected index "
                               f"{list(index.shape)} to be no larger than self {list(x.shape)} "
                               f"apart from dimension {dim}")
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                           f"{list(x.shape)} apart from dimension {dim} and to be no larger "
                           f"size than src {list(src.shape)}")
    array = xp.asarray(array).astype(xp.int64, copy=False)
    _check_bounds(xp, array, x_shape[dim], dim)
    return dim, coordinates(xp, array, dim)


def _part_of(index):
    """The leading block of src that scatter reads: src[:index.size(0), :index.size(1), ...]."""
    return tuple(slice(0, n) for n in index.array.shape)


# ---------------------------------------------------------------------------
# gather and scatter
# ---------------------------------------------------------------------------


def gather(input, dim, index, *, sparse_grad=False, axis=None):
    """out[i][j] = input[index[i][j]][j] (dim 0), input[i][index[i][j]] (dim 1), ...

    d out/d input: the gradient is added back at the gathered positions
    (repeats add up), so gather's backward is `IndexAdd` and its second
    derivative a gather again.
    """
    if axis is not None:
        dim = axis
    _, coords = _gather_index(input, dim, index, "gather")
    x = input.reshape(1) if input.ndim == 0 else input
    out = GetItem.apply(x, coords)
    return out.reshape(()) if input.ndim == 0 and index.ndim == 0 else out


class Scatter(Function):
    """x with src[p] written at x[p with p[dim] = index[p]] for each p of index.

        d/dx   = grad where x kept its value, 0 where src overwrote it
        d/dsrc = grad gathered at the written positions (0 beyond index's shape)
    """

    @staticmethod
    def forward(ctx, x, src, coords, part):
        out = x.array.copy()
        out[coords] = src.array[part]
        kept = x.xp.ones(x.array.shape, dtype=bool)
        kept[coords] = False
        ctx.kept, ctx.coords, ctx.part, ctx.src_shape = kept, coords, part, src.array.shape
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_src = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * wrap_array(ctx.kept.astype(grad.array.dtype))
        if ctx.needs_input_grad[1]:
            grad_src = IndexAdd.apply(GetItem.apply(grad, ctx.coords), ctx.src_shape, ctx.part)
        return grad_x, grad_src, None, None


def _scatter_source(input, index, src, value, op):
    """scatter's `src` as a tensor of input's dtype: a tensor, or `value` spread to index's shape."""
    if src is not None and value is not None:
        raise TypeError(f"{op}() received both src and value")
    if src is None and value is None:
        raise TypeError(f"{op}() missing 1 required argument: 'src' or 'value'")
    if isinstance(src, Tensor):
        if src.array.dtype != input.array.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype "
                               f"(self {input.dtype}, src {src.dtype})")
        return src
    value = src if value is None else value
    value = value.item() if isinstance(value, Tensor) else value
    xp = input.xp
    return wrap_array(xp.full(index.array.shape, value).astype(input.array.dtype))


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """input with src (or `value`) written at the positions index names along dim.

    For dim 1: out[i][index[i][j]] = src[i][j]. See `Scatter` for the gradients.
    """
    if reduce is not None:
        raise RuntimeError("scatter(): reduce= is not supported; use scatter_add for 'add'")
    src = _scatter_source(input, index, src, value, "scatter")
    _, coords = _gather_index(input, dim, index, "scatter", src)
    return Scatter.apply(input, src, coords, _part_of(index))


def scatter_add(input, dim, index, src):
    """input plus src[p] added at input[p with p[dim] = index[p]] (repeats add up).

    d/dinput = 1;  d/dsrc = grad gathered at the positions (`IndexAdd`'s backward).
    """
    src = _scatter_source(input, index, src, None, "scatter_add")
    _, coords = _gather_index(input, dim, index, "scatter_add", src)
    part = src if src.array.shape == index.array.shape else getitem(src, _part_of(index))
    return input + IndexAdd.apply(part, input.array.shape, coords)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    """In place: write src (or `value`, cast to self's dtype) at the positions index names."""
    if reduce is not None:
        raise RuntimeError("scatter_(): reduce= is not supported; use scatter_add_ for 'add'")
    src = _scatter_source(self, index, src, value, "scatter_")
    _, coords = _gather_index(self, dim, index, "scatter_", src)
    self._begin_inplace(src)
    self.array[coords] = src.array[_part_of(index)]
    return self


def scatter_add_(self, dim, index, src):
    """In place: add src[p] at self[p with p[dim] = index[p]] (repeats add up)."""
    src = _scatter_source(self, index, src, None, "scatter_add_")
    _, coords = _gather_index(self, dim, index, "scatter_add_", src)
    self._begin_inplace(src)
    backend.scatter_add(self.xp, self.array, coords, src.array[_part_of(index)])
    return self


# ---------------------------------------------------------------------------
# index_select, take, masks
# ---------------------------------------------------------------------------


def index_select(input, dim, index):
    """The slices of input at `index` (a 1-D list of positions) along dim: input[..., index, ...].

    A gather of whole slices: the gradient is added back at those slices.
    """
    array = _index_array(index, "index_select")
    if array.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    dim = _dim(dim, input.ndim)
    size = input.array.shape[dim] if input.ndim else 1
    if array.size and (array.min() < 0 or array.max() >= size):
        bad = int(array[(array < 0) | (array >= size)].reshape(-1)[0])
        raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size} "
                           f"(index_select along dim {dim} of a tensor of shape "
                           f"{tuple(input.shape)})")
    x = input.reshape(1) if input.ndim == 0 else input
    out = GetItem.apply(x, (slice(None),) * dim + (input.xp.asarray(array.reshape(-1)),))
    return out.reshape(()) if input.ndim == 0 and array.ndim == 0 else out


def take(input, index):
    """input flattened, read at `index` (negative positions count from the end): out has index's shape.

    d/dinput: the gradient is added back at those positions (repeats add up).
    """
    array = _index_array(index, "take")
    size = input.array.size
    if array.size and (array.min() < -size or array.max() >= size):
        bad = int(array[(array < -size) | (array >= size)].reshape(-1)[0])
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {size} "
                         "elements.")
    return GetItem.apply(input.reshape(-1), input.xp.asarray(array))


def _mask_array(mask, op):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.array.dtype.kind != "b":
        raise RuntimeError(f"{op} only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype}")
    return mask.array


def _fill_value(input, value, op):
    """masked_fill's value as a 0-d tensor of input's dtype (a tensor value keeps its graph)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        return value if value.array.dtype == input.array.dtype else value.to(input.array.dtype)
    return wrap_array(input.xp.asarray(value).astype(input.array.dtype))


def masked_fill(input, mask, value):
    """value where mask holds, input elsewhere (mask broadcasts).

    d/dinput = 1 where mask is False, else 0;  d/dvalue = Σ grad where mask holds.
    """
    mask_array = _mask_array(mask, "masked_fill")
    return elementwise.where(wrap_array(input.xp.asarray(mask_array)),
                             _fill_value(input, value, "masked_fill"), input)


def masked_fill_(self, mask, value):
    """In place: value where mask (broadcast to self's shape) holds."""
    mask_array = _mask_array(mask, "masked_fill_")
    value = _fill_value(self, value, "masked_fill_")
    xp = self.xp
    try:
        mask_array = xp.broadcast_to(xp.asarray(mask_array), self.array.shape)
    except ValueError:
        raise RuntimeError(f"masked_fill_: the mask of shape {tuple(mask.shape)} does not "
                           f"broadcast to the tensor's shape {tuple(self.shape)}") from None
    self._begin_inplace(value)
    self.array[mask_array] = value.array
    return self


def masked_select(input, mask):
    """The elements of input where mask holds, as a 1-D tensor (input and mask broadcast).

    d/dinput: the gradient lands back at the selected positions.
    """
    mask_array = _mask_array(mask, "masked_select")
    xp = input.xp
    try:
        shape = xp.broadcast_shapes(input.array.shape, mask_array.shape)
    except ValueError:
        raise RuntimeError(f"The size of tensor a {tuple(input.shape)} must match the size of "
                           f"tensor b {tuple(mask.shape)} (masked_select: shapes cannot be "
                           "broadcast together)") from None
    mask_array = xp.broadcast_to(xp.asarray(mask_array), shape)
    return GetItem.apply(broadcast_to(input, shape), mask_array)


# ---------------------------------------------------------------------------
# where the nonzero elements are (integer results, outside the graph)
# ---------------------------------------------------------------------------


def nonzero(input, *, as_tuple=False):
    """The positions of the nonzero elements: an int64 tensor (n, ndim), or a tuple of ndim
    1-D tensors with `as_tuple=True` (what `x[x.nonzero(as_tuple=True)]` indexes with)."""
    xp = input.xp
    array = input.array
    if as_tuple:
        return tuple(wrap_array(p.astype(xp.int64)) for p in xp.nonzero(array.reshape(-1) if
                                                                       array.ndim == 0 else array))
    if array.ndim == 0:  # one position, or none, with no coordinates
        return wrap_array(xp.zeros((int(bool(array)), 0), xp.int64))
    return wrap_array(xp.argwhere(array).astype(xp.int64))


def argwhere(input):
    """The positions of the nonzero elements, as an int64 tensor (n, ndim): `nonzero(input)`."""
    return nonzero(input)


def where(condition, input=None, other=None):
    """`where(condition, input, other)`: input where condition holds, else other (scalars allowed);
    `where(condition)`: `nonzero(condition, as_tuple=True)`.

    d/dinput = condition,  d/dother = not condition.
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes a condition and both input and other, or only a condition")
    if not isinstance(condition, Tensor) or condition.array.dtype.kind != "b":
        found = condition.dtype if isinstance(condition, Tensor) else type(condition).__name__
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {found}")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        input = wrap_array(backend.move_to(backend.as_array(input), condition.device))
    elif not isinstance(input, Tensor):
        input = as_tensor_like(input, other)
    if not isinstance(other, Tensor):
        other = as_tensor_like(other, input)
    try:
        return elementwise.where(condition, input, other)
    except ValueError:
        raise RuntimeError(
            f"where: the shapes of condition {tuple(condition.shape)}, input "
            f"{tuple(input.shape)} and other {tuple(other.shape)} cannot be broadcast together"
        ) from None


METHODS = {
    "gather": gather, "scatter": scatter, "scatter_": scatter_, "scatter_add": scatter_add,
    "scatter_add_": scatter_add_, "index_select": index_select, "take": take,
    "masked_fill": masked_fill, "masked_fill_": masked_fill_, "masked_select": masked_select,
    "nonzero": nonzero, "argwhere": argwhere,
    "where": lambda self, condition, other: where(condition, self, other),
}
