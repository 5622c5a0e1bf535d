"""Saving and loading: `mg.save(obj, f)` and `mg.load(f)`, as `torch.save` and `torch.load`.

What can be saved: tensors (and `nn.Parameter`s), and dicts, `OrderedDict`s
(a `state_dict()`, with its `_metadata`), lists, tuples, sets and frozensets
of them and of plain values: None, bool, int, float, complex, str, bytes,
`mg.Size`, dtypes and devices. Anything else (a whole `nn.Module`, a function,
an object of your own class) is refused with a TypeError naming its type:
save its `state_dict()` instead. A tensor's `.grad` and hooks are not saved.

Nothing executable can be in a minigrad file, and `mg.load` never runs code
from one: the file is a header, a JSON description of the object, and raw
array bytes. `mg.load` also reads what `torch.save` wrote (its zip format,
which holds a pickle) without importing torch: `torch_format.py` interprets
that pickle itself and builds only tensors and plain containers. So `mg.load`
always keeps PyTorch's `weights_only=True` promise, whatever `weights_only`
says.

The minigrad file format (version 1), all integers little-endian:

    offset 0    8 bytes   b"MINIGRAD"
    offset 8    4 bytes   uint32: format version (1)
    offset 12   8 bytes   uint64: N, the length of the header
    offset 20   N bytes   the header: UTF-8 JSON (below)
    then        the data section, from the first multiple of 64 at or after
                20 + N: each storage's raw bytes, little-endian, C order, at
                its `offset` (a multiple of 64) from the section's start.

The header is `{"storages": [...], "tensors": [...], "object": ...}`:
  storage   {"dtype": "float32", "numel": 12, "location": "cpu", "offset": 0}:
            a flat run of elements; float32/float64/float16/int64/int32/uint8/bool
  tensor    {"storage": 0, "offset": 4, "shape": [2, 3], "stride": [3, 1],
            "requires_grad": false, "parameter": false}: a strided view of a
            storage, offset and strides counted in elements as torch counts them
  object    the saved object: JSON null, true/false, numbers and strings stand
            for themselves; everything else is a one-key object naming its kind:
            {"tensor": i}, {"list": [...]}, {"tuple": [...]}, {"set": [...]},
            {"frozenset": [...]}, {"size": [...]}, {"dict": [[key, value], ...]},
            {"ordered_dict": [[key, value], ...], "metadata": object} (metadata
            only when present), {"float": "nan" / "inf" / "-inf"}, {"complex":
            [re, im]}, {"bytes": "hex digits"}, {"dtype": "float32"}, {"device": "cuda:0"}.

Sharing: the same tensor saved twice is one tensor entry, and loads as one
tensor object. Tensors that are views of one array (a slice, a transpose, a
reshape of it) are saved as views of one storage holding that whole array, as
torch saves views, and load as views sharing memory again. A view whose
memory cannot be described that way (a view of an array of another dtype) is
saved as a copy of its own. On a CUDA map_location each storage is moved to
the GPU once and its tensors are views of it there too.
"""
import json
import math
import os
import struct
from collections import OrderedDict

import numpy

from . import backend
from .size import Size
from .tensor import Tensor, wrap_array

MAGIC = b"MINIGRAD"
FORMAT_VERSION = 1
ALIGNMENT = 64
_HEAD = struct.Struct("<8sIQ")  # magic, format version, header length
_ZIP_MAGIC = b"PK\x03\x04"
# torch.save's format before 1.6 (and with _use_new_zipfile_serialization=False): a pickled
# magic number, protocol 2, then the long 0x1950a86a20f9469cfc6c.
_LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"

