"""Lesson 5 · Back-propagation 反向传播 through a small MLP, by hand against autograd.

A network of sigmoid layers, x (I inputs) -> J hidden -> K outputs, and the
tutorial's loss E = ½ Σ_k (O_k - t_k)². Back-propagation names each layer's
error signal δ and gets every weight's gradient from it:

    output layer:  δ_k = (O_k - t_k) · O_k(1 - O_k)        ∂E/∂w_jk = O_j · δ_k
    hidden layer:  δ_j = O_j(1 - O_j) · Σ_k δ_k · w_jk      ∂E/∂w_ij = x_i · δ_j

(biases: ∂E/∂b = δ). Below, the δs computed by hand in NumPy against the
gradients minigrad's autograd finds, and torch's.

Run: python examples/05_backprop.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson
from minigrad.viz import make_dot

SIZES = (4, 5, 3)  # I, J, K


def parameters(seed=0):
    rng = np.random.default_rng(seed)
    i, j, k = SIZES
    return dict(x=rng.standard_normal(i), t=rng.random(k),
                w1=rng.standard_normal((i, j)) * 0.5, b1=rng.standard_normal(j) * 0.1,
                w2=rng.standard_normal((j, k)) * 0.5, b2=rng.standard_normal(k) * 0.1)


def autograd_gradients(lib, p):
    """The forward pass in `lib`, then backward: ∂E/∂ each weight and bias."""
    v = {name: lib.tensor(array, requires_grad=name not in ("x", "t")) for name, array in p.items()}
    v["h"] = lib.sigmoid(v["x"] @ v["w1"] + v["b1"])      # O_j
    v["o"] = lib.sigmoid(v["h"] @ v["w2"] + v["b2"])      # O_k
    v["E"] = 0.5 * ((v["o"] - v["t"]) ** 2).sum()
    v["E"].backward(retain_graph=True)
    return v


def by_hand(p):
    h = 1 / (1 + np.exp(-(p["x"] @ p["w1"] + p["b1"])))
    o = 1 / (1 + np.exp(-(h @ p["w2"] + p["b2"])))
    delta_k = (o - p["t"]) * o * (1 - o)
    delta_j = h * (1 - h) * (p["w2"] @ delta_k)
    return dict(delta_k=delta_k, delta_j=delta_j, w2=np.outer(h, delta_k), b2=delta_k,
                w1=np.outer(p["x"], delta_j), b1=delta_j, E=0.5 * ((o - p["t"]) ** 2).sum())


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 5 · Back-propagation 反向传播", quick, out_dir)
    torch = lesson.torch
    p = parameters()
    mine = autograd_gradients(minigrad, p)
    theirs = autograd_gradients(torch, p) if torch else None
    hand = by_hand(p)

    lesson.heading(f"An MLP {SIZES[0]} -> {SIZES[1]} -> {SIZES[2]} with sigmoids, float64")
    lesson.check("E = ½ Σ (O_k - t_k)²", mine["E"], theirs and theirs["E"], rtol=1e-12)
    lesson.show("E by hand", hand["E"])
    lesson.show("δ_k = (O_k - t_k)·O_k(1 - O_k), output layer", hand["delta_k"])
    lesson.show("δ_j = O_j(1 - O_j)·Σ_k δ_k w_jk, hidden layer", hand["delta_j"])
    for name, formula in (("w2", "O_j · δ_k"), ("b2", "δ_k"), ("w1", "x_i · δ_j"),
                          ("b1", "δ_j")):
        lesson.heading(f"∂E/∂{name} = {formula}")
        lesson.show("by hand", hand[name])
        lesson.check("by autograd", mine[name].grad, theirs and theirs[name].grad, rtol=1e-12,
                     atol=1e-15)
        lesson.checks.append((f"∂E/∂{name}: autograd vs by hand", mine[name].grad.numpy(),
                              hand[name], 1e-12, 1e-15))
        lesson.show("largest difference, autograd vs by hand",
                    float(np.abs(mine[name].grad.numpy() - hand[name]).max()))

    lesson.heading("The same pass traced: δ_k and δ_j arrive at the Add nodes of each layer")
    params = {k: mine[k] for k in ("x", "t", "w1", "b1", "w2", "b2", "h", "o", "E")}
    with minigrad.autograd.trace(params=params) as trace:
        minigrad.autograd.grad(mine["E"], [mine["w1"], mine["w2"]], retain_graph=True)
    print(trace)
    # The gradient the sigmoid of the output layer sends back is δ_k; the hidden one's, δ_j.
    sigmoids = [s for s in trace.steps if s.node.startswith("SigmoidBackward")]
    lesson.checks.append(("δ_k from the trace", sigmoids[0].inputs[0][2].array,
                          hand["delta_k"], 1e-12, 1e-15))
    lesson.checks.append(("δ_j from the trace", sigmoids[1].inputs[0][2].array,
                          hand["delta_j"], 1e-12, 1e-15))
    lesson.show("δ_k, as the trace shows it leaving the output sigmoid",
                sigmoids[0].inputs[0][2].array)
    lesson.show("δ_j, as the trace shows it leaving the hidden sigmoid",
                sigmoids[1].inputs[0][2].array)
    make_dot(mine["E"], params=params).render(str(lesson.path("backprop_graph", listed=False)),
                                              format="svg", drawer="builtin", cleanup=True)
    lesson.path("backprop_graph.svg")
    return lesson.finish()


if __name__ == "__main__":
    main()
