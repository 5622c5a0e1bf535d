"""minigrad.viz.make_dot: the DOT text of recorded graphs, and the pictures drawn from it."""
import re
import shutil
import struct
import xml.etree.ElementTree as ElementTree

import pytest

import minigrad as mg
import minigrad.models as models
import minigrad.nn.functional as F
from minigrad.viz import make_dot
from minigrad.viz import draw

HAS_DOT = shutil.which("dot") is not None


def chain_rule():
    x = mg.tensor(1.0)
    w1, b1, w2, b2 = (mg.tensor(v, requires_grad=True) for v in (2.0, 1.0, 2.0, 1.0))
    y1 = x * w1 + b1
    y2 = y1 * w2 + b2
    return dict(x=x, w1=w1, b1=b1, w2=w2, b2=b2, y1=y1, y2=y2)


def parse(source):
    """The DOT text's nodes (id -> label lines, fill colour) and edges (tail, head, dashed)."""
    nodes = {m.group(1): (m.group(2).split("\\n"), m.group(3)) for m in
             re.finditer(r'^\t(n\d+) \[label="(.*)" fillcolor=(\S+)\]$', source, re.M)}
    edges = [(m.group(1), m.group(2), bool(m.group(3))) for m in
             re.finditer(r"^\t(n\d+) -> (n\d+)( \[style=dashed\])?$", source, re.M)]
    return nodes, edges


def by_color(nodes, color):
    return [lines for lines, c in nodes.values() if c == color]


def test_chain_rule_graph_names_shapes_and_edges():
    v = chain_rule()
    graph = make_dot(v["y2"], params=v)
    nodes, edges = parse(graph.source)
    assert graph.source.startswith("digraph {") and graph.source.endswith("}\n")
    assert len(nodes) == 9 and len(edges) == 8  # 4 ops, 4 leaves (x needs no grad), the output
    ops = by_color(nodes, "lightgrey")
    assert sorted(lines[0] for lines in ops) == ["AddBackward", "AddBackward", "MulBackward",
                                                  "MulBackward"]
    assert ["AddBackward", "y1: () float32"] in ops and ["AddBackward", "y2: () float32"] in ops
    leaves = by_color(nodes, "lightblue")
    assert sorted(lines[0] for lines in leaves) == ["b1", "b2", "w1", "w2"]
    assert all(lines[1:] == ["()", "requires_grad=True"] for lines in leaves)
    assert by_color(nodes, "darkolivegreen1") == [["y2", "()"]]
    # Edges run the way data flows: w1 -> its Mul -> the Add making y1 -> ...
    label = {node_id: lines[0] for node_id, (lines, _) in nodes.items()}
    named_edges = {(label[t], label[h]) for t, h, _ in edges}
    assert ("w1", "MulBackward") in named_edges and ("b2", "AddBackward") in named_edges
    assert ("AddBackward", "y2") in named_edges
    assert not any(dashed for *_, dashed in edges)


def test_saved_tensors_are_drawn_and_shown_freed_after_backward():
    v = chain_rule()
    nodes, edges = parse(make_dot(v["y2"], params=v, show_saved=True).source)
    saved = by_color(nodes, "orange")
    assert sorted(lines[0] for lines in saved) == ["saved a: x", "saved a: y1", "saved b: w1",
                                                   "saved b: w2"]
    assert all(lines[1:] == ["() float32"] for lines in saved)
    assert len(nodes) == 13 and len(edges) == 12 and sum(d for *_, d in edges) == 4
    v["y2"].backward()
    nodes, _ = parse(make_dot(v["y2"], params=v, show_saved=True, show_grads=True).source)
    saved = by_color(nodes, "orange")
    assert len(saved) == 4 and all(lines[-1] == "freed" for lines in saved)
    grads = {lines[0]: lines[-1] for lines in by_color(nodes, "lightblue")}
    assert grads == {"w1": "grad norm 2", "b1": "grad norm 2", "w2": "grad norm 3",
                     "b2": "grad norm 1"}


def test_mlp_with_named_parameters():
    mg.manual_seed(0)
    model = models.mlp()
    loss = F.cross_entropy(model(mg.randn(8, 1, 28, 28)), mg.tensor([0, 1, 2, 3, 4, 5, 6, 7]))
    graph = make_dot(loss, params=model.named_parameters(), show_attrs=True)
    nodes, edges = parse(graph.source)
    leaves = {lines[0]: lines[1] for lines in by_color(nodes, "lightblue")}
    assert leaves == {"1.weight": "(200, 784)", "1.bias": "(200)", "3.weight": "(200, 200)",
                      "3.bias": "(200)", "5.weight": "(10, 200)", "5.bias": "(10)"}
    ops = [lines[0] for lines in by_color(nodes, "lightgrey")]
    assert sorted(ops) == sorted(["SoftmaxCrossEntropyBackward", "LinearBackward",
                                  "LinearBackward", "LinearBackward", "ReLUBackward",
                                  "ReLUBackward"])
    assert len(edges) == 5 + 6 + 1  # op to op, leaves to ops, to the output
    shapes = sorted((lines[0], lines[1]) for lines in by_color(nodes, "lightgrey"))
    assert shapes.count(("LinearBackward", "(8, 200) float32")) == 2
    assert shapes.count(("ReLUBackward", "(8, 200) float32")) == 2
    assert ("LinearBackward", "(8, 10) float32") in shapes
    loss_node = next(lines for lines in by_color(nodes, "lightgrey")
                     if lines[0].startswith("SoftmaxCross"))
    assert "reduce: True" in loss_node and "probabilities: ndarray (8, 10)" in loss_node