STORAGE_DTYPES = ("float32", "float64", "float16", "int64", "int32", "uint8", "bool")


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` (tensors, state dicts, plain containers) to `f`, a path or a binary file object.

    The format is minigrad's own (see the module docstring), which holds no
    code; `pickle_module`, `pickle_protocol` and the two private flags are
    accepted so that a torch.save call ports unchanged, and change nothing.
    """
    writer = _Writer()
    encoded = writer.encode(obj)
    storages = writer.storage_entries()
    header = json.dumps({"storages": storages, "tensors": writer.tensors, "object": encoded},
                        allow_nan=False).encode("utf-8")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            writer.write(file, header, storages)
    else:
        writer.write(f, header, storages)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load what `mg.save` or `torch.save` wrote to `f` (a path or a binary file object).

    map_location says where tensors go, as in torch: None (where they were
    saved), 'cpu', 'cuda', 'cuda:1' or an `mg.device`; a dict from saved
    location to new one ({'cuda:1': 'cuda:0'}); or a callable `fn(storage,
    location)` that gets each storage as a flat CPU tensor and returns it where
    it should live, or None for the default (torch's `lambda storage, loc:
    storage` keeps everything on the CPU).

    With mmap=True (f must then be a path) the storages are not read but
    mapped from the file, copy-on-write as torch maps them: memory is used only
    for what is read or changed, and changes do not reach the file.

    Only tensors and plain containers are ever built: `weights_only` is
    accepted, and `mg.load` behaves as weights_only=True whatever it says; a
    PyTorch file that holds anything else is refused with a
    pickle.UnpicklingError naming what it found. torch's legacy (pre-1.6,
    non-zip) format is refused with a RuntimeError naming it: re-save such a
    file with a current torch.save. `pickle_module` and the pickle arguments
    (`encoding`) are accepted for torch's signature and change nothing.
    """
    placement = _placement(map_location)
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _load(file, placement, os.fspath(f), os.fspath(f) if mmap else None)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    return _load(f, placement, "the file object")


def _load(file, placement, source, mapped_path=None):
    start = file.tell() if file.seekable() else None
    head = file.read(_HEAD.size)
    if head.startswith(_ZIP_MAGIC):
        if start is None:
            raise RuntimeError(f"{source}: a PyTorch zip checkpoint must be read from a seekable "
                               "file")
        from .torch_format import load_torch_zip

        file.seek(start)
        return load_torch_zip(file, placement, source, mapped_path)
    if head.startswith(_LEGACY_TORCH_MAGIC):
        raise RuntimeError(
            f"{source} is in torch.save's legacy format (before PyTorch 1.6, or saved with "
            "_use_new_zipfile_serialization=False), which mg.load does not read: load it in "
            "PyTorch and save it again with torch.save's default zip format")
    if not (head.startswith(MAGIC) or head and MAGIC.startswith(head)):
        raise RuntimeError(f"{source} is not a minigrad or PyTorch checkpoint (it starts with "
                           f"{head[:8]!r})")
    if len(head) < _HEAD.size:
        raise RuntimeError(f"{source}: the file is truncated (its header ends after "
                           f"{len(head)} bytes)")
    _, version, header_length = _HEAD.unpack(head)
    if version != FORMAT_VERSION:
        raise RuntimeError(f"{source}: minigrad file format version {version}, this minigrad "
                           f"reads version {FORMAT_VERSION}")
    available = _remaining(file)
    if available is not None and header_length > available:
        raise RuntimeError(f"{source}: the file is truncated (its header says {header_length} "
                           f"bytes, {available} follow)")
    header_bytes = _read_exactly(file, header_length, source)
    try:
        header = json.loads(header_bytes.decode("utf-8"))
        storage_entries, tensor_entries = header["storages"], header["tensors"]
        encoded = header["object"]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise RuntimeError(f"{source}: corrupt minigrad file (unreadable header: {error})") \
            from None
    data_start = _aligned(_HEAD.size + header_length)
    position = _HEAD.size + header_length
    storages = []
    available = _remaining(file)
    for entry in _checked_list(storage_entries, "storages", source):
        dtype, numel, location, offset = _storage_entry(entry, source)
        end = data_start + offset + numel * numpy.dtype(dtype).itemsize
        if available is not None and end > position + available:
            raise RuntimeError(f"{source}: the file is truncated (a storage ends at byte {end}, "
                               f"the file at byte {position + available})")
        if data_start + offset < position:
            raise RuntimeError(f"{source}: corrupt minigrad file (storages overlap)")
        if mapped_path is None:
            _read_exactly(file, data_start + offset - position, source)
            flat = read_array(file, dtype, numel, source)
        else:
            flat = map_array(mapped_path, dtype, numel, data_start + offset)
        position = data_start + offset + flat.nbytes
        storages.append(placement(flat, location))
    tensors = [_tensor_from_entry(entry, storages, source)
               for entry in _checked_list(tensor_entries, "tensors", source)]
    try:
        return _Decoder(tensors, source).decode(encoded)
    except RecursionError:
        raise RuntimeError(f"{source}: corrupt minigrad file (containers nested too deeply)") \
            from None


# -- writing -------------------------------------------------------------------


class _Writer:
    """Turns an object into the header's JSON and collects the storages its tensors view."""

    def __init__(self):
        self.tensors = []        # the header's tensor entries
        self.storages = []       # the root arrays, one per storage
        self._tensor_index = {}  # id(tensor) -> index in self.tensors
        self._storage_index = {}  # id(root array) -> index in self.storages
        self._alive = []         # what the ids above refer to, kept alive while saving

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"float": repr(float(obj))}
        if isinstance(obj, Tensor):
            return {"tensor": self._tensor(obj)}
        kind = type(obj)
        if kind is list:
            return {"list": [self.encode(item) for item in obj]}
        if kind is tuple:
            return {"tuple": [self.encode(item) for item in obj]}
        if kind is Size:
            return {"size": [int(n) for n in obj]}
        if kind in (set, frozenset):
            return {kind.__name__: [self.encode(item) for item in obj]}
        if kind is dict:
            return {"dict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if kind is OrderedDict:
            encoded = {"ordered_dict": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
            if hasattr(obj, "_metadata"):
                encoded["metadata"] = self.encode(obj._metadata)
            return encoded
        if kind is complex:
            return {"complex": [self.encode(obj.real), self.encode(obj.imag)]}
        if kind in (bytes, bytearray):
            return {"bytes": bytes(obj).hex()}
        if isinstance(obj, backend.DType):
            return {"dtype": obj.name}
        if isinstance(obj, backend.Device):
            return {"device": str(obj)}
        raise TypeError(
            f"mg.save cannot save an object of type {kind.__module__}.{kind.__qualname__}: a "
            "minigrad file holds tensors, dicts, lists, tuples, sets and plain values (numbers, "
            "strings, None), never code. To save a model, save its state_dict() and load it into "
            "a new model with load_state_dict().")

    def _tensor(self, tensor):
        index = self._tensor_index.get(id(tensor))
        if index is not None:
            return index
        from .nn.parameter import Parameter

        root, offset, stride = _storage_view(tensor.array)
        storage = self._storage_index.get(id(root))
        if storage is None:
            if root.dtype.name not in STORAGE_DTYPES:
                raise TypeError(f"mg.save cannot save arrays of {root.dtype}")
            storage = self._storage_index[id(root)] = len(self.storages)
            self.storages.append(root)
        self._alive += [tensor, root]
        index = self._tensor_index[id(tensor)] = len(self.tensors)
        self.tensors.append({"storage": storage, "offset": offset,
                             "shape": list(tensor.array.shape), "stride": stride,
                             "requires_grad": tensor.requires_grad,
                             "parameter": isinstance(tensor, Parameter)})
        return index

    def storage_entries(self):
        entries, offset = [], 0
        for root in self.storages:
            entries.append({"dtype": root.dtype.name, "numel": int(root.size),
                            "location": str(backend.device_of(root)), "offset": offset})
            offset = _aligned(offset + root.nbytes)
        return entries

    def write(self, file, header, entries):
        file.write(_HEAD.pack(MAGIC, FORMAT_VERSION, len(header)))
        file.write(header)
        written = _HEAD.size + len(header)
        data_start = _aligned(written)
        for root, entry in zip(self.storages, entries):
            start = data_start + entry["offset"]
            file.write(bytes(start - written))
            host = backend.move_to(root, backend.cpu)
            host = host.astype(host.dtype.newbyteorder("<"), copy=False)
            file.write(memoryview(host.reshape(-1).view(numpy.uint8)))
            written = start + host.nbytes


def _storage_view(array):
    """(root, offset, strides): the array as a view of the contiguous array that owns its memory,
    offset and strides in elements; a fresh contiguous copy as its own root where it cannot be."""
    root = array
    while isinstance(root.base, backend.array_types()):
        root = root.base
    itemsize = array.itemsize
    if array.size and root.dtype == array.dtype and root.flags.c_contiguous:
        offset = backend.data_address(array) - backend.data_address(root)
        if offset % itemsize == 0 and all(s % itemsize == 0 for s in array.strides):
            return root, offset // itemsize, [s // itemsize for s in array.strides]
    root = backend.array_module(array).ascontiguousarray(array)
    return root, 0, [s // itemsize for s in root.strides]


def _aligned(position):
    return -(-position // ALIGNMENT) * ALIGNMENT


# -- reading (shared with torch_format.py) ----------------------------------------


def _remaining(file):
    """How many bytes are left in a seekable file; None for a stream."""
    if not file.seekable():
        return None
    here = file.tell()
    end = file.seek(0, os.SEEK_END)
    file.seek(here)
    return end - here


def _read_exactly(file, count, source):
    data = file.read(count) if count else b""
    if len(data) != count:
        raise RuntimeError(f"{source}: the file is truncated (expected {count} more bytes, found "
                           f"{len(data)})")
    return data


def read_array(file, dtype, numel, source, byteorder="<"):
    """Read `numel` elements of `dtype` from `file` into a fresh, writeable, native-order array."""
    stored = numpy.dtype(dtype).newbyteorder(byteorder)
    array = numpy.empty(numel, stored)
    view = memoryview(array.view(numpy.uint8))
    filled = 0
    while filled < array.nbytes:
        count = file.readinto(view[filled:])
        if not count:
            raise RuntimeError(f"{source}: the file is truncated (a storage of {numel} {dtype} "
                               f"elements ends after {filled} of its {array.nbytes} bytes)")
        filled += count
    return array if stored.isnative else array.astype(stored.newbyteorder("="))


def map_array(path, dtype, numel, offset, byteorder="<"):
    """`numel` elements of `dtype` at byte `offset` of the file, mapped copy-on-write (read and
    converted where the file's byte order is not this machine's)."""
    stored = numpy.dtype(dtype).newbyteorder(byteorder)
    if numel == 0:
        return numpy.empty(0, dtype)
    array = numpy.memmap(path, stored, mode="c", offset=offset, shape=(numel,))
    return array if stored.isnative else array.astype(stored.newbyteorder("="))


def strided_tensor(storage, offset, shape, stride, source):
    """A view of the flat `storage` array, refused if it would reach outside the storage."""
    if not (all(isinstance(n, int) and n >= 0 for n in shape) and len(stride) == len(shape)
            and all(isinstance(s, int) for s in stride) and isinstance(offset, int)
            and offset >= 0):
        raise RuntimeError(f"{source}: corrupt file (a tensor has shape {shape}, strides {stride} "
                           f"and offset {offset})")
    if 0 not in shape:
        low = offset + sum((n - 1) * s for n, s in zip(shape, stride) if s < 0)
        high = offset + sum((n - 1) * s for n, s in zip(shape, stride) if s > 0)
        if low < 0 or high >= storage.size:
            raise RuntimeError(
                f"{source}: corrupt file (a tensor of shape {tuple(shape)}, strides "
                f"{tuple(stride)} and offset {offset} reaches outside its storage of "
                f"{storage.size} elements)")
    else:
        offset = 0
    itemsize = storage.itemsize
    shape, strides = tuple(shape), tuple(s * itemsize for s in stride)
    if isinstance(storage, numpy.ndarray):
        # A view whose base is the storage: saved again, the tensors still share it.
        return numpy.ndarray(shape, storage.dtype, buffer=storage, offset=offset * itemsize,
                             strides=strides)
    return type(storage)(shape, storage.dtype, memptr=storage.data + offset * itemsize,
                         strides=strides)


def _placement(map_location):
    """fn(flat CPU array, saved location) -> the array on the device map_location names."""

    def to_device(array, location):
        try:
            device = backend.Device(location)
        except (RuntimeError, ValueError):
            raise RuntimeError(f"mg.load: tensors saved on '{location}', a device minigrad does "
                               "not have; pass map_location='cpu'") from None
        if device.type == "cuda" and not backend.cuda_is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but mg.cuda.is_available() is "
                "False. If you are running on a CPU-only machine, please use mg.load with "
                "map_location='cpu' to map your storages to the CPU.")
        return backend.move_to(array, device)

    if map_location is None:
        return to_device
    if isinstance(map_location, (str, backend.Device)):
        target = str(backend.Device(map_location))
        return lambda array, location: to_device(array, target)
    if isinstance(map_location, dict):
        return lambda array, location: to_device(array, map_location.get(location, location))
    if callable(map_location):
        def call(array, location):
            result = map_location(wrap_array(array), location)
            if result is None:
                return to_device(array, location)
            array = result.array if isinstance(result, Tensor) else backend.as_array(result)
            return backend.array_module(array).ascontiguousarray(array)
        return call
    raise TypeError(f"map_location should be a str, an mg.device, a dict or a callable, not "
                    f"{type(map_location).__name__}")


def _checked_list(value, name, source):
    if not isinstance(value, list):
        raise RuntimeError(f"{source}: corrupt minigrad file ('{name}' is not a list)")
    return value


def _storage_entry(entry, source):
    try:
        dtype, numel, location, offset = (entry["dtype"], entry["numel"], entry["location"],
                                          entry["offset"])
    except (KeyError, TypeError):
        raise RuntimeError(f"{source}: corrupt minigrad file (a storage entry is {entry!r})") \
            from None
    if dtype not in STORAGE_DTYPES or not isinstance(numel, int) or numel < 0 \
            or not isinstance(location, str) or not isinstance(offset, int) or offset < 0:
        raise RuntimeError(f"{source}: corrupt minigrad file (a storage entry is {entry!r})")
    return dtype, numel, location, offset


def _tensor_from_entry(entry, storages, source):
    try:
        storage = storages[entry["storage"]]
        offset, shape, stride = entry["offset"], entry["shape"], entry["stride"]
        requires_grad, parameter = bool(entry["requires_grad"]), bool(entry["parameter"])
    except (KeyError, TypeError, IndexError):
        raise RuntimeError(f"{source}: corrupt minigrad file (a tensor entry is {entry!r})") \
            from None
    array = strided_tensor(storage, offset, shape, stride, source)
    return make_tensor(array, requires_grad, parameter)


def make_tensor(array, requires_grad, parameter):
    if parameter:
        from .nn.parameter import Parameter

        return Parameter(array, requires_grad=requires_grad)
    return wrap_array(array, requires_grad=requires_grad and array.dtype.kind == "f")


class _Decoder:
    """Builds the saved object back from the header's JSON, refusing anything it does not know."""

    def __init__(self, tensors, source):
        self.tensors, self.source = tensors, source

    def decode(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict) and len(value) in (1, 2):
            kind = next(iter(value))
            body = value[kind]
            try:
                return self._decode_kind(kind, body, value)
            except (TypeError, ValueError, IndexError, KeyError) as error:
                raise RuntimeError(f"{self.source}: corrupt minigrad file (a {kind!r} entry: "
                                   f"{error})") from None
        raise RuntimeError(f"{self.source}: corrupt minigrad file (unknown entry {value!r:.80})")

    def _decode_kind(self, kind, body, value):
        if kind == "tensor":
            if isinstance(body, bool) or not isinstance(body, int) or body < 0:
                raise IndexError(f"tensor index {body!r}")
            return self.tensors[body]
        if kind in ("list", "tuple", "set", "frozenset"):
            items = [self.decode(item) for item in _as_list(body)]
            return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[kind](items)
        if kind == "size":
            return Size(int(n) for n in _as_list(body))
        if kind in ("dict", "ordered_dict"):
            result = dict() if kind == "dict" else OrderedDict()
            for pair in _as_list(body):
                key, item = _as_list(pair)
                result[self.decode(key)] = self.decode(item)
            if "metadata" in value:
                result._metadata = self.decode(value["metadata"])
            return result
        if kind == "float" and body in ("nan", "inf", "-inf"):
            return float(body)
        if kind == "complex":
            real, imag = _as_list(body)
            return complex(self.decode(real), self.decode(imag))
        if kind == "bytes":
            return bytes.fromhex(body)
        if kind == "dtype":
            return backend._dtype_by_name(body)
        if kind == "device":
            return backend.Device(body)
        raise ValueError(f"unknown kind of entry {kind!r}")


def _as_list(value):
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value
