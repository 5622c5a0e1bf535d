"""`make_dot`: the graph the forward pass recorded, as torchviz draws PyTorch's.

    from minigrad.viz import make_dot          # was: from torchviz import make_dot
    graph = make_dot(loss, params=dict(model.named_parameters()))
    graph.render("model", format="svg")        # writes model (DOT text) and model.svg
    graph                                      # in Jupyter: the picture

Boxes, top to bottom in the order data flows:
  light blue   a leaf: its name from `params`, shape, and requires_grad (with
               `show_grads`, the norm of its `.grad`)
  light grey   a recorded op: its backward's name, and its output's shape and dtype
               (with `show_attrs`, what the op kept besides tensors: dim, shape, window...)
  orange       with `show_saved`: a tensor the op saved for backward (shape, dtype,
               and "freed" once a backward pass without retain_graph has released it)
  green        the output(s) passed to make_dot
"""
import os

from ..autograd.function import FreedTensor
from ..autograd.trace import argument_names, edge_position

OP_COLOR, LEAF_COLOR, SAVED_COLOR, OUTPUT_COLOR = "lightgrey", "lightblue", "orange", \
    "darkolivegreen1"


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50,
             show_grads=False):
    """The graph that produced `var` (a tensor or a sequence of them), as torchviz's make_dot.

    `params`: names for tensors, a dict name -> tensor as torchviz takes
    (`dict(model.named_parameters())`), or the pairs themselves; intermediate
    tensors may be named too. `show_attrs`: each op's non-tensor attributes,
    each cut to `max_attr_chars`. `show_saved`: the tensors each op saved for
    backward. `show_grads`: each leaf's gradient norm (after a backward pass).
    Returns a `Graph` (see `Graph.render` for how it is drawn with or without Graphviz).
    """
    from ..tensor import Tensor

    outputs = [var] if isinstance(var, Tensor) else list(var)
    items = params.items() if isinstance(params, dict) else (params or ())
    names = {}
    for name, tensor in items:
        names[_key(tensor)] = name
    graph = Graph()
    ids = {}  # id(node) or id(leaf) -> graph node id

    def add(key, lines, color):
        ids[key] = graph.node(lines, color)
        return ids[key]

    def leaf_node(leaf):
        if id(leaf) not in ids:
            lines = [names.get(id(leaf), ""), _shape(leaf.shape),
                     f"requires_grad={leaf.requires_grad}"]
            if show_grads:
                lines.append("grad: None" if leaf.grad is None else
                             f"grad norm {_norm(leaf.grad):.4g}")
            add(id(leaf), [line for line in lines if line], LEAF_COLOR)
        return ids[id(leaf)]

    stack = []

    def op_node(node):
        if id(node) not in ids:
            lines = [node.name()]
            for index, (shape, dtype) in enumerate(node.output_shapes):
                name = names.get((id(node), index))
                lines.append((f"{name}: " if name else "") + f"{_shape(shape)} {dtype}")
            if show_attrs:
                lines += [_attr_line(k, v, max_attr_chars) for k, v in sorted(vars(node).items())
                          if not k.startswith("_")]
            add(id(node), lines, OP_COLOR)
            stack.append(node)
        return ids[id(node)]

    for index, output in enumerate(outputs):
        if output.grad_fn is None:
            target = leaf_node(output)
        else:
            target = op_node(output.grad_fn)
        name = names.get(_key(output)) or (f"output {index}" if len(outputs) > 1 else "output")
        graph.edge(target, graph.node([name, _shape(output.shape)], OUTPUT_COLOR))

    while stack:
        node = stack.pop()
        head = ids[id(node)]
        for edge in node.edges:
            if edge is None:
                continue
            producer, leaf_or_index = edge
            tail = leaf_node(leaf_or_index) if producer is None else op_node(producer)
            graph.edge(tail, head)
        if show_saved:
            for index, saved in enumerate(node._saved):
                if saved is not None:
                    lines = _saved_lines(node, index, saved, names)
                    graph.edge(graph.node(lines, SAVED_COLOR), head, dashed=True)
    return graph


