"""DataLoader, as `torch.utils.data.DataLoader`: a dataset served as an iterable of batches."""
import itertools

import numpy as np

from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, check_batch_size


class DataLoader:
    """Iterate over `dataset` in batches, with torch's arguments, defaults and checks.

    Every `for` loop over the loader is an epoch. For a map-style dataset the
    sampler says which indices an epoch visits: `SequentialSampler` by default,
    `RandomSampler` (a fresh order each epoch, drawn from `generator` or from
    the global generator that `mg.manual_seed` seeds) with `shuffle=True`, or
    the `sampler` given; `BatchSampler` groups them by `batch_size`, skipping a
    last short batch with `drop_last`; or `batch_sampler` yields the lists of
    indices itself. `batch_size=None` turns batching off: each sample comes out
    on its own, NumPy arrays turned into tensors. An `IterableDataset` is read
    in its own order, `batch_size` items at a time. `collate_fn` (default
    `default_collate`) makes a batch of the list of samples.

    Loading happens in this process, in order, whatever `num_workers`:
    `num_workers`, `timeout`, `worker_init_fn`, `multiprocessing_context`,
    `prefetch_factor`, `persistent_workers` and `in_order` are checked as torch
    checks them and have no other effect, and no worker runs
    `worker_init_fn`; `pin_memory` and `pin_memory_device` have nothing to pin
    (NumPy arrays, or CuPy arrays that are already on the GPU).

    The fast path: when the batch is made with `default_collate` and the
    dataset offers a batch reader (`TensorDataset`, the vision datasets under a
    transform such as `Compose([ToTensor(), Normalize(...)])`, and a Subset of
    either; see `dataset.py`), each batch is read in a few array operations
    instead of sample by sample: the same numbers, bit for bit.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, "
                                     f"but got {name}={value}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None:
            check_batch_size(batch_size)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.collate_fn = collate_fn if collate_fn is not None else (
            default_collate if self._auto_collation else default_convert)
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (isinstance(self.dataset, IterableDataset)
                                                   and self.batch_size is not None)

    def __len__(self):
        """The number of batches (or samples, without batching) in an epoch."""
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)
            if self.batch_size is None:
                return length
            full, rest = divmod(length, self.batch_size)
            return full + (1 if rest and not self.drop_last else 0)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        if isinstance(self.dataset, IterableDataset):
            return self._iterable_batches()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[index]) for index in self.sampler)
        reader = getattr(self.dataset, "_batch_reader", None)
        reader = reader() if reader is not None and self.collate_fn is default_collate else None
        if reader is not None:
            return (reader(np.asarray(indices, dtype=np.int64)) for indices in self.batch_sampler)
        return (self.collate_fn(self._samples(indices)) for indices in self.batch_sampler)

    def _samples(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        return getitems(indices) if getitems is not None else [self.dataset[index] for index in indices]

    def _iterable_batches(self):
        samples = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in samples)
            return
        while batch := list(itertools.islice(samples, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield self.collate_fn(batch)


def get_worker_info():
    """None: minigrad loads every batch in the main process (see DataLoader), as torch reports there."""
    return None
