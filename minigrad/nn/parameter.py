"""`Parameter`: a tensor that a Module learns."""
from .. import backend
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad and that a Module registers when it is assigned as an attribute.

    Registered parameters are what `module.parameters()` hands to an
    optimiser and what `state_dict()` saves. `Parameter(t)` shares t's memory.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = backend.as_array([], backend.default_float)
        super().__init__(data.array if isinstance(data, Tensor) else data)
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()
