"""Convolution layers: `Conv2d`, `Conv1d` and `ConvTranspose2d`.

Conv2d and Conv1d take PyTorch's padding_mode ('zeros', 'reflect', 'replicate', 'circular');
ConvTranspose2d, as in PyTorch, only 'zeros'."""
from ... import creation
from ...ops.convolution import as_pair, check_padding_string, conv_input_problem
from ...ops.convolution_forms import _single
from .. import functional as F
from ..parameter import Parameter
from .linear import add_affine_parameters, reset_affine_parameters
from .module import Module


class Conv2d(Module):
    """2-D convolution (cross-correlation) over images (N, C, H, W) or one image (C, H, W).

    The weight is (out_channels, in_channels / groups, kH, kW). Initialised as
    in PyTorch: weight from kaiming_uniform_ with a = √5, bias from
    U(-1/√fan_in, 1/√fan_in), fan_in = in_channels / groups · kH · kW.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_channels(in_channels, out_channels, groups, padding_mode)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.stride = as_pair(stride, "stride")
        if isinstance(padding, str):
            check_padding_string(padding, stride, ValueError)
            self.padding = padding
        else:
            self.padding = as_pair(padding, "padding")
        self.dilation = as_pair(dilation, "dilation")
        self.padding_mode = padding_mode
        add_affine_parameters(self, (out_channels, in_channels // groups, *self.kernel_size),
                              bias, dtype, device)

    def reset_parameters(self):
        reset_affine_parameters(self.weight, self.bias)

    def forward(self, input):
        problem = conv_input_problem(input.array.shape, self.in_channels)
        if problem:
            raise RuntimeError(f"{self!r}: {problem}")
        input, padding = _pad_by_mode(self, input)
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)

    def extra_repr(self):
        return _conv_repr(self, (0, 0), (1, 1))


class Conv1d(Module):
    """1-D convolution (cross-correlation) over sequences (N, C, L) or one sequence (C, L).

    The weight is (out_channels, in_channels / groups, k); initialised as
    Conv2d is, fan_in = in_channels / groups · k.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _check_channels(in_channels, out_channels, groups, padding_mode)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (_single(kernel_size, "kernel_size"),)
        self.stride = (_single(stride, "stride"),)
        if isinstance(padding, str):
            check_padding_string(padding, stride if isinstance(stride, int) else stride[0],
                                 ValueError)
            self.padding = padding
        else:
            self.padding = (_single(padding, "padding"),)
        self.dilation = (_single(dilation, "dilation"),)
        self.padding_mode = padding_mode
        add_affine_parameters(self, (out_channels, in_channels // groups, *self.kernel_size),
                              bias, dtype, device)

    def reset_parameters(self):
        reset_affine_parameters(self.weight, self.bias)

    def forward(self, input):
        input, padding = _pad_by_mode(self, input)
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)

    def extra_repr(self):
        return _conv_repr(self, (0,), (1,))


class ConvTranspose2d(Module):
    """The transposed 2-D convolution (see ops/convolution_forms.py): each input pixel spreads
    over a window of the output, as in generators and decoders.

    The weight is (in_channels, out_channels / groups, kH, kW). Initialised as
    in PyTorch: kaiming_uniform_ with a = √5 and the bias from
    U(-1/√fan_in, 1/√fan_in), fan_in computed from the weight's shape as for
    any tensor: out_channels / groups · kH · kW.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__()
        _check_channels(in_channels, out_channels, groups, padding_mode)
        if padding_mode != "zeros":
            raise ValueError('Only "zeros" padding mode is supported for ConvTranspose2d')
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.stride, self.padding = as_pair(stride, "stride"), as_pair(padding, "padding")
        self.output_padding = as_pair(output_padding, "output_padding")
        self.dilation = as_pair(dilation, "dilation")
        self.padding_mode = padding_mode
        self.weight = Parameter(creation.zeros(in_channels, out_channels // groups,
                                               *self.kernel_size, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.zeros(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        reset_affine_parameters(self.weight, self.bias)

    def _output_padding(self, input, output_size):
        """output_padding, or what gives `output_size` (the last two of its numbers), as PyTorch
        works it out: any size from the smallest output to stride - 1 more."""
        if output_size is None:
            return self.output_padding
        output_size = tuple(output_size)[-2:] if len(output_size) in (3, 4) else tuple(output_size)
        if len(output_size) != 2:
            raise ValueError(f"ConvTranspose2D: for {input.ndim}D input, output_size must have 2 "
                             f"or {input.ndim} elements (got {len(output_size)})")
        smallest = [(n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in zip(
            input.shape[-2:], self.stride, self.padding, self.dilation, self.kernel_size)]
        largest = [m + s - 1 for m, s in zip(smallest, self.stride)]
        if any(not low <= size <= high for size, low, high in zip(output_size, smallest, largest)):
            raise ValueError(f"requested an output size of {list(output_size)}, but valid sizes "
                             f"range from {smallest} to {largest} (for an input of "
                             f"{list(input.shape[-2:])})")
        return tuple(size - low for size, low in zip(output_size, smallest))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  output_padding, self.groups, self.dilation)

    def extra_repr(self):
        return _conv_repr(self, (0, 0), (1, 1))


PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _check_channels(in_channels, out_channels, groups, padding_mode):
    if groups <= 0:
        raise ValueError("groups must be a positive integer")
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"{name} must be divisible by groups")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"padding_mode must be one of {set(PADDING_MODES)}, but got "
                         f"padding_mode='{padding_mode}'")


def _pad_by_mode(layer, input):
    """(input, padding) for the convolution itself. With padding_mode 'zeros' the convolution
    pads; with 'reflect', 'replicate' or 'circular', F.pad pads first, as PyTorch does, and the
    convolution gets padding 0. padding='same' splits an odd total with the extra on the right."""
    if layer.padding_mode == "zeros" or layer.padding == "valid":
        return input, layer.padding
    if layer.padding == "same":
        totals = [d * (k - 1) for d, k in zip(layer.dilation, layer.kernel_size)]
        sides = [(total // 2, total - total // 2) for total in totals]
    else:
        sides = [(p, p) for p in layer.padding]
    widths = tuple(width for side in reversed(sides) for width in side)
    return F.pad(input, widths, mode=layer.padding_mode), (0,) * len(layer.kernel_size)


def _conv_repr(layer, no_padding, no_dilation):
    """PyTorch's printout of a convolution layer: the settings that differ from the defaults."""
    text = (f"{layer.in_channels}, {layer.out_channels}, kernel_size={layer.kernel_size}, "
            f"stride={layer.stride}")
    if layer.padding != no_padding:
        text += f", padding={layer.padding}"
    if layer.dilation != no_dilation:
        text += f", dilation={layer.dilation}"
    if getattr(layer, "output_padding", no_padding) != no_padding:
        text += f", output_padding={layer.output_padding}"
    if layer.groups != 1:
        text += f", groups={layer.groups}"
    if layer.bias is None:
        text += ", bias=False"
    if layer.padding_mode != "zeros":
        text += f", padding_mode={layer.padding_mode}"
    return text
