"""Parity-table rows for the recurrent layers and their helpers (see op_entry.py); joined into
op_table.py.

A layer's parameters are drawn as inputs, so every gradient the tests compare
covers the input, the initial states and every parameter. The call builds the
layer in each library and runs it on those tensors: torch through
torch.func.functional_call; minigrad, which has no functional_call, by putting
the tensors in the module's parameter slots.

One row per layer draws every option as a constant: num_layers and
bidirectional are read from the drawn initial state, laid out
(num_layers, directions, batch, hidden) and reshaped by the call to
PyTorch's (num_layers · directions, batch, hidden); an LSTM's projection
from h_0 being narrower than c_0. bias, batch_first, an unbatched input
(sequence 0 alone), initial states given or left to zeros, relu or tanh,
dropout between layers (p = 1 in training and p = 0.5 in evaluation, the two
deterministic settings) and packed input (sorted or not, through
pack_padded_sequence and back through pad_packed_sequence) are drawn
constants (relu has rows of its own, which finite differences leave out: its
kink). Drawn biases go unused when bias=False: they get no gradient in
either library.
"""
import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad.nn.functional  # noqa: F401  (so that `minigrad.nn` is there, as `torch.nn` is)
from op_entry import OpEntry, constant
from strategies import arrays, inputs, reals

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def call_with_parameters(lib, module, parameters, *args):
    """module(*args) with its parameters replaced by the given tensors (by name)."""
    if lib.__name__ == "torch":
        return lib.func.functional_call(module, parameters, args)
    for name, value in parameters.items():
        module._parameters[name] = value
    return module(*args)


_MODULES = {}


def cached_module(lib, class_name, size_in, size_out, dtype, options):
    """One module per library, class, sizes, dtype and options, built once: gradcheck calls an
    entry twice per input element, and the parameters are swapped in on every call anyway."""
    key = (lib.__name__, class_name, size_in, size_out, str(dtype), tuple(sorted(options.items())))
    if key not in _MODULES:
        _MODULES[key] = getattr(lib.nn, class_name)(size_in, size_out, dtype=dtype, **options)
    return _MODULES[key]


def parameter_names(kind, num_layers, directions, proj):
    """PyTorch's parameter names, in its order, of a layer with biases."""
    names = []
    for layer in range(num_layers):
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            names += [f"{n}{suffix}" for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            if proj:
                names.append(f"weight_hr{suffix}")
    return names


# ---------------------------------------------------------------------------
# the layers
# ---------------------------------------------------------------------------


@st.composite
def layer_arrays(draw, kind, tiny=False):
    """x (T, N, input), h_0 (layers, directions, N, H_out) [, c_0 (..., hidden)], then every
    parameter (biases included) in PyTorch's order. Small: gradcheck costs one run per element.
    `tiny` (one layer, one sequence, sizes of 1, at most 2 steps) for the second-derivative
    row."""
    if tiny:
        directions, steps = draw(st.integers(1, 2)), draw(st.integers(1, 2))
        return layer_arrays_of(draw, kind, steps, 1, 1, 1, 1, directions, 0)
    layers, directions = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    # Several layers or directions get the smallest sizes: their parameters are many already.
    small = layers * directions > 1
    steps = draw(st.integers(1, 3 if kind == "RNN" and not small else 2))
    batch = draw(st.integers(1, 2))
    input_size = draw(st.integers(1, 2))
    hidden = draw(st.integers(1, 1 if small and kind != "RNN" else 2))
    proj = draw(st.sampled_from([0, 1])) if kind == "LSTM" and hidden == 2 else 0
    return layer_arrays_of(draw, kind, steps, batch, input_size, hidden, layers, directions, proj)


def layer_arrays_of(draw, kind, steps, batch, input_size, hidden, layers, directions, proj):
    out = proj or hidden
    gate_rows = GATES[kind] * hidden
    result = [draw(arrays((steps, batch, input_size))),
              draw(arrays((layers, directions, batch, out)))]
    if kind == "LSTM":
        result.append(draw(arrays((layers, directions, batch, hidden))))
    for layer in range(layers):
        layer_input = input_size if layer == 0 else out * directions
        for _ in range(directions):
            shapes = [(gate_rows, layer_input), (gate_rows, out), (gate_rows,), (gate_rows,)]
            if proj:
                shapes.append((proj, hidden))
            result += [draw(arrays(shape, reals(1.0))) for shape in shapes]
    return tuple(result)


def layer_options(kind, nonlinearity="tanh"):
    """Constants: (bias, batch_first, unbatched, state given, nonlinearity, dropout setting,
    packed lengths or None, enforce_sorted)."""

    def options(x, h0, *rest):
        steps, batch = x.shape[:2]
        layers = h0.shape[0]
        lengths = st.lists(st.integers(1, steps), min_size=batch, max_size=batch)
        packing = st.none() | st.tuples(lengths, st.booleans()).map(
            lambda drawn: (sorted(drawn[0], reverse=True) if drawn[1] else drawn[0], drawn[1]))
        dropout = st.sampled_from(["none", "p=1 training", "p=0.5 eval"]) if layers > 1 \
            else st.just("none")
        # A packed batch is never unbatched.
        return st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans(),
                         st.just(nonlinearity), dropout, packing).filter(
            lambda o: not (o[2] and o[6] is not None))

    return options


