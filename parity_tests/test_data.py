"""minigrad.data: the IDX reader, MNIST / FashionMNIST (finding, downloading, checking) and DataLoader.

The real datasets are read from the folder in the MINIGRAD_DATA environment
variable, by default `shared/datasets` beside the repository; the tests that
need them are skipped when it is absent. Downloads are served from 127.0.0.1.
"""

import contextlib
import functools
import gzip
import hashlib
import http.server
import os
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import MNIST, DataLoader, FashionMNIST, read_idx

DATASETS = Path(os.environ.get("MINIGRAD_DATA") or Path(__file__).resolve().parents[2] / "shared" / "datasets")
needs_data = pytest.mark.skipif(
    not (DATASETS / "mnist").is_dir() or not (DATASETS / "fashion-mnist").is_dir(),
    reason=f"MNIST / Fashion-MNIST not found in {DATASETS}: set MINIGRAD_DATA to the folder holding mnist/ and fashion-mnist/",
)
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Keep every test away from the user's MINIGRAD_DATA and cache folder."""
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="module")
def mnist_train():
    return MNIST(DATASETS, train=True, download=False)


@pytest.fixture(scope="module")
def mnist_test():
    return MNIST(DATASETS, train=False, download=False)


@pytest.fixture(scope="module")
def fashion_train():
    return FashionMNIST(DATASETS, train=True, download=False)


def link_files(source, destination, files=TEST_FILES):
    """Make `destination` hold `files` of `source` (symbolic links: the data is never copied)."""
    destination.mkdir(parents=True, exist_ok=True)
    for file in files:
        (destination / file).symlink_to(source / file)
    return destination


def write_idx(path, array, magic=None):
    """Write a uint8 array as an IDX file (gzipped when `path` ends in .gz)."""
    magic = 0x0800 | array.ndim if magic is None else magic
    header = magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    content = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
    return path


@contextlib.contextmanager
def serve(folder):
    """Serve `folder` over HTTP on 127.0.0.1 (a free port) and yield its base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def md5_of(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


# --- the IDX reader -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_read_idx_reads_raw_and_gzipped_files(tmp_path, name):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    array = read_idx(write_idx(tmp_path / name, images), ndim=3)
    assert array.dtype == np.uint8 and array.shape == (2, 3, 4)
    np.testing.assert_array_equal(array, images)


def test_read_idx_refuses_a_bad_magic_number(tmp_path):
    labels = write_idx(tmp_path / "labels-idx1-ubyte", np.arange(5))
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte: bad magic number 0x00000801, expected 0x00000803"):
        read_idx(labels, ndim=3)
    not_uint8 = write_idx(tmp_path / "floats-idx1-ubyte", np.arange(5), magic=0x0D01)
    with pytest.raises(ValueError, match=r"floats-idx1-ubyte: bad magic number 0x00000d01"):
        read_idx(not_uint8)


@pytest.mark.parametrize("data_bytes, problem", [(10, "truncated"), (14, "has extra bytes")])
def test_read_idx_refuses_data_that_does_not_match_the_header(tmp_path, data_bytes, problem):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes((0x0801).to_bytes(4, "big") + (12).to_bytes(4, "big") + bytes(data_bytes))
    with pytest.raises(ValueError, match=rf"labels-idx1-ubyte: size mismatch, the file is {problem}.*\(12,\)"):
        read_idx(path, ndim=1)


def test_read_idx_refuses_a_truncated_gz_file(tmp_path):
    whole = write_idx(tmp_path / "whole.gz", np.random.default_rng(0).integers(0, 256, (50, 28, 28)))
    truncated = tmp_path / "truncated-idx3-ubyte.gz"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"truncated-idx3-ubyte.gz: gzip error .*truncated or corrupt"):
        read_idx(truncated)


def test_read_idx_refuses_a_file_that_is_not_gzip(tmp_path):
    path = tmp_path / "labels-idx1-ubyte.gz"
    path.write_bytes(b"<html>Not Found</html>")
    with pytest.raises(ValueError, match=r"labels-idx1-ubyte.gz: gzip error"):
        read_idx(path)


# --- the datasets ---------------------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize(
    "train, size, first_labels, label_counts",
    [
        (True, 60000, [5, 0, 4, 1, 9, 2, 1, 3, 1, 4], [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]),
        (False, 10000, [7, 2, 1, 0, 4, 1, 4, 9, 5, 9], [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]),
    ],
)
def test_mnist_sizes_and_labels(mnist_train, mnist_test, train, size, first_labels, label_counts):
    dataset = mnist_train if train else mnist_test
    assert len(dataset) == size
    assert dataset.data.shape == (size, 28, 28) and dataset.data.dtype == np.uint8
    assert dataset.targets.shape == (size,) and dataset.targets.dtype == np.int64
    assert dataset.targets[:10].tolist() == first_labels
    assert np.bincount(dataset.targets).tolist() == label_counts
    assert [dataset[i][1] for i in range(10)] == first_labels


@needs_data
def test_fashion_mnist_sizes_labels_and_classes(fashion_train):
    fashion_test = FashionMNIST(DATASETS, train=False, download=False)
    for dataset, size in [(fashion_train, 60000), (fashion_test, 10000)]:
        assert len(dataset) == size and dataset.data.shape == (size, 28, 28)
        assert np.bincount(dataset.targets).tolist() == [size // 10] * 10
    assert fashion_train.classes[0] == "T-shirt/top" and fashion_train.classes[9] == "Ankle boot"
    assert len(MNIST.classes) == 10 and MNIST.classes[3] == "3 - three"


def pixel_mean_and_std(pixels):
    """Population mean and std of uint8 pixels/255, from integer sums (exact, and fast on 47M pixels)."""
    count = pixels.size
    total = int(pixels.sum(dtype=np.int64))
    total_of_squares = int(np.square(pixels, dtype=np.uint32).sum(dtype=np.int64))
    mean = total / count / 255
    return mean, np.sqrt(total_of_squares / count / 255**2 - mean**2)


@needs_data
def test_pixel_statistics_match_the_published_ones(mnist_train, mnist_test, fashion_train):
    """Mean and std of pixels/255 as listed in the datasets' README, and their normalised values."""
    for dataset, published in [
        (mnist_train, (0.130660, 0.308108)),
        (mnist_test, (0.132515, 0.310480)),
        (fashion_train, (0.286041, 0.353024)),
    ]:
        assert pixel_mean_and_std(dataset.data) == pytest.approx(published, abs=1e-6)

    images, labels = mnist_test.arrays()
    assert images.dtype == np.float32 and images.shape == (10000, 1, 28, 28) and labels is mnist_test.targets
    assert images.mean() == pytest.approx((0.132515 - 0.1307) / 0.3081, abs=1e-4)
    assert images.std() == pytest.approx(0.310480 / 0.3081, abs=1e-4)


