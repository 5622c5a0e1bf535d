"""What an image is to the transforms: a PIL image or a tensor (..., C, H, W); its size; how it is resampled."""
from enum import Enum

from ...tensor import Tensor
from ..pillow import is_pil_image, pil_image


class InterpolationMode(Enum):
    """How pixels are sampled when an image is resized or rotated, by Pillow's filter names."""

    NEAREST = "nearest"
    NEAREST_EXACT = "nearest-exact"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


def pil_filter(interpolation):
    """Pillow's resampling filter for an InterpolationMode (or one of Pillow's own filter numbers)."""
    if isinstance(interpolation, int):
        return interpolation
    name = {"nearest-exact": "NEAREST"}.get(interpolation.value, interpolation.value.upper())
    return getattr(pil_image().Resampling, name)


def check_image(img):
    if not (is_pil_image(img) or isinstance(img, Tensor)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    if isinstance(img, Tensor) and img.ndim < 2:
        raise TypeError(f"img should be a tensor of shape (..., H, W). Got shape {tuple(img.shape)}")


def get_dimensions(img):
    """[channels, height, width] of an image."""
    check_image(img)
    if isinstance(img, Tensor):
        channels = img.shape[-3] if img.ndim > 2 else 1
        return [channels, img.shape[-2], img.shape[-1]]
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img):
    """[width, height] of an image."""
    _, height, width = get_dimensions(img)
    return [width, height]