def layer_call(kind):
    def call(lib, x, h0, *rest):
        bias, batch_first, unbatched, given, nonlinearity, dropout, packing = rest[-7:]
        tensors = rest[:-7]
        c0, weights = (tensors[0], tensors[1:]) if kind == "LSTM" else (None, tensors)
        steps, batch, input_size = x.shape
        layers, directions, _, out = h0.shape
        hidden = c0.shape[-1] if c0 is not None else out
        proj = out if out != hidden else 0
        options = dict(num_layers=layers, bias=bias, batch_first=batch_first,
                       bidirectional=directions == 2,
                       dropout={"none": 0.0, "p=1 training": 1.0, "p=0.5 eval": 0.5}[dropout])
        if kind == "RNN":
            options["nonlinearity"] = nonlinearity
        if proj:
            options["proj_size"] = proj
        module = cached_module(lib, kind, input_size, hidden, x.dtype, options)
        module.train(dropout != "p=0.5 eval")
        names = parameter_names(kind, layers, directions, proj)
        parameters = {n: w for n, w in zip(names, weights) if bias or not n.startswith("bias")}

        states = [s.reshape(layers * directions, batch, s.shape[-1]) for s in (h0, c0)
                  if s is not None]
        sequence = x.transpose(0, 1) if batch_first else x
        if unbatched:
            sequence, states = x[:, 0], [s[:, 0] for s in states]
        hx = (tuple(states) if kind == "LSTM" else states[0]) if given else None
        rnn_utils = lib.nn.utils.rnn
        if packing is not None:
            lengths, enforce_sorted = packing
            sequence = rnn_utils.pack_padded_sequence(sequence, lengths, batch_first,
                                                      enforce_sorted)
        output, final = call_with_parameters(lib, module, parameters, sequence, hx)
        if packing is not None:
            output, _ = rnn_utils.pad_packed_sequence(output, batch_first, total_length=steps)
        return (output,) + (tuple(final) if kind == "LSTM" else (final,))

    return call


RELU_KINK = ("relu's kink at 0: drawn values (zeros among them) can put a pre-activation on it, "
             "where finite differences straddle two slopes")


def layer_entry(kind, nonlinearity="tanh"):
    return OpEntry((f"nn.{kind}",), layer_call(kind), layer_arrays(kind),
                   constants=layer_options(kind, nonlinearity),
                   name=f"nn.{kind}{' relu' if nonlinearity == 'relu' else ''} (num_layers, "
                        "bidirectional, bias, batch_first, unbatched, hx, dropout, packed"
                        f"{', proj_size' if kind == 'LSTM' else ''})",
                   no_finite_differences=RELU_KINK if nonlinearity == "relu" else "")


# Second derivatives through a whole layer, against torch's: the LSTM, the layer with the most
# ops, on the smallest sizes. The cells' rows check second derivatives against finite
# differences too (gradgradcheck); through a layer that check alone would take about 20 s.
SECOND_ORDER_LAYER = OpEntry(
    ("nn.LSTM",), layer_call("LSTM"), layer_arrays("LSTM", tiny=True),
    constants=layer_options("LSTM"), second_order=True,
    name="nn.LSTM second derivatives (one layer, sizes of 1)",
    no_finite_differences="cost, not correctness: gradgradcheck through a whole layer re-runs "
                          "forward and backward twice per input and output element (about 20 s "
                          "here); the LSTM row runs gradcheck and the LSTMCell row gradgradcheck")


