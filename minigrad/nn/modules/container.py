"""`Sequential`: modules applied one after another."""
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """`Sequential(a, b, c)(x)` is `c(b(a(x)))`; the parts are named '0', '1', ... (or as the keys
    of an OrderedDict).

    Indexing, slicing, len() and iteration work as on a list; the state_dict
    keys are PyTorch's (`0.weight`, `2.bias`).
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range")
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input):
        for module in self:
            input = module(input)
        return input
