"""Gradient hooks against torch: Tensor.register_hook (leaves and computed tensors, recording and
replacing gradients, removal) and Module.register_full_backward_hook / _pre_hook."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3))
W1, B1 = RNG.standard_normal((5, 3)), RNG.standard_normal(5)
W2, B2 = RNG.standard_normal((2, 5)), RNG.standard_normal(2)


def as_numpy(value):
    return None if value is None else value.detach().numpy()


def assert_same(ours, theirs):
    """Nested tuples/lists of tensors (or None) equal elementwise."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            assert_same(a, b)
    elif theirs is None:
        assert ours is None
    else:
        np.testing.assert_allclose(as_numpy(ours), as_numpy(theirs), rtol=1e-12, atol=1e-12)


def mlp_with_hooks(lib, hooks):
    """A two-layer MLP written with tensor ops; `hooks(name, tensor)` registers on each tensor."""
    x = lib.tensor(X, requires_grad=True)
    w1, b1 = lib.tensor(W1, requires_grad=True), lib.tensor(B1, requires_grad=True)
    w2, b2 = lib.tensor(W2, requires_grad=True), lib.tensor(B2, requires_grad=True)
    leaves = {"x": x, "w1": w1, "b1": b1, "w2": w2, "b2": b2}
    for name, leaf in leaves.items():
        hooks(name, leaf)
    h = x @ w1.t() + b1
    hooks("h", h)
    a = h.tanh()
    hooks("a", a)
    out = (a @ w2.t() + b2) * a.sum(1, keepdim=True)  # `a` reaches out along two paths
    hooks("out", out)
    loss = (out ** 2).mean()
    return loss, leaves


def test_recording_hooks_see_torchs_gradients_once_per_tensor():
    seen = {}
    for lib in (torch, mg):
        log = seen[lib] = []
        loss, _ = mlp_with_hooks(lib, lambda name, t: t.register_hook(
            lambda grad, name=name: log.append((name, grad))))
        loss.backward()
    # Each tensor's hook runs once, with the gradient summed over all its uses.
    assert sorted(n for n, _ in seen[mg]) == sorted(n for n, _ in seen[torch])
    theirs = dict(seen[torch])
    for name, grad in seen[mg]:
        assert_same(grad, theirs[name])
    # Computed tensors' hooks run in the order backward reaches them, as in torch.
    order = [n for n, _ in seen[mg] if n in ("out", "a", "h")]
    assert order == [n for n, _ in seen[torch] if n in ("out", "a", "h")] == ["out", "a", "h"]


@pytest.mark.parametrize("hooked", ["x", "w1", "h", "a", "out"])
def test_a_hook_that_scales_the_gradient_changes_every_gradient_as_in_torch(hooked):
    grads = {}
    for lib in (torch, mg):
        loss, leaves = mlp_with_hooks(lib, lambda name, t: t.register_hook(
            lambda grad: grad * 3 - 1) if name == hooked else None)
        loss.backward()
        grads[lib] = [leaves[n].grad for n in ("x", "w1", "b1", "w2", "b2")]
    assert_same(grads[mg], grads[torch])


def test_hooks_chain_in_order_and_retain_grad_sees_the_hooked_gradient():
    results = {}
    for lib in (torch, mg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        log = []
        y.register_hook(lambda g: log.append(("first", g)))
        y.register_hook(lambda g: g * 2)
        y.register_hook(lambda g: log.append(("third", g)))
        (y * 3).sum().backward()
        results[lib] = (log, y.grad, x.grad)
    assert [n for n, _ in results[mg][0]] == ["first", "third"]
    assert_same([g for _, g in results[mg][0]], [g for _, g in results[torch][0]])
    assert_same(results[mg][1:], results[torch][1:])


def test_hooks_apply_to_autograd_grad_inputs_leaf_and_computed():
    out = {}
    for lib in (torch, mg):
        x = lib.tensor([1.0, -2.0, 3.0], dtype=lib.float64, requires_grad=True)
        x.register_hook(lambda g: g * 10)
        y = x.exp()
        y.register_hook(lambda g: g + 1)
        z = (y * x).sum()
        # torch takes y's gradient before y's hook when y's node runs on (towards x), after it
        # when y is all that is asked for.
        out[lib] = lib.autograd.grad(z, (x, y), retain_graph=True)
        out[lib] += lib.autograd.grad(z, y, retain_graph=True)
        out[lib] += lib.autograd.grad(z, x)
    assert_same(out[mg], out[torch])


def test_hooks_under_create_graph_give_torchs_second_derivatives():
    out = {}
    for lib in (torch, mg):
        x = lib.tensor([0.5, -1.5], dtype=lib.float64, requires_grad=True)
        y = x.sin()
        y.register_hook(lambda g: g * y)  # a hook whose replacement depends on x
        (gx,) = lib.autograd.grad((y ** 2).sum(), x, create_graph=True)
        (ggx,) = lib.autograd.grad(gx.sum(), x)
        out[lib] = (gx, ggx)
    assert_same(out[mg], out[torch])


def test_removing_a_hook_stops_it_and_with_blocks_remove_it():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(g))
    (x * 2).sum().backward()
    handle.remove()
    handle.remove()  # removing twice is harmless, as in torch
    (x * 2).sum().backward()
    assert len(calls) == 1
    with x.register_hook(lambda g: g * 0):
        x.grad = None
        (x * 2).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0]
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_a_gradient_a_hook_kept_is_not_changed_by_the_next_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    kept = []
    x.register_hook(lambda g: kept.append(g))
    (x + 0).sum().backward()
    (x + 0).sum().backward()  # accumulates into x.grad in place
    assert x.grad.tolist() == [2.0, 2.0]
    assert kept[0].tolist() == [1.0, 1.0]


