"""How a float32 result is judged: against the exact answer, within the rounding its own computation allows.

The rule, stated here once (test_parity.py and PARITY.md point to it):

  exact   torch's answer computed in float64 on the very same float32-rounded
          numbers (inputs, upstream gradients, directions).
  scale   per element, S = max(|exact|, max over k = 1..4 of |exact_k - exact| / eps32),
          where exact_k repeats the same float64 computation with every aten op's
          inputs and outputs moved by r * max(eps32 * m(v), 2**-126): r in [-1, 1] is
          a deterministic hash of the value v and of k (so runs are reproducible and
          equal values, ties, stay equal), and m(v) is the magnitude float32 rounding
          is relative to. For most ops m(v) = |v|; for ops that add terms (sums,
          matmul, convolution, reductions, normalisation statistics, and the
          backward kernels that add) m is the op re-evaluated on the terms' absolute
          values (`_magnitude` below): what rounding can leave in a result that
          cancels. Exact zeros stay zeros where m(v) is 0 (a product with a zero is
          zero in float32 too), and discrete answers (comparisons, conversions to
          integers, counts) are taken on the unmoved values.
  accept  a float32 minigrad result where |minigrad - exact| <= FACTOR * eps32 * S
          (FACTOR = 8); where exact is not finite, minigrad must give the same inf or nan.

S is a first-order estimate of how far float32 rounding can move this computation:
the four perturbed runs move every intermediate by about one rounding, as a
float32 run of either library does, and see how much the answer moves. A
well-conditioned result gets S ~ |exact|, a relative bound of 8 eps32 ~ 1e-6; a
cancelling one (a Hessian-vector product whose terms cancel, a sum of large
terms with a small total) gets the room its rounding really has, and no more.
torch's own float32 result plays no part in the value judgement (its dtype,
shape and requires_grad are still compared). float64 results are compared with
torch's float64 ones at each row's fixed tolerance (op_entry.py).
"""
import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode

EPS32 = float(np.finfo(np.float32).eps)
FACTOR = 8
PERTURBATIONS = 4
SMALLEST_NORMAL32 = 2.0 ** -126

aten = torch.ops.aten


# ---------------------------------------------------------------------------
# the magnitude m(v) of what an op adds up
# ---------------------------------------------------------------------------


def _absolute(value):
    """Floating tensors (also inside lists) and float numbers made non-negative."""
    if isinstance(value, torch.Tensor):
        return value.abs() if value.is_floating_point() else value
    if isinstance(value, float):
        return abs(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_absolute(v) for v in value)
    if isinstance(value, dict):
        return {key: _absolute(v) for key, v in value.items()}
    return value


def _on_absolute_values(func, args, kwargs):
    """The op re-evaluated on its arguments' absolute values: the sum of the magnitudes of its terms."""
    return func(*_absolute(args), **_absolute(kwargs))


def _argument(args, kwargs, position, name, default=None):
    if len(args) > position:
        return args[position]
    return kwargs.get(name, default)


def _softmax_backward(func, args, kwargs):
    # grad_in = y * (g - sum(g * y)): the two terms of the difference, added.
    grad, output, dim = args[0], args[1], args[2]
    return output.abs() * (grad.abs() + (grad * output).abs().sum(dim, keepdim=True))


def _log_softmax_backward(func, args, kwargs):
    # grad_in = g - exp(y) * sum(g)
    grad, output, dim = args[0], args[1], args[2]
    return grad.abs() + output.exp() * grad.abs().sum(dim, keepdim=True)


def _shifted(x, dim):
    """x - max(x) along dim, and log Σ exp of it: the two terms softmax and its kin subtract."""
    shifted = x - x.amax(dim, keepdim=True) if x.ndim else x - x
    return shifted, shifted.exp().sum(dim, keepdim=True).log() if x.ndim else shifted


def _log_softmax(func, args, kwargs):
    # y = (x - max) - log Σ exp(x - max): the terms subtracted, and the log of a sum rounded
    # relative to itself, an absolute error of one epsilon.
    shifted, log_sum = _shifted(args[0], args[1])
    return shifted.abs() + log_sum + 1


def _softmax(func, args, kwargs):
    # y = exp(x - max) / Σ: exp turns the absolute rounding of x - max into a relative one.
    shifted, _ = _shifted(args[0], args[1])
    return func(*args, **kwargs) * (2 + shifted.abs())


