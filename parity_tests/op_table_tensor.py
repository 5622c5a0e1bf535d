"""Parity-table rows for the everyday tensor API (see op_entry.py); joined into op_table.py.

Indexing and selection (gather, scatter, index_select, take, masks, nonzero,
where), dimension transforms (expand, repeat, flip, roll, movedim, ...),
splitting and merging, statistics (var, std, sort, topk) and the conversions
the course uses (`type`). Indices and dims are drawn as constants from the
drawn input's shape, so every row covers negative dims, repeats and partial
index shapes where the op allows them.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from op_entry import OpEntry, constant
from strategies import (MAX_SIDE, arrays, basic_indices, broadcastable_arrays, concatenable_arrays, dim, dims,
                        distinct_arrays, inputs, nonzero, reals, same_shape_arrays, shapes,
                        ties)


def one(elements=None, shape=None):
    return inputs(arrays(shape, elements))


def at_least_1d(elements=None):
    return one(elements, shapes(min_dims=1))


def axis_of(x, d):
    return d % max(x.ndim, 1)


# ---------------------------------------------------------------------------
# indexing and selection
# ---------------------------------------------------------------------------


@st.composite
def gather_index(draw, x, side=4):
    """(dim, index): an int64 index of x's rank, no larger than x apart from dim, in range."""
    d = draw(dim(x.ndim))
    axis = axis_of(x, d)
    shape = tuple(draw(st.integers(1, side if i == axis else n)) for i, n in enumerate(x.shape))
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[axis] - 1)))
    return d, index


def array_and_smaller():
    """Inputs: x (at least 1-D) and src, no larger than x in any dim (scatter's operands)."""
    return shapes(min_dims=1).flatmap(lambda shape: st.tuples(
        arrays(shape), st.tuples(*(st.integers(1, n) for n in shape)).flatmap(arrays)))


@st.composite
def scatter_index(draw, x, src):
    """(dim, index): an index of src's shape, its values distinct along dim (where two writes
    land on one place, which one wins is undefined in torch). torch's backward refuses a src
    larger than the index, so the row keeps them equal (minigrad gives such a src zeros)."""
    d = draw(dim(x.ndim))
    axis = axis_of(x, d)
    keys = np.random.default_rng(draw(st.integers(0, 2 ** 16))).random(
        src.shape[:axis] + (x.shape[axis],) + src.shape[axis + 1:])
    index = np.argsort(keys, axis=axis)
    return d, np.take(index, np.arange(src.shape[axis]), axis=axis).astype(np.int64)


@st.composite
def scatter_add_index(draw, x, src):
    """(dim, index): an index of src's shape, its values repeating."""
    d = draw(dim(x.ndim))
    index = draw(hnp.arrays(np.int64, src.shape,
                            elements=st.integers(0, x.shape[axis_of(x, d)] - 1)))
    return d, index


def index_select_index(x):
    """Constants: a dim and a 1-D int64 index into it (repeats included)."""
    return dim(x.ndim).flatmap(lambda d: st.tuples(st.just(d), hnp.arrays(
        np.int64, st.integers(1, 4), elements=st.integers(0, x.shape[axis_of(x, d)] - 1))))


def take_index(x):
    """Constants: an int64 index of any shape into x flattened, negative positions included."""
    return st.tuples(hnp.arrays(np.int64, shapes(max_dims=2),
                                elements=st.integers(-x.size, x.size - 1)))


def mask_for(x, wider=False):
    """Constants: a boolean mask that broadcasts to x's shape (or, if `wider`, with it)."""
    shape = hnp.broadcastable_shapes(x.shape, max_side=MAX_SIDE,
                                     max_dims=3 if wider else x.ndim)
    return st.tuples(hnp.arrays(np.bool_, shape))


def assigned_at_basic_index(lib, x, index):
    """x[index] = ... inside a graph: x·1.5 with x[index] overwritten by sin(x[index]), so the
    gradient reaches x through both the kept positions and the value."""
    y = x * 1.5
    y[index] = x[index].sin()
    return y


def assigned_at_mask(lib, x, mask):
    """Assignment at a boolean mask: the masked values squared, and a plain number."""
    mask = constant(lib, mask, x)
    y, z = x.clone(), x * 1.0
    y[mask] = x[mask] ** 2
    z[mask] = 0.25
    return y, z


