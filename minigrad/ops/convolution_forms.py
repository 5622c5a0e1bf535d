"""Other forms of the 2-D convolution: the transposed convolution and the 1-D convolution.

conv_transpose2d is the adjoint of conv2d: where conv2d sums each window of
x into one output pixel, conv_transpose2d spreads each input pixel over a
window of the output, weighted by the kernel. That is exactly the input
gradient of a convolution (ops/convolution.py's ConvInputGrad), with the
transposed convolution's input in the place of dL/dY:

    y = ConvInputGrad(x, W) + b,  a convolution (stride s, padding p, dilation d)
                                  over y's shape mapping y back to x's
    dL/dx = conv2d(g, W)           (the convolution itself)
    dL/dW = ConvWeightGrad(g, x)
    dL/db = Σ g over the batch and the pixels

and its second derivatives come from the same three ops. Along each axis
    H_out = (H_in - 1)·s - 2p + d·(k - 1) + output_padding + 1.

conv1d is conv2d on (N, C, 1, L) with a kernel of height 1, through reshapes.
"""
from .convolution import ConvInputGrad, Window, _batched, as_pair, conv2d
from .nn_ops import check_weight_and_bias


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed 2-D convolution, as torch.nn.functional.conv_transpose2d (see the
    module docstring); weight is (in_channels, out_channels / groups, kH, kW)."""
    if weight.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: expected weight of shape (in_channels, "
                           f"out_channels / groups, kH, kW), got {tuple(weight.shape)}")
    in_channels, group_out, kh, kw = weight.shape
    if not isinstance(groups, int) or groups < 1 or in_channels % groups:
        raise ValueError(f"conv_transpose2d: groups must be a positive int dividing "
                         f"in_channels ({in_channels}), got {groups!r}")
    if input.ndim not in (3, 4) or input.shape[-3] != in_channels:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {in_channels} channels, but got "
                           f"{input.shape[-3] if input.ndim >= 3 else 'no'} channels instead")
    check_weight_and_bias("conv_transpose2d", input, weight, None)
    if bias is not None and tuple(bias.shape) != (group_out * groups,):
        raise RuntimeError(f"conv_transpose2d: expected bias of shape ({group_out * groups},), "
                           f"got {tuple(bias.shape)}")
    stride, padding = as_pair(stride, "stride"), as_pair(padding, "padding")
    output_padding, dilation = as_pair(output_padding, "output_padding"), as_pair(dilation,
                                                                                  "dilation")
    for extra, s, d in zip(output_padding, stride, dilation):
        if extra < 0 or (extra >= s and extra >= d):
            raise RuntimeError(f"output padding must be smaller than either stride or "
                               f"dilation, but got output_padding={output_padding}, "
                               f"stride={stride} and dilation={dilation}")
    if min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise RuntimeError(f"conv_transpose2d: stride and dilation must be at least 1 and "
                           f"padding at least 0, got stride={stride}, padding={padding}, "
                           f"dilation={dilation}")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + extra + 1 for n, s, p, d, k, extra in
                 zip(input.shape[-2:], stride, padding, dilation, (kh, kw), output_padding))
    if min(size) < 1:
        raise RuntimeError(f"conv_transpose2d: the output size {size} computed from the input of "
                           f"shape {tuple(input.shape)} is too small (padding {padding})")
    window = Window((kh, kw), stride, padding, dilation, tuple(input.shape[-2:]))
    batch = input.shape[0] if input.ndim == 4 else 1
    shape = (batch, group_out * groups) + size
    y = _batched(ConvInputGrad, input, weight, shape, window, groups)
    if bias is not None:
        y = y + bias.reshape((-1, 1, 1))
    return y


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation over input (N, C, L) or (C, L), as torch.nn.functional.conv1d;
    weight is (out_channels, in_channels / groups, k). conv2d over a height of 1."""
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected weight of shape (out_channels, in_channels / "
                           f"groups, k), got {tuple(weight.shape)}")
    if input.ndim not in (2, 3) or input.shape[-2] != weight.shape[1] * groups:
        raise RuntimeError(f"conv1d with weight of shape {tuple(weight.shape)} and "
                           f"groups={groups}: expected input of shape "
                           f"(N, {weight.shape[1] * groups}, L) or ({weight.shape[1] * groups}, "
                           f"L), got {tuple(input.shape)}")
    y = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(stride, "stride")),
               padding if isinstance(padding, str) else (0, _single(padding, "padding")),
               (1, _single(dilation, "dilation")), groups)
    return y.squeeze(-2)


def _single(value, name):
    """An int, or a one-element tuple or list of one, as PyTorch's 1-D layers take."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int):
        raise TypeError(f"{name} must be an int or a 1-tuple of an int, got {value!r}")
    return value