def _logsumexp(func, args, kwargs):
    # max + log Σ exp(x - max)
    x, dims = args[0], args[1]
    keepdim = _argument(args, kwargs, 2, "keepdim", False)
    dims = _reduced_dims(x, dims) if x.ndim else []
    if not dims:
        return x.abs()
    top = x.amax(dims, keepdim=True)
    magnitude = top.abs() + (x - top).exp().sum(dims, keepdim=True).log() + 1
    return magnitude if keepdim else magnitude.squeeze(dims)


def _vector_norm(func, args, kwargs):
    # (Σ |x|^p)^(1/p): a sum of positive terms, but each |x|^p underflows below 2**-126 in
    # float32 (a kernel need not scale), an absolute error of (n 2**-126)^(1/p) in the norm.
    x = args[0]
    p = float(_argument(args, kwargs, 1, "ord", 2))
    dims = _reduced_dims(x, _argument(args, kwargs, 2, "dim")) if x.ndim else []
    result = _on_absolute_values(func, args, kwargs)
    if not 0 < p < float("inf"):
        return result
    count = 1
    for d in dims:
        count *= x.shape[d]
    return result.clamp(min=(count * SMALLEST_NORMAL32) ** (1 / p) / EPS32)


def _group_norm(func, args, kwargs):
    # (out, mean, rstd): layer norm over each group of channels, then a per-channel affine.
    x, weight, bias, n, c, _, groups, eps = args[:8]
    grouped = x.reshape(n, groups, -1)
    mean, var = grouped.mean(-1, keepdim=True), grouped.var(-1, keepdim=True, correction=0)
    out = _normalised(grouped, [-1], mean, var, eps).reshape(x.shape)
    out = _with_affine(out, weight, bias, [1, c] + [1] * (x.ndim - 2))
    results = func(*args, **kwargs)
    return out, grouped.abs().mean(-1), results[2].abs()


def _standardize_terms(weighted, xhat, dims):
    """The terms of wg - mean(wg) - x̂·mean(wg·x̂) over dims, as magnitudes (wg = w·g)."""
    return (weighted + weighted.mean(dims, keepdim=True)
            + xhat * (weighted * xhat).mean(dims, keepdim=True))


def _group_norm_backward(func, args, kwargs):
    # grad_x = rstd (w g - mean(w g) - x̂ mean(w g x̂)) over each group, as magnitudes;
    # grad_w = Σ g x̂ and grad_b = Σ g per channel.
    grad, x, mean, rstd, weight, n, c, _, groups = args[:9]
    results = func(*args, **kwargs)
    channel_shape = [1, c] + [1] * (x.ndim - 2)
    g = grad.abs()
    weighted = g if weight is None else g * weight.abs().reshape(channel_shape)
    xhat = ((x.abs().reshape(n, groups, -1) + mean.abs().unsqueeze(-1))
            * rstd.unsqueeze(-1)).reshape(x.shape)
    terms = _standardize_terms(weighted.reshape(n, groups, -1), xhat.reshape(n, groups, -1), -1)
    magnitudes = [(terms * rstd.unsqueeze(-1)).reshape(x.shape),
                  (g * xhat).reshape(n, c, -1).sum((0, 2)), g.reshape(n, c, -1).sum((0, 2))]
    return tuple(None if r is None else m.reshape(r.shape) for r, m in zip(results, magnitudes))


def _moments(x, dims, correction):
    """The second moment about zero, divided as the variance is: what its rounding is relative to."""
    count = 1
    for d in dims:
        count *= x.shape[d]
    return (x * x).sum(dims, keepdim=True) / max(count - correction, 1) if dims else x * x


def _reduced_dims(x, dim):
    if dim is None:
        return list(range(x.ndim))
    return [dim] if isinstance(dim, int) else list(dim)


def _variance(func, args, kwargs):
    # var = sum((x - mean)^2) / (n - c): (x - mean) cancels, to within rounding of |x| and |mean|.
    x = args[0]
    dim = _argument(args, kwargs, 1, "dim")
    correction = kwargs.get("correction", 1)
    correction = 1 if correction is None else correction
    keepdim = kwargs.get("keepdim", False)
    dims = _reduced_dims(x, dim)
    second = _moments(x, dims, correction)
    packet = func._overloadpacket
    if packet in (aten.std, aten.std_mean):
        # std = sqrt(var) moves by d(var) / (2 std): the variance's rounding, magnified
        std = x.std(dims, keepdim=True, correction=correction)
        second = torch.where(std > 0, second / (2 * std), second.sqrt()) + std
    magnitudes = [second]
    if packet in (aten.var_mean, aten.std_mean):
        magnitudes.append(x.abs().mean(dims, keepdim=True))
    magnitudes = [m if keepdim or not dims else m.squeeze(dims) for m in magnitudes]
    return tuple(magnitudes) if len(magnitudes) > 1 else magnitudes[0]


