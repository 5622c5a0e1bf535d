"""The in-place `_` variants of the ops (`x.exp_()`, `x.clamp_min_(0)`, `x.t_()`, ...).

Each computes its out-of-place op outside the graph and writes the result
into the tensor's own array, keeping its dtype, as torch does (a result that
would not fit, such as a float into an integer tensor, is refused). Like the
updates optimisers use (tensor.py), each is refused with PyTorch's message on
a leaf that requires grad, or on a tensor that is part of a recorded graph,
before anything is written; otherwise it bumps the version counter, so a
saved tensor changed afterwards is caught at backward.
"""
from .. import backend
from ..autograd import grad_mode
from ..legacy import _TYPE_NAMES
from ..tensor import Tensor

# In-place forms of elementwise ops: the result has the tensor's shape and is cast to its dtype.
ELEMENTWISE = (
    "exp", "log", "log2", "log10", "log1p", "expm1", "exp2", "sqrt", "rsqrt", "abs", "neg",
    "sigmoid", "tanh", "relu", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
    "floor", "ceil", "trunc", "fix", "round", "sign", "frac", "reciprocal", "square",
    "clamp_min", "clamp_max", "clip", "fmod", "remainder", "floor_divide", "lerp", "addcmul",
    "addcdiv", "atan2",
)
# In-place forms of shape ops: the tensor takes the new shape (a view of its memory).
SHAPE = ("t", "transpose", "squeeze", "unsqueeze")


def _scalar_type(dtype):
    """torch's name for a dtype in messages: Float, Double, Long, ..."""
    return _TYPE_NAMES[dtype][:-len("Tensor")]


def _computed(self, name, args, kwargs):
    """x.name(*args, **kwargs) as an array, computed outside the graph."""
    previous, grad_mode._enabled = grad_mode._enabled, False
    try:
        return getattr(Tensor, name)(self, *args, **kwargs).array
    finally:
        grad_mode._enabled = previous


def _elementwise_inplace(name):
    def update(self, *args, **kwargs):
        result = _computed(self, name, args, kwargs)
        if result.shape != self.array.shape:
            raise RuntimeError(f"output with shape {list(self.array.shape)} doesn't match the "
                               f"broadcast shape {list(result.shape)}")
        if not self.xp.can_cast(result.dtype, self.array.dtype, casting="same_kind"):
            raise RuntimeError(f"result type {_scalar_type(backend.dtype_of(result))} can't be "
                               f"cast to the desired output type {_scalar_type(self.dtype)}")
        self._begin_inplace(*args, *kwargs.values())
        self.array[...] = result
        return self

    update.__name__ = name + "_"
    update.__doc__ = f"In place: x = x.{name}(...), keeping x's dtype."
    return update


def _shape_inplace(name):
    def update(self, *args):
        result = _computed(self, name, args, {})
        self._begin_inplace()
        self.array = result
        return self

    update.__name__ = name + "_"
    update.__doc__ = f"In place: x takes the shape of x.{name}(...), a view of its memory."
    return update


METHODS = {name + "_": _elementwise_inplace(name) for name in ELEMENTWISE}
METHODS.update({name + "_": _shape_inplace(name) for name in SHAPE})
