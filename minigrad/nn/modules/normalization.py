"""`LayerNorm` and `GroupNorm`: per-sample normalisation layers, as in torch.nn (formulas in
ops/normalization.py). Neither keeps running statistics: training and evaluation compute alike."""
from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class _AffineNorm(Module):
    """What LayerNorm and GroupNorm share: an optional per-element scale (starting at 1) and
    shift (starting at 0), registered as None when switched off so that state_dict keys
    match torch's."""

    def _affine_parameters(self, shape, weight, bias, dtype, device):
        self.register_parameter("weight", Parameter(creation.ones(shape, dtype=dtype,
                                                                  device=device))
                                if weight else None)
        self.register_parameter("bias", Parameter(creation.zeros(shape, dtype=dtype,
                                                                 device=device))
                                if weight and bias else None)

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)


class LayerNorm(_AffineNorm):
    """Standardise each sample over its last axes, of `normalized_shape`; then ·weight + bias,
    both of that shape (weight starting at 1, bias at 0)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                                 else tuple(normalized_shape))
        self.eps, self.elementwise_affine = eps, elementwise_affine
        self._affine_parameters(self.normalized_shape, elementwise_affine, bias, dtype, device)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(_AffineNorm):
    """Split the channels into num_groups groups and standardise each sample's group over its
    channels and pixels; then ·weight + bias per channel (weight starting at 1, bias at 0)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None,
                 *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        self._affine_parameters(num_channels, affine, bias, dtype, device)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
