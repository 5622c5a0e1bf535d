"""Losses: cross-entropy (fused with log-softmax), negative log-likelihood, mean squared
error, binary cross-entropy (on probabilities and on logits).

Every loss takes `reduction`: 'none' keeps one loss per element (per sample
for the class losses), 'sum' adds them up, 'mean' averages them (weighted
where PyTorch weights the average). The numerics are PyTorch's: the same
clamps, the same stable formulas, the same weighted means.

Cross-entropy is one op rather than log_softmax followed by nll_loss: the
training loop calls it on every step, and fused its gradient is simply
softmax(z) - onehot(t), with no NaN even for logits of 1e4. That gradient is
one op as well, which reuses the forward's softmax.
"""
import warnings

from ..autograd.function import Function
from ..tensor import wrap_array
from .activations import softplus
from .elementwise import broadcast_error

REDUCTIONS = ("none", "mean", "sum")


class SoftmaxCrossEntropy(Function):
    """ℓᵢ = -Σ_c q_ic · log softmax(zᵢ)_c: logits z (M, C) against target distributions q (M, C),
    one loss per row, or their sum when `reduce`.

        dℓᵢ/dzᵢ = sᵢ·softmax(zᵢ) - qᵢ,   sᵢ = Σ_c q_ic     (softmax - onehot for a one-hot row)
        dℓᵢ/dqᵢ = -log softmax(zᵢ)

    Class weights, label smoothing, ignored targets and the mean's divisor are
    all folded into q by `cross_entropy`, so this one op serves every case.
    """

    @staticmethod
    def forward(ctx, logits, q, reduce):
        xp, z = logits.xp, logits.array
        shifted = z - z.max(axis=1, keepdims=True)  # exp never sees a positive number
        exp = xp.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        log_probs = shifted - xp.log(sum_exp)
        ctx.save_for_backward(logits, q)
        ctx.reduce = reduce
        ctx.probabilities = exp / sum_exp
        losses = -(q.array * log_probs).sum(axis=1)
        return losses.sum() if reduce else losses

    @staticmethod
    def backward(ctx, grad):
        logits, q = ctx.saved_tensors
        if not ctx.reduce:
            grad = grad.unsqueeze(1)
        grad_logits = grad_q = None
        if ctx.needs_input_grad[0]:
            grad_logits = SoftmaxCrossEntropyGrad.apply(grad, logits, q, ctx.probabilities)
        if ctx.needs_input_grad[1]:
            grad_q = -grad * logits.log_softmax(1)
        return grad_logits, grad_q, None


class SoftmaxCrossEntropyGrad(Function):
    """d = g·(s·p - q), the logits' gradient of SoftmaxCrossEntropy: p = softmax(z) and
    s = Σ_c q_c by rows, g the incoming gradient (a scalar, or one per row).

    An op of its own, so that the loss's backward is one step that reuses the
    forward's softmax p; its own derivatives, for second order, with H = dL/dd:

        dL/dg = Σ_c H_c·(s·p_c - q_c)
        dL/dz = g·s·p·(H - Σ_c H_c·p_c)
        dL/dq_c = g·(Σ_k H_k·p_k - H_c)
    """

    @staticmethod
    def forward(ctx, grad, logits, q, probabilities):
        ctx.save_for_backward(grad, logits, q)
        q_total = q.array.sum(axis=1, keepdims=True)
        return grad.array * (probabilities * q_total - q.array)

    @staticmethod
    def backward(ctx, h):
        grad, logits, q = ctx.saved_tensors
        p, s = logits.softmax(1), q.sum(1, keepdim=True)
        h_dot_p = (h * p).sum(1, keepdim=True)
        d_grad = d_logits = d_q = None
        if ctx.needs_input_grad[0]:
            d_grad = (h * (p * s - q)).sum(1, keepdim=True)
        if ctx.needs_input_grad[1]:
            d_logits = grad * s * p * (h - h_dot_p)
        if ctx.needs_input_grad[2]:
            d_q = grad * (h_dot_p - h)
        return d_grad, d_logits, d_q, None


