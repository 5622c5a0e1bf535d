"""Every public op has a row in the parity table, and every row names an op that exists.

"Every gradient is checked against PyTorch" stays true only if adding an op
without a row fails a test. The public ops are found by enumerating the
`minigrad` namespace, the methods and operators of `Tensor`, and
`minigrad.nn.functional`; what is public but not an op is listed below, each
with the reason it has no row.
"""
import importlib
import importlib.util
import types


import minigrad as mg
from op_entry import OpEntry
from op_table import ENTRIES

CREATION = "creates a tensor from Python data or a shape: there is nothing to differentiate"
GRAD_MODE = "switches recording on or off: tested in test_autograd.py"
DTYPE = "a dtype"
IN_PLACE = ("in-place update of a leaf, what optimisers use; refused inside a recorded graph: "
            "tested in test_autograd.py")
ATTRIBUTE = "an attribute of the tensor, not an op"
TO_PYTHON = "converts to a Python or NumPy value, leaving the graph"
AUTOGRAD = "autograd API: tested in test_autograd.py"

# Public names of the `minigrad` namespace that are not ops (modules are skipped by type).
NOT_OPS = {
    "Tensor": "the class: its methods are enumerated on their own",
    "device": "the device class",
    **dict.fromkeys(["tensor", "zeros", "ones", "full", "full_like", "zeros_like", "ones_like",
                     "rand", "randn", "randint", "arange", "from_numpy"], CREATION),
    "manual_seed": "seeds the random generators",
    "Generator": "a random generator of its own, for samplers and random_split: tested in test_utils_data.py",
    **dict.fromkeys(["set_num_threads", "get_num_threads"], "the number of BLAS threads"),
    **dict.fromkeys(["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"], GRAD_MODE),
    **dict.fromkeys(["float16", "float32", "float64", "int32", "int64", "uint8", "bool", "float",
                     "double", "long"], DTYPE),
}

# Public methods and attributes of `Tensor`, and the special methods it defines, that are not ops.
TENSOR_NOT_OPS = {
    **dict.fromkeys(["shape", "ndim", "dtype", "device", "is_cuda", "is_leaf", "requires_grad",
                     "grad", "grad_fn", "data", "array", "xp", "size", "dim", "numel",
                     "is_floating_point"], ATTRIBUTE),
    **dict.fromkeys(["item", "tolist", "numpy", "__array__", "__float__", "__int__", "__bool__",
                     "__index__"], TO_PYTHON),
    **dict.fromkeys(["backward", "retain_grad", "requires_grad_", "detach"], AUTOGRAD),
    **dict.fromkeys(["add_", "sub_", "mul_", "div_", "pow_", "clamp_", "zero_", "fill_", "copy_",
                     "uniform_", "normal_", "__iadd__", "__isub__", "__imul__", "__itruediv__"],
                    IN_PLACE),
    "cuda": ("moves to a GPU, and torch here is CPU-only: the whole table runs on 'cuda' through "
             "the device fixture instead"),
    "__new__": ("the legacy constructor mg.Tensor(data) / mg.Tensor(2, 3): tested against torch "
                "in test_tensor_construction.py"),
    "__repr__": "printing",
    "__hash__": "identity hash, as in torch (tensors are dict keys)",
    "__len__": "the size of the first dim, a Python int",
    "__iter__": "yields x[0], x[1], ...: integer indexing, which the indexing rows check",
}

# The everyday tensor API (issue 10): what is public there but not an op.
NOT_OPS.update({
    **dict.fromkeys(["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
                     "ByteTensor", "BoolTensor"], "a legacy tensor type: calling it creates a "
                    "tensor (tested in test_course_idioms.py)"),
    "Size": "the shape type, a tuple (tested in test_course_idioms.py)",
    "normal": ("random sampling: its numbers cannot match torch's generator; its shapes, "
               "dtypes, distribution and zero gradient are tested in test_course_idioms.py"),
    **dict.fromkeys(["empty", "empty_like", "eye", "linspace", "logspace", "rand_like",
                     "randn_like", "randint_like", "randperm"], CREATION + " (values or "
                    "shapes and dtypes against torch in test_tensor_api.py)"),
    **dict.fromkeys(["set_default_dtype", "get_default_dtype"], "the default float dtype "
                    "(tested in test_tensor_api.py)"),
    "is_tensor": "a type check", "numel": "the number of elements, a Python int",
    "set_printoptions": "how tensors print: str() against torch's in test_printing.py",
    **dict.fromkeys(["save", "load"], "saving and loading: round trips, torch.save's files and "
                    "refused payloads are tested in test_serialization.py"),
})
TENSOR_NOT_OPS.update({
    "register_hook": "a gradient hook: against torch in test_hooks.py",
    "is_contiguous": ATTRIBUTE, "element_size": ATTRIBUTE,
    "__format__": TO_PYTHON,
    **dict.fromkeys(["new_tensor", "new_zeros", "new_ones", "new_empty", "new_full"], CREATION),
    **dict.fromkeys(["scatter_", "scatter_add_", "masked_fill_"], IN_PLACE + "; its values "
                    "against torch's in test_course_idioms.py"),
    **dict.fromkeys(importlib.import_module("minigrad.ops.inplace").METHODS, IN_PLACE + "; its "
                    "values against torch's in test_tensor_api.py"),
})


