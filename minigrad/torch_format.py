"""Reading what `torch.save` wrote, without importing torch and without running code from it.

torch.save's zip format (PyTorch 1.6 and later): a zip archive whose records
all sit under one folder (`archive/` or the file's stem):
  data.pkl     the object, pickled, tensors as references to storages
  data/<key>   each storage's raw bytes, in the byte order `byteorder` names
               ('little' when that record is absent, as torch assumes)
  version, .format_version, .storage_alignment, .data/...   bookkeeping

A pickle is a small program: run by Python's pickle module it can call any
function it names (`os.system`, ...). So `data.pkl` is not given to pickle:
`_PickleReader` below walks its opcodes itself (pickletools.genops parses
them without running anything) and gives meaning only to what a state_dict
needs, as torch's own weights_only unpickler does (torch/_weights_only_unpickler.py):

  * a global may only be one of `allowed_globals()`: the tensor rebuild
    functions (torch._utils._rebuild_tensor_v2, _rebuild_parameter,
    _rebuild_parameter_with_state, torch._tensor._rebuild_from_type_v2 for a
    plain Tensor or Parameter), the storage types (torch.FloatStorage, ...),
    collections.OrderedDict and Counter, builtins set/frozenset/bytearray/
    complex, _codecs.encode (how protocol 2 writes bytes), torch.Size,
    torch.device and the dtypes. Any other global (os.system, __main__.Foo,
    builtins.eval) is refused with a pickle.UnpicklingError naming it, before
    anything else from the file has been called.
  * REDUCE and NEWOBJ may only call those globals; BUILD may only set the
    attributes of an OrderedDict (a state_dict's `_metadata`); opcodes that
    import or call by other routes (INST, OBJ, NEWOBJ_EX, EXT*, PERSID) are
    refused.
  * a persistent id may only be ('storage', type, key, location, numel):
    the storage is read from data/<key>, checked against its size, and placed
    where map_location says.

Storages of float32, float64, float16, int64, int32, uint8 and bool load;
others (bfloat16, int8, int16, complex) are refused naming their type.
Tensors are views of their storage (offset and strides as saved, checked
against the storage's size), so tensors torch saved sharing a storage share
memory again, and the same tensor saved twice loads as one object.
"""
import pickle
import pickletools
import struct
import zipfile
import zlib
from collections import Counter, OrderedDict

from . import backend
from .serialization import make_tensor, map_array, read_array, strided_tensor
from .size import Size

_STORAGE_DTYPES = {
    "FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
    "LongStorage": "int64", "IntStorage": "int32", "ByteStorage": "uint8", "BoolStorage": "bool",
}
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "CharStorage", "ShortStorage", "ComplexFloatStorage",
                         "ComplexDoubleStorage", "UntypedStorage")
_TORCH_DTYPES = {"float32": "float32", "float": "float32", "float64": "float64",
                 "double": "float64", "float16": "float16", "half": "float16", "int64": "int64",
                 "long": "int64", "int32": "int32", "int": "int32", "uint8": "uint8",
                 "bool": "bool"}

# What zipfile raises for a damaged archive or record.
_DAMAGED = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError)


