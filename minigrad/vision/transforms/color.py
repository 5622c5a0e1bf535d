"""Colour: grey levels, brightness, contrast, saturation and hue, on PIL images (by Pillow's
ImageEnhance and HSV conversion, as torchvision) and on tensors (by NumPy, with torchvision's formulas)."""
import numpy as np

from ...creation import from_numpy
from ..pillow import is_pil_image, pil_image
from .images import check_image, get_dimensions


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
    check_image(img)
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
    check_image(img)
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
    check_image(img)
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
