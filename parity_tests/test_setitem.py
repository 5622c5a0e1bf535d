"""`x[index] = value` against torch: in place, recorded in the graph where torch records it
(gradients to the tensor assigned into, zero at index, and to the value), the version counter
bumped, and what torch refuses refused with its message. Also negative slice steps, which torch
refuses in both indexing directions."""
import numpy as np
import pytest
import torch

import minigrad as mg

INDICES = {
    "basic slices": (lambda lib: (slice(0, 2), slice(1, 3)), (2, 2)),
    "an int": (lambda lib: 1, (4,)),
    "an int, value broadcast": (lambda lib: 1, (1,)),
    "ellipsis and an int, 0-d value": (lambda lib: (Ellipsis, 2), ()),
    "a step": (lambda lib: (slice(None, None, 2),), (2, 4)),
    "None": (lambda lib: (None, 0), (1, 4)),
    "integer tensor": (lambda lib: lib.tensor([0, 2]), (2, 4)),
    "integer tensor, value broadcast": (lambda lib: lib.tensor([2, 0]), (4,)),
    "integer list": (lambda lib: [0, 2], (2, 4)),
    "two integer tensors": (lambda lib: (lib.tensor([0, 1]), lib.tensor([3, 0])), (2,)),
    "slice and integer tensor": (lambda lib: (slice(None), lib.tensor([1, 3])), (3, 1)),
    "boolean mask": (lambda lib: lib.tensor([[True, False, True, False]] * 3), ()),
    "boolean mask of rows": (lambda lib: lib.tensor([True, False, True]), (4,)),
}


def assign_and_differentiate(lib, index, value_shape, dtype="float64"):
    a = lib.tensor(np.arange(12.0).reshape(3, 4), dtype=getattr(lib, dtype), requires_grad=True)
    b = lib.tensor(np.linspace(-1, 1, int(np.prod(value_shape))).reshape(value_shape),
                   dtype=getattr(lib, dtype), requires_grad=True)
    x = a.clone()
    version = x._version
    x[index(lib)] = b
    weights = lib.tensor(np.arange(12.0).reshape(3, 4) * 0.5 + 1, dtype=getattr(lib, dtype))
    (x * x * weights).sum().backward()
    return (x.detach().tolist(), a.grad.tolist(), b.grad.tolist(), x._version - version,
            x.requires_grad, x.is_leaf)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("index, value_shape", INDICES.values(), ids=INDICES.keys())
def test_assignment_in_a_graph_matches_torch(index, value_shape, dtype):
    mine = assign_and_differentiate(mg, index, value_shape, dtype)
    theirs = assign_and_differentiate(torch, index, value_shape, dtype)
    for m, t in zip(mine[:3], theirs[:3]):
        np.testing.assert_allclose(m, t, rtol=1e-6)
    assert mine[3:] == theirs[3:]


def test_scalar_and_plain_values_into_a_graph_tensor_match_torch():
    def run(lib):
        a = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
        x = a * 2
        x[0, 1] = 7.0
        x[:, 2] = lib.tensor([0.25, 0.5])  # a value that does not require grad
        x[x > 3] = -1.0
        (x ** 2).sum().backward()
        return x.tolist(), a.grad.tolist()

    assert run(mg) == run(torch)


def test_assignment_is_twice_differentiable():
    a = mg.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.3, -0.7], dtype=mg.float64, requires_grad=True)

    def assigned(a, b):
        x = a.clone()
        x[:, 1] = b * b
        x[mg.tensor([1]), mg.tensor([2])] = b[0]
        return x * a

    assert mg.autograd.gradcheck(assigned, (a, b))
    assert mg.autograd.gradgradcheck(assigned, (a, b))


def test_assignment_into_a_tensor_without_grad_gives_it_a_grad_fn():
    def run(lib):
        b = lib.tensor([1.5, -2.0], requires_grad=True)
        x = lib.zeros(2, 3)
        x[:, 1] = b
        (x.sum(0) * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        return x.requires_grad, x.is_leaf, b.grad.tolist()

    assert run(mg) == run(torch)


def refusals(lib):
    def leaf_basic():
        lib.ones(3, requires_grad=True)[0] = 1.0

    def leaf_advanced():
        lib.ones(3, requires_grad=True)[lib.tensor([0])] = 1.0

    def view_of_leaf():
        lib.ones(3, requires_grad=True)[0:2][0] = 1.0

    def saved_then_assigned():
        a = lib.ones(3, requires_grad=True)
        y = a.exp()
        y[0] = 2.0  # exp saved its output for backward
        y.sum().backward()

    def saved_input_assigned():
        a = lib.ones(3, requires_grad=True)
        x = a * 1
        y = (x * a).sum()  # mul saved x
        x[1] = 5.0
        y.backward()

    def shapes_mismatch():
        lib.zeros(2, 3)[lib.tensor([True, False])] = lib.ones(2, 2)

    return {"leaf, basic index": (leaf_basic, "a view of a leaf Variable that requires grad"),
            "leaf, advanced index": (leaf_advanced, "^a leaf Variable that requires grad"),
            "view of a leaf": (view_of_leaf, "a view of a leaf Variable that requires grad"),
            "saved output": (saved_then_assigned, "modified by an inplace operation"),
            "saved input": (saved_input_assigned, "modified by an inplace operation"),
            "shapes": (shapes_mismatch, r"shape mismatch: value tensor of shape \[2, 2\] cannot be "
                                        r"broadcast to indexing result of shape \[1, 3\]")}


@pytest.mark.parametrize("case", refusals(torch).keys())
def test_assignment_refuses_what_torch_refuses(case):
    for lib in (torch, mg):
        call, message = refusals(lib)[case]
        with pytest.raises(RuntimeError, match=message):
            call()


def test_a_refused_assignment_leaves_the_tensor_unchanged():
    x = mg.zeros(2, 3)
    with pytest.raises(RuntimeError):
        x[mg.tensor([True, False])] = mg.ones(2, 2)
    leaf = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        leaf[0] = 5.0
    assert x.tolist() == [[0.0] * 3] * 2 and leaf.tolist() == [1.0] * 3 and leaf._version == 0


def test_assignment_into_a_view_of_a_graph_tensor_is_refused_not_lost():
    a = mg.ones(2, 3, requires_grad=True)
    x = a * 2
    with pytest.raises(RuntimeError, match="view of another tensor"):
        x[0][1] = mg.tensor(3.0, requires_grad=True)
    assert x.tolist() == [[2.0] * 3] * 2


@pytest.mark.parametrize("index", ["x[::-1]", "x[None, ::-2]", "x[1:, ::-1]"])
def test_negative_slice_steps_are_refused_as_torch(index):
    for lib in (torch, mg):
        x = lib.arange(6.0).reshape(2, 3)
        with pytest.raises(ValueError, match="^step must be greater than zero$"):
            eval(index, {"x": x})
        with pytest.raises(ValueError, match="^step must be greater than zero$"):
            exec(index + " = 0.0", {"x": x})
        assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
