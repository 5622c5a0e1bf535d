"""Transforms, as `torchvision.transforms`; `functional` holds the operations on one image."""
from . import functional
from .functional import InterpolationMode
from .transforms import (CenterCrop, ColorJitter, Compose, Grayscale, Lambda, Normalize, Pad, PILToTensor,
                         RandomCrop, RandomHorizontalFlip, RandomResizedCrop, RandomRotation, RandomVerticalFlip,
                         Resize, ToPILImage, ToTensor, batched)

__all__ = ["CenterCrop", "ColorJitter", "Compose", "Grayscale", "InterpolationMode", "Lambda", "Normalize", "Pad",
           "PILToTensor", "RandomCrop", "RandomHorizontalFlip", "RandomResizedCrop", "RandomRotation",
           "RandomVerticalFlip", "Resize", "ToPILImage", "ToTensor", "functional"]
