"""The maths of one recurrent step: the RNN, LSTM and GRU cells, as torch.nn computes them.

Each cell takes `x_gates = x·W_ihᵀ + b_ih`, the input's share of the gates
(computed for a whole sequence at once by the layers, one step at a time by
the cells), and the previous state, and returns the next state. The cells
are composed from minigrad's ops (linear, sigmoid, tanh, relu, *, +), so
their gradients, and second derivatives, come from the engine. Functions of
their own: the bookkeeping op that cuts a tensor into pieces, and the LSTM's
four gate activations (one op instead of five, at every step).

Gates are stacked along the last axis in PyTorch's order, so weights move
between the two libraries unchanged:
    LSTM  W_ih = [W_ii; W_if; W_ig; W_io]    (4·hidden, input)
    GRU   W_ih = [W_ir; W_iz; W_in]          (3·hidden, input)
"""
from .. import backend
from ..autograd.function import Function
from ..tensor import wrap_array
from .activations import relu, sigmoid, tanh
from .nn_ops import linear
from .shape import cat, stack


class Split(Function):
    """x cut along `dim` into consecutive pieces of `sizes`; with `squeeze` (every size 1) the
    pieces lose that dim, as in torch.unbind.

        each piece's gradient goes back to its place:  grad_x = cat(grads, dim)  (stack if squeezed)

    One op for all the pieces: their gradients are joined once, where slicing
    piece by piece would scatter each into a zero tensor the size of x.
    """

    @staticmethod
    def forward(ctx, x, sizes, dim, squeeze):
        ctx.dim, ctx.squeeze = dim, squeeze
        lead = (slice(None),) * dim
        if squeeze:
            return tuple(x.array[lead + (i,)] for i in range(x.shape[dim]))
        pieces, start = [], 0
        for size in sizes:
            pieces.append(x.array[lead + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    @staticmethod
    def backward(ctx, *grads):
        joined = stack(grads, ctx.dim) if ctx.squeeze else cat(grads, ctx.dim)
        return joined, None, None, None


def unbind(x, dim=0):
    """The slices of x along `dim`, as a tuple (torch.unbind)."""
    return Split.apply(x, None, dim, True) if x.shape[dim] > 1 else (x.squeeze(dim),)


def split_sizes(x, sizes, dim=0):
    """x cut along `dim` into pieces of the given sizes (torch.split with a list)."""
    return Split.apply(x, tuple(sizes), dim % x.ndim, False) if len(sizes) > 1 else (x,)


def chunk_last(x, chunks):
    """x cut along its last axis into `chunks` equal pieces: the gates of a cell."""
    return Split.apply(x, _equal_sizes(x.shape[-1], chunks), x.ndim - 1, False)


_SIZES = {}


def _equal_sizes(total, chunks):
    """(total / chunks,) * chunks, made once per shape: a cell asks at every step."""
    key = (total, chunks)
    if key not in _SIZES:
        _SIZES[key] = (total // chunks,) * chunks
    return _SIZES[key]


class LSTMGates(Function):
    """The four gates of an LSTM from their pre-activations a = [a_i, a_f, a_g, a_o] (..., 4H):

        (i, f, g, o) = (σ(a_i), σ(a_f), tanh(a_g), σ(a_o))
        dL/da = [g_i·i(1 - i), g_f·f(1 - f), g_g·(1 - g²), g_o·o(1 - o)]

    One op where a split and four activations would be five (and their
    backward passes thirteen): an LSTM runs it at every step. The gradient is
    LSTMGatesGrad, an op of its own, so second derivatives still come free.
    """

    @staticmethod
    def forward(ctx, a):
        xp = a.xp
        size = a.shape[-1] // 4
        # The stable sigmoid of every block at once (e^-a may overflow to inf: 1/(1 + inf) = 0),
        # then the cell block replaced by its tanh.
        s = xp.negative(a.array)
        with backend.overflow_allowed(xp):
            xp.exp(s, out=s)
        s += 1
        xp.reciprocal(s, out=s)
        blocks = [s[..., k * size:(k + 1) * size] for k in range(4)]
        blocks[2] = xp.tanh(a.array[..., 2 * size:3 * size])
        gates = tuple(wrap_array(block) for block in blocks)
        ctx.save_for_backward(*gates)
        return gates

    @staticmethod
    def backward(ctx, grad_i, grad_f, grad_g, grad_o):
        return LSTMGatesGrad.apply(grad_i, grad_f, grad_g, grad_o, *ctx.saved_tensors)


class LSTMGatesGrad(Function):
    """dL/da = [g_i·i(1 - i), g_f·f(1 - f), g_g·(1 - g²), g_o·o(1 - o)] from the gates' upstream
    gradients g_* and the gates themselves (see LSTMGates). For an upstream H = [H_i, H_f,
    H_g, H_o] of the result, its own derivatives are, per sigmoid gate s and for the tanh gate g,

        d/dg_s = H_s·s(1 - s),   d/ds = H_s·g_s·(1 - 2s),   d/dg_g = H_g·(1 - g²),   d/dg = -2·H_g·g_g·g
    """

    @staticmethod
    def forward(ctx, grad_i, grad_f, grad_g, grad_o, i, f, g, o):
        ctx.save_for_backward(grad_i, grad_f, grad_g, grad_o, i, f, g, o)
        xp = i.xp
        parts = [grad.array * s.array * (1 - s.array) for grad, s in ((grad_i, i), (grad_f, f))]
        parts.append(grad_g.array * (1 - g.array * g.array))
        parts.append(grad_o.array * o.array * (1 - o.array))
        return xp.concatenate(parts, axis=-1)

    @staticmethod
    def backward(ctx, upstream):
        grad_i, grad_f, grad_g, grad_o, i, f, g, o = ctx.saved_tensors
        up_i, up_f, up_g, up_o = chunk_last(upstream, 4)
        d_grads, d_gates = [], []
        for up, grad, s in ((up_i, grad_i, i), (up_f, grad_f, f), (up_g, grad_g, g),
                            (up_o, grad_o, o)):
            if s is g:
                d_grads.append(up * (1 - g * g))
                d_gates.append(-2 * up * grad * g)
            else:
                d_grads.append(up * s * (1 - s))
                d_gates.append(up * grad * (1 - 2 * s))
        return tuple(d_grads) + tuple(d_gates)


# ---------------------------------------------------------------------------
# the cells: (x_gates, previous state, recurrent weights) -> next state
# ---------------------------------------------------------------------------


def rnn_tanh_cell(x_gates, h, w_hh, b_hh):
    """h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)"""
    return tanh(x_gates + linear(h, w_hh, b_hh))


def rnn_relu_cell(x_gates, h, w_hh, b_hh):
    """h' = relu(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)"""
    return relu(x_gates + linear(h, w_hh, b_hh))


def lstm_cell(x_gates, h, c, w_hh, b_hh, w_hr=None):
    """One LSTM step, as torch.nn.LSTM (Hochreiter & Schmidhuber, 1997, with a forget gate):

        i = σ(W_ii x + b_ii + W_hi h + b_hi)        input gate
        f = σ(W_if x + b_if + W_hf h + b_hf)        forget gate
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)     candidate cell
        o = σ(W_io x + b_io + W_ho h + b_ho)        output gate
        c' = f ⊙ c + i ⊙ g
        h' = o ⊙ tanh(c')                           (h' = W_hr (o ⊙ tanh(c')) with a projection)

    Returns (h', c').
    """
    input_gate, forget_gate, cell_gate, output_gate = LSTMGates.apply(
        x_gates + linear(h, w_hh, b_hh))
    c = forget_gate * c + input_gate * cell_gate
    h = output_gate * tanh(c)
    if w_hr is not None:
        h = linear(h, w_hr)
    return h, c


def gru_cell(x_gates, h, w_hh, b_hh):
    """One GRU step, as torch.nn.GRU (Cho et al., 2014):

        r = σ(W_ir x + b_ir + W_hr h + b_hr)             reset gate
        z = σ(W_iz x + b_iz + W_hz h + b_hz)             update gate
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))    candidate
        h' = (1 - z) ⊙ n + z ⊙ h,  computed as  n + z ⊙ (h - n)  (PyTorch's order of operations)
    """
    x_reset, x_update, x_new = chunk_last(x_gates, 3)
    h_reset, h_update, h_new = chunk_last(linear(h, w_hh, b_hh), 3)
    reset, update = sigmoid(x_reset + h_reset), sigmoid(x_update + h_update)
    new = tanh(x_new + reset * h_new)
    return new + update * (h - new)
