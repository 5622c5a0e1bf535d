"""The backend: which array library holds a tensor's numbers, and of what type.

A tensor's numbers live in a NumPy array on the CPU or a CuPy array on a GPU.
Ops never import either library: they ask `array_module(array)` for the module
that owns their inputs (`xp`, as NumPy and CuPy both call it), so one
implementation of every op serves both devices.

This file also defines the dtypes (`minigrad.float32`, printed `torch.float32`, ...) and devices
(`'cpu'`, `'cuda:0'`) that the public API names, following PyTorch.
"""
import contextlib

import numpy

# ---------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------


class DType:
    """A tensor element type, printed as PyTorch prints its own (`torch.float32`), as tensors
    (`dtype=torch.float64`) and sizes (`torch.Size([2, 3])`) are, so that a ported lesson
    prints what the course shows."""

    __slots__ = ("name", "numpy", "is_floating_point")

    def __init__(self, name):
        self.name = name
        self.numpy = numpy.dtype(name)
        self.is_floating_point = self.numpy.kind == "f"

    def __repr__(self):
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


float32 = DType("float32")
float64 = DType("float64")
float16 = DType("float16")
int64 = DType("int64")
int32 = DType("int32")
uint8 = DType("uint8")
bool_ = DType("bool")

_DTYPES = {d.numpy: d for d in (float32, float64, float16, int64, int32, uint8, bool_)}
default_float = float32


def _dtype_by_name(name):
    return _DTYPES[numpy.dtype(name)]


def dtype_of(array):
    """The minigrad dtype of an array's elements."""
    try:
        return _DTYPES[array.dtype]
    except KeyError:
        raise TypeError(f"minigrad has no dtype for arrays of {array.dtype}") from None


def numpy_dtype(dtype):
    """Accept a minigrad dtype, a NumPy dtype, a Python type or a name; return the NumPy dtype."""
    if isinstance(dtype, DType):
        return dtype.numpy
    if dtype is float:
        return default_float.numpy
    if dtype is int:
        return int64.numpy
    if dtype is bool:
        return bool_.numpy
    return numpy.dtype(dtype)


def as_array(data, dtype=None):
    """Turn Python data or NumPy scalars into a NumPy array with PyTorch's dtype rules.

    Python floats become float32 (the default float), Python ints int64 and
    bools bool; a NumPy array, or anything that hands NumPy an array of its own
    (`__array__`, as a torch tensor does), keeps its dtype unless one is given.
    """
    if dtype is not None:
        return numpy.asarray(data, dtype=numpy_dtype(dtype))
    array = numpy.asarray(data)
    if not isinstance(data, (numpy.ndarray, numpy.generic)) and not hasattr(data, "__array__"):
        if isinstance(data, (list, tuple)) and array.dtype.kind in "biuf":
            leaf_types = _leaf_types(data)
            if not leaf_types <= {float, int, bool}:  # NumPy scalars or arrays among the leaves
                return array.astype(_promoted(leaf_types))
        if array.dtype.kind == "f":
            array = array.astype(default_float.numpy)
        elif array.dtype.kind in "iu":
            array = array.astype(numpy.int64)
    return array


def _leaf_types(data):
    """The types of the numbers in nested lists: Python's float, int, bool, or NumPy dtypes."""
    types = set(map(type, data))
    for nested in (list, tuple):
        if nested in types:
            types.discard(nested)
            for item in data:
                if type(item) is nested:
                    types |= _leaf_types(item)
    for kind in list(types):
        if kind is numpy.ndarray:
            types.discard(kind)
            types |= {item.dtype for item in data if type(item) is numpy.ndarray}
        elif isinstance(kind, type) and issubclass(kind, numpy.generic):
            types.discard(kind)
            types.add(numpy.dtype(kind))
    return types