def load_torch_zip(file, placement, source, mapped_path=None):
    """The object in a torch.save zip; with `mapped_path`, its storages mapped from that file
    (torch writes them uncompressed; a compressed one is read)."""
    try:
        archive = zipfile.ZipFile(file)
    except _DAMAGED as error:
        raise RuntimeError(f"{source}: a damaged PyTorch zip checkpoint ({error})") from None
    with archive:
        pickles = [name for name in archive.namelist()
                   if name.endswith("/data.pkl") and name.count("/") == 1]
        if len(pickles) != 1:
            raise RuntimeError(f"{source}: a zip file, but not a PyTorch checkpoint (no "
                               "<archive>/data.pkl record)")
        prefix = pickles[0][:-len("data.pkl")]
        byteorder = _record(archive, prefix + "byteorder", source, default=b"little")
        if byteorder not in (b"little", b"big"):
            raise RuntimeError(f"{source}: unknown byte order {byteorder!r}")
        data = _record(archive, pickles[0], source)

        storages = {}

        def load_storage(storage_type, key, location, numel):
            if key not in storages:
                name = prefix + "data/" + key
                try:
                    record = archive.open(name)
                except KeyError:
                    raise RuntimeError(f"{source}: the storage record {name} is missing") from None
                except _DAMAGED as error:
                    raise RuntimeError(f"{source}: the record {name} is damaged ({error})") \
                        from None
                with record:
                    info = archive.getinfo(name)
                    if info.file_size != numel * backend.numpy_dtype(storage_type.dtype).itemsize:
                        raise RuntimeError(
                            f"{source}: the storage record {name} holds {info.file_size} bytes, "
                            f"not the {numel} {storage_type.dtype} elements its tensor says")
                    order = "<" if byteorder == b"little" else ">"
                    if mapped_path is not None and info.compress_type == zipfile.ZIP_STORED:
                        flat = map_array(mapped_path, storage_type.dtype, numel,
                                         _data_offset(file, info, source), order)
                    else:
                        flat = _read_record(record, storage_type.dtype, numel, source, order)
                storages[key] = placement(flat, location)
            return storages[key]

        return _PickleReader(data, load_storage, source).run()


def _record(archive, name, source, default=None):
    try:
        return archive.read(name)
    except KeyError:
        if default is not None:
            return default
        raise RuntimeError(f"{source}: the record {name} is missing") from None
    except _DAMAGED as error:
        raise RuntimeError(f"{source}: the record {name} is damaged ({error})") from None


def _read_record(record, dtype, numel, source, byteorder):
    try:
        return read_array(record, dtype, numel, source, byteorder)
    except _DAMAGED as error:
        raise RuntimeError(f"{source}: a storage record is damaged ({error})") from None


_LOCAL_HEADER = struct.Struct("<4s5H3I2H")  # a zip record's local header: 30 bytes


def _data_offset(file, info, source):
    """Where a stored zip record's bytes begin in the file: after its local header, whose name and
    extra field lengths may differ from the central directory's."""
    here = file.tell()
    file.seek(info.header_offset)
    header = file.read(_LOCAL_HEADER.size)
    file.seek(here)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise RuntimeError(f"{source}: the record {info.filename} is damaged (bad local header)")
    fields = _LOCAL_HEADER.unpack(header)
    return info.header_offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]


class _StorageType:
    """What a `torch.FloatStorage` global stands for: only a dtype, for persistent ids."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype


class _TensorType:
    """`torch.Tensor` or `torch.nn.Parameter` as _rebuild_from_type_v2's `new_type`."""

    def __init__(self, parameter):
        self.parameter = parameter


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    if backward_hooks or metadata:
        raise pickle.UnpicklingError("a tensor saved with backward hooks or tensor metadata "
                                     f"({backward_hooks!r}, {metadata!r}) is not loaded")
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("_rebuild_tensor_v2 called on something that is not a "
                                     "storage")
    array = strided_tensor(storage.array, storage_offset, list(size), list(stride), storage.source)
    return make_tensor(array, bool(requires_grad), parameter=False)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    if backward_hooks:
        raise pickle.UnpicklingError("a Parameter saved with backward hooks is not loaded")
    return make_tensor(_tensor_array(data), bool(requires_grad), parameter=True)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    if state and any(state if isinstance(state, tuple) else (state,)):
        raise pickle.UnpicklingError(f"a Parameter saved with Python attributes ({state!r}) is "
                                     "not loaded")
    return _rebuild_parameter(data, requires_grad, backward_hooks)


def _rebuild_from_type_v2(func, new_type, args, state):
    if not isinstance(new_type, _TensorType) or func not in _REBUILDERS or state:
        raise pickle.UnpicklingError("a tensor subclass or a tensor with Python attributes is not "
                                     "loaded")
    tensor = func(*args)
    if new_type.parameter and not _is_parameter(tensor):
        tensor = make_tensor(tensor.array, tensor.requires_grad, parameter=True)
    return tensor


def _tensor_array(data):
    from .tensor import Tensor

    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError("a Parameter rebuilt from something that is not a tensor")
    return data.array


