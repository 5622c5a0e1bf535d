"""Gradient hooks: what `Tensor.register_hook` and `Tensor.retain_grad` leave for the backward pass.

A tensor's hooks are kept in a `TensorHooks`: on the tensor itself for a leaf
(`tensor._hooks`), on the node that made it for a computed tensor
(`node._hooks[output_index]`, as PyTorch keeps them on the grad_fn: the
tensor may be gone by the time backward runs, its node may not). Both are
None until a hook is registered, so a backward pass without hooks checks one
attribute per node and per leaf and does nothing else.

When the hooks run (tape.py), as in PyTorch: a computed tensor's once its
gradient is complete, before its node's backward; a leaf's once, with the
sum of the gradients it received in the pass, before that is accumulated into
`.grad` (or returned by `autograd.grad`), at the end of the pass.
"""
import weakref
from collections import OrderedDict

from ..tensor import Tensor, wrap_array
from ..utils.hooks import RemovableHandle


class TensorHooks:
    """The hooks of one tensor, run in the order they were registered; each gets the gradient
    the previous one returned (or passed on). `retain_grad()`'s store comes last, so `.grad` of a
    retained tensor is the gradient after its hooks, as in PyTorch."""

    __slots__ = ("hooks", "retained")

    def __init__(self):
        self.hooks = OrderedDict()
        self.retained = None  # weakref to a non-leaf tensor that asked for retain_grad()

    def __call__(self, grad):
        for hook in tuple(self.hooks.values()):
            result = hook(grad)
            if result is not None:
                grad = _checked(hook, result, grad)
        tensor = self.retained and self.retained()
        if tensor is not None:
            tensor.grad = wrap_array(grad.array.copy()) if tensor.grad is None else tensor.grad + grad
        return grad


def hooks_of(tensor):
    """The TensorHooks of `tensor`, made on first use (on it for a leaf, on its node otherwise)."""
    node = tensor.grad_fn
    if node is None:
        if tensor._hooks is None:
            tensor._hooks = TensorHooks()
        return tensor._hooks
    if node._hooks is None:
        node._hooks = {}
    hooks = node._hooks.get(tensor._output_index)
    if hooks is None:
        hooks = node._hooks[tensor._output_index] = TensorHooks()
    return hooks


def register_hook(tensor, hook):
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = hooks_of(tensor).hooks
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def retain_grad(tensor):
    hooks_of(tensor).retained = weakref.ref(tensor)


def _checked(hook, result, grad):
    """A hook's replacement gradient, refused as PyTorch refuses it if it is not a like tensor."""
    name = getattr(hook, "__name__", type(hook).__name__)
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    if result.array.shape != grad.array.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    if result.array.dtype != grad.array.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.dtype} got "
                           f"{result.dtype})")
    if result.device != grad.device:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {grad.device} "
                           f"got {result.device})")
    return result