# ---------------------------------------------------------------------------
# the cells
# ---------------------------------------------------------------------------


@st.composite
def cell_arrays(draw, kind):
    """x (N, input), h (N, hidden) [, c (N, hidden)], w_ih, w_hh, b_ih, b_hh."""
    batch, input_size, hidden = (draw(st.integers(1, 2)) for _ in range(3))
    rows = GATES[kind] * hidden
    states = [draw(arrays((batch, hidden))) for _ in range(2 if kind == "LSTM" else 1)]
    return (draw(arrays((batch, input_size))), *states,
            *(draw(arrays(shape, reals(1.0)))
              for shape in ((rows, input_size), (rows, hidden), (rows,), (rows,))))


def cell_options(nonlinearity):
    """Constants: (bias, unbatched, state given, hx as a list rather than a tuple, nonlinearity)."""
    return st.tuples(st.booleans(), st.booleans(), st.booleans(), st.booleans(),
                     st.just(nonlinearity))


def cell_call(kind):
    def call(lib, x, *rest):
        bias, unbatched, given, as_list, nonlinearity = rest[-5:]
        count = 2 if kind == "LSTM" else 1
        states, weights = list(rest[:count]), rest[count:-5]
        options = {"nonlinearity": nonlinearity} if kind == "RNN" else {}
        module = cached_module(lib, f"{kind}Cell", x.shape[1], states[0].shape[1], x.dtype,
                               dict(options, bias=bias))
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        parameters = {n: w for n, w in zip(names, weights) if bias or not n.startswith("bias")}
        if unbatched:
            x, states = x[0], [s[0] for s in states]
        hx = None
        if given:
            hx = (states if as_list else tuple(states)) if kind == "LSTM" else states[0]
        return call_with_parameters(lib, module, parameters, x, hx)

    return call


def cell_entry(kind, nonlinearity="tanh"):
    return OpEntry((f"nn.{kind}Cell",), cell_call(kind), cell_arrays(kind),
                   constants=lambda *arrays: cell_options(nonlinearity), second_order=True,
                   name=f"nn.{kind}Cell{' relu' if nonlinearity == 'relu' else ''} "
                        "(bias, unbatched, hx)",
                   no_finite_differences=RELU_KINK if nonlinearity == "relu" else "")


# ---------------------------------------------------------------------------
# embedding
# ---------------------------------------------------------------------------


@st.composite
def embedding_arrays(draw):
    return (draw(arrays((draw(st.integers(2, 4)), draw(st.integers(1, 3))))),)


def embedding_options(weight):
    """Constants: indices (repeats included), padding_idx, scale_grad_by_freq."""
    rows = weight.shape[0]
    indices = hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3),
                         elements=st.integers(0, rows - 1))
    return st.tuples(indices, st.sampled_from([None, 0, -1]), st.booleans())


def embedding_call(lib, weight, indices, padding_idx, scale_grad_by_freq):
    index = constant(lib, indices, weight)
    module = cached_module(lib, "Embedding", weight.shape[0], weight.shape[1], weight.dtype,
                           dict(padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq))
    return (lib.nn.functional.embedding(index, weight, padding_idx,
                                        scale_grad_by_freq=scale_grad_by_freq),
            call_with_parameters(lib, module, {"weight": weight}, index))


def embedding_max_norm_call(lib, weight, indices, max_norm, norm_type):
    """The looked-up rows renormalised in place first; returns the output and the table."""
    output = lib.nn.functional.embedding(constant(lib, indices, weight), weight,
                                         max_norm=max_norm, norm_type=norm_type)
    return output, weight * 1


