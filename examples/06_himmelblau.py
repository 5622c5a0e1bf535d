"""Lesson 6 · Optimising Himmelblau's function with Adam (2D函数优化实例).

    f(x, y) = (x² + y - 11)² + (x + y² - 7)²

has four minima, all with f = 0: (3, 2), (-2.805118, 3.131312),
(-3.779310, -3.283186) and (3.584428, -1.848126). Adam, from different
starting points, finds different ones. The tutorial starts at (0, 0) and
takes 20,000 steps at lr = 1e-3; here four starting points, one per minimum,
with the surface and each trajectory drawn (himmelblau.png).

Run: python examples/06_himmelblau.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
from lesson_kit import Lesson, pyplot

MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
STARTS = [(0.0, 0.0), (-1.0, 1.0), (-4.0, -4.0), (4.0, -1.0)]


def himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def descend(lib, start, steps, lr, every):
    """The tutorial's loop: Adam on the two coordinates; returns the path and the printed lines."""
    x = lib.tensor(start, requires_grad=True)
    optimizer = lib.optim.Adam([x], lr=lr)
    path, printed = [list(start)], []
    for step in range(steps):
        pred = himmelblau(x)
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
        path.append(x.tolist())
        if step % every == 0:
            printed.append((step, x.tolist(), pred.item()))
    return np.array(path), printed, himmelblau(x).item()


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 6 · Himmelblau's function with Adam", quick, out_dir)
    torch = lesson.torch
    steps, lr = (150, 0.1) if lesson.quick else (20000, 1e-3)
    every = steps // 10
    paths = []
    for start in STARTS:
        lesson.heading(f"Adam from {start}: {steps} steps at lr = {lr}")
        path, printed, final = descend(minigrad, start, steps, lr, every)
        for step, x, value in printed:
            print(f"step {step}: x = [{x[0]:.6f}, {x[1]:.6f}], f(x) = {value:.6g}")
        paths.append(path)
        theirs = descend(torch, start, steps, lr, every) if torch else None
        lesson.check("x at the end", path[-1], None if theirs is None else theirs[0][-1],
                     rtol=1e-4, atol=1e-4)
        lesson.check("f(x) at the end", final, None if theirs is None else theirs[2],
                     rtol=1e-3, atol=1e-4)
        if theirs is not None:
            lesson.checks.append((f"{start}: the path, every step", path, theirs[0], 1e-4, 1e-4))
        nearest = min(MINIMA, key=lambda m: np.hypot(path[-1][0] - m[0], path[-1][1] - m[1]))
        lesson.show("the nearest minimum", nearest)

    plt = pyplot()
    grid = np.arange(-6, 6, 0.1)
    gx, gy = np.meshgrid(grid, grid)
    surface = himmelblau([gx, gy])
    figure = plt.figure(figsize=(13, 6))
    axes3d = figure.add_subplot(1, 2, 1, projection="3d")
    axes3d.plot_surface(gx, gy, surface, cmap="viridis", linewidth=0, alpha=0.8)
    axes3d.view_init(60, -30)
    axes3d.set_xlabel("x")
    axes3d.set_ylabel("y")
    axes3d.set_title("f(x, y)")
    axes = figure.add_subplot(1, 2, 2)
    axes.contour(gx, gy, np.log1p(surface), levels=30, cmap="viridis")
    for start, path in zip(STARTS, paths):
        axes.plot(path[:, 0], path[:, 1], linewidth=2, label=f"from {start}")
        axes.plot(*start, "ko", markersize=4)
    axes.plot(*zip(*MINIMA), "r*", markersize=14, label="the four minima")
    axes.set_title("Adam's paths (log(1 + f) contours)")
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    figure.savefig(lesson.path("himmelblau.png"), dpi=80)
    plt.close(figure)
    found = {min(range(4), key=lambda k: np.hypot(p[-1][0] - MINIMA[k][0], p[-1][1] -
                                                   MINIMA[k][1])) for p in paths}
    lesson.show("distinct minima found", len(found))
    return lesson.finish()


if __name__ == "__main__":
    main()