def lenet_graph(**kwargs):
    mg.manual_seed(0)
    model = models.lenet()
    loss = F.cross_entropy(model(mg.randn(2, 1, 28, 28)), mg.tensor([3, 7]))
    return make_dot(loss, params=dict(model.named_parameters()), **kwargs), loss


def test_lenet_graph_counts_and_attributes():
    graph, loss = lenet_graph(show_attrs=True, show_saved=True, max_attr_chars=30)
    nodes, edges = parse(graph.source)
    ops = [lines[0] for lines in by_color(nodes, "lightgrey")]
    assert {name: ops.count(name) for name in set(ops)} == {
        "Conv2dBackward": 2, "SigmoidBackward": 4, "AvgPool2dBackward": 2, "ReshapeBackward": 1,
        "LinearBackward": 3, "SoftmaxCrossEntropyBackward": 1}
    assert len(by_color(nodes, "lightblue")) == 10
    conv = next(lines for lines in by_color(nodes, "lightgrey") if lines[0] == "Conv2dBackward"
                and lines[1] == "(2, 6, 28, 28) float32")
    assert "groups: 1" in conv and all(len(line) <= 30 for line in conv[2:])
    assert any(line.startswith("window: Window(") and line.endswith("...") for line in conv)
    assert not any("freed" in lines for lines in by_color(nodes, "orange"))
    loss.backward()
    nodes, _ = parse(make_dot(loss, show_saved=True).source)
    assert all(lines[-1] == "freed" for lines in by_color(nodes, "orange"))


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_root(path):
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


@pytest.mark.parametrize("example", ["chain", "lenet"])
def test_builtin_drawing_makes_valid_svg_and_png(example, tmp_path):
    if example == "chain":
        v = chain_rule()
        graph = make_dot(v["y2"], params=v, show_saved=True)
    else:
        graph, _ = lenet_graph(show_saved=True)
    nodes, _ = parse(graph.source)
    svg_path = graph.render(str(tmp_path / example), format="svg", drawer="builtin")
    assert svg_path == str(tmp_path / f"{example}.svg")
    assert (tmp_path / example).read_text() == graph.source  # the source is saved beside it
    root = svg_root(svg_path)
    boxes = root.findall("{http://www.w3.org/2000/svg}g")
    assert len(boxes) == len(nodes)
    assert len(root.findall("{http://www.w3.org/2000/svg}path")) == len(parse(graph.source)[1])
    width, height = float(root.get("width")), float(root.get("height"))
    assert 200 < width < 3000 and 200 < height < 3000
    png_path = graph.render(str(tmp_path / example), format="png", drawer="builtin", cleanup=True)
    data = open(png_path, "rb").read()
    assert png_size(data) == (round(width), round(height)) and len(data) > 5000
    assert not (tmp_path / example).exists()  # cleanup removed the source
    with pytest.raises(ValueError, match="'svg' or 'png'"):
        graph.pipe("pdf", drawer="builtin")


def test_builtin_layout_puts_inputs_above_the_ops_that_use_them():
    v = chain_rule()
    graph = make_dot(v["y2"], params=v)
    placed = draw.layout(graph)
    for tail, head, _ in placed.edges:
        assert tail.y + tail.height < head.y
    for a in placed.boxes:  # no two boxes overlap
        for b in placed.boxes:
            if a is not b and a.y == b.y:
                assert a.x + a.width <= b.x or b.x + b.width <= a.x


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's `dot` is not installed (apt-get install "
                    "graphviz); the built-in drawing is tested without it")
def test_graphviz_drawing(tmp_path):
    graph, _ = lenet_graph(show_saved=True)
    svg_path = graph.render(str(tmp_path / "lenet"), format="svg", drawer="graphviz")
    root = svg_root(svg_path)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    nodes, edges = parse(graph.source)
    assert set(nodes) <= set(titles) and len([t for t in titles if "->" in t]) == len(edges)
    png_path = graph.render(str(tmp_path / "lenet"), format="png")  # 'auto' picks Graphviz
    width, height = png_size(open(png_path, "rb").read())
    assert 200 < width and 200 < height
    assert graph._repr_svg_().lstrip().startswith("<?xml")


def test_without_graphviz_auto_draws_itself(monkeypatch, tmp_path):
    monkeypatch.setattr(draw.shutil, "which", lambda name: None)
    v = chain_rule()
    graph = make_dot(v["y2"], params=v)
    assert graph._repr_svg_().startswith("<svg")
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program is not on the PATH"):
        graph.pipe("svg", drawer="graphviz")
    assert graph.save(str(tmp_path / "chain.gv")) == str(tmp_path / "chain.gv")


def test_leaf_and_several_outputs():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(make_dot(a, params={"a": a}).source)
    assert [lines for lines, _ in nodes.values()] == [["a", "(2)", "requires_grad=True"],
                                                     ["a", "(2)"]]
    b = a * 2
    c = a.exp()
    nodes, edges = parse(make_dot((b, c)).source)
    assert [lines[0] for lines in by_color(nodes, "darkolivegreen1")] == ["output 0", "output 1"]
    assert len(by_color(nodes, "lightblue")) == 1 and len(edges) == 4
