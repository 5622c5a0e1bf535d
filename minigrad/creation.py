"""Creating tensors: `tensor`, `zeros`, `ones`, `full`, `randn`, `rand`, `arange`, ... as in PyTorch.

Python floats and creation functions give float32 (the default float), Python
ints int64, and a NumPy array keeps its dtype.
"""
from . import backend, random
from .tensor import Tensor


def _place(array, device):
    return array if device is None else backend.move_to(array, device)


def _made(array, requires_grad):
    return Tensor(array, requires_grad=requires_grad)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of `data` (a list, a number, an array or a tensor)."""
    if isinstance(data, Tensor):
        array = data.array.copy() if dtype is None else data.array.astype(backend.numpy_dtype(dtype))
    elif isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        array = backend.as_array([v.item() if isinstance(v, Tensor) else v for v in data], dtype)
    elif hasattr(data, "__cuda_array_interface__"):
        array = data.copy() if dtype is None else data.astype(backend.numpy_dtype(dtype))
    else:
        array = backend.as_array(data, dtype).copy()
    return _made(_place(array, device), requires_grad)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array, keeping its dtype."""
    return Tensor(array)


def _filled(fill, size, dtype, device, requires_grad):
    device = backend.Device(device or "cpu")
    dtype = backend.numpy_dtype(dtype if dtype is not None else backend.default_float)
    array = backend.module_for(device).full(size, fill, dtype=dtype)
    return _made(backend.move_to(array, device), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(0, _size(size), dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(1, _size(size), dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    return _filled(fill_value, _size((size,)), dtype, device, requires_grad)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    return _filled(0, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    return _filled(1, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return _filled(fill_value, x.shape, dtype or x.array.dtype, device or x.device, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples from the generator `mg.manual_seed` sets."""
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    device = backend.Device(device or "cpu")
    return _made(random.normal_array(_size(size), 0.0, 1.0, dtype, device), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples on [0, 1) from the generator `mg.manual_seed` sets."""
    dtype = backend.numpy_dtype(dtype or backend.default_float)
    device = backend.Device(device or "cpu")
    return _made(random.uniform_array(_size(size), 0.0, 1.0, dtype, device), requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None):
    if high is None:
        low, high = 0, low
    device = backend.Device(device or "cpu")
    array = random.generator(device).integers(low, high, size=_size((size,)))
    return Tensor(array.astype(backend.numpy_dtype(dtype or backend.int64)))


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
