"""The engine's behaviour, beyond single ops: accumulation, graph lifetime, grad modes, errors.

Wherever torch has the behaviour, the test runs the same code with `lib =
minigrad` and `lib = torch` and compares; where minigrad promises more than
torch (an error that names both shapes), minigrad alone is checked.
"""
import gc
import re
import sys
import tracemalloc
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend

LIBS = pytest.mark.parametrize("lib", [mg, torch], ids=["minigrad", "torch"])


def values(tensor):
    """A tensor's numbers (minigrad or torch) as a NumPy array."""
    return np.asarray(tensor.detach().cpu().numpy())


def same_on_both(run):
    """Run `run(lib)` with minigrad and with torch, assert the results agree, return minigrad's."""
    mine, theirs = run(mg), run(torch)
    assert_same(mine, theirs)
    return mine


def dtype_name(dtype):
    return str(dtype).rpartition(".")[2]


TOLERANCES = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-14)}


def assert_same(mine, theirs):
    """Nested tuples of tensors, dtypes, Nones and plain values are equal.

    Tensors must have the same dtype and equal values (to that dtype's precision).
    """
    if isinstance(mine, (tuple, list)):
        assert isinstance(theirs, (tuple, list)) and len(mine) == len(theirs), (mine, theirs)
        for m, t in zip(mine, theirs):
            assert_same(m, t)
    elif isinstance(theirs, torch.Tensor):
        assert mine is not None, f"minigrad gave None, torch {theirs}"
        assert dtype_name(mine.dtype) == dtype_name(theirs.dtype)
        np.testing.assert_allclose(values(mine), values(theirs),
                                   **TOLERANCES.get(dtype_name(mine.dtype), {}))
    elif isinstance(theirs, torch.dtype):
        assert dtype_name(mine) == dtype_name(theirs)
    else:
        assert mine == theirs


def leaf(lib, data=(0.5, -1.5, 2.0)):
    return lib.tensor(data, dtype=lib.float64, requires_grad=True)


def raises_like_torch(run, match):
    """`run(lib)` raises RuntimeError matching `match` with minigrad and with torch."""
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match=match):
            run(lib)


# ---------------------------------------------------------------------------
# where gradients go: .grad of leaves and non-leaves
# ---------------------------------------------------------------------------


def test_leaves_accumulate_grad_across_backward_calls():
    def run(lib):
        x = leaf(lib)
        (x * x).sum().backward()
        first = x.grad.clone()
        (3 * x).sum().backward()
        return first, x.grad

    first, total = same_on_both(run)
    np.testing.assert_allclose(values(total), values(first) + 3)


def test_retain_grad_on_a_tensor_without_grad_is_torchs_error():
    for lib in (torch, mg):
        with pytest.raises(RuntimeError, match="can't retain_grad on Tensor that has "
                                               "requires_grad=False"):
            lib.ones(2).retain_grad()


def test_non_leaves_keep_no_grad_unless_retain_grad():
    def run(lib):
        x = leaf(lib)
        hidden, kept = x * 2, x.exp()
        kept.retain_grad()
        (hidden * kept).sum().backward()
        with warnings.catch_warnings():  # torch warns when a non-leaf's .grad is read
            warnings.simplefilter("ignore")
            return hidden.grad, kept.grad, x.grad, hidden.is_leaf, x.is_leaf

    hidden_grad, kept_grad, _, _, _ = same_on_both(run)
    assert hidden_grad is None and kept_grad is not None


def test_zero_grad_by_assigning_none_starts_accumulation_afresh():
    def run(lib):
        x = leaf(lib)
        (x * x).sum().backward()
        x.grad = None
        x.sum().backward()
        return x.grad

    same_on_both(run)


# ---------------------------------------------------------------------------
# retain_graph, create_graph, allow_unused, grad_outputs
# ---------------------------------------------------------------------------


def test_retain_graph_allows_a_second_backward():
    def run(lib):
        x = leaf(lib)
        y = x.exp().sum()
        y.backward(retain_graph=True)
        y.backward()
        return x.grad

    same_on_both(run)


def test_second_backward_through_a_freed_graph_raises():
    def run(lib):
        y = leaf(lib).exp().sum()
        y.backward()
        y.backward()

    raises_like_torch(run, "Trying to backward through the graph a second time")


def test_create_graph_makes_gradients_differentiable():
    def run(lib):
        x = leaf(lib)
        (first,) = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x)
        return first, second, first.requires_grad

    same_on_both(run)


