"""Tensors print as torch prints them, character for character: `str(t)` against torch's over
shapes, dtypes, values, print options and suffixes (minigrad/printing.py)."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg


@pytest.fixture(autouse=True)
def default_print_options():
    yield
    for lib in (mg, torch):
        lib.set_printoptions(profile="default")
        lib.set_default_dtype(lib.float32)


def printed(expression):
    """str() of what `expression` makes, in minigrad and in torch."""
    return tuple(str(eval(expression, {"lib": lib, "np": np, "math": math})) for lib in (mg, torch))


EXPRESSIONS = [
    "lib.tensor(1.8708)", "lib.tensor([1., 2.])", "lib.tensor([1.5, 2.0])", "lib.tensor(3)",
    "lib.tensor(True)", "lib.tensor(-0.0)", "lib.tensor([True, False])", "lib.tensor([1, -22, 333])",
    "lib.tensor([1e-5, 1.0])", "lib.tensor([1e10, 1.0])", "lib.tensor([123456789.0])",
    "lib.tensor([-1.5, 2.25, 1e3])", "lib.tensor([0.1, 100.0])", "lib.tensor([0.1, 100.1])",
    "lib.tensor([math.nan, math.inf, -math.inf, 1.5])", "lib.tensor([math.nan, 0.0])",
    "lib.tensor([math.inf, 2.0])", "lib.tensor([1e-8, 1.0], dtype=lib.float64)",
    "lib.ones(2, dtype=lib.float64)", "lib.ones(2, 3, dtype=lib.int32)",
    "lib.tensor(np.arange(25, dtype=np.uint8))", "lib.tensor([1.0, 2.5], dtype=lib.float16)",
    "lib.zeros(0, 3)", "lib.zeros(0, dtype=lib.int64)", "lib.tensor([])", "lib.zeros(2, 0, 1)",
    "lib.arange(2000)", "lib.arange(1001.0)", "lib.arange(1000.0)", "lib.arange(2000.).reshape(40, 50)",
    "lib.tensor(np.arange(3000).reshape(10, 10, 30))", "lib.tensor(np.arange(100.) / 7)",
    "lib.tensor(np.linspace(-3, 3, 60).reshape(3, 4, 5))", "lib.tensor(np.linspace(0, 1, 24)).reshape(2, 3, 2, 2)",
    "lib.ones(2, requires_grad=True)", "lib.ones(2, requires_grad=True) * 2",
    "lib.ones(30, dtype=lib.float64, requires_grad=True)", "lib.ones(3, requires_grad=True).exp()",
    "lib.nn.Parameter(lib.ones(3))", "lib.ones(2, 3).shape", "lib.ones(2).sum(0)",
    "lib.ones(2, 3).max(0)", "lib.arange(6.).reshape(2, 3).sort(1, descending=True)",
    "lib.nn.functional.cross_entropy(lib.ones(2, 3, requires_grad=True), lib.tensor([0, 2]))",
    "lib.nn.functional.relu(lib.ones(2, requires_grad=True) - 2)",
    "lib.ones(2, requires_grad=True).cumsum(0)", "lib.ones(2, requires_grad=True).cumprod(0)",
    "lib.ones(3, requires_grad=True)[lib.tensor([0, 2])]",
    "lib.ones(1, 3, requires_grad=True).expand(2, 3)",
    "lib.ones(2, 2, requires_grad=True) * lib.ones(2) + 1 - lib.ones(1) / 3",
]


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_str_matches_torch(expression):
    mine, theirs = printed(expression)
    assert mine == theirs


OPTIONS = [
    dict(precision=2), dict(precision=6), dict(sci_mode=True), dict(sci_mode=False),
    dict(threshold=5), dict(threshold=5, edgeitems=1), dict(threshold=5, edgeitems=0),
    dict(linewidth=40), dict(linewidth=200), dict(profile="short"), dict(profile="full"),
    dict(profile="short", precision=5),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
@pytest.mark.parametrize("expression", [
    "lib.tensor(np.linspace(-2, 3, 12)).reshape(3, 4)", "lib.arange(30)",
    "lib.tensor([1e-6, 2.5, 3e4])", "lib.tensor(np.arange(1200.) / 3)", "lib.tensor(2.0)",
    "lib.tensor(np.arange(60).reshape(3, 4, 5))", "lib.ones(3, requires_grad=True)",
])
def test_print_options_match_torch(options, expression):
    for lib in (mg, torch):
        lib.set_printoptions(**options)
    mine, theirs = printed(expression)
    assert mine == theirs


def test_the_default_dtype_decides_which_dtype_is_named():
    for lib in (mg, torch):
        lib.set_default_dtype(lib.float64)
    for expression in ("lib.tensor([1.5])", "lib.tensor([1.5], dtype=lib.float32)", "lib.zeros(0)",
                       "lib.zeros(0, dtype=lib.float32)"):
        mine, theirs = printed(expression)
        assert mine == theirs


DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool", "float16"]


@st.composite
def tensors(draw):
    """An array of any of minigrad's dtypes, of up to 4 dims, with values of any magnitude
    (so each print mode comes up): whole numbers, decimals, tiny and huge ones, nan and inf."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6))
    if dtype == "bool":
        elements = st.booleans()
    elif dtype in ("int64", "int32", "uint8"):
        info = np.iinfo(dtype)
        elements = st.integers(max(int(info.min), -10 ** 6), min(int(info.max), 10 ** 6))
    else:
        scale = draw(st.sampled_from([1e-6, 1e-2, 1.0, 1e3, 1e9]))
        plain = st.floats(-1e4, 1e4, allow_nan=False, width=16 if dtype == "float16" else 32)
        elements = st.one_of(plain.map(lambda v: v * scale if dtype != "float16" else v),
                             st.integers(-50, 50).map(float),
                             st.sampled_from([0.0, -0.0, math.nan, math.inf, -math.inf]))
    return draw(hnp.arrays(dtype, shape, elements=elements))


@given(tensors(), st.booleans(), st.sampled_from([None, dict(threshold=20), dict(linewidth=50),
                                                   dict(precision=2, edgeitems=1, threshold=8)]))
def test_str_matches_torch_over_shapes_dtypes_and_values(array, requires_grad, options):
    if options:
        for lib in (mg, torch):
            lib.set_printoptions(**options)
    try:
        made = [lib.tensor(array) for lib in (mg, torch)]
        if requires_grad and array.dtype.kind == "f":
            made = [t.requires_grad_() for t in made]
        mine, theirs = (str(t) for t in made)
        assert mine == theirs, (mine, theirs)
    finally:
        for lib in (mg, torch):
            lib.set_printoptions(profile="default")


def test_an_unknown_profile_changes_nothing_as_in_torch():
    for lib in (mg, torch):
        lib.set_printoptions(precision=2)
        lib.set_printoptions(profile="long")
    mine, theirs = printed("lib.tensor([1.23456])")
    assert mine == theirs == "tensor([1.23])"
