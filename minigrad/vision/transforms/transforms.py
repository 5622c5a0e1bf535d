"""The transforms, as `torchvision.transforms`: callables on one image (a PIL image or a tensor
(..., C, H, W)), composed with `Compose`. The random ones draw from minigrad's global generator,
so `mg.manual_seed` makes an augmentation pipeline repeat.

Whole batches: `batched(transform)` recognises the pipelines that need no
image one at a time (a conversion to a tensor, `ToTensor` or `PILToTensor`,
then any `Normalize`), and returns a function that runs them on the uint8
pixels of many images at once; the vision datasets hand it to DataLoader.
"""
import math
import numbers
import warnings
from collections.abc import Sequence

from ... import random
from . import functional as F
from .conversion import channels_first, hwc_to_tensor, normalize_batch
from .geometry import padding_ltrb, pair
from .images import InterpolationMode


def _format(name, **arguments):
    return f"{name}(" + ", ".join(f"{key}={value}" for key, value in arguments.items()) + ")"


class Compose:
    """Apply `transforms` one after the other."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for transform in self.transforms:
            img = transform(img)
        return img

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {transform}\n" for transform in self.transforms) + ")"


class ToTensor:
    """PIL image or H x W x C array to a C x H x W tensor; uint8 pixels to float32 in [0, 1]."""

    def __call__(self, pic):
        return F.to_tensor(pic)

    def __repr__(self):
        return "ToTensor()"


class PILToTensor:
    """PIL image to a C x H x W tensor of the same dtype (uint8 for most modes), not scaled."""

    def __call__(self, pic):
        return F.pil_to_tensor(pic)

    def __repr__(self):
        return "PILToTensor()"


class ToPILImage:
    """C x H x W tensor or H x W x C array to a PIL image (of `mode`, or the one its channels imply)."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        return F.to_pil_image(pic, self.mode)

    def __repr__(self):
        return "ToPILImage()" if self.mode is None else _format("ToPILImage", mode=self.mode)


class Normalize:
    """(tensor - mean) / std, per channel, on a float tensor (..., C, H, W)."""

    def __init__(self, mean, std, inplace=False):
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def __call__(self, tensor):
        return F.normalize(tensor, self.mean, self.std, self.inplace)

    def __repr__(self):
        return _format("Normalize", mean=self.mean, std=self.std)


def _check_size(size):
    if not isinstance(size, (numbers.Number, Sequence)):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    if isinstance(size, Sequence) and len(size) not in (1, 2):
        raise ValueError("If size is a sequence, it should have 1 or 2 values")
    return size


class Resize:
    """Resize to `size`: (h, w), or an int that the shorter side becomes, keeping the aspect ratio
    (the longer side `int(size * long / short)`), and at most `max_size` on the longer side."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size = _check_size(size)
        self.interpolation = interpolation
        self.max_size = max_size
        self.antialias = antialias

    def __call__(self, img):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return _format("Resize", size=self.size, interpolation=getattr(self.interpolation, "value", self.interpolation),
                       max_size=self.max_size, antialias=self.antialias)


class CenterCrop:
    """The central (h, w) crop (an int: square), padded with zeros when the image is smaller."""

    def __init__(self, size):
        self.size = pair(_check_size(size))

    def __call__(self, img):
        return F.center_crop(img, self.size)

    def __repr__(self):
        return _format("CenterCrop", size=self.size)


class Pad:
    """Borders: `padding` one int (all sides), (left/right, top/bottom) or (left, top, right, bottom);
    `padding_mode` "constant" (with `fill`), "edge", "reflect" or "symmetric"."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        padding_ltrb(padding)
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def __call__(self, img):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return _format("Pad", padding=self.padding, fill=self.fill, padding_mode=self.padding_mode)


def _uniform(low, high):
    return float(random.generator().uniform(low, high))


def _randint(low, high):
    """An int in [low, high), as torch.randint draws."""
    return int(random.generator().integers(low, high))


