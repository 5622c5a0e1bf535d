"""minigrad.utils.data against torch.utils.data itself: collation, samplers, datasets, random_split
and DataLoader give torch's structures, dtypes, orders, lengths and errors.

Random orders cannot match torch's draw for draw (another generator), so for
them the tests check what torch documents: every index once per epoch, a
fresh order each epoch, the same orders again from the same seed.
"""
import collections
import inspect
import itertools

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils import data

torch = pytest.importorskip("torch")
from torch.utils import data as torch_data  # noqa: E402 - after the skip


def plain(value):
    """A batch of either library as plain Python: tensors become ('tensor', dtype name, nested lists)."""
    if isinstance(value, (mg.Tensor, torch.Tensor)):
        return ("tensor", str(value.dtype).split(".")[-1], value.tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return (type(value).__name__, [plain(item) for item in value])
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(item) for item in value])
    return value


Point = collections.namedtuple("Point", "x y")


def samples_of_every_kind(lib):
    """Samples mixing every leaf and container default_collate handles, in the library `lib`."""
    return [
        {"image": lib.tensor([[1.0, 2.0], [3.0, 4.0]]), "array": np.array([1, 2], dtype=np.int32),
         "label": 3, "weight": 0.5, "flag": True, "scalar": np.float32(2.5), "name": "first",
         "point": Point(1, 2.0), "pair": (1, "a"), "list": [np.float64(1.0), [1, 2]]},
        {"image": lib.tensor([[5.0, 6.0], [7.0, 8.0]]), "array": np.array([3, 4], dtype=np.int32),
         "label": 4, "weight": 1.5, "flag": False, "scalar": np.float32(3.5), "name": "second",
         "point": Point(3, 4.0), "pair": (2, "b"), "list": [np.float64(2.0), [3, 4]]},
    ]


def test_default_collate_builds_torchs_batch_for_every_kind_of_sample():
    ours = data.default_collate(samples_of_every_kind(mg))
    theirs = torch_data.default_collate(samples_of_every_kind(torch))
    assert plain(ours) == plain(theirs)
    assert ours["label"].dtype == mg.int64 and ours["weight"].dtype == mg.float64 and ours["flag"].dtype == mg.bool
    assert ours["array"].dtype == mg.int32 and ours["scalar"].dtype == mg.float32


def test_default_convert_turns_arrays_into_tensors_and_leaves_the_rest():
    sample = {"array": np.arange(3.0), "pair": (1, np.ones(2, dtype=np.float32)), "name": "x", "number": 2,
              "numpy_scalar": np.int64(5)}
    assert plain(data.default_convert(sample)) == plain(torch_data.default_convert(sample))


def test_default_collate_errors_name_what_does_not_fit():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \(2,\) at entry 0 "
                                           r"and \(3,\) at entry 1"):
        data.default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(RuntimeError, match=r"each element in list of batch should be of equal size, got sizes \[2, 3\]"):
        data.default_collate([(1, 2), (1, 2, 3)])
    for bad in ([object()], [np.array(["a"])]):
        with pytest.raises(TypeError) as ours:
            data.default_collate(bad)
        with pytest.raises(TypeError) as theirs:
            torch_data.default_collate(bad)
        assert str(ours.value) == str(theirs.value)


# --- datasets ----------------------------------------------------------------------------------------


