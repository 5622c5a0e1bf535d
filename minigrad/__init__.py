"""minigrad: a tape-based reverse-mode autodiff engine on NumPy (and CuPy), with PyTorch's API.

Reading order: `backend` (arrays, dtypes, devices), `tensor`, `autograd`
(`function`: how an op is recorded; `tape`: the backward pass), `ops` (every
op's forward and backward, by family), then `nn`, `optim`, `utils.data` and `vision`.
"""
from . import accelerator, autograd, cuda
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import Device as device
from .backend import bool_ as bool
from .backend import float16, float32, float64, int32, int64, uint8
from .creation import (arange, full, full_like, from_numpy, ones, ones_like, rand, randint, randn,
                       tensor, zeros, zeros_like)
from .creation import (empty, empty_like, eye, get_default_dtype, is_tensor, linspace, logspace,
                       numel, rand_like, randint_like, randn_like, randperm, set_default_dtype)
from .ops import (abs, add, amax, amin, argmax, argmin, cat, clamp, div, eq, exp, flatten, ge, gt,
                  le, leaky_relu, log, log2, log_softmax, lt, matmul, max, mean, min, mul, ne, neg,
                  norm, permute, pow, relu, reshape, sigmoid, softmax, softplus, sqrt, squeeze,
                  stack, sub, sum, t, tanh, transpose, unsqueeze, where)
from .backend import get_num_threads, set_num_threads
from .random import Generator, manual_seed
from .serialization import load, save
from .legacy import (BoolTensor, ByteTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor,
                     LongTensor)
from .ops import (argsort, argwhere, chunk, concat, flip, gather, hstack, index_select,
                  masked_fill, masked_select, movedim, nonzero, normal, roll, scatter, scatter_add,
                  sort, split, std, std_mean, take, tensor_split, topk, unbind, unflatten, var,
                  var_mean, vstack)
from .ops import (acos, addcdiv, addcmul, addmm, asin, atan, atan2, bmm, ceil, clamp, clamp_max,
                  clamp_min, cos, cosh, dot, einsum, exp2, expm1, fix, floor, floor_divide, fmod, frac,
                  lerp, log1p, log10, maximum, minimum, mm, mv, outer, reciprocal, remainder,
                  round, rsqrt, sign, sin, sinh, square, tan, trunc)
from .ops import (all, allclose, any, bincount, bitwise_and, bitwise_not, bitwise_or, bitwise_xor,
                  count_nonzero, cumprod, cumsum, equal, isclose, isfinite, isinf, isnan,
                  kthvalue, logical_and, logical_not, logical_or, logical_xor, logsumexp, median,
                  mode, prod, unique)
from .printing import set_printoptions
from .size import Size
from .tensor import Tensor

float = float32
double = float64
long = int64

__version__ = "0.1.0"


def _default_threads():
    import os

    set_num_threads(int(os.environ.get("MINIGRAD_NUM_THREADS", "1")))


_default_threads()

from . import nn, optim, utils  # noqa: E402 - built on the names above, as torch.nn is on torch
