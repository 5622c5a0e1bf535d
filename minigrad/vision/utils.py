"""Looking at batches, as `torchvision.utils`: `make_grid` tiles images, `save_image` writes the tiles."""
import math

import numpy as np

from ..creation import from_numpy
from ..tensor import Tensor
from .pillow import pil_image


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """The images of a batch (B, C, H, W) (or a list of (C, H, W) images) tiled in rows of `nrow`,
    `padding` pixels of `pad_value` around each; one-channel images become three identical channels.

    `normalize` shifts and scales the values to [0, 1], from `value_range`
    (min, max) or from the batch's own min and max (each image's own with
    `scale_each`). A batch of one image returns that image (C, H, W), as torchvision does.
    """
    if isinstance(tensor, (list, tuple)):
        if not all(isinstance(image, Tensor) for image in tensor):
            raise TypeError(f"tensor or list of tensors expected, got a list holding "
                            f"{sorted({type(image).__name__ for image in tensor})}")
        array = np.stack([image.detach().cpu().numpy() for image in tensor])
    elif isinstance(tensor, Tensor):
        array = tensor.detach().cpu().numpy()
    else:
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if array.ndim == 2:
        array = array[None]
    if array.ndim == 3:
        array = np.concatenate([array] * 3) if array.shape[0] == 1 else array
        array = array[None]
    if array.ndim != 4:
        raise ValueError(f"make_grid expects images of shape (B, C, H, W), (C, H, W) or (H, W), got {array.shape}")
    if array.shape[1] == 1:
        array = np.concatenate([array] * 3, axis=1)
    array = array.copy()

    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for images in (array[i : i + 1] for i in range(len(array))) if scale_each else [array]:
            low, high = value_range if value_range is not None else (float(images.min()), float(images.max()))
            np.clip(images, low, high, out=images)
            images -= low
            images /= max(high - low, 1e-5)

    if array.shape[0] == 1:
        return from_numpy(array[0])
    count, channels, height, width = array.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_height, cell_width = height + padding, width + padding
    grid = np.full((channels, cell_height * rows + padding, cell_width * columns + padding), pad_value,
                   dtype=array.dtype)
    for k in range(count):
        top, left = (k // columns) * cell_height + padding, (k % columns) * cell_width + padding
        grid[:, top : top + height, left : left + width] = array[k]
    return from_numpy(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Write `make_grid(tensor, **kwargs)` as an image file (PNG, JPEG, ... from the name or `format`):
    values in [0, 1] become pixels round(255 * value), clamped to 0..255."""
    grid = make_grid(tensor, **kwargs).numpy()
    pixels = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    pil_image().fromarray(np.ascontiguousarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)).save(fp, format=format)
