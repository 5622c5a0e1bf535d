"""Transforms, as `torchvision.transforms`.

Reading order: `transforms` (the classes, and `batched`, which runs the common
pipelines on whole batches), then the operations they call, gathered in
`functional` as torchvision gathers them: `images` (what an image is),
`conversion` (PIL, NumPy, tensors; Normalize), `geometry`, `color`.
"""
from . import functional
from .images import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, Grayscale, Lambda, Normalize, Pad, PILToTensor,
                         RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip,
                         Resize, ToPILImage, ToTensor, batched)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize", "Pad",
           "PILToTensor", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation",
           "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor", "functional"]
