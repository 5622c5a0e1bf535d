"""Convolution: the 2-D convolution as matrix products over im2col's columns.

A 2-D convolution slides a kernel over an image. im2col turns the sliding
into a matrix: column (i, j, n) holds the input patch under output pixel
(i, j) of image n, so the convolution of a whole batch is one matrix product,
and its derivatives are the derivatives of that product:

    cols = im2col(x)                      (C·kh·kw, Ho·Wo·N)
    Y    = W · cols + b                   W reshaped to (O, C·kh·kw), Y to (O, Ho·Wo·N)

    dL/dW    = dL/dY · colsᵀ
    dL/db    = Σ dL/dY over the batch and the pixels
    dL/dcols = Wᵀ · dL/dY
    dL/dx    = col2im(dL/dcols)

im2col only copies numbers (a pixel lands in every patch that covers it), so
its adjoint, col2im, adds each column entry back onto the pixel it came from.

The three products are three faces of one sum, T(x, W, Y) = Σ Y·W·x over
every (output pixel, kernel tap) pair: the convolution is ∂T/∂Y, dL/dx is
∂T/∂x (`ConvInputGrad`) and dL/dW is ∂T/∂W (`ConvWeightGrad`). The backward
of each is made of the other two, so second derivatives come free.

All three run over the output in blocks of a few thousand columns
(`backend.convolution_block_columns`): a block's columns are copied from a
strided view of x, used while they are still in the cache and dropped, so
the whole cols matrix (kh·kw times the input) never exists.

Memory layout: the batch is the innermost axis. Y comes out as (O, Ho, Wo, N)
and is handed on as a permuted view with PyTorch's shape (N, O, Ho, Wo);
elementwise ops keep that memory order, so the next convolution or pooling
finds its input already batch-last and copies patches in runs of Wo·N
contiguous numbers (a batch-first layout gives runs of Wo, several times
slower), and col2im adds back in equally long runs.
"""
import math
from typing import NamedTuple

from .. import backend
from ..autograd.function import Function
from ..tensor import wrap_array
from .nn_ops import check_weight_and_bias
from .shape import broadcast_to


class Window(NamedTuple):
    """How a kernel slides over the last two axes of an image; each field is a (rows, columns)
    pair."""

    kernel: tuple
    stride: tuple
    padding: tuple   # added before each axis (and after it, as far as the windows reach)
    dilation: tuple  # the spacing of the kernel's taps
    output: tuple    # how many positions the kernel takes along each axis: the output's (Ho, Wo)


def _pad_widths(window, height, width):
    """(before, after) padding of each axis: `padding` before, after as far as the windows reach."""
    widths = []
    for size, kernel, stride, padding, dilation, count in zip((height, width), *window):
        reach = (count - 1) * stride + dilation * (kernel - 1) + 1
        widths.append((padding, max(reach - size - padding, 0)))
    return widths


def _batch_last(xp, x, widths=((0, 0), (0, 0)), pad_value=0):
    """x (N, C, H, W) as a C-contiguous (C, H, W, N) array, padded by `widths`.

    No copy when x is already a batch-last view (a convolution's output, or
    an elementwise function of one) and needs no padding.
    """
    x = x.transpose(1, 2, 3, 0)
    (top, bottom), (left, right) = widths
    if not (top or bottom or left or right):
        return xp.ascontiguousarray(x)
    c, h, w, n = x.shape
    padded = xp.full((c, top + h + bottom, left + w + right, n), pad_value, dtype=x.dtype)
    padded[:, top:top + h, left:left + w] = x
    return padded


def patches(xp, x, window, pad_value=0):
    """The windows of x (N, C, H, W): a strided view (C, kh, kw, Ho, Wo, N) of the padded,
    batch-last x, entry [c, i, j, p, q, n] being the pixel under tap (i, j) of window (p, q)."""
    n, c, h, w = x.shape
    padded = _batch_last(xp, x, _pad_widths(window, h, w), pad_value)
    (kh, kw), (sh, sw), _, (dh, dw), (ho, wo) = window
    step_c, step_y, step_x, step_n = padded.strides
    return xp.lib.stride_tricks.as_strided(
        padded, (c, kh, kw, ho, wo, n),
        (step_c, step_y * dh, step_x * dw, step_y * sh, step_x * sw, step_n))


