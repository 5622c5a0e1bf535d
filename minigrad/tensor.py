"""`Tensor`: an array, plus what autograd needs to know about it.

A tensor holds its numbers in `array` (a NumPy or CuPy array), and for
autograd:
  requires_grad   whether gradients should flow to it
  grad_fn         the tape node of the op that made it (None for a leaf)
  grad            for leaves that require grad: the accumulated gradient

Its math, reductions and shape methods are the ops in `minigrad/ops/`,
attached to the class there, so `x.exp()` and `mg.exp(x)` are one code path.
Here live the rest: attributes, conversions, `backward`, and the in-place
updates optimisers use.
"""
from . import backend
from .autograd import grad_mode
from .size import Size


class Tensor:
    """A multi-dimensional array that records the ops applied to it."""

    __slots__ = ("array", "grad", "grad_fn", "_requires_grad", "_output_index",
                 "_version_counter", "_hooks", "__weakref__")
    # NumPy must hand `ndarray * tensor` to Tensor.__rmul__ rather than loop over the tensor.
    __array_priority__ = 1000

    def __new__(cls, *args, device=None):
        """`mg.Tensor(data)`, `mg.Tensor(2, 3)`, `mg.Tensor()`: PyTorch's legacy constructor.

        Data (a list, an array) is copied as the default float dtype; sizes give
        an uninitialised tensor of the default dtype; a tensor gives an alias of
        it (its dtype kept). The engine makes its tensors with `wrap_array`.
        """
        from .legacy import legacy_new

        return legacy_new(None, args, device)

    # -- attributes ----------------------------------------------------------

    @property
    def xp(self):
        """The array module (NumPy or CuPy) that owns this tensor's array."""
        return backend.array_module(self.array)

    @property
    def shape(self):
        """The sizes of the dims, as an `mg.Size` (printed `torch.Size([2, 3])`)."""
        return Size(self.array.shape)

    @property
    def ndim(self):
        return self.array.ndim

    def dim(self):
        return self.array.ndim

    def size(self, dim=None):
        """The shape as an `mg.Size`, or the size of one dim (negative dims count from the end)."""
        if dim is None:
            return Size(self.array.shape)
        ndim = self.array.ndim
        if ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-ndim}, {ndim - 1}], but got {dim})")
        return self.array.shape[dim]

    def numel(self):
        return self.array.size

    def element_size(self):
        """Bytes per element: 4 for float32, 8 for int64, ..."""
        return self.array.itemsize

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    @property
    def dtype(self):
        return backend.dtype_of(self.array)

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and self.array.dtype.kind != "f":
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {self.dtype})")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def _version(self):
        return self._version_counter[0]

    @property
    def data(self):
        """The same numbers as a tensor outside the graph (PyTorch's `.data`)."""
        return wrap_array(self.array)

    @data.setter
    def data(self, value):
        self.array = value.array if isinstance(value, Tensor) else backend.as_array(value)

    # -- conversions ---------------------------------------------------------

    def item(self):
        if self.array.size != 1:
            raise RuntimeError(
                f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return self.array.reshape(()).item()

    def tolist(self):
        return backend.move_to(self.array, backend.cpu).tolist()

    def numpy(self):
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        if self.device.type != "cpu":
            raise TypeError(
                f"can't convert {self.device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first.")
        return self.array

    def __array__(self, dtype=None, copy=None):
        array = backend.move_to(self.array, backend.cpu)
        return array if dtype is None else array.astype(dtype)

    def detach(self):
        """The same numbers, cut from the graph; shares memory and version counter."""
        out = wrap_array(self.array)
        out._version_counter = self._version_counter
        return out

    def retain_grad(self):
        """Keep `.grad` for this non-leaf tensor after backward (after its hooks), as in PyTorch."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        from .autograd.hooks import retain_grad

        retain_grad(self)

    def register_hook(self, hook):
        """Call `hook(grad)` each time the gradient with respect to this tensor is computed; a
        result other than None replaces the gradient (of the same shape, dtype and device).

        On a leaf the hook sees the gradient summed over the pass, before it is
        accumulated into `.grad`; on a computed tensor, its gradient before it
        flows on. Returns a handle whose `remove()` takes the hook away.
        """
        from .autograd.hooks import register_hook

        return register_hook(self, hook)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iu" or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, format_spec):
        """f'{t:.2f}' formats a 0-d tensor as its number, as PyTorch does; other tensors take
        only an empty spec (their printed form)."""
        if self.array.ndim == 0:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        """As torch prints it (minigrad/printing.py), its grad_fn named as torch names its
        nodes, `<MulBackward0>`."""
        from .printing import node_name, tensor_repr

        return tensor_repr(self, None if self.grad_fn is None else node_name(self.grad_fn))

    # -- autograd ------------------------------------------------------------

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad."""
        from .autograd.tape import run_backward

        if not self._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
        if gradient is None:
            if self.array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (this tensor has "
                    f"shape {tuple(self.shape)}); pass gradient= to backward")
            gradient = wrap_array(self.xp.ones_like(self.array))
        elif not isinstance(gradient, Tensor):
            gradient = wrap_array(gradient)
        if gradient.array.shape != self.array.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[0] has a shape of {tuple(gradient.shape)} and "
                f"output[0] has a shape of {tuple(self.shape)}.")
        if retain_graph is None:
            retain_graph = create_graph
        run_backward([self], [gradient], retain_graph, create_graph)

    # -- in-place updates (what optimisers use) --------------------------------

    def _begin_inplace(self, *others):
        """Refuse an in-place change that would corrupt a recorded graph; else bump the version."""
        if grad_mode._enabled:
            if self.grad_fn is None and self._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation. "
                    "Wrap the update in `with mg.no_grad():`.")
            if self.grad_fn is not None or any(
                    isinstance(o, Tensor) and o._requires_grad for o in others):
                raise RuntimeError(
                    "minigrad does not record in-place operations on tensors that are part of a "
                    "graph: use the out-of-place form (x = x + y) or run it under mg.no_grad().")
        self._version_counter[0] += 1

    def _operand(self, other):
        return other.array if isinstance(other, Tensor) else other

    def add_(self, other, alpha=1):
        self._begin_inplace(other)
        other = self._operand(other)
        self.array += other if alpha == 1 else alpha * other
        return self

    def sub_(self, other, alpha=1):
        self._begin_inplace(other)
        other = self._operand(other)
        self.array -= other if alpha == 1 else alpha * other
        return self

    def mul_(self, other):
        self._begin_inplace(other)
        self.array *= self._operand(other)
        return self

    def div_(self, other):
        self._begin_inplace(other)
        self.array /= self._operand(other)
        return self

    def pow_(self, exponent):
        self._begin_inplace(exponent)
        self.array **= self._operand(exponent)
        return self

    def clamp_(self, min=None, max=None):
        self._begin_inplace()
        self.xp.clip(self.array, min, max, out=self.array)
        return self

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        self._begin_inplace(value)
        self.array[...] = self._operand(value)
        return self

    def copy_(self, source):
        self._begin_inplace(source)
        array = self._operand(source)
        self.array[...] = backend.move_to(array, self.device) if hasattr(array, "shape") else array
        return self

    def uniform_(self, low=0.0, high=1.0):
        from .random import uniform_array

        self._begin_inplace()
        self.array[...] = uniform_array(self.shape, low, high, self.array.dtype, self.device)
        return self

    def normal_(self, mean=0.0, std=1.0):
        from .random import normal_array

        self._begin_inplace()
        self.array[...] = normal_array(self.shape, mean, std, self.array.dtype, self.device)
        return self

    __iadd__ = add_
    __isub__ = sub_
    __imul__ = mul_
    __itruediv__ = div_

    def __setitem__(self, index, value):
        """x[index] = value, in place. Recorded when x or value requires grad (x must then be
        floating point and not a view of another tensor of the graph): x's gradient is zero at
        index, value's is x's gradient there."""
        from .ops.shape import SetItem, array_index, assign

        index = array_index(index, self.xp)
        if grad_mode._enabled and (self._requires_grad or (
                isinstance(value, Tensor) and value._requires_grad)):
            self._check_recordable_setitem(index)
            if self.array.dtype.kind == "f":
                out = SetItem.apply(self, value, index)
                self.grad_fn, self._requires_grad, self._output_index = out.grad_fn, True, 0
                self._version_counter[0] += 1
                return
        self._begin_inplace(value)
        assign(self.array, index, self._operand(value))

    def _check_recordable_setitem(self, index):
        """Refuse what torch refuses (a leaf that requires grad) and what minigrad cannot record:
        a view of a tensor of the graph, whose base would not see the change."""
        if self.grad_fn is None and self._requires_grad:
            from .ops.shape import is_basic_index

            view = "a view of " if is_basic_index(index) else ""
            raise RuntimeError(f"{view}a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        view_of = self.grad_fn.edges[0] if self.grad_fn is not None and (
            self.grad_fn.function.returns_view) else None
        if view_of is not None and view_of[0] is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
        if view_of is not None or (self.grad_fn is None and self.array.base is not None):
            raise RuntimeError(
                "minigrad does not record an assignment into a view of another tensor (its base "
                "would not see it): assign into the base tensor, or into a .clone() of the view.")


_new_object = object.__new__


def wrap_array(array, requires_grad=False, cls=Tensor):
    """The engine's constructor: a new tensor over `array`, which it keeps as is (no copy, no
    dtype change); Python numbers and NumPy scalars become arrays by PyTorch's dtype rules.

    Every op builds its outputs here, so it stays as cheap as a constructor can be; the public
    `Tensor(...)` follows torch's legacy constructor instead.
    """
    if type(array) is not backend.ndarray and not isinstance(array, backend.array_types()):
        array = backend.as_array(array.array if isinstance(array, Tensor) else array)
    tensor = _new_object(cls)
    tensor.array = array
    tensor.grad = None
    tensor.grad_fn = None
    tensor._requires_grad = False
    tensor._output_index = 0
    tensor._version_counter = [0]  # shared with views, bumped by in-place updates
    tensor._hooks = None  # a leaf's gradient hooks (autograd/hooks.py), once it has some
    if requires_grad:
        tensor.requires_grad_(True)
    return tensor


def as_output(value):
    """Wrap what a Function's forward returned as a fresh tensor."""
    if isinstance(value, Tensor):
        # An input handed back unchanged must not have its own grad_fn overwritten.
        return wrap_array(value.array) if value._requires_grad else value
    return wrap_array(value)
