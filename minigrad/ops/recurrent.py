"""The maths of one recurrent step: the RNN, LSTM and GRU cells, as torch.nn computes them.

Each cell takes `x_gates = x·W_ihᵀ + b_ih`, the input's share of the gates
(computed for a whole sequence at once by the layers, one step at a time by
the cells), and the previous state, and returns the next state. The cells
are composed from minigrad's ops (linear, sigmoid, tanh, relu, *, +), so
their gradients, and second derivatives, come from the engine; only the
bookkeeping ops that cut a tensor into pieces are Functions of their own.

Gates are stacked along the last axis in PyTorch's order, so weights move
between the two libraries unchanged:
    LSTM  W_ih = [W_ii; W_if; W_ig; W_io]    (4·hidden, input)
    GRU   W_ih = [W_ir; W_iz; W_in]          (3·hidden, input)
"""
from ..autograd.function import Function
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
    gates = x_gates + linear(h, w_hh, b_hh)
    input_gate, forget_gate, cell_gate, output_gate = chunk_last(gates, 4)
    c = sigmoid(forget_gate) * c + sigmoid(input_gate) * tanh(cell_gate)
    h = sigmoid(output_gate) * tanh(c)
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
