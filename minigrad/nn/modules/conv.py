"""`Conv2d`: the 2-D convolution layer."""
from ...ops.convolution import as_pair, check_padding_string, conv_input_problem
from .. import functional as F
from .linear import add_affine_parameters, reset_affine_parameters
from .module import Module


class Conv2d(Module):
    """2-D convolution (cross-correlation) over images (N, C, H, W) or one image (C, H, W).

    The weight is (out_channels, in_channels / groups, kH, kW). Initialised as
    in PyTorch: weight from kaiming_uniform_ with a = √5, bias from
    U(-1/√fan_in, 1/√fan_in), fan_in = in_channels / groups · kH · kW.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, device=None, dtype=None):
        super().__init__()
        for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
            if channels % groups:
                raise ValueError(f"{name} must be divisible by groups")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = as_pair(kernel_size, "kernel_size")
        self.stride = as_pair(stride, "stride")
        if isinstance(padding, str):
            check_padding_string(padding, stride, ValueError)
            self.padding = padding
        else:
            self.padding = as_pair(padding, "padding")
        self.dilation = as_pair(dilation, "dilation")
        add_affine_parameters(self, (out_channels, in_channels // groups, *self.kernel_size),
                              bias, dtype, device)

    def reset_parameters(self):
        reset_affine_parameters(self.weight, self.bias)

    def forward(self, input):
        problem = conv_input_problem(input.array.shape, self.in_channels)
        if problem:
            raise RuntimeError(f"{self!r}: {problem}")
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text
