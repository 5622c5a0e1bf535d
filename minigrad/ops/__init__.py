"""The ops, grouped by family, and the Tensor methods that call them.

Each family module holds, per op, a `Function` (forward and backward side by
side, the derivative in its docstring) and a plain function that checks
arguments and applies it. Tensor methods are those same functions, bound
below, so `x.exp()` and `mg.exp(x)` are one code path.
"""
from .. import backend, creation
from ..legacy import tensor_type
from ..tensor import Tensor
from . import indexing, inplace, logical, pointwise, products, splitting, statistics, transforms
from .activations import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from .conversion import to
from .elementwise import (abs, add, clamp, div, eq, exp, ge, gt, le, log, log2, lt, mul, ne, neg,
                          pow, sqrt, sub)
from .matmul import matmul
from .reductions import amax, amin, argmax, argmin, max, mean, min, norm, sum
from .shape import (broadcast_to, cat, flatten, getitem, permute, reshape, squeeze, stack, t,
                    transpose, unsqueeze, view)
from .indexing import (argwhere, gather, index_select, masked_fill, masked_select, nonzero,
                       scatter, scatter_add, take, where)
from .pointwise import (acos, addcdiv, addcmul, asin, atan, atan2, ceil, clamp, clamp_max,
                        clamp_min, cos, cosh, exp2, expm1, fix, floor, floor_divide, fmod, frac,
                        lerp, log1p, log10, maximum, minimum, reciprocal, remainder, round,
                        rsqrt, sign, sin, sinh, square, tan, trunc)
from .products import addmm, bmm, dot, einsum, mm, mv, outer
from .sampling import normal
from .splitting import chunk, concat, hstack, split, tensor_split, unbind, vstack
from .statistics import (argsort, cumprod, cumsum, kthvalue, logsumexp, median, mode, prod, sort,
                         std, std_mean, topk, var, var_mean)
from .logical import (all, allclose, any, bincount, bitwise_and, bitwise_not, bitwise_or,
                      bitwise_xor, count_nonzero, equal, isclose, isfinite, isinf, isnan,
                      logical_and, logical_not, logical_or, logical_xor, unique)
from .transforms import flip, movedim, roll, unflatten


def _reflected(op):
    return lambda self, other: op(other, self)


def _bind_methods():
    methods = {
        # arithmetic and comparisons
        "__add__": add, "__radd__": _reflected(add), "__sub__": sub, "__rsub__": _reflected(sub),
        "__mul__": mul, "__rmul__": _reflected(mul), "__truediv__": div,
        "__rtruediv__": _reflected(div), "__pow__": pow, "__rpow__": _reflected(pow),
        "__matmul__": matmul, "__rmatmul__": _reflected(matmul), "__neg__": neg,
        "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
        "__getitem__": getitem, "__abs__": abs,
        "add": add, "sub": sub, "mul": mul, "div": div, "pow": pow, "matmul": matmul,
        "neg": neg, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge,
        # math
        "exp": exp, "log": log, "log2": log2, "sqrt": sqrt, "abs": abs, "clamp": clamp,
        "clip": clamp, "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "softmax": softmax,
        "log_softmax": log_softmax,
        # reductions
        "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin,
        "argmax": argmax, "argmin": argmin, "norm": norm,
        # shape
        "view": view, "reshape": reshape, "flatten": flatten, "t": t, "transpose": transpose,
        "permute": permute, "unsqueeze": unsqueeze, "squeeze": squeeze,
        # conversions
        "to": to,
    }
    for name, function in methods.items():
        setattr(Tensor, name, function)

    Tensor.T = property(lambda self: permute(self, tuple(reversed(range(self.ndim)))))
    for name, dtype in (("float", backend.float32), ("double", backend.float64),
                        ("long", backend.int64), ("int", backend.int32), ("bool", backend.bool_)):
        setattr(Tensor, name, _converter(dtype))
    for family in (indexing, logical, pointwise, products, splitting, statistics, transforms,
                   inplace):
        for name, function in family.METHODS.items():
            setattr(Tensor, name, function)
    for name, function in creation.TENSOR_METHODS.items():
        setattr(Tensor, name, function)
    Tensor.type = tensor_type
    Tensor.cpu = cpu
    Tensor.cuda = cuda
    Tensor.clone = clone


def _converter(dtype):
    def convert(self):
        return to(self, dtype)

    convert.__doc__ = f"This tensor as {dtype}."
    return convert


def cpu(x):
    return to(x, device="cpu")


def cuda(x, device=None):
    return to(x, device="cuda" if device is None else
              device if isinstance(device, (str, backend.Device)) else f"cuda:{int(device)}")


def clone(x):
    """A copy with its own memory; gradients flow back to x."""
    return to(x, copy=True)


_bind_methods()
