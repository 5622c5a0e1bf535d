"""Vision, as `torchvision`: `datasets` (MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolder),
`transforms` and `utils` (make_grid, save_image).

Images are Pillow's, as in torchvision. Pillow comes with the `vision` extra
(`pip install 'minigrad[vision]'`) and is imported only when an image is made,
read or written: importing minigrad, or this package, never imports it.
"""
from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
