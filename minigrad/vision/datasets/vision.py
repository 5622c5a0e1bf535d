"""The base of the vision datasets, and of those whose images are rows of one uint8 array."""
import numpy as np

from ...creation import from_numpy
from ...utils.data import Dataset
from ..pillow import pil_image
from ..transforms import batched


class VisionDataset(Dataset):
    """A dataset of images under `root`, with torchvision's `transform` (applied to each image) and
    `target_transform` (applied to each label), or `transforms` (applied to both: `transforms(image,
    label)`, for a subclass to call); `transforms` is built from the other two when they are given."""

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if transforms is not None and (transform is not None or target_transform is not None):
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.root = root
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = transforms if transforms is not None else (
            StandardTransform(transform, target_transform) if transform is not None or target_transform is not None
            else None)

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            lines.append(f"Root location: {self.root}")
        lines += self.extra_repr().splitlines()
        for name, transform in (("Transform", self.transform), ("Target transform", self.target_transform)):
            if transform is not None:
                lines.append(f"{name}: " + repr(transform).replace("\n", "\n" + " " * (len(name) + 2)))
        return f"Dataset {type(self).__name__}\n" + "\n".join("    " + line for line in lines)


class StandardTransform:
    """`transform` on the image and `target_transform` on the label, as one callable."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target


class ImageArrayDataset(VisionDataset):
    """A vision dataset held in memory: image i is `data[i]` (uint8, H x W grey or H x W x C colour),
    its label `targets[i]`. `ds[i]` is `(PIL image, int label)` through the transforms, as in torchvision.

    Its batch reader (see `minigrad.utils.data.dataset`) serves DataLoader
    whole batches when the transform works on whole arrays (`transforms.batched`)
    and there is no target transform: the images at the batch's indices go
    through the transform at once, as one uint8 array, with the same numbers as
    one image at a time.
    """

    def __getitem__(self, index):
        image = pil_image().fromarray(np.asarray(self.data)[index])
        target = int(self.targets[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(self.data)

    def _batch_reader(self):
        transform = batched(self.transform)
        if transform is None or self.target_transform is not None or \
                type(self).__getitem__ is not ImageArrayDataset.__getitem__:
            return None
        pixels = np.asarray(self.data)
        pixels = pixels[..., None] if pixels.ndim == 3 else pixels  # grey images get their channel axis
        labels = np.asarray(self.targets, dtype=np.int64)
        # take() rather than [indices]: the same rows, with less overhead per call.
        return lambda indices: (transform(pixels.take(indices, axis=0)), from_numpy(labels.take(indices)))

    @property
    def class_to_idx(self):
        return {name: i for i, name in enumerate(self.classes)}
