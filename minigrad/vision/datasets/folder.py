"""ImageFolder and DatasetFolder, as torchvision's: one subfolder per class, the files in it its samples.

    root/cat/001.png        classes are the subfolders' names, sorted;
    root/cat/nested/002.png class_to_idx numbers them 0, 1, ... in that order;
    root/dog/003.jpg        samples are (path, class index), by class, then by path.
"""
import os

from ..pillow import pil_image
from .vision import VisionDataset

IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def has_file_allowed_extension(filename, extensions):
    return filename.lower().endswith(extensions if isinstance(extensions, str) else tuple(extensions))


def is_image_file(filename):
    return has_file_allowed_extension(filename, IMG_EXTENSIONS)


def find_classes(directory):
    """The class names (the subfolders of `directory`, sorted) and their indices."""
    classes = sorted(entry.name for entry in os.scandir(directory) if entry.is_dir())
    if not classes:
        raise FileNotFoundError(f"Couldn't find any class folder in {directory}.")
    return classes, {name: i for i, name in enumerate(classes)}


def make_dataset(directory, class_to_idx=None, extensions=None, is_valid_file=None, allow_empty=False):
    """The (path, class index) pairs under `directory`: by class, then by path, files found by
    walking each class folder (links followed) and kept by extension or by `is_valid_file`."""
    directory = os.path.expanduser(directory)
    if class_to_idx is None:
        _, class_to_idx = find_classes(directory)
    if (extensions is None) == (is_valid_file is None):
        raise ValueError("Both extensions and is_valid_file cannot be None or not None at the same time")
    if extensions is not None:
        def is_valid_file(path):
            return has_file_allowed_extension(path, extensions)

    samples, empty_classes = [], []
    for name in sorted(class_to_idx):
        class_folder = os.path.join(directory, name)
        found = [os.path.join(folder, file)
                 for folder, _, files in sorted(os.walk(class_folder, followlinks=True))
                 for file in sorted(files) if is_valid_file(os.path.join(folder, file))]
        samples += [(path, class_to_idx[name]) for path in found]
        if not found:
            empty_classes.append(name)
    if empty_classes and not allow_empty:
        message = f"Found no valid file for the classes {', '.join(empty_classes)} in {directory}. "
        if extensions is not None:
            message += f"Supported extensions are: {', '.join(extensions) if not isinstance(extensions, str) else extensions}"
        raise FileNotFoundError(message)
    return samples


def pil_loader(path):
    """The image at `path` as an RGB PIL image, read whole; OSError naming the file when it cannot be."""
    image_module = pil_image()
    try:
        with open(path, "rb") as file:
            return image_module.open(file).convert("RGB")
    except OSError as error:
        raise OSError(f"cannot read the image {path}: {error}") from error


default_loader = pil_loader


class DatasetFolder(VisionDataset):
    """Samples in class subfolders, read with `loader`: `ds[i]` is `(loader(path), class index)`.

    Attributes as torchvision's: `classes`, `class_to_idx`, `samples` (the
    (path, class index) pairs), `targets` (the class indices), `extensions`.
    """

    def __init__(self, root, loader, extensions=None, transform=None, target_transform=None, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.classes, self.class_to_idx = self.find_classes(os.path.expanduser(root))
        self.samples = self.make_dataset(os.path.expanduser(root), self.class_to_idx, extensions, is_valid_file,
                                         allow_empty)
        self.loader = loader
        self.extensions = extensions
        self.targets = [target for _, target in self.samples]

    @staticmethod
    def make_dataset(directory, class_to_idx, extensions=None, is_valid_file=None, allow_empty=False):
        return make_dataset(directory, class_to_idx, extensions, is_valid_file, allow_empty)

    def find_classes(self, directory):
        return find_classes(directory)

    def __getitem__(self, index):
        path, target = self.samples[index]
        sample = self.loader(path)
        if self.transform is not None:
            sample = self.transform(sample)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return sample, target

    def __len__(self):
        return len(self.samples)


class ImageFolder(DatasetFolder):
    """Images in class subfolders (the extensions in IMG_EXTENSIONS, or those `is_valid_file` keeps):
    `ds[i]` is `(RGB PIL image, class index)`; `imgs` is `samples`, as in torchvision."""

    def __init__(self, root, transform=None, target_transform=None, loader=default_loader, is_valid_file=None,
                 allow_empty=False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
