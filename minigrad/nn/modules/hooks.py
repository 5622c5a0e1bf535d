"""Module backward hooks: `register_full_backward_hook` and `register_full_backward_pre_hook`.

As in PyTorch, a forward call of a module with backward hooks puts an
identity op (`BackwardHookFunction`) on its tensor inputs and another on its
tensor outputs. In the backward pass the output one runs first: it sees the
gradients with respect to the outputs (grad_output) and hands them to the
pre-hooks; the input one then sees the gradients with respect to the inputs
(grad_input) and hands both to the hooks, whose result may replace grad_input.
Everything else in the tape is untouched: a module without backward hooks adds
no node.
"""
import warnings

from ...autograd import Function, grad_mode
from ...tensor import Tensor


class BackwardHookFunction(Function):
    """Identity on a module's input or output tensors, d out/d in = I: its backward hands their
    gradients to the module's backward hooks (`on_backward`), which may replace them."""

    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        ctx.differentiable = [t.requires_grad for t in tensors]
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        grads = tuple(g if d else None for g, d in zip(grads, ctx.differentiable))
        replaced = ctx.on_backward(grads)
        for old, new in zip(grads, replaced):
            if old is not None and new is not None and new.shape != old.shape:
                raise RuntimeError(f"a backward hook has changed the size of a gradient from "
                                   f"{tuple(old.shape)} to {tuple(new.shape)}")
        return (None,) + tuple(replaced)


class BackwardHook:
    """One forward call's hooks: links the gradients of its outputs to those of its inputs."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = self.n_outputs = 0
        self.input_indices = self.output_indices = None

    def setup_input(self, args):
        args, self.input_indices = self._wrap(args, self._input_backward)
        self.n_inputs = len(args)
        return args

    def setup_output(self, output):
        single = not isinstance(output, tuple)
        outputs, self.output_indices = self._wrap((output,) if single else output,
                                                  self._output_backward)
        self.n_outputs = len(outputs)
        return outputs[0] if single else outputs

    @staticmethod
    def _wrap(values, on_backward):
        """The values with their tensors passed through a BackwardHookFunction, and the tensors'
        positions; unchanged (and None) when no tensor among them requires grad."""
        indices = [i for i, value in enumerate(values) if isinstance(value, Tensor)]
        if not (grad_mode._enabled and any(values[i].requires_grad for i in indices)):
            return values, None
        wrapped = BackwardHookFunction.apply(on_backward, *(values[i] for i in indices))
        values = list(values)
        for i, tensor in zip(indices, wrapped):
            values[i] = tensor
        return tuple(values), indices

    @staticmethod
    def _pack(indices, grads, size):
        packed = [None] * size
        for index, grad in zip(indices, grads):
            packed[index] = grad
        return tuple(packed)

    def _output_backward(self, grads):
        self.grad_outputs = self._pack(self.output_indices, grads, self.n_outputs)
        for hook in self.pre_hooks:
            result = hook(self.module, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(self.grad_outputs):
                raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, "
                                   f"got {len(result)}, but expected {len(self.grad_outputs)}")
            self.grad_outputs = tuple(result)
        grad_outputs = self.grad_outputs
        if self.input_indices is None:
            self._call_hooks_without_input_grads()
        return [grad_outputs[i] for i in self.output_indices]

    def _call_hooks_without_input_grads(self):
        """No input requires grad (a first layer fed data): the hooks run now, with None for
        every grad_input, and may not replace them."""
        if self.hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect "
                          "to module outputs since no inputs require gradients.", stacklevel=2)
        grad_inputs = (None,) * self.n_inputs
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None and not (isinstance(result, tuple)
                                           and all(r is None for r in result)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None

    def _input_backward(self, grads):
        if self.grad_outputs is None:
            # The gradient reached the inputs without passing through the outputs (a double
            # backward): there is no grad_output to show, so the hooks do not run.
            return grads
        grad_inputs = self._pack(self.input_indices, grads, self.n_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                   f"{len(result)}, but expected {len(grad_inputs)}")
            grad_inputs = tuple(result)
        self.grad_outputs = None
        return [grad_inputs[i] for i in self.input_indices]
