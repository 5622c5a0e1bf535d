"""Matrix products under their BLAS names: mm, bmm, mv, dot, outer, addmm.

mm, bmm, mv and dot are `matmul` with the shapes each name promises checked
first; outer and addmm are composed from it. Their gradients are matmul's:

    d(A·B)/dA = grad·Bᵀ,   d(A·B)/dB = Aᵀ·grad
"""
from .matmul import matmul


def _check_rank(t, rank, message):
    if t.ndim != rank:
        raise RuntimeError(message)


def _same_dtype(a, b, op):
    if a.array.dtype != b.array.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {a.dtype} != "
                           f"{b.dtype} ({op})")


def mm(input, mat2):
    """The matrix product of two 2-D tensors (n, m)·(m, p) -> (n, p)."""
    _check_rank(input, 2, f"self must be a matrix (got {input.ndim}-D of shape {tuple(input.shape)})")
    _check_rank(mat2, 2, f"mat2 must be a matrix (got {mat2.ndim}-D of shape {tuple(mat2.shape)})")
    _same_dtype(input, mat2, "mm")
    return matmul(input, mat2)


def bmm(input, mat2):
    """Batched matrix products of two 3-D tensors (b, n, m)·(b, m, p) -> (b, n, p)."""
    _check_rank(input, 3, f"batch1 must be a 3D tensor (got shape {tuple(input.shape)})")
    _check_rank(mat2, 3, f"batch2 must be a 3D tensor (got shape {tuple(mat2.shape)})")
    if input.array.shape[0] != mat2.array.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{input.array.shape[0]} and {mat2.array.shape[0]}")
    _same_dtype(input, mat2, "bmm")
    return matmul(input, mat2)


def mv(input, vec):
    """A matrix times a vector: (n, m)·(m,) -> (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {input.ndim}, "
                           f"{vec.ndim}")
    return matmul(input, vec)


def dot(input, tensor):
    """Σ a_i·b_i of two 1-D tensors of one length."""
    if input.ndim != 1 or tensor.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {tensor.ndim}D tensors")
    if input.array.dtype != tensor.array.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{input.dtype} and {tensor.dtype}")
    if input.array.shape != tensor.array.shape:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{input.array.shape[0]}] "
                           f"and src [{tensor.array.shape[0]}] to have the same number of "
                           "elements, but got "
                           f"{input.array.shape[0]} and {tensor.array.shape[0]} elements "
                           "respectively")
    return matmul(input, tensor)


def outer(input, vec2):
    """a_i·b_j of two 1-D tensors: (n,)⊗(m,) -> (n, m).   d/da = grad·b,  d/db = gradᵀ·a"""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: expected 1-D tensors, got {input.ndim}-D and {vec2.ndim}-D")
    return input.reshape(-1, 1) * vec2.reshape(1, -1)



def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta·input + alpha·(mat1·mat2), input broadcast to the product's shape."""
    product = mm(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # input is ignored, nan and inf included, as in torch
        return product
    return (input if beta == 1 else input * beta) + product


METHODS = {"mm": mm, "bmm": bmm, "mv": mv, "dot": dot, "outer": outer, "addmm": addmm}
