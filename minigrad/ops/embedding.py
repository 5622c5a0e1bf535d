"""Embedding: looking up rows of a table by integer index, as torch.nn.functional.embedding.

    y[p] = W[indices[p]]        dL/dW[k] = Σ over positions p with indices[p] = k of g[p]

The gradient of a row is zero for `padding_idx` (that row is never learned),
and divided by how often its index occurs in the batch with
`scale_grad_by_freq`. The backward is IndexAdd, itself an op, so second
derivatives come free.
"""
from ..autograd import no_grad
from ..autograd.function import Function
from ..tensor import wrap_array
from .shape import IndexAdd


class Embedding(Function):
    """y = W[indices].   dL/dW = scatter-add of g by index (zero at padding_idx, divided by each
    index's count with scale_grad_by_freq)"""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        ctx.weight_shape, ctx.indices = weight.shape, indices
        ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
        return weight.array[indices]

    @staticmethod
    def backward(ctx, grad):
        indices, xp = ctx.indices, grad.xp
        if ctx.padding_idx is not None or ctx.scale_grad_by_freq:
            factor = xp.ones(indices.shape, dtype=grad.array.dtype)
            if ctx.scale_grad_by_freq:
                counts = xp.bincount(indices.reshape(-1), minlength=ctx.weight_shape[0])
                factor = factor / counts[indices]
            if ctx.padding_idx is not None:
                factor = factor * (indices != ctx.padding_idx)
            grad = grad * wrap_array(factor.astype(grad.array.dtype)[..., None])
        return IndexAdd.apply(grad, ctx.weight_shape, indices), None, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of `weight` (num_embeddings, embedding_dim) picked by the integer tensor `input`:
    shape input.shape + (embedding_dim,).

    padding_idx          a row whose gradient stays zero (negative counts from the end)
    max_norm             rows about to be looked up whose norm_type-norm exceeds it are first
                         rescaled in place to norm max_norm (as torch.embedding_renorm_)
    scale_grad_by_freq   divide each row's gradient by its index's count in `input`
    sparse               accepted for PyTorch code; the gradient is dense (same values)
    """
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {input.dtype} instead (while checking arguments for "
            "embedding)")
    if weight.ndim != 2:
        raise RuntimeError(f"'weight' must be 2-D, got shape {tuple(weight.shape)}")
    count = weight.shape[0]
    if padding_idx is not None:
        if not -count <= padding_idx < count:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= count
    indices = weight.xp.asarray(input.array)
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= count):
        raise IndexError(f"index out of range in self (indices must be in [0, {count}) for "
                         f"weight of shape {tuple(weight.shape)})")
    if max_norm is not None:
        _renormalise_rows(weight, indices, float(max_norm), float(norm_type))
    return Embedding.apply(weight, indices, padding_idx, scale_grad_by_freq)


def _renormalise_rows(weight, indices, max_norm, norm_type):
    """Scale each looked-up row whose norm exceeds max_norm to max_norm / (norm + 1e-7) times
    itself, in place and unrecorded, as torch.embedding_renorm_ does."""
    xp = weight.xp
    rows = xp.unique(indices.reshape(-1))
    selected = weight.array[rows]
    magnitudes = xp.abs(selected)
    if norm_type == float("inf"):
        norms = magnitudes.max(axis=1)
    else:
        norms = (magnitudes ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(selected.dtype)
    with no_grad():
        weight[rows] = selected * scale[:, None]
