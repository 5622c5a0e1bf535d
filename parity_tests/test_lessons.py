"""Every lesson in examples/ runs in quick mode, and the numbers it prints agree with torch's."""
import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
LESSONS = sorted(EXAMPLES.glob("[0-9][0-9]_*.py"))
# What each lesson must draw or write besides its printout.
FILES = {
    "02_activations": ["activations.png"],
    "04_chain_rule": ["chain_rule_graph.svg", "chain_rule_trace.md",
                      "chain_rule_graph_after_backward.png"],
    "05_backprop": ["backprop_graph.svg"],
    "06_himmelblau": ["himmelblau.png"],
    "09_lenet_fashion_mnist": ["lenet_fashion_mnist.png"],
}


def load(path):
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"lesson_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lessons_follow_the_tutorials_order():
    assert [p.stem for p in LESSONS] == [
        "01_gradients", "02_activations", "03_perceptron", "04_chain_rule", "05_backprop",
        "06_himmelblau", "07_cross_entropy", "08_mnist_mlp", "09_lenet_fashion_mnist", "10_gpu"]


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_in_quick_mode_agrees_with_torch(path, tmp_path, capsys):
    lesson = load(path).main(quick=True, out_dir=tmp_path)
    printed = capsys.readouterr().out
    assert lesson.quick and "(quick mode" in printed
    assert len(lesson.checks) > 0
    assert lesson.disagreements() == []
    assert f"{len(lesson.checks)} of {len(lesson.checks)} numbers agree with torch" in printed
    for name in FILES.get(path.stem, []):
        written = tmp_path / name
        assert written.exists() and written.stat().st_size > 1000, name
        if name.endswith(".png"):
            assert written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        if name.endswith(".svg"):
            assert "<svg" in written.read_text()


def test_chain_rule_lesson_prints_the_trace(tmp_path, capsys):
    load(EXAMPLES / "04_chain_rule.py").main(quick=True, out_dir=tmp_path)
    printed = capsys.readouterr().out
    assert "b = w2 = 2" in printed and "a = x = 1" in printed and "w1.grad: None -> 2" in printed
    assert "| step | node |" in (tmp_path / "chain_rule_trace.md").read_text()
