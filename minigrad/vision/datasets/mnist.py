"""MNIST and Fashion-MNIST, as torchvision offers them, read from their IDX files (`idx.py`)."""
import numpy as np

from ...creation import from_numpy
from . import files
from .idx import read_idx
from .vision import ImageArrayDataset


class MNIST(ImageArrayDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grey pixels.

    `ds[i]` is `(image, label)`: a PIL image (mode "L") and an int, through
    `transform` and `target_transform`, as in torchvision; the course's
    `transform=Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])` makes the
    image a float32 tensor of shape (1, 28, 28). `data` holds the pixels (a
    uint8 tensor, N x 28 x 28), `targets` the labels (an int64 tensor),
    `classes` the label names.

    Arguments:
        root: the first folder to look in (see `files.py` for the order); the
            four gzipped IDX files may be in `<root>/MNIST/raw/` (torchvision's
            layout), `<root>/mnist/` (minigrad's) or `<root>` itself, gzipped or
            not. Downloads go to `<root>/mnist/`, or to the cache without a root.
        train: the training split, or the test split when False.
        transform, target_transform: applied to each image and each label.
        download: fetch the files from `mirrors` when they are found nowhere.
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

    def __init__(self, root=None, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        split = "train" if train else "t10k"
        self.split_files = (f"{split}-images-idx3-ubyte.gz", f"{split}-labels-idx1-ubyte.gz")

        searched = [folder for base in files.search_bases(root)
                    for folder in (base / type(self).__name__ / "raw", base / self.name, base)]
        found = next((paths for paths in map(self._split_paths, searched) if paths is not None), None)
        if found is None:
            download_folder = files.download_base(root) / self.name
            if not download:
                raise FileNotFoundError(files.not_found_message(
                    f"{type(self).__name__} {'training' if train else 'test'} files ({', '.join(self.split_files)})",
                    searched, download_folder,
                    f"in '{type(self).__name__}/raw', in '{self.name}', or directly"))
            for file, md5 in self.md5.items():
                if not (download_folder / file).is_file():
                    files.download_verified(file, self.mirrors, download_folder, md5)
            found = self._split_paths(download_folder)

        images_path, labels_path = found
        self.folder = images_path.parent
        images = read_idx(images_path, ndim=3)
        labels = read_idx(labels_path, ndim=1).astype(np.int64)
        if len(images) != len(labels):
            raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds "
                             f"{len(labels)} labels: the two files come from different sets")
        self.data = from_numpy(images)
        self.targets = from_numpy(labels)

    def _split_paths(self, folder):
        """The split's images and labels files in `folder` (each gzipped or not), or None."""
        paths = []
        for file in self.split_files:
            path = next((path for path in (folder / file, folder / file.removesuffix(".gz")) if path.is_file()), None)
            if path is None:
                return None
            paths.append(path)
        return paths

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}\nFolder: {self.folder}"


class FashionMNIST(MNIST):
    """Fashion-MNIST: Zalando's 28x28 grey images of clothes in 10 classes, a drop-in replacement
    for MNIST (60,000 training and 10,000 test images, the same file names and format).

    Everything works as in MNIST; the folders are `<root>/FashionMNIST/raw/`,
    `<root>/fashion-mnist/` or `<root>` itself.
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
