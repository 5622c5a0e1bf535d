"""`Size`: a tensor's shape, a tuple of ints that prints as PyTorch's does.

`x.shape` and `x.size()` return one, so `print(out.shape)` shows
`torch.Size([2, 16, 5, 5])` as in the course's output. The engine itself reads
`x.array.shape` (a plain tuple): making a `Size` costs an allocation, which
the ops' hot path does not pay.
"""
import math


class Size(tuple):
    """A shape: a tuple of ints, equal to the plain tuple of the same ints."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f'can only concatenate tuple (not "{type(other).__name__}") to '
                            'torch.Size')
        return Size(tuple(self) + other)

    def __mul__(self, count):
        return Size(tuple(self) * count)

    __rmul__ = __mul__

    def numel(self):
        """The number of elements a tensor of this shape holds: the product of the sizes."""
        return math.prod(self)

    def __reduce__(self):
        return (Size, (tuple(self),))
