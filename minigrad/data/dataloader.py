"""DataLoader: a dataset served in mini-batches of tensors, as torch.utils.data.DataLoader does."""

import numpy as np

from ..ops.shape import stack
from ..tensor import Tensor


class DataLoader:
    """Iterate over `dataset` in batches: each batch is a tuple of tensors, `(images, labels)`.

    Every epoch (every `for` loop over the loader) visits each sample exactly
    once: in order, or with `shuffle=True` in a fresh random order drawn from the
    loader's own `numpy.random.Generator`. With a `seed` the sequence of orders
    is the same on every run; without one the generator starts from fresh
    entropy. `drop_last=True` skips a last batch smaller than `batch_size`.

    A dataset with an `arrays()` method (MNIST, FashionMNIST) is converted to
    float32 arrays once, here, and each batch is one fancy index into them, so
    loading never dominates an epoch. Any other dataset, anything with
    `__len__` and a `__getitem__` that returns a tuple such as `(input, label)`,
    is batched by stacking `dataset[i]` field by field.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, seed=None, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size should be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)
        self._arrays = dataset.arrays() if hasattr(dataset, "arrays") else None

    def __len__(self):
        """The number of batches in an epoch."""
        full_batches, remainder = divmod(len(self.dataset), self.batch_size)
        return full_batches + (1 if remainder and not self.drop_last else 0)

    def __iter__(self):
        size = len(self.dataset)
        order = self._rng.permutation(size) if self.shuffle else np.arange(size)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start : start + self.batch_size])

    def _batch(self, indices):
        """The samples at `indices`, as a tuple of tensors with the batch along dimension 0."""
        if self._arrays is not None:
            return tuple(Tensor(array[indices]) for array in self._arrays)
        samples = [self.dataset[int(i)] for i in indices]
        return tuple(_collate(list(field)) for field in zip(*samples))


def _collate(values):
    """One field of the samples as a batch: tensors stacked where they are (on their device,
    as torch's default collate does), anything else (arrays, numbers) stacked by NumPy."""
    if all(isinstance(value, Tensor) for value in values):
        return stack(values)
    return Tensor(np.stack([np.asarray(value) for value in values]))
