"""MNIST and Fashion-MNIST as torchvision offers them: found on disk, or downloaded and checked.

Where the files are looked for, in order:
1. the `root` folder passed to the dataset;
2. the folder named by the MINIGRAD_DATA environment variable;
3. the user cache folder, $XDG_CACHE_HOME/minigrad or ~/.cache/minigrad.
In each folder both layouts are accepted: `<folder>/mnist/<file>` (or
`fashion-mnist`) and the four files directly in `<folder>`. When they are
nowhere and `download=True`, they are downloaded into `<root or cache>/<name>/`.
"""

import contextlib
import hashlib
import http.client
import operator
import os
import sys
import urllib.request
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .idx import read_idx


class MNIST:
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey pixels.

    `ds[i]` is `(image, label)`: image a float32 Tensor of shape (1, 28, 28),
    label a Python int. The image is pixels/255, then standardised with the
    training set's mean and std, as the tutorials' `Normalize((0.1307,), (0.3081,))`
    does; `normalize=False` keeps pixels/255.

    `data` holds the raw pixels (uint8, N x 28 x 28), `targets` the labels
    (int64, N) and `classes` the label names, as in torchvision.

    Arguments:
        root: the first folder to look in (the search order is in this module's
            docstring); downloads go to `<root>/mnist/`, or to the cache without it.
        train: the training split, or the test split when False.
        download: fetch the files from `mirrors` when they are found nowhere.
        normalize: standardise the images, or keep pixels/255 when False.
    """

    name = "mnist"
    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ]
    md5 = {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]
    mean = 0.1307
    std = 0.3081

    def __init__(self, root=None, train=True, download=True, normalize=True):
        self.train = train
        self.normalize = normalize
        split = "train" if train else "t10k"
        self.split_files = (f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz")

        searched = self._search_folders(root)
        self.folder = next((folder for folder in searched if self._holds_split(folder)), None)
        if self.folder is None:
            download_folder = (Path(root).expanduser() if root is not None else _cache_folder()) / self.name
            if not download:
                raise FileNotFoundError(self._not_found_message(searched, download_folder))
            self._download(download_folder)
            self.folder = download_folder

        images_path, labels_path = (self.folder / file for file in self.split_files)
        self.data = read_idx(images_path, ndim=3)
        self.targets = read_idx(labels_path, ndim=1).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise ValueError(
                f"{images_path} holds {len(self.data)} images but {labels_path} holds "
                f"{len(self.targets)} labels: the two files come from different sets"
            )

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        index = operator.index(index)
        image = self._to_float(self.data[index][None])
        return Tensor(image), int(self.targets[index])

    def arrays(self):
        """Return the whole split as NumPy arrays: images float32 (N, 1, 28, 28),
        scaled exactly as `ds[i]` scales one image, and labels int64 (N,).

        DataLoader converts the dataset once with this, then slices batches out
        of it, instead of building every sample one at a time.
        """
        return self._to_float(self.data[:, None]), self.targets

    def __repr__(self):
        scaling = f"(pixels/255 - {self.mean}) / {self.std}" if self.normalize else "pixels/255"
        return (
            f"Dataset {type(self).__name__}\n"
            f"    Number of datapoints: {len(self)}\n"
            f"    Split: {'train' if self.train else 'test'}\n"
            f"    Location: {self.folder}\n"
            f"    Images: {scaling}"
        )

    def _to_float(self, pixels):
        """Scale uint8 pixels to float32 in [0, 1], then standardise them when `normalize`."""
        images = pixels.astype(np.float32)
        images /= 255
        if self.normalize:
            images -= self.mean
            images /= self.std
        return images

    def _search_folders(self, root):
        """The folders that may hold the files, in the order they are searched."""
        bases = [Path(root).expanduser()] if root is not None else []
        if os.environ.get("MINIGRAD_DATA"):
            bases.append(Path(os.environ["MINIGRAD_DATA"]).expanduser())
        bases.append(_cache_folder())
        return [folder for base in bases for folder in (base / self.name, base)]

    def _holds_split(self, folder):
        return all((folder / file).is_file() for file in self.split_files)

    def _not_found_message(self, searched, download_folder):
        split = "training" if self.train else "test"
        return (
            f"{type(self).__name__} {split} files ({', '.join(self.split_files)}) not found. "
            "Searched, in order:\n"
            + "".join(f"  {folder}\n" for folder in searched)
            + "To fix it, do one of:\n"
            f"  - pass root= a folder holding the files (directly or in a '{self.name}' subfolder);\n"
            "  - set the MINIGRAD_DATA environment variable to such a folder;\n"
            f"  - pass download=True to download them into {download_folder}."
        )

    def _download(self, folder):
        """Download the dataset's missing files into `folder`, each checked against its MD5."""
        folder.mkdir(parents=True, exist_ok=True)
        for file, md5 in self.md5.items():
            if not (folder / file).is_file():
                _download_verified(file, self.mirrors, folder, md5)


