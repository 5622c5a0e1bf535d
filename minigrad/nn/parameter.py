"""`Parameter`: a tensor that a Module learns."""
from .. import backend
from ..tensor import Tensor, wrap_array


class Parameter(Tensor):
    """A tensor that requires grad and that a Module registers when it is assigned as an attribute.

    Registered parameters are what `module.parameters()` hands to an
    optimiser and what `state_dict()` saves. `Parameter(t)` shares t's memory.
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = backend.as_array([], backend.default_float)
        return wrap_array(data.array if isinstance(data, Tensor) else data, requires_grad, cls)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
