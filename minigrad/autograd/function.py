"""`Function`: how every differentiable op is written, and the tape entry it leaves.

An op is a `Function` subclass with two static methods, as in PyTorch:

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):                  # computes on raw arrays
            y = x.xp.exp(x.array)
            ...
        @staticmethod
        def backward(ctx, grad):              # written with differentiable ops
            (y,) = ctx.saved_tensors
            return grad * y

`Fn.apply(*inputs)` runs `forward` with recording switched off and, when an
input requires grad, leaves a `Node` on the tape: the `ctx` that forward
filled in, the edges back to the nodes (or leaves) that made its inputs, and
its position in the order ops ran. The backward pass (`tape.py`) walks these
nodes in reverse order of position.

`backward` is written with tensor ops, never raw arrays (DeZero's idea). When
the backward pass runs under `create_graph=True` those ops are themselves
recorded, so higher derivatives come free; otherwise they run unrecorded and
cost no more than array code. Gradients that broadcasting widened are summed
back to each input's shape here, once, not in every op (MyGrad's idea).
"""
import itertools

from .. import backend
from .. import tensor as tensor_module  # tensor.py imports this package: resolve Tensor at call time
from . import anomaly_mode, grad_mode

_positions = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


class SavedTensor:
    """A tensor kept for backward, with the version it had when saved.

    An op's own output is kept as its bare array and rebuilt on unpacking:
    holding the output tensor would make a cycle (output -> node -> output)
    that only the garbage collector could free.
    """

    __slots__ = ("tensor", "array", "output_index", "version_counter", "version")

    def __init__(self, tensor, output_index=None):
        self.tensor = None if output_index is not None else tensor
        self.array = tensor.array if output_index is not None else None
        self.output_index = output_index
        self.version_counter = tensor._version_counter
        self.version = tensor._version_counter[0]

    def unpack(self, node):
        if self.version_counter[0] != self.version:
            shape = list(self.array.shape if self.tensor is None else self.tensor.shape)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [Tensor of shape {shape}] is at version "
                f"{self.version_counter[0]}; expected version {self.version} instead.")
        if self.tensor is not None:
            return self.tensor
        output = tensor_module.wrap_array(self.array)
        output._requires_grad = True
        output.grad_fn = node
        output._output_index = self.output_index
        output._version_counter = self.version_counter
        return output

    def freed(self):
        """What remains of it once backward has freed it: its shape and dtype, for make_dot."""
        array = self.array if self.tensor is None else self.tensor.array
        return FreedTensor(array.shape, array.dtype, self.output_index)


class FreedTensor:
    """The description a freed saved tensor leaves behind (make_dot's `show_saved` draws it)."""

    __slots__ = ("shape", "dtype", "output_index")

    def __init__(self, shape, dtype, output_index):
        self.shape, self.dtype, self.output_index = shape, dtype, output_index

    def freed(self):
        return self


