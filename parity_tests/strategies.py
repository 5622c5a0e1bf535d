"""Hypothesis strategies for the parity tables: shapes, dims, and float64 values an op is valid on.

Every array strategy draws float64 NumPy arrays; the tests convert them to
each dtype. Shapes stay small (at most 3 dims of at most 3) because gradcheck
and gradgradcheck cost a function evaluation per input element, and small
shapes already reach every broadcasting and indexing case: 0-d tensors,
size-1 dims, and operands of different ranks.

Values avoid the points where an op is not differentiable (|x| and relu at 0,
clamp at its bounds, ties in max): there the one-sided derivatives disagree,
torch and minigrad may legitimately pick different ones, and finite
differences straddling the kink match neither.

Strategies named `..._arrays` in the plural draw a tuple of arrays, ready to
be an entry's `inputs`; `inputs(...)` joins single-array strategies into one:

    inputs(arrays(shapes(), positives()))               one array, any shape
    broadcastable_arrays(2, (positives(), reals()))     a base and an exponent that broadcast
    inputs(distinct_arrays(shapes(min_dims=1)))         no two elements equal

Dims for an entry's `constants` depend on the drawn input's rank, so they are
functions of `ndim`: `constants=lambda x: st.tuples(dim(x.ndim), st.booleans())`.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_DIMS = 3
MAX_SIDE = 3
# Finite differences use eps = 1e-6 and float32 rounds values by about 1e-7
# relative; a margin of 1e-2 keeps every kink far outside both.
KINK_MARGIN = 1e-2


# ---------------------------------------------------------------------------
# shapes and dims
# ---------------------------------------------------------------------------


def shapes(min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    """A shape: 0-d included by default; sides of 1 come up often."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(count=2, min_dims=0, max_dims=MAX_DIMS, min_side=1, max_side=MAX_SIDE):
    """`count` shapes that broadcast together (different ranks, size-1 dims against larger ones)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=count, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda drawn: drawn.input_shapes)


def matmul_shapes(max_batch_dims=1, max_side=MAX_SIDE):
    """Two shapes `a @ b` accepts: vectors, matrices, and batch dims that broadcast."""

    @st.composite
    def draw(draw_from):
        n, k, m = (draw_from(st.integers(1, max_side)) for _ in range(3))
        batch_a, batch_b = draw_from(broadcastable_shapes(2, max_dims=max_batch_dims,
                                                          max_side=max_side))
        shape_a = draw_from(st.sampled_from([(k,), batch_a + (n, k)]))
        shape_b = draw_from(st.sampled_from([(k,), batch_b + (k, m)]))
        return shape_a, shape_b

    return draw()


def dim(ndim):
    """One dim of a tensor of rank `ndim`, negative about half of the time (0-d takes 0 or -1)."""
    return st.integers(-max(ndim, 1), max(ndim, 1) - 1)


def dims(ndim):
    """What a reduction takes as `dim`: None, one int, or a tuple of distinct ints."""
    if ndim == 0:
        return st.none() | dim(0)
    several = st.lists(st.sampled_from(range(ndim)), unique=True, min_size=1).flatmap(
        lambda picked: st.tuples(*(st.sampled_from([d, d - ndim]) for d in picked)))
    return st.none() | dim(ndim) | several


# ---------------------------------------------------------------------------
# elements: the values one element may take
# ---------------------------------------------------------------------------


def reals(bound=3.0):
    """Any value in [-bound, bound]."""
    return st.floats(-bound, bound, allow_nan=False, allow_subnormal=False)


def positives(low=0.1, high=3.0):
    """Values in [low, high]: the domain of log and sqrt, a base raised to any power."""
    return st.floats(low, high, allow_nan=False, allow_subnormal=False)


def nonzero(low=0.1, high=3.0):
    """Values with low <= |v| <= high, of either sign: divisors, and |x| away from its kink."""
    return st.tuples(positives(low, high), st.booleans()).map(
        lambda magnitude_and_sign: magnitude_and_sign[0] * (1 if magnitude_and_sign[1] else -1))


def away_from(*points, margin=KINK_MARGIN, bound=3.0):
    """Values in [-bound, bound] at least `margin` away from every one of `points` (kinks)."""
    return reals(bound).filter(lambda v: all(abs(v - p) >= margin for p in points))


def probabilities(margin=KINK_MARGIN):
    """Values in [margin, 1 - margin]: probabilities whose logarithms stay moderate."""
    return st.floats(margin, 1 - margin, allow_nan=False, allow_subnormal=False)


def ties(values=(-1.0, 0.0, 1.0)):
    """Values from a short list, so that equal elements (ties) are the rule."""
    return st.sampled_from(values)


# ---------------------------------------------------------------------------
# arrays
# ---------------------------------------------------------------------------


def arrays(shape=None, elements=None):
    """A float64 array of `shape` (a tuple, a strategy of one, or any) with values from `elements`."""
    return hnp.arrays(np.float64, shapes() if shape is None else shape,
                      elements=reals() if elements is None else elements)


def inputs(*array_strategies):
    """An entry's `inputs`: a tuple with one array per strategy given."""
    return st.tuples(*array_strategies)