def test_hook_errors_are_torchs():
    for lib in (torch, mg):
        with pytest.raises(RuntimeError, match="cannot register a hook on a tensor that doesn't "
                                               "require gradient"):
            lib.ones(2).register_hook(lambda g: g)
    for bad, error, message in ((lambda g: g[:1], RuntimeError, "changed the size of value"),
                                (lambda g: 5, TypeError, "hook returned 'int'"),
                                (lambda g: g.double(), RuntimeError, "changed the type of value")):
        for lib in (torch, mg):
            x = lib.ones(2, requires_grad=True)
            y = x * 2
            y.register_hook(bad)
            with pytest.raises(error, match=message):
                y.sum().backward()


# -- module backward hooks -------------------------------------------------------------------


def linear(lib, weight, bias):
    layer = lib.nn.Linear(weight.shape[1], weight.shape[0]).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(weight))
        layer.bias.copy_(lib.tensor(bias))
    return layer


def sequential(lib):
    return lib.nn.Sequential(linear(lib, W1, B1), lib.nn.Tanh(), linear(lib, W2, B2))


@pytest.mark.parametrize("build", [lambda lib: linear(lib, W1, B1), sequential],
                         ids=["Linear", "Sequential"])
def test_full_backward_hooks_see_torchs_grad_input_and_grad_output(build):
    seen = {}
    for lib in (torch, mg):
        model = build(lib)
        log = seen[lib] = []
        model.register_full_backward_pre_hook(lambda m, go: log.append(("pre", go)))
        model.register_full_backward_hook(lambda m, gi, go: log.append(("hook", gi, go)))
        x = lib.tensor(X, requires_grad=True)
        (model(x) ** 3).sum().backward()
    assert [entry[0] for entry in seen[mg]] == ["pre", "hook"]
    assert_same([entry[1:] for entry in seen[mg]], [entry[1:] for entry in seen[torch]])


def test_backward_hooks_on_the_layers_inside_a_sequential_run_last_layer_first():
    seen = {}
    for lib in (torch, mg):
        model = sequential(lib)
        log = seen[lib] = []
        for index in (0, 2):
            model[index].register_full_backward_hook(
                lambda m, gi, go, index=index: log.append((index, gi, go)))
        (model(lib.tensor(X, requires_grad=True)) ** 2).sum().backward()
    assert [entry[0] for entry in seen[mg]] == [2, 0]
    assert_same([entry[1:] for entry in seen[mg]], [entry[1:] for entry in seen[torch]])


def test_backward_hooks_that_replace_gradients_give_torchs_gradients():
    grads = {}
    for lib in (torch, mg):
        model = sequential(lib)
        model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        model[0].register_full_backward_hook(lambda m, gi, go: (gi[0] - 1,))
        x = lib.tensor(X, requires_grad=True)
        (model(x) ** 2).sum().backward()
        grads[lib] = [x.grad] + [p.grad for p in model.parameters()]
    assert_same(grads[mg], grads[torch])


def test_a_backward_hook_on_a_first_layer_gets_none_for_its_input():
    seen = {}
    for lib in (torch, mg):
        model = linear(lib, W1, B1)
        log = seen[lib] = []
        model.register_full_backward_hook(lambda m, gi, go: log.append((gi, go)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model(lib.tensor(X)).sum().backward()
        assert any("no inputs require gradients" in str(w.message) for w in caught)
    assert seen[mg][0][0] == (None,)
    assert_same(seen[mg], seen[torch])


def test_removed_module_backward_hooks_stop_and_a_module_called_twice_hooks_twice():
    model = linear(mg, W1, B1)
    calls = []
    handle = model.register_full_backward_hook(lambda m, gi, go: calls.append(go[0].shape))
    x = mg.tensor(X, requires_grad=True)
    (model(x).sum() + model(x[:2]).sum()).backward()
    assert sorted(calls) == [(2, 5), (4, 5)]
    handle.remove()
    model(x).sum().backward()
    assert len(calls) == 2
    with pytest.raises(RuntimeError, match="invalid number of grad_input, got 2, but expected 1"):
        model.register_full_backward_hook(lambda m, gi, go: (gi[0], gi[0]))
        model(x).sum().backward()
