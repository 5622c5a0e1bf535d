"""minigrad.vision.datasets: the IDX reader, MNIST / FashionMNIST (finding, downloading, checking),
CIFAR-10 / CIFAR-100 from archives these tests build in the real format, and ImageFolder over PNG
files they write; what each yields is checked against what torchvision documents.

The real MNIST files are read from the folder in the MINIGRAD_DATA environment
variable, by default `shared/datasets` beside the repository; the tests that
need them are skipped when it is absent. Downloads are served from 127.0.0.1.
"""

import contextlib
import functools
import gzip
import hashlib
import http.server
import os
import pickle
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import DataLoader
from minigrad.vision import transforms
from minigrad.vision.datasets import MNIST, FashionMNIST
from minigrad.vision.datasets.idx import read_idx

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
    assert isinstance(dataset.data, mg.Tensor) and dataset.data.dtype == mg.uint8
    assert tuple(dataset.data.shape) == (size, 28, 28)
    assert isinstance(dataset.targets, mg.Tensor) and dataset.targets.dtype == mg.int64
    assert tuple(dataset.targets.shape) == (size,)
    assert dataset.targets[:10].tolist() == first_labels
    assert np.bincount(dataset.targets.numpy()).tolist() == label_counts
    assert [dataset[i][1] for i in range(10)] == first_labels


