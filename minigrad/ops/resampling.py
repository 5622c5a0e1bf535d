"""Resampling: padding, interpolation and adaptive pooling.

Each is built from ops that already carry their derivatives, so first and
second derivatives come with them:

- Moving pixels (`pad` in reflect, replicate and circular modes, nearest
  interpolation, adaptive max pooling) is integer indexing, x[..., rows, :]
  then x[..., columns]: its gradient adds each output pixel's gradient back
  onto the pixel it was copied from (ops/shape.py's GetItem).
- Mixing pixels linearly along each axis (bilinear interpolation, adaptive
  average pooling) is one matrix per axis, y = A_rows · x · A_columnsᵀ,
  so dL/dx = A_rowsᵀ · g · A_columns (ops/matmul.py).
- Constant padding is its own op: y = x placed inside a frame of `value`;
  dL/dx = g with the frame cut off.
"""
import math

from ..autograd.function import Function
from ..tensor import wrap_array
from .matmul import matmul


# ---------------------------------------------------------------------------
# padding
# ---------------------------------------------------------------------------


class ConstantPad(Function):
    """y = x inside a frame of `value`, widths (before, after) per axis.   dL/dx = g without
    the frame"""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inside = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return x.xp.pad(x.array, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inside], None, None


def _source_positions(xp, size, before, after, mode):
    """For each position of a padded axis, the position of the input it copies."""
    positions = xp.arange(-before, size + after)
    if mode == "reflect":
        positions = xp.abs(positions)
        return xp.where(positions > size - 1, 2 * (size - 1) - positions, positions)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    return positions % size  # circular


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)/2 axes, as torch.nn.functional.pad: `pad` lists (before, after)
    widths starting from the last axis. Modes: 'constant' (with `value`, default 0; negative
    widths crop), 'reflect' (mirrored about the edge pixel), 'replicate' (the edge pixel
    repeated), 'circular' (wrapped around)."""
    pad = tuple(pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length must be divisible by 2 and at most twice the input's "
                           f"dims ({input.ndim}), got {len(pad)}")
    axes = len(pad) // 2
    widths = [(0, 0)] * (input.ndim - axes) + [
        (pad[2 * i], pad[2 * i + 1]) for i in reversed(range(axes))]
    if mode == "constant":
        crop = tuple(slice(max(-before, 0), n - max(-after, 0))
                     for (before, after), n in zip(widths, input.shape))
        if any(min(w) < 0 for w in widths):
            input = input[crop]
        grow = tuple((max(before, 0), max(after, 0)) for before, after in widths)
        return ConstantPad.apply(input, grow, 0.0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise ValueError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if not 1 <= axes <= 3 or input.ndim - axes not in (1, 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor: "
            f"non-constant modes pad the last 1, 2 or 3 axes of an input with 1 or 2 more "
            f"(got input of shape {tuple(input.shape)}, pad {pad})")
    for axis, (before, after) in enumerate(widths):
        size = input.shape[axis]
        if before == after == 0:
            continue
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding "
                               f"({before}, {after}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError(f"Padding value causes wrapping around more than once: padding "
                               f"({before}, {after}) at dimension {axis} of input "
                               f"{list(input.shape)}")
        index = (slice(None),) * axis + (
            wrap_array(_source_positions(input.xp, size, before, after, mode)),)
        input = input[index]
    return input


# ---------------------------------------------------------------------------
# interpolation
# ---------------------------------------------------------------------------


def _linear_weights(xp, size, out, scale, align_corners, dtype):
    """A (out, size) matrix: row j holds the weights (1 - λ, λ) of the two input pixels that
    output pixel j lies between, at source position
        j·(size - 1)/(out - 1)              align_corners=True
        max((j + ½)·scale - ½, 0)            otherwise
    """
    positions = xp.arange(out, dtype="float64")
    if align_corners:
        source = positions * ((size - 1) / (out - 1) if out > 1 else 0.0)
    else:
        source = xp.maximum((positions + 0.5) * scale - 0.5, 0.0)
    low = xp.minimum(xp.floor(source).astype("int64"), size - 1)
    high = xp.minimum(low + 1, size - 1)
    fraction = source - low
    weights = xp.zeros((out, size))
    rows = xp.arange(out)
    weights[rows, low] += 1 - fraction
    weights[rows, high] += fraction
    return wrap_array(weights.astype(dtype))


def _nearest_positions(xp, size, out, scale, exact):
    """For each output pixel, the input pixel it copies: ⌊j·scale⌋ ('nearest', PyTorch's
    historical rule) or ⌊(j + ½)·scale⌋ ('nearest-exact')."""
    positions = xp.arange(out, dtype="float64")
    source = xp.floor((positions + 0.5) * scale if exact else positions * scale)
    return wrap_array(xp.minimum(source.astype("int64"), size - 1))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the last one or two axes of input (N, C, L) or (N, C, H, W), as
    torch.nn.functional.interpolate, to `size` or to ⌊input size · scale_factor⌋.

    Modes: 'nearest' and 'nearest-exact' copy pixels; 'linear' (3-D input)
    and 'bilinear' (4-D input) weigh the two nearest pixels along each axis
    (see _linear_weights). Where scale_factor is given, it sets the sampling
    step (1/scale_factor) unless recompute_scale_factor=True, as in PyTorch.
    """
    spatial = input.ndim - 2
    if spatial not in (1, 2):
        raise NotImplementedError(f"interpolate: expected input of 3 or 4 dims (N, C, L) or "
                                  f"(N, C, H, W), got {tuple(input.shape)}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    linear = {"linear": 1, "bilinear": 2}
    if mode in linear and linear[mode] != spatial:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{linear[mode] + 2}D input")
    if mode not in linear and mode not in ("nearest", "nearest-exact"):
        raise NotImplementedError(f"interpolate: mode {mode!r} is not supported; minigrad has "
                                  "'nearest', 'nearest-exact', 'linear' and 'bilinear'")
    if align_corners is not None and mode not in linear:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined")
    sizes = tuple(input.shape[2:])
    if size is not None:
        out = (size,) * spatial if isinstance(size, int) else tuple(size)
        if len(out) != spatial:
            raise ValueError(f"Input and output must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(sizes)} and output size of {list(out)}.")
        scales = [n / o for n, o in zip(sizes, out)]
    else:
        factors = ((scale_factor,) * spatial if not isinstance(scale_factor, (tuple, list))
                   else tuple(scale_factor))
        if len(factors) != spatial:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of "
                             f"{list(sizes)} and scale_factor of shape {list(factors)}.")
        out = tuple(int(math.floor(n * f)) for n, f in zip(sizes, factors))
        scales = ([n / o for n, o in zip(sizes, out)] if recompute_scale_factor
                  else [1 / f for f in factors])
    if min(out) < 1:
        raise RuntimeError(f"interpolate: output size {out} from input of shape "
                           f"{tuple(input.shape)} must be at least 1 along every axis")
    xp = input.xp
    axes = range(input.ndim - spatial, input.ndim)
    if mode in linear:
        matrices = [_linear_weights(xp, n, o, s, align_corners, input.array.dtype)
                    for n, o, s in zip(sizes, out, scales)]
        return _separable(input, matrices)
    for axis, n, o, s in zip(axes, sizes, out, scales):
        index = (slice(None),) * axis + (_nearest_positions(xp, n, o, s,
                                                            mode == "nearest-exact"),)
        input = input[index]
    return input


