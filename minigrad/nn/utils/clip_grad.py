"""Gradient clipping, as torch.nn.utils: the remedy for exploding gradients in recurrent nets.

    clip_grad_norm_    rescale all gradients together so that their joint p-norm
                       ‖(‖g₁‖ₚ, ‖g₂‖ₚ, ...)‖ₚ is at most max_norm:
                           g ← g · min(1, max_norm / (total_norm + 1e-6))
                       (the direction of the update is kept, only its length shrinks)
    clip_grad_value_   clamp every gradient element to [-clip_value, clip_value]

Both change `.grad` in place, outside any graph, as an optimiser step does.
"""
import math

from ... import backend
from ...autograd import no_grad
from ...tensor import Tensor, wrap_array


def _gradients(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(xp, array, norm_type):
    """‖array‖ₚ over all its elements, as a 0-d array of its dtype."""
    magnitudes = xp.abs(array)
    if norm_type == math.inf:
        return magnitudes.max() if array.size else xp.zeros((), array.dtype)
    if norm_type == -math.inf:
        return magnitudes.min()
    if norm_type == 0:
        return xp.asarray((array != 0).sum(), dtype=array.dtype)
    if norm_type == 2:
        return xp.sqrt((array * array).sum())
    if norm_type == 1:
        return magnitudes.sum()
    return (magnitudes ** norm_type).sum() ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The p-norm of the p-norms of `tensors` (one tensor, or an iterable), as a 0-d tensor:
    the norm of all their elements taken together. `foreach` is accepted and ignored."""
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = [t for t in tensors if t is not None]
    norm_type = float(norm_type)
    if not tensors:
        return wrap_array(backend.as_array(0.0, backend.default_float))
    xp = tensors[0].xp
    norms = [_vector_norm(xp, t.array, norm_type) for t in tensors]
    total = _vector_norm(xp, xp.stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return wrap_array(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)), in place."""
    grads = _gradients(parameters)
    if not grads:
        return
    total = total_norm.array if isinstance(total_norm, Tensor) else total_norm
    scale = backend.array_module(total).minimum(float(max_norm) / (total + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            # Scaled in the gradient's own dtype, as torch's in-place multiply does.
            g.mul_(scale.astype(g.array.dtype))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients of `parameters` (a tensor or an iterable) so that their total
    p-norm is at most `max_norm`; returns that total norm, measured before clipping.

    With error_if_nonfinite=True a NaN or infinite total norm raises instead.
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    parameters = list(parameters)
    total = get_total_norm(_gradients(parameters), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element of `parameters` to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _gradients(parameters):
            g.clamp_(-clip_value, clip_value)