@needs_data
def test_fashion_mnist_sizes_labels_and_classes(fashion_train):
    fashion_test = FashionMNIST(DATASETS, train=False, download=False)
    for dataset, size in [(fashion_train, 60000), (fashion_test, 10000)]:
        assert len(dataset) == size and tuple(dataset.data.shape) == (size, 28, 28)
        assert np.bincount(dataset.targets.numpy()).tolist() == [size // 10] * 10
    assert fashion_train.classes[0] == "T-shirt/top" and fashion_train.classes[9] == "Ankle boot"
    assert fashion_train.class_to_idx["Ankle boot"] == 9
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
        assert pixel_mean_and_std(dataset.data.numpy()) == pytest.approx(published, abs=1e-6)

    mnist_test.transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    try:
        images, labels = next(iter(DataLoader(mnist_test, batch_size=10000)))
    finally:
        mnist_test.transform = None
    assert images.dtype == mg.float32 and tuple(images.shape) == (10000, 1, 28, 28)
    np.testing.assert_array_equal(labels.numpy(), mnist_test.targets.numpy())
    assert images.numpy().mean() == pytest.approx((0.132515 - 0.1307) / 0.3081, abs=1e-4)
    assert images.numpy().std() == pytest.approx(0.310480 / 0.3081, abs=1e-4)


@needs_data
def test_a_sample_is_a_grey_pil_image_and_an_int_as_in_torchvision(mnist_test):
    from PIL import Image

    image, label = mnist_test[0]
    assert isinstance(image, Image.Image) and image.mode == "L" and image.size == (28, 28)
    assert type(label) is int and label == 7
    np.testing.assert_array_equal(np.asarray(image), mnist_test.data[0].numpy())

    normalised = MNIST(DATASETS, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]), target_transform=lambda y: -y)
    image, label = normalised[0]
    assert isinstance(image, mg.Tensor) and image.dtype == mg.float32 and tuple(image.shape) == (1, 28, 28)
    assert label == -7
    expected = (mnist_test.data[0].numpy().astype(np.float32) / 255 - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(image.numpy()[0], expected)
    assert mnist_test[-1][1] == mnist_test.targets[-1].item()
    with pytest.raises(IndexError):
        mnist_test[len(mnist_test)]
    assert "Number of datapoints: 10000" in repr(normalised) and "Normalize(mean=(0.1307,)" in repr(normalised)


@needs_data
@pytest.mark.parametrize("subfolder", ["MNIST/raw", "mnist", ""],
                         ids=["torchvision's folder/MNIST/raw/files", "folder/mnist/files", "folder/files"])
def test_every_folder_layout_is_accepted(tmp_path, subfolder):
    folder = link_files(DATASETS / "mnist", tmp_path / "data" / subfolder)
    dataset = MNIST(tmp_path / "data", train=False, download=False)
    assert dataset.folder == folder and len(dataset) == 10000


@needs_data
def test_uncompressed_files_as_torchvision_leaves_them_are_read(tmp_path):
    raw = tmp_path / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for file in TEST_FILES:
        (raw / file.removesuffix(".gz")).write_bytes(gzip.decompress((DATASETS / "fashion-mnist" / file).read_bytes()))
    dataset = FashionMNIST(tmp_path / "data", train=False)
    assert dataset.folder == raw and len(dataset) == 10000 and dataset[0][1] == 9


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
        dataset = MNIST(tmp_path / "root", train=False, download=True)
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
        dataset = MNIST(train=False, download=True)
    assert dataset.folder == tmp_path / "xdg-cache" / "minigrad" / "mnist"
    assert "t10k-labels-idx1-ubyte.gz: 100%" in capsys.readouterr().err


@needs_data
def test_download_falls_back_to_the_next_mirror(tmp_path, monkeypatch, capsys):
    (tmp_path / "empty-mirror").mkdir()
    with serve(tmp_path / "empty-mirror") as broken_url, serve(DATASETS / "mnist") as good_url:
        monkeypatch.setattr(MNIST, "mirrors", [broken_url, good_url])
        assert len(MNIST(tmp_path / "root", train=False, download=True)) == 10000


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
            MNIST(tmp_path / "root", download=True)
    assert sorted(path.name for path in (tmp_path / "root" / "mnist").iterdir()) == ["train-images-idx3-ubyte.gz"]


def test_an_unreachable_mirror_is_reported(tmp_path, monkeypatch):
    (tmp_path / "empty-mirror").mkdir()
    with serve(tmp_path / "empty-mirror") as url:
        monkeypatch.setattr(FashionMNIST, "mirrors", [url])
        with pytest.raises(RuntimeError, match=rf"could not download train-images-idx3-ubyte.gz:\n  {url}\S+: HTTP Error 404"):
            FashionMNIST(tmp_path / "root", download=True)


# --- CIFAR-10 and CIFAR-100, from archives in the real format ---------------------------------------


CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def cifar_pixels(count, offset):
    """`count` rows of CIFAR's layout (3072 uint8: the red, green and blue 32x32 planes), each image
    filled so that pixel (y, x) of channel c is (offset + image + 7c + y + 2x) mod 256."""
    image, channel, y, x = np.ogrid[:count, :3, :32, :32]
    return ((offset + image + 7 * channel + y + 2 * x) % 256).astype(np.uint8).reshape(count, 3072)


def write_cifar_archive(folder, archive_name, base_folder, batches, meta_name, meta):
    """A .tar.gz holding `base_folder/` with each batch pickled (protocol 2, as the real files) and
    the meta file; return the archive's MD5 and the [name, md5] of every file in it."""
    staging = folder / "staging" / base_folder
    staging.mkdir(parents=True)
    listed = {}
    for name, content in list(batches.items()) + [(meta_name, meta)]:
        (staging / name).write_bytes(pickle.dumps(content, protocol=2))
        listed[name] = [name, md5_of(staging / name)]
    archive = folder / "mirror" / archive_name
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(staging, arcname=base_folder)
    return md5_of(archive), listed


@pytest.fixture
def cifar10_mirror(tmp_path, monkeypatch):
    """A mirror on 127.0.0.1 serving a CIFAR-10 archive of 5 x 4 training and 3 test images, with
    CIFAR10's checksums set to its files'; yields the mirror folder."""
    batches = {f"data_batch_{k}": {"batch_label": f"training batch {k} of 5", "labels": [(4 * k + i) % 10 for i in range(4)],
                                   "data": cifar_pixels(4, 4 * k), "filenames": [f"image_{k}_{i}.png" for i in range(4)]}
               for k in range(1, 6)}
    batches["test_batch"] = {"batch_label": "testing batch 1 of 1", "labels": [3, 8, 8],
                             "data": cifar_pixels(3, 100), "filenames": ["a.png", "b.png", "c.png"]}
    archive_md5, listed = write_cifar_archive(tmp_path, "cifar-10-python.tar.gz", "cifar-10-batches-py", batches, "batches.meta",
                                              {"label_names": CIFAR10_CLASSES, "num_cases_per_batch": 4})
    from minigrad.vision.datasets import CIFAR10

    monkeypatch.setattr(CIFAR10, "tgz_md5", archive_md5)
    monkeypatch.setattr(CIFAR10, "train_list", [listed[f"data_batch_{k}"] for k in range(1, 6)])
    monkeypatch.setattr(CIFAR10, "test_list", [listed["test_batch"]])
    monkeypatch.setattr(CIFAR10, "meta", {"filename": "batches.meta", "key": "label_names",
                                          "md5": listed["batches.meta"][1]})
    with serve(tmp_path / "mirror") as url:
        monkeypatch.setattr(CIFAR10, "mirrors", [url])
        yield tmp_path / "mirror"


def test_cifar10_downloads_checks_and_unpacks_the_archive(tmp_path, cifar10_mirror, capsys):
    from PIL import Image

    from minigrad.vision.datasets import CIFAR10

    train = CIFAR10(tmp_path / "data", train=True, download=True)
    folder = tmp_path / "data" / "cifar-10-batches-py"
    assert train.folder == folder and "100%" in capsys.readouterr().err
    assert sorted(path.name for path in (tmp_path / "data").iterdir()) == ["cifar-10-batches-py", "cifar-10-python.tar.gz"]
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        ["batches.meta", "test_batch"] + [f"data_batch_{k}" for k in range(1, 6)])

    assert len(train) == 20 and train.classes == CIFAR10_CLASSES and train.class_to_idx["truck"] == 9
    assert isinstance(train.data, np.ndarray) and train.data.dtype == np.uint8 and train.data.shape == (20, 32, 32, 3)
    assert train.targets == [(4 * k + i) % 10 for k in range(1, 6) for i in range(4)]
    image, label = train[5]  # the second image of data_batch_2: offset 8 + 1
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (32, 32) and label == 9
    y, x = np.ogrid[:32, :32]
    for channel in range(3):  # rows hold the red, then the green, then the blue plane
        np.testing.assert_array_equal(np.asarray(image)[:, :, channel], (9 + 7 * channel + y + 2 * x) % 256)

    test = CIFAR10(tmp_path / "data", train=False)  # found now, without download
    assert len(test) == 3 and test.targets == [3, 8, 8]
    tensor, _ = CIFAR10(tmp_path / "data", train=False, transform=transforms.ToTensor())[0]
    assert tensor.dtype == mg.float32 and tuple(tensor.shape) == (3, 32, 32)
    np.testing.assert_array_equal(tensor.numpy() * 255, np.moveaxis(test.data[0], -1, 0).astype(np.float32))