def _separable(input, matrices):
    """A_rows · x · A_columnsᵀ over the last two axes (or x · Aᵀ over the last one)."""
    if len(matrices) == 2:
        input = matmul(matrices[0], input)
    return matmul(input, matrices[-1].T)


# ---------------------------------------------------------------------------
# adaptive pooling
# ---------------------------------------------------------------------------


def _adaptive_windows(size, out):
    """The windows [⌊i·size/out⌋, ⌈(i + 1)·size/out⌉) of output pixel i: they cover the input
    and, where out does not divide size, overlap or differ in length by one."""
    return [(i * size // out, -(-(i + 1) * size // out)) for i in range(out)]


def _adaptive_output(op, input, output_size):
    if input.ndim not in (3, 4) or 0 in input.shape[-3:]:
        raise RuntimeError(f"{op}: expected a 3D or 4D input (C, H, W) or (N, C, H, W) with "
                           f"non-zero sizes, got {tuple(input.shape)}")
    out = (output_size,) * 2 if isinstance(output_size, int) or output_size is None \
        else tuple(output_size)
    if len(out) != 2:
        raise ValueError(f"{op}: output_size must be 2, got {len(out)}")
    out = tuple(n if o is None else o for n, o in zip(input.shape[-2:], out))
    if min(out) < 1:
        raise RuntimeError(f"{op}: output_size must be positive, got {out}")
    return out


def _averaging_matrix(xp, size, out, dtype):
    weights = xp.zeros((out, size))
    for i, (start, end) in enumerate(_adaptive_windows(size, out)):
        weights[i, start:end] = 1 / (end - start)
    return wrap_array(weights.astype(dtype))


def adaptive_avg_pool2d(input, output_size):
    """The average of each of output_size windows along H and W (see _adaptive_windows), as
    torch.nn.functional.adaptive_avg_pool2d: y = A_H · x · A_Wᵀ, A's rows the averaging
    weights 1/(window length)."""
    out = _adaptive_output("adaptive_avg_pool2d", input, output_size)
    xp, dtype = input.xp, input.array.dtype
    return _separable(input, [_averaging_matrix(xp, n, o, dtype)
                              for n, o in zip(input.shape[-2:], out)])


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The largest value of each of output_size windows along H and W, as
    torch.nn.functional.adaptive_max_pool2d; the first in row-major order among equal maxima,
    whose position row·W + column is the index returned with return_indices=True.
    dL/dx = g added onto each window's maximum."""
    out = _adaptive_output("adaptive_max_pool2d", input, output_size)
    xp = input.xp
    height, width = input.shape[-2:]
    values = input.array
    indices = xp.empty(values.shape[:-2] + out, dtype="int64")
    for i, (top, bottom) in enumerate(_adaptive_windows(height, out[0])):
        for j, (left, right) in enumerate(_adaptive_windows(width, out[1])):
            window = values[..., top:bottom, left:right]
            flat = window.reshape(window.shape[:-2] + (-1,)).argmax(axis=-1)
            indices[..., i, j] = (top + flat // (right - left)) * width + left + flat % (right - left)
    flat_input = input.reshape(input.shape[:-2] + (height * width,))
    leading = [xp.arange(n).reshape((-1,) + (1,) * (input.ndim - 1 - axis))
               for axis, n in enumerate(input.shape[:-2])]
    output = flat_input[tuple(wrap_array(a) for a in leading) + (wrap_array(indices),)]
    return (output, wrap_array(indices)) if return_indices else output