EMBEDDING = [
    OpEntry(("nn.functional.embedding", "nn.Embedding"), embedding_call, embedding_arrays(),
            constants=lambda w: embedding_options(w).map(lambda o: (o[0], None, False)),
            second_order=True, name="embedding (repeated indices)"),
    OpEntry(("nn.functional.embedding", "nn.Embedding"), embedding_call, embedding_arrays(),
            constants=embedding_options, second_order=True,
            name="embedding (padding_idx, scale_grad_by_freq)",
            no_finite_differences="the gradient is zeroed at padding_idx and divided by index "
                                  "counts by definition, not the derivative finite differences "
                                  "measure"),
    OpEntry(("nn.functional.embedding",), embedding_max_norm_call, embedding_arrays(),
            constants=lambda w: st.tuples(embedding_options(w).map(lambda o: o[0]),
                                          st.sampled_from([0.5, 1.0]),
                                          st.sampled_from([1.0, 2.0, math.inf])),
            name="embedding (max_norm, norm_type)",
            no_finite_differences="max_norm rewrites the looked-up rows of the table in place, "
                                  "the very numbers finite differences perturb"),
]

# ---------------------------------------------------------------------------
# padding and packing
# ---------------------------------------------------------------------------


@st.composite
def sequences_arrays(draw):
    """2 or 3 sequences (Lᵢ, features) of lengths 1 to 3."""
    features = draw(st.integers(1, 2))
    return tuple(draw(arrays((draw(st.integers(1, 3)), features)))
                 for _ in range(draw(st.integers(2, 3))))


def pad_sequence_call(lib, *sequences_and_options):
    *sequences, batch_first, padding_value, padding_side = sequences_and_options
    return lib.nn.utils.rnn.pad_sequence(sequences, batch_first, padding_value, padding_side)


def packing_options(x):
    """Constants: lengths (sorted when enforce_sorted), batch_first, enforce_sorted, and
    total_length (None or more steps than the longest)."""
    steps, batch = x.shape[:2]
    return st.tuples(st.lists(st.integers(1, steps), min_size=batch, max_size=batch),
                     st.booleans(), st.booleans(), st.sampled_from([None, 1])).map(
        lambda o: (sorted(o[0], reverse=True) if o[2] else o[0],) + o[1:])


def packing_call(lib, x, lengths, batch_first, enforce_sorted, extra_steps):
    """pack_padded_sequence and pad_packed_sequence, with every field of the packing."""
    rnn_utils = lib.nn.utils.rnn
    padded_input = x.transpose(0, 1) if batch_first else x
    packed = rnn_utils.pack_padded_sequence(padded_input, lengths, batch_first, enforce_sorted)
    total = None if extra_steps is None else max(lengths) + extra_steps
    padded, padded_lengths = rnn_utils.pad_packed_sequence(packed, batch_first, -1.0, total)
    indices = () if packed.sorted_indices is None else (packed.sorted_indices,
                                                        packed.unsorted_indices)
    return (packed.data, packed.batch_sizes, padded, padded_lengths) + indices


def pack_sequence_call(lib, *sequences_and_options):
    *sequences, enforce_sorted = sequences_and_options
    if enforce_sorted:
        sequences = sorted(sequences, key=lambda s: -s.shape[0])
    rnn_utils = lib.nn.utils.rnn
    packed = rnn_utils.pack_sequence(sequences, enforce_sorted)
    padded, lengths = rnn_utils.pad_packed_sequence(packed, batch_first=True)
    return (packed.data, *rnn_utils.unpack_sequence(packed),
            *rnn_utils.unpad_sequence(padded.transpose(0, 1), lengths))


PACKING = [
    OpEntry(("nn.utils.rnn.pad_sequence",), pad_sequence_call, sequences_arrays(),
            constants=lambda *s: st.tuples(st.booleans(), st.sampled_from([0.0, -1.5]),
                                           st.sampled_from(["right", "left"])),
            second_order=True, name="pad_sequence (batch_first, padding_value, padding_side)"),
    OpEntry(("nn.utils.rnn.pack_padded_sequence", "nn.utils.rnn.pad_packed_sequence",
             "nn.utils.rnn.PackedSequence"),
            packing_call, inputs(arrays(st.tuples(st.integers(1, 3), st.integers(1, 3),
                                                  st.integers(1, 2)))),
            constants=packing_options, second_order=True,
            name="pack_padded_sequence and pad_packed_sequence (batch_first, enforce_sorted, "
                 "total_length)"),
    OpEntry(("nn.utils.rnn.pack_sequence", "nn.utils.rnn.unpack_sequence",
             "nn.utils.rnn.unpad_sequence"),
            pack_sequence_call, sequences_arrays(), constants=lambda *s: st.tuples(st.booleans()),
            name="pack_sequence, unpack_sequence and unpad_sequence"),
]

