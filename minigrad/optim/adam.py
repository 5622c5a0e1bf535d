"""Adam: gradient descent scaled by running estimates of the gradient's first two moments."""
from ..tensor import wrap_array
from .optimizer import Optimizer, gradient_with_decay


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as PyTorch defines it.

    For a parameter θ with gradient ∇ at step t = 1, 2, ...:

        g ← -∇ if maximize else ∇
        g ← g + weight_decay·θ               (θ ← θ·(1 - lr·weight_decay) instead, if
                                              decoupled_weight_decay: AdamW)
        m ← β1·m + (1 - β1)·g               first moment, m₀ = 0
        v ← β2·v + (1 - β2)·g²              second moment, v₀ = 0
        v̂max ← max(v̂max, v)                 if amsgrad, and v is replaced by v̂max below
        θ ← θ - lr/(1 - β1ᵗ) · m / (√v / √(1 - β2ᵗ) + eps)

    The two (1 - βᵗ) terms correct m and v for starting at zero; eps is added
    after the square root and the bias correction, as in PyTorch.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _validate(self, group):
        super()._validate(group)
        betas = group["betas"]
        if len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if not group["eps"] >= 0.0:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        if not group["weight_decay"] >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")

    def _update(self, param, state, group):
        xp, weights = param.xp, param.array
        beta1, beta2 = group["betas"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = wrap_array(xp.zeros_like(weights))
            state["exp_avg_sq"] = wrap_array(xp.zeros_like(weights))
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = wrap_array(xp.zeros_like(weights))
        state["step"] += 1
        m, v = state["exp_avg"].array, state["exp_avg_sq"].array

        weight_decay = group["weight_decay"]
        if group["decoupled_weight_decay"]:
            weights *= 1 - group["lr"] * weight_decay
            weight_decay = 0
        g = gradient_with_decay(param, weight_decay, group["maximize"])
        scratch = xp.empty_like(weights)
        # β1·m + (1 - β1)·g written as m + (1 - β1)(g - m), the form torch computes (lerp_).
        xp.subtract(g, m, out=scratch)
        scratch *= 1 - beta1
        m += scratch
        xp.multiply(g, 1 - beta2, out=scratch)
        scratch *= g
        v *= beta2
        v += scratch
        if group["amsgrad"]:
            v_max = state["max_exp_avg_sq"].array
            v = xp.maximum(v_max, v, out=v_max)

        bias_correction1 = 1 - beta1 ** state["step"]
        bias_correction2 = 1 - beta2 ** state["step"]
        denominator = xp.sqrt(v, out=scratch)
        denominator /= bias_correction2 ** 0.5
        denominator += group["eps"]
        update = xp.divide(m, denominator, out=scratch)
        update *= group["lr"] / bias_correction1
        weights -= update