def assigned_at_rows(lib, x, rows):
    """Assignment at distinct integer rows of values broadcast to them: a 0-d tensor and a row.
    (With a repeated row torch's value gradient counts it twice; torch leaves it undefined.)"""
    rows = constant(lib, rows, x)
    y, z = x.clone(), x * 2.0
    y[rows] = x.mean()
    z[rows] = x[0].exp()
    return y, z


def rows_of(x):
    """Constants: a 1-D int64 index of distinct rows of x's first dim."""
    return st.tuples(hnp.arrays(np.int64, st.integers(1, min(4, x.shape[0])), unique=True,
                                elements=st.integers(0, x.shape[0] - 1)))


def scatter_calls(lib, x, src, d, index):
    index = constant(lib, index, x)
    return (lib.scatter(x, d, index, src), x.scatter(d, index, src),
            x.scatter(dim=d, index=index, value=2.5), x.scatter(d, index, -1.0))


def where_spellings(lib, a, b, condition):
    condition = constant(lib, condition, a)
    return (a.where(condition, b), lib.where(condition, 2.0, b), a.where(condition, 0.5))


def where_without_grad(lib, x):
    """where with two numbers (a new tensor: float32 for floats, int64 for ints), and the
    one-argument form, `where(condition)` = `nonzero(condition, as_tuple=True)`."""
    condition = x > 0
    return (lib.where(condition, 1.0, 0.0), lib.where(condition, 1, 0),
            lib.where(condition, 2, 0.5)) + tuple(lib.where(condition))


INDEXING = [
    OpEntry(("gather", "Tensor.gather"),
            lambda lib, x, d, index: (lib.gather(x, d, constant(lib, index, x)),
                                      x.gather(d, constant(lib, index, x)),
                                      x.gather(dim=d, index=constant(lib, index, x))),
            at_least_1d(), constants=gather_index, second_order=True),
    OpEntry(("scatter", "Tensor.scatter"), scatter_calls,
            array_and_smaller(), constants=scatter_index, second_order=True,
            name="scatter (src and value=)"),
    OpEntry(("scatter_add", "Tensor.scatter_add"),
            lambda lib, x, src, d, index: (lib.scatter_add(x, d, constant(lib, index, x), src),
                                           x.scatter_add(d, constant(lib, index, x), src)),
            array_and_smaller(), constants=scatter_add_index, second_order=True),
    OpEntry(("index_select", "Tensor.index_select"),
            lambda lib, x, d, index: (lib.index_select(x, d, constant(lib, index, x)),
                                      x.index_select(d, constant(lib, index, x))),
            at_least_1d(), constants=index_select_index, second_order=True),
    OpEntry(("take", "Tensor.take"),
            lambda lib, x, index: (lib.take(x, constant(lib, index, x)),
                                   x.take(constant(lib, index, x))),
            one(), constants=take_index, second_order=True),
    OpEntry(("masked_fill", "Tensor.masked_fill"),
            lambda lib, x, mask: (lib.masked_fill(x, constant(lib, mask, x), 0.5),
                                  x.masked_fill(constant(lib, mask, x), -2)),
            one(), constants=mask_for, second_order=True),
    OpEntry(("masked_fill",),
            lambda lib, x, value, mask: lib.masked_fill(x, constant(lib, mask, x), value),
            inputs(arrays(), arrays(shape=())), constants=lambda x, value: mask_for(x),
            second_order=True, name="masked_fill (a 0-d tensor value)"),
    OpEntry(("masked_select", "Tensor.masked_select"),
            lambda lib, x, mask: (lib.masked_select(x, constant(lib, mask, x)),
                                  x.masked_select(constant(lib, mask, x))),
            one(), constants=lambda x: mask_for(x, wider=True), second_order=True),
    OpEntry(("nonzero", "Tensor.nonzero", "argwhere", "Tensor.argwhere"),
            lambda lib, x: (lib.nonzero(x), x.nonzero(), lib.argwhere(x), x.argwhere())
            + lib.nonzero(x, as_tuple=True),
            one(ties((-1.0, 0.0, 2.0))), grad=False),
    OpEntry(("where", "Tensor.where"), where_spellings,
            same_shape_arrays(2), constants=lambda a, b: st.tuples(hnp.arrays(np.bool_, a.shape)),
            second_order=True, name="where (method, numbers)"),
    OpEntry(("where",), where_without_grad, one(ties((-1.0, 0.0, 2.0))), grad=False,
            name="where (two numbers, one argument)"),
    OpEntry(("Tensor.__setitem__",), assigned_at_basic_index,
            one(), constants=lambda x: st.tuples(basic_indices(x.shape)), second_order=True,
            name="assignment at ints, slices, None and ... in a graph"),
    OpEntry(("Tensor.__setitem__",), assigned_at_mask,
            one(), constants=lambda x: st.tuples(hnp.arrays(np.bool_, x.shape)),
            second_order=True, name="assignment at a boolean mask in a graph"),
    OpEntry(("Tensor.__setitem__",), assigned_at_rows,
            at_least_1d(), constants=rows_of, second_order=True,
            name="assignment at integer rows, values broadcast, in a graph"),
]

