"""`Dropout`, `Dropout2d`, `AlphaDropout`: zero random elements (or channels) while training."""
from .. import functional as F
from .module import Module


class Dropout(Module):
    """Inverted dropout (see `functional.dropout`) in training mode; the identity in eval mode.

    `inplace=True` is accepted so that PyTorch code runs unchanged; the
    result is a new tensor with the same values.
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) (or (C, H, W)) with probability p, scaling the rest by
    1/(1 - p), in training mode; the identity in eval mode."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)


class AlphaDropout(Dropout):
    """Dropout for SELU networks: keeps the mean and variance of its input (see
    `functional.alpha_dropout`); the identity in eval mode."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)
