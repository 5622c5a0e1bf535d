"""Recurrent layers: `RNN`, `LSTM`, `GRU` and their cells, as torch.nn.

A cell (the gate equations, in ops/recurrent.py) turns one input vector and
the previous state into the next state. A layer runs its cell along a whole
sequence: `num_layers` deep (each layer's outputs are the next one's inputs,
with dropout between layers while training) and, if bidirectional, a second
time from the last step back to the first, the two outputs joined per step.

Shapes (L = num_layers, D = 2 if bidirectional else 1, N the batch, T the
steps, H_out = proj_size if set, else hidden_size):

    input    (T, N, input_size), (N, T, input_size) with batch_first,
             (T, input_size) for one sequence, or a PackedSequence
    h_0      (D·L, N, H_out), (D·L, H_out) for one sequence; zeros when not given
    c_0      (D·L, N, hidden_size), LSTM only: hx = (h_0, c_0)
    output   (T, N, D·H_out) ((N, T, D·H_out) with batch_first): the last layer's
             state at every step; a PackedSequence when the input is one
    h_n      (D·L, N, H_out): the final state of every layer and direction
             (for a packed batch, each sequence's state at its own last step)

Parameters are PyTorch's, by name and shape, so state_dicts move between the
two libraries: per layer k and direction (suffix `_reverse`), `weight_ih_lk`
(G·hidden_size, input of layer k), `weight_hh_lk` (G·hidden_size, H_out),
`bias_ih_lk`, `bias_hh_lk` (G·hidden_size), and `weight_hr_lk`
(proj_size, hidden_size) for an LSTM with projections; G is the number of
gates (1 RNN, 4 LSTM, 3 GRU). All start from U(-1/√hidden_size, 1/√hidden_size).

Backpropagation through time is the engine's ordinary backward pass over the
unrolled steps: iterative, so a sequence of any length backpropagates, with
memory proportional to its length; under no_grad nothing is kept.
"""
import math
import numbers
import warnings

from ... import creation
from ...ops.recurrent import (gru_cell, lstm_cell, rnn_relu_cell, rnn_tanh_cell, split_sizes,
                              unbind)
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _check_size(name, value):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero")


def _uniform_start(module, hidden_size):
    """Every parameter from U(-1/√hidden_size, 1/√hidden_size), as PyTorch starts them."""
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0
    for weight in module.parameters():
        init.uniform_(weight, -bound, bound)