# torch warns that .grad holding a graph makes a reference cycle; the test clears it.
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_backward_with_create_graph_leaves_a_differentiable_grad():
    def run(lib):
        x = leaf(lib)
        x.tanh().sum().backward(create_graph=True)
        first = x.grad
        x.grad = None
        first.sum().backward()
        return first, x.grad

    same_on_both(run)


def test_allow_unused():
    def run(lib):
        x, unused = leaf(lib), leaf(lib)
        return lib.autograd.grad((x * x).sum(), [x, unused], allow_unused=True)

    _, unused_grad = same_on_both(run)
    assert unused_grad is None
    raises_like_torch(
        lambda lib: lib.autograd.grad(leaf(lib).sum(), [leaf(lib)]),
        "appears to not have been used in the graph")


def test_grad_outputs_weight_a_non_scalar_output():
    def run(lib):
        x = leaf(lib)
        weights = lib.tensor([1.0, -2.0, 0.5], dtype=lib.float64)
        (from_grad,) = lib.autograd.grad(x.exp(), x, grad_outputs=weights)
        x.exp().backward(gradient=weights)
        return from_grad, x.grad

    same_on_both(run)


def test_autograd_grad_does_not_touch_dot_grad():
    def run(lib):
        x = leaf(lib)
        lib.autograd.grad((x * x).sum(), x)
        return x.grad

    assert same_on_both(run) is None


def test_grad_of_several_outputs_adds_their_contributions():
    def run(lib):
        x = leaf(lib)
        return lib.autograd.grad([x.exp().sum(), (x * x).sum()], x)

    same_on_both(run)


# ---------------------------------------------------------------------------
# grad mode: no_grad, enable_grad, set_grad_enabled
# ---------------------------------------------------------------------------


def grad_mode_trace(lib):
    """(is_grad_enabled, whether an op records) at each point of a tour of the switches."""
    x = lib.ones(2, requires_grad=True)
    trace = []

    def note():
        trace.append((lib.is_grad_enabled(), (x * 2).requires_grad))

    note()
    with lib.no_grad():
        note()
        with lib.enable_grad():
            note()
        note()
    note()

    @lib.no_grad()
    def called_decorator():
        note()

    @lib.no_grad
    def bare_decorator():
        note()

    @lib.enable_grad()
    def enabling():
        note()

    called_decorator()
    bare_decorator()
    with lib.no_grad():
        enabling()
    note()

    with lib.set_grad_enabled(False):
        note()
    note()
    lib.set_grad_enabled(False)
    note()
    lib.set_grad_enabled(True)
    note()

    @lib.set_grad_enabled(False)
    def disabled():
        note()

    note()  # decorating must not switch the mode where the decorator is written
    disabled()
    note()
    return trace


def test_grad_mode_switches_match_torch():
    trace = same_on_both(grad_mode_trace)
    assert (False, False) in trace and (True, True) in trace


def test_no_grad_restores_the_mode_after_an_exception():
    for lib in (mg, torch):
        with pytest.raises(ValueError):
            with lib.no_grad():
                raise ValueError
        assert lib.is_grad_enabled()


def test_no_grad_results_are_leaves_without_grad():
    def run(lib):
        x = leaf(lib)
        with lib.no_grad():
            y = x * 2
        return y.requires_grad, y.is_leaf, y.grad_fn is None

    same_on_both(run)


# ---------------------------------------------------------------------------
# detach and requires_grad_
# ---------------------------------------------------------------------------


def test_detach_cuts_the_graph_and_shares_memory():
    def run(lib):
        x = leaf(lib)
        y = x * 2
        cut = y.detach()
        cut.zero_()  # shares memory with y
        (x * cut.sum() + y).sum().backward()
        return cut.requires_grad, cut.is_leaf, y, x.grad

    same_on_both(run)


def test_requires_grad_():
    def run(lib):
        x = lib.ones(2)
        same = x.requires_grad_()
        return same is x, x.requires_grad, x.is_leaf, x.requires_grad_(False).requires_grad

    same_on_both(run)
    raises_like_torch(lambda lib: (leaf(lib) * 2).requires_grad_(False),
                      "you can only change requires_grad flags of leaf variables")


# ---------------------------------------------------------------------------
# a user-defined Function
# ---------------------------------------------------------------------------