def _normalised(x, dims, mean, var, eps):
    """(|x| + |mean|) / sqrt(var + eps): x - mean cancels, to within rounding of |x| and |mean|."""
    return (x.abs() + mean.abs()) * (var + eps).rsqrt()


def _with_affine(out, weight, bias, shape):
    if weight is not None:
        out = out * weight.abs().reshape(shape)
    if bias is not None:
        out = out + bias.abs().reshape(shape)
    return out


def _batch_norm(func, args, kwargs):
    # (out, mean, invstd [, reserve]); out = (x - mean) * invstd * w + b, with the batch's
    # statistics in training and the running ones otherwise.
    x, weight, bias, running_mean, running_var = args[:5]
    training = func._overloadpacket is not aten._native_batch_norm_legit_no_training and args[5]
    dims = [0] + list(range(2, x.ndim))
    shape = [1, -1] + [1] * (x.ndim - 2)
    if training:
        mean, var = x.mean(dims, keepdim=True), x.var(dims, keepdim=True, correction=0)
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = _with_affine(_normalised(x, dims, mean, var, args[-1]), weight, bias, shape)
    results = func(*args, **kwargs)
    statistics = [r.abs() for r in results[1:]]
    if training:
        statistics[0] = x.abs().mean(dims)
    return (out, *statistics)


def _layer_norm(func, args, kwargs):
    # (out, mean, rstd) over the last len(normalized_shape) dims.
    x, normalized_shape, weight, bias, eps = args[:5]
    dims = list(range(x.ndim - len(normalized_shape), x.ndim))
    mean, var = x.mean(dims, keepdim=True), x.var(dims, keepdim=True, correction=0)
    out = _with_affine(_normalised(x, dims, mean, var, eps), weight, bias, list(normalized_shape))
    results = func(*args, **kwargs)
    return out, x.abs().mean(dims, keepdim=True), results[2].abs()


def _summed(t, dims):
    """t summed over `dims`, none of them when `dims` is empty (torch's sum would reduce all)."""
    return t.sum(dims) if dims else t


def _normalisation_backward(grad, x, dims, parameter_dims, mean, invstd, weight, shape, results,
                            training=True):
    """grad_x = invstd * (wg - mean(wg) - xhat * mean(wg * xhat)) with wg = w * g (training;
    invstd * wg with running statistics), its terms added as magnitudes, xhat's rounding
    relative to (|x| + |mean|) * invstd; the weight's gradient sum(g * xhat) and the bias's
    sum(g) over the other dims likewise. w multiplies g before the means: layer_norm's weight
    varies along the normalised dims, so the mean of w * g can be large where w is 0."""
    g = grad.abs()
    weighted = g if weight is None else g * weight.abs().reshape(shape)
    xhat = (x.abs() + mean.abs()) * invstd
    terms = weighted
    if training:
        terms = _standardize_terms(weighted, xhat, dims)
    magnitudes = [terms * invstd, _summed(g * xhat, parameter_dims), _summed(g, parameter_dims)]
    return tuple(None if r is None else m.reshape(r.shape) for r, m in zip(results, magnitudes))


def _batch_norm_backward(func, args, kwargs):
    # (grad_out, input, weight, running_mean, running_var, save_mean, save_invstd, train, eps, mask)
    results = func(*args, **kwargs)
    grad, x, weight, running_mean, running_var, mean, invstd, training, eps = args[:9]
    shape = [1, -1] + [1] * (x.ndim - 2)
    if not training:
        mean, invstd = running_mean, (running_var + eps).rsqrt()
    dims = [0] + list(range(2, x.ndim))
    return _normalisation_backward(grad, x, dims, dims, mean.reshape(shape), invstd.reshape(shape),
                                   weight, shape, results, training)