@needs_data
def test_a_sample_is_a_normalised_float32_tensor_and_an_int(mnist_test):
    image, label = mnist_test[0]
    assert isinstance(image, mg.Tensor) and image.dtype == mg.float32 and tuple(image.shape) == (1, 28, 28)
    assert type(label) is int and label == 7
    expected = (mnist_test.data[0].astype(np.float32) / 255 - 0.1307) / 0.3081
    np.testing.assert_allclose(image.numpy()[0], expected, rtol=1e-6, atol=1e-6)

    raw = MNIST(DATASETS, train=False, download=False, normalize=False)
    np.testing.assert_allclose(raw[0][0].numpy()[0], mnist_test.data[0] / 255, rtol=1e-6)
    assert raw[-1][1] == mnist_test.targets[-1]
    with pytest.raises(IndexError):
        raw[len(raw)]


@needs_data
@pytest.mark.parametrize("subfolder", ["mnist", ""], ids=["folder/mnist/files", "folder/files"])
def test_both_folder_layouts_are_accepted(tmp_path, subfolder):
    folder = link_files(DATASETS / "mnist", tmp_path / "data" / subfolder)
    dataset = MNIST(tmp_path / "data", train=False, download=False)
    assert dataset.folder == folder and len(dataset) == 10000


@needs_data
def test_folders_are_searched_root_then_environment_then_cache(tmp_path, monkeypatch):
    root, environment, cache = tmp_path / "root", tmp_path / "env", tmp_path / "xdg-cache" / "minigrad"
    for folder in (root, environment, cache):
        link_files(DATASETS / "mnist", folder / "mnist")
    monkeypatch.setenv("MINIGRAD_DATA", str(environment))

    assert MNIST(root, train=False, download=False).folder == root / "mnist"
    assert MNIST(train=False, download=False).folder == environment / "mnist"
    assert MNIST(tmp_path / "empty", train=False, download=False).folder == environment / "mnist"
    monkeypatch.delenv("MINIGRAD_DATA")
    assert MNIST(train=False, download=False).folder == cache / "mnist"


