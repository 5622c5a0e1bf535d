"""Datasets, as `torch.utils.data`: the two kinds, and the ways to stack, chain, concatenate and split them.

A map-style `Dataset` has `__getitem__(index)` and usually `__len__`; an
`IterableDataset` has `__iter__`. Anything with those methods works with
DataLoader; the base classes only add `+`.

Batch readers: a dataset whose samples come out of whole arrays (TensorDataset,
the vision datasets under a transform that works on whole arrays, and a Subset
of either) may offer `_batch_reader()`: a function from an array of indices to
the very batch `default_collate` would make of those samples, built with a few
array operations instead of one sample at a time. DataLoader uses it when it
collates with `default_collate`; the method returns None when it cannot serve
(a subclass that overrides `__getitem__`, a transform that needs each image).
"""
import bisect
import math
import warnings

import numpy as np

from ... import random
from ...tensor import Tensor


class Dataset:
    """A map-style dataset: subclasses define `__getitem__(index)` and, for samplers, `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} is a Dataset and must define __getitem__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define `__iter__`; `a + b` chains two of them."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} is an IterableDataset and must define __iter__")

    def __add__(self, other):
        return ChainDataset([self, other])


def _length(tensor):
    return tensor.shape[0] if tensor.ndim else None


class TensorDataset(Dataset):
    """Tensors that share their first dimension: sample i is `tuple(t[i] for t in tensors)`."""

    def __init__(self, *tensors):
        lengths = [_length(tensor) for tensor in tensors]
        if not tensors or None in lengths or len(set(lengths)) != 1:
            shapes = ", ".join(str(tuple(tensor.shape)) for tensor in tensors)
            raise ValueError(f"Size mismatch between tensors: TensorDataset needs one or more tensors with "
                             f"the same size in dimension 0, got shapes {shapes or 'none'}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(tensor[index] for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _batch_reader(self):
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return None
        # Rows of a tensor, indexed at once, are the rows stacked.
        return lambda indices: tuple(tensor[indices] for tensor in self.tensors)


class StackDataset(Dataset):
    """Datasets of one length side by side: sample i is `(a[i], b[i])`, or a dict with keyword arguments."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or ``dict``- (via ``kwargs``) like input/output,"
                             " but both types are given.")
        self.datasets = args or kwargs
        datasets = args or tuple(kwargs.values())
        if not datasets:
            raise ValueError("At least one dataset should be passed")
        lengths = [len(dataset) for dataset in datasets]
        if len(set(lengths)) != 1:
            raise ValueError(f"Size mismatch between datasets: lengths {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: dataset[index] for key, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self):
        return self._length


class ConcatDataset(Dataset):
    """Map-style datasets one after the other: indices run through the first, then the second, ...

    `cumulative_sizes[k]` is the number of samples in the first k+1 datasets.
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = []
        total = 0
        for dataset in self.datasets:
            total += len(dataset)
            self.cumulative_sizes.append(total)

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"absolute value of index {index} should not exceed dataset length {len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which == len(self.datasets):
            raise IndexError(f"index {index} is out of range for a ConcatDataset of length {len(self)}")
        offset = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - offset]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other, as one stream."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(dataset).__name__}")
            yield from dataset

    def __len__(self):
        return sum(len(dataset) for dataset in self.datasets)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `Subset(d, [3, 1])[0]` is `d[3]`."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return [self.dataset[self.indices[i]] for i in index]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)

    def _batch_reader(self):
        inner = getattr(self.dataset, "_batch_reader", None)
        read = inner() if inner is not None and type(self).__getitem__ is Subset.__getitem__ else None
        if read is None:
            return None
        indices = _as_index_array(self.indices)
        return lambda positions: read(indices.take(positions))


def _as_index_array(indices):
    """Indices as a NumPy int64 array: bookkeeping on the CPU, whatever device the data is on."""
    return np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices, dtype=np.int64)


def random_split(dataset, lengths, generator=None):
    """Split `dataset` into non-overlapping Subsets of the given lengths, in a random order.

    `lengths` are counts that add up to `len(dataset)`, or fractions that add up
    to 1: then each gets `floor(fraction * len(dataset))` samples and the ones
    left over go one each to the first subsets, as torch does. The order comes
    from `generator` (`mg.Generator().manual_seed(42)` repeats it), or from the
    global generator (`mg.manual_seed`).
    """
    lengths = list(lengths)
    size = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        if any(not 0 <= fraction <= 1 for fraction in lengths):
            raise ValueError(f"Fractions {lengths} should all lie in [0, 1]")
        counts = [math.floor(size * fraction) for fraction in lengths]
        for i in range(size - sum(counts)):
            counts[i % len(counts)] += 1
        for i, count in enumerate(counts):
            if count == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
        lengths = counts
    if any(isinstance(length, float) or length < 0 for length in lengths):
        raise ValueError(f"random_split lengths must be non-negative counts or fractions that sum to 1, "
                         f"got {lengths}")
    if sum(lengths) != size:
        raise ValueError(f"Sum of input lengths ({' + '.join(map(str, lengths))} = {sum(lengths)}) does not "
                         f"equal the length of the input dataset ({size})!")
    order = random.numpy_generator(generator).permutation(size).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start : start + length]))
        start += length
    return subsets
