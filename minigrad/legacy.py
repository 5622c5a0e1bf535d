"""PyTorch's legacy tensor types: `LongTensor(data)`, `FloatTensor(2, 3)`, `x.type()`.

Old tutorials make tensors with the typed constructors (`torch.LongTensor(label)`)
and ask a tensor for its type name (`x.type()` is `'torch.FloatTensor'`).
Each constructor here makes an ordinary `Tensor` of its dtype, and
`isinstance(x, mg.LongTensor)` asks whether x is an int64 tensor on the CPU,
as in torch. Type names are PyTorch's, so printed output matches the course's.
"""
import operator

from . import backend
from .size import Size
from .tensor import Tensor, wrap_array

# dtype -> the legacy type's name, as torch spells it
_TYPE_NAMES = {
    backend.float32: "FloatTensor", backend.float64: "DoubleTensor",
    backend.float16: "HalfTensor", backend.int64: "LongTensor", backend.int32: "IntTensor",
    backend.uint8: "ByteTensor", backend.bool_: "BoolTensor",
}
_DTYPES_BY_NAME = {name: dtype for dtype, name in _TYPE_NAMES.items()}


class _LegacyTensorType(type):
    """The metaclass of `LongTensor` & co: calling one makes a Tensor; isinstance checks dtype."""

    def __call__(cls, *args, device=None):
        return legacy_new(cls.dtype, args, device)

    def __instancecheck__(cls, instance):
        return (isinstance(instance, Tensor) and instance.array.dtype == cls.dtype.numpy
                and instance.device.type == "cpu")

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def legacy_new(dtype, args, device=None):
    """What `torch.<Type>Tensor(*args)` makes: empty, of the sizes given, or from data.

    dtype None is `torch.Tensor(*args)`: the default float dtype, and a tensor argument of
    any dtype gives an alias of it (differentiable, as torch's).
    """
    device = backend.Device(device or "cpu")
    if len(args) == 1 and isinstance(args[0], Tensor):
        source = args[0]
        if dtype is None:
            return source.view_as(source) if source.requires_grad else source.detach()
        if source.array.dtype != dtype.numpy:
            raise TypeError(f"expected {dtype} tensor (got {source.dtype}): a legacy "
                            f"constructor does not convert a tensor; use .to({dtype})")
        return source
    dtype = backend.default_float if dtype is None else dtype
    if not args:
        sizes = (0,)
    elif all(_is_size(a) for a in args) or (len(args) == 1 and isinstance(args[0], Size)):
        sizes = tuple(int(n) for n in (args[0] if isinstance(args[0], Size) else args))
    else:
        if len(args) > 1:
            position, bad = next((i, a) for i, a in enumerate(args, 1) if not _is_size(a))
            raise TypeError(f"new(): argument 'size' failed to unpack the object at pos {position} "
                            f"with error \"type must be tuple of ints,but got "
                            f"{_type_name(bad)}\"")
        data = args[0]
        if not isinstance(data, (list, tuple)) and (not hasattr(data, "__array__")
                                                     or getattr(data, "ndim", 1) == 0):
            raise TypeError(f"new(): data must be a sequence (got {_type_name(data)})")
        array = backend.as_array(data, dtype)
        return wrap_array(backend.move_to(array, device))
    array = backend.module_for(device).zeros(sizes, dtype=dtype.numpy)
    return wrap_array(array)


def _type_name(value):
    """A value's type as torch's messages name it: `float`, `numpy.float64`."""
    kind = type(value)
    return kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"


def _is_size(value):
    """An int or a NumPy int scalar, as torch's size arguments take; not a bool or an array."""
    if isinstance(value, (bool, Tensor)) or getattr(value, "ndim", 0) != 0:
        return False
    try:
        operator.index(value)
    except TypeError:
        return False
    return True


def _legacy_type(name):
    return _LegacyTensorType(name, (), {"dtype": _DTYPES_BY_NAME[name],
                                        "__doc__": f"Tensors of {_DTYPES_BY_NAME[name]} on the CPU, "
                                                   f"as torch.{name}."})


FloatTensor = _legacy_type("FloatTensor")
DoubleTensor = _legacy_type("DoubleTensor")
HalfTensor = _legacy_type("HalfTensor")
LongTensor = _legacy_type("LongTensor")
IntTensor = _legacy_type("IntTensor")
ByteTensor = _legacy_type("ByteTensor")
BoolTensor = _legacy_type("BoolTensor")


def type_name(x):
    """x's legacy type name: 'torch.FloatTensor', or 'torch.cuda.FloatTensor' on a GPU."""
    place = "torch.cuda." if x.device.type == "cuda" else "torch."
    return place + _TYPE_NAMES[x.dtype]


def _dtype_of_type(dtype):
    """The dtype a `type(...)` argument names: a dtype, a legacy type, or a type name string."""
    if isinstance(dtype, _LegacyTensorType):
        return dtype.dtype, None
    if isinstance(dtype, str):
        prefix, _, name = dtype.rpartition(".")
        if name not in _DTYPES_BY_NAME or prefix not in ("torch", "torch.cuda", "minigrad",
                                                           "minigrad.cuda"):
            raise ValueError(f"invalid type: '{dtype}'")
        return _DTYPES_BY_NAME[name], ("cuda" if prefix.endswith("cuda") else "cpu")
    return dtype, None


def tensor_type(self, dtype=None, non_blocking=False):
    """`x.type()`: the type name ('torch.FloatTensor'); `x.type(dtype)`: x cast to dtype (a
    dtype, a legacy type such as `mg.LongTensor`, or its name) - differentiable, as `to`."""
    if dtype is None:
        return type_name(self)
    dtype, device = _dtype_of_type(dtype)
    return self.to(dtype) if device is None else self.to(device, dtype)