def _is_parameter(tensor):
    from .nn.parameter import Parameter

    return isinstance(tensor, Parameter)


def _latin1_bytes(text, encoding):
    """_codecs.encode as protocol 2 uses it for bytes: latin-1 text back to bytes, nothing else."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"_codecs.encode called with {encoding!r}: only latin1 bytes "
                                     "are loaded")
    return text.encode("latin-1")


_REBUILDERS = (_rebuild_tensor_v2, _rebuild_parameter, _rebuild_parameter_with_state,
               _rebuild_from_type_v2)


def allowed_globals():
    """What each global a state_dict's pickle may name stands for here."""
    allowed = {
        "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch.Tensor": _TensorType(parameter=False),
        "torch.nn.parameter.Parameter": _TensorType(parameter=True),
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.bytearray": bytearray,
        "builtins.complex": complex,
        "_codecs.encode": _latin1_bytes,
        "torch.Size": Size,
        "torch.device": backend.Device,
    }
    for name, dtype in _STORAGE_DTYPES.items():
        allowed[f"torch.{name}"] = _StorageType(name, dtype)
    for name in _UNSUPPORTED_STORAGES:
        allowed[f"torch.{name}"] = _StorageType(name, None)
    for name, dtype in _TORCH_DTYPES.items():
        allowed[f"torch.{name}"] = backend._dtype_by_name(dtype)
    return allowed


# What REDUCE and NEWOBJ may call: the callables among the allowed globals.
_CALLABLE = (_rebuild_tensor_v2, _rebuild_parameter, _rebuild_parameter_with_state,
             _rebuild_from_type_v2, OrderedDict, Counter, set, frozenset, bytearray, complex,
             _latin1_bytes, Size, backend.Device)


class _Storage:
    """A loaded storage: a flat array on its device (and the file, for error messages)."""

    def __init__(self, array, source):
        self.array, self.source = array, source


