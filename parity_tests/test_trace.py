"""autograd.trace() and anomaly detection, checked number by number against torch.autograd."""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import tape


def chain_rule(lib):
    """The chain-rule tutorial: y1 = x*w1 + b1, y2 = y1*w2 + b2 with x = 1, w1 = w2 = 2, b = 1."""
    x = lib.tensor(1.0)
    w1, b1, w2, b2 = (lib.tensor(v, requires_grad=True) for v in (2.0, 1.0, 2.0, 1.0))
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    return dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2, y1=y1, y2=y2)


def backward_steps(t):
    return [s for s in t.steps if s.kind == "backward"]


def test_chain_rule_trace_shows_each_factor_and_their_product():
    v = chain_rule(mg)
    with mg.autograd.trace(params=v) as t:
        v["y2"].backward()
    ref = chain_rule(torch)
    dy2_dy1, = torch.autograd.grad(ref["y2"], ref["y1"], retain_graph=True)
    dy2_dw1, = torch.autograd.grad(ref["y2"], ref["w1"])

    # The multiplication that made y1*w2: d/da = b, and b is w2 = 2, so y1 receives 2.
    mul_top = next(s for s in t.steps if s.kind == "backward" and
                   any(label == "y1" for _, label, _ in s.inputs))
    assert mul_top.formula == "a * b. d/da = b, d/db = a"
    assert [(n, lbl, float(v.array)) for n, lbl, v in mul_top.saved] == [("a", "y1", 3.0),
                                                                       ("b", "w2", 2.0)]
    sent = {label: float(g.array) for _, label, g in mul_top.inputs}
    assert sent["y1"] == dy2_dy1.item() == 2.0
    assert mul_top.released

    # x*w1: d/db = a, and a is x = 1; the product 2 * 1 = 2 reaches w1.grad.
    mul_bottom = next(s for s in t.steps if s.kind == "backward" and
                      any(label == "w1" for _, label, _ in s.inputs))
    assert float(mul_bottom.grads_in[0].array) == 2.0
    assert [(n, lbl, float(v.array)) for n, lbl, v in mul_bottom.saved][0] == ("a", "x", 1.0)
    assert [(n, lbl) for n, lbl, _ in mul_bottom.inputs] == [("b", "w1")]  # x needs no grad
    w1_step = next(s for s in t.steps if s.kind == "accumulate" and s.outputs == ["w1"])
    assert w1_step.before is None and float(w1_step.after.array) == dy2_dw1.item() == 2.0
    assert w1_step.index > mul_bottom.index

    text = str(t)
    assert "a * b. d/da = b, d/db = a" in text and "w1.grad: None -> 2" in text
    assert "b = w2 = 2" in text and "a = x = 1" in text
    markdown = t.to_markdown()
    assert markdown.startswith("| step | node |") and markdown.count("\n") == len(t.steps) + 2
    # Steps run in the pass's order: each node before the nodes that made its inputs.
    assert [s.index for s in t.steps] == list(range(1, len(t.steps) + 1))
    assert len(backward_steps(t)) == 4 and len(t.steps) == 8


