"""Creating tensors: `tensor`, `zeros`, `ones`, `full`, `randn`, `rand`, `arange`, ... as in PyTorch.

Python floats and creation functions give float32 (the default float), Python
ints int64, and a NumPy array keeps its dtype.
"""
from . import backend, random
from .tensor import Tensor, wrap_array


def _place(array, device):
    return array if device is None else backend.move_to(array, device)


def _made(array, requires_grad):
    return wrap_array(array, requires_grad=requires_grad)


def _size(sizes, size=None):
    """Sizes given as varargs (`zeros(2, 3)`), one tuple or list (`zeros((2, 3))`) or `size=`."""
    if size is not None:
        if sizes:
            raise TypeError("sizes given both as arguments and as size=")
        sizes = size if isinstance(size, (tuple, list)) else (size,)
    elif len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    for n in sizes:
        if isinstance(n, bool) or not hasattr(n, "__index__"):
            raise TypeError(f"sizes must be integers, got {type(n).__name__} ({n!r})")
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {int(n)}: "
                               f"{[int(m) for m in sizes]}")
    return tuple(int(n) for n in sizes)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data` (a list, a number, an array or a tensor)."""
    if isinstance(data, Tensor):
        array = data.array.copy() if dtype is None else data.array.astype(backend.numpy_dtype(dtype))
    elif isinstance(data, (list, tuple)):
        array = backend.as_array(_with_tensors_as_scalars(data), dtype)
    elif hasattr(data, "__cuda_array_interface__"):
        array = data.copy() if dtype is None else data.astype(backend.numpy_dtype(dtype))
    else:
        array = backend.as_array(data, dtype).copy()
    return _made(_place(array, device), requires_grad)


def _with_tensors_as_scalars(data):
    """Nested lists with each tensor in them (one element each, as torch requires) replaced by
    a NumPy scalar of its dtype, so the result's dtype is inferred from theirs, as torch does."""
    if not any(issubclass(kind, (Tensor, list, tuple)) for kind in set(map(type, data))):
        return data
    return [_as_scalar(v) if isinstance(v, Tensor) else
            _with_tensors_as_scalars(v) if isinstance(v, (list, tuple)) else v for v in data]


def _as_scalar(t):
    if t.array.size != 1:
        raise ValueError("only one element tensors can be converted to Python scalars")
    return backend.move_to(t.array, backend.cpu).reshape(())[()]


def from_numpy(array):
    """A tensor sharing memory with a NumPy array, keeping its dtype."""
    return wrap_array(array)


def _filled(fill, size, dtype, device, requires_grad):
    device = backend.Device(device or "cpu")
    dtype = backend.numpy_dtype(dtype if dtype is not None else backend.default_float)
    array = backend.module_for(device).full(size, fill, dtype=dtype)
    return _made(backend.move_to(array, device), requires_grad)


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(0, _size(sizes, size), dtype, device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(1, _size(sizes, size), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    return _filled(fill_value, _size((), size), dtype, device, requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _filled(0, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _filled(1, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return _filled(fill_value, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the generator `mg.manual_seed` sets."""
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    device = backend.Device(device or "cpu")
    return _made(random.normal_array(_size(sizes, size), 0.0, 1.0, dtype, device), requires_grad)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1) from the generator `mg.manual_seed` sets."""
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    device = backend.Device(device or "cpu")
    return _made(random.uniform_array(_size(sizes, size), 0.0, 1.0, dtype, device), requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn uniformly from [low, high): `randint(high, size)` or `randint(low, high, size)`."""
    if isinstance(high, (tuple, list)) and size is None:
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required argument: 'size'")
    device = backend.Device(device or "cpu")
    array = random.generator(device).integers(low, high, size=_size((), size))
    return _made(array.astype(backend.numpy_dtype(dtype or backend.int64)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Evenly spaced values in [start, end): int64 for integer arguments, else float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        integral = all(isinstance(v, int) for v in (start, end, step))
        dtype = backend.int64 if integral else backend.default_float
    device = backend.Device(device or "cpu")
    array = backend.module_for(device).arange(start, end, step, dtype=backend.numpy_dtype(dtype))
    return _made(backend.move_to(array, device), requires_grad)


# ---------------------------------------------------------------------------
# the rest of the everyday creation API
# ---------------------------------------------------------------------------


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """A tensor of the sizes given whose values are not to be relied on (minigrad zeroes them)."""
    return _filled(0, _size(sizes, size), dtype, device, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    """`empty` with input's shape, dtype and device unless given."""
    return zeros_like(input, dtype, device, requires_grad)


def _like(input, dtype, device):
    dtype = backend.numpy_dtype(dtype if dtype is not None else input.array.dtype)
    return dtype, backend.Device(device or input.device)


def rand_like(input, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1) with input's shape, dtype and device unless given."""
    dtype, device = _like(input, dtype, device)
    if dtype.kind != "f":
        raise RuntimeError(f'"check_uniform_bounds" not implemented for \'{input.dtype}\'')
    return _made(random.uniform_array(input.array.shape, 0.0, 1.0, dtype, device), requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):
    """Standard normal samples with input's shape, dtype and device unless given."""
    dtype, device = _like(input, dtype, device)
    if dtype.kind != "f":
        raise RuntimeError(f'"normal_kernel_cpu" not implemented for \'{input.dtype}\'')
    return _made(random.normal_array(input.array.shape, 0.0, 1.0, dtype, device), requires_grad)


def randint_like(input, low=0, high=None, dtype=None, device=None, requires_grad=False):
    """Integers drawn from [low, high) with input's shape (and dtype and device unless given);
    `randint_like(input, high)` draws from [0, high)."""
    if high is None:
        low, high = 0, low
    dtype, device = _like(input, dtype, device)
    array = random.generator(device).integers(low, high, size=input.array.shape)
    return _made(array.astype(dtype), requires_grad)


def randperm(n, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0, 1, ..., n - 1 (int64 by default)."""
    device = backend.Device(device or "cpu")
    array = random.generator(device).permutation(int(n))
    return _made(array.astype(backend.numpy_dtype(dtype or backend.int64)), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """`steps` values evenly spaced from start to end, both included."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    device = backend.Device(device or "cpu")
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    xp = backend.module_for(device)
    array = xp.linspace(_number(start), _number(end), int(steps), dtype=xp.float64)
    return _made(_cast(array, dtype), requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """`steps` values base**v for v evenly spaced from start to end, both included."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    device = backend.Device(device or "cpu")
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    xp = backend.module_for(device)
    exponents = xp.linspace(_number(start), _number(end), int(steps), dtype=xp.float64)
    return _made(_cast(xp.power(float(base), exponents), dtype), requires_grad)


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


def _cast(array, dtype):
    """Float values as dtype (integer dtypes truncate towards zero, as torch does)."""
    return array.astype(dtype)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity matrix (square by default): ones on the diagonal."""
    device = backend.Device(device or "cpu")
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    array = backend.module_for(device).eye(int(n), int(n if m is None else m), dtype=dtype)
    return _made(array, requires_grad)


def is_tensor(obj):
    """Whether obj is a minigrad tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of input."""
    return input.numel()


def set_default_dtype(dtype):
    """Make `dtype` (float32 or float64) the dtype of Python floats and of creation functions."""
    dtype = backend.dtype_of(backend.as_array(0, dtype))
    if not dtype.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type (got "
                        f"{dtype})")
    backend.default_float = dtype


def get_default_dtype():
    """The dtype of Python floats and of creation functions (float32 unless set otherwise)."""
    return backend.default_float


# Tensor.new_*: a tensor with this one's dtype and device unless given.


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    source = backend.as_array(data.array if isinstance(data, Tensor) else data)
    return tensor(backend.move_to(source, backend.cpu), dtype=dtype or self.array.dtype,
                  device=device or self.device, requires_grad=requires_grad)


def new_zeros(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(0, _size(sizes, size), dtype or self.array.dtype, device or self.device,
                   requires_grad)


def new_ones(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _filled(1, _size(sizes, size), dtype or self.array.dtype, device or self.device,
                   requires_grad)


def new_empty(self, *sizes, size=None, dtype=None, device=None, requires_grad=False):
    return new_zeros(self, *sizes, size=size, dtype=dtype, device=device,
                     requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    return _filled(fill_value, _size((), size), dtype or self.array.dtype, device or self.device,
                   requires_grad)


TENSOR_METHODS = {"new_tensor": new_tensor, "new_zeros": new_zeros, "new_ones": new_ones,
                  "new_empty": new_empty, "new_full": new_full}
