"""Dimension transforms: expand, repeat, flip, roll, movedim, unflatten, view_as, contiguous.

Every one is composed from the shape ops of shape.py (reshape, permute,
broadcast, indexing), so each gradient is theirs: an expand's is summed back
over the expanded dims, a repeat's over the copies, a flip's flipped back, a
roll's rolled back. Only `contiguous`, a copy, is a Function of its own.
"""
from ..autograd.function import Function
from .shape import BroadcastTo, GetItem, _dim, _shape_arg, broadcast_to, permute, reshape


def expand(x, *sizes):
    """x broadcast to `sizes` (-1 keeps a dim's size; new dims go in front): a view.

    d/dx: the gradient is summed over the expanded dims.
    """
    sizes = _shape_arg(sizes)
    shape = x.array.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({x.type()}{{{list(shape)}}}, size={list(sizes)}): the number "
                           f"of sizes provided ({len(sizes)}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = list(sizes)
    for i in reversed(range(len(sizes))):  # torch checks (and names) the last dims first
        size = sizes[i]
        if i < lead:
            if size < 0:
                raise RuntimeError(f"The expanded size of the tensor ({size}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            continue
        existing = shape[i - lead]
        if size == -1:
            target[i] = existing
        elif existing != size and existing != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({size}) must match the existing size "
                f"({existing}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}")
    target = tuple(target)
    return x if target == shape else BroadcastTo.apply(x, target)


def expand_as(x, other):
    """x expanded to other's shape: `x.expand(other.size())`."""
    return expand(x, other.array.shape)


def repeat(x, *repeats):
    """x tiled `repeats[d]` times along each dim d (extra leading repeats add dims).

    Composed as reshape to (1, s0, 1, s1, ...), broadcast to (r0, s0, r1, s1, ...)
    and reshape to (r0·s0, r1·s1, ...); d/dx sums the gradient over the copies.
    """
    repeats = _shape_arg(repeats)
    if len(repeats) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           f"of dimensions of tensor (repeat dims {list(repeats)}, tensor shape "
                           f"{list(x.shape)})")
    if any(r < 0 for r in repeats):
        raise RuntimeError(f"Trying to create tensor with negative dimension: repeats "
                           f"{list(repeats)}")
    shape = (1,) * (len(repeats) - x.ndim) + x.array.shape
    interleaved = tuple(n for size in shape for n in (1, size))
    tiled = tuple(n for r, size in zip(repeats, shape) for n in (r, size))
    out = broadcast_to(reshape(x, interleaved), tiled)
    return reshape(out, tuple(r * size for r, size in zip(repeats, shape)))


def view_as(x, other):
    """x viewed with other's shape: `x.view(other.size())`."""
    return reshape(x, other.array.shape)


def reshape_as(x, other):
    """x reshaped to other's shape: `x.reshape(other.size())`."""
    return reshape(x, other.array.shape)


def _dims_arg(dims, ndim, op):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    normal = [_dim(d, ndim) for d in dims]
    if len(set(normal)) != len(normal):
        raise RuntimeError(f"{op}: dims {list(dims)} name a dim more than once")
    return normal


def flip(x, *dims_given, dims=None):
    """x with the order of its elements reversed along `dims`.   d/dx: the gradient flipped back"""
    if dims is None:
        dims = _shape_arg(dims_given)
    dims = _dims_arg(dims, x.ndim, "flip")
    if not dims or x.ndim == 0:
        return reshape(x, x.array.shape)
    index = tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(x.ndim))
    return GetItem.apply(x, index)


def roll(x, shifts, dims=None):
    """x shifted by `shifts` along `dims`, wrapping around (flattened first when dims is None).

    Each shift is an index: out[..., i, ...] = x[..., (i - shift) mod n, ...];
    d/dx: the gradient rolled back.
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: with dims=None, shifts must be one number, got "
                               f"{list(shifts)}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.array.shape)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    out = x
    xp = x.xp
    for shift, d in zip(shifts, dims):
        d = _dim(d, x.ndim)
        n = x.array.shape[d] if x.ndim else 1
        if x.ndim == 0 or n == 0 or shift % n == 0:
            continue
        positions = (xp.arange(n) - shift) % n
        out = GetItem.apply(out, (slice(None),) * d + (positions,))
    return out if out is not x else reshape(x, x.array.shape)


def movedim(x, source, destination):
    """x with the dims `source` moved to positions `destination`, the others in order: a permute."""
    source = (source,) if isinstance(source, int) else tuple(source)
    destination = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(destination)} dims)")
    source = _dims_arg(source, x.ndim, "movedim")
    destination = _dims_arg(destination, x.ndim, "movedim")
    if x.ndim == 0:
        return reshape(x, ())
    order = [None] * x.ndim
    for s, d in zip(source, destination):
        order[d] = s
    rest = iter(d for d in range(x.ndim) if d not in source)
    order = tuple(o if o is not None else next(rest) for o in order)
    return permute(x, order)


def unflatten(x, dim, sizes):
    """x with dim `dim` split into `sizes` (one may be -1): a reshape."""
    dim = _dim(dim, x.ndim)
    sizes = tuple(sizes)
    shape = x.array.shape
    known = 1
    for n in sizes:
        known *= n if n != -1 else 1
    if -1 not in sizes and known != shape[dim] or -1 in sizes and shape[dim] % max(known, 1):
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({shape[dim]}) in the input tensor")
    return reshape(x, shape[:dim] + sizes + shape[dim + 1:])


class Contiguous(Function):
    """A row-major copy of x.   d/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.xp.ascontiguousarray(x.array)

    @staticmethod
    def backward(ctx, grad):
        return grad


def contiguous(x, memory_format=None):
    """x itself when its elements are laid out in row-major order in memory, else a copy that is."""
    if x.array.flags.c_contiguous:
        return x
    return Contiguous.apply(x)


def is_contiguous(x, memory_format=None):
    """Whether x's elements lie in row-major order in memory (a transpose's do not)."""
    return bool(x.array.flags.c_contiguous)


METHODS = {
    "expand": expand, "expand_as": expand_as, "repeat": repeat, "view_as": view_as,
    "reshape_as": reshape_as, "flip": flip, "roll": roll, "movedim": movedim,
    "unflatten": unflatten, "contiguous": contiguous, "is_contiguous": is_contiguous,
}