class Node:
    """One entry on the tape, and the `ctx` a Function's forward and backward share.

    Besides what the op stores on it (`ctx.save_for_backward(...)`, or plain
    attributes such as a shape), it records:
      position          when the op ran; the backward pass goes in reverse order of it
      edges             per forward input: (node, output index) of its producer,
                        (None, leaf) for a leaf that requires grad, or None
      input_shapes      to sum broadcast gradients back to each input's shape
      needs_input_grad  per forward input, as in PyTorch
      _hooks            None, or the gradient hooks of its outputs (autograd/hooks.py)
      _created_at       with anomaly detection on: the forward stack that made it
    """

    __slots__ = ("function", "position", "edges", "input_shapes", "needs_input_grad",
                 "output_shapes", "non_differentiable", "_to_save", "_saved", "_freed",
                 "_hooks", "_created_at", "__dict__")

    def __init__(self, function, needs_input_grad):
        self.function = function
        self.needs_input_grad = needs_input_grad
        self.non_differentiable = ()
        self._to_save = ()
        self._saved = ()
        self._freed = False
        self._hooks = None  # output index -> TensorHooks, once a hook or retain_grad asks

    # -- the ctx API ---------------------------------------------------------

    def save_for_backward(self, *tensors):
        """Keep tensors for backward; an in-place change to one of them is caught at unpacking."""
        self._to_save = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(FREED_MESSAGE)
        return tuple(None if saved is None else saved.unpack(self) for saved in self._saved)

    def mark_non_differentiable(self, *tensors):
        """Outputs that get no grad_fn (indices, masks), as in PyTorch."""
        self.non_differentiable = tensors

    # -- bookkeeping for the backward pass -----------------------------------

    def release(self):
        """Drop what backward needed, once it has run without retain_graph."""
        if self._saved or self.__dict__:
            self._freed = True
            self._saved = tuple(saved and saved.freed() for saved in self._saved)
        self.__dict__.clear()

    def name(self):
        return f"{self.function.__name__}Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Base class of every differentiable op (see the module docstring)."""

    returns_view = False  # shape ops whose output shares the input's memory (and version)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        missing = [name for name in ("forward", "backward") if not hasattr(cls, name)]
        if missing:
            raise TypeError(f"{cls.__name__} must define {' and '.join(missing)} as static methods")

    @classmethod
    def apply(cls, *args, **kwargs):
        Tensor = tensor_module.Tensor
        needs_input_grad = [isinstance(a, Tensor) and a._requires_grad for a in args]
        record = grad_mode._enabled and True in needs_input_grad
        ctx = Node(cls, needs_input_grad)
        if backend.cupy_loaded() and len(args) > 1:
            _check_same_device(args)

        previous, grad_mode._enabled = grad_mode._enabled, False
        try:
            raw_outputs = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode._enabled = previous

        if type(raw_outputs) is tuple:
            outputs = tuple(map(tensor_module.as_output, raw_outputs))
        else:
            outputs = (tensor_module.as_output(raw_outputs),)
        if cls.returns_view:
            outputs[0]._version_counter = args[0]._version_counter
        if record:
            _record(ctx, args, outputs)
        return outputs if type(raw_outputs) is tuple else outputs[0]


def _record(ctx, args, outputs):
    """Put the node on the tape: edges to its inputs, saved tensors, grad_fn on its outputs."""
    ctx.position = next(_positions)
    if anomaly_mode.enabled:
        ctx._created_at = anomaly_mode.forward_stack()
    edges, shapes = [], []
    for a, needs_grad in zip(args, ctx.needs_input_grad):
        if needs_grad:
            edges.append((None, a) if a.grad_fn is None else (a.grad_fn, a._output_index))
            shapes.append(a.array.shape)
        else:
            edges.append(None)
            shapes.append(None)
    ctx.edges = edges
    ctx.input_shapes = shapes
    ctx.output_shapes = [(out.array.shape, out.array.dtype) for out in outputs]

    for index, out in enumerate(outputs):
        if out.array.dtype.kind == "f" and not _is_among(out, ctx.non_differentiable):
            out._requires_grad = True
            out.grad_fn = ctx
            out._output_index = index

    if ctx._to_save:
        ctx._saved = [None if t is None else SavedTensor(t, _position_among(t, outputs))
                      for t in ctx._to_save]
        ctx._to_save = ()


def _is_among(tensor, tensors):
    for t in tensors:
        if t is tensor:
            return True
    return False


def _position_among(tensor, outputs):
    """The output index of `tensor` if the op returned it, else None (it is an input)."""
    for index, out in enumerate(outputs):
        if out is tensor:
            return index
    return None


def _check_same_device(args):
    Tensor = tensor_module.Tensor
    array_types = {type(a.array) for a in args if isinstance(a, Tensor)}
    if len(array_types) < 2 and not any(t.__module__.startswith("cupy") for t in array_types):
        return
    devices = {a.device for a in args if isinstance(a, Tensor)}
    if len(devices) > 1:
        first, second = sorted(str(d) for d in devices)[:2]
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{first} and {second}!")
