"""Collation, as `torch.utils.data`: a list of samples into one batch (`default_collate`), and the
NumPy-to-tensor conversion of a sample left unbatched (`default_convert`).

`default_collate` keeps the structure of a sample and stacks its leaves:
tensors are stacked (on their device), NumPy arrays and NumPy scalars become
tensors of their dtype and are stacked, Python ints, floats and bools become
int64, float64 and bool tensors, strings and bytes stay a sequence as they
are; dicts, named tuples, tuples and lists are collated field by field (a
tuple gives a list, as in torch).
"""
import collections.abc

import numpy as np

from ...backend import float64
from ...creation import from_numpy, tensor
from ...ops.shape import stack
from ...tensor import Tensor

_UNSUPPORTED = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch):
    """The samples in the list `batch` as one batch, each leaf stacked along a new dimension 0."""
    first = batch[0]
    if isinstance(first, Tensor):
        return stack(batch)
    if isinstance(first, np.ndarray) or isinstance(first, np.generic) and not isinstance(first, (np.str_, np.bytes_)):
        if first.dtype.kind in "USO":
            raise TypeError(_UNSUPPORTED.format(first.dtype))
        if isinstance(first, np.generic):
            return from_numpy(np.asarray(batch))
        return stack([from_numpy(np.asarray(array)) for array in batch])
    if isinstance(first, int):  # bool included: a bool tensor
        return tensor(batch)
    if isinstance(first, float):
        return tensor(batch, dtype=float64)
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return _same_kind(first, {key: default_collate([sample[key] for sample in batch]) for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        sizes = {len(sample) for sample in batch}
        if len(sizes) != 1:
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes "
                               f"{[len(sample) for sample in batch]}")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(first, tuple) else _same_kind(first, fields)
    raise TypeError(_UNSUPPORTED.format(type(first)))


def _same_kind(sample, fields):
    """`fields` (a list or a dict) in a container of the sample's own type, where that type can be built from it."""
    try:
        return type(sample)(fields)
    except TypeError:
        return fields


def default_convert(data):
    """NumPy arrays and scalars in `data` (nested in dicts, tuples and lists) as tensors; the rest unchanged."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "USO":
        return from_numpy(data)
    if isinstance(data, np.generic) and data.dtype.kind not in "USO":
        return from_numpy(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_kind(data, {key: default_convert(value) for key, value in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(value) for value in data))
    if isinstance(data, tuple):
        return [default_convert(value) for value in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind(data, [default_convert(value) for value in data])
    return data