# ---------------------------------------------------------------------------
# dimension transforms
# ---------------------------------------------------------------------------


@st.composite
def expand_sizes(draw, x):
    """Constants: sizes `expand` takes: new leading dims, 1s widened, -1 to keep a size."""
    lead = draw(st.lists(st.integers(1, MAX_SIDE), max_size=2))
    kept = [draw(st.sampled_from([n, -1] if n != 1 else [1, 2, 3, -1])) for n in x.shape]
    return (tuple(lead + kept),)


def expand_spellings(lib, x, sizes):
    lead = len(sizes) - x.ndim
    target = tuple(n if n != -1 else x.shape[i - lead] for i, n in enumerate(sizes))
    unpacked = (x.expand(*sizes),) if sizes else ()
    return (x.expand(sizes), x.expand_as(lib.zeros(target))) + unpacked


def repeats_for(x):
    """Constants: one repeat count per dim, maybe with extra leading ones."""
    return st.integers(max(x.ndim, 1), x.ndim + 2).flatmap(
        lambda count: st.tuples(st.tuples(*[st.integers(1, 3)] * count)))


def dim_subsets(x):
    """Constants: a list of distinct dims (maybe negative), possibly empty."""
    if x.ndim == 0:
        return st.tuples(st.just([]))
    return st.tuples(st.lists(st.sampled_from(range(x.ndim)), unique=True).flatmap(
        lambda picked: st.tuples(*(st.sampled_from([d, d - x.ndim]) for d in picked)).map(list)))


def roll_arguments(x):
    """Constants: shifts and dims for `roll`: one shift with dims=None, or one shift per dim."""
    flattened = st.tuples(st.integers(-4, 4), st.none())
    if x.ndim == 0:
        return flattened
    per_dim = st.lists(st.sampled_from(range(x.ndim)), unique=True, min_size=1).flatmap(
        lambda picked: st.tuples(st.tuples(*[st.integers(-4, 4)] * len(picked)),
                                 st.just(tuple(picked))))
    return flattened | per_dim


def movedim_arguments(x):
    """Constants: `source` and `destination` dims of equal length."""
    if x.ndim == 0:
        return st.tuples(st.just(0), st.just(0))
    pick = st.integers(1, x.ndim).flatmap(lambda k: st.tuples(
        st.permutations(range(x.ndim)).map(lambda p: tuple(p[:k])),
        st.permutations(range(x.ndim)).map(lambda p: tuple(p[:k]))))
    return pick | st.tuples(dim(x.ndim), dim(x.ndim))