class RandomCrop:
    """A random (h, w) crop, after `padding` (as Pad) and, with `pad_if_needed`, enough padding
    that the image is at least the crop's size."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = pair(_check_size(size))
        if padding is not None:
            padding_ltrb(padding)
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size):
        """(top, left, height, width) of a random crop of `output_size`."""
        _, height, width = F.get_dimensions(img)
        crop_height, crop_width = output_size
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than input image size "
                             f"{(height, width)}")
        if (height, width) == (crop_height, crop_width):
            return 0, 0, height, width
        return _randint(0, height - crop_height + 1), _randint(0, width - crop_width + 1), crop_height, crop_width

    def __call__(self, img):
        if self.padding is not None:
            img = F.pad(img, self.padding, self.fill, self.padding_mode)
        _, height, width = F.get_dimensions(img)
        if self.pad_if_needed and width < self.size[1]:
            img = F.pad(img, [self.size[1] - width, 0], self.fill, self.padding_mode)
        if self.pad_if_needed and height < self.size[0]:
            img = F.pad(img, [0, self.size[0] - height], self.fill, self.padding_mode)
        return F.crop(img, *self.get_params(img, self.size))

    def __repr__(self):
        return _format("RandomCrop", size=self.size, padding=self.padding)


class RandomResizedCrop:
    """A random crop covering a `scale` fraction of the area with aspect ratio in `ratio` (drawn
    log-uniformly), resized to `size`; after 10 misses, the central crop of the nearest ratio."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        self.size = pair(_check_size(size))
        if not isinstance(scale, Sequence) or not isinstance(ratio, Sequence):
            raise TypeError("Scale and ratio should be sequences of two numbers")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.scale = scale
        self.ratio = ratio
        self.interpolation = interpolation
        self.antialias = antialias

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of a random crop, as torchvision draws them."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * _uniform(scale[0], scale[1])
            aspect_ratio = math.exp(_uniform(log_ratio[0], log_ratio[1]))
            crop_width = int(round(math.sqrt(target_area * aspect_ratio)))
            crop_height = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < crop_width <= width and 0 < crop_height <= height:
                return (_randint(0, height - crop_height + 1), _randint(0, width - crop_width + 1),
                        crop_height, crop_width)
        in_ratio = width / height
        if in_ratio < min(ratio):
            crop_width, crop_height = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            crop_height, crop_width = height, int(round(height * max(ratio)))
        else:
            crop_width, crop_height = width, height
        return (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width

    def __call__(self, img):
        top, left, height, width = self.get_params(img, self.scale, self.ratio)
        return F.resized_crop(img, top, left, height, width, self.size, self.interpolation, self.antialias)

    def __repr__(self):
        return _format("RandomResizedCrop", size=self.size, scale=tuple(self.scale), ratio=tuple(self.ratio))


class RandomHorizontalFlip:
    """Mirror left to right with probability `p`."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return F.hflip(img) if random.generator().random() < self.p else img

    def __repr__(self):
        return _format("RandomHorizontalFlip", p=self.p)


class RandomVerticalFlip:
    """Turn upside down with probability `p`."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return F.vflip(img) if random.generator().random() < self.p else img

    def __repr__(self):
        return _format("RandomVerticalFlip", p=self.p)


def _range(value, name, center=0.0, bound=None, clip_at_zero=False):
    """A (low, high) range from a number (center -+ value) or a pair, checked."""
    if isinstance(value, numbers.Number):
        if value < 0:
            raise ValueError(f"If {name} is a single number, it must be non negative.")
        value = [center - float(value), center + float(value)]
        if clip_at_zero:
            value[0] = max(value[0], 0.0)
    elif isinstance(value, Sequence) and len(value) == 2:
        value = [float(value[0]), float(value[1])]
    else:
        raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
    if bound is not None and not bound[0] <= value[0] <= value[1] <= bound[1]:
        raise ValueError(f"{name} values should be between {bound}, but got {value}.")
    return value


class RandomRotation:
    """Rotate by an angle drawn uniformly from `degrees` ((min, max), or d for (-d, d))."""

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand=False, center=None, fill=0):
        self.degrees = _range(degrees, "degrees")
        if center is not None and (not isinstance(center, Sequence) or len(center) != 2):
            raise ValueError("center should be a sequence of length 2")
        self.interpolation = interpolation
        self.expand = expand
        self.center = center
        self.fill = fill

    @staticmethod
    def get_params(degrees):
        return _uniform(float(degrees[0]), float(degrees[1]))

    def __call__(self, img):
        return F.rotate(img, self.get_params(self.degrees), self.interpolation, self.expand, self.center, self.fill)

    def __repr__(self):
        return _format("RandomRotation", degrees=self.degrees, interpolation=getattr(self.interpolation, "value", ""),
                       expand=self.expand, fill=self.fill)