def scaled_cube(lib, needs_input_grad=None):
    """The same user Function for either library: y = scale·x³ + offset, dy/dx = 3·scale·x².

    Each forward appends its `ctx.needs_input_grad` to the list `needs_input_grad`.
    """

    class ScaledCube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, offset):
            ctx.save_for_backward(x)
            ctx.scale = scale
            if needs_input_grad is not None:
                needs_input_grad.append(tuple(ctx.needs_input_grad))
            return x ** 3 * scale + offset

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * ctx.scale * x ** 2, None, grad

    return ScaledCube


def test_user_function_matches_torch_to_second_order():
    def run(lib):
        x = leaf(lib)
        offset = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        y = scaled_cube(lib).apply(x, 2.0, offset)
        (first,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x)
        return y, first, second, y.grad_fn is not None

    same_on_both(run)


def test_user_function_sees_needs_input_grad():
    def run(lib):
        x, offset, needs_input_grad = leaf(lib), leaf(lib), []
        ScaledCube = scaled_cube(lib, needs_input_grad)
        y = ScaledCube.apply(x, 2.0, offset)
        z = ScaledCube.apply(x.detach(), 2.0, offset)
        (y.sum() + z.sum()).backward()
        return needs_input_grad, x.grad, offset.grad

    needs_input_grad, _, _ = same_on_both(run)
    assert needs_input_grad == [(True, False, True), (False, False, True)]


def test_user_function_backward_through_freed_graph_raises():
    def run(lib):
        y = scaled_cube(lib).apply(leaf(lib), 2.0, leaf(lib)).sum()
        y.backward()
        y.backward()

    raises_like_torch(run, "Trying to backward through the graph a second time")


# ---------------------------------------------------------------------------
# long graphs and memory
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("length", [5_000, 50_000])
def test_long_chains_backpropagate_without_recursion(length):
    x = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    y = x
    for _ in range(length):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(values(x.grad), [1.0001 ** length] * 2, rtol=1e-9)
    del y  # freeing the chain must not recurse either


def test_chain_of_5000_ops_matches_torch():
    def run(lib):
        x = leaf(lib)
        y = x
        for i in range(5_000):
            y = (y * 0.999).tanh() if i % 2 else y + 0.001
        y.sum().backward()
        return x.grad

    same_on_both(run)


def test_dropped_graphs_do_not_grow_memory():
    """2,000 forward passes without no_grad, results dropped: memory is the same as after 200.

    The collector is off, so a graph that is freed must be freed by reference
    counting alone, as soon as its output is dropped.
    """
    mg.manual_seed(0)
    weight = mg.randn(64, 32, requires_grad=True)
    bias = mg.zeros(32, requires_grad=True)
    batch = mg.randn(16, 64)

    def forward():
        hidden = (batch @ weight + bias).relu()
        return hidden.log_softmax(1).mean()

    was_enabled = gc.isenabled()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in range(200):
            forward()
        after_200 = tracemalloc.get_traced_memory()[0]
        for _ in range(1_800):
            forward()
        after_2000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        if was_enabled:
            gc.enable()
    # One pass's graph holds about 30 KiB of arrays, so keeping even one graph per pass
    # would add some 50 MiB. What may grow is Python's free lists filling up (up to 2,000
    # spare tuples of each size): a few hundred KiB, once.
    assert after_2000 - after_200 < 1024 * 1024, (
        f"memory grew by {(after_2000 - after_200) / 1024:.0f} KiB between 200 and 2,000 passes")


# ---------------------------------------------------------------------------
# in-place updates
# ---------------------------------------------------------------------------


def modify_saved_directly(lib, saved):
    saved.mul_(2)


def modify_saved_through_view(lib, saved):
    saved[1:].mul_(2)


def modify_saved_through_detach(lib, saved):
    saved.detach().add_(1)


@pytest.mark.parametrize("modify", [modify_saved_directly, modify_saved_through_view,
                                    modify_saved_through_detach])
def test_inplace_change_of_a_saved_tensor_is_caught_at_backward(modify):
    def run(lib):
        x = leaf(lib)
        saved = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
        y = (x * saved).sum()  # mul saves `saved` for x's gradient
        modify(lib, saved)
        y.backward()

    raises_like_torch(run, "modified by an inplace operation")


def test_inplace_change_of_a_saved_leaf_under_no_grad_is_caught():
    def run(lib):
        x = leaf(lib)
        y = (x * x).sum()
        with lib.no_grad():
            x.add_(1)
        y.backward()

    raises_like_torch(run, "modified by an inplace operation")


def test_inplace_on_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    raises_like_torch(lambda lib: leaf(lib).add_(1),
                      "a leaf Variable that requires grad is being used in an in-place operation")


