"""`autograd.trace()`: watch a backward pass step by step, with its numbers.

    with mg.autograd.trace(params={"x": x, "w1": w1, "y1": y1}) as t:
        y2.backward()
    print(t)              # a table, one row per step, in the order the pass ran them
    t.steps               # the same as data (TraceStep objects, arrays as NumPy)
    t.to_markdown()       # the same as a Markdown table, for notes

Each node's step shows the op's derivative formula (the first paragraph of its
docstring: the formula the code documents), the gradient that arrived for each
of its outputs, the tensors it saved for backward, the gradient it sent to each
input, and whether its saved tensors were then released. Each leaf's step shows
its `.grad` before and after the gradient was added. Small tensors are shown
with their values, larger ones by shape, norm, min and max.

A trace watches the passes run inside its `with` block through `tape.watchers`,
so a pass run outside one pays nothing for it. Names given in `params` (leaves,
and any tensor the forward pass made, such as `y1`) label the steps; a dict or
the pairs of `model.named_parameters()` both do.
"""
import dataclasses
import inspect
import textwrap

from .. import backend
from ..ops.shape import sum_to
from . import tape

numpy = backend.module_for(backend.cpu)  # the trace keeps host copies of what it saw

SMALL = 6
"""Tensors with at most this many elements are shown with their values."""


class TracedValue:
    """A copy of a tensor's numbers as the trace saw them, on the CPU."""

    def __init__(self, array, keep=True):
        host = backend.move_to(array, backend.cpu)
        self.shape = tuple(host.shape)
        self.dtype = str(host.dtype)
        finite = host.size and numpy.isfinite(host).all()
        self.norm = float(numpy.sqrt((host.astype(numpy.float64) ** 2).sum())) if host.size else 0.0
        self.min = float(host.min()) if host.size else float("nan")
        self.max = float(host.max()) if host.size else float("nan")
        self.finite = bool(finite)
        self.array = numpy.array(host, copy=True) if keep or host.size <= SMALL else None

    def __str__(self):
        if self.array is not None and self.array.size <= SMALL:
            if self.array.ndim == 0:
                return f"{self.array.item():.6g}"
            return numpy.array2string(self.array, precision=4, separator=", ",
                                      suppress_small=True).replace("\n", "")
        return (f"shape {self.shape}, norm {self.norm:.4g}, min {self.min:.4g}, "
                f"max {self.max:.4g}")

    __repr__ = __str__


@dataclasses.dataclass
class TraceStep:
    """One step of a traced backward pass.

    kind 'backward': a node ran its backward; `grads_in` per output, `inputs`
    per forward input as (formula name, label, gradient sent or None),
    `saved` as (formula name, label, value), `released` when what it saved
    (tensors, and attributes such as a shape) was freed after it.
    kind 'accumulate': a leaf's `.grad` went from `before` to `after`
    (`grads_in[0]` is what arrived).
    """

    index: int
    kind: str
    node: str
    formula: str
    outputs: list
    grads_in: list
    inputs: list = dataclasses.field(default_factory=list)
    saved: list = dataclasses.field(default_factory=list)
    released: bool = False
    before: object = None
    after: object = None