def _layer_norm_backward(func, args, kwargs):
    # (grad_out, input, normalized_shape, mean, rstd, weight, bias, mask)
    results = func(*args, **kwargs)
    grad, x, normalized_shape, mean, rstd, weight = args[:6]
    dims = list(range(x.ndim - len(normalized_shape), x.ndim))
    leading = list(range(x.ndim - len(normalized_shape)))
    return _normalisation_backward(grad, x, dims, leading, mean, rstd, weight,
                                   list(normalized_shape), results)


_TANH_GELU = (2 / np.pi) ** 0.5, 0.044715


def _gelu_parts(x, approximate):
    """(|1 + Φ-part| as rounded: 1 + |erf| or 1 + |tanh|, the derivative's second term's size)."""
    if approximate == "tanh":
        c, k = _TANH_GELU
        t = torch.tanh(c * (x + k * x ** 3))
        return 1 + t.abs(), 0.5 * x.abs() * (1 + t * t) * c * (1 + 3 * k * x * x)
    return 1 + torch.erf(x * 0.5 ** 0.5).abs(), x.abs() * torch.exp(-x * x / 2) / (2 * np.pi) ** 0.5


def _gelu(func, args, kwargs):
    # ½x(1 + erf(x/√2)) (or 1 + tanh(...)): for x << 0 the 1 + erf cancels.
    x = args[0]
    one_plus, _ = _gelu_parts(x, _argument(args, kwargs, 1, "approximate", "none"))
    return 0.5 * x.abs() * one_plus


def _gelu_backward(func, args, kwargs):
    # g·(½(1 + erf) + x·φ(x)), the tanh form likewise: both the 1 + erf and the sum cancel.
    grad, x = args[0], args[1]
    one_plus, second = _gelu_parts(x, _argument(args, kwargs, 2, "approximate", "none"))
    return grad.abs() * (0.5 * one_plus + second)


# Ops whose result adds terms, mapped to how to compute the magnitude m of their outputs.
_magnitude = {
    **dict.fromkeys([
        aten.sum, aten.mean, aten.nansum, aten.cumsum, aten.mm, aten.bmm, aten.addmm, aten.addmv,
        aten.mv, aten.dot, aten.vdot, aten.baddbmm, aten.addbmm, aten.addr, aten.matmul,
        aten.convolution, aten.convolution_backward, aten._convolution,
        aten.embedding_dense_backward, aten.index_add, aten.scatter_add, aten.scatter_reduce,
        aten.index_put, aten._index_put_impl_, aten.avg_pool1d, aten.avg_pool2d,
        aten.avg_pool2d_backward, aten.avg_pool3d, aten.avg_pool3d_backward,
        aten._adaptive_avg_pool2d, aten._adaptive_avg_pool2d_backward,
        aten.max_pool2d_with_indices_backward, aten.max_pool3d_with_indices_backward,
        aten.nll_loss_forward, aten.nll_loss2d_forward, aten.mse_loss, aten.l1_loss,
        aten.smooth_l1_loss, aten.huber_loss, aten.binary_cross_entropy,
        aten.binary_cross_entropy_backward, aten.binary_cross_entropy_with_logits,
        aten.soft_margin_loss, aten.kl_div, aten.einsum, aten.tensordot, aten.linear,
        aten.upsample_nearest2d_backward, aten.upsample_bilinear2d,
        aten.upsample_bilinear2d_backward, aten.col2im, aten.im2col, aten.trace,
        aten.mse_loss_backward,
        aten._cdist_forward, aten._cdist_backward, aten.cosine_similarity,
    ], _on_absolute_values),
    aten.gelu: _gelu,
    aten.gelu_backward: _gelu_backward,
    aten.linalg_vector_norm: _vector_norm,
    aten.norm: _vector_norm,
    aten.native_group_norm: _group_norm,
    aten.native_group_norm_backward: _group_norm_backward,
    aten._log_softmax: _log_softmax,
    aten._softmax: _softmax,
    aten.logsumexp: _logsumexp,
    aten._softmax_backward_data: _softmax_backward,
    aten._log_softmax_backward_data: _log_softmax_backward,
    aten.var: _variance, aten.std: _variance, aten.var_mean: _variance, aten.std_mean: _variance,
    aten.native_batch_norm: _batch_norm,
    aten._native_batch_norm_legit: _batch_norm,
    aten._native_batch_norm_legit_no_training: _batch_norm,
    aten.native_layer_norm: _layer_norm,
    aten.native_batch_norm_backward: _batch_norm_backward,
    aten.native_layer_norm_backward: _layer_norm_backward,
}


