"""The parity table: one row per public op, saying how to call it in minigrad and in torch.

Each row is an `OpEntry` (see op_entry.py): the call, written once for both
libraries (`lib` is `minigrad` or `torch`), the inputs it is valid on, and
what is promised. test_parity.py runs every row through the same tests, and
test_coverage.py fails when a public op has no row.

Where an op has several spellings (a function, a method, an operator), its
row calls each of them and returns all the results, so every spelling is
checked, forward and backward.
"""
import itertools
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from op_entry import OpEntry, constant
from op_table_layers import LAYER_ENTRIES
from op_table_nn import NN_ENTRIES
from op_table_math import MATH_ENTRIES
from op_table_rnn import RNN_ENTRIES
from op_table_tensor import TENSOR_ENTRIES
from strategies import (MAX_SIDE, arrays, away_from, basic_indices, broadcastable_arrays,
                        class_indices, concatenable_arrays, dim, dims, distinct_arrays,
                        distinct_magnitudes, inputs, matmul_arrays, nonzero, positives, reals,
                        same_shape_arrays, shapes, ties)


def top_level(lib, name):
    """`lib.<name>`: torch keeps leaky_relu and softplus only in torch.nn.functional."""
    return getattr(lib, name) if hasattr(lib, name) else getattr(lib.nn.functional, name)


def one(elements=None, shape=None):
    """`inputs` of one array of `shape` (any by default) with values from `elements`."""
    return inputs(arrays(shape, elements))


def dim_and_keepdim(x):
    """Constants: a reduction's `dim` (None, an int or a tuple) and `keepdim`."""
    return st.tuples(dims(x.ndim), st.booleans())


def one_dim_and_keepdim(x):
    """Constants: a single `dim` and `keepdim`, for ops that return indices along one dim."""
    return st.tuples(dim(x.ndim), st.booleans())


# ---------------------------------------------------------------------------
# arithmetic
# ---------------------------------------------------------------------------

ARITHMETIC = [
    OpEntry(("add", "Tensor.add", "Tensor.__add__"),
            lambda lib, a, b: (lib.add(a, b), a.add(b), a + b, lib.add(a, b, alpha=0.5)),
            broadcastable_arrays(2), second_order=True),
    OpEntry(("sub", "Tensor.sub", "Tensor.__sub__"),
            lambda lib, a, b: (lib.sub(a, b), a.sub(b), a - b, a.sub(b, alpha=2)),
            broadcastable_arrays(2), second_order=True),
    OpEntry(("mul", "Tensor.mul", "Tensor.__mul__"),
            lambda lib, a, b: (lib.mul(a, b), a.mul(b), a * b),
            broadcastable_arrays(2), second_order=True),
    OpEntry(("div", "Tensor.div", "Tensor.__truediv__"),
            lambda lib, a, b: (lib.div(a, b), a.div(b), a / b),
            broadcastable_arrays(2, (reals(), nonzero())), second_order=True),
    # An exponent of exactly 0 is left out: there torch and minigrad take a^b as the
    # constant 1 (d/da = 0 without computing 0·a^-1), so d²/da db is 0 instead of 1/a,
    # and finite differences, which step off b = 0, disagree.
    OpEntry(("pow", "Tensor.pow", "Tensor.__pow__"),
            lambda lib, a, b: (lib.pow(a, b), a.pow(b), a ** b),
            broadcastable_arrays(2, (positives(), away_from(0.0))), second_order=True),
    OpEntry(("neg", "Tensor.neg", "Tensor.__neg__"),
            lambda lib, x: (lib.neg(x), x.neg(), -x),
            one(), second_order=True),
    # Python numbers on either side: the reflected operators, and float32 staying float32.
    OpEntry(("Tensor.__radd__", "Tensor.__rsub__", "Tensor.__rmul__"),
            lambda lib, x: (x + 2.5, 2.5 + x, x - 2.5, 2.5 - x, x * 2.5, 2.5 * x, x * 2, 3 - x),
            one(), second_order=True, name="scalar + - *"),
    OpEntry(("Tensor.__rtruediv__",),
            lambda lib, x: (x / 2.5, 2.5 / x, 1 / x),
            one(nonzero()), second_order=True, name="scalar /"),
    OpEntry(("Tensor.__rpow__",),
            lambda lib, x: (x ** 2, x ** 3, x ** 1, x ** 0, 2.5 ** x),
            one(), second_order=True, name="scalar ** (integer exponents, any base)"),
    OpEntry(("pow", "Tensor.__pow__"),
            lambda lib, x: (x ** 0.5, x ** -1.5, lib.pow(x, 2.5)),
            one(positives()), second_order=True, name="scalar ** (fractional exponents)"),
]