INPLACE_UPDATES = {
    "add_": lambda x, other: x.add_(other, alpha=-0.5),
    "sub_": lambda x, other: x.sub_(other),
    "mul_": lambda x, other: x.mul_(other),
    "div_": lambda x, other: x.div_(other),
    "pow_": lambda x, other: x.pow_(2),
    "clamp_": lambda x, other: x.clamp_(-1.0, 1.0),
    "zero_": lambda x, other: x.zero_(),
    "fill_": lambda x, other: x.fill_(0.25),
    "copy_": lambda x, other: x.copy_(other),
    "__iadd__": lambda x, other: x.__iadd__(other),
    "__isub__": lambda x, other: x.__isub__(other),
    "__imul__": lambda x, other: x.__imul__(other),
    "__itruediv__": lambda x, other: x.__itruediv__(other),
    "__setitem__": lambda x, other: x.__setitem__(slice(1, None), other[:2]),
}


@pytest.mark.parametrize("update", INPLACE_UPDATES.values(), ids=INPLACE_UPDATES.keys())
def test_inplace_updates_under_no_grad_match_torch(update):
    """What an optimiser step does: the leaf changes in place, keeps requires_grad and its identity."""
    def run(lib):
        x = leaf(lib)
        other = lib.tensor([2.0, -0.5, 4.0], dtype=lib.float64)
        with lib.no_grad():
            result = update(x, other)
        return x, x.requires_grad, x.is_leaf, result is None or result is x

    same_on_both(run)


# ---------------------------------------------------------------------------
# errors a PyTorch user would recognise
# ---------------------------------------------------------------------------


def test_integer_tensors_cannot_require_grad():
    raises_like_torch(lambda lib: lib.tensor([1, 2], requires_grad=True),
                      "(?i)only Tensors of floating point")
    raises_like_torch(lambda lib: lib.tensor([1, 2]).requires_grad_(),
                      "(?i)only Tensors of floating point")


def test_backward_of_a_non_scalar_needs_a_gradient():
    raises_like_torch(lambda lib: (leaf(lib) * 2).backward(),
                      "grad can be implicitly created only for scalar outputs")


def test_grad_of_what_does_not_require_grad_is_refused():
    raises_like_torch(lambda lib: lib.ones(3).sum().backward(),
                      "element 0 of tensors does not require grad and does not have a grad_fn")
    raises_like_torch(lambda lib: lib.autograd.grad(leaf(lib).sum(), lib.ones(3)),
                      "does not require grad")


SHAPE_ERRORS = {
    "broadcast": (lambda lib, a, b: a + b, (2, 3), (4, 3)),
    "broadcast, ranks differ": (lambda lib, a, b: a * b, (3,), (2, 4)),
    "comparison": (lambda lib, a, b: a < b, (2, 3), (3, 2)),
    "matmul": (lambda lib, a, b: a @ b, (2, 3), (4, 5)),
    "matmul, vectors": (lambda lib, a, b: lib.matmul(a, b), (3,), (4,)),
    "matmul, batch dims": (lambda lib, a, b: a @ b, (2, 2, 3), (3, 3, 4)),
}


def shape_names(shape):
    """The ways an error message may write a shape: (2, 3), [2, 3] or 2x3."""
    return {str(shape), str(list(shape)), "x".join(map(str, shape))} | (
        {f"({shape[0]})", f"({shape[0]},)"} if len(shape) == 1 else set())


@pytest.mark.parametrize("op, shape_a, shape_b", SHAPE_ERRORS.values(), ids=SHAPE_ERRORS.keys())
def test_shape_errors_name_both_shapes(op, shape_a, shape_b):
    with pytest.raises(RuntimeError):  # torch refuses these too, with RuntimeError
        op(torch, torch.ones(shape_a), torch.ones(shape_b))
    with pytest.raises(RuntimeError) as error:
        op(mg, mg.ones(shape_a), mg.ones(shape_b))
    message = str(error.value)
    for shape in (shape_a, shape_b):
        assert any(name in message for name in shape_names(shape)), (
            f"the message does not name shape {shape}: {message}")