def tensor_public_names():
    """Tensor's public methods and attributes, and the special methods (operators) it defines."""
    names = {n for n in dir(mg.Tensor) if not n.startswith("_")}
    names |= {n for n, value in vars(mg.Tensor).items()
              if n.startswith("__") and n.endswith("__") and callable(value)}
    return names


def functional_module():
    """minigrad.nn.functional, or None before the nn package has one."""
    try:
        return importlib.import_module("minigrad.nn.functional")
    except ModuleNotFoundError:
        return None


def public_names():
    """Every public op and non-op, qualified as entries name them ("exp", "Tensor.exp", ...)."""
    names = {n for n in dir(mg) if not n.startswith("_")
             and not isinstance(getattr(mg, n), types.ModuleType)}
    names |= {f"Tensor.{n}" for n in tensor_public_names()}
    functional = functional_module()
    if functional is not None:
        names |= {f"nn.functional.{n}" for n in dir(functional) if not n.startswith("_")
                  and callable(getattr(functional, n))
                  and not isinstance(getattr(functional, n), type)}
    names |= layer_public_names()
    return names


def not_ops():
    return set(NOT_OPS) | {f"Tensor.{n}" for n in TENSOR_NOT_OPS} | set(LAYER_NOT_OPS)


# Layer families whose classes have rows (op_table_rnn.py, and the losses' rows, which call the
# function and the module): every public class defined in these
# modules is enumerated as `nn.<Class>`, and every name in `__all__` of the namespaces below as
# `<namespace>.<name>` (submodules aside).
LAYER_FAMILIES = ["minigrad.nn.modules.rnn", "minigrad.nn.modules.sparse",
                  "minigrad.nn.modules.loss"]
NAMESPACES = {"nn.utils": "minigrad.nn.utils", "nn.utils.rnn": "minigrad.nn.utils.rnn"}
LAYER_NOT_OPS = {
    **dict.fromkeys(["nn.RNNBase", "nn.RNNCellBase"],
                    "a base class: the rows of its subclasses run its code"),
}


def layer_public_names():
    names = set()
    for module_name in LAYER_FAMILIES:
        module = importlib.import_module(module_name)
        names |= {f"nn.{n}" for n, value in vars(module).items() if not n.startswith("_")
                  and isinstance(value, type) and value.__module__ == module_name}
    for prefix, module_name in NAMESPACES.items():
        module = importlib.import_module(module_name)
        names |= {f"{prefix}.{n}" for n in module.__all__
                  if not isinstance(getattr(module, n), types.ModuleType)}
    return names


COVERED = {name for entry in ENTRIES for name in entry.covers}


def test_every_public_op_has_an_entry():
    missing = sorted(public_names() - not_ops() - COVERED)
    assert not missing, (
        f"public ops without a row in the parity table (op_table.py / op_table_nn.py): {missing}. "
        "Add a row, or, if it is not an op, list it in test_coverage.py with the reason.")


def test_nn_functional_is_enumerated():
    """The functional module is part of the enumeration (its ops are not silently skipped)."""
    functional = functional_module()
    assert functional is not None, "minigrad.nn exists but minigrad.nn.functional does not"
    assert any(name.startswith("nn.functional.") for name in public_names())


def test_every_entry_covers_existing_names():
    stale = sorted(COVERED - public_names())
    assert not stale, f"parity entries cover names that are not public in minigrad: {stale}"


def test_every_exclusion_names_an_existing_non_op():
    stale = sorted(not_ops() - public_names())
    assert not stale, f"test_coverage.py excludes names that minigrad does not have: {stale}"
    both = sorted(not_ops() & COVERED)
    assert not both, f"names both excluded as non-ops and covered by a parity entry: {both}"


def test_entry_names_are_unique():
    names = [entry.name for entry in ENTRIES]
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"parity entries share a name (give each a distinct `name`): {repeated}"


def test_wider_tolerances_say_why():
    default = OpEntry(covers=("default",), call=None, inputs=None)
    unexplained = [entry.name for entry in ENTRIES if not entry.tolerance_reason and any(
        entry.rtol[d] > default.rtol[d] or entry.atol[d] > default.atol[d] for d in default.rtol)]
    assert not unexplained, f"entries with tolerances wider than the default and no reason: " \
                            f"{unexplained}"
