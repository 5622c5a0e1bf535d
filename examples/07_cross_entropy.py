"""Lesson 7 · Logistic regression and cross-entropy 交叉熵.

Entropy H(p) = -Σ p·log2 p of the tutorial's three distributions (a sure
outcome has little, a uniform one the most); cross-entropy as
`F.cross_entropy` = log_softmax + nll_loss; why log_softmax is computed
stably (at logits of 1e4 the naive log(softmax) overflows to NaN); and
logistic regression, a sigmoid and binary cross-entropy, trained with SGD.

Run: python examples/07_cross_entropy.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson

DISTRIBUTIONS = {"uniform": [0.25, 0.25, 0.25, 0.25], "mostly one": [0.1, 0.1, 0.1, 0.7],
                 "almost sure": [0.001, 0.001, 0.001, 0.999]}


def entropy(lib, p):
    a = lib.tensor(p)
    return -(a * lib.log2(a)).sum()


def cross_entropy_two_ways(lib, x, w, target):
    F = lib.nn.functional
    logits = lib.tensor(x) @ lib.tensor(w).t()
    label = lib.tensor([target])
    return F.cross_entropy(logits, label), F.nll_loss(lib.log(F.softmax(logits, dim=1)), label)


def huge_logits(lib):
    """Naive log(softmax) against the stable log_softmax at logits of ±1e4, and the gradient."""
    F = lib.nn.functional
    z = lib.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    naive = lib.log(lib.exp(z) / lib.exp(z).sum(dim=1, keepdim=True))
    stable = F.log_softmax(z, dim=1)
    loss = F.cross_entropy(z, lib.tensor([1]))
    loss.backward()
    return naive, stable, loss, z.grad


def logistic_regression(lib, x, y, steps, lr=0.5):
    F = lib.nn.functional
    inputs, targets = lib.tensor(x), lib.tensor(y)
    w = lib.zeros(2, requires_grad=True)
    b = lib.zeros(1, requires_grad=True)
    optimizer = lib.optim.SGD([w, b], lr=lr)
    losses = []
    for _ in range(steps):
        p = lib.sigmoid(inputs @ w + b)
        loss = F.binary_cross_entropy(p, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with lib.no_grad():
        accuracy = ((inputs @ w + b > 0).float() == targets).float().mean().item()
    return np.array(losses), w.detach(), b.detach(), accuracy


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 7 · Logistic regression and cross-entropy 交叉熵", quick, out_dir)
    torch = lesson.torch

    lesson.heading("Entropy 熵 H(p) = -Σ p·log2 p, in bits")
    for name, p in DISTRIBUTIONS.items():
        lesson.check(f"{name} {p}", entropy(minigrad, p), entropy(torch, p) if torch else None)

    lesson.heading("F.cross_entropy = nll_loss(log(softmax(logits)))")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 784)).astype(np.float32)
    w = (rng.standard_normal((10, 784)) * 0.05).astype(np.float32)
    mine = cross_entropy_two_ways(minigrad, x, w, 3)
    theirs = cross_entropy_two_ways(torch, x, w, 3) if torch else (None, None)
    lesson.check("F.cross_entropy(logits, 3)", mine[0], theirs[0])
    lesson.check("F.nll_loss(log(softmax(logits)), 3)", mine[1], theirs[1])

    lesson.heading("Logits of 1e4: naive log(softmax) overflows, log_softmax does not")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the overflow is the point
        mine = huge_logits(minigrad)
    theirs = huge_logits(torch) if torch else (None,) * 4
    lesson.check("naive log(exp(z) / Σ exp(z)) (exp(1e4) is inf: NaN)", mine[0], theirs[0])
    lesson.check("log_softmax(z) = z - max z - log Σ exp(z - max z)", mine[1], theirs[1])
    lesson.check("cross_entropy(z, 1)", mine[2], theirs[2])
    lesson.check("d cross_entropy / dz = softmax(z) - onehot(1)", mine[3], theirs[3])

    lesson.heading("Logistic regression 逻辑回归: σ(x·w + b), binary cross-entropy, SGD")
    n = 200
    labels = (np.arange(n) % 2).astype(np.float32)
    points = (rng.standard_normal((n, 2)) + np.where(labels[:, None] > 0, 1.5, -1.5)).astype(
        np.float32)
    steps = 30 if lesson.quick else 300
    losses, w, b, accuracy = logistic_regression(minigrad, points, labels, steps)
    theirs = logistic_regression(torch, points, labels, steps) if torch else (None,) * 4
    for step in range(0, steps, steps // 5):
        print(f"step {step}: loss {losses[step]:.6f}")
    lesson.check(f"the loss at each of the {steps} steps (first 5)", losses[:5],
                 None if theirs[0] is None else theirs[0][:5])
    if theirs[0] is not None:
        lesson.checks.append(("the loss at every step", losses, theirs[0], 1e-5, 1e-6))
    lesson.check("w", w, theirs[1])
    lesson.check("b", b, theirs[2])
    lesson.check("training accuracy", accuracy, theirs[3])
    return lesson.finish()


if __name__ == "__main__":
    main()
