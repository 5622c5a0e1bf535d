"""Elementwise ops: arithmetic, powers, exp and log, abs, clamp, comparisons.

Each op's forward computes on arrays; its backward is written with tensor ops
so that it can itself be differentiated. Binary ops broadcast as NumPy does;
the engine sums each gradient back to its input's shape.
"""
import math

from .. import backend
from ..autograd.function import Function
from ..tensor import Tensor, wrap_array


class Add(Function):
    """a + b.      d/da = 1,  d/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a.array + b.array

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b.      d/da = 1,  d/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return a.array - b.array

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """a * b.      d/da = b,  d/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array * b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """a / b.      d/da = 1/b,  d/db = -a/b²

    d/db is computed as -(a/b)/b, in torch's order: where a second derivative
    meets a term g/b that cancels it, the same roundings then cancel exactly."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.array / b.array

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad / b if ctx.needs_input_grad[0] else None,
                -grad * (a / b) / b if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """a ** b.     d/da = b·a^(b-1)  (0 where b = 0: a^0 is the constant 1),
                   d/db = a^b·ln(a)  (taken as 0 where a = 0 and b >= 0)"""

    @staticmethod
    def forward(ctx, a, b):
        y = a.xp.power(a.array, b.array)
        ctx.save_for_backward(a, b)
        return y

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = _zero_where(b.array == 0, a, lambda base: grad * b * base ** (b - 1))
        if ctx.needs_input_grad[1]:
            grad_b = _zero_where((a.array == 0) & (b.array >= 0), a,
                                 lambda base: grad * a ** b * base.log())
        return grad_a, grad_b


def _zero_where(mask, a, formula):
    """formula(a), but 0 where `mask` holds, as PyTorch defines pow's derivatives there.

    The formula sees a base of 1 at the masked places, so no 0·inf (a NaN)
    reaches the result or its own derivatives; with nothing masked, as for
    `x ** 2`, it is just formula(a).
    """
    if not mask.any():
        return formula(a)
    xp, dtype = a.xp, a.array.dtype
    masked = wrap_array(mask)
    safe_a = where(masked, wrap_array(xp.ones((), dtype)), a)
    return where(masked, wrap_array(xp.zeros((), dtype)), formula(safe_a))


class Neg(Function):
    """-x.         d/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return -x.array

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """exp(x).     d/dx = exp(x) = y, so the output is saved rather than the input"""

    @staticmethod
    def forward(ctx, x):
        y = wrap_array(x.xp.exp(x.array))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """ln(x).      d/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Log2(Function):
    """log2(x).    d/dx = 1/(x·ln 2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.log2(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Sqrt(Function):
    """√x.         d/dx = 1/(2√x) = 1/(2y)"""

    @staticmethod
    def forward(ctx, x):
        y = wrap_array(x.xp.sqrt(x.array))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad / (2 * y)


class Abs(Function):
    """|x|.        d/dx = sign(x)  (0 at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.xp.abs(x.array)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * wrap_array(x.xp.sign(x.array))


class Clamp(Function):
    """min(max(x, low), high).   d/dx = 1 where low <= x <= high, else 0"""

    @staticmethod
    def forward(ctx, x, low, high):
        ctx.save_for_backward(x)
        ctx.low, ctx.high = low, high
        return x.xp.clip(x.array, low, high)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        inside = x.xp.ones(x.shape, dtype=bool)
        if ctx.low is not None:
            inside &= x.array >= ctx.low
        if ctx.high is not None:
            inside &= x.array <= ctx.high
        return grad * wrap_array(inside.astype(grad.array.dtype)), None, None


class Where(Function):
    """condition ? a : b.   d/da = condition,  d/db = not condition"""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition.array
        return a.xp.where(condition.array, a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        zero = wrap_array(grad.xp.zeros((), grad.array.dtype))
        condition = wrap_array(ctx.condition)
        return None, where(condition, grad, zero), where(condition, zero, grad)


# ---------------------------------------------------------------------------
# functional forms: Python scalars, dtype promotion and shape errors
# ---------------------------------------------------------------------------

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def as_tensor_like(value, like):
    """A Python number or array as a tensor beside `like`, with PyTorch's dtype rules.

    A Python number takes the tensor's dtype when it is of the same kind or
    lower (`float32_tensor * 2.0` stays float32); a float with an integer
    tensor gives the default float.
    """
    if isinstance(value, Tensor):
        return value
    xp = like.xp
    if isinstance(value, (bool, int, float)):
        kind = "b" if isinstance(value, bool) else "i" if isinstance(value, int) else "f"
        dtype = like.array.dtype
        if _CATEGORY[kind] > _CATEGORY[dtype.kind]:
            dtype = backend.default_float.numpy if kind == "f" else xp.int64
        return wrap_array(xp.asarray(value, dtype=dtype))
    return wrap_array(xp.asarray(value))


def promote(a, b):
    """Cast two tensors to the dtype PyTorch would compute them in."""
    da, db = a.array.dtype, b.array.dtype
    if da == db:
        return a, b
    ca, cb = _CATEGORY[da.kind], _CATEGORY[db.kind]
    if ca != cb:
        dtype = da if ca > cb else db
    elif a.ndim == 0 and b.ndim > 0:
        dtype = db
    elif b.ndim == 0 and a.ndim > 0:
        dtype = da
    else:
        dtype = a.xp.promote_types(da, db)
    return (a if da == dtype else a.to(dtype)), (b if db == dtype else b.to(dtype))


def broadcast_error(shape_a, shape_b):
    """PyTorch's message for shapes that do not broadcast, naming both shapes."""
    for i in range(1, max(len(shape_a), len(shape_b)) + 1):
        sa = shape_a[-i] if i <= len(shape_a) else 1
        sb = shape_b[-i] if i <= len(shape_b) else 1
        if sa != sb and 1 not in (sa, sb):
            dim = max(len(shape_a), len(shape_b)) - i
            return RuntimeError(
                f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) at "
                f"non-singleton dimension {dim}: shapes {tuple(shape_a)} and {tuple(shape_b)} "
                "cannot be broadcast together")
    return None


def binary(function, a, b):
    """Apply a broadcasting binary op to tensors or Python numbers."""
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    elif not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    if a.array.dtype != b.array.dtype:
        a, b = promote(a, b)
    try:
        return function.apply(a, b)
    except ValueError:
        error = broadcast_error(a.shape, b.shape)
        if error is None:
            raise
        raise error from None


def add(a, b, alpha=1):
    return binary(Add, a, b if alpha == 1 else b * alpha)


def sub(a, b, alpha=1):
    return binary(Sub, a, b if alpha == 1 else b * alpha)


def mul(a, b):
    return binary(Mul, a, b)


def div(a, b):
    """True division: integer inputs give the default float, as in PyTorch."""
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    if a.array.dtype.kind != "f" and b.array.dtype.kind != "f":
        a = a.to(backend.default_float.numpy)
    return binary(Div, a, b)


def pow(a, b):
    return binary(Pow, a, b)


def neg(x):
    return Neg.apply(x)


def exp(x):
    return Exp.apply(_floating(x))


def log(x):
    return Log.apply(_floating(x))


def log2(x):
    return Log2.apply(_floating(x))


def sqrt(x):
    return Sqrt.apply(_floating(x))


def abs(x):
    return Abs.apply(x)


def clamp(x, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return Clamp.apply(x, _number(min), _number(max))


def where(condition, a, b):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    if not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    return Where.apply(condition, *promote(a, b))


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def _floating(x):
    """Integer tensors become the default float before exp, log and sqrt, as in PyTorch."""
    return x if x.array.dtype.kind == "f" else x.to(backend.default_float.numpy)


# ---------------------------------------------------------------------------
# comparisons: boolean results, outside the graph
# ---------------------------------------------------------------------------


def _comparison(compare):
    def compare_tensors(a, b):
        b_array = b.array if isinstance(b, Tensor) else b
        try:
            return wrap_array(compare(a.array, b_array))
        except ValueError:
            error = broadcast_error(a.shape, getattr(b_array, "shape", ()))
            if error is None:
                raise
            raise error from None

    compare_tensors.__name__ = compare.__name__
    return compare_tensors


eq = _comparison(lambda a, b: a == b)
ne = _comparison(lambda a, b: a != b)
lt = _comparison(lambda a, b: a < b)
le = _comparison(lambda a, b: a <= b)
gt = _comparison(lambda a, b: a > b)
ge = _comparison(lambda a, b: a >= b)
