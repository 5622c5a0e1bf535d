"""`Module`: the base class of every layer and model, as in PyTorch.

A module keeps three ordered registries, filled by plain attribute assignment:
  _parameters   Parameters (`self.weight = Parameter(...)`)
  _buffers      tensors that are state but not learned (`register_buffer`)
  _modules      sub-modules (`self.fc1 = Linear(...)`)

Everything else follows from walking them in order: `parameters()` for the
optimiser, `state_dict()` keyed by dotted paths (`fc1.weight`, `0.bias`)
exactly as PyTorch keys them, `to()`, `train()`/`eval()`, and the printout.
"""
from collections import OrderedDict, namedtuple

from ... import backend
from ...autograd import no_grad
from ...tensor import Tensor
from ..parameter import Parameter
from ...utils.hooks import RemovableHandle
from .hooks import BackwardHook

IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])

_REGISTRIES = ("_parameters", "_buffers", "_modules")


class Module:
    """Base class of layers and models: subclasses assign their parts in `__init__` and define
    `forward`."""

    # The layout of this class's state, saved in state_dict()._metadata as PyTorch saves it;
    # a layer whose state gained entries raises it and upgrades older state dicts on loading.
    _version = 1

    def __init__(self):
        # Set directly: this class's own __setattr__ reads these registries.
        object.__setattr__(self, "training", True)
        for registry in _REGISTRIES:
            object.__setattr__(self, registry, OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "_backward_pre_hooks", OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        attributes = self.__dict__
        if not (attributes.get("_forward_pre_hooks") or attributes.get("_forward_hooks")
                or attributes.get("_backward_hooks") or attributes.get("_backward_pre_hooks")):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    # -- hooks: look at (or replace) what goes in and out of a layer -----------

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call `hook(module, args)` before each forward (`hook(module, args, kwargs)` with
        with_kwargs=True); a result other than None replaces the arguments (a tuple, or one
        value; with kwargs, an (args, kwargs) pair). Returns a handle whose remove() undoes it."""
        return _register(self._forward_pre_hooks, (hook, with_kwargs), prepend)

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False,
                              always_call=False):
        """Call `hook(module, args, output)` after each forward (`hook(module, args, kwargs,
        output)` with with_kwargs=True); a result other than None replaces the output. Returns a
        handle whose remove() undoes it."""
        return _register(self._forward_hooks, (hook, with_kwargs), prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """Call `hook(module, grad_input, grad_output)` once the gradients with respect to this
        module's inputs are computed: tuples with an entry per positional input (None where it is
        not a tensor that requires grad) and per output. A result other than None (a tuple as
        long as grad_input) replaces grad_input. Returns a handle whose remove() undoes it."""
        return _register(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call `hook(module, grad_output)` once the gradients with respect to this module's
        outputs are computed, before its inputs' are; a result other than None (a tuple as long
        as grad_output) replaces grad_output. Returns a handle whose remove() undoes it."""
        return _register(self._backward_pre_hooks, hook, prepend)

    def _call_with_hooks(self, args, kwargs):
        for hook, with_kwargs in list(self._forward_pre_hooks.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        hooks, pre_hooks = (self.__dict__.get(name) for name in ("_backward_hooks",
                                                                  "_backward_pre_hooks"))
        if hooks or pre_hooks:
            backward_hook = BackwardHook(self, list((hooks or {}).values()),
                                         list((pre_hooks or {}).values()))
            args = backward_hook.setup_input(args)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(self._forward_hooks.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output(output)
        return output

    # -- registration by assignment ------------------------------------------

    def __setattr__(self, name, value):
        registries = self.__dict__
        if isinstance(value, (Parameter, Module)):
            registry = "_parameters" if isinstance(value, Parameter) else "_modules"
            if registry not in registries:
                raise AttributeError(f"cannot assign {registry[1:-1]} '{name}' before "
                                     "Module.__init__() call")
            self._forget(name)
            registries[registry][name] = value
            return
        for registry, expected in (("_parameters", "minigrad.nn.Parameter or None"),
                                   ("_modules", "a Module or None"),
                                   ("_buffers", "a Tensor or None")):
            if name in registries.get(registry, ()):
                if value is not None and not (registry == "_buffers" and isinstance(value, Tensor)):
                    raise TypeError(f"cannot assign '{type(value).__name__}' as {registry[1:-1]} "
                                    f"'{name}' ({expected} expected)")
                registries[registry][name] = value
                return
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only called when normal lookup fails; reads __dict__ directly so that a
        # half-built module (during unpickling) raises AttributeError, not recursion.
        for registry in _REGISTRIES:
            members = self.__dict__.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if not self._forget(name):
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def _forget(self, name):
        """Remove `name` from the registries and the plain attributes; True if it was there."""
        found = name in self.__dict__
        self.__dict__.pop(name, None)
        for registry in _REGISTRIES:
            members = self.__dict__[registry]
            if name in members:
                del members[name]
                found = True
        return found

    def _check_new_name(self, name, kind):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f"{kind} name can't contain \".\" or be empty, got {name!r}")
        if hasattr(self, name) and not any(name in self.__dict__[r] for r in _REGISTRIES):
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a Parameter (or None: a slot with no parameter, like a Linear without bias)."""
        self._check_new_name(name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(minigrad.nn.Parameter or None required)")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor):
        """Add a tensor that is the module's state (saved, moved by `to`) but is not learned."""
        self._check_new_name(name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                            "(a Tensor or None required)")
        self._forget(name)
        self._buffers[name] = tensor

    def add_module(self, name, module):
        """Add a sub-module under `name` (what attribute assignment does, for names like '0')."""
        self._check_new_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._forget(name)
        self._modules[name] = module

    # -- walking the tree ----------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for this module and all below it, depth first, each once."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, _join(prefix, name), remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        owners = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) \
            if recurse else [(prefix, self)]
        for owner_prefix, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield _join(owner_prefix, name), value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(dotted name, Parameter) in registration order, a shared parameter only once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call fn on every sub-module, then on this module (how custom initialisation is done)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes, gradients, devices and dtypes ----------------------------------

    def train(self, mode=True):
        """Training mode (dropout active) for this module and all below it; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        """Evaluation mode: `train(False)`."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear every parameter's `.grad`: drop it (the default) or fill it with zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if param.grad.grad_fn is not None:
                    param.grad = param.grad.detach()
                param.grad.zero_()

    def to(self, *args, device=None, dtype=None, non_blocking=False):
        """Move parameters and buffers to a device and/or cast the floating-point ones, in place.

        Accepts `to(device)`, `to(dtype)`, `to(device, dtype)` and `to(tensor)`, as
        PyTorch does. Parameters stay the same objects, so an optimiser built
        before the call still holds them.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, (str, backend.Device)):
                device = arg
            else:
                dtype = arg
        if dtype is not None and backend.numpy_dtype(dtype).kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired "
                            f"dtype={dtype}")

        def convert(tensor):
            return tensor.to(device=device, dtype=dtype if tensor.is_floating_point() else None)

        with no_grad():
            for module in self.modules():
                for param in module._parameters.values():
                    if param is None:
                        continue
                    param.data = convert(param)
                    if param.grad is not None:
                        param.grad = convert(param.grad)
                for name, buffer in module._buffers.items():
                    if buffer is not None:
                        module._buffers[name] = convert(buffer)
        return self

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else backend.Device("cuda", device))

    def float(self):
        return self.to(backend.float32)

    def double(self):
        return self.to(backend.float64)

    # -- saving and loading ----------------------------------------------------

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Parameters and buffers by dotted name, PyTorch's keys (`0.weight`, `fc1.bias`).

        The values share memory with the module (detached unless keep_vars).
        """
        if destination is None:
            destination = OrderedDict()
            destination._metadata = OrderedDict()
        metadata = getattr(destination, "_metadata", None)
        if metadata is not None:
            metadata[prefix[:-1]] = {"version": self._version}
        for registry in ("_parameters", "_buffers"):
            for name, value in getattr(self, registry).items():
                if value is not None:
                    destination[prefix + name] = value if keep_vars else value.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values into the parameters and buffers of the same names.

        Values may be minigrad tensors, NumPy arrays, or anything with `numpy()`
        or `__array__`: a PyTorch state_dict loads directly. Values are cast to
        each parameter's dtype and moved to its device. With strict=True,
        missing or unexpected keys are an error; a shape mismatch always is.
        Returns (missing_keys, unexpected_keys).
        """
        state_dict = _upgraded(self, state_dict)
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own]
        errors = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            array = _as_array(state_dict[key])
            if tuple(array.shape) != tuple(target.shape):
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{tuple(array.shape)} from checkpoint, the shape in current model "
                              f"is {tuple(target.shape)}.")
                continue
            with no_grad():
                target.copy_(array)
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{key}"' for key in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{key}"' for key in missing) + ".")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        return IncompatibleKeys(missing, unexpected)

    # -- printing --------------------------------------------------------------

    def extra_repr(self):
        """The text between the parentheses of this module's own line (its settings)."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [f"({name}): {_indent(repr(module), 2)}"
                    for name, module in self._modules.items()]
        if not children and len(lines) <= 1:
            return f"{type(self).__name__}({''.join(lines)})"
        body = "\n  ".join(lines + children)
        return f"{type(self).__name__}(\n  {body}\n)"


def _register(hooks, entry, prepend):
    handle = RemovableHandle(hooks)
    hooks[handle.id] = entry
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def _upgraded(module, state_dict):
    """A copy of `state_dict` in which each layer that defines `upgrade_state_dict` has filled in
    what state dicts of its older versions lack (the version read from `_metadata`, as
    PyTorch's state dicts carry it; None when absent)."""
    metadata = getattr(state_dict, "_metadata", None) or {}
    upgraded = OrderedDict(state_dict)
    for name, layer in module.named_modules():
        if hasattr(layer, "upgrade_state_dict"):
            version = metadata.get(name, {}).get("version")
            layer.upgrade_state_dict(upgraded, name + "." if name else "", version)
    return upgraded


def _join(prefix, name):
    return f"{prefix}.{name}" if prefix else name


def _indent(text, spaces):
    """Indent every line of `text` but the first (a child's printout nested in its parent's)."""
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def _as_array(value):
    """A state_dict value as an array: minigrad or PyTorch tensors, NumPy arrays, array-likes."""
    if isinstance(value, Tensor):
        return value.array
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor, maybe on a GPU
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy"):
        return value.numpy()
    return backend.as_array(value)
