"""Parity-table rows for elementwise math and matrix products (see op_entry.py); joined into
op_table.py.

Values keep off each op's kinks and poles: rounding ops, remainders and
bounds draw from short lists of values that are never whole, never half-way
and never equal to a bound, so finite differences see the flat or linear
piece torch's gradient describes.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from op_entry import OpEntry
from strategies import (arrays, broadcastable_arrays, inputs, nonzero, positives,
                        reals, same_shape_arrays, shapes, ties)

# Never whole, never half-way (round), never a multiple of the divisors below (remainders).
OFF_GRID = (-2.37, -1.62, -0.21, 0.33, 1.74, 2.58)
DIVISORS = (-1.3, 0.7, 2.2)
# Bounds for clamp: none equals a value of OFF_GRID, and no lower bound equals an upper one.
LOWER_BOUNDS = (-1.9, 0.1, 1.2)
UPPER_BOUNDS = (-0.5, 0.9, 2.9)
BOUNDS = LOWER_BOUNDS + UPPER_BOUNDS


def one(elements=None, shape=None):
    return inputs(arrays(shape, elements))


def unary_entry(name, elements=None, method_aliases=()):
    """The row of a unary op: function, method, and the method's aliases (arcsin for asin)."""
    return OpEntry((name, f"Tensor.{name}") + tuple(f"Tensor.{a}" for a in method_aliases),
                   lambda lib, x: (getattr(lib, name)(x), getattr(x, name)())
                   + tuple(getattr(x, a)() for a in method_aliases),
                   one(elements), second_order=True)


UNARY = [
    unary_entry("sin"), unary_entry("cos"), unary_entry("tan", reals(1.2)),
    unary_entry("asin", reals(0.9), ("arcsin",)), unary_entry("acos", reals(0.9), ("arccos",)),
    unary_entry("atan", method_aliases=("arctan",)), unary_entry("sinh"), unary_entry("cosh"),
    unary_entry("log10", positives()), unary_entry("log1p", reals(0.9)), unary_entry("expm1"),
    unary_entry("exp2"), unary_entry("rsqrt", positives()),
    unary_entry("reciprocal", nonzero()), unary_entry("square"),
    unary_entry("frac", ties(OFF_GRID)),
]

ROUNDING = [
    OpEntry(("floor", "Tensor.floor", "ceil", "Tensor.ceil", "trunc", "Tensor.trunc", "fix",
             "Tensor.fix", "sign", "Tensor.sign"),
            lambda lib, x: (lib.floor(x), x.floor(), lib.ceil(x), x.ceil(), lib.trunc(x),
                            x.trunc(), lib.fix(x), x.fix(), lib.sign(x), x.sign()),
            one(ties(OFF_GRID)), second_order=True, name="floor, ceil, trunc, fix, sign"),
    OpEntry(("round", "Tensor.round"),
            lambda lib, x: (lib.round(x), x.round(), lib.round(x, decimals=1),
                            x.round(decimals=2)),
            one(ties(OFF_GRID)), second_order=True, name="round (decimals)"),
    OpEntry(("round",), lambda lib, x: (lib.round(x), x.round(decimals=1), (x / 10).round(decimals=1)),
            one(ties((0.5, 1.5, -2.5, -0.5, 2.5))), grad=False, name="round (halves to even)"),
    OpEntry(("floor", "ceil", "trunc", "round", "sign"),
            lambda lib, x: (lib.floor(x), lib.ceil(x), lib.trunc(x), lib.round(x), lib.sign(x)),
            inputs(arrays(shapes(), ties((-2.0, 0.0, 3.0)))), grad=False,
            name="rounding integer-valued tensors"),
]


def remainder_calls(lib, a, b):
    return (lib.remainder(a, b), a.remainder(b), a % b, lib.fmod(a, b), a.fmod(b), a % 1.5,
            lib.fmod(a, -1.5))