class Squares(data.Dataset):
    """Sample i is (i, i * i), up to `size`."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < self.size:
            raise IndexError(index)
        return index, index * index


class TorchSquares(torch_data.Dataset):
    __init__, __len__, __getitem__ = Squares.__init__, Squares.__len__, Squares.__getitem__


class Stream(data.IterableDataset):
    def __init__(self, stop):
        self.stop = stop

    def __iter__(self):
        return iter(range(self.stop))

    def __len__(self):
        return self.stop


class TorchStream(torch_data.IterableDataset):
    __init__, __iter__, __len__ = Stream.__init__, Stream.__iter__, Stream.__len__


def test_datasets_combine_as_in_torch():
    concatenated = Squares(3) + Squares(2)
    assert isinstance(concatenated, data.ConcatDataset) and concatenated.cumulative_sizes == [3, 5]
    assert [concatenated[i] for i in range(-5, 5)] == [(TorchSquares(3) + TorchSquares(2))[i] for i in range(-5, 5)]
    with pytest.raises(IndexError):
        concatenated[5]
    with pytest.raises(ValueError, match="datasets should not be an empty iterable"):
        data.ConcatDataset([])
    with pytest.raises(TypeError, match="ConcatDataset does not support IterableDataset"):
        data.ConcatDataset([Stream(2)])
    assert list(Stream(2) + Stream(3)) == list(TorchStream(2) + TorchStream(3)) == [0, 1, 0, 1, 2]

    subset = data.Subset(Squares(10), [7, 2, 9])
    assert len(subset) == 3 and [subset[i] for i in range(3)] == [(7, 49), (2, 4), (9, 81)]
    assert subset[[0, 2]] == [(7, 49), (9, 81)]

    stacked = data.StackDataset(Squares(3), data.Subset(Squares(5), [4, 3, 2]))
    assert stacked[1] == ((1, 1), (3, 9)) and len(stacked) == 3
    assert data.StackDataset(a=Squares(2), b=Squares(2))[1] == {"a": (1, 1), "b": (1, 1)}
    with pytest.raises(ValueError, match=r"Size mismatch between datasets: lengths \[3, 2\]"):
        data.StackDataset(Squares(3), Squares(2))


def test_tensor_dataset_indexes_every_tensor_along_dimension_0():
    images, labels = mg.arange(24.0).reshape(6, 2, 2), mg.arange(6)
    dataset = data.TensorDataset(images, labels)
    assert len(dataset) == 6 and dataset.tensors == (images, labels)
    image, label = dataset[4]
    assert image.tolist() == [[16.0, 17.0], [18.0, 19.0]] and label.item() == 4
    with pytest.raises(ValueError, match=r"Size mismatch between tensors.*\(6, 2, 2\), \(5,\)"):
        data.TensorDataset(images, mg.arange(5))


@pytest.mark.parametrize("size, lengths", [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.9]),
                                           (5, [1 / 3, 1 / 3, 1 / 3])])
def test_random_split_gives_torchs_lengths_and_disjoint_subsets(size, lengths):
    ours = data.random_split(range(size), lengths, generator=mg.Generator().manual_seed(0))
    theirs = torch_data.random_split(range(size), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(subset) for subset in ours] == [len(subset) for subset in theirs]
    assert all(isinstance(subset, data.Subset) for subset in ours)
    assert sorted(index for subset in ours for index in subset) == list(range(size))


def test_random_split_is_reproducible_and_refuses_lengths_that_do_not_add_up():
    def split(generator=None):
        return [list(subset) for subset in data.random_split(range(20), [15, 5], generator=generator)]

    assert split(mg.Generator().manual_seed(42)) == split(mg.Generator().manual_seed(42))
    assert split(mg.Generator().manual_seed(42)) != split(mg.Generator().manual_seed(43))
    mg.manual_seed(3)
    first = split()
    mg.manual_seed(3)
    assert split() == first and first[0] != list(range(15))

    with pytest.raises(ValueError, match=r"Sum of input lengths \(50000 \+ 9000 = 59000\) does not equal the length "
                                         r"of the input dataset \(60000\)"):
        data.random_split(range(60000), [50000, 9000])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        assert [len(subset) for subset in data.random_split(range(10), [0.05, 0.05, 0.9])] == [1, 0, 9]


# --- samplers ----------------------------------------------------------------------------------------


def test_sequential_and_batch_samplers_match_torch():
    assert list(data.SequentialSampler(range(5))) == list(torch_data.SequentialSampler(range(5)))
    for drop_last in (False, True):
        ours = data.BatchSampler(data.SequentialSampler(range(10)), 3, drop_last)
        theirs = torch_data.BatchSampler(torch_data.SequentialSampler(range(10)), 3, drop_last)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            data.BatchSampler(range(3), bad, False)


def test_random_samplers_visit_what_torch_documents():
    sampler = data.RandomSampler(range(50), generator=mg.Generator().manual_seed(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(50)) and first != second and len(sampler) == 50
    again = data.RandomSampler(range(50), generator=mg.Generator().manual_seed(0))
    assert [list(again), list(again)] == [first, second]

    long = list(data.RandomSampler(range(4), num_samples=10))
    assert len(long) == 10 and sorted(long[:4]) == sorted(long[4:8]) == [0, 1, 2, 3]
    drawn = list(data.RandomSampler(range(3), replacement=True, num_samples=100))
    assert len(drawn) == 100 and set(drawn) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        data.RandomSampler(range(3), num_samples=0)

    subset = list(data.SubsetRandomSampler([10, 20, 30, 40]))
    assert sorted(subset) == [10, 20, 30, 40]

    weighted = list(data.WeightedRandomSampler([0.0, 1.0, 3.0], 4000, generator=mg.Generator().manual_seed(0)))
    assert 0 not in weighted and abs(weighted.count(2) / 4000 - 0.75) < 0.03
    assert sorted(data.WeightedRandomSampler([1, 1, 1, 0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="cannot sample 4 indices without replacement from 3 non-zero weights"):
        data.WeightedRandomSampler([1, 1, 1, 0], 4, replacement=False)


def test_generator_seeds_as_torchs():
    generator = mg.Generator()
    assert generator.manual_seed(7) is generator and generator.initial_seed() == 7 and generator.device == "cpu"
    fresh = generator.seed()
    assert generator.initial_seed() == fresh


# --- DataLoader --------------------------------------------------------------------------------------


def test_dataloader_takes_every_keyword_torch_takes():
    ours = inspect.signature(data.DataLoader).parameters
    theirs = inspect.signature(torch_data.DataLoader).parameters
    assert [(name, parameter.kind, parameter.default) for name, parameter in ours.items()] == \
        [(name, parameter.kind, parameter.default) for name, parameter in theirs.items()]


def loader(lib_data, iterable=False, **kwargs):
    """A DataLoader of `lib_data` (minigrad's or torch's data module) over ten samples; a sampler or
    batch sampler is given as a function of the library."""
    squares, stream = (Squares, Stream) if lib_data is data else (TorchSquares, TorchStream)
    arguments = {key: value(lib_data) if key in ("sampler", "batch_sampler") else value for key, value in kwargs.items()}
    return lib_data.DataLoader(stream(10) if iterable else squares(10), **arguments)


def both_loaders(iterable=False, **kwargs):
    return loader(data, iterable, **kwargs), loader(torch_data, iterable, **kwargs)


@pytest.mark.parametrize("kwargs", [
    {}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True}, {"batch_size": None},
    {"batch_size": 4, "sampler": lambda lib: [9, 1, 5, 3, 3]},
    {"batch_sampler": lambda lib: [[0, 1], [5], [2, 2, 9]]},
    {"batch_size": 4, "collate_fn": lambda batch: list(reversed(batch))},
], ids=["defaults", "batches", "drop_last", "no batching", "sampler", "batch_sampler", "collate_fn"])
@pytest.mark.parametrize("iterable", [False, True], ids=["map-style", "iterable"])
def test_dataloader_yields_torchs_batches(kwargs, iterable):
    if iterable and ("sampler" in kwargs or "batch_sampler" in kwargs):
        pytest.skip("an IterableDataset takes no sampler")
    ours, theirs = both_loaders(iterable=iterable, **kwargs)
    assert len(ours) == len(theirs)
    assert [plain(batch) for batch in ours] == [plain(batch) for batch in theirs]
    assert [plain(batch) for batch in ours] == [plain(batch) for batch in theirs]  # a second epoch


@pytest.mark.parametrize("iterable", [False, True], ids=["map-style", "iterable"])
def test_workers_load_in_this_process_what_one_process_loads(iterable):
    """num_workers > 0 runs in the main process (torch's workers would each read an IterableDataset whole)."""
    workers = loader(data, iterable, batch_size=3, num_workers=2, prefetch_factor=2, persistent_workers=True,
                     pin_memory=True, timeout=5, worker_init_fn=print, multiprocessing_context="spawn",
                     pin_memory_device="cuda", in_order=False)
    assert [plain(batch) for batch in workers] == [plain(batch) for batch in loader(torch_data, iterable, batch_size=3)]
    assert data.get_worker_info() is None


@pytest.mark.parametrize("kwargs", [
    {"shuffle": True, "sampler": lambda lib: [0, 1]},
    {"batch_size": 2, "batch_sampler": lambda lib: [[0]]},
    {"drop_last": True, "batch_sampler": lambda lib: [[0]]},
    {"batch_size": None, "drop_last": True},
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2}, {"persistent_workers": True},
    {"batch_size": 0}, {"iterable": True, "shuffle": True}, {"iterable": True, "sampler": lambda lib: [0]},
])
def test_dataloader_refuses_what_torch_refuses_with_its_message(kwargs):
    kwargs = dict(kwargs)
    iterable = kwargs.pop("iterable", False)
    with pytest.raises(ValueError) as ours:
        loader(data, iterable, **kwargs)
    with pytest.raises(ValueError) as theirs:
        loader(torch_data, iterable, **kwargs)
    assert str(ours.value) == str(theirs.value)


