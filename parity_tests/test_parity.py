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

How values are judged. float64: against torch's float64 result, at the row's
tolerance (op_entry.py). float32: against the exact answer (torch in float64
on the same float32-rounded numbers), within FACTOR = 8 float32 epsilons times
a scale S that measures how far float32 rounding can move this very
computation: |minigrad - exact| <= 8 eps32 S. The rule, and how S is computed,
is stated once, in conditioning.py's docstring. torch's float32 result is not
the yardstick of a float32 value (it is rounded too); its dtype, shape and
requires_grad still are.
"""
import functools

import numpy as np
import pytest
import torch
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from conditioning import (assert_within_rounding, errors_in_rounding_units, exact_and_scale,
                          within_rounding_of_exact)
from op_table import ENTRIES

DTYPES = ("float32", "float64")

DIFFERENTIABLE = [e for e in ENTRIES if e.grad]
SECOND_ORDER = [e for e in ENTRIES if e.grad and e.second_order]
# Entries that say why finite differences cannot check them (no_finite_differences) are left out.
FINITE_DIFFERENCES = [e for e in DIFFERENTIABLE if not e.no_finite_differences]
FINITE_DIFFERENCES_SECOND_ORDER = [e for e in SECOND_ORDER if not e.no_finite_differences]


def by_name(entries):
    return pytest.mark.parametrize("entry", entries, ids=[e.name for e in entries])


def under_settings(test, profile, random_seed=None):
    """One of the tests below rebuilt under other hypothesis settings (a profile's, and a seed),
    for scripts that run them outside pytest (report.py, mutation.py): @given fixes a test's
    settings when this module is imported, so loading a profile afterwards would not reach it."""
    rebuilt = settings(profile)(given(data=st.data())(test.hypothesis.inner_test))
    return rebuilt if random_seed is None else seed(random_seed)(rebuilt)


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


RECORDER = None
"""When set (parity_tests/report.py sets it), called as RECORDER(entry, dtype, what, errors) with
every float comparison's worst errors (see `record`)."""


def assert_matches(mine, theirs, entry, dtype, what, judged=None):
    """A minigrad tensor has torch's dtype and shape, and the right values.

    `judged`, given for float32 cases, is a conditioning.ExactAnswer: the value must be
    within FACTOR eps32 S of the exact answer (conditioning.py); S is computed only when
    FACTOR eps32 |exact| is not already enough, or the report is listening. A float64
    value must equal torch's to the entry's tolerance.
    """
    where = f"{entry.name} [{dtype}] {what}"
    assert dtype_name(mine) == dtype_name(theirs), (
        f"{where}: dtype {dtype_name(mine)}, torch gives {dtype_name(theirs)}")
    assert tuple(mine.shape) == tuple(theirs.shape), (
        f"{where}: shape {tuple(mine.shape)}, torch gives {tuple(theirs.shape)}")
    actual = as_numpy(mine)
    if actual.dtype.kind != "f":
        np.testing.assert_array_equal(actual, as_numpy(theirs), err_msg=where)
        return
    if judged is not None:
        exact = judged.exact(actual.shape)
        if RECORDER is None and within_rounding_of_exact(actual, exact):
            return
        scale = judged.scale(actual.shape)
        record(entry, dtype, what, actual, exact, scale)
        assert_within_rounding(actual, exact, scale, where)
        return
    expected = as_numpy(theirs)
    record(entry, dtype, what, actual, expected)
    np.testing.assert_allclose(actual, expected, rtol=entry.rtol[dtype], atol=entry.atol[dtype],
                               equal_nan=True, err_msg=where)


def record(entry, dtype, what, actual, reference, scale=None):
    """Hand the comparison's worst errors to RECORDER, when one is listening: "relative", the
    largest |error| over the largest |reference| (over the largest S in float32: S >= |exact|,
    and an exact answer that cancels to about 0 has no size of its own), or "absolute" where
    the float64 reference is all within the row's atol of 0; and "rounding units", the largest
    |error| / (eps32 S), in float32."""
    if RECORDER is None:
        return
    actual, reference = actual.astype(np.float64), reference.astype(np.float64)
    finite = np.isfinite(reference) & np.isfinite(actual)
    difference = np.abs(actual[finite] - reference[finite]).max(initial=0.0)
    if scale is not None:
        size = scale[finite].max(initial=0.0)
        errors = {"relative": difference / size if size else difference,
                  "rounding units": errors_in_rounding_units(actual, reference, scale).max(initial=0.0)}
    else:
        size = np.abs(reference[finite]).max(initial=0.0)
        errors = ({"relative": difference / size} if size > entry.atol[dtype] else
                  {"absolute": difference})
    RECORDER(entry, dtype, what, errors)


def assert_gradients_match(mine, theirs, inputs, entry, dtype, what, exact=None):
    """Gradients per input; no gradient (None) counts as zeros on either side (and in `exact`,
    the ExactAnswers of a float32 case)."""
    for i, (m, t, x) in enumerate(zip(mine, theirs, inputs)):
        if m is None and t is None:
            continue
        m = mg.zeros_like(x) if m is None else m
        t = torch.zeros(tuple(x.shape), dtype=getattr(torch, dtype)) if t is None else t
        assert_matches(m, t, entry, dtype, f"{what} of input {i}", exact and exact[i])


def rounded_to_float32(value):
    """Float64 arrays, also inside tuples, rounded to float32 precision (and kept float64)."""
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.astype(np.float32).astype(np.float64)
    if type(value) in (tuple, list):
        return type(value)(rounded_to_float32(v) for v in value)
    return value


def exact_answers(dtype, torch_side, *case):
    """For a float32 case, per result of `torch_side(*case, "float64")` on the case rounded to
    float32, a conditioning.ExactAnswer (the exact answer and its scale S). None for a float64
    case, whose reference is torch's own."""
    if dtype != "float32":
        return None
    rounded = rounded_to_float32(case)
    return exact_and_scale(lambda: torch_side(*rounded, "float64"))


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
