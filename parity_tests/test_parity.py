"""The generic parity tests: every row of the table, run the same way against torch.

For each entry, hypothesis draws inputs (and constants) from the entry's
strategies, and each test runs the entry's `call` once with minigrad and once
with torch on the same numbers:

  test_forward                values, dtypes, shapes and requires_grad match torch's,
                              in float32 and float64
  test_gradient               mg.autograd.grad equals torch.autograd.grad for a random
                              upstream gradient, in float32 and float64
  test_gradcheck              minigrad's gradients equal central differences (float64)
  test_second_derivatives     Hessian-vector products through create_graph=True equal
                              torch's, in float32 and float64
  test_gradgradcheck          second derivatives equal central differences (float64)

minigrad runs on each device of the `device` fixture (see conftest.py); torch,
the oracle, runs on the CPU.
"""
import functools

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from op_table import ENTRIES

DTYPES = ("float32", "float64")

DIFFERENTIABLE = [e for e in ENTRIES if e.grad]
SECOND_ORDER = [e for e in ENTRIES if e.grad and e.second_order]
# Entries that say why finite differences cannot check them (no_finite_differences) are left out.
FINITE_DIFFERENCES = [e for e in DIFFERENTIABLE if not e.no_finite_differences]
FINITE_DIFFERENCES_SECOND_ORDER = [e for e in SECOND_ORDER if not e.no_finite_differences]


def by_name(entries):
    return pytest.mark.parametrize("entry", entries, ids=[e.name for e in entries])


# ---------------------------------------------------------------------------
# drawing a case and running it in both libraries
# ---------------------------------------------------------------------------


def draw_case(data, entry):
    """The entry's input arrays and its constants, drawn from its strategies."""
    arrays = data.draw(entry.inputs, label="inputs")
    constants = ()
    if entry.constants is not None:
        strategy = entry.constants
        if not isinstance(strategy, st.SearchStrategy):
            strategy = strategy(*arrays)
        constants = data.draw(strategy, label="constants")
    return arrays, constants


def minigrad_inputs(arrays, dtype, device):
    return [mg.tensor(a.astype(dtype), device=device, requires_grad=True) for a in arrays]


def torch_inputs(arrays, dtype):
    return [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]


def flat_outputs(result):
    """An op's result as a list of tensors: one tensor, or a tuple (of tuples) of them."""
    if isinstance(result, (tuple, list)):
        return [t for part in result for t in flat_outputs(part)]
    return [result]


def run_both(entry, arrays, constants, dtype, device):
    """(minigrad inputs, minigrad outputs, torch inputs, torch outputs) for one case."""
    mg_in = minigrad_inputs(arrays, dtype, device)
    torch_in = torch_inputs(arrays, dtype)
    mg_out = flat_outputs(entry.call(mg, *mg_in, *constants))
    torch_out = flat_outputs(entry.call(torch, *torch_in, *constants))
    assert len(mg_out) == len(torch_out), (
        f"{entry.name}: minigrad returned {len(mg_out)} tensors, torch {len(torch_out)}")
    return mg_in, mg_out, torch_in, torch_out


def differentiable(mg_out, torch_out):
    """The (minigrad, torch) output pairs that torch lets gradients flow through."""
    return [(m, t) for m, t in zip(mg_out, torch_out) if t.requires_grad]


# ---------------------------------------------------------------------------
# comparing
# ---------------------------------------------------------------------------


def as_numpy(tensor):
    """A minigrad or torch tensor's values as a NumPy array on the host."""
    if isinstance(tensor, torch.Tensor):
        # torch's double backward may return a ZeroTensor, which converts only with force=True.
        return tensor.detach().numpy(force=True)
    return tensor.detach().cpu().numpy()


def dtype_name(tensor):
    return str(tensor.dtype).rpartition(".")[2]


def assert_matches(mine, theirs, entry, dtype, what, exact=None):
    """A minigrad tensor has torch's dtype, shape and values (to the entry's tolerance).

    `exact`, given for float32 cases, is torch's answer to the same float32
    numbers computed in float64. Two libraries that add the same terms in
    another order round differently, and an ill-conditioned case (a sum that
    cancels) magnifies that past any float32 tolerance; there torch's float32
    is no oracle either. An element that misses torch's float32 value is then
    still right if it is at least as close to the exact answer as torch's is.
    """
    where = f"{entry.name} [{dtype}] {what}"
    assert dtype_name(mine) == dtype_name(theirs), (
        f"{where}: dtype {dtype_name(mine)}, torch gives {dtype_name(theirs)}")
    assert tuple(mine.shape) == tuple(theirs.shape), (
        f"{where}: shape {tuple(mine.shape)}, torch gives {tuple(theirs.shape)}")
    actual, expected = as_numpy(mine), as_numpy(theirs)
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(actual, expected, err_msg=where)
        return
    rtol, atol = entry.rtol[dtype], entry.atol[dtype]
    right = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if exact is not None:
        right |= np.abs(actual - exact) <= np.abs(expected.astype(np.float64) - exact)
    if not right.all():
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=where)


