"""Parity-table rows for the layers beyond LeNet (see op_entry.py); joined into op_table.py.

Normalisation (batch_norm in training and evaluation, with the running
statistics it updates compared as outputs; layer_norm; group_norm), each to
second order: the gradients flow through the batch statistics.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad.nn.functional  # noqa: F401  (so that `minigrad.nn` is there, as `torch.nn` is)
from op_entry import OpEntry, constant
from strategies import arrays, distinct_arrays, positives, reals


def functional(lib):
    return lib.nn.functional


def float_constant(lib, array, like):
    """A drawn float array as a tensor of `like`'s dtype and device (None stays None)."""
    return None if array is None else constant(lib, array, like).to(like.dtype)


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------


@st.composite
def channel_arrays(draw, min_values_per_channel=1):
    """x (N, C, *) with up to two more axes, weight (C,), bias (C,); at least
    `min_values_per_channel` values per channel (batch statistics need two).

    x's values are pairwise apart (see `spread_out`)."""
    pixels = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    smallest_batch = -(-min_values_per_channel // int(np.prod(pixels)))
    channels = draw(st.integers(1, 3))
    shape = (draw(st.integers(smallest_batch, 3)), channels) + pixels
    return draw(spread_out(shape)), draw(arrays((channels,))), draw(arrays((channels,)))


def spread_out(shape):
    """Values pairwise at least 0.1 apart. A constant group of values has σ² = 0, where the
    rounding of x - μ (about 1e-16·|x|) is multiplied by up to r³ = eps^-3/2 ≈ 3e7 in second
    derivatives: noise in both libraries, not a property of the op."""
    return distinct_arrays(shape)


def running_statistics(x, weight, bias):
    """Constants: running mean and variance (or None), and momentum."""
    channels = x.shape[1]
    return st.tuples(st.none() | hnp.arrays(np.float64, (channels,), elements=reals()),
                     hnp.arrays(np.float64, (channels,), elements=positives(0.2, 2.0)),
                     st.sampled_from([0.1, 0.5, 1.0]))


def batch_norm_training(lib, x, weight, bias, mean, var, momentum):
    """y with and without the affine part, with and without running statistics to update."""
    F = functional(lib)
    y = F.batch_norm(x, None, None, training=True, eps=1e-3)
    if mean is None:
        return F.batch_norm(x, None, None, weight, bias, training=True), y
    running_mean, running_var = float_constant(lib, mean, x), float_constant(lib, var, x)
    return F.batch_norm(x, running_mean, running_var, weight, bias, True, momentum), y


def batch_norm_running_statistics(lib, x, weight, bias, mean, var, momentum):
    """The running statistics after one update (constants to autograd: compared as values)."""
    mean = np.zeros_like(var) if mean is None else mean
    running_mean, running_var = float_constant(lib, mean, x), float_constant(lib, var, x)
    functional(lib).batch_norm(x, running_mean, running_var, weight, bias, True, momentum)
    return running_mean, running_var


def batch_norm_evaluation(lib, x, weight, bias, mean, var, _momentum):
    F = functional(lib)
    mean = np.zeros_like(var) if mean is None else mean
    running_mean, running_var = float_constant(lib, mean, x), float_constant(lib, var, x)
    return (F.batch_norm(x, running_mean, running_var, weight, bias),
            F.batch_norm(x, running_mean, running_var, eps=0.1))


@st.composite
def layer_norm_arrays(draw):
    """x (*, normalised axes), weight and bias of the normalised axes' shape (one or two)."""
    normalized = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    return (draw(spread_out(batch + normalized)), draw(arrays(normalized)),
            draw(arrays(normalized)))


def layer_norm_call(lib, x, weight, bias):
    F, normalized = functional(lib), tuple(weight.shape)
    return (F.layer_norm(x, normalized, weight, bias),
            F.layer_norm(x, normalized, eps=0.1), F.layer_norm(x, list(normalized), weight))


def group_counts(x, weight, bias):
    channels = x.shape[1]
    return st.tuples(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))


def group_norm_call(lib, x, weight, bias, groups):
    F = functional(lib)
    return F.group_norm(x, groups, weight, bias), F.group_norm(x, groups, eps=0.1)


NORMALIZATION = [
    OpEntry(("nn.functional.batch_norm",), batch_norm_training,
            channel_arrays(min_values_per_channel=2), constants=running_statistics,
            second_order=True,
            name="batch_norm (training: batch statistics)"),
    OpEntry(("nn.functional.batch_norm",), batch_norm_running_statistics,
            channel_arrays(min_values_per_channel=2), constants=running_statistics, grad=False,
            name="batch_norm (training: the running statistics it updates)"),
    OpEntry(("nn.functional.batch_norm",), batch_norm_evaluation, channel_arrays(),
            constants=running_statistics, second_order=True,
            name="batch_norm (evaluation: running statistics)"),
    OpEntry(("nn.functional.layer_norm",), layer_norm_call, layer_norm_arrays(),
            second_order=True, name="layer_norm (one or two axes, affine or not)"),
    OpEntry(("nn.functional.group_norm",), group_norm_call, channel_arrays(2),
            constants=group_counts, second_order=True, name="group_norm (groups, affine or not)"),
]

LAYER_ENTRIES = NORMALIZATION