# ---------------------------------------------------------------------------
# gradient clipping
# ---------------------------------------------------------------------------


def with_gradients(lib, gradients):
    """Parameters whose .grad holds a copy of each of `gradients`."""
    parameters = []
    for g in gradients:
        p = lib.nn.Parameter(lib.zeros(tuple(g.shape), dtype=g.dtype))
        p.grad = g.detach() * 1
        parameters.append(p)
    return parameters


def clip_grad_norm_call(lib, *gradients_and_options):
    *gradients, max_norm, norm_type, single = gradients_and_options
    parameters = with_gradients(lib, gradients[:1] if single else gradients)
    utils = lib.nn.utils
    total = utils.clip_grad_norm_(parameters[0] if single else parameters, max_norm,
                                  norm_type=norm_type)
    # The same in two steps: measure, then scale.
    again = with_gradients(lib, gradients)
    measured = utils.get_total_norm([p.grad for p in again], norm_type)
    utils.clip_grads_with_norm_(again, max_norm, measured)
    return (total, *(p.grad for p in parameters), measured, *(p.grad for p in again))


def clip_grad_value_call(lib, *gradients_and_value):
    *gradients, clip_value = gradients_and_value
    parameters = with_gradients(lib, gradients)
    lib.nn.utils.clip_grad_value_(parameters, clip_value)
    return tuple(p.grad for p in parameters)


GRADIENT_SETS = st.integers(1, 3).flatmap(
    lambda count: st.tuples(*(arrays(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
                              for _ in range(count))))

CLIPPING = [
    OpEntry(("nn.utils.clip_grad_norm_", "nn.utils.get_total_norm",
             "nn.utils.clip_grads_with_norm_"), clip_grad_norm_call, GRADIENT_SETS,
            constants=lambda *g: st.tuples(st.sampled_from([0.1, 1.0, 100.0]),
                                           st.sampled_from([2.0, 1, 3.5, math.inf]),
                                           st.booleans()),
            grad=False, name="clip_grad_norm_ (max_norm, norm_type, one tensor or several)"),
    OpEntry(("nn.utils.clip_grad_value_",), clip_grad_value_call, GRADIENT_SETS,
            constants=lambda *g: st.tuples(st.sampled_from([0.1, 1.0])), grad=False,
            name="clip_grad_value_"),
]



def vector_to_parameters_call(lib, vec, *shapes):
    """Parameters of the drawn shapes filled from `vec` (leaving any rest of it unused), and
    `vec` changed in place afterwards: the parameters are views of it, as in torch."""
    parameters = [lib.zeros(shape, dtype=vec.dtype, requires_grad=True) for shape in shapes]
    vec = vec.detach() * 1
    lib.nn.utils.vector_to_parameters(vec, parameters)
    taken = lib.nn.utils.parameters_to_vector(parameters).detach() * 1
    vec.mul_(2)
    return (taken, *(p.detach() * 1 for p in parameters))


def parameter_shapes(vec):
    """Constants: one to three shapes whose sizes add up to at most len(vec)."""
    return st.lists(hnp.array_shapes(min_dims=0, max_dims=2, max_side=2), min_size=1,
                    max_size=3).filter(
        lambda shapes: sum(int(np.prod(s)) for s in shapes) <= vec.size).map(tuple)


CONVERSION = [
    OpEntry(("nn.utils.parameters_to_vector",),
            lambda lib, *parameters: lib.nn.utils.parameters_to_vector(parameters),
            GRADIENT_SETS, second_order=True, name="parameters_to_vector"),
    OpEntry(("nn.utils.vector_to_parameters",), vector_to_parameters_call,
            inputs(arrays(st.tuples(st.integers(1, 10)))), constants=parameter_shapes,
            grad=False, name="vector_to_parameters (views of the vector)"),
]

RNN_ENTRIES = ([layer_entry("RNN"), layer_entry("RNN", "relu"), layer_entry("LSTM"),
                SECOND_ORDER_LAYER, layer_entry("GRU"), cell_entry("RNN"), cell_entry("RNN", "relu"),
                cell_entry("LSTM"), cell_entry("GRU")]
               + EMBEDDING + PACKING + CLIPPING + CONVERSION)
