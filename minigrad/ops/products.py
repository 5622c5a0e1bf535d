"""Matrix products under their BLAS names: mm, bmm, mv, dot, outer, addmm; and einsum.

mm, bmm, mv and dot are `matmul` with the shapes each name promises checked
first; outer and addmm are composed from it. Their gradients are matmul's:

    d(A·B)/dA = grad·Bᵀ,   d(A·B)/dB = Aᵀ·grad

einsum is a Function of its own: each operand's gradient is another einsum
of the upstream gradient with the other operands.
"""
from ..autograd.function import Function
from .matmul import matmul
from .shape import IndexAdd


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


class Einsum(Function):
    """einsum: the products of the operands' elements, summed over every index the output lacks.

        d/d operand_k = einsum(grad and the other operands -> operand k's indices),
        broadcast over the indices only operand k has, and put back on the diagonal
        where operand k repeats an index (`ii`)
    """

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.inputs, ctx.output = inputs, output
        ctx.save_for_backward(*operands)
        ctx.sizes = {letter: n for subscript, t in zip(inputs, operands)
                     for letter, n in zip(subscript, t.array.shape)}
        subscripts, arrays = _summed_first(inputs, output, [t.array for t in operands])
        equation = ",".join(subscripts) + "->" + output
        return operands[0].xp.einsum(equation, *arrays)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = []
        for k, (subscript, operand) in enumerate(zip(ctx.inputs, operands)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [s for j, s in enumerate(ctx.inputs) if j != k]
            available = set(ctx.output).union(*others)
            unique = "".join(dict.fromkeys(subscript))
            target = "".join(letter for letter in unique if letter in available)
            part = Einsum.apply(grad, *(t for j, t in enumerate(operands) if j != k),
                                inputs=[ctx.output] + others, output=target)
            # indices only this operand has: the gradient is the same along them
            full = part.reshape(tuple(ctx.sizes[letter] if letter in target else 1
                                      for letter in unique))
            full = full.expand(tuple(ctx.sizes[letter] for letter in unique))
            if len(unique) == len(subscript):
                grads.append(full.permute(tuple(unique.index(letter) for letter in subscript))
                             if unique != subscript else full)
                continue
            xp = operand.xp
            grids = {letter: xp.arange(ctx.sizes[letter]).reshape(
                [-1 if i == position else 1 for i in range(len(unique))])
                for position, letter in enumerate(unique)}
            shape = tuple(ctx.sizes[letter] for letter in subscript)
            grads.append(IndexAdd.apply(full, shape, tuple(grids[l] for l in subscript)))
        return tuple(grads)


def _summed_first(inputs, output, arrays):
    """Each operand summed over the indices that only it has (once, in no other operand, not
    in the output) before the products are taken, as torch does: 'ij,kl->ik' is then
    (Σ_j a_ij)(Σ_l b_kl) rather than Σ_jl a_ij·b_kl, whose float32 products can cancel to a
    small total and leave their roundings in it."""
    subscripts, summed = [], []
    for k, (subscript, array) in enumerate(zip(inputs, arrays)):
        elsewhere = set(output).union(*(s for j, s in enumerate(inputs) if j != k))
        lonely = tuple(position for position, letter in enumerate(subscript)
                       if letter not in elsewhere and subscript.count(letter) == 1)
        if lonely:
            array = array.sum(axis=lonely)
            subscript = "".join(l for position, l in enumerate(subscript) if position not in lonely)
        subscripts.append(subscript)
        summed.append(array)
    return subscripts, summed


def _expand_ellipsis(equation, operands):
    """The equation with '...' spelled out as capital letters, and its output (implicit or not)."""
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum(): more operands were provided than specified in the equation "
                         f"({len(operands)} operands, {len(inputs)} in '{equation}')")
    broadcast = max((t.ndim - len(s.replace("...", "")) for s, t in zip(inputs, operands)
                     if "..." in s), default=0)
    letters = "".join(chr(ord("A") + i) for i in range(broadcast))
    spelled = []
    for s, t in zip(inputs, operands):
        if "..." in s:
            count = t.ndim - len(s.replace("...", ""))
            s = s.replace("...", letters[broadcast - count:])
        if len(s) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(s)}) "
                               f"does not match the number of dimensions ({t.ndim}) for operand "
                               f"{len(spelled)}")
        spelled.append(s)
    if arrow:
        output = output.replace("...", letters)
    else:
        counts = {}
        for s in spelled:
            for letter in s:
                counts[letter] = counts.get(letter, 0) + 1
        output = letters + "".join(sorted(l for l, n in counts.items()
                                          if n == 1 and l not in letters))
    return spelled, output


def einsum(equation, *operands):
    """Einstein summation, as torch.einsum: `einsum('ij,jk->ik', a, b)` is a @ b; without '->'
    the output has the indices that occur once, in alphabetical order; '...' stands for the
    leading dims. Operands may also be given as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _expand_ellipsis(equation, operands)
    if len({t.array.dtype for t in operands}) > 1:
        raise RuntimeError("einsum(): operands do not all have the same dtype: "
                           f"{[str(t.dtype) for t in operands]}")
    return Einsum.apply(*operands, inputs=inputs, output=output)