class BinaryCrossEntropy(Function):
    """ℓ = -(t·log x + (1 - t)·log(1 - x)), each log clamped at -100 as in PyTorch.

        dℓ/dx = (x - t) / max(x(1 - x), 1e-12)      dℓ/dt = log(1 - x) - log x
    """

    @staticmethod
    def forward(ctx, x, t):
        xp, a = x.xp, x.array
        ctx.save_for_backward(x, t)
        # log(0) would warn; the log of the tiniest positive number is below -100 already.
        tiniest = xp.finfo(a.dtype).smallest_subnormal
        log_x = xp.maximum(xp.log(xp.maximum(a, tiniest)), -100)
        log_not_x = xp.maximum(xp.log(xp.maximum(1 - a, tiniest)), -100)
        return -(t.array * log_x + (1 - t.array) * log_not_x)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            grad_x = grad * (x - t) / (x * (1 - x)).clamp(min=1e-12)
        if ctx.needs_input_grad[1]:
            grad_t = grad * ((1 - x).log() - x.log())
        return grad_x, grad_t


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = -(p·t·log σ(x) + (1 - t)·log(1 - σ(x))), p the positive class's weight (1 by default).

    Computed stably as  ℓ = (1 - t)·x + L·log(1 + e^-x),  L = 1 + (p - 1)·t  (PyTorch's log_weight):

        dℓ/dx = L·σ(x) - p·t        dℓ/dt = (p - 1)·log(1 + e^-x) - x
    """

    @staticmethod
    def forward(ctx, x, t, pos_weight):
        xp, a = x.xp, x.array
        ctx.save_for_backward(x, t, pos_weight)
        # log(1 + e^-x) = max(-x, 0) + log(1 + e^-|x|): finite for any x.
        log1p_exp = xp.maximum(-a, 0) + xp.log1p(xp.exp(-xp.abs(a)))
        log_weight = 1 if pos_weight is None else 1 + (pos_weight.array - 1) * t.array
        return (1 - t.array) * a + log_weight * log1p_exp

    @staticmethod
    def backward(ctx, grad):
        x, t, pos_weight = ctx.saved_tensors
        grad_x = grad_t = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = grad * (x.sigmoid() - t)
            else:
                grad_x = grad * ((1 + (pos_weight - 1) * t) * x.sigmoid() - pos_weight * t)
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_t = -grad * x
            else:
                # threshold=inf: the exact log(1 + e^z), which softplus computes stably for any z.
                grad_t = grad * ((pos_weight - 1) * softplus(-x, threshold=float("inf")) - x)
        return grad_x, grad_t, None


# ---------------------------------------------------------------------------
# functional forms: targets, weights, reductions and their checks
# ---------------------------------------------------------------------------


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction (expected one of "
                         f"{', '.join(REDUCTIONS)})")


def legacy_reduction(size_average, reduce, reduction):
    """The reduction that PyTorch's deprecated `size_average` and `reduce` ask for when either is
    given (with PyTorch's warning): 'none' for reduce=False, else 'mean' unless
    size_average=False; `reduction` itself when both are None."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    chosen = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{chosen}' instead.", stacklevel=3)
    return chosen


def _reduce(loss, reduction):
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    return loss


def _rows(x):
    """x (C,), (N, C) or (N, C, d1, ...) as rows (M, C): the class axis last, the rest flattened."""
    if x.ndim == 2:
        return x
    if x.ndim == 1:
        return x.reshape(1, -1)
    if x.ndim > 2:
        x = x.permute(0, *range(2, x.ndim), 1)
    return x.reshape(-1, x.array.shape[-1])


def _class_index_shape(input_shape):
    """The shape class-index targets must have: the input's without its class axis."""
    return () if len(input_shape) == 1 else (input_shape[0],) + tuple(input_shape[2:])


def _check_class_weight(op, weight, num_classes, dtype):
    if weight is None:
        return None
    if tuple(weight.shape) != (num_classes,):
        raise RuntimeError(f"{op}: weight tensor should be defined either for all {num_classes} "
                           f"classes or no classes but got weight tensor of shape "
                           f"{tuple(weight.shape)}")
    return weight.array.astype(dtype, copy=False)


def _index_target_distribution(op, target, num_classes, weight, ignore_index, label_smoothing,
                               reduction, dtype):
    """The q (M, C) that makes SoftmaxCrossEntropy equal PyTorch's loss for class-index targets.

    Row i puts (1 - ε)·w[tᵢ] on its class tᵢ and ε·w[c]/C on every class c
    (ε the label smoothing, w the class weights, 1 without), and is all zero
    where tᵢ = ignore_index. For reduction='mean' all of it is divided by
    Σ w[tᵢ] over the kept rows (their number, without weights), as PyTorch does.
    Also says whether that is a mean over no target at all.
    """
    if target.array.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected class-index targets of an integer dtype, got "
                           f"{target.dtype}")
    xp, labels = target.xp, target.array.reshape(-1)
    kept = labels != ignore_index
    kept_labels = labels[kept]
    if kept_labels.size:
        low, high = int(kept_labels.min()), int(kept_labels.max())
        if low < 0 or high >= num_classes:
            raise IndexError(f"{op}: target {low if low < 0 else high} is out of bounds: class "
                             f"indices must lie in [0, {num_classes - 1}] for {num_classes} "
                             f"classes (or equal ignore_index={ignore_index})")
    if weight is None:
        label_weight = 1
        divisor = kept_labels.size if reduction == "mean" else 1
    else:
        label_weight = weight[kept_labels]
        divisor = label_weight.sum() if reduction == "mean" else 1
    if divisor == 0:
        # A mean over targets of no weight is 0/0, NaN as in PyTorch: in the rows of targets
        # whose weights are all zero, and (see the callers) in a loss that kept no target.
        divisor = float("nan")

    q = xp.zeros((labels.size, num_classes), dtype)
    q[xp.arange(labels.size)[kept], kept_labels] = (1 - label_smoothing) * label_weight / divisor
    if label_smoothing:
        class_weight = xp.ones(num_classes, dtype) if weight is None else weight
        q[kept] += (label_smoothing / num_classes / divisor) * class_weight
    return wrap_array(q), reduction == "mean" and kept_labels.size == 0


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits against class indices or class probabilities, as
    torch.nn.functional.cross_entropy; log_softmax and the loss fused in one op.

    input is (C,), (N, C) or (N, C, d1, ...); target holds class indices of
    the input's shape without the class axis, or probabilities of the input's
    own shape.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.ndim == 0:
        raise RuntimeError("cross_entropy: expected input of shape (C,), (N, C) or "
                           "(N, C, d1, ...), got a 0-d tensor")
    num_classes = input.array.shape[0 if input.ndim == 1 else 1]
    sample_shape = _class_index_shape(input.array.shape)
    dtype = input.array.dtype
    class_weight = _check_class_weight("cross_entropy", weight, num_classes, dtype)
    logits = _rows(input)
    mean_of_nothing = False

    if target.array.shape == input.array.shape:
        if not target.is_floating_point():
            raise RuntimeError(f"cross_entropy: a target of the input's shape {tuple(input.shape)} "
                               f"holds class probabilities and must be floating point, got "
                               f"{target.dtype}")
        q = _rows(target).to(dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / num_classes
        if class_weight is not None:
            q = q * wrap_array(class_weight)
        if reduction == "mean":
            q = q / logits.array.shape[0]
    elif target.array.shape == sample_shape:
        q, mean_of_nothing = _index_target_distribution("cross_entropy", target, num_classes,
                                                        class_weight, ignore_index,
                                                        label_smoothing, reduction, dtype)
    else:
        raise RuntimeError(f"cross_entropy: for input of shape {tuple(input.shape)} expected a "
                           f"target of shape {sample_shape} (class indices) or "
                           f"{tuple(input.shape)} (class probabilities), got {tuple(target.shape)}")
    if reduction == "none":
        return SoftmaxCrossEntropy.apply(logits, q, False).reshape(sample_shape)
    return _nan_if(mean_of_nothing, SoftmaxCrossEntropy.apply(logits, q, True))


def _nan_if(mean_of_nothing, loss):
    """PyTorch's mean over no target (all of them ignore_index) is 0/0: NaN, with zero gradients."""
    return loss + float("nan") if mean_of_nothing else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities against class indices, as
    torch.nn.functional.nll_loss:  ℓᵢ = -w[tᵢ]·input[i, tᵢ]  (0 where tᵢ = ignore_index),
    averaged with weights Σ w[tᵢ] for reduction='mean'.   dℓᵢ/d input[i, c] = -w[tᵢ]·[c = tᵢ]
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.ndim == 0:
        raise RuntimeError("nll_loss: expected input of shape (C,), (N, C) or (N, C, d1, ...), "
                           "got a 0-d tensor")
    num_classes = input.array.shape[0 if input.ndim == 1 else 1]
    expected = _class_index_shape(input.array.shape)
    if target.array.shape != expected:
        raise RuntimeError(f"nll_loss: for input of shape {tuple(input.shape)} expected a target "
                           f"of shape {expected}, got {tuple(target.shape)}")
    dtype = input.array.dtype
    class_weight = _check_class_weight("nll_loss", weight, num_classes, dtype)
    q, mean_of_nothing = _index_target_distribution("nll_loss", target, num_classes, class_weight,
                                                    ignore_index, 0.0, reduction, dtype)
    picked = _rows(input) * q
    if reduction == "none":
        return -picked.sum(1).reshape(expected)
    return _nan_if(mean_of_nothing, -picked.sum())


def warn_if_broadcast(op, input, target):
    """PyTorch's warning for regression losses whose target's shape differs from the input's
    (they broadcast, which is rarely what was meant)."""
    if input.array.shape != target.array.shape:
        warnings.warn(f"{op}: target of shape {tuple(target.shape)} differs from input of "
                      f"shape {tuple(input.shape)}. This will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.", stacklevel=3)


def weighted_reduce(loss, weight, input, reduction, mean_over_weights=True):
    """The pointwise `loss` times a `weight` of the input's own shape (PyTorch refuses any
    other), reduced; the mean divides by Σ weight (or, `mean_over_weights` False, by the
    element count, as huber_loss does)."""
    if weight is None:
        return _reduce(loss, reduction)
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError(f"Weights and input must have the same size: weight of shape "
                         f"{tuple(weight.shape)}, input of shape {tuple(input.shape)}.")
    weighted = loss * weight
    if reduction == "mean" and mean_over_weights:
        return weighted.sum() / weight.sum()
    return _reduce(weighted, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error w·(x - t)², as torch.nn.functional.mse_loss.   dℓ/dx = 2w(x - t)

    Shapes that differ broadcast, with PyTorch's warning. With `weight`, the
    mean is Σ w·(x - t)² / Σ w.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    warn_if_broadcast("mse_loss", input, target)
    difference = input - target
    return weighted_reduce(difference * difference, weight, input, reduction)


def _binary_weight(weight, input):
    """A weight (or pos_weight) that broadcasts to the input's shape, in the input's dtype;
    one that does not, or that would grow the loss's shape, is refused as PyTorch refuses it,
    naming both shapes."""
    if weight is None:
        return None
    shape, weight_shape = tuple(input.shape), tuple(weight.shape)
    error = broadcast_error(shape, weight_shape)
    if error is not None:
        raise error
    if len(weight_shape) > len(shape):
        grown = weight_shape[:len(weight_shape) - len(shape)] + shape
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape "
                           f"{list(grown)}")
    return weight.to(input.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross-entropy of probabilities, as torch.nn.functional.binary_cross_entropy:
    ℓ = -w·(t·log x + (1 - t)·log(1 - x)), each log clamped at -100 (see BinaryCrossEntropy).

    `weight` broadcasts to the input's shape (a weight per class, per sample, ...).
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.array.shape != target.array.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    weight = _binary_weight(weight, input)
    for name, values in (("input", input.array), ("target", target.array)):
        # Written as "not inside" so that a NaN is refused too, as in PyTorch.
        if values.size and not bool(((values >= 0) & (values <= 1)).all()):
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target.to(input.dtype))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of logits, sigmoid fused in, as
    torch.nn.functional.binary_cross_entropy_with_logits (see BinaryCrossEntropyWithLogits).

    pos_weight weighs the positive term, broadcasting along the last (class) axis.
    """
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input.array.shape != target.array.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    pos_weight, weight = _binary_weight(pos_weight, input), _binary_weight(weight, input)
    loss = BinaryCrossEntropyWithLogits.apply(input, target.to(input.dtype), pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)