class WrongSquare(mg.autograd.Function):
    """x² with a wrong backward: 3x instead of 2x, so the error grows with |x|."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x


def test_gradcheck_names_the_worst_element_of_a_wrong_function():
    x = mg.tensor([0.5, -2.0, 1.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        mg.autograd.gradcheck(WrongSquare.apply, (x,))
    message = str(error.value)
    assert "output element 1, input element 1" in message, message
    analytic, numeric = (float(v) for v in re.search(
        r"analytic (\S+), numeric (\S+?) ", message).groups())
    assert analytic == pytest.approx(-6.0) and numeric == pytest.approx(-4.0, rel=1e-6)
    assert not mg.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False)
    assert mg.autograd.gradcheck(lambda t: t * t, (x,))


def test_gradcheck_asks_for_float64():
    with pytest.raises(RuntimeError, match="float64"):
        mg.autograd.gradcheck(lambda t: t * t, (mg.ones(2, requires_grad=True),))


# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------


def float32_tour(lib):
    """A float32 input through ops with Python numbers, reductions and shape ops: (y, dy/dx)."""
    x = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], requires_grad=True)
    y = (2.5 * x + 1) / 3.0 - 0.5
    y = (y ** 2).sqrt().log() + y.exp().softmax(-1) * y.sigmoid().tanh()
    y = (y.reshape(3, 2).t() @ x.T).max(dim=1).values
    y = lib.cat([y, y.abs().clamp(0.1, 2.0)]).norm() * 2
    y.backward()
    return y, x.grad


def test_float32_stays_float32_through_ops_and_gradients():
    y, grad = same_on_both(float32_tour)
    assert y.dtype == mg.float32 and grad.dtype == mg.float32


DTYPE_RULES = {
    "python floats": lambda lib: lib.tensor([1.5, 2.0]),
    "python ints": lambda lib: lib.tensor([1, 2]),
    "python bools": lambda lib: lib.tensor([True, False]),
    "numpy float64 keeps its dtype": lambda lib: lib.tensor(np.array([1.5])),
    "numpy float32 keeps its dtype": lambda lib: lib.tensor(np.array([1.5], dtype=np.float32)),
    "numpy int32 keeps its dtype": lambda lib: lib.tensor(np.array([1], dtype=np.int32)),
    "from_numpy keeps its dtype": lambda lib: lib.from_numpy(np.array([1.5])),
    "creation functions default to float32": lambda lib: lib.ones(2) + lib.zeros(2) + lib.rand(2),
    "integer arange is int64": lambda lib: lib.arange(3),
    "float arange is float32": lambda lib: lib.arange(3.0),
    "float32 * python float": lambda lib: lib.ones(2) * 2.5,
    "python int * float32": lambda lib: 3 * lib.ones(2),
    "float64 * python float": lambda lib: lib.ones(2, dtype=lib.float64) * 2.5,
    "int64 + python float": lambda lib: lib.tensor([1, 2]) + 1.5,
    "int64 + python int": lambda lib: lib.tensor([1, 2]) + 1,
    "int32 + python int": lambda lib: lib.tensor([1, 2], dtype=lib.int32) + 1,
    "bool + python int": lambda lib: lib.tensor([True]) + 1,
    "int64 / int64": lambda lib: lib.tensor([1, 2]) / lib.tensor([2, 2]),
    "int64 * float64 tensor": lambda lib: lib.tensor([1, 2]) * lib.ones(2, dtype=lib.float64),
    "float32 + 0-d float64": lambda lib: lib.ones(2) + lib.tensor(1.0, dtype=lib.float64),
    "float32 + float64": lambda lib: lib.ones(2) + lib.ones(2, dtype=lib.float64),
    "exp of int64": lambda lib: lib.exp(lib.tensor([1, 2])),
    "sum of int64": lambda lib: lib.tensor([1, 2]).sum(),
    "comparison": lambda lib: lib.ones(2) < 2,
    "argmax": lambda lib: lib.ones(2, 2).argmax(1),
}


@pytest.mark.parametrize("make", DTYPE_RULES.values(), ids=DTYPE_RULES.keys())
def test_dtype_rules_match_torch(make):
    assert dtype_name(make(mg).dtype) == dtype_name(make(torch).dtype)


# ---------------------------------------------------------------------------
# numerics and indexing
# ---------------------------------------------------------------------------

STABLE_OPS = {
    "sigmoid": lambda lib, x: lib.sigmoid(x),
    "softplus": lambda lib, x: (torch.nn.functional.softplus if lib is torch else mg.softplus)(x),
    "softmax": lambda lib, x: lib.softmax(x, 0),
    "log_softmax": lambda lib, x: lib.log_softmax(x, 0),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", STABLE_OPS.values(), ids=STABLE_OPS.keys())
def test_activations_stay_finite_for_huge_logits(op, dtype):
    def run(lib):
        x = lib.tensor([1e4, -1e4, 0.0, 50.0, -50.0], dtype=getattr(lib, dtype),
                       requires_grad=True)
        y = op(lib, x)
        (y * lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=y.dtype)).sum().backward()
        return y, x.grad

    y, grad = run(mg)
    assert np.isfinite(values(y)).all() and np.isfinite(values(grad)).all()
    y_torch, grad_torch = run(torch)
    tolerance = {"float32": 1e-6, "float64": 1e-14}[dtype]
    np.testing.assert_allclose(values(y), values(y_torch), rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(values(grad), values(grad_torch), rtol=tolerance, atol=tolerance)


def test_repeated_integer_indices_accumulate():
    def run(lib):
        x = leaf(lib)
        picked = x[[0, 2, 0, 0]] * lib.tensor([1.0, 2.0, 3.0, 4.0], dtype=lib.float64)
        picked.sum().backward()
        return x.grad

    np.testing.assert_allclose(values(same_on_both(run)), [8.0, 0.0, 2.0])


def test_y_hat_range_n_y_picks_and_backpropagates():
    def run(lib):
        y_hat = lib.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.2, 0.6], [0.9, 0.05, 0.05]],
                           dtype=lib.float64, requires_grad=True)
        y = lib.tensor([1, 0, 2, 0])
        loss = -y_hat[range(4), y].log().mean()
        loss.backward()
        return loss, y_hat.grad

    same_on_both(run)


# ---------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------


def test_cpu_tensors_are_on_the_cpu():
    x = mg.ones(2)
    assert x.device == "cpu" and str(x.device) == "cpu" and x.device.type == "cpu"
    assert not x.is_cuda
    assert (x * 2).device == "cpu" and x.cpu() is x


def test_cuda_is_unavailable_without_cupy(monkeypatch):
    """Run as if CuPy were not installed (importing it fails), whether it is or not."""
    monkeypatch.setitem(sys.modules, "cupy", None)
    monkeypatch.setattr(backend, "_cupy", None)
    assert mg.cuda.is_available() is False
    with pytest.raises(RuntimeError, match="CUDA tensors need CuPy"):
        mg.ones(2).cuda()


@pytest.mark.skipif(not mg.cuda.is_available(), reason="no GPU: needs CuPy and an NVIDIA GPU")
def test_ops_across_devices_are_refused():
    with pytest.raises(RuntimeError, match="same device"):
        mg.ones(2) + mg.ones(2, device="cuda")


@pytest.mark.skipif(not mg.cuda.is_available(), reason="no GPU: needs CuPy and an NVIDIA GPU")
def test_gradients_flow_back_across_a_device_move():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    y = (x.cuda() * 3).exp().cpu().sum()
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(values(x.grad), 3 * np.exp(3 * np.array([1.0, 2.0])))


def test_a_leaf_gradient_shared_with_a_pending_node_is_not_overwritten():
    """`a` gets the same gradient array as node `u` (from `a + u`), then a second gradient
    (through `v`) before `u` runs: adding that second gradient must not change what `u` reads."""
    def f(lib, a):
        u = a * 3
        v = a * 5
        return ((a + u) * v).sum()

    values = np.array([0.5, -1.25, 2.0])
    a = mg.tensor(values, requires_grad=True)
    f(mg, a).backward()
    a_torch = torch.tensor(values, requires_grad=True)
    f(torch, a_torch).backward()
    np.testing.assert_allclose(a.grad.numpy(), a_torch.grad.numpy(), rtol=1e-12)


def test_cpu_work_never_needs_cupy(monkeypatch):
    """NumPy gives 0-d results as scalars (numpy.float64); they are CPU values, so a machine
    without CuPy (README's test command installs none) must compute with them. gelu of a 0-d
    tensor used to ask CuPy which module its scalar belonged to."""
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy now raises ImportError
    monkeypatch.setattr(backend, "_cupy", None)
    assert backend.array_module(np.float64(1.5)) is np
    x = mg.tensor(0.75, dtype=mg.float64, requires_grad=True)
    y = mg.nn.functional.gelu(x) + mg.nn.functional.gelu(x, approximate="tanh")
    y.backward()
    x_torch = torch.tensor(0.75, dtype=torch.float64, requires_grad=True)
    y_torch = (torch.nn.functional.gelu(x_torch)
               + torch.nn.functional.gelu(x_torch, approximate="tanh"))
    y_torch.backward()
    np.testing.assert_allclose(y.item(), y_torch.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.item(), x_torch.grad.item(), rtol=1e-12)