BINARY = [
    OpEntry(("atan2", "Tensor.atan2", "Tensor.arctan2"),
            lambda lib, a, b: (lib.atan2(a, b), a.atan2(b), a.arctan2(b)),
            broadcastable_arrays(2, nonzero()), second_order=True),
    OpEntry(("maximum", "Tensor.maximum", "minimum", "Tensor.minimum"),
            lambda lib, a, b: (lib.maximum(a, b), a.maximum(b), lib.minimum(a, b), a.minimum(b)),
            broadcastable_arrays(2, (ties(OFF_GRID), ties(BOUNDS))), second_order=True),
    OpEntry(("maximum", "minimum"),
            lambda lib, a, b: (lib.maximum(a, b), lib.minimum(a, b)),
            broadcastable_arrays(2, ties((-1.0, 0.0, 1.0))), second_order=True,
            no_finite_differences="ties on purpose: torch shares the gradient evenly between "
                                  "equal elements, where neither one-sided derivative is",
            name="maximum and minimum with ties"),
    OpEntry(("remainder", "Tensor.remainder", "Tensor.__mod__", "fmod", "Tensor.fmod"),
            remainder_calls, broadcastable_arrays(2, (ties(OFF_GRID), ties(DIVISORS))),
            second_order=True),
    # torch has no derivative for a number % a tensor (backward raises); minigrad's is -⌊a/b⌋.
    OpEntry(("Tensor.__rmod__",), lambda lib, x: (5.5 % x, 2 % x),
            one(ties(DIVISORS)), grad=False, name="number % tensor"),
    OpEntry(("floor_divide", "Tensor.floor_divide", "Tensor.__floordiv__",
             "Tensor.__rfloordiv__"),
            lambda lib, a, b: (lib.floor_divide(a, b), a.floor_divide(b), a // b, a // 2,
                               7 // b, a.long() // 2, (a * 4).long() // -3),
            broadcastable_arrays(2, (reals(), nonzero())), grad=False),
]

def value_and_bounds(count):
    """x (values off the grid) and `count` bounds whose shapes broadcast to x's (torch's clamp
    keeps x's shape), none equal to a value of x."""
    return shapes().flatmap(lambda shape: st.tuples(
        arrays(shape, ties(OFF_GRID)),
        *(hnp.broadcastable_shapes(shape, max_dims=len(shape))
          .filter(lambda bound_shape, shape=shape: np.broadcast_shapes(bound_shape, shape) == shape)
          .flatmap(lambda bound_shape, values=values: arrays(bound_shape, ties(values)))
          for values in (LOWER_BOUNDS, UPPER_BOUNDS)[:count])))


BOUNDED = [
    OpEntry(("clamp", "Tensor.clamp", "Tensor.clip"),
            lambda lib, x, low, high: (lib.clamp(x, low, high), x.clamp(min=low),
                                       x.clamp(max=high), x.clip(low, high),
                                       lib.clamp(x, min=low, max=high)),
            value_and_bounds(2), second_order=True, name="clamp (tensor bounds)"),
    OpEntry(("clamp_min", "Tensor.clamp_min", "clamp_max", "Tensor.clamp_max"),
            lambda lib, x, bound: (lib.clamp_min(x, bound), x.clamp_min(0.5),
                                   lib.clamp_max(x, bound), x.clamp_max(-0.5)),
            value_and_bounds(1), second_order=True),
    OpEntry(("lerp", "Tensor.lerp"),
            lambda lib, start, end, weight: (lib.lerp(start, end, weight),
                                             start.lerp(end, 0.25)),
            broadcastable_arrays(3), second_order=True),
    OpEntry(("addcmul", "Tensor.addcmul", "addcdiv", "Tensor.addcdiv"),
            lambda lib, x, a, b: (lib.addcmul(x, a, b), x.addcmul(a, b, value=0.5),
                                  lib.addcdiv(x, a, b, value=-2), x.addcdiv(a, b)),
            broadcastable_arrays(3, (reals(), reals(), nonzero())), second_order=True),
]


def square_matrices(count, batch=False):
    """`count` arrays: (n, m) and (m, p) matrices (or (b, n, m) and (b, m, p))."""
    @st.composite
    def draw(draw_from):
        sides = [draw_from(st.integers(1, 3)) for _ in range(count + 1)]
        lead = (draw_from(st.integers(1, 3)),) if batch else ()
        return tuple(draw_from(arrays(lead + (sides[i], sides[i + 1]))) for i in range(count))

    return draw()


@st.composite
def addmm_arrays(draw_from):
    """input (broadcastable to (n, p)), mat1 (n, m), mat2 (m, p)."""
    n, m, p = (draw_from(st.integers(1, 3)) for _ in range(3))
    shape = draw_from(st.sampled_from([(n, p), (p,), (1, p), (n, 1), ()]))
    return draw_from(arrays(shape)), draw_from(arrays((n, m))), draw_from(arrays((m, p)))


PRODUCTS = [
    OpEntry(("mm", "Tensor.mm"), lambda lib, a, b: (lib.mm(a, b), a.mm(b)),
            square_matrices(2), second_order=True),
    OpEntry(("bmm", "Tensor.bmm"), lambda lib, a, b: (lib.bmm(a, b), a.bmm(b)),
            square_matrices(2, batch=True), second_order=True),
    OpEntry(("mv", "Tensor.mv"), lambda lib, a, v: (lib.mv(a, v), a.mv(v)),
            st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(
                lambda nm: st.tuples(arrays(nm), arrays(nm[1:]))).map(tuple),
            second_order=True),
    OpEntry(("dot", "Tensor.dot", "outer", "Tensor.outer"),
            lambda lib, a, b: (lib.dot(a, b), a.dot(b), lib.outer(a, b), a.outer(b)),
            same_shape_arrays(2, shape=shapes(min_dims=1, max_dims=1)), second_order=True),
    OpEntry(("addmm", "Tensor.addmm"),
            lambda lib, x, a, b: (lib.addmm(x, a, b), x.addmm(a, b, beta=0.5, alpha=2),
                                  lib.addmm(x, a, b, beta=0)),
            addmm_arrays(), second_order=True),
]

EINSUM = [
    OpEntry(("einsum",),
            lambda lib, a, b: (lib.einsum("ij,jk->ik", a, b), lib.einsum("ij,jk", a, b),
                               lib.einsum("...j,jk->...k", a, b), lib.einsum("ij,jk->", [a, b]),
                               lib.einsum("ij,kl->ik", a, b)),
            square_matrices(2), second_order=True, name="einsum (two matrices)"),
    OpEntry(("einsum",),
            lambda lib, a: (lib.einsum("ii->i", a), lib.einsum("ii", a), lib.einsum("ij->", a),
                            lib.einsum("ij->j", a), lib.einsum("ji", a), lib.einsum("ij,ij->i", a, a)),
            inputs(st.integers(1, 3).flatmap(lambda n: arrays((n, n)))), second_order=True,
            name="einsum (one square matrix: diagonal, trace, sums, transpose)"),
    OpEntry(("einsum",),
            lambda lib, a, b: (lib.einsum("bij,bjk->bik", a, b), lib.einsum("b...,b...->b", a, a),
                               lib.einsum("...ij,...jk", a, b)),
            square_matrices(2, batch=True), second_order=True, name="einsum (batched)"),
    OpEntry(("einsum",),
            lambda lib, a, b: (lib.einsum("i,j->ij", a, b), lib.einsum("i,i", a, b),
                               lib.einsum("i,i->i", a, b)),
            same_shape_arrays(2, shape=shapes(min_dims=1, max_dims=1)), second_order=True,
            name="einsum (vectors)"),
]

MATH_ENTRIES = EINSUM + UNARY + ROUNDING + BINARY + BOUNDED + PRODUCTS
