"""Elementwise math beyond the core: trigonometry, logarithms, rounding, remainders, bounds.

Each unary op is a Function with its derivative in the docstring. Where the
derivative is best written with the output (exp2, rsqrt, tan) the output is
saved, as Exp does. Rounding ops (floor, ceil, trunc, round, sign) are flat
almost everywhere: their gradient is zero, as in torch. The binary ops and
the ones with bounds (maximum, clamp with tensor bounds, lerp, addcmul, ...)
are composed from `where` and arithmetic, so their gradients are those ops'.
"""
import math

from ..autograd.function import Function
from ..tensor import Tensor, wrap_array
from .elementwise import _floating, as_tensor_like, promote, where


class Unary(Function):
    """Base of the unary ops below: each gives `compute(xp, x)`, its values on arrays, and
    `derivative(x, y)`, dy/dx as a tensor expression of the input or (`saves_output`) output."""

    saves_output = False

    @classmethod
    def forward(cls, ctx, x):
        y = wrap_array(cls.compute(x.xp, x.array))
        ctx.save_for_backward(y if cls.saves_output else x)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        (saved,) = ctx.saved_tensors
        return grad * (cls.derivative(None, saved) if cls.saves_output
                       else cls.derivative(saved, None))


class Sin(Unary):
    """sin x.      d/dx = cos x"""
    compute = staticmethod(lambda xp, x: xp.sin(x))
    derivative = staticmethod(lambda x, y: x.cos())


class Cos(Unary):
    """cos x.      d/dx = -sin x"""
    compute = staticmethod(lambda xp, x: xp.cos(x))
    derivative = staticmethod(lambda x, y: -x.sin())


class Tan(Unary):
    """tan x.      d/dx = 1 + tan²x = 1 + y²"""
    saves_output = True
    compute = staticmethod(lambda xp, x: xp.tan(x))
    derivative = staticmethod(lambda x, y: 1 + y * y)


class Asin(Unary):
    """asin x.     d/dx = 1/√(1 - x²)"""
    compute = staticmethod(lambda xp, x: xp.arcsin(x))
    derivative = staticmethod(lambda x, y: (1 - x * x).rsqrt())


class Acos(Unary):
    """acos x.     d/dx = -1/√(1 - x²)"""
    compute = staticmethod(lambda xp, x: xp.arccos(x))
    derivative = staticmethod(lambda x, y: -(1 - x * x).rsqrt())


class Atan(Unary):
    """atan x.     d/dx = 1/(1 + x²)"""
    compute = staticmethod(lambda xp, x: xp.arctan(x))
    derivative = staticmethod(lambda x, y: 1 / (1 + x * x))


class Sinh(Unary):
    """sinh x.     d/dx = cosh x"""
    compute = staticmethod(lambda xp, x: xp.sinh(x))
    derivative = staticmethod(lambda x, y: x.cosh())


class Cosh(Unary):
    """cosh x.     d/dx = sinh x"""
    compute = staticmethod(lambda xp, x: xp.cosh(x))
    derivative = staticmethod(lambda x, y: x.sinh())


class Log10(Unary):
    """log10 x.    d/dx = 1/(x·ln 10)"""
    compute = staticmethod(lambda xp, x: xp.log10(x))
    derivative = staticmethod(lambda x, y: 1 / (x * math.log(10.0)))


class Log1p(Unary):
    """ln(1 + x), exact for small x.    d/dx = 1/(1 + x)"""
    compute = staticmethod(lambda xp, x: xp.log1p(x))
    derivative = staticmethod(lambda x, y: 1 / (1 + x))


class Expm1(Unary):
    """eˣ - 1, exact for small x.    d/dx = eˣ = y + 1"""
    saves_output = True
    compute = staticmethod(lambda xp, x: xp.expm1(x))
    derivative = staticmethod(lambda x, y: y + 1)


class Exp2(Unary):
    """2ˣ.         d/dx = 2ˣ·ln 2 = y·ln 2"""
    saves_output = True
    compute = staticmethod(lambda xp, x: xp.exp2(x))
    derivative = staticmethod(lambda x, y: y * math.log(2.0))


class Rsqrt(Unary):
    """1/√x.       d/dx = -1/(2·x^(3/2)) = -y³/2"""
    saves_output = True
    compute = staticmethod(lambda xp, x: 1 / xp.sqrt(x))
    derivative = staticmethod(lambda x, y: -0.5 * y * y * y)