def _per_array(elements, count):
    """One element strategy per array: `elements` is one strategy for all, or a tuple of them."""
    return tuple(elements) if isinstance(elements, (tuple, list)) else (elements,) * count


def broadcastable_arrays(count=2, elements=None, **shape_options):
    """A tuple of `count` arrays whose shapes broadcast together.

    `elements` is one element strategy for all, or a tuple with one per array
    (say `(positives(), reals())` for a base and an exponent).
    """
    per_array = _per_array(elements, count)
    return broadcastable_shapes(count, **shape_options).flatmap(
        lambda drawn: st.tuples(*(arrays(s, e) for s, e in zip(drawn, per_array))))


def same_shape_arrays(count=2, elements=None, shape=None):
    """A tuple of `count` arrays of one common shape (drawn from `shape`, or any)."""
    per_array = _per_array(elements, count)
    shape = st.just(shape) if isinstance(shape, tuple) else shapes() if shape is None else shape
    return shape.flatmap(lambda drawn: st.tuples(*(arrays(drawn, e) for e in per_array)))


def matmul_arrays(elements=None, **shape_options):
    """A pair of arrays `a @ b` accepts (see `matmul_shapes`)."""
    per_array = _per_array(elements, 2)
    return matmul_shapes(**shape_options).flatmap(
        lambda drawn: st.tuples(*(arrays(s, e) for s, e in zip(drawn, per_array))))


def concatenable_arrays(max_count=3, elements=None):
    """2 to `max_count` arrays of one rank (>= 1) whose shapes differ in at most one dim."""

    @st.composite
    def draw(draw_from):
        shape = list(draw_from(shapes(min_dims=1)))
        along = draw_from(st.integers(0, len(shape) - 1))
        count = draw_from(st.integers(2, max_count))
        result = []
        for _ in range(count):
            shape[along] = draw_from(st.integers(1, MAX_SIDE))
            result.append(draw_from(arrays(tuple(shape), elements)))
        return tuple(result)

    return draw()


def distinct_arrays(shape=None, gap=0.1, low=-3.0, high=3.0):
    """Arrays whose elements differ pairwise by at least `gap`: no ties for max, min, argmax.

    The values are a random permutation of evenly spaced points in [low, high],
    each moved by less than a quarter of the spacing.
    """
    shape = st.just(shape) if isinstance(shape, tuple) else shapes() if shape is None else shape

    @st.composite
    def draw(draw_from):
        drawn = draw_from(shape)
        size = int(np.prod(drawn))
        spacing = max((high - low) / max(size, 1), 2 * gap)
        order = draw_from(st.permutations(range(size)))
        jitter = draw_from(st.lists(st.floats(-spacing / 4, spacing / 4), min_size=size,
                                    max_size=size))
        values = low + spacing / 2 + np.array(order, dtype=np.float64) * spacing + jitter
        return values.reshape(drawn)

    return draw()


def distinct_magnitudes(shape=None, gap=0.1):
    """Arrays of either sign whose absolute values differ pairwise by at least `gap`."""
    shape = st.just(shape) if isinstance(shape, tuple) else shapes() if shape is None else shape
    return shape.flatmap(lambda drawn: st.tuples(
        distinct_arrays(drawn, gap, low=0.1, high=3.0),
        hnp.arrays(np.float64, drawn, elements=st.sampled_from([-1.0, 1.0])),
    ).map(lambda magnitudes_and_signs: magnitudes_and_signs[0] * magnitudes_and_signs[1]))


def basic_indices(shape):
    """An index of ints, slices with positive steps, None and Ellipsis (torch has no negative steps)."""
    return hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True).filter(
        lambda index: not any(isinstance(part, slice) and (part.step or 1) < 0
                              for part in (index if isinstance(index, tuple) else (index,))))


def class_indices(num_classes, shape):
    """int64 class labels in [0, num_classes) of `shape`: targets, or `y` in `y_hat[range(n), y]`."""
    return hnp.arrays(np.int64, shape, elements=st.integers(0, num_classes - 1))