class RNNBase(Module):
    """What RNN, LSTM and GRU share: parameters, argument checks, and the run through time.

    `mode` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
    """

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        _check_size("hidden_size", hidden_size)
        _check_size("num_layers", num_layers)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        self.dropout, self.bidirectional = float(dropout), bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        out_size = proj_size or hidden_size
        gate_size = _GATES[mode] * hidden_size

        def parameter(*shape):
            return Parameter(creation.zeros(*shape, dtype=dtype, device=device))

        self._flat_weights_names = []
        # Per layer and direction, the names of (w_ih, w_hh, b_ih, b_hh, w_hr).
        self._names = [[tuple(f"{name}_l{layer}{'_reverse' if direction else ''}"
                              for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                           "weight_hr"))
                        for direction in range(directions)] for layer in range(num_layers)]
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else out_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, out_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    setattr(self, name + suffix, parameter(*shape))
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_start(self, self.hidden_size)

    def flatten_parameters(self):
        """cuDNN packs the weights into one buffer; minigrad keeps them apart: nothing to do."""

    @property
    def all_weights(self):
        """The parameters of each layer and direction, in PyTorch's order."""
        per_group = len(self._flat_weights_names) // (self.num_layers * self._directions)
        names = self._flat_weights_names
        return [[getattr(self, n) for n in names[i:i + per_group]]
                for i in range(0, len(names), per_group)]

    @property
    def _directions(self):
        return 2 if self.bidirectional else 1

    def _weights(self, layer, direction):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) of one layer and direction, None where absent."""
        parameters = self._parameters
        return tuple(parameters.get(name) for name in self._names[layer][direction])

    # -- arguments -------------------------------------------------------------

    def _state_sizes(self):
        """The last dim of each state tensor: (H_out,), or (H_out, hidden_size) for an LSTM."""
        out_size = self.proj_size or self.hidden_size
        return (out_size, self.hidden_size) if self.mode == "LSTM" else (out_size,)

    def _initial_state(self, hx, like, batch, unbatched):
        """hx as a tuple of (D·L, N, size) tensors: checked, or zeros when None."""
        sizes = self._state_sizes()
        layers = self.num_layers * self._directions
        if hx is None:
            return tuple(creation.zeros(layers, batch, size, dtype=like.dtype, device=like.device)
                         for size in sizes)
        lstm = self.mode == "LSTM"
        if lstm and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError(f"LSTM expects hx as a tuple (h_0, c_0), got {type(hx).__name__}")
        if not lstm and isinstance(hx, (tuple, list)):
            raise RuntimeError(f"{type(self).__name__} expects hx as a tensor, got "
                               f"{type(hx).__name__}")
        states = tuple(hx) if lstm else (hx,)
        wanted = 2 if unbatched else 3
        if any(s.ndim != wanted for s in states):
            kind = "unbatched 2-D" if unbatched else "batched 3-D"
            if lstm:
                raise RuntimeError(f"For {kind} input, hx and cx should also be {wanted}-D but "
                                   f"got ({states[0].ndim}-D, {states[1].ndim}-D) tensors")
            raise RuntimeError(f"For {kind} input, hx should also be {wanted}-D but got "
                               f"{states[0].ndim}-D tensor")
        if unbatched:
            states = tuple(s.unsqueeze(1) for s in states)
        for k, (state, size) in enumerate(zip(states, sizes)):
            expected = (layers, batch, size)
            if tuple(state.shape) != expected:
                which = f"hidden[{k}]" if lstm else "hidden"
                got = list(state.shape[:1] + state.shape[2:]) if unbatched else list(state.shape)
                shown = (layers, size) if unbatched else expected
                raise RuntimeError(f"Expected {which} size {shown}, got {got}")
            if state.dtype != like.dtype:
                raise RuntimeError(f"Expected hx (dtype {state.dtype}) to have the dtype of the "
                                   f"input, {like.dtype}")
        return states

    def _check_input(self, input):
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise RuntimeError(f"input must have the type {weight.dtype}, got type {input.dtype}")

    # -- the run through time ---------------------------------------------------

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        if packed:
            sequence, batch_sizes, sorted_indices, unsorted_indices = input
            step_sizes = [int(n) for n in batch_sizes.tolist()]
            batch, unbatched = step_sizes[0], False
        else:
            if input.ndim not in (2, 3):
                tensor = " tensor" if self.mode.startswith("RNN") else ""  # PyTorch's wording
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                                 f"{input.ndim}D{tensor} instead")
            unbatched = input.ndim == 2
            if unbatched:
                sequence = input.unsqueeze(1)
            else:
                sequence = input.transpose(0, 1) if self.batch_first else input
            step_sizes, batch = None, sequence.shape[1]
        self._check_input(sequence)
        states = self._initial_state(hx, sequence, batch, unbatched)
        if packed and sorted_indices is not None:
            states = tuple(s[:, sorted_indices] for s in states)

        layer_input, finals = sequence, [[] for _ in states]
        directions = self._directions
        per_layer = [unbind(s, 0) for s in states]
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                output, final = self._run_direction(
                    layer_input, tuple(s[index] for s in per_layer),
                    self._weights(layer, direction), direction == 1, step_sizes)
                outputs.append(output)
                for k, piece in enumerate(final):
                    finals[k].append(piece)
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        final_states = tuple(stack(pieces, 0) for pieces in finals)

        if packed:
            if unsorted_indices is not None:
                final_states = tuple(s[:, unsorted_indices] for s in final_states)
            output = PackedSequence(layer_input, batch_sizes, sorted_indices, unsorted_indices)
        elif unbatched:
            output = layer_input.squeeze(1)
            final_states = tuple(s.squeeze(1) for s in final_states)
        else:
            output = layer_input.transpose(0, 1) if self.batch_first else layer_input
        return output, (final_states if self.mode == "LSTM" else final_states[0])

    def _run_direction(self, inputs, state, weights, reverse, step_sizes):
        """One layer in one direction over the whole sequence: (outputs, final state).

        The input's share of every gate is one matrix product for all steps;
        then the cell runs step by step. For a packed batch, step t holds the
        first step_sizes[t] sequences (the longest first): going forward, the
        sequences that end leave the running state and their final state is
        put aside; going backward, those that start join it with their
        initial state.
        """
        w_ih, w_hh, b_ih, b_hh, w_hr = weights
        projected = F.linear(inputs, w_ih, b_ih)
        steps = unbind(projected, 0) if step_sizes is None else split_sizes(projected, step_sizes)
        cell = self._cell(w_hh, b_hh, w_hr)
        initial, finished = state, []
        if reverse and step_sizes is not None:  # the shortest sequences start the backward run
            state = tuple(s[:step_sizes[-1]] for s in state)
        outputs = [None] * len(steps)
        for t in (reversed(range(len(steps))) if reverse else range(len(steps))):
            if step_sizes is not None:
                size, running = step_sizes[t], state[0].shape[0]
                if size < running:
                    finished.append(tuple(s[size:] for s in state))
                    state = tuple(s[:size] for s in state)
                elif size > running:
                    state = tuple(cat([s, s0[running:size]], 0) for s, s0 in zip(state, initial))
            state = cell(steps[t], state)
            outputs[t] = state[0]
        if finished:
            finished.append(state)
            state = tuple(cat([pieces[k] for pieces in reversed(finished)], 0)
                          for k in range(len(state)))
        output = stack(outputs, 0) if step_sizes is None else cat(outputs, 0)
        return output, state

    def _cell(self, w_hh, b_hh, w_hr):
        """The step function: (input's share of the gates, state tuple) -> next state tuple."""
        if self.mode == "LSTM":
            return lambda x_gates, state: lstm_cell(x_gates, *state, w_hh, b_hh, w_hr)
        step = {"RNN_TANH": rnn_tanh_cell, "RNN_RELU": rnn_relu_cell, "GRU": gru_cell}[self.mode]
        return lambda x_gates, state: (step(x_gates, state[0], w_hh, b_hh),)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text


class RNN(RNNBase):
    """Elman RNN: per layer and step, h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)
    (relu instead of tanh with nonlinearity='relu'). Returns (output, h_n); see the module
    docstring for shapes."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (gate equations in ops/recurrent.py: lstm_cell), with an
    optional projection of h to proj_size. Returns (output, (h_n, c_n)); hx is (h_0, c_0)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gate equations in ops/recurrent.py: gru_cell). Returns
    (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


# ---------------------------------------------------------------------------
# cells: one step, for loops written by hand
# ---------------------------------------------------------------------------


class RNNCellBase(Module):
    """What the cells share: `weight_ih` (G·hidden, input), `weight_hh` (G·hidden, hidden),
    `bias_ih`, `bias_hh` (G·hidden), all from U(-1/√hidden, 1/√hidden), and the checks of
    input (N, input_size) or (input_size,) against the hidden state."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias

        def parameter(*shape):
            return Parameter(creation.zeros(*shape, dtype=dtype, device=device))

        self.weight_ih = parameter(num_chunks * hidden_size, input_size)
        self.weight_hh = parameter(num_chunks * hidden_size, hidden_size)
        if bias:
            self.bias_ih = parameter(num_chunks * hidden_size)
            self.bias_hh = parameter(num_chunks * hidden_size)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        _uniform_start(self, self.hidden_size)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _prepare(self, input, states):
        """(input, states, unbatched): both batched, checked; missing states as zeros."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.ndim}D instead")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} "
                               f"expected {self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"input must have the type {self.weight_ih.dtype}, got type "
                               f"{input.dtype}")
        checked = []
        for k, state in enumerate(states):
            if state is None:
                state = creation.zeros(input.shape[0], self.hidden_size, dtype=input.dtype,
                                       device=input.device)
            else:
                wanted = 1 if unbatched else 2
                if state.ndim != wanted:
                    raise RuntimeError(
                        f"{type(self).__name__}: Expected hidden{k} to be {wanted}D, as the "
                        f"input is {wanted}D, got {state.ndim}D (shape {tuple(state.shape)})")
                if unbatched:
                    state = state.unsqueeze(0)
                if state.shape[1] != self.hidden_size:
                    raise RuntimeError(f"hidden{k} has inconsistent hidden_size: got "
                                       f"{state.shape[1]}, expected {self.hidden_size}")
                if state.shape[0] != input.shape[0]:
                    raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match "
                                       f"hidden{k} batch size {state.shape[0]}")
            checked.append(state)
        return input, checked, unbatched

    def _x_gates(self, input):
        return F.linear(input, self.weight_ih, self.bias_ih)


class RNNCell(RNNCellBase):
    """h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (relu with nonlinearity='relu');
    hx (N, hidden_size) defaults to zeros. Returns h'."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, (h,), unbatched = self._prepare(input, [hx])
        step = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = step(self._x_gates(input), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step (lstm_cell in ops/recurrent.py); hx is a tuple or list (h, c), zeros by
    default. Returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise RuntimeError(f"LSTMCell expects hx as a tuple (h, c), got {type(hx).__name__}")
        input, (h, c), unbatched = self._prepare(input, [None, None] if hx is None else list(hx))
        h, c = lstm_cell(self._x_gates(input), h, c, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step (gru_cell in ops/recurrent.py); hx (N, hidden_size) defaults to zeros.
    Returns h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, (h,), unbatched = self._prepare(input, [hx])
        h = gru_cell(self._x_gates(input), h, self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