class Reciprocal(Unary):
    """1/x.        d/dx = -1/x² = -y²"""
    saves_output = True
    compute = staticmethod(lambda xp, x: 1 / x)
    derivative = staticmethod(lambda x, y: -(y * y))


class Flat(Function):
    """Rounding: floor, ceil, trunc, round, sign.   d/dx = 0 (flat almost everywhere, as torch)"""

    @staticmethod
    def forward(ctx, x, compute):
        return compute(x.xp, x.array)

    @staticmethod
    def backward(ctx, grad):
        return wrap_array(grad.xp.zeros_like(grad.array)), None


def _unary(function, name, floating=True):
    def op(input):
        return function.apply(_floating(input) if floating else input)

    op.__name__ = name
    op.__doc__ = function.__doc__
    return op


sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tan = _unary(Tan, "tan")
asin = _unary(Asin, "asin")
acos = _unary(Acos, "acos")
atan = _unary(Atan, "atan")
sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
log10 = _unary(Log10, "log10")
log1p = _unary(Log1p, "log1p")
expm1 = _unary(Expm1, "expm1")
exp2 = _unary(Exp2, "exp2")
rsqrt = _unary(Rsqrt, "rsqrt")
reciprocal = _unary(Reciprocal, "reciprocal")


def square(input):
    """x².         d/dx = 2x  (x·x)"""
    return input * input


def _flat(input, compute):
    if input.array.dtype.kind != "f":  # integers are already whole: nothing to round
        return wrap_array(compute(input.xp, input.array).astype(input.array.dtype))
    return Flat.apply(input, compute)


def floor(input):
    """The largest whole number <= x.   d/dx = 0"""
    return _flat(input, lambda xp, x: xp.floor(x))


def ceil(input):
    """The smallest whole number >= x.   d/dx = 0"""
    return _flat(input, lambda xp, x: xp.ceil(x))


def trunc(input):
    """x rounded towards zero.   d/dx = 0"""
    return _flat(input, lambda xp, x: xp.trunc(x))


fix = trunc


def round(input, *, decimals=0):
    """x rounded to `decimals` places, halves to even (as torch).   d/dx = 0"""
    if decimals == 0:
        return _flat(input, lambda xp, x: xp.round(x))
    scale = 10.0 ** decimals
    return _flat(input, lambda xp, x: (xp.round(x * scale) / scale).astype(x.dtype))


def sign(input):
    """-1, 0 or 1 by the sign of x.   d/dx = 0"""
    if input.array.dtype.kind == "b":
        return wrap_array(input.array.copy())
    return _flat(input, lambda xp, x: xp.sign(x))


def frac(input):
    """x - trunc(x), the fractional part.   d/dx = 1"""
    return input - trunc(input)


# ---------------------------------------------------------------------------
# binary ops, composed
# ---------------------------------------------------------------------------


def _pair(a, b):
    if not isinstance(a, Tensor):
        a = as_tensor_like(a, b)
    elif not isinstance(b, Tensor):
        b = as_tensor_like(b, a)
    return promote(a, b)


def atan2(input, other):
    """atan(a/b) in the quadrant of (b, a).   d/da = b/(a² + b²),  d/db = -a/(a² + b²)"""
    a, b = _pair(_floating(input), other)
    return Atan2.apply(a, b)


class Atan2(Function):
    """atan2(a, b).   d/da = b/(a² + b²),  d/db = -a/(a² + b²)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.xp.arctan2(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        scale = grad / (a * a + b * b)
        return (scale * b if ctx.needs_input_grad[0] else None,
                -scale * a if ctx.needs_input_grad[1] else None)


def maximum(input, other):
    """The larger of a and b elementwise.   d/da = 1 where a > b, 1/2 where a = b, else 0"""
    a, b = _pair(input, other)
    return _extreme_of_two(a, b, a.array > b.array)


def minimum(input, other):
    """The smaller of a and b elementwise.   d/da = 1 where a < b, 1/2 where a = b, else 0"""
    a, b = _pair(input, other)
    return _extreme_of_two(a, b, a.array < b.array)


def _extreme_of_two(a, b, a_wins):
    """where(a wins, a, b), with ties sharing the gradient evenly as torch does."""
    tie = a.array == b.array
    if not tie.any() or a.array.dtype.kind != "f":
        return where(wrap_array(a_wins | tie), a, b)
    middle = (a + b) * 0.5
    return where(wrap_array(tie), middle, where(wrap_array(a_wins), a, b))


class Remainder(Function):
    """a - b·⌊a/b⌋ (sign of b; `rounding` = floor) or a - b·trunc(a/b) (sign of a; fmod).

        d/da = 1,   d/db = -⌊a/b⌋ (or -trunc(a/b))
    """

    @staticmethod
    def forward(ctx, a, b, floor_rounding):
        xp = a.xp
        ctx.save_for_backward(a, b)
        ctx.floor_rounding = floor_rounding
        return (xp.remainder if floor_rounding else xp.fmod)(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = None
        if ctx.needs_input_grad[1]:
            quotient = a.array / b.array
            xp = a.xp
            rounded = xp.floor(quotient) if ctx.floor_rounding else xp.trunc(quotient)
            grad_b = -grad * wrap_array(rounded.astype(grad.array.dtype))
        return grad, grad_b, None


def remainder(input, other):
    """Python's modulus: a - b·⌊a/b⌋, with the sign of b (`a % b`).   d/da = 1, d/db = -⌊a/b⌋"""
    return _remainder(input, other, True)


