"""CIFAR-10 and CIFAR-100, as torchvision offers them, read from the "python version" archives:
pickled batches, each a dict whose `data` is an N x 3072 uint8 array (each row the red, then the
green, then the blue 32x32 plane) and whose `labels` (`fine_labels` in CIFAR-100) list the classes.

The batches are unpickled by an unpickler that builds NumPy arrays, lists,
dicts and strings and refuses anything else, so a file can never run code.
"""
import codecs
import pickle
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import numpy as np

from . import files
from .vision import ImageArrayDataset


class CIFAR10(ImageArrayDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images, 32x32, in 10 classes.

    `ds[i]` is `(image, label)`: a PIL image (mode "RGB") and an int, through
    `transform` and `target_transform`, as in torchvision. `data` holds the
    pixels (a NumPy uint8 array, N x 32 x 32 x 3), `targets` the labels (a
    list of ints), `classes` the names from the archive's meta file.

    Arguments:
        root: the first folder to look in for `cifar-10-batches-py/` (then
            MINIGRAD_DATA, then the cache; see `files.py`); the archive is
            downloaded into it, or into the cache without one, and unpacked there.
        train: the five training batches, or the test batch when False.
        transform, target_transform: applied to each image and each label.
        download: fetch the archive from `mirrors` when the files are found nowhere.
    Every file's MD5 is checked on loading, as torchvision does.
    """

    base_folder = "cifar-10-batches-py"
    mirrors = ["https://www.cs.toronto.edu/~kriz/"]
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        needed = (self.train_list if train else self.test_list) + [[self.meta["filename"], self.meta["md5"]]]

        searched = [base / self.base_folder for base in files.search_bases(root)]
        self.folder = next((folder for folder in searched
                            if all((folder / name).is_file() for name, _ in needed)), None)
        if self.folder is None:
            if not download:
                raise FileNotFoundError(files.not_found_message(
                    f"{type(self).__name__} files ({', '.join(name for name, _ in needed)})", searched,
                    files.download_base(root), f"in a '{self.base_folder}' folder"))
            self.folder = self._download(files.download_base(root))

        for name, md5 in needed:
            found = files.md5_of(self.folder / name)
            if found != md5:
                raise RuntimeError(f"{self.folder / name} is corrupt or truncated (MD5 {found}, expected {md5}): "
                                   "delete it and download the dataset again (download=True)")
        batches = [_unpickle(self.folder / name) for name, _ in needed[:-1]]
        pixels = np.concatenate([batch["data"] for batch in batches]).reshape(-1, 3, 32, 32)
        self.data = np.ascontiguousarray(pixels.transpose(0, 2, 3, 1))
        self.targets = [int(label) for batch in batches
                        for label in batch["labels" if "labels" in batch else "fine_labels"]]
        self.classes = list(_unpickle(self.folder / self.meta["filename"])[self.meta["key"]])

    def _download(self, base):
        """Download the archive into `base` (unless an intact one is there) and unpack it; return the folder.

        The archive is unpacked into a temporary folder beside it, and each
        file then moved into place whole.
        """
        archive = base / self.filename
        if not (archive.is_file() and files.md5_of(archive) == self.tgz_md5):
            files.download_verified(self.filename, self.mirrors, base, self.tgz_md5)
        staging = Path(tempfile.mkdtemp(prefix=f".{self.base_folder}-", dir=base))
        try:
            try:
                with tarfile.open(archive, "r:gz") as tar:
                    members = tar.getmembers()
                    for member in members:
                        path = PurePosixPath(member.name)
                        if path.is_absolute() or ".." in path.parts or not (member.isfile() or member.isdir()):
                            raise RuntimeError(f"{archive}: refusing the archive member {member.name!r}")
                    tar.extractall(staging, members)
            except (tarfile.TarError, EOFError, OSError) as error:
                raise RuntimeError(f"{archive}: cannot unpack it ({error}); delete it and download it again") from error
            unpacked = staging / self.base_folder
            if not unpacked.is_dir():
                raise RuntimeError(f"{archive} does not hold the folder {self.base_folder}/")
            folder = base / self.base_folder
            folder.mkdir(exist_ok=True)
            for path in unpacked.iterdir():
                path.replace(folder / path.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return folder

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}\nFolder: {self.folder}"


class CIFAR100(CIFAR10):
    """CIFAR-100: as CIFAR-10, with 100 classes (`targets` are the fine labels)."""

    base_folder = "cifar-100-python"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}


# NumPy's own array rebuilder, taken from an array so that the module it lives in does not matter
# (numpy.core in the files, written by NumPy 1; numpy._core since NumPy 2).
_RECONSTRUCT_ARRAY = np.empty(0).__reduce__()[0]


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Builds what a CIFAR batch holds (dicts, lists, strings, bytes, NumPy arrays) and nothing else."""

    allowed = {
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT_ARRAY,
        ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT_ARRAY,
        # How protocol 2 spells bytes when Python 3 writes it: latin-1 text encoded back to bytes.
        ("_codecs", "encode"): codecs.encode,
    }

    def find_class(self, module, name):
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a CIFAR batch")
        return self.allowed[module, name]


def _unpickle(path):
    with open(path, "rb") as file:
        try:
            return _ArraysOnlyUnpickler(file, encoding="latin1").load()
        except (pickle.UnpicklingError, EOFError) as error:
            raise RuntimeError(f"{path}: not a CIFAR batch ({error})") from error