def _promoted(leaf_types):
    """The dtype torch.tensor infers from numbers of these types: a Python float is the default
    float, an int int64; an integer meeting a float gives that float (NumPy would widen to
    float64), otherwise the wider, as NumPy promotes."""
    python_types = {float: default_float.numpy, int: numpy.dtype(numpy.int64),
                    bool: numpy.dtype(bool)}
    result = None
    for kind in leaf_types:
        dtype = python_types.get(kind, kind)
        if result is None:
            result = dtype
        elif (dtype.kind == "f") != (result.kind == "f"):
            result = dtype if dtype.kind == "f" else result
        else:
            result = numpy.promote_types(result, dtype)
    return result


def result_float_dtype(*arrays_or_scalars):
    """The dtype PyTorch gives a floating-point result: float64 only if an input is float64."""
    for a in arrays_or_scalars:
        if getattr(a, "dtype", None) == numpy.float64:
            return numpy.dtype(numpy.float64)
    return default_float.numpy


# ---------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------


class Device:
    """Where a tensor lives: `Device('cpu')`, `Device('cuda')`, `Device('cuda:1')`."""

    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, Device):
            spec, index = spec.type, spec.index
        spec = str(spec)
        if ":" in spec:
            spec, _, number = spec.partition(":")
            index = int(number)
        if spec not in ("cpu", "cuda"):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {spec}")
        if spec == "cuda" and index is None:
            index = 0
        self.type = spec
        self.index = index if spec == "cuda" else None

    def __eq__(self, other):
        if isinstance(other, str):
            other = Device(other)
        return isinstance(other, Device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"


cpu = Device("cpu")
ndarray = numpy.ndarray
_cupy = None


def cupy_module():
    """CuPy, imported on first use so that CPU-only machines never pay for it."""
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as error:
            raise RuntimeError(
                "CUDA tensors need CuPy: pip install 'minigrad[gpu]' (and an NVIDIA GPU)") from error
        _cupy = cupy
    return _cupy


def cuda_device_count():
    """How many GPUs CuPy sees: 0 without CuPy, without a driver or without a GPU."""
    try:
        return cupy_module().cuda.runtime.getDeviceCount()
    except Exception:  # noqa: BLE001 - a missing driver raises CUDA's own error types
        return 0


def cuda_is_available():
    """True when CuPy imports and sees at least one GPU."""
    return cuda_device_count() > 0


def array_module(array):
    """NumPy for CPU arrays, CuPy for GPU arrays: the `xp` every op computes with."""
    # NumPy turns 0-d results into scalars (numpy.float64), which are CPU values too; asking
    # CuPy about them would need CuPy installed on a CPU-only machine.
    if isinstance(array, (numpy.ndarray, numpy.generic)):
        return numpy
    return cupy_module().get_array_module(array)


def is_writeable(array):
    """False for a NumPy array marked read-only; CuPy has no read-only arrays (nor the flag)."""
    return array.flags.writeable if isinstance(array, numpy.ndarray) else True


def data_address(array):
    """The address of an array's first element, where NumPy and CuPy keep it apart."""
    if isinstance(array, numpy.ndarray):
        return array.__array_interface__["data"][0]
    return array.data.ptr


def device_of(array):
    if isinstance(array, numpy.ndarray):
        return cpu
    return Device("cuda", array.device.id)


def array_types():
    """The array classes a tensor may hold (CuPy's only once CuPy has been loaded)."""
    return (numpy.ndarray,) if _cupy is None else (numpy.ndarray, _cupy.ndarray)


def cupy_for(device):
    """CuPy, once it is known to see the GPU that `device` names; PyTorch's errors if not."""
    cupy = cupy_module()
    count = cuda_device_count()
    if count == 0:
        raise RuntimeError(f"Found no NVIDIA GPU that CuPy {cupy.__version__} can use, so there is "
                           f"no {device} device (mg.cuda.is_available() is False)")
    if device.index >= count:
        raise RuntimeError(f"CUDA error: invalid device ordinal: {device} asked for, "
                           f"{count} GPU(s) seen")
    return cupy


def move_to(array, device):
    """Copy an array to a device (a no-op when it is already there)."""
    device = Device(device)
    if device.type == "cpu":
        return array if isinstance(array, numpy.ndarray) else array.get()
    cupy = cupy_for(device)
    with cupy.cuda.Device(device.index):
        return cupy.asarray(array)


def scatter_add(xp, target, index, values):
    """target[index] += values, adding repeated indices up (NumPy's ufunc.at; cupyx on GPUs)."""
    if xp is numpy:
        numpy.add.at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)