def add_back(padded, cols, block, window):
    """padded (C, Hp, Wp, N) += one output block's columns cols (C, kh, kw, rows, columns, N),
    each entry onto the pixel it was copied from: im2col's adjoint, a block at a time.

    A pixel sits in up to kh·kw patches, so its value is a sum. Rather than
    scatter element by element, loop over the kernel's taps: tap (i, j) of
    every patch in the block is one strided slab added onto the image.
    """
    p0, p1, q0, q1 = block
    (kh, kw), (sh, sw), _, (dh, dw), _ = window
    for i in range(kh):
        rows = slice(p0 * sh + i * dh, (p1 - 1) * sh + i * dh + 1, sh)
        for j in range(kw):
            padded[:, rows, q0 * sw + j * dw:(q1 - 1) * sw + j * dw + 1:sw] += cols[:, i, j]


def _zeros_padded(xp, shape, window, dtype):
    """Zeros (C, Hp, Wp, N) to add an (N, C, H, W) input's gradient onto, and a function
    that crops them back to a batch-last view of `shape`."""
    n, c, h, w = shape
    (top, bottom), (left, right) = _pad_widths(window, h, w)
    padded = xp.zeros((c, top + h + bottom, left + w + right, n), dtype=dtype)
    return padded, lambda: padded[:, top:top + h, left:left + w].transpose(3, 0, 1, 2)


def im2col(xp, x, window, pad_value=0):
    """The columns (C·kh·kw, Ho·Wo·N) of x (N, C, H, W): its patches, copied once.
    Rows run over channels first, as W's flattened columns do."""
    windows = patches(xp, x, window, pad_value)
    c, kh, kw, ho, wo, n = windows.shape
    return windows.reshape(c * kh * kw, ho * wo * n)


def col2im(xp, cols, shape, window):
    """The adjoint of im2col: columns (C·kh·kw, Ho·Wo·N) summed back onto an array of
    `shape` (N, C, H, W), returned as a batch-last view."""
    n, c = shape[:2]
    (kh, kw), (ho, wo) = window.kernel, window.output
    padded, cropped = _zeros_padded(xp, shape, window, cols.dtype)
    add_back(padded, cols.reshape(c, kh, kw, ho, wo, n), (0, ho, 0, wo), window)
    return cropped()