def test_missing_data_without_download_lists_the_folders_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path / "env"))
    with pytest.raises(FileNotFoundError) as error:
        FashionMNIST(tmp_path / "root", train=False, download=False)
    message = str(error.value)
    cache = tmp_path / "xdg-cache" / "minigrad"
    for folder in (tmp_path / "root", tmp_path / "env", cache):
        assert f"  {folder / 'fashion-mnist'}\n" in message and f"  {folder}\n" in message
    assert "t10k-images-idx3-ubyte.gz" in message
    assert "root=" in message and "MINIGRAD_DATA" in message and "download=True" in message


# --- downloading ----------------------------------------------------------------------------------


@needs_data
def test_download_into_root_verifies_every_file(tmp_path, monkeypatch, capsys):
    with serve(DATASETS / "mnist") as url:
        monkeypatch.setattr(MNIST, "mirrors", [url])
        dataset = MNIST(tmp_path / "root", train=False)
    assert dataset.folder == tmp_path / "root" / "mnist" and len(dataset) == 10000
    assert sorted(path.name for path in dataset.folder.iterdir()) == sorted(MNIST.md5)
    for file, md5 in MNIST.md5.items():
        assert md5_of(dataset.folder / file) == md5
    assert "100%" in capsys.readouterr().err  # tqdm's bar