def erf(array):
    """The error function elementwise: CuPy's on GPUs; on the CPU Python's math.erf (correctly
    rounded in float64) per element, as NumPy has none."""
    if array_module(array) is numpy:
        import math

        array = numpy.asarray(array)
        return numpy.asarray(numpy.frompyfunc(math.erf, 1, 1)(array), dtype=array.dtype)
    import cupyx.scipy.special

    return cupyx.scipy.special.erf(array)


def new_generator(device, seed=None):
    """A random generator on a device: NumPy's on the CPU, CuPy's on a GPU."""
    if device.type == "cpu":
        return numpy.random.default_rng(seed)
    cupy = cupy_for(device)
    with cupy.cuda.Device(device.index):
        return cupy.random.default_rng(seed)


def module_for(device):
    """The array module that makes arrays on a device."""
    device = Device(device)
    return numpy if device.type == "cpu" else cupy_for(device)


def cupy_loaded():
    """Whether any array could be a CuPy array yet (until then every array is NumPy's)."""
    return _cupy is not None


# ---------------------------------------------------------------------------
# BLAS threads
# ---------------------------------------------------------------------------
# Measured on a 2-core machine (benchmarks/README.md): for the matrix sizes of
# these networks a second OpenBLAS thread gains little when the machine is
# idle and costs 5-12x when anything else runs. So minigrad uses one BLAS
# thread unless MINIGRAD_NUM_THREADS or mg.set_num_threads says otherwise.

_OPENBLAS_SYMBOLS = (  # (set, get) in the OpenBLAS builds NumPy wheels bundle
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)
_blas = None


def _openblas():
    """NumPy's OpenBLAS thread controls as (set, get) ctypes functions, or None if not found."""
    global _blas
    if _blas is None:
        _blas = ()
        import ctypes

        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        except OSError:
            paths = set()
        for path in sorted(paths):
            library = ctypes.CDLL(path)
            for set_name, get_name in _OPENBLAS_SYMBOLS:
                if hasattr(library, set_name):
                    _blas = (getattr(library, set_name), getattr(library, get_name))
                    break
            if _blas:
                break
    return _blas or None


def set_num_threads(count):
    """Threads NumPy's BLAS may use for matrix products (as torch.set_num_threads)."""
    if int(count) < 1:
        raise ValueError(f"set_num_threads expects a positive integer, got {count}")
    controls = _openblas()
    if controls is not None:
        controls[0](int(count))


def get_num_threads():
    """Threads NumPy's BLAS uses now (None when its BLAS is not an OpenBLAS minigrad can find)."""
    controls = _openblas()
    return None if controls is None else int(controls[1]())


def convolution_block_columns(xp):
    """How many output columns (pixels × images) a convolution computes per matrix product.

    On the CPU 4096, measured: a block's columns (0.4-1.5 MB for LeNet) stay
    in the L2 cache between the copy that makes them and the products that
    read them, and a product as skinny as LeNet's first layer (6 × 25 ×
    4096) stays within OpenBLAS's small-matrix kernel, three times faster per
    column there than its general one; smaller blocks lose more to per-call
    overhead than they gain. A GPU takes the whole output at once (None).
    """
    return 4096 if xp is numpy else None


def overflow_allowed(xp):
    """A context in which overflow to inf is expected, not warned about (GPUs never warn)."""
    return numpy.errstate(over="ignore") if xp is numpy else contextlib.nullcontext()
