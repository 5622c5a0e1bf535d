"""Printing tensors as PyTorch prints them: `tensor([1.5000, 2.0000], requires_grad=True)`.

Learners compare what their code prints with the course's output, so the text is
PyTorch's, character for character, under its default print options:

- All the numbers of a tensor share one format, chosen from its non-zero finite
  values: whole numbers print as `2.` (floats) or `2` (integers); others with
  `precision` decimals (`1.5000`); scientific notation (`1.0000e-05`) when the
  largest is over 1000 times the smallest, over 1e8, or the smallest under 1e-4
  (or as `sci_mode` says). Each is right-aligned to the widest.
- Past `threshold` elements, each dim keeps its first and last `edgeitems`
  entries around a `...`, and the format is chosen from those alone.
- Rows are wrapped to `linewidth`, and nested dims are indented under their
  opening bracket, with a blank line per dim between blocks of 3-D and up.
- After the numbers: the device if not the CPU, the dtype if not the default
  float, int64 or bool, then `grad_fn=<...>` or `requires_grad=True`, each moved
  to a line of its own when it would pass `linewidth`.
"""
import contextlib
import math

from . import backend


class PrintOptions:
    """The options `set_printoptions` sets; PyTorch's defaults."""

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


OPTIONS = PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print, as torch.set_printoptions.

    precision: decimals of floats (4); threshold: element count past which a tensor is
    summarised (1000); edgeitems: entries kept at each end of a summarised dim (3);
    linewidth: characters per line (80); profile: 'default', 'short' or 'full' sets the
    others first; sci_mode: True or False forces scientific notation on or off, None
    (the default, and what every call without it restores) lets the numbers decide.
    """
    if profile in _PROFILES:  # torch ignores any other profile name
        vars(OPTIONS).update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


def get_printoptions():
    """The current options, as keyword arguments for `set_printoptions`."""
    return dict(vars(OPTIONS))


@contextlib.contextmanager
def printoptions(**options):
    """Print with other options inside a `with` block."""
    saved = get_printoptions()
    set_printoptions(**options)
    try:
        yield
    finally:
        set_printoptions(**saved)


class _NumberFormat:
    """The one format every number of a tensor is printed in, and the width it pads to."""

    def __init__(self, values, floating):
        self.floating = floating
        self.whole = True
        self.scientific = False
        self.width = 1
        if not floating:
            self.width = max([1] + [len(str(v)) for v in values])
            return
        shown = [v for v in values if v != 0 and math.isfinite(v)]
        if not shown:
            return
        self.whole = all(v == math.ceil(v) for v in shown)
        magnitudes = [abs(v) for v in shown]
        largest, smallest = max(magnitudes), min(magnitudes)
        self.scientific = (largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
                           if OPTIONS.sci_mode is None else OPTIONS.sci_mode)
        precision = OPTIONS.precision
        if self.scientific:
            self.width = max(len(f"{v:.{precision}e}") for v in shown)
        elif self.whole:
            self.width = max(len(f"{v:.0f}") + 1 for v in shown)  # + 1 for the point
        else:
            self.width = max(len(f"{v:.{precision}f}") for v in shown)

    def __call__(self, value):
        if not self.floating:
            text = str(value)
        elif self.scientific:
            text = f"{value:{self.width}.{OPTIONS.precision}e}"
        elif self.whole:
            text = f"{value:.0f}" + ("." if math.isfinite(value) else "")
        else:
            text = f"{value:.{OPTIONS.precision}f}"
        return text.rjust(self.width)


def _edges(array):
    """What a summarised tensor shows: along each dim longer than 2·edgeitems, its first and
    last edgeitems entries (with edgeitems 0, nothing, except of a 1-D tensor, as torch)."""
    xp, edge = backend.array_module(array), OPTIONS.edgeitems
    if array.ndim >= 2 and edge == 0:
        return array[(slice(0, 0),) * array.ndim]
    for axis in range(array.ndim):
        if array.shape[axis] > 2 * edge and edge:
            head = (slice(None),) * axis + (slice(0, edge),)
            tail = (slice(None),) * axis + (slice(array.shape[axis] - edge, None),)
            array = xp.concatenate([array[head], array[tail]], axis=axis)
    return array


def _row(values, indent, summarize, number):
    """A 1-D tensor: `[1., 2., 3.]`, wrapped to the line width."""
    edge = OPTIONS.edgeitems
    if summarize and not edge:
        texts = ["..."]
    elif summarize and len(values) > 2 * edge:
        texts = ([number(v) for v in values[:edge].tolist()] + [" ..."]
                 + [number(v) for v in values[len(values) - edge:].tolist()])
    else:
        texts = [number(v) for v in values.tolist()]
    per_line = max(1, (OPTIONS.linewidth - indent) // (number.width + 2))
    lines = [", ".join(texts[i:i + per_line]) for i in range(0, len(texts), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, number):
    if array.ndim == 0:
        return number(array.item())
    if array.ndim == 1:
        return _row(array, indent, summarize, number)
    edge, count = OPTIONS.edgeitems, array.shape[0]
    if summarize and count > 2 * edge:
        blocks = ([_nested(array[i], indent + 1, summarize, number) for i in range(edge)]
                  + ["..."]
                  + [_nested(array[i], indent + 1, summarize, number)
                     for i in range(count - edge, count)])
    else:
        blocks = [_nested(array[i], indent + 1, summarize, number) for i in range(count)]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(blocks) + "]"


def numbers_text(array, indent):
    """The bracketed numbers of an array, as torch prints a tensor's (`indent` is the column
    the opening bracket is at)."""
    array = backend.move_to(array, backend.cpu)
    if array.size == 0:
        return "[]"
    summarize = array.size > OPTIONS.threshold
    shown = _edges(array) if summarize else array
    number = _NumberFormat(shown.reshape(-1).tolist(), array.dtype.kind == "f")
    return _nested(array, indent, summarize, number)


def dtype_name(dtype):
    """A dtype as torch prints it: `torch.float64`."""
    return f"torch.{dtype.name}"


def _with_suffixes(text, suffixes, indent):
    """Append `, suffix` for each, moving one to a line of its own if it would pass the line
    width (torch's count of the last line's length, quirk of 2 included)."""
    parts = [text]
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > OPTIONS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            line_length = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            line_length += len(suffix) + 2
    return "".join(parts) + ")"


# Ops whose torch node has a name of its own (whatever their arguments); every other op is
# printed `<{Function}Backward0>`, which is torch's name where the op is one of torch's own.
_TORCH_NODE_NAMES = {"ReLU": "ReluBackward0", "LeakyReLU": "LeakyReluBackward0",
                     "SoftmaxCrossEntropy": "NllLossBackward0", "CumSum": "CumsumBackward0",
                     "CumProd": "CumprodBackward0", "GetItem": "IndexBackward0",
                     "BroadcastTo": "ExpandBackward0"}


def node_name(node):
    """A tape node as torch names it in a tensor's grad_fn: `MulBackward0`."""
    name = node.function.__name__
    return _TORCH_NODE_NAMES.get(name, f"{name}Backward0")


def tensor_repr(tensor, grad_fn_name):
    """`tensor(...)` with torch's suffixes; grad_fn_name is `node_name` of its node, or None."""
    prefix = "tensor("
    indent = len(prefix)
    array, dtype = tensor.array, tensor.dtype
    suffixes = []
    if tensor.device.type != "cpu":
        suffixes.append(f"device='{tensor.device}'")
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype is not backend.default_float:
            suffixes.append(f"dtype={dtype_name(dtype)}")
        text = "[]"
    else:
        if not OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype not in (backend.default_float, backend.int64, backend.bool_):
            suffixes.append(f"dtype={dtype_name(dtype)}")
        text = numbers_text(array, indent)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + text, suffixes, indent)