class Grayscale:
    """Grey levels (ITU-R 601-2 luma) in 1 or 3 channels."""

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        return F.rgb_to_grayscale(img, self.num_output_channels)

    def __repr__(self):
        return _format("Grayscale", num_output_channels=self.num_output_channels)


class ColorJitter:
    """Random brightness, contrast, saturation and hue, in a random order: each factor drawn
    uniformly from [max(0, 1 - x), 1 + x] for a number x (or the (min, max) given), hue from
    [-h, h] with h at most 0.5."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        self.brightness = self._factors(brightness, "brightness")
        self.contrast = self._factors(contrast, "contrast")
        self.saturation = self._factors(saturation, "saturation")
        hue = _range(hue, "hue", center=0.0, bound=(-0.5, 0.5))
        self.hue = None if hue == [0.0, 0.0] else hue

    @staticmethod
    def _factors(value, name):
        factors = _range(value, name, center=1.0, bound=(0, float("inf")), clip_at_zero=True)
        return None if factors == [1.0, 1.0] else factors

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """The order of the four adjustments and their factors (None where not adjusted)."""
        order = random.generator().permutation(4).tolist()
        factors = [None if bounds is None else _uniform(bounds[0], bounds[1])
                   for bounds in (brightness, contrast, saturation, hue)]
        return (order, *factors)

    def __call__(self, img):
        order, *factors = self.get_params(self.brightness, self.contrast, self.saturation, self.hue)
        adjustments = (F.adjust_brightness, F.adjust_contrast, F.adjust_saturation, F.adjust_hue)
        for which in order:
            if factors[which] is not None:
                img = adjustments[which](img, factors[which])
        return img

    def __repr__(self):
        return _format("ColorJitter", brightness=self.brightness, contrast=self.contrast,
                       saturation=self.saturation, hue=self.hue)


class Lambda:
    """A function of yours as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


# -- whole batches ------------------------------------------------------------------------------------

# What each transform does to a whole batch: the first step takes uint8 pixels (N, H, W, C), as the
# images would be; the later ones take the batch tensor (N, C, H, W). Exact types only: a subclass
# may do something else to each image.
_FROM_PIXELS = {
    ToTensor: lambda step, pixels: hwc_to_tensor(pixels),
    PILToTensor: lambda step, pixels: channels_first(pixels),
}
_ON_TENSORS = {
    Normalize: lambda step, batch: normalize_batch(batch, step.mean, step.std),
}


def _steps(transform):
    if type(transform) is Compose:
        return [step for inner in transform.transforms for step in _steps(inner)]
    return [transform]


def batched(transform):
    """A function from the uint8 pixels of N images (N, H, W, C) to the batch that `transform`
    applied to each image (as a PIL image), then stacked, would give: the same numbers, in a few
    array operations. None when the transform needs its images one at a time."""
    if transform is None:
        return None
    steps = _steps(transform)
    if type(steps[0]) not in _FROM_PIXELS or any(type(step) not in _ON_TENSORS for step in steps[1:]):
        return None

    def apply(pixels):
        batch = _FROM_PIXELS[type(steps[0])](steps[0], pixels)
        for step in steps[1:]:
            batch = _ON_TENSORS[type(step)](step, batch)
        return batch

    return apply