def test_shuffled_epochs_visit_every_sample_once_and_repeat_with_the_seed():
    def epochs(generator, count=2):
        loader = data.DataLoader(Squares(23), batch_size=5, shuffle=True, generator=generator)
        return [[index for indices, _ in loader for index in indices.tolist()] for _ in range(count)]

    first, second = epochs(mg.Generator().manual_seed(0))
    assert sorted(first) == sorted(second) == list(range(23)) and first != second
    assert epochs(mg.Generator().manual_seed(0)) == [first, second]
    mg.manual_seed(5)
    unseeded = epochs(None)
    mg.manual_seed(5)
    assert epochs(None) == unseeded


class DoubledTensorDataset(data.TensorDataset):
    """Overrides __getitem__: the loader must call it, not read the tensors in one go."""

    def __getitem__(self, index):
        image, label = super().__getitem__(index)
        return image * 2, label


def test_tensor_dataset_batches_are_read_in_one_go_with_the_same_numbers():
    images, labels = mg.randn(30, 3, 4), mg.arange(30)
    dataset = data.TensorDataset(images, labels)
    train, validation = data.random_split(dataset, [20, 10], generator=mg.Generator().manual_seed(0))
    for source in (dataset, train, validation):
        assert source._batch_reader() is not None
        fast = list(data.DataLoader(source, batch_size=7, shuffle=True, generator=mg.Generator().manual_seed(1)))
        slow = list(data.DataLoader(source, batch_size=7, shuffle=True, generator=mg.Generator().manual_seed(1),
                                    collate_fn=lambda batch: data.default_collate(batch)))
        assert len(fast) == len(slow)
        for (fast_images, fast_labels), (slow_images, slow_labels) in zip(fast, slow):
            np.testing.assert_array_equal(fast_images.numpy(), slow_images.numpy())
            np.testing.assert_array_equal(fast_labels.numpy(), slow_labels.numpy())
    doubled = DoubledTensorDataset(images, labels)
    assert doubled._batch_reader() is None
    batch_images, _ = next(iter(data.DataLoader(doubled, batch_size=4)))
    np.testing.assert_array_equal(batch_images.numpy(), images.numpy()[:4] * 2)


