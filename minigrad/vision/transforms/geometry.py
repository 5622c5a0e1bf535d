"""Geometry: resizing, cropping, flipping, padding and rotating, on PIL images (by Pillow) and on
tensors (by NumPy, except resizing and rotation, which run Pillow on each (H, W) plane in float32)."""
import numbers

import numpy as np

from ...creation import from_numpy
from ..pillow import is_pil_image, pil_image
from .conversion import fromarray_as
from .images import InterpolationMode, check_image, get_dimensions, pil_filter


def _per_plane(img, pil_operation):
    """Apply `pil_operation(plane, channel)` to each (H, W) plane of a tensor (..., C, H, W) as a
    float32 Pillow image; the result keeps the tensor's dtype (integers rounded and clipped)."""
    array = img.detach().cpu().numpy()
    channels = array.shape[-3] if array.ndim > 2 else 1
    planes = array.reshape((-1,) + array.shape[-2:])
    image_module = pil_image()
    results = np.stack([np.asarray(pil_operation(image_module.fromarray(plane.astype(np.float32)), k % channels))
                        for k, plane in enumerate(planes)])
    if np.issubdtype(array.dtype, np.integer):
        info = np.iinfo(array.dtype)
        results = np.clip(np.round(results), info.min, info.max)
    return from_numpy(np.ascontiguousarray(results.astype(array.dtype).reshape(array.shape[:-2] + results.shape[-2:])))


def _output_size(size, height, width, max_size):
    """(new height, new width) for Resize's `size`: an int (or [int]) sets the shorter side."""
    if isinstance(size, numbers.Number) or len(size) == 1:
        requested = int(size if isinstance(size, numbers.Number) else size[0])
        short, long = (width, height) if width <= height else (height, width)
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for "
                                 f"the smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        return (new_long, new_short) if width <= height else (new_short, new_long)
    if max_size is not None:
        raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                         "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    return int(size[0]), int(size[1])


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
    """The image resized to `size`: (h, w), or an int that the shorter side becomes (the longer one
    scaled to keep the aspect ratio). Pillow always antialiases, as in torchvision."""
    check_image(img)
    _, height, width = get_dimensions(img)
    new_height, new_width = _output_size(size, height, width, max_size)
    if (new_height, new_width) == (height, width):
        return img
    resample = pil_filter(interpolation)
    if is_pil_image(img):
        return img.resize((new_width, new_height), resample)
    return _per_plane(img, lambda plane, channel: plane.resize((new_width, new_height), resample))


def crop(img, top, left, height, width):
    """The height x width region whose top-left corner is (top, left); outside the image is zero."""
    check_image(img)
    if is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    _, image_height, image_width = get_dimensions(img)
    pads = [max(-left, 0), max(-top, 0), max(left + width - image_width, 0), max(top + height - image_height, 0)]
    if any(pads):
        img = pad(img, pads)
        top, left = top + pads[1], left + pads[0]
    return img[..., top : top + height, left : left + width]


def pair(size, name="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}, got {size}")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The central crop of `output_size` ((h, w) or an int); an image smaller than that is padded with zeros."""
    crop_height, crop_width = pair(output_size)
    _, height, width = get_dimensions(img)
    if crop_width > width or crop_height > height:
        img = pad(img, [(crop_width - width) // 2 if crop_width > width else 0,
                        (crop_height - height) // 2 if crop_height > height else 0,
                        (crop_width - width + 1) // 2 if crop_width > width else 0,
                        (crop_height - height + 1) // 2 if crop_height > height else 0])
        _, height, width = get_dimensions(img)
    return crop(img, int(round((height - crop_height) / 2.0)), int(round((width - crop_width) / 2.0)),
                crop_height, crop_width)


def resized_crop(img, top, left, height, width, size, interpolation=InterpolationMode.BILINEAR, antialias=True):
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    """The image mirrored left to right."""
    check_image(img)
    if is_pil_image(img):
        return img.transpose(pil_image().Transpose.FLIP_LEFT_RIGHT)
    return from_numpy(np.ascontiguousarray(img.detach().cpu().numpy()[..., ::-1]))


def vflip(img):
    """The image upside down."""
    check_image(img)
    if is_pil_image(img):
        return img.transpose(pil_image().Transpose.FLIP_TOP_BOTTOM)
    return from_numpy(np.ascontiguousarray(img.detach().cpu().numpy()[..., ::-1, :]))


def padding_ltrb(padding):
    """[left, top, right, bottom] from Pad's padding: one int, (left/right, top/bottom) or four values."""
    if isinstance(padding, numbers.Number):
        padding = [padding]
    if not isinstance(padding, (list, tuple)) or len(padding) not in (1, 2, 4):
        raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not {padding!r}")
    if len(padding) == 1:
        padding = list(padding) * 4
    elif len(padding) == 2:
        padding = [padding[0], padding[1], padding[0], padding[1]]
    if any(int(value) < 0 for value in padding):
        raise ValueError(f"Padding must be non-negative, got {padding}")
    return [int(value) for value in padding]


def pad(img, padding, fill=0, padding_mode="constant"):
    """The image with borders: `fill` in constant mode, else the edge pixels repeated ("edge"), or the
    image mirrored without ("reflect") or with ("symmetric") its edge pixels."""
    check_image(img)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = padding_ltrb(padding)
    if is_pil_image(img):
        array = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
        padded = _pad_array(array, widths, fill, padding_mode, channel_axis=-1 if array.ndim == 3 else None)
        return fromarray_as(np.ascontiguousarray(padded), img.mode, img.getpalette() if img.mode == "P" else None)
    array = img.detach().cpu().numpy()
    widths = [(0, 0)] * (array.ndim - 2) + [(top, bottom), (left, right)]
    return from_numpy(_pad_array(array, widths, fill, padding_mode, channel_axis=None))


def _pad_array(array, widths, fill, mode, channel_axis):
    if mode != "constant":
        return np.pad(array, widths, mode=mode)
    if isinstance(fill, (tuple, list)) and channel_axis is not None:
        padded = np.empty([size + before + after for size, (before, after) in zip(array.shape, widths)], array.dtype)
        padded[...] = np.asarray(fill, dtype=array.dtype)
        padded[tuple(slice(before, before + size) for size, (before, _) in zip(array.shape, widths))] = array
        return padded
    return np.pad(array, widths, mode="constant", constant_values=fill[0] if isinstance(fill, (tuple, list)) else fill)


def rotate(img, angle, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=None):
    """The image rotated `angle` degrees counter-clockwise about `center` (default the image's centre);
    with `expand` the output grows to hold the whole rotated image; uncovered pixels get `fill`."""
    check_image(img)
    resample = pil_filter(interpolation)
    if is_pil_image(img):
        fills = _fill_per_channel(fill, len(img.getbands()))
        cast = float if img.mode == "F" else int
        fillcolor = cast(fills[0]) if len(fills) == 1 else tuple(cast(value) for value in fills)
        return img.rotate(angle, resample, expand, center, fillcolor=fillcolor)
    fills = _fill_per_channel(fill, get_dimensions(img)[0])
    return _per_plane(img, lambda plane, channel: plane.rotate(angle, resample, expand, center,
                                                               fillcolor=float(fills[channel])))


def _fill_per_channel(fill, channels):
    """`fill` (None, one number, or one per channel) as one value per channel."""
    values = [0] if fill is None else [fill] if isinstance(fill, numbers.Number) else list(fill)
    if len(values) not in (1, channels):
        raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                         f"({len(values)} != {channels})")
    return values * channels if len(values) == 1 else values
