"""`BatchNorm1d`, `BatchNorm2d`, `BatchNorm3d`: batch normalisation layers, as in torch.nn.

Each channel is standardised by the batch's statistics in training and by
running estimates of them in evaluation (see ops/normalization.py for the
formulas). State, under PyTorch's keys:
  weight, bias           the affine part (parameters; absent when affine=False, and the
                         bias when bias=False)
  running_mean           the running mean, starting at 0
  running_var            the running unbiased variance, starting at 1
  num_batches_tracked    how many training batches updated them (int64)
The three buffers are absent when track_running_stats=False; the batch's own
statistics are then used in evaluation too.
"""
from ... import creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


class _BatchNorm(Module):
    """What the three batch normalisation layers share; they differ in the input ranks taken."""

    input_ranks = ()
    _version = 2  # version 2 added num_batches_tracked

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.ones(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(creation.zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean",
                                 creation.zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var",
                                 creation.ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked",
                                 creation.tensor(0, dtype="int64", device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input):
        if input.ndim not in self.input_ranks:
            expected = " or ".join(f"{rank}D" for rank in self.input_ranks)
            raise ValueError(f"expected {expected} input (got {input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            # momentum=None: the cumulative average, each batch weighted 1/(batches so far).
            factor = 1.0 / int(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch_statistics = self.training or (self.running_mean is None
                                                 and self.running_var is None)
        keep_running = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if keep_running else None,
                            self.running_var if keep_running else None, self.weight, self.bias,
                            use_batch_statistics, factor, self.eps)

    def upgrade_state_dict(self, state_dict, prefix, version):
        """State dicts of PyTorch before version 2 of this layer lack num_batches_tracked: as
        PyTorch does, take this layer's own count (so loading them is not an error)."""
        key = prefix + "num_batches_tracked"
        if (version is None or version < 2) and self.track_running_stats and key not in state_dict:
            state_dict[key] = self.num_batches_tracked

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C."""

    input_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), per channel C."""

    input_ranks = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of volumes (N, C, D, H, W), per channel C."""

    input_ranks = (5,)
