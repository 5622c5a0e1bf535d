"""The image operations behind the transforms, as `torchvision.transforms.functional`.

An image is a PIL image or a tensor of shape (..., C, H, W) (a NumPy array
only where torchvision takes one: `to_tensor`, `to_pil_image`). PIL images are
worked on by Pillow, as torchvision does; tensors by NumPy, except resizing
and rotation, which run Pillow on each (H, W) plane in float32 ("F" mode).
None of these ops is recorded for autograd: they prepare data.
"""
from .color import (adjust_brightness, adjust_contrast, adjust_hue, adjust_saturation, rgb_to_grayscale,
                    to_grayscale)
from .conversion import normalize, pil_to_tensor, to_pil_image, to_tensor
from .geometry import center_crop, crop, hflip, pad, resize, resized_crop, rotate, vflip
from .images import InterpolationMode, get_dimensions, get_image_size

__all__ = ["InterpolationMode", "adjust_brightness", "adjust_contrast", "adjust_hue", "adjust_saturation",
           "center_crop", "crop", "get_dimensions", "get_image_size", "hflip", "normalize", "pad", "pil_to_tensor",
           "resize", "resized_crop", "rgb_to_grayscale", "rotate", "to_grayscale", "to_pil_image", "to_tensor", "vflip"]
