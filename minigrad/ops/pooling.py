"""Pooling: average and max pooling over 2-D windows.

Pooling works channel by channel on the kh·kw taps of its windows, each tap
a strided view of x holding one element of every window (convolution.py's
`patches`): average pooling adds the taps up, max pooling takes their
largest; their backward adds the gradient back onto the taps with Col2Im
(whose backward is Im2Col), so second derivatives come free.
"""
import math

from ..autograd.function import Function
from ..tensor import wrap_array
from .convolution import Col2Im, _batched, make_window, patches
from .shape import broadcast_to


def _pool_taps(xp, x, window, pad_value=0):
    """The kh·kw taps of x's pooling windows, each a strided view (C, Ho, Wo, N), in row-major order.

    Tap (i, j) holds element (i, j) of every window at once, so pooling is
    elementwise work on whole views: nothing is copied into columns.
    """
    windows = patches(xp, x, window, pad_value)
    kh, kw = window.kernel
    return [windows[:, i, j] for i in range(kh) for j in range(kw)]


def _per_channel(grad):
    """dL/dy (N, C, Ho, Wo) as (C, 1, Ho·Wo·N), the layout of Col2Im's columns."""
    return grad.permute(1, 2, 3, 0).reshape(grad.array.shape[1], 1, -1)


class AvgPool2d(Function):
    """y = (sum of each window) / divisor, x of shape (N, C, H, W).

    Every pixel of a window receives the window's dL/dy / divisor:
        dL/dx = col2im(dL/dy / divisor, repeated at each of the kh·kw taps)
    """

    @staticmethod
    def forward(ctx, x, window, divisor):
        ctx.shape, ctx.window, ctx.divisor = x.array.shape, window, divisor
        taps = _pool_taps(x.xp, x.array, window)
        sums = taps[0].copy()
        for tap in taps[1:]:
            sums += tap
        sums /= divisor.reshape(window.output + (1,))
        return sums.transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        share = _per_channel(grad / wrap_array(ctx.divisor))
        taps = math.prod(ctx.window.kernel)
        cols = broadcast_to(share, (share.array.shape[0], taps, share.array.shape[2]))
        return Col2Im.apply(cols, ctx.shape, ctx.window), None, None


class MaxPool2d(Function):
    """y = the largest value of each window, x of shape (N, C, H, W).

        dL/dx = col2im(m · dL/dy),  m = 1 at each window's maximum, 0 at its other taps

    Among equal maxima the first in row-major order takes the gradient, as in
    PyTorch. m is found again in backward, from the saved x and y.
    """

    @staticmethod
    def forward(ctx, x, window, return_indices):
        xp = x.xp
        taps = _pool_taps(xp, x.array, window, pad_value=-xp.inf)
        y = taps[0].copy()
        for tap in taps[1:]:
            xp.maximum(y, tap, out=y)
        output = wrap_array(y.transpose(3, 0, 1, 2))
        ctx.window = window
        ctx.save_for_backward(x, output)
        if not return_indices:
            return output
        tap_index = _first_maxima(xp, taps, y).argmax(axis=1)
        return output, _flat_indices(xp, tap_index, x.array.shape, window).transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        x, output = ctx.saved_tensors
        xp = x.xp
        taps = _pool_taps(xp, x.array, ctx.window, pad_value=-xp.inf)
        maxima = output.array.transpose(1, 2, 3, 0)
        is_max = _first_maxima(xp, taps, maxima).reshape(x.array.shape[1], len(taps), -1)
        cols = _per_channel(grad) * wrap_array(is_max.astype(grad.array.dtype))
        return Col2Im.apply(cols, x.array.shape, ctx.window), None, None


def _first_maxima(xp, taps, maxima):
    """Per tap, where it holds its window's maximum and no earlier tap does: (taps, C, Ho, Wo, N)."""
    is_max = xp.empty((len(taps),) + maxima.shape, dtype=bool)
    unclaimed = xp.ones(maxima.shape, dtype=bool)
    for tap, claims in zip(taps, is_max):
        xp.equal(tap, maxima, out=claims)
        claims &= unclaimed
        unclaimed ^= claims
    return is_max.swapaxes(0, 1)


def _flat_indices(xp, tap_index, shape, window):
    """Where each window's maximum sits in its input plane, row·W + column (PyTorch's
    indices); tap_index (C, Ho, Wo, N) says which tap of its window holds it."""
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = window
    rows = xp.arange(ho).reshape(-1, 1, 1) * sh - ph + (tap_index // kw) * dh
    columns = xp.arange(wo).reshape(-1, 1) * sw - pw + (tap_index % kw) * dw
    return (rows * shape[-1] + columns).astype(xp.int64)


# ---------------------------------------------------------------------------
# functional forms: argument checks, output sizes, PyTorch's error messages
# ---------------------------------------------------------------------------

def _pool_window(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    """The Window of a pooling op, with PyTorch's checks of the input's rank and the padding."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected input of shape (N, C, H, W) or (C, H, W), "
                           f"got {tuple(input.shape)}")
    stride = kernel_size if stride is None else stride
    window = make_window(op, input.array.shape, kernel_size, stride, padding, dilation, ceil_mode)
    for pad, kernel, spacing in zip(window.padding, window.kernel, window.dilation):
        if pad > (spacing * (kernel - 1) + 1) // 2:
            raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but "
                               f"got pad={window.padding}, kernel_size={window.kernel} and "
                               f"dilation={window.dilation}")
    return window


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Average over each window, as torch.nn.functional.avg_pool2d.

    The divisor of a window is its size, clipped to the padded input
    (count_include_pad=True) or to the input itself (False), as in PyTorch;
    or `divisor_override`.
    """
    window = _pool_window("avg_pool2d", input, kernel_size, stride, padding, 1, ceil_mode)
    xp = input.xp
    if divisor_override is not None:
        divisor = xp.full(window.output, divisor_override, dtype=input.array.dtype)
    else:
        (kh, kw), (sh, sw), (ph, pw), _, (ho, wo) = window
        height, width = input.array.shape[-2:]
        rows = _window_sizes(xp, height, kh, sh, ph, ho, count_include_pad)
        columns = _window_sizes(xp, width, kw, sw, pw, wo, count_include_pad)
        divisor = (rows.reshape(-1, 1) * columns).astype(input.array.dtype)
    return _batched(AvgPool2d, input, window, divisor)


def _window_sizes(xp, size, kernel, stride, padding, count, include_padding):
    """Along one axis: how many positions each window covers in the padded (or the bare) input."""
    starts = xp.arange(count) * stride - padding
    ends = xp.minimum(starts + kernel, size + padding)
    if not include_padding:
        starts, ends = xp.maximum(starts, 0), xp.minimum(ends, size)
    return ends - starts


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Maximum over each window, as torch.nn.functional.max_pool2d (padding counts as -inf).

    With return_indices=True, also where each maximum sits in its input plane (row · W + column).
    """
    if not input.is_floating_point():
        raise RuntimeError(f"max_pool2d: expected a floating-point input, got {input.dtype}")
    window = _pool_window("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode)
    return _batched(MaxPool2d, input, window, return_indices)
