"""Optimisers that scale each parameter's step by its own gradient history: `AdamW`, `RMSprop`,
`Adagrad`, `Adadelta`, each as PyTorch defines it (the formulas in each class's docstring,
then the same updates on the raw arrays, in PyTorch's order of operations)."""
from ..tensor import wrap_array
from .adam import Adam
from .optimizer import Optimizer, gradient_with_decay


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): the decay shrinks θ directly
    instead of entering the gradient,

        θ ← θ·(1 - lr·weight_decay),  then Adam's step with g = ∇ (see `Adam`),

    which is `Adam(decoupled_weight_decay=True)`, as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize,
                         decoupled_weight_decay=True)


class RMSprop(Optimizer):
    """RMSprop (Hinton), as PyTorch defines it. For a parameter θ with gradient ∇:

        g ← -∇ if maximize else ∇,   g ← g + weight_decay·θ
        v ← α·v + (1 - α)·g²                         v₀ = 0
        ḡ ← ḡ + (1 - α)·(g - ḡ)                      if centered (ḡ₀ = 0)
        d ← √(v - ḡ²) + eps if centered, else √v + eps
        b ← momentum·b + g/d,  θ ← θ - lr·b          if momentum > 0
        θ ← θ - lr·g/d                               otherwise
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, maximize=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        for name in ("eps", "momentum", "weight_decay", "alpha"):
            if not group[name] >= 0.0:
                raise ValueError(f"Invalid {'epsilon' if name == 'eps' else name} value: "
                                 f"{group[name]}")

    def _update(self, param, state, group):
        xp, weights = param.xp, param.array
        if not state:
            state["step"] = 0
            state["square_avg"] = wrap_array(xp.zeros_like(weights))
            if group["momentum"] > 0:
                state["momentum_buffer"] = wrap_array(xp.zeros_like(weights))
            if group["centered"]:
                state["grad_avg"] = wrap_array(xp.zeros_like(weights))
        state["step"] += 1
        alpha = group["alpha"]
        g = gradient_with_decay(param, group["weight_decay"], group["maximize"])
        square_avg = state["square_avg"].array
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = state["grad_avg"].array
            grad_avg += (1 - alpha) * (g - grad_avg)
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = xp.sqrt(square_avg)
        denominator += group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"].array
            buffer *= group["momentum"]
            buffer += g / denominator
            weights -= group["lr"] * buffer
        else:
            weights -= group["lr"] * (g / denominator)


class Adagrad(Optimizer):
    """Adagrad (Duchi et al.), as PyTorch defines it. At step t = 1, 2, ...:

        g ← -∇ if maximize else ∇,   g ← g + weight_decay·θ
        s ← s + g²                               s₀ = initial_accumulator_value
        θ ← θ - lr/(1 + (t - 1)·lr_decay) · g/(√s + eps)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, maximize=False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize))
        # As in PyTorch, every parameter's state exists from the start.
        for group in self.param_groups:
            for param in group["params"]:
                self.state[param] = {"step": 0, "sum": wrap_array(param.xp.full_like(
                    param.array, group["initial_accumulator_value"]))}

    def _validate(self, group):
        super()._validate(group)
        for name in ("lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            if not group[name] >= 0.0:
                raise ValueError(f"Invalid {name} value: {group[name]}")

    def _update(self, param, state, group):
        xp = param.xp
        if not state:  # a parameter added by add_param_group
            state.update(step=0, sum=wrap_array(xp.full_like(param.array,
                                                         group["initial_accumulator_value"])))
        state["step"] += 1
        g = gradient_with_decay(param, group["weight_decay"], group["maximize"])
        rate = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        total = state["sum"].array
        total += g * g
        denominator = xp.sqrt(total)
        denominator += group["eps"]
        param.array -= rate * (g / denominator)


class Adadelta(Optimizer):
    """Adadelta (Zeiler), as PyTorch defines it:

        g ← -∇ if maximize else ∇,   g ← g + weight_decay·θ
        v ← ρ·v + (1 - ρ)·g²                              v₀ = 0
        Δ ← √(u + eps)/√(v + eps) · g                     u₀ = 0
        u ← ρ·u + (1 - ρ)·Δ²
        θ ← θ - lr·Δ
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Invalid rho value: {group['rho']}")
        for name in ("eps", "weight_decay"):
            if not group[name] >= 0.0:
                raise ValueError(f"Invalid {'epsilon' if name == 'eps' else name} value: "
                                 f"{group[name]}")

    def _update(self, param, state, group):
        xp = param.xp
        if not state:
            state["step"] = 0
            state["square_avg"] = wrap_array(xp.zeros_like(param.array))
            state["acc_delta"] = wrap_array(xp.zeros_like(param.array))
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        g = gradient_with_decay(param, group["weight_decay"], group["maximize"])
        square_avg, acc_delta = state["square_avg"].array, state["acc_delta"].array
        square_avg *= rho
        square_avg += (1 - rho) * g * g
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * g
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param.array -= group["lr"] * delta