def fmod(input, other):
    """C's modulus: a - b·trunc(a/b), with the sign of a.   d/da = 1, d/db = -trunc(a/b)"""
    return _remainder(input, other, False)


def _remainder(input, other, floor_rounding):
    a, b = _pair(input, other)
    if a.array.dtype.kind in "iu" and b.array.size and not b.array.all():
        raise RuntimeError("ZeroDivisionError")
    return Remainder.apply(a, b, floor_rounding)


class FloorDivide(Function):
    """⌊a/b⌋.   Not differentiable in torch: backward raises, as torch's does."""

    @staticmethod
    def forward(ctx, a, b):
        return a.xp.floor_divide(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for floor_divide is not implemented")


def floor_divide(input, other):
    """⌊a/b⌋ elementwise (`a // b`); integers stay integers."""
    a, b = _pair(input, other)
    if a.array.dtype.kind in "iu" and b.array.size and not b.array.all():
        raise RuntimeError("ZeroDivisionError")
    return FloorDivide.apply(a, b)


# ---------------------------------------------------------------------------
# bounds and fused arithmetic, composed
# ---------------------------------------------------------------------------


def clamp(input, min=None, max=None):
    """x limited to [min, max]; the bounds may be numbers or tensors (broadcast).

    d/dx = 1 where min <= x <= max, else 0;  d/dmin = 1 where x < min;  d/dmax = 1 where x > max
    """
    from .elementwise import clamp as clamp_numbers

    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return clamp_numbers(input, min, max)
    out = input
    if min is not None:
        low, out = _pair(min, out)
        out = where(wrap_array(out.array < low.array), low, out)
    if max is not None:
        high, out = _pair(max, out)
        out = where(wrap_array(out.array > high.array), high, out)
    return out


def clamp_min(input, min):
    """max(x, min).   d/dx = 1 where x >= min"""
    return clamp(input, min=min)


def clamp_max(input, max):
    """min(x, max).   d/dx = 1 where x <= max"""
    return clamp(input, max=max)


def lerp(input, end, weight):
    """start + weight·(end - start).   d/dstart = 1 - weight,  d/dend = weight,
    d/dweight = end - start"""
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value·t1·t2.   d/dinput = 1,  d/dt1 = value·t2,  d/dt2 = value·t1"""
    product = tensor1 * tensor2
    return input + (product if value == 1 else value * product)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value·t1/t2.   d/dinput = 1,  d/dt1 = value/t2,  d/dt2 = -value·t1/t2²"""
    if tensor1.array.dtype.kind != "f" and tensor2.array.dtype.kind != "f":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 and "
                           "tensor2.")
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else value * quotient)


METHODS = {
    name: globals()[name] for name in (
        "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "log10", "log1p",
        "expm1", "exp2", "rsqrt", "reciprocal", "square", "floor", "ceil", "trunc", "fix",
        "round", "sign", "frac", "maximum", "minimum", "fmod", "remainder", "floor_divide",
        "clamp", "clamp_min", "clamp_max", "lerp", "addcmul", "addcdiv")
}
METHODS.update({
    "clip": clamp,
    "arcsin": asin, "arccos": acos, "arctan": atan, "arctan2": atan2,
    "__mod__": remainder, "__rmod__": lambda self, other: remainder(other, self),
    "__floordiv__": floor_divide, "__rfloordiv__": lambda self, other: floor_divide(other, self),
})