@needs_data
def test_download_goes_to_the_cache_with_a_plain_progress_line_without_tqdm(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    with serve(DATASETS / "mnist") as url:
        monkeypatch.setattr(MNIST, "mirrors", [url])
        dataset = MNIST(train=False)
    assert dataset.folder == tmp_path / "xdg-cache" / "minigrad" / "mnist"
    assert "t10k-labels-idx1-ubyte.gz: 100%" in capsys.readouterr().err


@needs_data
def test_download_falls_back_to_the_next_mirror(tmp_path, monkeypatch, capsys):
    (tmp_path / "empty-mirror").mkdir()
    with serve(tmp_path / "empty-mirror") as broken_url, serve(DATASETS / "mnist") as good_url:
        monkeypatch.setattr(MNIST, "mirrors", [broken_url, good_url])
        assert len(MNIST(tmp_path / "root", train=False)) == 10000


@needs_data
@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_damaged_download_is_refused_and_deleted(tmp_path, monkeypatch, damage):
    mirror = link_files(DATASETS / "mnist", tmp_path / "mirror", files=["train-images-idx3-ubyte.gz"])
    labels = bytearray((DATASETS / "mnist" / "train-labels-idx1-ubyte.gz").read_bytes())
    if damage == "corrupt":
        labels[1000] ^= 0xFF
    else:
        del labels[len(labels) // 2 :]
    (mirror / "train-labels-idx1-ubyte.gz").write_bytes(labels)

    with serve(mirror) as url:
        monkeypatch.setattr(MNIST, "mirrors", [url])
        with pytest.raises(RuntimeError, match=r"(?s)could not download train-labels-idx1-ubyte.gz.*"
                           rf"corrupt or truncated download \({len(labels)} bytes with MD5 .*expected MD5 "
                           "d53e105ee54ea40749a09fcbcd1e9432.*deleted"):
            MNIST(tmp_path / "root")
    assert sorted(path.name for path in (tmp_path / "root" / "mnist").iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_an_unreachable_mirror_is_reported(tmp_path, monkeypatch):
    (tmp_path / "empty-mirror").mkdir()
    with serve(tmp_path / "empty-mirror") as url:
        monkeypatch.setattr(FashionMNIST, "mirrors", [url])
        with pytest.raises(RuntimeError, match=rf"could not download train-images-idx3-ubyte.gz:\n  {url}\S+: HTTP Error 404"):
            FashionMNIST(tmp_path / "root")


# --- DataLoader -----------------------------------------------------------------------------------


class IndexDataset:
    """A generic dataset whose sample i is (a 2x2 image filled with i, the label i)."""

    def __init__(self, size):
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if not 0 <= index < self.size:
            raise IndexError(index)
        return np.full((2, 2), index, dtype=np.float32), index


class IndexArraysDataset(IndexDataset):
    """The same samples, served the fast way, as whole arrays."""

    def arrays(self):
        return np.arange(self.size, dtype=np.float32)[:, None, None].repeat(2, 1).repeat(2, 2), np.arange(self.size)


class WithoutArrays:
    """Wraps a dataset and hides its arrays(), so that DataLoader stacks its samples one by one."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        return self.dataset[index]


@needs_data
def test_loader_batches_mnist_as_float32_nchw_images_and_int64_labels(mnist_test):
    loader = DataLoader(mnist_test, batch_size=64)
    assert len(loader) == 157 and len(DataLoader(mnist_test, batch_size=64, drop_last=True)) == 156
    batches = list(loader)
    assert len(batches) == 157
    images, labels = batches[0]
    assert isinstance(images, mg.Tensor) and images.dtype == mg.float32 and tuple(images.shape) == (64, 1, 28, 28)
    assert isinstance(labels, mg.Tensor) and labels.dtype == mg.int64 and tuple(labels.shape) == (64,)
    assert tuple(batches[-1][0].shape) == (10000 - 156 * 64, 1, 28, 28)
    assert labels.numpy()[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]

    for fast, generic in zip(batches[:2], DataLoader(WithoutArrays(mnist_test), batch_size=64)):
        np.testing.assert_array_equal(fast[0].numpy(), generic[0].numpy())
        np.testing.assert_array_equal(fast[1].numpy(), generic[1].numpy())


@pytest.mark.parametrize("dataset_type", [IndexDataset, IndexArraysDataset])
@pytest.mark.parametrize("drop_last", [False, True])
def test_every_sample_is_visited_once_per_epoch(dataset_type, drop_last):
    loader = DataLoader(dataset_type(103), batch_size=10, shuffle=True, seed=0, drop_last=drop_last)
    for _ in range(2):
        batches = list(loader)
        assert len(batches) == len(loader) == (10 if drop_last else 11)
        assert all(tuple(images.shape)[1:] == (2, 2) for images, _ in batches)
        labels = np.concatenate([labels.numpy() for _, labels in batches])
        images = np.concatenate([images.numpy()[:, 0, 0] for images, _ in batches])
        np.testing.assert_array_equal(images, labels)
        if drop_last:
            assert len(labels) == 100 and len(set(labels.tolist())) == 100
        else:
            assert sorted(labels.tolist()) == list(range(103))


@pytest.mark.parametrize("dataset_type", [IndexDataset, IndexArraysDataset])
def test_seeded_shuffle_is_reproducible_and_fresh_every_epoch(dataset_type):
    def epochs(seed, count=2):
        loader = DataLoader(dataset_type(50), batch_size=50, shuffle=True, seed=seed)
        return [next(iter(loader))[1].numpy().tolist() for _ in range(count)]

    first_epoch, second_epoch = epochs(seed=7)
    assert epochs(seed=7) == [first_epoch, second_epoch]
    assert first_epoch != second_epoch and first_epoch != list(range(50))
    assert epochs(seed=8)[0] != first_epoch
    unseeded = DataLoader(dataset_type(50), batch_size=50, shuffle=True)
    assert sorted(next(iter(unseeded))[1].numpy().tolist()) == list(range(50))


def test_loader_keeps_order_without_shuffle_and_refuses_a_bad_batch_size():
    labels = [labels.numpy().tolist() for _, labels in DataLoader(IndexDataset(5), batch_size=2)]
    assert labels == [[0, 1], [2, 3], [4]]
    with pytest.raises(ValueError, match="batch_size should be a positive integer, got 0"):
        DataLoader(IndexDataset(5), batch_size=0)


class TensorDataset:
    """Samples that are already tensors (float64 images on `device`, that require grad) with
    integer labels."""

    def __init__(self, size, device):
        self.size, self.device = size, device

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        image = mg.full((2, 2), float(index), dtype=mg.float64, device=self.device)
        return image.requires_grad_(), index


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not mg.cuda.is_available(), reason="no GPU: needs CuPy and an NVIDIA GPU"))])
def test_samples_that_are_tensors_are_stacked_where_they_are_as_torch_collates_them(device):
    images, labels = next(iter(DataLoader(TensorDataset(5, device), batch_size=3)))
    assert images.device == device and images.dtype == mg.float64 and images.shape == (3, 2, 2)
    assert images.requires_grad  # as torch.stack leaves it
    assert images.detach().cpu().numpy()[:, 0, 0].tolist() == [0.0, 1.0, 2.0]
    assert labels.device == "cpu" and labels.dtype == mg.int64 and labels.tolist() == [0, 1, 2]
