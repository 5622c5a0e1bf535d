"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""
from ..tensor import wrap_array
from .optimizer import Optimizer, gradient_with_decay


class SGD(Optimizer):
    """Stochastic gradient descent, as PyTorch defines it.

    For a parameter θ with gradient ∇ at step t:

        g ← -∇ if maximize else ∇
        g ← g + weight_decay·θ
        if momentum ≠ 0:
            b ← g                                  at the first step
            b ← momentum·b + (1 - dampening)·g     afterwards
            g ← g + momentum·b  if nesterov,  else  g ← b
        θ ← θ - lr·g

    The momentum buffer b starts as the first g itself, without dampening.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def _validate(self, group):
        super()._validate(group)
        if not group["momentum"] >= 0.0:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if not group["weight_decay"] >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update(self, param, state, group):
        xp, weights = param.xp, param.array
        momentum, dampening = group["momentum"], group["dampening"]
        scratch = xp.empty_like(weights)

        g = gradient_with_decay(param, group["weight_decay"], group["maximize"], out=scratch)
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = g.copy()
                state["momentum_buffer"] = wrap_array(buffer)
            else:
                buffer = buffer.array
                buffer *= momentum
                buffer += g if dampening == 0 else (1 - dampening) * g
            g = xp.add(g, momentum * buffer, out=scratch) if group["nesterov"] else buffer
        weights -= xp.multiply(g, group["lr"], out=scratch)
