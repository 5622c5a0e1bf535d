"""`Optimizer`: what every optimiser shares.

An optimiser holds its parameters in groups (`param_groups`): each group is a
dict with the list of parameters under "params" and its own hyperparameters
("lr", "momentum", ...), so that, say, biases can learn at a different rate
from weights. What an optimiser remembers about a parameter between steps (a
momentum buffer, Adam's moment estimates) is that parameter's `state`.

`step()` visits every parameter that has a gradient and hands it to the
subclass's `_update`, which changes the parameter's array in place. The update
works on the raw arrays, so nothing is recorded for autograd; each update bumps
the parameter's version counter so that a graph which saved the old values
refuses to backpropagate through them.

`state_dict()` uses PyTorch's layout, with parameters replaced by their
position across all groups:
    {'state': {0: {'momentum_buffer': tensor(...)}, ...},
     'param_groups': [{'lr': 0.1, ..., 'params': [0, 1]}, ...]}
"""
import abc
import copy
import warnings
from collections import defaultdict

from ..autograd import enable_grad, no_grad
from ..creation import tensor
from ..tensor import Tensor


class Optimizer(abc.ABC):
    """Base class: parameter groups, per-parameter state, `step`, `zero_grad`, saving and loading.

    Subclasses pass their hyperparameters' defaults to `__init__`, check them in
    `_validate(group)` and implement `_update(param, state, group)`.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self.state = defaultdict(dict)  # as torch's: optimizer.state[p] is {} before p's first step
        self._stepped = False  # for the schedulers' warning when they are stepped first
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        param_groups = ordered_list(params)
        if not param_groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group of parameters, with options overriding the optimiser's defaults, as
        PyTorch does: the dict itself becomes the group (the defaults filled in), its "params"
        may be one tensor or (name, tensor) pairs (kept as "param_names"), and a parameter
        listed twice in it is warned about (it is then updated twice), not refused."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else ordered_list(params)
        names = [param[0] for param in params if isinstance(param, tuple)]
        params = [param[1] if isinstance(param, tuple) else param for param in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param "
                             "names are missing")
        param_group["params"] = params
        if names:
            param_group["param_names"] = names
        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor (one computed from others); "
                                 "optimize the leaf tensors it was computed from")
        for key, default in self.defaults.items():
            param_group.setdefault(key, default)
        self._validate(param_group)

        # Membership by id: `p in list` would compare tensors elementwise.
        ids = [id(param) for param in params]
        if len(set(ids)) != len(ids):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        known = set()
        for group in self.param_groups:
            known.update(id(param) for param in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                named = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {named} to the optimizer")
        if not known.isdisjoint(ids):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def _validate(self, group):
        """Raise ValueError for a hyperparameter out of range; subclasses extend it."""
        if not group["lr"] >= 0.0:
            raise ValueError(f"Invalid learning rate: {group['lr']}")

    @abc.abstractmethod
    def _update(self, param, state, group):
        """Change `param.array` in place, using `param.grad` and the parameter's `state` dict."""

    def step(self, closure=None):
        """Update every parameter that has a gradient; return what `closure` returned, if given.

        `closure` re-evaluates the model and returns the loss (with gradients
        recorded even inside `no_grad`), for optimisers that need it.
        """
        self._stepped = True
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                self._update(param, self.state.setdefault(param, {}), group)
                param._version_counter[0] += 1
        return loss

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (the default) or fill them with zeros in place."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                    continue
                if param.grad.grad_fn is not None:
                    # A gradient made with create_graph=True: zero it without touching its graph.
                    param.grad = param.grad.detach()
                with no_grad():
                    param.grad.zero_()

    def state_dict(self):
        """The optimiser's state and hyperparameters, parameters named by index (torch's layout).

        As in torch, the state tensors are the optimiser's own, not copies: use
        `copy.deepcopy` on the result to keep a snapshot while training goes on.
        """
        index_of, param_groups, start = {}, [], 0
        for group in self.param_groups:
            # Indices count on across the groups, as torch counts them: a parameter listed twice
            # in a group takes its last position's index, one already in a group keeps its own.
            index_of.update({id(param): i for i, param in enumerate(group["params"], start)
                             if id(param) not in index_of})
            start += len(group["params"])
            saved = {key: value for key, value in group.items() if key != "params"}
            saved["params"] = [index_of[id(param)] for param in group["params"]]
            param_groups.append(saved)
        state = {(index_of[id(key)] if isinstance(key, Tensor) else key): dict(param_state)
                 for key, param_state in self.state.items() if param_state}
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict):
        """Take state and hyperparameters from a `state_dict()`, minigrad's or torch's (whose
        tensors, torch's or minigrad's, are copied here), for the same parameter layout.

        Each state tensor is copied onto its parameter's device, and into its dtype when the
        parameter is floating point; "step", a tensor in torch's state dicts, becomes a number.
        """
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"loaded state dict has a different number of parameter groups: "
                f"{len(saved_groups)}, where the optimizer has {len(self.param_groups)}")
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(saved['params'])} parameters "
                    f"there, {len(group['params'])} in the optimizer")
        param_of = {index: param for group, saved in zip(self.param_groups, saved_groups)
                    for index, param in zip(saved["params"], group["params"])}

        self.state = defaultdict(dict)
        for index, saved_state in state_dict["state"].items():
            if index not in param_of:  # state of no parameter: kept as it is, as torch does
                self.state[index] = saved_state
                continue
            param = param_of[index]
            self.state[param] = {key: state_value(key, value, param)
                                 for key, value in saved_state.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.param_groups = saved_groups

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        lines.append(")")
        return "\n".join(lines)


def state_value(key, value, param):
    """A loaded state entry for `param`: tensors (minigrad's, or any array such as torch's)
    copied onto its device and into its dtype if floating, "step" as a Python number."""
    if key == "step":
        step = float(value)
        return int(step) if step.is_integer() else step
    if not isinstance(value, Tensor):
        if not hasattr(value, "__array__") or isinstance(value, (int, float, bool)):
            return value
        value = tensor(value.__array__())  # its NumPy form keeps its dtype
    if param.is_floating_point():
        return value.to(param, copy=True)
    return value.to(param.device, copy=True)


def ordered_list(params):
    """`params` as a list; a set is refused, since state_dict() names parameters by position."""
    if isinstance(params, (set, frozenset)):
        raise TypeError("optimizer parameters need to be organized in ordered collections, "
                        "but the ordering of tensors in sets will change between runs. "
                        "Please use a list instead.")
    return list(params)


def gradient_with_decay(param, weight_decay, maximize, out=None):
    """The g that SGD and Adam start from: the gradient (negated to maximize) plus weight_decay·θ.

    With neither option this is `param.grad`'s own array, which the caller must
    not write to; otherwise it is computed into `out` (a new array if None).
    """
    xp, grad = param.xp, param.grad.array
    if weight_decay != 0:
        g = xp.multiply(param.array, weight_decay, out=out)
        return xp.subtract(g, grad, out=g) if maximize else xp.add(g, grad, out=g)
    return xp.negative(grad, out=out) if maximize else grad
