"""Splitting and merging: split, chunk, unbind, tensor_split; concat, hstack, vstack.

A split is a tuple of slices along one dim, each a view (`SliceView`) whose
gradient lands back in its part of the input; a merge is `cat`, whose
gradient is cut into the inputs' parts. Nothing here needs a Function of its own.
"""
from ..tensor import Tensor
from .shape import _dim, cat, getitem, reshape


def _slices(x, dim, bounds):
    """The views x[..., start:stop, ...] along dim, one per (start, stop)."""
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (slice(start, stop),)) for start, stop in bounds)


def _along(x, dim, op):
    if x.ndim == 0:
        raise RuntimeError(f"{op} expects at least a 1-dimensional tensor")
    return _dim(dim, x.ndim)


def split(tensor, split_size_or_sections, dim=0):
    """Views of tensor along dim: of `split_size` each (the last smaller if need be), or of the
    sizes a list gives (which must add up to the dim's size)."""
    dim = _along(tensor, dim, "split")
    n = tensor.array.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {dim}), but got "
                               f"split_sizes={sizes}")
    else:
        size = int(split_size_or_sections)
        if size < 0 or size == 0 and n:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={size}" if size < 0 else
                               f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        sizes = [min(size, n - start) for start in range(0, n, size)] if size else [0]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return _slices(tensor, dim, [(s, s + size) for s, size in zip(starts, sizes)])


def chunk(input, chunks, dim=0):
    """input split into `chunks` views of ceil(n / chunks) along dim (fewer if n runs out)."""
    dim = _along(input, dim, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.array.shape[dim]
    return split(input, -(-n // chunks), dim)


def tensor_split(input, indices_or_sections, dim=0):
    """input cut along dim into `sections` views as equal as can be (the first n % sections one
    larger), or cut before each of the `indices`."""
    dim = _along(input, dim, "tensor_split")
    n = input.array.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = (indices_or_sections.tolist() if indices_or_sections.ndim
                               else indices_or_sections.item())
    if isinstance(indices_or_sections, (list, tuple)):
        cuts = [0] + [min(max(int(i) if i >= 0 else n + int(i), 0), n)
                      for i in indices_or_sections] + [n]
        bounds = [(start, max(start, stop)) for start, stop in zip(cuts, cuts[1:])]
    else:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
        base, extra = divmod(n, sections)
        sizes = [base + 1] * extra + [base] * (sections - extra)
        starts = [sum(sizes[:i]) for i in range(sections)]
        bounds = [(s, s + size) for s, size in zip(starts, sizes)]
    return _slices(input, dim, bounds)


def unbind(input, dim=0):
    """The slices of input along dim, each without that dim: (input[0], input[1], ...) for dim 0."""
    dim = _along(input, dim, "unbind")
    lead = (slice(None),) * dim
    return tuple(getitem(input, lead + (i,)) for i in range(input.array.shape[dim]))


def concat(tensors, dim=0, *, axis=None):
    """`cat` under its NumPy-style name."""
    return cat(tensors, dim if axis is None else axis)


def hstack(tensors):
    """The tensors joined along their second dim (along the first for 1-D ones)."""
    tensors = [reshape(t, (1,)) if t.ndim == 0 else t for t in tensors]
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """The tensors joined along their first dim, 0-d and 1-D ones first made rows (1, n)."""
    tensors = [reshape(t, (1, -1)) if t.ndim < 2 else t for t in tensors]
    return cat(tensors, 0)


METHODS = {"split": split, "chunk": chunk, "tensor_split": tensor_split, "unbind": unbind}