def unflatten_arguments(x):
    """Constants: a dim and sizes multiplying up to its size, one of them maybe -1."""
    d = dim(x.ndim)

    def sizes(d):
        n = x.shape[d % x.ndim]
        factorisations = [(n,), (1, n), (n, 1), (-1,)] + [(a, n // a) for a in range(2, n)
                                                          if n % a == 0]
        return st.tuples(st.just(d), st.sampled_from(factorisations))

    return d.flatmap(sizes)


def other_shapes(x):
    """Constants: a shape holding x's elements (for view_as and reshape_as)."""
    size = x.size
    found = {(size,), (1, size), (size, 1), ()} if size == 1 else {(size,), (1, size), (size, 1)}
    found |= {(a, size // a) for a in range(2, size) if size % a == 0}
    return st.tuples(st.sampled_from(sorted(found)))


TRANSFORMS = [
    OpEntry(("Tensor.expand", "Tensor.expand_as"), expand_spellings,
            one(), constants=expand_sizes, second_order=True),
    OpEntry(("Tensor.repeat",),
            lambda lib, x, repeats: (x.repeat(repeats), x.repeat(*repeats)),
            one(), constants=repeats_for, second_order=True),
    OpEntry(("Tensor.view_as", "Tensor.reshape_as"),
            lambda lib, x, shape: (x.view_as(lib.zeros(shape)), x.reshape_as(lib.zeros(shape))),
            one(), constants=other_shapes, second_order=True),
    OpEntry(("flip", "Tensor.flip"),
            lambda lib, x, d: (lib.flip(x, d), x.flip(d), x.flip(dims=d)),
            one(), constants=dim_subsets, second_order=True),
    OpEntry(("roll", "Tensor.roll"),
            lambda lib, x, shifts, d: (lib.roll(x, shifts, d), x.roll(shifts, dims=d)),
            one(), constants=roll_arguments, second_order=True),
    OpEntry(("movedim", "Tensor.movedim"),
            lambda lib, x, source, destination: (lib.movedim(x, source, destination),
                                                 x.movedim(source, destination)),
            one(), constants=movedim_arguments, second_order=True),
    OpEntry(("unflatten", "Tensor.unflatten"),
            lambda lib, x, d, sizes: (lib.unflatten(x, d, sizes), x.unflatten(d, sizes)),
            at_least_1d(), constants=unflatten_arguments, second_order=True),
    OpEntry(("Tensor.contiguous",),
            lambda lib, x: (x.contiguous(), x.T.contiguous()),
            one(shape=shapes(min_dims=2, max_dims=2)), second_order=True),
]

# ---------------------------------------------------------------------------
# splitting and merging
# ---------------------------------------------------------------------------


@st.composite
def split_sizes(draw, x):
    """Constants: a dim and what `split` takes: one size, or sizes adding up to the dim's."""
    d = draw(dim(x.ndim))
    n = x.shape[axis_of(x, d)]
    if draw(st.booleans()):
        return draw(st.integers(1, n + 1)), d
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    bounds = [0] + cuts + [n]
    return [b - a for a, b in zip(bounds, bounds[1:])], d


def tensor_split_arguments(x):
    """Constants: a dim and a number of sections, or a list of cut points (maybe past the end)."""
    return dim(x.ndim).flatmap(lambda d: st.tuples(
        st.integers(1, 4) | st.lists(st.integers(-3, 4), max_size=3).map(sorted), st.just(d)))


SPLITTING = [
    OpEntry(("split", "Tensor.split"),
            lambda lib, x, sizes, d: lib.split(x, sizes, d) + x.split(sizes, dim=d),
            at_least_1d(), constants=split_sizes, second_order=True),
    OpEntry(("chunk", "Tensor.chunk"),
            lambda lib, x, chunks, d: lib.chunk(x, chunks, d) + x.chunk(chunks, dim=d),
            at_least_1d(), constants=lambda x: st.tuples(st.integers(1, 4), dim(x.ndim)),
            second_order=True),
    OpEntry(("tensor_split", "Tensor.tensor_split"),
            lambda lib, x, sections, d: (lib.tensor_split(x, sections, d)
                                         + x.tensor_split(sections, dim=d)),
            at_least_1d(), constants=tensor_split_arguments, second_order=True),
    OpEntry(("unbind", "Tensor.unbind"),
            lambda lib, x, d: lib.unbind(x, d) + x.unbind(dim=d),
            at_least_1d(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    OpEntry(("concat",), lambda lib, *tensors_and_dim: (
        lib.concat(tensors_and_dim[:-1], dim=tensors_and_dim[-1]),
        lib.concat(tensors_and_dim[:-1], axis=tensors_and_dim[-1])),
            concatenable_arrays(),
            constants=lambda *tensors: st.tuples(st.sampled_from(
                [d for d in range(tensors[0].ndim)
                 if all(np.delete(t.shape, d).tolist() == np.delete(tensors[0].shape, d).tolist()
                        for t in tensors)])),
            second_order=True),
    OpEntry(("hstack", "vstack"), lambda lib, *tensors: (lib.hstack(tensors), lib.vstack(tensors)),
            st.integers(1, 3).flatmap(same_shape_arrays), second_order=True),
]

# ---------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------


def spread_dims(x):
    """Constants: dims (None, one or several) over which at least 2 elements are reduced,
    keepdim, and a correction of 0 or 1, so that N - correction > 0."""
    def reduced(d):
        axes = range(x.ndim) if d is None else [a % x.ndim for a in ((d,) if isinstance(d, int)
                                                                   else d)]
        return math.prod(x.shape[a] for a in axes) if x.ndim else 1

    return st.tuples(dims(x.ndim).filter(lambda d: reduced(d) >= 2), st.booleans(),
                     st.sampled_from([0, 1]))


def var_std_spellings(lib, x, d, keepdim, correction):
    """var and std by correction= and by unbiased (positional and by name), and the defaults."""
    unbiased = bool(correction)
    return (lib.var(x, d, keepdim=keepdim, correction=correction),
            x.std(d, unbiased, keepdim) if d is not None else x.std(unbiased=unbiased), x.var())


def sort_spellings(lib, x, d, descending):
    values, indices = lib.sort(x, d, descending)
    by_name = x.sort(dim=d, descending=descending)
    return (values, indices, by_name.values, by_name.indices, lib.argsort(x, d, descending),
            x.argsort(dim=d, descending=descending))


def topk_arguments(x):
    """Constants: k (at most the dim's size), dim, largest."""
    return dim(x.ndim).flatmap(lambda d: st.tuples(
        st.integers(0, x.shape[axis_of(x, d)] if x.ndim else 1), st.just(d), st.booleans()))


def topk_spellings(lib, x, k, d, largest):
    values, indices = lib.topk(x, k, d, largest)
    by_name = x.topk(k, dim=d, largest=largest)
    return values, indices, by_name.values, by_name.indices


STATISTICS = [
    OpEntry(("var", "Tensor.var", "std", "Tensor.std"), var_std_spellings,
            inputs(distinct_arrays(shapes(min_dims=1))), constants=spread_dims,
            second_order=True),
    OpEntry(("var_mean", "std_mean"),
            lambda lib, x, d, keepdim, correction: (
                lib.var_mean(x, d, keepdim=keepdim, correction=correction)
                + lib.std_mean(x, d, bool(correction), keepdim)),
            inputs(distinct_arrays(shapes(min_dims=1))), constants=spread_dims,
            second_order=True),
    OpEntry(("sort", "Tensor.sort", "argsort", "Tensor.argsort"), sort_spellings,
            inputs(distinct_arrays()), constants=lambda x: st.tuples(dim(x.ndim), st.booleans()),
            second_order=True),
    OpEntry(("topk", "Tensor.topk"), topk_spellings,
            inputs(distinct_arrays()), constants=topk_arguments, second_order=True),
]

def one_dim_keepdim(x):
    return st.tuples(dim(x.ndim), st.booleans())


def order_statistics(lib, x, d, keepdim):
    """median (of all, and along dim), kthvalue and mode, unpacked and by name."""
    k = (x.shape[axis_of(x, d)] if x.ndim else 1) // 2 + 1
    median = x.median(d, keepdim)
    kth = lib.kthvalue(x, k, d, keepdim)
    mode = x.mode(dim=d, keepdim=keepdim)
    return (lib.median(x), median.values, median.indices, kth.values, kth.indices, mode.values,
            mode.indices)


MORE_STATISTICS = [
    # Factors of magnitude 0.1 to 3: where one is as tiny as 1e-247, torch's second derivative
    # (through y/x_i) underflows to 0 while minigrad's product of the others stays exact.
    OpEntry(("prod", "Tensor.prod"),
            lambda lib, x, d, keepdim: (lib.prod(x), x.prod(d, keepdim=keepdim),
                                        lib.prod(x, dim=d, keepdim=keepdim)),
            one(nonzero()), constants=one_dim_keepdim, second_order=True),
    OpEntry(("prod",), lambda lib, x, d: (lib.prod(x), x.prod(d)),
            one(ties((0.0, 1.5, -2.0))), constants=lambda x: st.tuples(dim(x.ndim)),
            second_order=True, name="prod (zeros among the factors)"),
    OpEntry(("cumsum", "Tensor.cumsum"),
            lambda lib, x, d: (lib.cumsum(x, d), x.cumsum(dim=d), x.cumsum(d, dtype=lib.float64)),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    OpEntry(("cumprod", "Tensor.cumprod"),
            lambda lib, x, d: (lib.cumprod(x, d), x.cumprod(dim=d), x.cumprod(d, dtype=lib.float64),
                               lib.cumprod(x, axis=d)),
            one(nonzero()), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    # Exact zeros: the gradient at a row's first zero is the product of the others, 0 after it,
    # and the second derivative takes the O(n²) product of the others.
    OpEntry(("cumprod",), lambda lib, x, d: lib.cumprod(x, d),
            one(ties((0.0, 1.5, -2.0, 0.5))), constants=lambda x: st.tuples(dim(x.ndim)),
            second_order=True, name="cumprod (zeros among the factors)"),
    OpEntry(("logsumexp", "Tensor.logsumexp"),
            lambda lib, x, d, keepdim: (lib.logsumexp(x, d, keepdim), x.logsumexp(dim=d)),
            one(reals(30.0)), constants=lambda x: st.tuples(dims(x.ndim).filter(
                lambda d: d is not None), st.booleans()), second_order=True),
    OpEntry(("median", "Tensor.median", "kthvalue", "Tensor.kthvalue", "mode", "Tensor.mode"),
            order_statistics, inputs(distinct_arrays()), constants=one_dim_keepdim,
            second_order=True),
    # Which of equal elements median and kthvalue point at is torch's implementation detail
    # (a selection algorithm): only their values are compared here. mode points at the last.
    OpEntry(("median", "kthvalue", "mode"),
            lambda lib, x, d: tuple(order_statistics(lib, x, d, False)[i] for i in (0, 1, 3, 5, 6))
            + (lib.cumsum(x.long(), d), lib.prod(x.long(), d), x.long().prod(),
               lib.cumprod(x.long(), d), lib.cumprod(x.bool(), d)),
            one(ties((-1.0, 0.0, 2.0))), constants=lambda x: st.tuples(dim(x.ndim)), grad=False,
            name="median, kthvalue and mode with ties; integer cumsum, prod and cumprod"),
    OpEntry(("max", "Tensor.max", "min", "Tensor.min"),
            lambda lib, a, b: (lib.max(a, b), a.max(b), lib.min(a, b), a.min(b)),
            broadcastable_arrays(2, (ties((-1.5, 0.25, 2.0)), ties((-0.5, 1.0)))),
            second_order=True, name="max(a, b) and min(a, b) of two tensors"),
]


def predicates(lib, a, b, d):
    mask = a > 0
    logs = (a * 2).log()  # nan below 0, -inf at 0
    return (lib.all(mask), mask.all(d), lib.any(mask, dim=d, keepdim=True), mask.any(),
            a.all(), lib.count_nonzero(a), a.count_nonzero(d), lib.isnan(logs), logs.isinf(),
            lib.isfinite(logs), lib.isclose(a, b), a.isclose(b, atol=1.5),
            lib.tensor(lib.allclose(a, a + 1e-9)), lib.tensor(a.allclose(b)),
            lib.tensor(lib.equal(a, a)), lib.tensor(a.equal(b)))


def logic(lib, a, b):
    p, q = a > 0, b > 0
    i, j = (a * 2).long(), (b * 3).long()
    return (lib.logical_and(p, q), p.logical_or(q), lib.logical_xor(a, b), a.logical_not(),
            lib.logical_not(p), p & q, p | q, p ^ q, ~p, True & p, False | q, True ^ p,
            lib.bitwise_and(i, j), i.bitwise_or(j), lib.bitwise_xor(i, 3), ~i, i.bitwise_not(),
            i & j, 6 | j, i ^ j)


def counting(lib, x):
    labels = (x * 2).long().abs()
    values, inverse, counts = lib.unique(labels, return_inverse=True, return_counts=True)
    return (lib.bincount(labels.reshape(-1)), labels.reshape(-1).bincount(minlength=8),
            lib.bincount(labels.reshape(-1), weights=x.detach().reshape(-1)),
            lib.unique(x.detach()), labels.unique(), values, inverse, counts)


PREDICATES = [
    OpEntry(("all", "Tensor.all", "any", "Tensor.any", "count_nonzero", "Tensor.count_nonzero",
             "isnan", "Tensor.isnan", "isinf", "Tensor.isinf", "isfinite", "Tensor.isfinite",
             "isclose", "Tensor.isclose", "allclose", "Tensor.allclose", "equal",
             "Tensor.equal"),
            predicates, same_shape_arrays(2, ties((-1.0, 0.0, 0.5, 2.0)), shapes(min_dims=1)),
            constants=lambda a, b: st.tuples(dim(a.ndim)), grad=False,
            name="all, any, count_nonzero, isnan, isinf, isfinite, isclose, allclose, equal"),
    OpEntry(("logical_and", "logical_or", "Tensor.logical_or", "logical_xor", "logical_not",
             "Tensor.logical_not", "Tensor.logical_and", "Tensor.logical_xor",
             "Tensor.__and__", "Tensor.__or__", "Tensor.__xor__", "Tensor.__invert__",
             "Tensor.__rand__", "Tensor.__ror__", "Tensor.__rxor__", "bitwise_and",
             "Tensor.bitwise_and", "bitwise_or", "Tensor.bitwise_or", "bitwise_xor",
             "Tensor.bitwise_xor", "bitwise_not", "Tensor.bitwise_not"),
            logic, broadcastable_arrays(2, ties((-1.0, 0.0, 0.5, 2.0))), grad=False,
            name="logical and bitwise ops, & | ^ ~"),
    OpEntry(("bincount", "Tensor.bincount", "unique", "Tensor.unique"), counting,
            one(ties((-1.0, 0.0, 0.5, 2.0, 3.5))), grad=False, name="bincount, unique"),
    # Values from three, so that equal slices come up; integers, floats and bools. (torch's
    # float result claims a grad_fn whose backward is not implemented: compared detached.)
    OpEntry(("unique", "Tensor.unique"),
            lambda lib, x, d: lib.unique(x.long(), dim=d, return_inverse=True, return_counts=True)
            + (x.detach().unique(dim=d),
               lib.unique(x.bool(), sorted=True, dim=d, return_counts=True)[1],
               lib.unique(x, return_inverse=True, dim=d)[1]),
            one(ties((-1.0, 0.0, 2.0)), shape=shapes(min_dims=1)),
            constants=lambda x: st.tuples(dim(x.ndim)), grad=False,
            name="unique(dim=): distinct slices, sorted, with inverse and counts"),
]


# ---------------------------------------------------------------------------
# the course's idioms
# ---------------------------------------------------------------------------


def numpy_spellings(lib, x, d, keepdim):
    """`axis=` and `keepdims=`, which torch accepts for `dim=` and `keepdim=`."""
    return (x.sum(axis=d, keepdims=keepdim), lib.mean(x, axis=d, keepdim=keepdim),
            x.argmax(axis=d), x.max(axis=d, keepdims=keepdim).values, x.amin(axis=d),
            lib.softmax(x, axis=d), x.log_softmax(axis=d), x.unsqueeze(axis=d).squeeze(axis=d),
            lib.cat([x, x], axis=d), lib.stack([x, x], axis=d), x.std(axis=d, keepdims=keepdim))


COURSE = [
    # The spellings only: each op's gradients are checked by its own row.
    OpEntry(("sum", "mean", "argmax", "Tensor.argmax", "max", "amin", "softmax", "log_softmax",
             "cat", "stack", "unsqueeze", "squeeze", "std"),
            numpy_spellings, inputs(distinct_arrays(shapes(min_dims=1))),
            constants=lambda x: st.tuples(dim(x.ndim), st.booleans()).filter(
                lambda c: x.shape[c[0] % x.ndim] >= 2),
            grad=False, name="axis= and keepdims= (NumPy's names)"),
    OpEntry(("Tensor.type",),
            lambda lib, x: (x.type(lib.float64), x.type("torch.DoubleTensor"),
                            x.type(lib.DoubleTensor)),
            one(), second_order=True, name="type(dtype)"),
    OpEntry(("Tensor.type",),
            lambda lib, x: (x.type(lib.int64), x.type("torch.LongTensor"), x.type(lib.IntTensor),
                            x.type(lib.bool)),
            one(ties((-2.5, -1.0, 0.0, 0.5, 2.75))), grad=False, name="type(integer dtype)"),
]

TENSOR_ENTRIES = (INDEXING + TRANSFORMS + SPLITTING + STATISTICS + MORE_STATISTICS + PREDICATES
                  + COURSE)