def test_cifar10_loader_batches_equal_the_samples_one_by_one(tmp_path, cifar10_mirror):
    from minigrad.utils.data import default_collate
    from minigrad.vision.datasets import CIFAR10

    normalise = transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616))
    train = CIFAR10(tmp_path, download=True, transform=transforms.Compose([transforms.ToTensor(), normalise]))
    images, labels = next(iter(DataLoader(train, batch_size=6, shuffle=True, generator=mg.Generator().manual_seed(1))))
    assert tuple(images.shape) == (6, 3, 32, 32) and images.dtype == mg.float32 and labels.dtype == mg.int64
    order = next(iter(mg.utils.data.RandomSampler(train, generator=mg.Generator().manual_seed(1))))
    one_by_one = default_collate([train[i] for i in range(20)])
    assert labels[0].item() == one_by_one[1][order].item()
    np.testing.assert_array_equal(images.numpy()[0], one_by_one[0].numpy()[order])


def test_cifar10_refuses_missing_corrupt_and_executable_files(tmp_path, cifar10_mirror):
    from minigrad.vision.datasets import CIFAR10

    with pytest.raises(FileNotFoundError, match=r"(?s)CIFAR10 files \(data_batch_1.*batches.meta\) not found.*"
                                                 r"cifar-10-batches-py.*download=True"):
        CIFAR10(tmp_path / "data")

    CIFAR10(tmp_path / "data", download=True)
    batch = tmp_path / "data" / "cifar-10-batches-py" / "data_batch_3"
    content = bytearray(batch.read_bytes())
    content[-40] ^= 0xFF
    batch.write_bytes(content)
    with pytest.raises(RuntimeError, match=r"data_batch_3 is corrupt or truncated \(MD5 \w+, expected \w+\)"):
        CIFAR10(tmp_path / "data")

    # A batch that would run code when unpickled (it would create a file) is refused, even with its MD5 listed.
    marker = tmp_path / "code-ran"
    payload = b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    batch.write_bytes(payload)
    monkeypatch_list = [[name, md5_of(batch) if name == "data_batch_3" else md5]
                        for name, md5 in CIFAR10.train_list]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CIFAR10, "train_list", monkeypatch_list)
        with pytest.raises(RuntimeError, match=r"data_batch_3: not a CIFAR batch \(os.system is not allowed"):
            CIFAR10(tmp_path / "data")
    assert not marker.exists()


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_damaged_cifar_archive_is_refused_and_nothing_is_left(tmp_path, cifar10_mirror, damage):
    from minigrad.vision.datasets import CIFAR10

    archive = cifar10_mirror / "cifar-10-python.tar.gz"
    content = bytearray(archive.read_bytes())
    if damage == "corrupt":
        content[len(content) // 2] ^= 0xFF
    else:
        del content[len(content) // 2 :]
    archive.write_bytes(content)
    with pytest.raises(RuntimeError, match=r"(?s)could not download cifar-10-python.tar.gz.*corrupt or truncated "
                                           r"download.*deleted"):
        CIFAR10(tmp_path / "data", download=True)
    assert list((tmp_path / "data").iterdir()) == []


def test_cifar100_reads_fine_labels_and_names(tmp_path, monkeypatch):
    from minigrad.vision.datasets import CIFAR100

    names = [f"class_{i}" for i in range(100)]
    batches = {"train": {"data": cifar_pixels(6, 0), "fine_labels": [0, 99, 5, 5, 42, 7], "coarse_labels": [0] * 6},
               "test": {"data": cifar_pixels(2, 50), "fine_labels": [1, 2], "coarse_labels": [0, 0]}}
    archive_md5, listed = write_cifar_archive(tmp_path, "cifar-100-python.tar.gz", "cifar-100-python", batches, "meta",
                                              {"fine_label_names": names, "coarse_label_names": ["all"]})
    monkeypatch.setattr(CIFAR100, "tgz_md5", archive_md5)
    monkeypatch.setattr(CIFAR100, "train_list", [listed["train"]])
    monkeypatch.setattr(CIFAR100, "test_list", [listed["test"]])
    monkeypatch.setattr(CIFAR100, "meta", {"filename": "meta", "key": "fine_label_names", "md5": listed["meta"][1]})
    with serve(tmp_path / "mirror") as url:
        monkeypatch.setattr(CIFAR100, "mirrors", [url])
        train = CIFAR100(tmp_path / "data", download=True)
    assert train.targets == [0, 99, 5, 5, 42, 7] and train.classes == names and train[1][1] == 99
    assert train.data.shape == (6, 32, 32, 3)
    assert CIFAR100(tmp_path / "data", train=False).targets == [1, 2]


# --- ImageFolder, over PNG files the tests write -----------------------------------------------------


def write_png(path, pixels):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(pixels, dtype=np.uint8)).save(path)
    return path


@pytest.fixture
def image_folder(tmp_path):
    """root/cat/{a,b}.png (RGB), root/dog/c.png (grey) and root/dog/deeper/d.png, plus a text file."""
    root = tmp_path / "images"
    rng = np.random.default_rng(0)
    pixels = {name: rng.integers(0, 256, (5, 7, 3)) for name in ("a", "b", "d")}
    write_png(root / "cat" / "b.png", pixels["b"])
    write_png(root / "cat" / "a.png", pixels["a"])
    write_png(root / "dog" / "c.png", np.full((5, 7), 200))
    write_png(root / "dog" / "deeper" / "d.png", pixels["d"])
    (root / "dog" / "notes.txt").write_text("not an image")
    return root, pixels


def test_image_folder_finds_classes_and_samples_in_torchvision_order(image_folder):
    from PIL import Image

    from minigrad.vision.datasets import ImageFolder

    root, pixels = image_folder
    dataset = ImageFolder(str(root))
    assert dataset.classes == ["cat", "dog"] and dataset.class_to_idx == {"cat": 0, "dog": 1}
    assert dataset.samples == [(str(root / "cat" / "a.png"), 0), (str(root / "cat" / "b.png"), 0),
                               (str(root / "dog" / "c.png"), 1), (str(root / "dog" / "deeper" / "d.png"), 1)]
    assert dataset.imgs == dataset.samples and dataset.targets == [0, 0, 1, 1] and len(dataset) == 4

    image, label = dataset[1]
    assert isinstance(image, Image.Image) and image.mode == "RGB" and image.size == (7, 5) and label == 0
    np.testing.assert_array_equal(np.asarray(image), pixels["b"])
    grey, _ = dataset[2]
    assert grey.mode == "RGB" and np.asarray(grey).tolist() == np.full((5, 7, 3), 200).tolist()

    loader = DataLoader(ImageFolder(root, transform=transforms.ToTensor()), batch_size=4)
    images, labels = next(iter(loader))
    assert tuple(images.shape) == (4, 3, 5, 7) and images.dtype == mg.float32 and labels.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(images.numpy()[3], np.moveaxis(pixels["d"], -1, 0) / 255, rtol=1e-6)
    assert 0 <= images.numpy().min() and images.numpy().max() <= 1


def test_image_folder_refuses_empty_folders_and_unreadable_images(tmp_path, image_folder):
    from minigrad.vision.datasets import ImageFolder

    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in .*empty"):
        ImageFolder(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        ImageFolder(tmp_path / "no-such-folder")

    root, _ = image_folder
    (root / "fish").mkdir()
    (root / "fish" / "readme.txt").write_text("no fish yet")
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes fish .*\.png"):
        ImageFolder(root)
    assert len(ImageFolder(root, allow_empty=True)) == 4

    (root / "fish" / "broken.png").write_bytes(b"not a png at all")
    whole = (root / "cat" / "a.png").read_bytes()
    (root / "fish" / "cut.png").write_bytes(whole[: len(whole) // 2])
    dataset = ImageFolder(root)
    with pytest.raises(OSError, match=r"cannot read the image .*fish/broken.png"):
        dataset[dataset.samples.index((str(root / "fish" / "broken.png"), 2))]
    with pytest.raises(OSError, match=r"cannot read the image .*fish/cut.png"):
        dataset[dataset.samples.index((str(root / "fish" / "cut.png"), 2))]


def test_images_need_pillow_and_say_which_extra_brings_it(monkeypatch, tmp_path, image_folder):
    from minigrad.vision.datasets import ImageFolder

    monkeypatch.setitem(sys.modules, "PIL", None)  # makes `import PIL` fail
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    root, _ = image_folder
    with pytest.raises(ImportError, match=r"needs Pillow.*'vision' extra: pip install 'minigrad\[vision\]'"):
        ImageFolder(root)[0]


def test_a_vision_dataset_of_ones_own_gets_torchvisions_transforms():
    from minigrad.vision.datasets import VisionDataset

    class Pairs(VisionDataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return self.transforms(np.full((2, 2, 1), index, dtype=np.uint8), index)

    both = Pairs("somewhere", transform=transforms.ToTensor(), target_transform=lambda y: y + 10)
    image, label = both[1]
    assert image.shape == (1, 2, 2) and label == 11 and both.root == "somewhere"
    assert Pairs(transforms=lambda x, y: (y, x))[0][0] == 0
    with pytest.raises(ValueError, match="Only transforms or transform/target_transform can be passed"):
        Pairs(transforms=lambda x, y: (x, y), transform=transforms.ToTensor())
    assert "Root location: somewhere" in repr(both) and "Transform: ToTensor()" in repr(both)
