"""Lesson 2 · Activation functions 激活函数 and their derivatives.

sigmoid, tanh, ReLU, Leaky ReLU, SELU and softplus: each evaluated on a grid,
its derivative taken by autograd (`y.sum().backward()` leaves dy_i/dx_i in
x.grad, since each y_i depends on x_i alone), checked against the formula by
hand and against torch, and drawn with its derivative (activations.png).

Run: python examples/02_activations.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson, pyplot

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu(lib, x):
    """SELU written from existing ops: scale·x for x > 0, scale·α(eˣ - 1) otherwise."""
    negative = SELU_ALPHA * (lib.exp(lib.clamp(x, max=0.0)) - 1)
    return SELU_SCALE * lib.where(x > 0, x, negative)


ACTIVATIONS = {
    # name: (y = f(x) in either library, f'(x) by hand in NumPy)
    "sigmoid": (lambda lib, x: lib.sigmoid(x),
                lambda x: 1 / (1 + np.exp(-x)) * (1 - 1 / (1 + np.exp(-x)))),
    "tanh": (lambda lib, x: lib.tanh(x), lambda x: 1 - np.tanh(x) ** 2),
    "relu": (lambda lib, x: lib.relu(x), lambda x: (x > 0).astype(float)),
    "leaky_relu": (lambda lib, x: lib.nn.functional.leaky_relu(x, 0.1),
                   lambda x: np.where(x > 0, 1.0, 0.1)),
    "selu": (selu, lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(x))),
    "softplus": (lambda lib, x: lib.nn.functional.softplus(x), lambda x: 1 / (1 + np.exp(-x))),
}


def value_and_derivative(lib, name, grid):
    x = lib.tensor(grid, requires_grad=True)
    y = ACTIVATIONS[name][0](lib, x)
    y.sum().backward()
    return y, x.grad


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 2 · Activation functions 激活函数 and their derivatives", quick,
                    out_dir)
    torch = lesson.torch

    lesson.heading("The tutorial's first print: sigmoid and tanh of linspace(-100, 100, 10)")
    a = np.linspace(-100, 100, 10, dtype=np.float32)
    for name in ("sigmoid", "tanh", "relu"):
        mine = getattr(minigrad, name)(minigrad.tensor(a))
        lesson.check(f"{name}(a)", mine, getattr(torch, name)(torch.tensor(a)) if torch else None)

    grid = np.linspace(-5, 5, 41 if lesson.quick else 401)
    grid = grid[np.abs(grid) > 1e-9]  # the kinks of ReLU and its kin have no derivative at 0
    curves = {}
    for name, (_, by_hand) in ACTIVATIONS.items():
        lesson.heading(f"{name}: f(x) and f'(x) on {len(grid)} points of [-5, 5]")
        y, dy = value_and_derivative(minigrad, name, grid)
        theirs = value_and_derivative(torch, name, grid) if torch else (None, None)
        sample = slice(None, None, len(grid) // 4)
        lesson.check(f"f(x) at x = {grid[sample].round(2).tolist()}", y.detach().numpy()[sample],
                     None if theirs[0] is None else theirs[0].detach().numpy()[sample],
                     rtol=1e-10, atol=1e-12)
        lesson.check("f'(x) by autograd, on all points (summary: first 5)",
                     dy.numpy()[:5], None if theirs[1] is None else theirs[1].numpy()[:5],
                     rtol=1e-10, atol=1e-12)
        if theirs[1] is not None:
            lesson.checks.append((f"{name}: f'(x) on every point", dy.numpy(),
                                  theirs[1].numpy(), 1e-10, 1e-12))
        error = float(np.abs(dy.numpy() - by_hand(grid)).max())
        lesson.show("largest difference from the formula by hand", error)
        lesson.checks.append((f"{name}: autograd vs the formula by hand", dy.numpy(),
                              by_hand(grid), 1e-10, 1e-12))
        curves[name] = (y.detach().numpy(), dy.numpy())

    plt = pyplot()
    figure, axes = plt.subplots(2, 3, figsize=(12, 7))
    for ax, (name, (y, dy)) in zip(axes.flat, curves.items()):
        ax.plot(grid, y, label=f"{name}(x)")
        ax.plot(grid, dy, "--", label=f"d {name}/dx")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.axvline(0, color="grey", linewidth=0.5)
        ax.set_title(name)
        ax.legend(fontsize=8)
    figure.suptitle("Activation functions and their derivatives (by minigrad's autograd)")
    figure.tight_layout()
    figure.savefig(lesson.path("activations.png"), dpi=80)
    plt.close(figure)
    return lesson.finish()


if __name__ == "__main__":
    main()