# ---------------------------------------------------------------------------
# elementwise math and activations
# ---------------------------------------------------------------------------

CLAMP_BOUNDS = (-2.0, -1.0, -0.5, 0.5, 1.0, 2.0)

ELEMENTWISE = [
    OpEntry(("exp", "Tensor.exp"), lambda lib, x: (lib.exp(x), x.exp()),
            one(), second_order=True),
    OpEntry(("log", "Tensor.log"), lambda lib, x: (lib.log(x), x.log()),
            one(positives()), second_order=True),
    OpEntry(("log2", "Tensor.log2"), lambda lib, x: (lib.log2(x), x.log2()),
            one(positives()), second_order=True),
    OpEntry(("sqrt", "Tensor.sqrt"), lambda lib, x: (lib.sqrt(x), x.sqrt()),
            one(positives()), second_order=True),
    OpEntry(("abs", "Tensor.abs", "Tensor.__abs__"), lambda lib, x: (lib.abs(x), x.abs(), abs(x)),
            one(nonzero()), second_order=True),
    OpEntry(("clamp", "Tensor.clamp", "Tensor.clip"),
            lambda lib, x: (lib.clamp(x, -1.0, 1.0), lib.clamp(x, min=-0.5), x.clamp(max=0.5),
                            x.clamp(-0.5, 2.0), x.clip(-2, 2)),
            one(away_from(*CLAMP_BOUNDS)), second_order=True),
    OpEntry(("sigmoid", "Tensor.sigmoid"), lambda lib, x: (lib.sigmoid(x), x.sigmoid()),
            one(), second_order=True),
    OpEntry(("tanh", "Tensor.tanh"), lambda lib, x: (lib.tanh(x), x.tanh()),
            one(), second_order=True),
    OpEntry(("relu", "Tensor.relu"), lambda lib, x: (lib.relu(x), x.relu()),
            one(away_from(0.0)), second_order=True),
    OpEntry(("leaky_relu",),
            lambda lib, x: (top_level(lib, "leaky_relu")(x),
                            top_level(lib, "leaky_relu")(x, negative_slope=0.2)),
            one(away_from(0.0)), second_order=True),
    # beta = 2, threshold = 1 puts the switch to the linear part at x = 0.5.
    OpEntry(("softplus",),
            lambda lib, x: (top_level(lib, "softplus")(x),
                            top_level(lib, "softplus")(x, beta=2.0, threshold=1.0)),
            one(away_from(0.5)), second_order=True),
]

# Logits of magnitude up to 1e4, where exp overflows: each op must stay finite and match torch.
LARGE_LOGITS = reals(1e4)

STABILITY = [
    OpEntry(("sigmoid",), lambda lib, x: lib.sigmoid(x),
            one(LARGE_LOGITS), second_order=True, name="sigmoid (large logits)"),
    OpEntry(("softplus",), lambda lib, x: top_level(lib, "softplus")(x),
            one(away_from(20.0, bound=1e4)), second_order=True, name="softplus (large logits)"),
    OpEntry(("softmax",), lambda lib, x: lib.softmax(x, -1),
            one(LARGE_LOGITS), second_order=True, name="softmax (large logits)"),
    OpEntry(("log_softmax",), lambda lib, x: lib.log_softmax(x, -1),
            one(LARGE_LOGITS), second_order=True, name="log_softmax (large logits)"),
]