def two_layer_mlp(lib, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {k: rng.standard_normal(shape) for k, shape in
              dict(x=(4, 3), w1=(5, 3), b1=(5,), w2=(2, 5), b2=(2,)).items()}
    target = np.array([1, 0, 1, 1])
    t = {k: lib.tensor(a, requires_grad=k != "x") for k, a in arrays.items()}
    h = t["x"] @ t["w1"].t() + t["b1"]
    a = h.relu()
    z = a @ t["w2"].t() + t["b2"]
    fn = F if lib is mg else torch.nn.functional
    loss = fn.cross_entropy(z, lib.tensor(target))
    t.update(h=h, a=a, z=z, loss=loss)
    return t


def test_two_layer_mlp_trace_matches_torch_number_by_number():
    v = two_layer_mlp(mg)
    with mg.autograd.trace(params=v) as t:
        v["loss"].backward()
    ref = two_layer_mlp(torch)
    names = ["z", "a", "h", "w1", "b1", "w2", "b2"]
    grads = dict(zip(names, torch.autograd.grad(ref["loss"], [ref[n] for n in names])))

    received = {}  # every gradient the trace shows being sent to a named tensor
    for step in backward_steps(t):
        for _, label, grad in step.inputs:
            received.setdefault(label, []).append(grad.array)
        for label, grad in zip(step.outputs, step.grads_in):
            if label in grads:
                np.testing.assert_allclose(grad.array, grads[label].numpy(), rtol=1e-12)
    for name in ["z", "a", "h"]:
        assert len(received[name]) == 1
        np.testing.assert_allclose(received[name][0], grads[name].numpy(), rtol=1e-12)
    for name in ["w1", "b1", "w2", "b2"]:
        np.testing.assert_allclose(sum(received[name]), grads[name].numpy(), rtol=1e-12)
        step = next(s for s in t.steps if s.kind == "accumulate" and s.outputs == [name])
        assert step.before is None
        np.testing.assert_allclose(step.after.array, grads[name].numpy(), rtol=1e-12)
        np.testing.assert_allclose(v[name].grad.numpy(), grads[name].numpy(), rtol=1e-12)
    # The bias of each layer was broadcast: the step shows it summed back to its shape.
    assert all(np.shape(g) == (5,) for g in received["b1"])
    first = t.steps[0]
    assert first.node.startswith("SoftmaxCrossEntropyBackward") and first.outputs == ["loss"]
    assert "d" in first.formula and first.grads_in[0].array == 1.0


def test_trace_around_autograd_grad_and_retain_graph():
    v = two_layer_mlp(mg)
    with mg.autograd.trace(params=v) as t:
        gw1, = mg.autograd.grad(v["loss"], [v["w1"]], retain_graph=True)
    ref = two_layer_mlp(torch)
    expected, = torch.autograd.grad(ref["loss"], [ref["w1"]])
    assert all(s.kind == "backward" and not s.released for s in t.steps)  # nothing accumulates
    to_w1 = [g.array for s in t.steps for _, label, g in s.inputs if label == "w1"]
    np.testing.assert_allclose(sum(to_w1), expected.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gw1.numpy(), expected.numpy(), rtol=1e-12)
    assert v["w1"].grad is None
    # Only the nodes on the way to w1 ran: the transpose of w2 did not.
    assert not any(label == "w2" for s in t.steps for _, label, _ in s.inputs)
    assert any(label == "b2" for s in t.steps for _, label, _ in s.inputs)


def test_large_values_are_summarised_and_no_trace_watches_outside_the_block():
    x = mg.randn(30, 40, requires_grad=True)
    with mg.autograd.trace() as t:
        (x * 2).sum().backward()
    assert tape.watchers == []
    text = str(t)
    assert "shape (30, 40), norm" in text and "leaf(30, 40).grad: None -> shape (30, 40)" in text
    (x * 2).sum().backward()
    assert len(t.steps) == 3


@pytest.fixture
def anomaly_off():
    yield
    mg.autograd.set_detect_anomaly(False)
    assert tape.watchers == []


def test_detect_anomaly_names_the_nan_op_and_its_forward_line(anomaly_off):
    x = mg.tensor([4.0, -1.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        with mg.autograd.detect_anomaly():
            assert mg.autograd.is_anomaly_enabled()
            with np.errstate(invalid="ignore"):  # sqrt(-1) is the NaN this test wants
                y = x.sqrt()  # the line the error must show
            loss = (y * 3).sum()
            with pytest.raises(RuntimeError) as error:
                loss.backward()
    message = str(error.value)
    assert message.startswith("Function 'SqrtBackward' returned nan values in its 0th output.")
    assert "y = x.sqrt()  # the line the error must show" in message
    assert "test_trace.py" in message
    assert not mg.autograd.is_anomaly_enabled() and tape.watchers == []
    # torch raises the same, at the same op.
    xt = torch.tensor([4.0, -1.0], requires_grad=True)
    with pytest.warns(UserWarning), torch.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="'SqrtBackward0' returned nan values in its 0th"):
            (xt.sqrt() * 3).sum().backward()
    # Off, the NaN passes silently into .grad, as in torch.
    mg.tensor(0.0)  # nothing recorded while off keeps a stack
    with np.errstate(invalid="ignore"):
        x.sqrt().sum().backward()
    assert np.isnan(x.grad.numpy()[1])


def test_set_detect_anomaly_names_the_op_of_a_freed_graph_and_an_inplace_change(anomaly_off):
    mg.autograd.set_detect_anomaly(True)
    assert mg.autograd.is_anomaly_enabled() and mg.autograd.is_anomaly_check_nan_enabled()
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # freed below
    loss = (y * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time") \
            as error:
        loss.backward()
    assert "The op SumBackward was created in the forward pass at" in str(error.value)
    assert "loss = (y * x).sum()" in str(error.value)

    w = mg.tensor([1.0, 2.0], requires_grad=True)
    d = w * 1.0
    with mg.no_grad():
        h = d.detach()
    e = (w * h).sum()  # MulBackward saved h
    with mg.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as error:
        e.backward()
    assert "The op MulBackward was created" in str(error.value)
    assert "e = (w * h).sum()  # MulBackward saved h" in str(error.value)

    with mg.autograd.set_detect_anomaly(False):
        assert not mg.autograd.is_anomaly_enabled()
    assert mg.autograd.is_anomaly_enabled()


def test_anomaly_detection_is_off_by_default_and_records_nothing():
    assert not mg.autograd.is_anomaly_enabled() and tape.watchers == []
    y = mg.tensor([1.0], requires_grad=True) * 2
    assert getattr(y.grad_fn, "_created_at", None) is None