class trace:
    """Record every step of the backward passes (`backward()`, `autograd.grad`) run inside it.

    `params`: names for tensors, a dict name -> tensor or pairs such as
    `model.named_parameters()`; leaves and tensors made by the forward pass
    alike. Unnamed leaves show as `leaf(shape)`, unnamed intermediate tensors
    as the op that made them, numbered in the order the trace met them.
    """

    def __init__(self, params=None):
        self.steps = []
        self._tensors = []  # the named tensors, kept alive so their ids stay theirs
        self._names = {}
        self._node_numbers = {}
        items = params.items() if isinstance(params, dict) else (params or ())
        for name, tensor in items:
            self._tensors.append(tensor)
            self._names[_key(tensor)] = name

    def __enter__(self):
        tape.watchers.append(self)
        return self

    def __exit__(self, *exc_info):
        tape.watchers.remove(self)
        return False

    # -- watching a pass -----------------------------------------------------

    def wrap(self, call_backward, accumulate, retain_graph):
        def traced_call_backward(node, grads):
            saved = self._saved(node)
            input_grads = call_backward(node, grads)
            # Sum broadcast gradients back here, so the step shows what each input receives.
            input_grads = tuple(
                grad if grad is None or shape is None or grad.array.shape == shape
                else sum_to(grad, shape)
                for grad, shape in zip(input_grads, node.input_shapes))
            names = argument_names(node.function, len(node.edges))
            inputs = [(names[i], self._edge_label(edge), _value(grad))
                      for i, (edge, grad) in enumerate(zip(node.edges, input_grads))
                      if edge is not None]
            self.steps.append(TraceStep(
                index=len(self.steps) + 1, kind="backward", node=self._node_label(node),
                formula=formula_of(node.function),
                outputs=[self._names.get((id(node), i)) or self._node_label(node)
                         for i in range(len(grads))],
                grads_in=[_value(g) for g in grads], inputs=inputs, saved=saved,
                released=not retain_graph and bool(node._saved or node.__dict__)))
            return input_grads

        def traced_accumulate(leaf, grad, create_graph, arrays_in_use):
            before = _value(leaf.grad)
            accumulate(leaf, grad, create_graph, arrays_in_use)
            label = self._leaf_label(leaf)
            self.steps.append(TraceStep(
                index=len(self.steps) + 1, kind="accumulate", node="AccumulateGrad",
                formula=f"{label}.grad += grad", outputs=[label], grads_in=[_value(grad)],
                before=before, after=_value(leaf.grad)))

        return traced_call_backward, traced_accumulate

    def _saved(self, node):
        names = argument_names(node.function, len(node.edges))
        saved = []
        for i, entry in enumerate(node._saved):
            if entry is None:
                continue
            if entry.tensor is None:
                name = "y" if len(node.output_shapes) == 1 else f"y{entry.output_index}"
                label = self._names.get((id(node), entry.output_index)) or "its output"
            else:
                position = edge_position(node, entry.tensor)
                if position is None and len(node._saved) <= len(names):
                    position = i
                name = names[position] if position is not None else f"saved[{i}]"
                label = self._names.get(_key(entry.tensor)) or _describe(entry.tensor)
                if entry.tensor.grad_fn is not None and _key(entry.tensor) not in self._names:
                    label = self._node_label(entry.tensor.grad_fn)
            array = entry.array if entry.tensor is None else entry.tensor.array
            saved.append((name, label, TracedValue(array, keep=False)))
        return saved

    def _node_label(self, node):
        number = self._node_numbers.setdefault(id(node), len(self._node_numbers) + 1)
        return f"{node.name()}[{number}]"

    def _leaf_label(self, leaf):
        return self._names.get(id(leaf)) or f"leaf{tuple(leaf.shape)}"

    def _edge_label(self, edge):
        producer, leaf_or_index = edge
        if producer is None:
            return self._leaf_label(leaf_or_index)
        return self._names.get((id(producer), leaf_or_index)) or self._node_label(producer)

    # -- showing it ------------------------------------------------------------

    HEADER = ("step", "node", "formula (from the op's docstring)", "grad in", "saved",
              "grad out")

    def rows(self):
        """The table's rows: one per step, each a tuple of cells, each cell a list of lines."""
        rows = []
        for step in self.steps:
            if step.kind == "accumulate":
                rows.append(([str(step.index)], [step.node], [step.formula],
                             [str(step.grads_in[0])], [],
                             [f"{step.outputs[0]}.grad: {_show(step.before)} -> "
                              f"{_show(step.after)}"]))
                continue
            grads_in = ([_show(step.grads_in[0])] if len(step.grads_in) == 1 else
                        [f"output {i}: {_show(g)}" for i, g in enumerate(step.grads_in)])
            saved = [f"{name} = {label} = {value}" if name != label else f"{name} = {value}"
                     for name, label, value in step.saved]
            if step.released:
                saved.append("(freed after this step)")
            grads_out = [f"d/d{name} -> {label}: {_show(g)}" for name, label, g in step.inputs]
            makes = [f"makes {out}" for out in step.outputs if out != step.node]
            rows.append(([str(step.index)], [step.node] + makes, textwrap.wrap(step.formula, 44),
                         grads_in, saved, grads_out))
        return rows

    def __str__(self):
        rows = [tuple([cell] for cell in self.HEADER)] + self.rows()
        widths = [max(len(line) for row in rows for line in row[c] or [""])
                  for c in range(len(self.HEADER))]
        lines = []
        for r, row in enumerate(rows):
            for k in range(max(len(cell) for cell in row)):
                cells = [(cell[k] if k < len(cell) else "").ljust(width)
                         for cell, width in zip(row, widths)]
                lines.append(" | ".join(cells).rstrip())
            if r == 0 or r < len(rows) - 1:
                lines.append("-+-".join("-" * width for width in widths))
        return "\n".join(lines)

    def __repr__(self):
        return f"<autograd.trace of {len(self.steps)} steps>"

    def to_markdown(self):
        """The trace as a Markdown table (multi-line cells joined with <br>)."""

        def cell(lines):
            return "<br>".join(line.replace("|", "\\|") for line in lines)

        lines = ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows()]
        return "\n".join(lines) + "\n"


def formula_of(function):
    """The derivative formula an op documents: the first paragraph of its docstring."""
    doc = inspect.getdoc(function) or ""
    if doc == inspect.getdoc(function.__mro__[1]) and function.__mro__[1].__name__ == "Function":
        doc = ""
    paragraph = doc.split("\n\n")[0]
    return " ".join(paragraph.split()) or f"{function.__name__} (its docstring gives no formula)"


_argument_names_cache = {}


def argument_names(function, count):
    """The names of forward's inputs (`a`, `b` for Mul): the names its formula uses."""
    names = _argument_names_cache.get(function)
    if names is None:
        parameters = list(inspect.signature(function.forward).parameters.values())[1:]
        names = [p.name for p in parameters
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if any(p.kind == p.VAR_POSITIONAL for p in parameters):
            names = []
        _argument_names_cache[function] = names
    return [names[i] if i < len(names) else f"input{i}" for i in range(count)]


def edge_position(node, tensor):
    for position, edge in enumerate(node.edges):
        if edge is None:
            continue
        producer, leaf_or_index = edge
        if producer is None and leaf_or_index is tensor:
            return position
        if producer is not None and tensor.grad_fn is producer and \
                tensor._output_index == leaf_or_index:
            return position
    return None


def _key(tensor):
    return id(tensor) if tensor.grad_fn is None else (id(tensor.grad_fn), tensor._output_index)


def _describe(tensor):
    return f"leaf{tuple(tensor.shape)}" if tensor.requires_grad else "constant"


def _value(tensor):
    return None if tensor is None else TracedValue(tensor.array)


def _show(value):
    return "None" if value is None else str(value)
