"""Lesson 1 · Gradients 梯度: what autograd computes, `backward()` and `autograd.grad`.

Run: python examples/01_gradients.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson


def derivative_of_square(lib):
    x = lib.tensor(3.0, requires_grad=True)
    y = x ** 2
    y.backward()
    return x.grad  # dy/dx = 2x = 6


def mse_gradient(lib):
    """The tutorial's first gradient: loss = (1 - x·w)² at x = 1, w = 2.

    d loss/dw = -2(1 - xw)·x = 2.
    """
    F = lib.nn.functional
    x = lib.ones(1)
    w = lib.full([1], 2.0, requires_grad=True)
    mse = F.mse_loss(lib.ones(1), x * w)
    (grad,) = lib.autograd.grad(mse, [w])
    return mse, grad


def softmax_jacobian(lib, a_values):
    """Each row i of the Jacobian dp/da is autograd.grad(p[i], a): dp_i/da_j = p_i(δ_ij - p_j)."""
    a = lib.tensor(a_values, requires_grad=True)
    p = lib.softmax(a, dim=0)
    rows = [lib.autograd.grad(p[i], [a], retain_graph=True)[0] for i in range(len(a_values))]
    return p, lib.stack(rows)


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 1 · Gradients 梯度", quick, out_dir)
    torch = lesson.torch
    other = (lambda f, *args: f(torch, *args)) if torch else (lambda f, *args: None)

    lesson.heading("dy/dx of y = x² at x = 3 (loss.backward() fills x.grad)")
    lesson.check("x.grad", derivative_of_square(minigrad), other(derivative_of_square))

    lesson.heading("autograd.grad of the MSE loss (1 - x·w)² at x = 1, w = 2")
    mse, grad = mse_gradient(minigrad)
    theirs = other(mse_gradient)
    lesson.check("mse", mse, theirs and theirs[0])
    lesson.check("d mse / dw = -2(1 - xw)·x", grad, theirs and theirs[1])

    lesson.heading("The softmax's Jacobian, one row per autograd.grad(p[i], [a])")
    a_values = np.random.default_rng(0).random(3).astype(np.float32)
    lesson.show("a", a_values)
    p, jacobian = softmax_jacobian(minigrad, a_values)
    theirs = other(softmax_jacobian, a_values)
    lesson.check("p = softmax(a)", p, theirs and theirs[0])
    for i in range(3):
        lesson.check(f"row {i}: dp[{i}]/da", jacobian[i], theirs and theirs[1][i])
    p_values = p.detach().numpy().astype(np.float64)
    by_hand = np.diag(p_values) - np.outer(p_values, p_values)
    lesson.show("by hand, p_i(δ_ij - p_j)", by_hand)
    lesson.show("largest difference from autograd", float(np.abs(by_hand - jacobian.numpy()).max()))
    lesson.show("each row sums to 0 (the probabilities always sum to 1)", jacobian.numpy().sum(1))
    return lesson.finish()


if __name__ == "__main__":
    main()