class _PickleReader:
    """Interprets a state_dict's pickle opcode by opcode, building only tensors and containers."""

    def __init__(self, data, load_storage, source):
        self.data, self.load_storage, self.source = data, load_storage, source
        self.globals = allowed_globals()

    def refuse(self, what):
        raise pickle.UnpicklingError(
            f"mg.load refused {self.source}: its pickle {what}. mg.load reads only tensors and "
            "plain containers (dicts, lists, tuples, numbers, strings) and never runs code from "
            "a file; save a state_dict() in PyTorch rather than a whole model or other objects")

    def run(self):
        try:
            return self._interpret()
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
            raise RuntimeError(f"{self.source}: corrupt data.pkl ({type(error).__name__}: "
                               f"{error})") from None

    def _interpret(self):
        stack, marks, memo = [], [], {}

        def since_mark():
            items = stack[marks[-1]:]
            del stack[marks.pop():]
            return items

        for opcode, arg, _ in pickletools.genops(self.data):
            name = opcode.name
            if name in ("PROTO", "FRAME"):
                continue
            if name == "STOP":
                if len(stack) != 1 or marks:
                    raise ValueError("the pickle stops with an unbalanced stack")
                return stack[0]
            if name == "MARK":
                marks.append(len(stack))
            elif name == "POP":
                stack.pop()
            elif name == "POP_MARK":
                since_mark()
            elif name == "DUP":
                stack.append(stack[-1])
            elif name in ("NONE", "NEWTRUE", "NEWFALSE"):
                stack.append({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[name])
            elif name in ("INT", "BININT", "BININT1", "BININT2", "LONG", "LONG1", "LONG4",
                          "FLOAT", "BINFLOAT", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE",
                          "BINUNICODE8", "BINBYTES", "SHORT_BINBYTES", "BINBYTES8", "STRING",
                          "BINSTRING", "SHORT_BINSTRING"):
                stack.append(arg)
            elif name == "BYTEARRAY8":
                stack.append(bytearray(arg))
            elif name in ("EMPTY_TUPLE", "TUPLE1", "TUPLE2", "TUPLE3"):
                count = {"EMPTY_TUPLE": 0, "TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}[name]
                items = tuple(stack[len(stack) - count:]) if count else ()
                del stack[len(stack) - count:]
                stack.append(items)
            elif name == "TUPLE":
                stack.append(tuple(since_mark()))
            elif name in ("EMPTY_LIST", "LIST"):
                stack.append([] if name == "EMPTY_LIST" else since_mark())
            elif name in ("APPEND", "APPENDS"):
                items = [stack.pop()] if name == "APPEND" else since_mark()
                self._target(stack[-1], list, name).extend(items)
            elif name in ("EMPTY_DICT", "DICT"):
                items = [] if name == "EMPTY_DICT" else since_mark()
                stack.append(dict(zip(items[::2], items[1::2])))
            elif name in ("SETITEM", "SETITEMS"):
                items = stack[-2:] if name == "SETITEM" else since_mark()
                if name == "SETITEM":
                    del stack[-2:]
                target = self._target(stack[-1], dict, name)
                for key, value in zip(items[::2], items[1::2]):
                    target[key] = value
            elif name == "EMPTY_SET":
                stack.append(set())
            elif name == "ADDITEMS":
                items = since_mark()
                self._target(stack[-1], set, name).update(items)
            elif name == "FROZENSET":
                stack.append(frozenset(since_mark()))
            elif name in ("GLOBAL", "STACK_GLOBAL"):
                if name == "GLOBAL":
                    module, qualname = arg.split(" ", 1)
                else:
                    qualname, module = stack.pop(), stack.pop()
                    if not (isinstance(module, str) and isinstance(qualname, str)):
                        self.refuse("names a global by something that is not a string")
                stack.append(self._global(module, qualname))
            elif name in ("REDUCE", "NEWOBJ"):
                args = stack.pop()
                function = stack.pop()
                if not any(function is allowed for allowed in _CALLABLE) \
                        or not isinstance(args, tuple):
                    self.refuse(f"calls {_describe(function)}, which is not allowed")
                # NEWOBJ is cls.__new__(cls, *args) followed by BUILD; for these classes
                # calling them builds the same value.
                stack.append(function(*args))
            elif name == "BUILD":
                state = stack.pop()
                target = stack[-1]
                if type(target) is not OrderedDict or not isinstance(state, dict) \
                        or not all(isinstance(key, str) for key in state):
                    self.refuse(f"sets the state of {_describe(target)}, which is not allowed")
                target.__dict__.update(state)
            elif name == "BINPERSID":
                stack.append(self._persistent(stack.pop()))
            elif name in ("PUT", "BINPUT", "LONG_BINPUT"):
                memo[arg] = stack[-1]
            elif name == "MEMOIZE":
                memo[len(memo)] = stack[-1]
            elif name in ("GET", "BINGET", "LONG_BINGET"):
                stack.append(memo[arg])
            else:
                self.refuse(f"uses the opcode {name}, which a state_dict does not need")
        raise ValueError("the pickle ends without a STOP")

    def _global(self, module, qualname):
        module = "builtins" if module == "__builtin__" else module
        found = self.globals.get(f"{module}.{qualname}")
        if found is None:
            self.refuse(f"names the global '{module}.{qualname}', which is not a tensor or a "
                        "plain container")
        return found

    def _persistent(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[3], str) and isinstance(pid[4], int) and pid[4] >= 0):
            self.refuse(f"refers to the persistent object {pid!r:.100}, which is not a storage")
        _, storage_type, key, location, numel = pid
        if storage_type.dtype is None:
            raise RuntimeError(f"{self.source}: a tensor of torch.{storage_type.name}, which "
                               "minigrad has no dtype for (it has float32, float64, float16, "
                               "int64, int32, uint8 and bool)")
        return _Storage(self.load_storage(storage_type, key, location, numel), self.source)

    def _target(self, target, kind, opcode):
        if not isinstance(target, kind):
            self.refuse(f"applies {opcode} to {_describe(target)}")
        return target


def _describe(value):
    if isinstance(value, type):
        return f"the class {value.__module__}.{value.__qualname__}"
    return f"a {type(value).__name__}"
