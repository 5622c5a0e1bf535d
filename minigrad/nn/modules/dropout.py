"""`Dropout`: zero random elements while training."""
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