# ---------------------------------------------------------------------------
# moving every value by about one float32 rounding
# ---------------------------------------------------------------------------


def _unit_hash(values, k):
    """A number in [-1, 1) for every element: a hash of its float64 bits and of k (splitmix64)."""
    bits = (values.astype(np.float64) + 0.0).view(np.uint64)  # + 0.0: -0.0 hashes as 0.0
    with np.errstate(over="ignore"):
        z = bits + np.uint64((0x9E3779B97F4A7C15 * k) % 2 ** 64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -52 - 1.0


def _moved(value, magnitude, k):
    """`value` moved by r * max(eps32 * magnitude, 2**-126) where magnitude > 0 (a new tensor)."""
    if not _perturbable(value) or magnitude is None:
        return value
    array = value.detach().contiguous().numpy()
    magnitude = np.abs(magnitude.detach().contiguous().numpy())
    size = np.where(magnitude > 0, np.maximum(magnitude * EPS32, SMALLEST_NORMAL32), 0.0)
    size = np.broadcast_to(size, array.shape)
    step = torch.from_numpy(np.asarray(_unit_hash(array, k) * size))
    return value + step


def _perturbable(value):
    return (isinstance(value, torch.Tensor) and value.dtype == torch.float64 and not value.is_sparse
            and value.device.type == "cpu" and not value._is_zerotensor() and value.numel() > 0)


def _map_tensors(function, value):
    if isinstance(value, torch.Tensor):
        return function(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(function, v) for v in value)
    return value


def _any_floating(result):
    if isinstance(result, torch.Tensor):
        return result.is_floating_point()
    if isinstance(result, (list, tuple)):
        return any(_any_floating(r) for r in result)
    return False


def _tensors(value):
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _tensors(v)]
    return []


class RoundingPerturbation(TorchDispatchMode):
    """Every aten op run inside sees its inputs moved by about one float32 rounding, and its
    outputs are moved likewise by their magnitude (see the module docstring).

    Beside every moved tensor it keeps the unmoved one (its shadow, computed from the
    shadows of the op's inputs), and discrete answers (comparisons, conversions to
    integers, counts: ops without a floating output) are taken on the shadows: the rows
    draw inputs away from where such answers flip, and a value that float32 computes
    exactly (x * 2 before .long()) must not flip because it was moved.
    """

    def __init__(self, k):
        super().__init__()
        self.k = k
        self.shadows = {}  # id(moved tensor) -> (moved tensor, its shadow)

    def _shadow(self, value):
        return self.shadows.get(id(value), (None, value))[1]

    def _link(self, moved, shadow):
        for m, e in zip(_tensors(moved), _tensors(shadow)):
            if m is not e:
                self.shadows[id(m)] = (m, e)

    def _move(self, value, magnitude=None):
        return _moved(value, value if magnitude is None else magnitude, self.k)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        shadow_args = _map_tensors(self._shadow, args)
        shadow_kwargs = {key: _map_tensors(self._shadow, v) for key, v in kwargs.items()}
        shadowed = any(id(t) in self.shadows for t in _tensors((args, kwargs)))
        schema = func._schema
        if any(r.alias_info is not None for r in schema.returns) or not schema.returns:
            # Views and in-place ops: an alias must stay an alias. A view rounds nothing; an
            # in-place op's result is moved in place (its shadow kept apart first).
            shadow = func(*shadow_args, **shadow_kwargs) if shadowed else None
            result = func(*args, **kwargs)
            if schema.is_mutable and isinstance(result, torch.Tensor) and _perturbable(result):
                if shadow is None:
                    shadow = result.clone()
                with torch.no_grad():
                    result.copy_(self._move(result))
            if shadow is not None:
                self._link(result, shadow)
            return result
        shadow = func(*shadow_args, **shadow_kwargs)
        if not _any_floating(shadow):
            return shadow
        args = _map_tensors(self._move, args)
        kwargs = {key: _map_tensors(self._move, v) for key, v in kwargs.items()}
        result = func(*args, **kwargs)
        how = _magnitude.get(func._overloadpacket)
        if how is None:
            result = _map_tensors(self._move, result)
        else:
            magnitude = how(func, args, kwargs)
            if isinstance(result, torch.Tensor):
                magnitude = magnitude[0] if isinstance(magnitude, (tuple, list)) else magnitude
                result = self._move(result, magnitude)
            else:
                result = type(result)(self._move(r, m) for r, m in zip(result, magnitude))
        self._link(result, shadow)
        return result


