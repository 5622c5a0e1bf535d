"""The shape of one row of the parity table (see op_table.py).

An entry says how to call one public op in minigrad and in torch, which
inputs are valid, and what is promised about it. The generic tests in
test_parity.py run every entry the same way.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class OpEntry:
    # The public names this entry checks, e.g. ("exp", "Tensor.exp") or
    # ("nn.functional.conv2d",). The coverage test requires every public op to
    # appear in some entry's `covers`.
    covers: tuple
    # call(lib, *tensors) -> tensor: the same code runs with lib = minigrad and
    # lib = torch, e.g. `lambda lib, x: lib.exp(x)` or
    # `lambda lib, x, w: lib.nn.functional.conv2d(x, w, stride=2)`.
    call: Callable
    # A hypothesis strategy drawing a tuple of float64 NumPy arrays, the
    # differentiable inputs (converted to each dtype by the tests).
    inputs: Callable
    # Extra non-differentiable arguments drawn alongside (e.g. integer targets):
    # a strategy of a tuple of NumPy arrays passed after the inputs, unchanged.
    # It may also be a function of the drawn input arrays returning that
    # strategy, when the constants depend on them (a dim within the input's
    # rank, targets as many as the input's rows); the tuple may then hold
    # Python values too (a dim, a keepdim flag). Turn an array into a tensor on
    # the inputs' device with `constant(lib, array, like)` below.
    constants: Optional[Callable] = None
    grad: bool = True             # check first derivatives (vs torch, and gradcheck)
    second_order: bool = False    # check second derivatives (vs torch, and gradgradcheck)
    # float64 results are compared with torch's float64 ones at this tolerance; float32 ones
    # are judged by the rule of conditioning.py, which has no per-row tolerance.
    rtol: dict = field(default_factory=lambda: {"float64": 1e-10})
    atol: dict = field(default_factory=lambda: {"float64": 1e-12})
    # Why a tolerance is wider than the default, when it is (required then).
    tolerance_reason: str = ""
    name: str = ""
    # Why finite differences (gradcheck, gradgradcheck) cannot check this
    # entry, when they cannot: inputs on a kink on purpose (ties in max), or
    # outputs rounded to float32. Its derivatives are still compared with torch's.
    no_finite_differences: str = ""

    def __post_init__(self):
        if not self.name:
            self.name = self.covers[0]
        if set(self.rtol) | set(self.atol) != {"float64"}:
            raise ValueError(f"{self.name}: give float64 tolerances only (rtol={{'float64': ...}}); "
                             "float32 values are judged by conditioning.py's rule")


def constant(lib, array, like):
    """A drawn constant (a NumPy array) as a `lib` tensor on the device of the tensor `like`."""
    return lib.tensor(array, device=like.device)
