"""Autograd: `grad`, `Function`, `gradcheck`, `gradgradcheck`, the grad-mode switches, and the
learning aids `trace` and anomaly detection (`detect_anomaly`, `set_detect_anomaly`)."""
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                           set_detect_anomaly)
from .function import Function
from .gradcheck import gradcheck, gradgradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tape import run_backward
from .trace import trace


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple (PyTorch's autograd.grad).

    Nothing is accumulated into `.grad`. With `create_graph=True` the returned
    gradients are themselves differentiable. `only_inputs`, deprecated in torch,
    is accepted and ignored, as torch does.
    """
    from ..tensor import Tensor, wrap_array

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")

    seeds = []
    for i, (output, seed) in enumerate(zip(outputs, grad_outputs)):
        if not output.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn")
        if seed is None:
            if output.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (output {i} has "
                    f"shape {tuple(output.shape)}); pass grad_outputs")
            seed = wrap_array(output.xp.ones_like(output.array))
        elif seed.shape != output.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {tuple(seed.shape)} and "
                f"output[{i}] has a shape of {tuple(output.shape)}.")
        seeds.append(seed)

    if retain_graph is None:
        retain_graph = create_graph
    grads = run_backward(outputs, seeds, retain_graph, create_graph, inputs=inputs)
    for i, g in enumerate(grads):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in "
                "the graph. Set allow_unused=True if this is the desired behavior.")
        if g is not None and not create_graph:
            grads[i] = g.detach()
    return tuple(grads)


__all__ = ["Function", "grad", "gradcheck", "gradgradcheck", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "trace", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