class Graph:
    """A drawn graph: `source` (DOT text), `render`, `save`, `pipe`, and `_repr_svg_` for Jupyter.

    Its methods follow `graphviz.Digraph`'s (what torchviz returns), for the
    formats this needs: any format Graphviz's `dot` knows where it is
    installed, and 'svg' and 'png' everywhere.
    """

    def __init__(self, filename="graph.gv", format="svg"):
        self.filename = filename
        self.format = format
        self.nodes = []  # (id, lines, fill color)
        self.edges = []  # (tail id, head id, dashed)

    def node(self, lines, color):
        node_id = f"n{len(self.nodes) + 1}"
        self.nodes.append((node_id, list(lines), color))
        return node_id

    def edge(self, tail, head, dashed=False):
        self.edges.append((tail, head, dashed))

    @property
    def source(self):
        """The graph in Graphviz's DOT language."""
        lines = ["digraph {", '\tgraph [size="12,12"]',
                 "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 "
                 "shape=box style=filled]"]
        for node_id, text, color in self.nodes:
            label = "\\n".join(_escape(line) for line in text)
            lines.append(f'\t{node_id} [label="{label}" fillcolor={color}]')
        for tail, head, dashed in self.edges:
            lines.append(f"\t{tail} -> {head}" + (" [style=dashed]" if dashed else ""))
        lines.append("}")
        return "\n".join(lines) + "\n"

    def pipe(self, format=None, drawer="auto"):
        """The picture as bytes: drawn by Graphviz's `dot` when `drawer` is 'auto' and `dot`
        is on the PATH (or `drawer='graphviz'`), else by minigrad's own layered layout
        (`drawer='builtin'`): SVG as plain text, PNG with matplotlib (the `train` extra)."""
        from . import draw

        format = format or self.format
        if drawer not in ("auto", "graphviz", "builtin"):
            raise ValueError(f"drawer must be 'auto', 'graphviz' or 'builtin', not {drawer!r}")
        if drawer == "graphviz" or (drawer == "auto" and draw.graphviz_available()):
            return draw.with_graphviz(self.source, format)
        return draw.builtin(self, format)

    def save(self, filename=None, directory=None):
        """Write the DOT source to `filename` (in `directory`); returns its path."""
        path = self._path(filename, directory)
        with open(path, "w", encoding="utf-8") as file:
            file.write(self.source)
        return path

    def render(self, filename=None, directory=None, view=False, cleanup=False, format=None,
               drawer="auto"):
        """Save the source to `filename` and draw it to `filename.format`; returns that path.

        Drawn by Graphviz's `dot` when it is installed (`drawer='auto'`), else
        by minigrad itself (see `pipe`). `cleanup` removes the source after
        drawing; `view` is accepted for graphviz's signature and opens nothing.
        """
        format = format or self.format
        source_path = self.save(filename, directory)
        picture = self.pipe(format, drawer)
        out_path = f"{source_path}.{format}"
        with open(out_path, "wb") as file:
            file.write(picture)
        if cleanup:
            os.remove(source_path)
        return out_path

    def _path(self, filename, directory):
        if filename is not None:
            self.filename = filename
        path = self.filename if directory is None else os.path.join(directory, self.filename)
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        return path

    def _repr_svg_(self):
        return self.pipe("svg").decode("utf-8")

    def __repr__(self):
        return f"<minigrad.viz.Graph of {len(self.nodes)} nodes and {len(self.edges)} edges>"


def _key(tensor):
    return id(tensor) if tensor.grad_fn is None else (id(tensor.grad_fn), tensor._output_index)


def _shape(shape):
    return "(" + ", ".join(str(s) for s in shape) + ")"


def _norm(tensor):
    array = tensor.array
    return float((array.astype("float64") ** 2).sum() ** 0.5)


def _escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"')


def _attr_line(name, value, max_chars):
    shape = getattr(value, "shape", None)
    text = f"{type(value).__name__} {_shape(shape)}" if shape is not None else repr(value)
    line = f"{name}: {text}"
    return line if len(line) <= max_chars else line[:max_chars - 3] + "..."


def _saved_lines(node, index, saved, names):
    """'saved b: w2' for the second input of a Mul, named as its formula names it."""
    freed = isinstance(saved, FreedTensor)
    if freed:
        shape, dtype = saved.shape, saved.dtype
    else:
        array = saved.array if saved.tensor is None else saved.tensor.array
        shape, dtype = array.shape, array.dtype
    if saved.output_index is not None:
        what = "y (its output)"
    else:
        arguments = argument_names(node.function, len(node.edges))
        position = None if freed else edge_position(node, saved.tensor)
        if position is None and len(node._saved) <= len(arguments):
            position = index
        what = arguments[position] if position is not None else f"[{index}]"
        name = None if freed else names.get(_key(saved.tensor))
        what += f": {name}" if name else ""
    lines = [f"saved {what}", f"{_shape(shape)} {dtype}"]
    return lines + (["freed"] if freed else [])
