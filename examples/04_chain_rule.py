"""Lesson 4 · The chain rule 链式法则, watched step by step.

    y1 = x·w1 + b1,  y2 = y1·w2 + b2,  with x = 1, w1 = 2, b1 = 1, w2 = 2, b2 = 1
    dy2/dw1 = dy2/dy1 · dy1/dw1 = w2 · x = 2 · 1 = 2

The tutorial checks this with autograd.grad; here the backward pass is also
traced (`mg.autograd.trace()`), so each factor shows up at the step where the
engine multiplies it in, and the graph is drawn (`minigrad.viz.make_dot`).

Run: python examples/04_chain_rule.py  (add --quick for the short version CI runs)
"""
import minigrad
from lesson_kit import Lesson
from minigrad.viz import make_dot


def forward(lib):
    x = lib.tensor(1.0)
    w1 = lib.tensor(2.0, requires_grad=True)
    b1 = lib.tensor(1.0)
    w2 = lib.tensor(2.0, requires_grad=True)
    b2 = lib.tensor(1.0)
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    return dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2, y1=y1, y2=y2)


def factors(lib):
    v = forward(lib)
    grad = lib.autograd.grad
    dy2_dy1 = grad(v["y2"], [v["y1"]], retain_graph=True)[0]
    dy1_dw1 = grad(v["y1"], [v["w1"]], retain_graph=True)[0]
    dy2_dw1 = grad(v["y2"], [v["w1"]], retain_graph=True)[0]
    return dy2_dy1, dy1_dw1, dy2_dw1


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 4 · The chain rule 链式法则", quick, out_dir)
    torch = lesson.torch

    lesson.heading("The tutorial: each factor by autograd.grad")
    mine = factors(minigrad)
    theirs = factors(torch) if torch else (None, None, None)
    lesson.check("dy2/dy1 (= w2)", mine[0], theirs[0])
    lesson.check("dy1/dw1 (= x)", mine[1], theirs[1])
    lesson.check("dy2/dy1 · dy1/dw1", mine[0] * mine[1], theirs[0] and theirs[0] * theirs[1])
    lesson.check("dy2/dw1 directly", mine[2], theirs[2])

    lesson.heading("The backward pass of y2, step by step (mg.autograd.trace)")
    v = forward(minigrad)
    graph = make_dot(v["y2"], params=v, show_saved=True)
    graph.render(str(lesson.path("chain_rule_graph", listed=False)), format="svg", cleanup=True)
    lesson.path("chain_rule_graph.svg")
    with minigrad.autograd.trace(params=v) as trace:
        v["y2"].backward()
    print(trace)
    print("\nRead it top-down as the chain rule: the Mul that made y1·w2 sends "
          "d/da = b = w2 = 2 to y1;\nthe Mul that made x·w1 multiplies that 2 by "
          "d/db = a = x = 1, and w1.grad receives 2 · 1 = 2.")
    lesson.path("chain_rule_trace.md").write_text(
        "# The backward pass of the chain-rule lesson\n\n"
        "`examples/04_chain_rule.py`: y1 = x·w1 + b1, y2 = y1·w2 + b2 at x = 1, w1 = 2, b1 = 1, "
        "w2 = 2, b2 = 1, traced with `mg.autograd.trace()`.\n\n" + trace.to_markdown()
        + "\nAs `print(trace)` shows it:\n\n```\n" + str(trace) + "\n```\n", encoding="utf-8")
    # The graph after the pass: its saved tensors are now freed.
    make_dot(v["y2"], params=v, show_saved=True, show_grads=True).render(
        str(lesson.path("chain_rule_graph_after_backward", listed=False)), format="png",
        drawer="builtin", cleanup=True)
    lesson.path("chain_rule_graph_after_backward.png")
    if torch:
        ref = forward(torch)
        ref["y2"].backward()
        lesson.check("w1.grad after y2.backward()", v["w1"].grad, ref["w1"].grad)
        lesson.check("w2.grad after y2.backward() (= y1 = 3)", v["w2"].grad, ref["w2"].grad)
    return lesson.finish()


if __name__ == "__main__":
    main()