class FashionMNIST(MNIST):
    """Fashion-MNIST: Zalando's 28x28 grey images of clothes in 10 classes, a
    drop-in replacement for MNIST (60,000 training and 10,000 test images, same files).

    Everything works as in MNIST; the images are standardised with Fashion-MNIST's
    own training mean and std (0.2860, 0.3530).
    """

    name = "fashion-mnist"
    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    md5 = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    mean = 0.2860
    std = 0.3530


def _cache_folder():
    """The user cache folder for datasets: $XDG_CACHE_HOME/minigrad, or ~/.cache/minigrad."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "minigrad"


def _download_verified(file, mirrors, folder, expected_md5):
    """Download `file` into `folder` from the first of `mirrors` that serves it intact.

    The bytes go to `<file>.part` and are renamed only once their MD5 matches, so
    a broken download never looks like data. Raises RuntimeError listing what went
    wrong with every mirror when none succeeds.
    """
    path = folder / file
    partial = folder / (file + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + file
        print(f"Downloading {url} to {path}", file=sys.stderr)
        try:
            md5, size = _fetch(url, partial)
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"  {url}: {error}")
            continue
        if md5 == expected_md5:
            partial.replace(path)
            return
        failures.append(
            f"  {url}: corrupt or truncated download ({size} bytes with MD5 {md5}, "
            f"expected MD5 {expected_md5}); it was deleted"
        )
    partial.unlink(missing_ok=True)
    raise RuntimeError(
        f"could not download {file}:\n" + "\n".join(failures) + "\n"
        f"Check your connection and try again, or put the official file in {folder} yourself."
    )


def _fetch(url, path):
    """Stream `url` into `path` under a progress bar; return the MD5 (hex) and size of what arrived."""
    request = urllib.request.Request(url, headers={"User-Agent": "minigrad"})
    md5 = hashlib.md5()
    size = 0
    with urllib.request.urlopen(request, timeout=60) as response, open(path, "wb") as out:
        total = int(response.headers.get("Content-Length") or 0)
        with _progress_bar(total, path.name.removesuffix(".part")) as advance:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                md5.update(chunk)
                size += len(chunk)
                advance(len(chunk))
    return md5.hexdigest(), size


@contextlib.contextmanager
def _progress_bar(total, description):
    """Yield a function that reports `n` more bytes received.

    The bar is tqdm's when tqdm is installed; otherwise a percentage line on
    stderr, since minigrad's only dependency is NumPy. `total` 0 means unknown.
    """
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        with tqdm(total=total or None, desc=description, unit="B", unit_scale=True, unit_divisor=1024) as bar:
            yield bar.update
        return

    received = 0

    def advance(n):
        nonlocal received
        received += n
        amount = f"{100 * received // total}%" if total else f"{received} bytes"
        print(f"\r{description}: {amount}", end="", file=sys.stderr, flush=True)

    try:
        yield advance
    finally:
        print(file=sys.stderr)
