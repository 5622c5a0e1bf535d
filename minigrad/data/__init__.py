"""Datasets and batching: MNIST and Fashion-MNIST read from their IDX files, and a DataLoader."""

from .dataloader import DataLoader
from .datasets import MNIST, FashionMNIST
from .idx import read_idx

__all__ = ["MNIST", "FashionMNIST", "DataLoader", "read_idx"]
