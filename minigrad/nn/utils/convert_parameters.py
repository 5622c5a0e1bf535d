"""A model's parameters as one flat vector and back, as torch.nn.utils: what second-order and
evolutionary methods, and line searches, work on.

    parameters_to_vector   cat(p₁.view(-1), p₂.view(-1), ...): differentiable, a new tensor
    vector_to_parameters   each parameter becomes (a view of) its slice of the vector, outside
                           any graph, as torch's `param.data = ...` does
"""
from ...ops.shape import cat
from ...tensor import Tensor, wrap_array


def _same_device(param, first_device):
    """The device of the first parameter; a later one elsewhere is refused, as in torch."""
    if first_device is None:
        return param.device
    if param.device != first_device:
        raise TypeError("Found two parameters on different devices, this is currently not "
                        "supported.")
    return first_device


def parameters_to_vector(parameters):
    """Every parameter flattened and joined into one vector (in their order; the dtype that
    joining them gives). Gradients flow back to each parameter."""
    device, flat = None, []
    for param in parameters:
        device = _same_device(param, device)
        flat.append(param.reshape(-1))
    return cat(flat)


def vector_to_parameters(vec, parameters):
    """Set each parameter to its slice of `vec`, in order: the parameter then shares the
    vector's memory and takes its dtype, as torch's `param.data = vec[a:b].view_as(param)`
    does. `vec` must be a Tensor; a slice too short for its parameter is refused."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    device, start = None, 0
    for param in parameters:
        device = _same_device(param, device)
        count = param.numel()
        piece = vec.array[start:start + count]
        if piece.size != count:
            raise RuntimeError(f"shape '{list(param.shape)}' is invalid for input of size "
                               f"{piece.size}")
        param.data = wrap_array(piece.reshape(param.array.shape))
        start += count
