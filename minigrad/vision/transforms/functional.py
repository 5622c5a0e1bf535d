"""The image operations behind the transforms, as `torchvision.transforms.functional`.

An image is a PIL image or a tensor of shape (..., C, H, W) (a NumPy array
only where torchvision takes one: `to_tensor`, `to_pil_image`). PIL images are
worked on by Pillow, as torchvision does; tensors by NumPy, except resizing
and rotation, which run Pillow on each (H, W) plane in float32 ("F" mode).
None of these ops is recorded for autograd: they prepare data.
"""
import math
import numbers
from enum import Enum

import numpy as np

from ... import backend
from ...creation import from_numpy
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


def _pil_filter(interpolation):
    """Pillow's resampling filter for an InterpolationMode (or one of Pillow's own filter numbers)."""
    if isinstance(interpolation, int):
        return interpolation
    name = {"nearest-exact": "NEAREST"}.get(interpolation.value, interpolation.value.upper())
    return getattr(pil_image().Resampling, name)


def _check_image(img):
    if not (is_pil_image(img) or isinstance(img, Tensor)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")
    if isinstance(img, Tensor) and img.ndim < 2:
        raise TypeError(f"img should be a tensor of shape (..., H, W). Got shape {tuple(img.shape)}")


def get_dimensions(img):
    """[channels, height, width] of an image."""
    _check_image(img)
    if isinstance(img, Tensor):
        channels = img.shape[-3] if img.ndim > 2 else 1
        return [channels, img.shape[-2], img.shape[-1]]
    return [len(img.getbands()), img.height, img.width]


def get_image_size(img):
    """[width, height] of an image."""
    _, height, width = get_dimensions(img)
    return [width, height]


# -- conversions ------------------------------------------------------------------------------------


def to_tensor(pic):
    """A PIL image or an H x W (x C) array as a C x H x W tensor: uint8 pixels become float32 in
    [0, 1] (pixel / 255); other dtypes keep their values (a mode "1" image counts as 0 and 255)."""
    if is_pil_image(pic):
        array = np.array(pic)
        if pic.mode == "1":
            array = array.astype(np.uint8) * 255
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    return _hwc_to_tensor(array[:, :, None] if array.ndim == 2 else array)


def _hwc_to_tensor(pixels):
    """Pixels with channels last (..., H, W, C) as a tensor (..., C, H, W), uint8 scaled to float32 in [0, 1].

    One image or a batch: the very same operations, so a batch holds the same
    numbers as its images converted one by one.
    """
    channels_first = np.moveaxis(pixels, -1, -3)
    if pixels.dtype != np.uint8:
        return from_numpy(np.ascontiguousarray(channels_first))
    scaled = channels_first.astype(np.float32, order="C")
    scaled /= 255
    return from_numpy(scaled)


def pil_to_tensor(pic):
    """A PIL image as a C x H x W tensor of its own dtype (uint8 for most modes), not scaled."""
    if not is_pil_image(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    array = np.array(pic)
    return _channels_first(array[:, :, None] if array.ndim == 2 else array)


def _channels_first(pixels):
    """Pixels (..., H, W, C) as a tensor (..., C, H, W) of their own dtype: one image or a batch."""
    return from_numpy(np.ascontiguousarray(np.moveaxis(pixels, -1, -3)))


_MODES_BY_CHANNELS = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
_ONE_CHANNEL_MODES = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                      np.dtype(np.float32): "F"}


def to_pil_image(pic, mode=None):
    """A C x H x W tensor or an H x W x C array as a PIL image; floats are taken as [0, 1] and
    scaled to uint8 (value * 255, truncated, as torchvision does), except for mode "F"."""
    if isinstance(pic, Tensor):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic.detach().cpu().numpy()
        array = array[None] if array.ndim == 2 else array
        array = np.moveaxis(array, 0, -1)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        array = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    channels = array.shape[-1]
    if channels > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {channels} channels.")
    if np.issubdtype(array.dtype, np.floating) and mode != "F":
        array = (array * 255).astype(np.uint8)
    if channels == 1:
        array = array[:, :, 0]
        mode = mode or _ONE_CHANNEL_MODES.get(array.dtype)
    else:
        mode = mode or (_MODES_BY_CHANNELS[channels] if array.dtype == np.uint8 else None)
    if mode is None:
        raise TypeError(f"Input type {array.dtype} with {channels} channel(s) is not supported")
    if mode == "F":
        array = array.astype(np.float32)
    return _fromarray(np.ascontiguousarray(array), mode)


def _fromarray(array, mode, palette=None):
    """A PIL image of `mode` from an array of its pixels (palette indices for mode "P")."""
    if mode == "P":
        image = pil_image().frombytes("P", (array.shape[1], array.shape[0]), array.astype(np.uint8).tobytes())
        image.putpalette(palette)
        return image
    image = pil_image().fromarray(array)
    return image if image.mode == mode else image.convert(mode)


def normalize(tensor, mean, std, inplace=False):
    """(tensor - mean) / std channel by channel, over a float tensor (..., C, H, W)."""
    mean, std = _normalize_arrays(tensor, mean, std)
    mean, std = from_numpy(mean), from_numpy(std)
    if tensor.device != mean.device:
        mean, std = mean.to(tensor.device), std.to(tensor.device)
    if inplace:
        return tensor.sub_(mean).div_(std)
    return (tensor - mean) / std


def _normalize_batch(batch, mean, std):
    """`normalize` on a batch that is the loader's own fresh CPU array: the same two operations in
    place in NumPy (the same numbers, without an op recorded or an array allocated)."""
    mean, std = _normalize_arrays(batch, mean, std)
    array = batch.numpy()
    array -= mean
    array /= std
    return batch


def _normalize_arrays(tensor, mean, std):
    """Normalize's mean and std as arrays (C, 1, 1) of the tensor's dtype, after torchvision's checks."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tuple(tensor.shape)}")
    dtype = backend.numpy_dtype(tensor.dtype)
    mean = np.asarray(mean, dtype=dtype).reshape(-1)
    std = np.asarray(std, dtype=dtype).reshape(-1)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    channels = tensor.shape[-3]
    for name, values in (("mean", mean), ("std", std)):
        if len(values) not in (1, channels):
            raise ValueError(f"Normalize: {name} has {len(values)} values but the image has {channels} channels "
                             f"(shape {tuple(tensor.shape)})")
    return mean.reshape(-1, 1, 1), std.reshape(-1, 1, 1)


# -- geometry ---------------------------------------------------------------------------------------


def _planes(img):
    """The tensor's array as a stack of (H, W) planes, and a function that restores the leading shape."""
    array = img.detach().cpu().numpy()
    leading = array.shape[:-2]
    return array.reshape((-1,) + array.shape[-2:]), lambda planes: planes.reshape(leading + planes.shape[-2:])


def _per_plane(img, pil_operation):
    """Apply a Pillow operation to each (H, W) plane of a tensor, in float32; keep the tensor's dtype."""
    planes, restore = _planes(img)
    image_module = pil_image()
    results = np.stack([np.asarray(pil_operation(image_module.fromarray(plane.astype(np.float32))))
                        for plane in planes])
    if np.issubdtype(planes.dtype, np.integer):
        info = np.iinfo(planes.dtype)
        results = np.clip(np.round(results), info.min, info.max)
    return from_numpy(np.ascontiguousarray(restore(results.astype(planes.dtype))))


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
    _check_image(img)
    _, height, width = get_dimensions(img)
    new_height, new_width = _output_size(size, height, width, max_size)
    if (new_height, new_width) == (height, width):
        return img
    resample = _pil_filter(interpolation)
    if is_pil_image(img):
        return img.resize((new_width, new_height), resample)
    return _per_plane(img, lambda plane: plane.resize((new_width, new_height), resample))


def crop(img, top, left, height, width):
    """The height x width region whose top-left corner is (top, left); outside the image is zero."""
    _check_image(img)
    if is_pil_image(img):
        return img.crop((left, top, left + width, top + height))
    _, image_height, image_width = get_dimensions(img)
    pads = [max(-left, 0), max(-top, 0), max(left + width - image_width, 0), max(top + height - image_height, 0)]
    if any(pads):
        img = pad(img, pads)
        top, left = top + pads[1], left + pads[0]
    return img[..., top : top + height, left : left + width]


def _pair(size, name="size"):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if len(size) == 1:
        return int(size[0]), int(size[0])
    if len(size) != 2:
        raise ValueError(f"Please provide only two dimensions (h, w) for {name}, got {size}")
    return int(size[0]), int(size[1])


def center_crop(img, output_size):
    """The central crop of `output_size` ((h, w) or an int); an image smaller than that is padded with zeros."""
    crop_height, crop_width = _pair(output_size)
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
    _check_image(img)
    if is_pil_image(img):
        return img.transpose(pil_image().Transpose.FLIP_LEFT_RIGHT)
    return from_numpy(np.ascontiguousarray(img.detach().cpu().numpy()[..., ::-1]))


def vflip(img):
    """The image upside down."""
    _check_image(img)
    if is_pil_image(img):
        return img.transpose(pil_image().Transpose.FLIP_TOP_BOTTOM)
    return from_numpy(np.ascontiguousarray(img.detach().cpu().numpy()[..., ::-1, :]))


def _padding_ltrb(padding):
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
    _check_image(img)
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _padding_ltrb(padding)
    if is_pil_image(img):
        array = np.asarray(img)
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
        padded = _pad_array(array, widths, fill, padding_mode, channel_axis=-1 if array.ndim == 3 else None)
        return _fromarray(np.ascontiguousarray(padded), img.mode, img.getpalette() if img.mode == "P" else None)
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
    _check_image(img)
    resample = _pil_filter(interpolation)
    if is_pil_image(img):
        bands = len(img.getbands())
        if fill is None or isinstance(fill, numbers.Number):
            fill = fill or 0
            fill = fill if bands == 1 else tuple([fill] * bands)
        elif len(fill) not in (1, bands):
            raise ValueError(f"The number of elements in 'fill' does not match the number of bands of the image "
                             f"({len(fill)} != {bands})")
        elif bands == 1 or len(fill) == 1:
            fill = fill[0] if bands == 1 else tuple(fill) * bands
        if img.mode not in ("F",) and not isinstance(fill, tuple):
            fill = int(fill)
        return img.rotate(angle, resample, expand, center, fillcolor=fill if not isinstance(fill, tuple)
                          else tuple(int(value) for value in fill))
    if fill is not None and not isinstance(fill, numbers.Number):
        if len(set(fill)) != 1:
            raise ValueError("a tensor is rotated plane by plane: give one fill value for all channels")
        fill = fill[0]
    return _per_plane(img, lambda plane: plane.rotate(angle, resample, expand, center, fillcolor=float(fill or 0)))


# -- colour -----------------------------------------------------------------------------------------


def _float_bound(array):
    return 1.0 if np.issubdtype(array.dtype, np.floating) else 255.0


def _grey(array):
    """ITU-R 601-2 luma of (..., 3, H, W) pixels, keeping a channel axis of 1, in float."""
    red, green, blue = array[..., 0, :, :], array[..., 1, :, :], array[..., 2, :, :]
    return (0.2989 * red + 0.587 * green + 0.114 * blue)[..., None, :, :]


def _as_dtype(values, dtype):
    return values.astype(dtype) if np.issubdtype(dtype, np.floating) else np.trunc(values).astype(dtype)


def rgb_to_grayscale(img, num_output_channels=1):
    """The image in grey levels (ITU-R 601-2 luma), with 1 or 3 identical channels."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    _check_image(img)
    if is_pil_image(img):
        grey = img.convert("L")
        return grey if num_output_channels == 1 else pil_image().merge("RGB", [grey, grey, grey])
    array = img.detach().cpu().numpy()
    channels = get_dimensions(img)[0]
    if channels not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are 1 or 3, but found {channels}")
    grey = array if channels == 1 else _as_dtype(_grey(array), array.dtype)
    return from_numpy(np.ascontiguousarray(np.repeat(grey, num_output_channels, axis=-3)))


to_grayscale = rgb_to_grayscale


def _blend(array, other, ratio):
    bound = _float_bound(array)
    return _as_dtype(np.clip(ratio * array + (1.0 - ratio) * other, 0, bound), array.dtype)


def _enhance(img, enhancer_name, factor, tensor_operation):
    _check_image(img)
    if factor < 0:
        raise ValueError(f"{enhancer_name.lower()} factor ({factor}) is not non-negative.")
    if is_pil_image(img):
        from PIL import ImageEnhance  # Pillow is there: `img` is one of its images

        return getattr(ImageEnhance, enhancer_name)(img).enhance(factor)
    return from_numpy(np.ascontiguousarray(tensor_operation(img.detach().cpu().numpy())))


def adjust_brightness(img, brightness_factor):
    """The image blended with black: 0 black, 1 the original, 2 twice as bright."""
    return _enhance(img, "Brightness", brightness_factor, lambda a: _blend(a, 0.0, brightness_factor))


def adjust_contrast(img, contrast_factor):
    """The image blended with its mean grey level: 0 a uniform grey, 1 the original."""
    def blend_with_mean(array):
        grey = _grey(array) if array.shape[-3] == 3 else array.astype(np.float64)
        if not np.issubdtype(array.dtype, np.floating):
            grey = np.trunc(grey)
        return _blend(array, grey.mean(axis=(-3, -2, -1), keepdims=True), contrast_factor)

    return _enhance(img, "Contrast", contrast_factor, blend_with_mean)


def adjust_saturation(img, saturation_factor):
    """The image blended with its grey version: 0 grey, 1 the original, 2 twice as saturated."""
    def blend_with_grey(array):
        if array.shape[-3] == 1:
            return array
        grey = _grey(array)
        return _blend(array, grey if np.issubdtype(array.dtype, np.floating) else np.trunc(grey), saturation_factor)

    return _enhance(img, "Color", saturation_factor, blend_with_grey)


def adjust_hue(img, hue_factor):
    """The image with its hue turned by `hue_factor` of a full turn, in [-0.5, 0.5]."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check_image(img)
    if is_pil_image(img):
        if img.mode in ("L", "1", "I", "F"):
            return img
        hue, saturation, value = img.convert("HSV").split()
        turned = np.array(hue, dtype=np.uint8)
        turned += np.uint8(int(hue_factor * 255) % 256)  # wraps around, as a hue does
        hsv = pil_image().merge("HSV", (pil_image().fromarray(turned), saturation, value))
        return hsv.convert(img.mode)
    array = img.detach().cpu().numpy()
    if array.shape[-3] == 1:
        return img
    floats = array / 255.0 if not np.issubdtype(array.dtype, np.floating) else array
    hue, saturation, value = _rgb_to_hsv(floats)
    rgb = _hsv_to_rgb((hue + hue_factor) % 1.0, saturation, value)
    result = rgb * 255.0 if not np.issubdtype(array.dtype, np.floating) else rgb
    return from_numpy(np.ascontiguousarray(_as_dtype(result, array.dtype)))


def _rgb_to_hsv(rgb):
    red, green, blue = rgb[..., 0, :, :], rgb[..., 1, :, :], rgb[..., 2, :, :]
    high, low = rgb.max(axis=-3), rgb.min(axis=-3)
    spread = high - low
    safe = np.where(spread == 0, 1.0, spread)
    saturation = spread / np.where(high == 0, 1.0, high)
    hue = np.where(high == red, (green - blue) / safe,
                   np.where(high == green, 2.0 + (blue - red) / safe, 4.0 + (red - green) / safe))
    hue = np.where(spread == 0, 0.0, (hue / 6.0) % 1.0)
    return hue, saturation, high


def _hsv_to_rgb(hue, saturation, value):
    sector = np.floor(hue * 6.0)
    fraction = hue * 6.0 - sector
    sector = sector.astype(np.int64) % 6
    p, q, t = value * (1 - saturation), value * (1 - saturation * fraction), value * (1 - saturation * (1 - fraction))
    choices = [(value, t, p), (q, value, p), (p, value, t), (p, q, value), (t, p, value), (value, p, q)]
    channels = [np.choose(sector, [choice[c] for choice in choices]) for c in range(3)]
    return np.stack(channels, axis=-3)