def assert_gradients_match(mine, theirs, inputs, entry, dtype, what, exact=None):
    """Gradients per input; no gradient (None) counts as zeros on either side."""
    for i, (m, t, x) in enumerate(zip(mine, theirs, inputs)):
        if m is None and t is None:
            continue
        m = mg.zeros_like(x) if m is None else m
        t = torch.zeros(tuple(x.shape), dtype=getattr(torch, dtype)) if t is None else t
        e = None
        if exact is not None:
            e = np.zeros(tuple(x.shape)) if exact[i] is None else exact[i]
        assert_matches(m, t, entry, dtype, f"{what} of input {i}", e)


def rounded_to_float32(value):
    """Float64 arrays, also inside tuples, rounded to float32 precision (and kept float64)."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32).astype(np.float64)
    if type(value) in (tuple, list):
        return type(value)(rounded_to_float32(v) for v in value)
    return value


def exact_answers(dtype, torch_side, *case):
    """For a float32 case, `torch_side(*case, "float64")` on the case rounded to float32: the
    exact answer to the float32 numbers, as NumPy arrays (None where torch gives none).
    None for a float64 case, whose only reference is torch's own."""
    if dtype != "float32":
        return None
    return [None if t is None else as_numpy(t).astype(np.float64)
            for t in torch_side(*rounded_to_float32(case), "float64")]


def draw_like(data, tensors, label):
    """Random arrays in [-1, 1] shaped like `tensors`: upstream gradients, directions."""
    return [data.draw(hnp.arrays(np.float64, tuple(t.shape), elements=st.floats(-1, 1)),
                      label=label) for t in tensors]


def like(lib, arrays, tensors, device=None):
    """`arrays` as `lib` tensors, each of the dtype (and on the device) of its partner in `tensors`."""
    if lib is mg:
        return [mg.tensor(a, dtype=t.dtype, device=device) for a, t in zip(arrays, tensors)]
    return [torch.tensor(a, dtype=t.dtype) for a, t in zip(arrays, tensors)]


# ---------------------------------------------------------------------------
# the tests
# ---------------------------------------------------------------------------


@by_name(ENTRIES)
@given(data=st.data())
def test_forward(entry, device, data):
    """Values, dtype, shape and requires_grad of every output match torch's (no silent upcast)."""
    arrays, constants = draw_case(data, entry)
    for dtype in DTYPES:
        _, mg_out, _, torch_out = run_both(entry, arrays, constants, dtype, device)
        exact = (exact_answers(dtype, functools.partial(torch_outputs, entry), arrays, constants)
                 or [None] * len(mg_out))
        for i, (m, t) in enumerate(zip(mg_out, torch_out)):
            assert_matches(m, t, entry, dtype, f"output {i}", exact[i])
            assert m.requires_grad == t.requires_grad, (
                f"{entry.name} [{dtype}] output {i}: requires_grad={m.requires_grad}, torch "
                f"{t.requires_grad}")


def torch_outputs(entry, arrays, constants, dtype):
    """The entry's outputs in torch, in `dtype`."""
    return flat_outputs(entry.call(torch, *torch_inputs(arrays, dtype), *constants))


@by_name(DIFFERENTIABLE)
@given(data=st.data())
def test_gradient(entry, device, data):
    """mg.autograd.grad equals torch.autograd.grad for a random upstream gradient."""
    arrays, constants = draw_case(data, entry)
    upstream = None
    for dtype in DTYPES:
        mg_in, mg_out, torch_in, torch_out = run_both(entry, arrays, constants, dtype, device)
        pairs = differentiable(mg_out, torch_out)
        assert pairs, f"{entry.name}: no output requires grad; mark the entry grad=False"
        if upstream is None:
            upstream = draw_like(data, [t for _, t in pairs], "upstream gradient")
        mg_out, torch_out = zip(*pairs)
        mine = mg.autograd.grad(mg_out, mg_in, like(mg, upstream, mg_out, device),
                                allow_unused=True)
        theirs = torch_gradients(torch_in, torch_out, upstream)
        exact = exact_answers(dtype, functools.partial(torch_case_gradients, entry), arrays,
                              constants, upstream)
        assert_gradients_match(mine, theirs, mg_in, entry, dtype, "gradient", exact)