SOFTMAX = [
    OpEntry(("softmax", "Tensor.softmax"),
            lambda lib, x, d: (lib.softmax(x, d), x.softmax(d)),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    OpEntry(("log_softmax", "Tensor.log_softmax"),
            lambda lib, x, d: (lib.log_softmax(x, d), x.log_softmax(d)),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
]

# ---------------------------------------------------------------------------
# where and comparisons
# ---------------------------------------------------------------------------


def condition_for(a, b):
    """Constants: a boolean condition whose shape broadcasts with both `a` and `b`."""
    return st.tuples(hnp.arrays(np.bool_, hnp.broadcastable_shapes(
        np.broadcast_shapes(a.shape, b.shape), max_side=MAX_SIDE)))


def comparison_entry(name, compare):
    """The row of one comparison: function, method, operator, and a Python number either side."""
    return OpEntry(
        (name, f"Tensor.{name}", f"Tensor.__{name}__"),
        lambda lib, a, b: (getattr(lib, name)(a, b), getattr(a, name)(b), compare(a, b),
                           compare(a, 0.5), compare(0.5, a)),
        broadcastable_arrays(2, ties((-1.0, 0.0, 0.5))), grad=False)


SELECTION = [
    OpEntry(("where",),
            lambda lib, a, b, condition: (lib.where(constant(lib, condition, a), a, b),
                                          lib.where(constant(lib, condition, a), a, 0.0)),
            broadcastable_arrays(2), constants=condition_for, second_order=True),
    comparison_entry("eq", lambda a, b: a == b),
    comparison_entry("ne", lambda a, b: a != b),
    comparison_entry("lt", lambda a, b: a < b),
    comparison_entry("le", lambda a, b: a <= b),
    comparison_entry("gt", lambda a, b: a > b),
    comparison_entry("ge", lambda a, b: a >= b),
]

# ---------------------------------------------------------------------------
# reductions
# ---------------------------------------------------------------------------


def max_and_min_along_dim(lib, x, d, keepdim):
    """`max(x, dim)` and `min(x, dim)` return (values, indices), unpacked or by name."""
    max_values, max_indices = lib.max(x, d, keepdim=keepdim)
    smallest = x.min(dim=d, keepdim=keepdim)
    return max_values, max_indices, smallest.values, smallest.indices


REDUCTIONS = [
    OpEntry(("sum", "Tensor.sum"),
            lambda lib, x, d, keepdim: (lib.sum(x), x.sum(d, keepdim=keepdim),
                                        lib.sum(x, dim=d, keepdim=keepdim)),
            one(), constants=dim_and_keepdim, second_order=True),
    OpEntry(("mean", "Tensor.mean"),
            lambda lib, x, d, keepdim: (lib.mean(x), x.mean(d, keepdim=keepdim),
                                        lib.mean(x, dim=d, keepdim=keepdim)),
            one(), constants=dim_and_keepdim, second_order=True),
    OpEntry(("max", "Tensor.max", "min", "Tensor.min"),
            lambda lib, x: (lib.max(x), x.max(), lib.min(x), x.min()),
            inputs(distinct_arrays()), second_order=True),
    OpEntry(("max", "Tensor.max", "min", "Tensor.min"), max_and_min_along_dim,
            inputs(distinct_arrays()), constants=one_dim_and_keepdim, second_order=True,
            name="max(dim) and min(dim)"),
    OpEntry(("amax", "Tensor.amax", "amin", "Tensor.amin"),
            lambda lib, x, d, keepdim: (lib.amax(x, d, keepdim), x.amax(d, keepdim=keepdim),
                                        lib.amin(x, d, keepdim), x.amin(d, keepdim=keepdim)),
            inputs(distinct_arrays()), constants=dim_and_keepdim, second_order=True),
    OpEntry(("max", "amax", "amin"),
            lambda lib, x, d: (x.max(), x.min(), lib.amax(x, d), lib.amin(x, d, keepdim=True)),
            one(ties()), constants=lambda x: st.tuples(dims(x.ndim)), second_order=True,
            no_finite_differences="ties on purpose, where max is not differentiable: torch "
                                  "shares the gradient evenly between equal maxima",
            name="max, amax and amin with ties"),
    OpEntry(("argmax", "Tensor.argmax", "argmin", "Tensor.argmin"),
            lambda lib, x, d, keepdim: (lib.argmax(x), x.argmax(d, keepdim=keepdim),
                                        lib.argmin(x, d, keepdim), x.argmin()),
            inputs(distinct_arrays()),
            constants=lambda x: st.tuples(st.none() | dim(x.ndim), st.booleans()), grad=False),
    # p = 1 has a kink wherever an element is 0, p = 1.5 an infinite second derivative there.
    OpEntry(("norm", "Tensor.norm"),
            lambda lib, x, p, d, keepdim: (lib.norm(x, p, d, keepdim),
                                           x.norm(p, dim=d, keepdim=keepdim)),
            one(nonzero()),
            constants=lambda x: st.tuples(st.sampled_from([1, 2, 3, 1.5]), dims(x.ndim),
                                          st.booleans()),
            second_order=True),
    OpEntry(("norm", "Tensor.norm"),
            lambda lib, x, d, keepdim: (lib.norm(x), x.norm(), lib.norm(x, "fro", d, keepdim)),
            one(nonzero()),
            constants=lambda x: st.tuples(st.none() | dim(x.ndim), st.booleans()),
            second_order=True, name="norm (default and 'fro')"),
    OpEntry(("norm",),
            lambda lib, x, d, keepdim: (lib.norm(x, math.inf, d, keepdim),
                                        x.norm(-math.inf, dim=d, keepdim=keepdim)),
            inputs(distinct_magnitudes()), constants=dim_and_keepdim, second_order=True,
            name="norm (p = inf and -inf)"),
]

MATMUL = [
    OpEntry(("matmul", "Tensor.matmul", "Tensor.__matmul__", "Tensor.__rmatmul__"),
            lambda lib, a, b: (lib.matmul(a, b), a.matmul(b), a @ b, b.__rmatmul__(a)),
            matmul_arrays(), second_order=True),
]

# ---------------------------------------------------------------------------
# shape ops and indexing
# ---------------------------------------------------------------------------


def new_shapes(x):
    """Constants: a shape of at most 3 dims holding x's elements, sometimes with a side of -1."""
    size = x.size
    divisors = [n for n in range(1, size + 1) if size % n == 0]
    found = [()] if size == 1 else []
    for rank in (1, 2, 3):
        for sides in itertools.product(divisors, repeat=rank):
            if math.prod(sides) == size:
                found.append(sides)
                found.append((-1,) + sides[1:])
    return st.tuples(st.sampled_from(found))


def reshape_spellings(lib, x, shape):
    """`reshape(x, shape)`, `x.reshape(shape)`, `x.reshape(*shape)` and `x.reshape(-1)`."""
    unpacked = (x.reshape(*shape),) if shape else ()
    return (lib.reshape(x, shape), x.reshape(shape), x.reshape(-1)) + unpacked


def flatten_dims(x):
    """Constants: `start_dim <= end_dim`, each maybe negative (0-d takes only the defaults)."""
    if x.ndim == 0:
        return st.just((0, -1))
    return st.tuples(dim(x.ndim), dim(x.ndim)).filter(
        lambda pair: pair[0] % x.ndim <= pair[1] % x.ndim)


def permute_spellings(lib, x, order):
    """`permute(x, dims)`, `x.permute(dims)`, and `x.permute(*dims)` where there are dims."""
    unpacked = (x.permute(*order),) if order else ()
    return (lib.permute(x, order), x.permute(order)) + unpacked


def orders(x):
    """Constants: an order of x's dims, each maybe negative."""
    return st.tuples(st.permutations(range(x.ndim)).flatmap(
        lambda order: st.tuples(*(st.sampled_from([d, d - x.ndim]) for d in order))))


def squeeze_dims(x):
    """Constants: what `squeeze` takes: None, one dim, or a tuple of dims."""
    several = st.lists(st.sampled_from(range(x.ndim)), unique=True, min_size=1).map(tuple) \
        if x.ndim else st.nothing()
    return st.tuples(st.none() | dim(x.ndim) | several)


def cat_dims(*tensors):
    """Constants: a dim along which the arrays' shapes are the only ones to differ."""
    ndim = tensors[0].ndim
    fits = [d for d in range(ndim)
            if all(np.delete(t.shape, d).tolist() == np.delete(tensors[0].shape, d).tolist()
                   for t in tensors)]
    return st.tuples(st.sampled_from(fits + [d - ndim for d in fits]))


def integer_index_for(x):
    """Constants: an int64 index array into x's first dim, negative values and repeats included."""
    n = x.shape[0]
    return st.tuples(hnp.arrays(np.int64, shapes(max_dims=2), elements=st.integers(-n, n - 1)))


def labels_for(x):
    """Constants: one class label per row of x, as `y` in `y_hat[range(n), y]`."""
    return st.tuples(class_indices(x.shape[1], (x.shape[0],)))


SHAPE = [
    OpEntry(("reshape", "Tensor.reshape"), reshape_spellings,
            one(), constants=new_shapes, second_order=True),
    OpEntry(("Tensor.view",), lambda lib, x, shape: (x.view(shape), x.view(-1)),
            one(), constants=new_shapes, second_order=True),
    OpEntry(("flatten", "Tensor.flatten"),
            lambda lib, x, start, end: (lib.flatten(x), x.flatten(start, end)),
            one(), constants=flatten_dims, second_order=True),
    OpEntry(("t", "Tensor.t"), lambda lib, x: (lib.t(x), x.t()),
            one(shape=shapes(max_dims=2)), second_order=True),
    # torch deprecates .T on anything but a matrix.
    OpEntry(("Tensor.T",), lambda lib, x: x.T,
            one(shape=shapes(min_dims=2, max_dims=2)), second_order=True),
    OpEntry(("transpose", "Tensor.transpose"),
            lambda lib, x, d0, d1: (lib.transpose(x, d0, d1), x.transpose(d0, d1)),
            one(), constants=lambda x: st.tuples(dim(x.ndim), dim(x.ndim)), second_order=True),
    OpEntry(("permute", "Tensor.permute"), permute_spellings,
            one(), constants=orders, second_order=True),
    OpEntry(("unsqueeze", "Tensor.unsqueeze"),
            lambda lib, x, d: (lib.unsqueeze(x, d), x.unsqueeze(d)),
            one(), constants=lambda x: st.tuples(dim(x.ndim + 1)), second_order=True),
    OpEntry(("squeeze", "Tensor.squeeze"),
            lambda lib, x, d: (lib.squeeze(x), x.squeeze(d) if d is not None else x.squeeze()),
            one(), constants=squeeze_dims, second_order=True),
    OpEntry(("cat",), lambda lib, *tensors_and_dim: lib.cat(tensors_and_dim[:-1],
                                                           dim=tensors_and_dim[-1]),
            concatenable_arrays(), constants=cat_dims, second_order=True),
    OpEntry(("stack",), lambda lib, *tensors_and_dim: lib.stack(tensors_and_dim[:-1],
                                                               dim=tensors_and_dim[-1]),
            st.integers(2, 3).flatmap(same_shape_arrays),
            constants=lambda *tensors: st.tuples(dim(tensors[0].ndim + 1)), second_order=True),
    OpEntry(("Tensor.__getitem__",), lambda lib, x, index: x[index],
            one(), constants=lambda x: st.tuples(basic_indices(x.shape)), second_order=True,
            name="indexing with ints, slices, None and ..."),
    OpEntry(("Tensor.__getitem__",),
            lambda lib, x, index: (x[constant(lib, index, x)], x[index.reshape(-1).tolist()]),
            one(shape=shapes(min_dims=1)), constants=integer_index_for, second_order=True,
            name="indexing with integer arrays (repeats accumulate)"),
    OpEntry(("Tensor.__getitem__",),
            lambda lib, x, y: x[range(len(y)), constant(lib, y, x)],
            one(shape=shapes(min_dims=2, max_dims=2)), constants=labels_for, second_order=True,
            name="indexing y_hat[range(n), y]"),
    OpEntry(("Tensor.__getitem__",), lambda lib, x: x[x > 0.5],
            one(away_from(0.5)), second_order=True, name="indexing with a boolean mask"),
]

# ---------------------------------------------------------------------------
# conversions
# ---------------------------------------------------------------------------

CONVERSIONS = [
    OpEntry(("Tensor.to", "Tensor.double", "Tensor.cpu"),
            lambda lib, x: (x.to(lib.float64), x.to(dtype=lib.float64), x.double(), x.to("cpu"),
                            x.cpu()),
            one(), second_order=True, name="to, double, cpu"),
    OpEntry(("Tensor.to", "Tensor.float"),
            lambda lib, x: (x.to(lib.float32), x.float()),
            one(), second_order=True, name="to(float32), float",
            no_finite_differences="float64 inputs are rounded to float32, far coarser than the "
                                  "finite-difference step"),
    OpEntry(("Tensor.clone",), lambda lib, x: x.clone(), one(), second_order=True),
    OpEntry(("Tensor.long", "Tensor.int", "Tensor.bool"),
            lambda lib, x: (x.long(), x.int(), x.bool()),
            one(ties((-2.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.75))), grad=False,
            name="long, int, bool"),
]

CORE_ENTRIES = (ARITHMETIC + ELEMENTWISE + STABILITY + SOFTMAX + SELECTION + REDUCTIONS + MATMUL
                + SHAPE + CONVERSIONS)
ENTRIES = (CORE_ENTRIES + NN_ENTRIES + TENSOR_ENTRIES + MATH_ENTRIES + RNN_ENTRIES
           + LAYER_ENTRIES)