# ---------------------------------------------------------------------------
# the judgement
# ---------------------------------------------------------------------------


def exact_and_scale(compute):
    """`compute()` (a float64 torch computation returning a list of tensors or None) run plainly:
    one ExactAnswer per result, whose S comes from the four perturbed runs when first asked for."""
    return ExactAnswer.all_of(compute)


class ExactAnswer:
    """One result of a float64 computation: the exact answer, and its scale S.

    The four perturbed runs cost four plain ones, and most float32 results are within
    FACTOR eps32 |exact| of the exact answer, which S >= |exact| accepts without them
    (`within_rounding_of_exact`). So S is computed the first time a result asks for it,
    for all results of the computation at once. No result (torch gives no gradient) counts
    as zeros, as in the tests.
    """

    def __init__(self, shared, index):
        self._shared, self._index = shared, index

    @classmethod
    def all_of(cls, compute):
        exact = _run(compute)
        shared = {"compute": compute, "exact": exact, "scales": None}
        return [cls(shared, i) for i in range(len(exact))]

    def exact(self, shape):
        value = self._shared["exact"][self._index]
        return np.zeros(shape) if value is None else value

    def scale(self, shape):
        if self._shared["scales"] is None:
            self._shared["scales"] = _scales(self._shared["compute"], self._shared["exact"])
        value = self._shared["scales"][self._index]
        return np.zeros(shape) if value is None else value


def _run(compute):
    return [None if t is None else t.detach().numpy(force=True).astype(np.float64)
            for t in compute()]


def _scales(compute, exact):
    """S per result: max(|exact|, the largest change of the four perturbed runs / eps32).
    A result the plain run did not give but a perturbed one did becomes zeros in `exact`."""
    scales = [None if e is None else np.abs(e) for e in exact]
    for k in range(1, PERTURBATIONS + 1):
        with RoundingPerturbation(k):
            moved = _run(compute)
        for i, (e, m) in enumerate(zip(exact, moved)):
            # Under a dispatch mode torch may pick another, equivalent backward formula, one
            # that leaves no graph: no gradient there counts as zeros too.
            if e is None and m is None:
                continue
            if e is None:
                e = exact[i] = np.zeros_like(m)
                scales[i] = np.zeros_like(m)
            if m is None:
                m = np.zeros_like(e)
            with np.errstate(invalid="ignore"):
                change = np.abs(m - e) / EPS32
            # A perturbation that makes a finite answer inf or nan: as ill-conditioned as it gets.
            change = np.where(np.isfinite(e) & ~np.isfinite(change), np.inf, change)
            scales[i] = np.fmax(scales[i], change)
    return scales


def within_rounding_of_exact(actual, exact):
    """Accepted by the rule without S: every element within FACTOR eps32 |exact| (S >= |exact|)."""
    return not (errors_in_rounding_units(actual, exact, np.abs(exact)) > FACTOR).any()


def errors_in_rounding_units(actual, exact, scale):
    """|actual - exact| / (eps32 * S) per element (0 where both are the same inf or nan)."""
    actual = np.asarray(actual, dtype=np.float64)
    same = (actual == exact) | (np.isnan(actual) & np.isnan(exact))
    with np.errstate(invalid="ignore", divide="ignore"):
        units = np.abs(actual - exact) / (EPS32 * scale)
    units = np.where(same, 0.0, units)
    return np.where(np.isnan(units), np.inf, units)


def assert_within_rounding(actual, exact, scale, where):
    """The float32 rule: every element within FACTOR * eps32 * S of the exact answer."""
    units = errors_in_rounding_units(actual, exact, scale)
    bad = units > FACTOR
    if bad.any():
        i = np.unravel_index(np.argmax(np.where(bad, units, -1.0)), units.shape) if units.ndim else ()
        raise AssertionError(
            f"{where}: {int(bad.sum())} of {units.size} elements beyond {FACTOR} eps32 * S of the "
            f"exact answer; worst at {tuple(int(j) for j in i)}: minigrad {np.asarray(actual)[i]!r}, "
            f"exact {exact[i]!r}, S {scale[i]!r}, error {units[i]:.3g} eps32 * S")