def torch_gradients(torch_in, torch_out, upstream):
    """torch.autograd.grad of `torch_out` for `upstream`."""
    return torch.autograd.grad(torch_out, torch_in, like(torch, upstream, torch_out),
                               allow_unused=True)


def torch_case_gradients(entry, arrays, constants, upstream, dtype):
    """torch_gradients of the case built afresh in `dtype` (for the exact answers)."""
    return torch_gradients(*torch_differentiable_case(entry, arrays, constants, dtype), upstream)


def torch_differentiable_case(entry, arrays, constants, dtype):
    """torch's inputs for the case, and those of its outputs that gradients flow through."""
    torch_in = torch_inputs(arrays, dtype)
    torch_out = [t for t in flat_outputs(entry.call(torch, *torch_in, *constants)) if t.requires_grad]
    return torch_in, torch_out


@by_name(FINITE_DIFFERENCES)
@given(data=st.data())
def test_gradcheck(entry, device, data):
    """minigrad's Jacobian equals central differences, in float64."""
    arrays, constants = draw_case(data, entry)
    mg_in = minigrad_inputs(arrays, "float64", device)
    assert mg.autograd.gradcheck(lambda *xs: entry.call(mg, *xs, *constants), tuple(mg_in))


def hessian_vector_products(lib, inputs, outputs, upstream, direction):
    """d/dx <grad_x(<outputs, upstream>), direction>, with create_graph=True: (grads, products).

    Where the first gradient does not depend on the inputs (a linear op) it
    has no graph, and the product is zero.
    """
    grads = lib.autograd.grad(outputs, inputs, upstream, create_graph=True, allow_unused=True)
    terms = [(g * d).sum() for g, d in zip(grads, direction) if g is not None and g.requires_grad]
    if not terms:
        return grads, [None] * len(inputs)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return grads, lib.autograd.grad(total, inputs, allow_unused=True)


@by_name(SECOND_ORDER)
@given(data=st.data())
def test_second_derivatives(entry, device, data):
    """Hessian-vector products through create_graph=True equal torch's."""
    arrays, constants = draw_case(data, entry)
    upstream = direction = None
    for dtype in DTYPES:
        mg_in, mg_out, torch_in, torch_out = run_both(entry, arrays, constants, dtype, device)
        pairs = differentiable(mg_out, torch_out)
        if upstream is None:
            upstream = draw_like(data, [t for _, t in pairs], "upstream gradient")
            direction = draw_like(data, torch_in, "direction")
        mg_out, torch_out = zip(*pairs)
        mine = hessian_vector_products(mg, mg_in, mg_out, like(mg, upstream, mg_out, device),
                                       like(mg, direction, mg_in, device))
        theirs = hessian_vector_products(torch, torch_in, torch_out,
                                         like(torch, upstream, torch_out),
                                         like(torch, direction, torch_in))
        exact = exact_answers(dtype, functools.partial(torch_case_hessian_vector_products, entry),
                              arrays, constants, upstream, direction)
        count = len(mg_in)
        assert_gradients_match(mine[0], theirs[0], mg_in, entry, dtype,
                               "gradient with create_graph=True", exact and exact[:count])
        assert_gradients_match(mine[1], theirs[1], mg_in, entry, dtype,
                               "Hessian-vector product", exact and exact[count:])


def torch_case_hessian_vector_products(entry, arrays, constants, upstream, direction, dtype):
    """torch's gradients and Hessian-vector products, as one list, of the case built afresh in
    `dtype` (for the exact answers)."""
    torch_in, torch_out = torch_differentiable_case(entry, arrays, constants, dtype)
    grads, products = hessian_vector_products(torch, torch_in, torch_out,
                                              like(torch, upstream, torch_out),
                                              like(torch, direction, torch_in))
    return list(grads) + list(products)


@by_name(FINITE_DIFFERENCES_SECOND_ORDER)
@given(data=st.data())
def test_gradgradcheck(entry, device, data):
    """minigrad's second derivatives equal central differences of its first ones, in float64."""
    arrays, constants = draw_case(data, entry)
    mg_in = minigrad_inputs(arrays, "float64", device)
    assert mg.autograd.gradgradcheck(lambda *xs: entry.call(mg, *xs, *constants), tuple(mg_in))