def test_torch_dataloader_accepts_minigrad_datasets_and_the_reverse():
    """A map-style dataset is anything with __getitem__ and __len__, in both libraries."""
    assert plain(next(iter(data.DataLoader(TorchSquares(4), batch_size=2)))) == \
        ("list", [("tensor", "int64", [0, 1]), ("tensor", "int64", [0, 1])])
    assert list(itertools.islice(torch_data.DataLoader(Squares(4), batch_size=2), 1))[0][1].tolist() == [0, 1]


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not mg.cuda.is_available(), reason="no GPU: needs CuPy and an NVIDIA GPU"))]


class OnDevice(data.Dataset):
    """Samples that are already tensors (float64 images on `device`, that require grad) with int labels."""

    def __init__(self, size, device):
        self.size, self.device = size, device

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return mg.full((2, 2), float(index), dtype=mg.float64, device=self.device).requires_grad_(), index


@pytest.mark.parametrize("device", DEVICES)
def test_samples_that_are_tensors_are_stacked_where_they_are_as_torch_collates_them(device):
    images, labels = next(iter(data.DataLoader(OnDevice(5, device), batch_size=3)))
    assert images.device == device and images.dtype == mg.float64 and images.shape == (3, 2, 2)
    assert images.requires_grad  # as torch.stack leaves it
    assert images.detach().cpu().numpy()[:, 0, 0].tolist() == [0.0, 1.0, 2.0]
    assert labels.device == "cpu" and labels.dtype == mg.int64 and labels.tolist() == [0, 1, 2]


@pytest.mark.parametrize("device", DEVICES)
def test_a_tensor_dataset_on_a_device_is_batched_there(device):
    dataset = data.TensorDataset(mg.arange(20.0, device=device).reshape(10, 2), mg.arange(10, device=device))
    batches = list(data.DataLoader(dataset, batch_size=4, shuffle=True, generator=mg.Generator().manual_seed(0)))
    assert [tuple(images.shape) for images, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert all(images.device == device and labels.device == device for images, labels in batches)
    labels = np.concatenate([labels.cpu().numpy() for _, labels in batches])
    assert sorted(labels.tolist()) == list(range(10))
    np.testing.assert_array_equal(np.concatenate([images.cpu().numpy() for images, _ in batches])[:, 0], 2.0 * labels)