def _output_blocks(xp, window, n):
    """The output cut into blocks (p0, p1, q0, q1) of rows p0:p1 and columns q0:q1.

    Whole rows when a row fits in a block, else runs of pixels within a row;
    either way a block of a (O, Ho, Wo, N) array reshapes to (O, columns) as a view.
    """
    ho, wo = window.output
    columns = backend.convolution_block_columns(xp) or ho * wo * n
    if wo * n <= columns:
        rows = columns // (wo * n)
        return [(p, min(p + rows, ho), 0, wo) for p in range(0, ho, rows)]
    pixels = max(1, columns // n)
    return [(p, p + 1, q, min(q + pixels, wo)) for p in range(ho) for q in range(0, wo, pixels)]


def _block_columns(windows, block, groups):
    """One block's columns, (groups, C/groups·kh·kw, columns): the one copy of the patches."""
    p0, p1, q0, q1 = block
    return windows[:, :, :, p0:p1, q0:q1].reshape(groups, -1, (p1 - p0) * (q1 - q0) * windows.shape[-1])


def _block_of(y, block, groups):
    """A block of a batch-last (O, Ho, Wo, N) array as (groups, O/groups, columns): a view."""
    p0, p1, q0, q1 = block
    return y[:, p0:p1, q0:q1].reshape(groups, y.shape[0] // groups, -1)


def convolve(xp, x, weight, bias, window, groups):
    """Y = W · cols(x) + b, block by block: x (N, C, H, W), W (O, C/groups, kh, kw) -> Y (O, Ho, Wo, N)."""
    n = x.shape[0]
    windows = patches(xp, x, window)
    out_channels = weight.shape[0]
    kernels = weight.reshape(groups, out_channels // groups, -1)
    y = xp.empty((out_channels,) + window.output + (n,), dtype=x.dtype)
    for block in _output_blocks(xp, window, n):
        y_block = _block_of(y, block, groups)
        xp.matmul(kernels, _block_columns(windows, block, groups), out=y_block)
        if bias is not None:  # while the block is in the cache
            y_block += bias.reshape(groups, -1, 1)
    return y


def convolve_input_grad(xp, grad, weight, shape, window, groups):
    """dL/dx = col2im(Wᵀ · dL/dY), block by block; grad (O, Ho, Wo, N) -> (N, C, H, W) batch-last."""
    n, c = shape[:2]
    kh, kw = window.kernel
    padded, cropped = _zeros_padded(xp, shape, window, grad.dtype)
    kernels_t = weight.reshape(groups, weight.shape[0] // groups, -1).swapaxes(1, 2)
    for block in _output_blocks(xp, window, n):
        p0, p1, q0, q1 = block
        dcols = kernels_t @ _block_of(grad, block, groups)
        add_back(padded, dcols.reshape(c, kh, kw, p1 - p0, q1 - q0, n), block, window)
    return cropped()


def convolve_weight_grad(xp, x, grad, weight_shape, window, groups):
    """dL/dW = Σ over blocks of dL/dY · colsᵀ; x (N, C, H, W), grad (O, Ho, Wo, N)."""
    n = x.shape[0]
    windows = patches(xp, x, window)
    out_channels = weight_shape[0]
    grad_t = xp.zeros((groups, math.prod(weight_shape[1:]), out_channels // groups), dtype=grad.dtype)
    for block in _output_blocks(xp, window, n):
        # (cols · dYᵀ)ᵀ is dY · colsᵀ; OpenBLAS computes it 1.6-1.8x faster in this order.
        columns = _block_columns(windows, block, groups)
        grad_t += columns @ _block_of(grad, block, groups).swapaxes(1, 2)
    return grad_t.swapaxes(1, 2).reshape(weight_shape)


class Conv2d(Function):
    """y = conv(x, W) + b.   dL/dx = ConvInputGrad(g, W),  dL/dW = ConvWeightGrad(x, g),  dL/db = Σ g"""

    @staticmethod
    def forward(ctx, x, weight, bias, window, groups):
        ctx.save_for_backward(x, weight)
        ctx.window, ctx.groups = window, groups
        bias = None if bias is None else bias.array
        return convolve(x.xp, x.array, weight.array, bias, window, groups).transpose(3, 0, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        window, groups = ctx.window, ctx.groups
        grad_x = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_x = ConvInputGrad.apply(grad, weight, x.array.shape, window, groups)
        if ctx.needs_input_grad[1]:
            grad_weight = ConvWeightGrad.apply(x, grad, weight.array.shape, window, groups)
        if ctx.needs_input_grad[2]:
            grad_bias = grad.sum((0, 2, 3))
        return grad_x, grad_weight, grad_bias, None, None


class ConvInputGrad(Function):
    """dx = ∂T/∂x at (W, g): col2im(Wᵀ · g).   d/dg = conv(h, W),  d/dW = ConvWeightGrad(h, g)"""

    @staticmethod
    def forward(ctx, grad, weight, shape, window, groups):
        ctx.save_for_backward(grad, weight)
        ctx.window, ctx.groups = window, groups
        grad = _batch_last(weight.xp, grad.array)
        return convolve_input_grad(weight.xp, grad, weight.array, shape, window, groups)

    @staticmethod
    def backward(ctx, h):
        grad, weight = ctx.saved_tensors
        window, groups = ctx.window, ctx.groups
        d_grad = Conv2d.apply(h, weight, None, window, groups) if ctx.needs_input_grad[0] else None
        d_weight = (ConvWeightGrad.apply(h, grad, weight.array.shape, window, groups)
                    if ctx.needs_input_grad[1] else None)
        return d_grad, d_weight, None, None, None


class ConvWeightGrad(Function):
    """dW = ∂T/∂W at (x, g): g · colsᵀ.   d/dx = ConvInputGrad(g, k),  d/dg = conv(x, k)"""

    @staticmethod
    def forward(ctx, x, grad, weight_shape, window, groups):
        ctx.save_for_backward(x, grad)
        ctx.window, ctx.groups = window, groups
        grad = _batch_last(x.xp, grad.array)
        return convolve_weight_grad(x.xp, x.array, grad, weight_shape, window, groups)

    @staticmethod
    def backward(ctx, k):
        x, grad = ctx.saved_tensors
        window, groups = ctx.window, ctx.groups
        d_x = (ConvInputGrad.apply(grad, k, x.array.shape, window, groups)
               if ctx.needs_input_grad[0] else None)
        d_grad = Conv2d.apply(x, k, None, window, groups) if ctx.needs_input_grad[1] else None
        return d_x, d_grad, None, None, None


class Im2Col(Function):
    """cols = im2col(x), x of shape (N, C, H, W).   dL/dx = col2im(dL/dcols)"""

    @staticmethod
    def forward(ctx, x, window):
        ctx.shape, ctx.window = x.array.shape, window
        return im2col(x.xp, x.array, window)

    @staticmethod
    def backward(ctx, grad):
        return Col2Im.apply(grad, ctx.shape, ctx.window), None


class Col2Im(Function):
    """x = col2im(cols), back to `shape`.   dL/dcols = im2col(dL/dx)

    cols may also come as (C, kh·kw, Ho·Wo·N), the pooling ops' view of the same numbers.
    """

    @staticmethod
    def forward(ctx, cols, shape, window):
        ctx.cols_shape, ctx.window = cols.array.shape, window
        return col2im(cols.xp, cols.array, shape, window)

    @staticmethod
    def backward(ctx, grad):
        return Im2Col.apply(grad, ctx.window).reshape(ctx.cols_shape), None, None
# ---------------------------------------------------------------------------
# functional forms: argument checks, output sizes, PyTorch's error messages
# ---------------------------------------------------------------------------


def as_pair(value, name):
    """An int or a pair of ints, as a (rows, columns) pair."""
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, int) for v in value):
        return tuple(value)
    raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")


def _output_size(size, kernel, stride, padding, dilation, ceil_mode):
    """Positions of the kernel along an axis of `size`: ⌊(size + 2p - d(k - 1) - 1) / s⌋ + 1."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    count = -(-span // stride) + 1
    # With ceil_mode the last window must still start inside the input or its left padding.
    return count - 1 if (count - 1) * stride >= size + padding else count


def _checked_pairs(op, kernel_size, stride, padding, dilation):
    """The window's settings as (rows, columns) pairs, each at least what PyTorch allows."""
    kernel, stride = as_pair(kernel_size, "kernel_size"), as_pair(stride, "stride")
    padding, dilation = as_pair(padding, "padding"), as_pair(dilation, "dilation")
    for name, values, low in (("kernel_size", kernel, 1), ("stride", stride, 1),
                              ("padding", padding, 0), ("dilation", dilation, 1)):
        if min(values) < low:
            raise ValueError(f"{op}: {name} must be at least {low}, got {values}")
    return kernel, stride, padding, dilation


def make_window(op, shape, kernel_size, stride, padding, dilation, ceil_mode=False):
    """The Window of `op` over an input of `shape`; refuses kernels larger than the padded input."""
    kernel, stride, padding, dilation = _checked_pairs(op, kernel_size, stride, padding, dilation)
    size = tuple(shape[-2:])
    output = tuple(_output_size(*axis, ceil_mode) for axis in
                   zip(size, kernel, stride, padding, dilation))
    if min(output) < 1:
        padded = tuple(n + 2 * p for n, p in zip(size, padding))
        raise RuntimeError(
            f"{op}: the kernel {kernel} (dilation {dilation}) is larger than the padded input "
            f"{padded} (input of shape {tuple(shape)}, padding {padding})")
    return Window(kernel, stride, padding, dilation, output)


def conv_window(shape, kernel_size, stride, padding, dilation):
    """The Window of conv2d, whose padding may also be one of PyTorch's strings: 'valid' pads
    nothing; 'same' (stride 1 only) keeps the input's size, padding each axis by d·(k - 1)
    in all, the smaller half before and the rest after (the windows' reach)."""
    if not isinstance(padding, str):
        return make_window("conv2d", shape, kernel_size, stride, padding, dilation)
    check_padding_string(padding, stride, RuntimeError)
    if padding == "valid":
        return make_window("conv2d", shape, kernel_size, stride, 0, dilation)
    kernel, stride, _, dilation = _checked_pairs("conv2d", kernel_size, stride, 0, dilation)
    before = tuple(d * (k - 1) // 2 for k, d in zip(kernel, dilation))
    return Window(kernel, stride, before, dilation, output=tuple(shape[-2:]))


def check_padding_string(padding, stride, error):
    """PyTorch's checks of a padding string (`error`: what to raise, as PyTorch's functional
    form and its module raise different ones)."""
    if padding not in ("valid", "same"):
        message = (f"Invalid padding string: {padding!r}" if error is RuntimeError else
                   f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
        raise error(message)
    if padding == "same" and as_pair(stride, "stride") != (1, 1):
        raise error("padding='same' is not supported for strided convolutions")


def conv_input_problem(shape, in_channels):
    """What is wrong with an input of `shape` for a convolution over `in_channels`, or None."""
    if len(shape) in (3, 4) and shape[-3] == in_channels:
        return None
    return (f"expected input of shape (N, {in_channels}, H, W) or ({in_channels}, H, W), "
            f"got {tuple(shape)}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, as torch.nn.functional.conv2d: im2col, then a matrix product.

        Y = W · im2col(x) + b
        dL/dW = dL/dY · colsᵀ,   dL/dx = col2im(Wᵀ · dL/dY),   dL/db = Σ dL/dY

    (see the module docstring). With groups > 1 the channels split into
    `groups` independent convolutions: batched products, one matrix per group.
    An input of 3 dims is one unbatched image (C, H, W), as in PyTorch.
    """
    if weight.ndim != 4:
        raise RuntimeError(f"conv2d: expected weight of shape (out_channels, in_channels / groups, "
                           f"kH, kW), got {tuple(weight.shape)}")
    out_channels, group_channels, kh, kw = weight.array.shape
    if not isinstance(groups, int) or groups < 1 or out_channels % groups:
        raise ValueError(f"conv2d: groups must be a positive int dividing out_channels "
                         f"({out_channels}), got {groups!r}")
    problem = conv_input_problem(input.array.shape, group_channels * groups)
    if problem:
        raise RuntimeError(f"conv2d with weight of shape {tuple(weight.shape)} and "
                           f"groups={groups}: {problem}")
    check_weight_and_bias("conv2d", input, weight, bias)
    window = conv_window(input.array.shape, (kh, kw), stride, padding, dilation)
    return _batched(Conv2d, input, weight, bias, window, groups)


def _batched(op, input, *args):
    """op applied to an input of shape (N, C, H, W), or to an unbatched one (C, H, W) as a batch
    of one, as PyTorch allows."""
    if input.ndim == 4:
        return op.apply(input, *args)
    result = op.apply(input.unsqueeze(0), *args)
    return tuple(r.squeeze(0) for r in result) if isinstance(result, tuple) else result.squeeze(0)
