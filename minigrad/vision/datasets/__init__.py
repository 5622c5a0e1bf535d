"""Datasets, as `torchvision.datasets`: each yields `(PIL image, int label)` through its transforms."""
from .cifar import CIFAR10, CIFAR100
from .folder import DatasetFolder, ImageFolder
from .mnist import MNIST, FashionMNIST
from .vision import VisionDataset

__all__ = ["CIFAR10", "CIFAR100", "DatasetFolder", "FashionMNIST", "ImageFolder", "MNIST", "VisionDataset"]
