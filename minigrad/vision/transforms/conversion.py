"""Conversions between PIL images, NumPy arrays and tensors, and Normalize's operation."""
import numpy as np

from ... import backend
from ...creation import from_numpy
from ...tensor import Tensor
from ..pillow import is_pil_image, pil_image


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
    return hwc_to_tensor(array[:, :, None] if array.ndim == 2 else array)


def hwc_to_tensor(pixels):
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
    return channels_first(array[:, :, None] if array.ndim == 2 else array)


def channels_first(pixels):
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
    return fromarray_as(np.ascontiguousarray(array), mode)


def fromarray_as(array, mode, palette=None):
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


def normalize_batch(batch, mean, std):
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
