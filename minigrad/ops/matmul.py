"""Matrix product, with PyTorch's rules for 1-D operands and batch broadcasting.

    C = A @ B        dL/dA = dL/dC @ Bᵀ,    dL/dB = Aᵀ @ dL/dC

over the last two axes; leading (batch) axes broadcast, and the engine sums
each gradient back over the batch axes its input did not have. A 1-D operand
is a row (on the left) or a column (on the right) that is dropped again from
the result.
"""
from ..autograd.function import Function
from .elementwise import promote


class MatMul(Function):
    """a @ b.   d/da = grad @ bᵀ,  d/db = aᵀ @ grad"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return matrix_product(a.array, b.array)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        # Treat 1-D operands as a row (left) or a column (right), as the forward did.
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        # Put back the result's dims the 1-D operands dropped: b's column first, then a's row.
        g2 = grad.unsqueeze(-1) if b.ndim == 1 else grad
        g2 = g2.unsqueeze(-2) if a.ndim == 1 else g2
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = g2 @ b2.transpose(-1, -2)
            grad_a = grad_a.squeeze(-2) if a.ndim == 1 else grad_a
        if ctx.needs_input_grad[1]:
            grad_b = a2.transpose(-1, -2) @ g2
            grad_b = grad_b.squeeze(-1) if b.ndim == 1 else grad_b
        return grad_a, grad_b


def matrix_product(a, b):
    """a @ b on arrays; a small product of long rows (a weight's gradient, dL/dY · colsᵀ)
    is computed as (Bᵀ Aᵀ)ᵀ, which OpenBLAS does 1.6-1.8x faster with its larger side as the rows."""
    if a.ndim >= 2 and b.ndim >= 2 and a.shape[-2] < b.shape[-1] <= a.shape[-1]:
        return (b.swapaxes(-1, -2) @ a.swapaxes(-1, -2)).swapaxes(-1, -2)
    return a @ b


def matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and "
            f"{b.ndim}D")
    inner_a = a.array.shape[-1]
    inner_b = b.array.shape[0] if b.ndim == 1 else b.array.shape[-2]
    if inner_a != inner_b:
        rows = "x".join(map(str, a.shape))
        cols = "x".join(map(str, b.shape))
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows} and {cols})")
    if a.array.dtype != b.array.dtype:
        a, b = promote(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul: batch dimensions of shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be "
            "broadcast together") from None
