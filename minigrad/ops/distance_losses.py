"""Regression, divergence, ranking and similarity losses, composed from differentiable ops (so
their first and second derivatives come from the parts):

    l1_loss          |x - t|
    smooth_l1_loss   ½d²/β where d = |x - t| < β, else d - ½β
    huber_loss       ½d² where d < δ, else δ·(d - ½δ)
    kl_div           t·(log t - x)  (x holds log-probabilities; 0 where t = 0),
                     or e^t·(t - x) with log_target=True
    margin_ranking   max(0, -y·(x₁ - x₂) + margin)
    cosine_embedding 1 - cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) - margin) where y = -1

and the similarities they use: cosine_similarity, pairwise_distance, normalize.
"""
import warnings

from ..tensor import wrap_array
from .elementwise import where
from .losses import _check_reduction, _reduce, legacy_reduction, warn_if_broadcast, weighted_reduce


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """w·|x - t|; with `weight`, the mean is Σ w·|x - t| / Σ w. Shapes that differ broadcast,
    with PyTorch's warning."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    warn_if_broadcast("l1_loss", input, target)
    return weighted_reduce((input - target).abs(), weight, input, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    warn_if_broadcast("smooth_l1_loss", input, target)
    distance = (input - target).abs()
    if beta == 0:
        return _reduce(distance, reduction)
    near = wrap_array(distance.array < beta)
    return _reduce(where(near, distance * distance * (0.5 / beta), distance - 0.5 * beta),
                   reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """With `weight`, w times the pointwise loss, whose mean is over the elements (not Σ w),
    as in PyTorch."""
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    warn_if_broadcast("huber_loss", input, target)
    distance = (input - target).abs()
    near = wrap_array(distance.array < delta)
    pointwise = where(near, distance * distance * 0.5, (distance - 0.5 * delta) * delta)
    return weighted_reduce(pointwise, weight, input, reduction, mean_over_weights=False)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """KL(t ‖ e^x) pointwise, x log-probabilities; reduction 'batchmean' divides the sum by
    the batch size (the KL divergence proper), 'mean' by the element count (with PyTorch's
    warning that this is not the divergence)."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        # t·log t is 0 at t = 0 and, as in PyTorch, NaN for a (meaningless) negative t.
        positive = wrap_array(target.array > 0)
        safe_log = where(positive, target, 1.0).log()
        values = target.array
        undefined = wrap_array(target.xp.where(values == 0, 0.0, float("nan")).astype(values.dtype))
        pointwise = where(positive, target * safe_log, undefined) - target * input
    if reduction == "batchmean":
        return pointwise.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(pointwise, reduction)


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                        reduction="mean"):
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not input1.ndim == input2.ndim == target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {tuple(input1.shape)}, input2: "
                           f"{tuple(input2.shape)}, target: {tuple(target.shape)} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Σ x₁x₂ / (max(‖x₁‖, eps)·max(‖x₂‖, eps)) along dim, as torch.nn.functional
    .cosine_similarity (each vector normalised before the product)."""
    norm1 = x1.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    norm2 = x2.norm(2, dim=dim, keepdim=True).clamp(min=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """‖x₁ - x₂ + eps‖_p over the last dim, as torch.nn.functional.pairwise_distance."""
    return (x1 - x2 + eps).norm(p, dim=-1, keepdim=keepdim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(‖x‖_p, eps) along dim, as torch.nn.functional.normalize."""
    return input / input.norm(p, dim=dim, keepdim=True).clamp(min=eps)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None,
                          reduction="mean"):
    """1 - cos where y = 1, max(0, cos - margin) where y = -1; cos along the last dim, with
    PyTorch's 1e-12 added to each squared norm. A 1-d target pairs with (N, D) inputs, a 0-d
    one with (D,) inputs."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input1.ndim != target.ndim + 1 or input2.ndim != target.ndim + 1:
        raise RuntimeError(f"{target.ndim}D target tensor expects {target.ndim + 1}D input "
                           f"tensors, but found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    dot = (input1 * input2).sum(-1)
    squares = ((input1 * input1).sum(-1) + 1e-12) * ((input2 * input2).sum(-1) + 1e-12)
    cosine = dot / squares.sqrt()
    positive = wrap_array(target.array == 1)
    negative = wrap_array(target.array == -1)
    loss = where(positive, 1 - cosine, 0.0) + where(negative, (cosine - margin).clamp(min=0),
                                                     0.0)
    return _reduce(loss, reduction)


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) as one-hot vectors along a new last dim, as
    torch.nn.functional.one_hot; num_classes=-1 takes the largest index + 1."""
    if tensor.array.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = tensor.xp
    if num_classes == -1:
        num_classes = int(tensor.array.max()) + 1 if tensor.numel() else 0
    if tensor.numel() and (tensor.array.min() < 0 or tensor.array.max() >= num_classes):
        raise RuntimeError("Class values must be smaller than num_classes." if tensor.array.max()
                           >= num_classes else "Class values must be non-negative.")
    return wrap_array((tensor.array[..., None] == xp.arange(num_classes)).astype("int64"))
