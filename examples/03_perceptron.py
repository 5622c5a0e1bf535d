"""Lesson 3 · The perceptron's gradient 感知机的梯度, derived by hand and checked against autograd.

Single output: O = σ(Σ_j x_j w_j), E = (O - t)² (mse_loss of one number), so
    ∂E/∂w_j = 2(O - t) · O(1 - O) · x_j
Multiple outputs: O_k = σ(Σ_j x_j w_kj), E = mean_k (O_k - t_k)² over K outputs, so
    ∂E/∂w_kj = (2/K)(O_k - t_k) · O_k(1 - O_k) · x_j

Run: python examples/03_perceptron.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson


def perceptron(lib, x_values, w_values):
    F = lib.nn.functional
    x = lib.tensor(x_values)
    w = lib.tensor(w_values, requires_grad=True)
    o = lib.sigmoid(x @ w.t())
    loss = F.mse_loss(lib.ones(o.shape), o)
    loss.backward()
    return o, loss, w.grad


def by_hand(x, w):
    o = 1 / (1 + np.exp(-(x @ w.T)))  # (1, K)
    k = o.shape[1]
    return (2 / k) * ((o - 1) * o * (1 - o)).T @ x  # (K, 10): row k is ∂E/∂w_k


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 3 · The perceptron's gradient 感知机的梯度", quick, out_dir)
    torch = lesson.torch
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 10)).astype(np.float32)
    for outputs, title in ((1, "single-output perceptron 单层感知机"),
                           (2, "multi-output perceptron 多输出感知机")):
        lesson.heading(f"The {title}: x (1, 10), w ({outputs}, 10), target 1")
        w = rng.standard_normal((outputs, 10)).astype(np.float32)
        o, loss, grad = perceptron(minigrad, x, w)
        theirs = perceptron(torch, x, w) if torch else (None, None, None)
        lesson.check("O = σ(x·wᵀ)", o, theirs[0])
        lesson.check("E = mse_loss(1, O)", loss, theirs[1])
        lesson.check("w.grad by autograd", grad, theirs[2])
        hand = by_hand(x.astype(np.float64), w.astype(np.float64))
        lesson.show("∂E/∂w by hand, (2/K)(O - t)·O(1 - O)·x", hand)
        lesson.checks.append((f"{title}: autograd vs by hand", grad.numpy().astype(np.float64),
                              hand, 1e-5, 1e-7))
        lesson.show("largest difference, autograd vs by hand",
                    float(np.abs(grad.numpy() - hand).max()))
    return lesson.finish()


if __name__ == "__main__":
    main()
