"""Finite-difference checks of gradients, in float64.

gradcheck compares the Jacobian autograd computes with central differences

    ∂f_i/∂x_j ≈ (f_i(x + ε e_j) - f_i(x - ε e_j)) / 2ε

and, on a mismatch, names the worst element: which output and input, its
index in the Jacobian, and both values. gradgradcheck runs the same check on
the function x, v -> vᵀ·∂f/∂x, which tests the second derivatives.
"""


class GradcheckError(RuntimeError):
    """Autograd's Jacobian disagrees with the finite-difference one."""


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _differentiable_inputs(inputs):
    from ..tensor import Tensor

    chosen = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in chosen:
        if t.array.dtype.name != "float64":
            raise GradcheckError(
                f"gradcheck needs float64 inputs for finite differences to be accurate; got "
                f"{t.dtype}. Use .double().")
    if not chosen:
        raise GradcheckError("gradcheck: no input requires grad")
    return chosen


def _numeric_jacobians(fn, inputs, wrt, eps):
    """Central differences: one (outputs numel) x (input numel) matrix per (output, input)."""
    # Grad mode stays on: gradgradcheck's function differentiates inside.
    outputs = _as_tuple(fn(*inputs))
    jacobians = [[None] * len(wrt) for _ in outputs]
    for j, x in enumerate(wrt):
        x.array = x.xp.ascontiguousarray(x.array).reshape(x.shape)  # 0-d stays 0-d
        flat = x.array.reshape(-1)  # a view: writing it perturbs x in place
        columns = []
        for k in range(flat.size):
            original = flat[k].item()
            flat[k] = original + eps
            plus = [o.array.astype("float64").reshape(-1) for o in _as_tuple(fn(*inputs))]
            flat[k] = original - eps
            minus = [o.array.astype("float64").reshape(-1) for o in _as_tuple(fn(*inputs))]
            flat[k] = original
            columns.append([(p - m) / (2 * eps) for p, m in zip(plus, minus)])
        xp = x.xp
        for i in range(len(outputs)):
            jacobians[i][j] = xp.stack([c[i] for c in columns], axis=1) if columns else \
                xp.zeros((outputs[i].numel(), 0))
    return outputs, jacobians


def _analytic_jacobians(fn, inputs, wrt):
    """Rows of the Jacobian, one backward pass per output element."""
    from . import grad
    from ..tensor import wrap_array

    outputs = _as_tuple(fn(*inputs))
    jacobians = []
    for out in outputs:
        xp = out.xp
        rows = [[] for _ in wrt]
        for k in range(out.numel()):
            seed = xp.zeros(out.numel(), dtype=out.array.dtype)
            seed[k] = 1
            if out.requires_grad:
                grads = grad([out], wrt, [wrap_array(seed.reshape(out.shape))], retain_graph=True,
                             allow_unused=True)
            else:
                grads = [None] * len(wrt)
            for j, (g, x) in enumerate(zip(grads, wrt)):
                rows[j].append(xp.zeros(x.numel()) if g is None else
                               g.array.astype("float64").reshape(-1))
        jacobians.append([xp.stack(r) if r else xp.zeros((0, x.numel()))
                          for r, x in zip(rows, wrt)])
    return jacobians


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when autograd's gradients of `fn` at `inputs` match central differences.

    Inputs that require grad must be float64. On a mismatch, raises (or
    returns False) with the worst element's indices and both values.
    """
    inputs = _as_tuple(inputs)
    wrt = _differentiable_inputs(inputs)
    analytic = _analytic_jacobians(fn, inputs, wrt)
    _, numeric = _numeric_jacobians(fn, inputs, wrt, eps)
    for i, (row_a, row_n) in enumerate(zip(analytic, numeric)):
        for j, (a, n) in enumerate(zip(row_a, row_n)):
            xp = wrt[j].xp
            excess = xp.abs(a - n) - (atol + rtol * xp.abs(n))
            if excess.size and (excess.max() > 0 or xp.isnan(excess).any()):
                worst = xp.unravel_index(int(xp.nanargmax(xp.where(xp.isnan(excess), xp.inf,
                                                                    excess))), excess.shape)
                message = (
                    f"Jacobian mismatch for output {i} with respect to input {j}: worst element "
                    f"(output element {int(worst[0])}, input element {int(worst[1])}): analytic "
                    f"{float(a[worst]):.10g}, numeric {float(n[worst]):.10g} "
                    f"(atol={atol}, rtol={rtol})")
                if raise_exception:
                    raise GradcheckError(message)
                return False
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, seed=0):
    """gradcheck of the first derivative: checks that second derivatives are right.

    The function checked is (x, v) -> v·∂f/∂x with random upstream gradients v
    (or `grad_outputs`), differentiated with create_graph=True.
    """
    from . import grad
    from ..tensor import Tensor, wrap_array

    inputs = _as_tuple(inputs)
    _differentiable_inputs(inputs)  # refuse non-float64 inputs before any work
    outputs = _as_tuple(fn(*inputs))
    if grad_outputs is None:
        import random

        rng = random.Random(seed)
        grad_outputs = []
        for out in outputs:
            values = [rng.uniform(-1, 1) for _ in range(out.numel())]
            v = wrap_array(out.xp.asarray(values, dtype="float64").reshape(out.shape))
            grad_outputs.append(v.requires_grad_())
    grad_outputs = list(_as_tuple(grad_outputs))
    count = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:count], args[count:]
        outs = _as_tuple(fn(*xs))
        chosen = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        pairs = [(o, v) for o, v in zip(outs, vs) if o.requires_grad]
        grads = grad([o for o, _ in pairs], chosen, [v for _, v in pairs], create_graph=True,
                     allow_unused=True)
        return tuple(g if g is not None else wrap_array(x.xp.zeros(x.shape)) * x.sum() * 0
                     for g, x in zip(grads, chosen))

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps, atol, rtol,
                     raise_exception)
