"""Parity-table rows for minigrad.nn.functional (see op_entry.py); joined into op_table.py.

Every public function of minigrad.nn.functional has a row here. Options that
select a different code path (stride, padding, dilation and groups; kernel
sizes other than the stride; ceil_mode; every reduction; class weights,
ignore_index, label smoothing, pos_weight) are drawn as constants, so each
row covers them all. Losses, linear, conv2d and pooling are also checked to
second order.

Constants that are tensors (targets, class weights) are made with
`constant(...)`, on the inputs' device; float ones are cast to the inputs' dtype.
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad.nn.functional  # noqa: F401  (so that `minigrad.nn` is there, as `torch.nn` is)
from op_entry import OpEntry, constant
from strategies import (arrays, away_from, class_indices, dim, distinct_arrays, inputs, positives,
                        probabilities, reals, same_shape_arrays, shapes)

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def functional(lib):
    return lib.nn.functional


def float_constant(lib, array, like):
    """A drawn float array as a tensor of `like`'s dtype and device (None stays None)."""
    return None if array is None else constant(lib, array, like).to(like.dtype)


def one(elements=None, shape=None):
    return inputs(arrays(shape, elements))


# ---------------------------------------------------------------------------
# activations (the ops of the core table, under their torch.nn.functional names)
# ---------------------------------------------------------------------------

ACTIVATIONS = [
    OpEntry(("nn.functional.sigmoid",), lambda lib, x: functional(lib).sigmoid(x),
            one(), second_order=True),
    OpEntry(("nn.functional.tanh",), lambda lib, x: functional(lib).tanh(x),
            one(), second_order=True),
    OpEntry(("nn.functional.relu",), lambda lib, x: functional(lib).relu(x),
            one(away_from(0.0)), second_order=True),
    OpEntry(("nn.functional.leaky_relu",),
            lambda lib, x: (functional(lib).leaky_relu(x), functional(lib).leaky_relu(x, 0.2)),
            one(away_from(0.0)), second_order=True),
    OpEntry(("nn.functional.softplus",),
            lambda lib, x: (functional(lib).softplus(x),
                            functional(lib).softplus(x, beta=2.0, threshold=1.0)),
            one(away_from(0.5)), second_order=True),
    OpEntry(("nn.functional.softmax",), lambda lib, x, d: functional(lib).softmax(x, d),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    OpEntry(("nn.functional.log_softmax",), lambda lib, x, d: functional(lib).log_softmax(x, d),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
]

# ---------------------------------------------------------------------------
# linear and dropout
# ---------------------------------------------------------------------------


@st.composite
def linear_arrays(draw):
    """x (*, in) of rank 1 to 3, weight (out, in), bias (out,)."""
    batch = draw(shapes(max_dims=2))
    in_features, out_features = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(arrays(batch + (in_features,))), draw(arrays((out_features, in_features))),
            draw(arrays((out_features,))))


LINEAR = [
    OpEntry(("nn.functional.linear",),
            lambda lib, x, w, b: (functional(lib).linear(x, w, b), functional(lib).linear(x, w)),
            linear_arrays(), second_order=True),
    # Deterministic settings only: the mask of 0 < p < 1 comes from each library's own generator.
    OpEntry(("nn.functional.dropout",),
            lambda lib, x: (functional(lib).dropout(x, 0.0), functional(lib).dropout(x, 1.0),
                            functional(lib).dropout(x, 0.5, training=False)),
            one(), second_order=True, name="dropout (p = 0, p = 1, eval)"),
]

# ---------------------------------------------------------------------------
# convolution and pooling
# ---------------------------------------------------------------------------


def _fits(size, kernel, padding, dilation):
    return dilation * (kernel - 1) + 1 <= size + 2 * padding


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


def _window_fits(x, kernel, padding, dilation=1):
    kernel, padding, dilation = _pair(kernel), _pair(padding), _pair(dilation)
    return all(_fits(n, k, p, d) for n, k, p, d in zip(x.shape[-2:], kernel, padding, dilation))


@st.composite
def conv_arrays(draw, batched=True):
    """x (N, C, H, W), weight (O, C / groups, kH, kW), bias (O,); groups is C / weight's C."""
    groups = draw(st.sampled_from([1, 1, 2]))
    in_per_group, out_per_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    batch = (draw(st.integers(1, 2)),) if batched else ()
    return (draw(arrays(batch + (groups * in_per_group,) + size)),
            draw(arrays((groups * out_per_group, in_per_group) + kernel)),
            draw(arrays((groups * out_per_group,))))


def conv_options(x, weight, bias):
    """Constants: stride, padding, dilation (the kernel fitting the padded input) and groups."""
    groups = x.shape[-3] // weight.shape[1]
    options = st.tuples(st.sampled_from([1, 2, (1, 2)]), st.sampled_from([0, 1, (1, 0)]),
                        st.sampled_from([1, 2, (2, 1)]), st.just(groups))
    return options.filter(
        lambda o: _window_fits(x, weight.shape[-2:], o[1], o[2]))


def conv_call(lib, x, w, b, stride, padding, dilation, groups):
    conv2d = functional(lib).conv2d
    return (conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups),
            conv2d(x, w, stride=stride, padding=padding, dilation=dilation, groups=groups))


def pool_arrays(distinct=False):
    """One (N, C, H, W) array, its elements pairwise distinct for max pooling (no ties)."""
    shape = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 5), st.integers(1, 5))
    return inputs(distinct_arrays(shape) if distinct else arrays(shape))


def pool_options(x, dilations=(1,)):
    """Constants: kernel_size, stride (None: the kernel), padding, dilation, ceil_mode, and a flag.

    Kernels other than the stride are the rule; padding is at most half the
    (dilated) kernel, as PyTorch requires. Dilated kernels come without
    padding: their taps could otherwise all fall in the padding of a small
    input, a window of -inf alone.
    """
    options = st.tuples(st.sampled_from([1, 2, 3, (2, 3)]), st.sampled_from([None, 1, 2, (2, 1)]),
                        st.sampled_from([0, 1]), st.sampled_from(dilations), st.booleans(),
                        st.booleans())

    def valid(o):
        kernel, _, padding, dilation, _, _ = o
        effective = [d * (k - 1) + 1 for k, d in zip(_pair(kernel), _pair(dilation))]
        return (all(padding <= e // 2 for e in effective) and (padding == 0 or dilation == 1)
                and _window_fits(x, kernel, padding, dilation))

    return options.filter(valid)


def avg_pool_call(lib, x, kernel, stride, padding, _dilation, ceil_mode, count_include_pad):
    return functional(lib).avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad)


def max_pool_call(lib, x, kernel, stride, padding, dilation, ceil_mode, return_indices):
    result = functional(lib).max_pool2d(x, kernel, stride, padding, dilation, ceil_mode,
                                        return_indices)
    return tuple(result) if return_indices else result


def conv_padding_string_options(x, weight, bias):
    """Constants for padding='same' (stride 1: even kernels pad more after than before) and
    padding='valid' (any stride; the kernel must fit the input)."""
    groups = x.shape[-3] // weight.shape[1]
    same = st.tuples(st.just(1), st.just("same"), st.sampled_from([1, 2, (2, 1)]), st.just(groups))
    valid = st.tuples(st.sampled_from([1, 2]), st.just("valid"), st.sampled_from([1, 2, (2, 1)]),
                      st.just(groups)).filter(lambda o: _window_fits(x, weight.shape[-2:], 0, o[2]))
    return same | valid


CONVOLUTION = [
    OpEntry(("nn.functional.conv2d",), conv_call, conv_arrays(), constants=conv_options,
            second_order=True, name="conv2d (stride, padding, dilation, groups)"),
    OpEntry(("nn.functional.conv2d",), conv_call, conv_arrays(), constants=conv_padding_string_options,
            second_order=True, name="conv2d (padding='same' and 'valid')"),
    OpEntry(("nn.functional.conv2d",), conv_call, conv_arrays(batched=False),
            constants=conv_options, second_order=True, name="conv2d (one unbatched image)"),
    OpEntry(("nn.functional.avg_pool2d",), avg_pool_call, pool_arrays(), constants=pool_options,
            second_order=True, name="avg_pool2d (kernel, stride, padding, ceil_mode, "
                                    "count_include_pad)"),
    OpEntry(("nn.functional.max_pool2d",), max_pool_call, pool_arrays(distinct=True),
            constants=lambda x: pool_options(x, dilations=(1, 2)), second_order=True,
            name="max_pool2d (kernel, stride, padding, dilation, ceil_mode, indices)"),
]

# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------


@st.composite
def class_logits(draw, elements=None, min_dims=1, max_dims=4):
    """Logits (C,), (N, C) or (N, C, d1, ...) with 2 to 4 classes."""
    ndim = draw(st.integers(min_dims, max_dims))
    # Two trailing axes at most 2 long: gradgradcheck's cost grows with the element count.
    shape = tuple(draw(st.integers(1, 3 if ndim < 4 else 2)) for _ in range(ndim))
    classes = draw(st.integers(2, 4))
    shape = (classes,) if ndim == 1 else shape[:1] + (classes,) + shape[2:]
    return (draw(arrays(shape, elements)),)


def class_weights(num_classes):
    return st.none() | hnp.arrays(np.float64, (num_classes,), elements=positives(0.2, 2.0))


def index_target_options(x, smoothing=True):
    """Constants: class-index targets, class weights, ignore_index, reduction, label smoothing.

    With ignore_index = 0 some targets are ignored, but never all of them:
    the mean over no targets is 0/0, a NaN that test_nn.py checks on its own.
    """
    num_classes = x.shape[0 if x.ndim == 1 else 1]
    target_shape = () if x.ndim == 1 else x.shape[:1] + x.shape[2:]
    options = st.tuples(class_indices(num_classes, target_shape), class_weights(num_classes),
                        st.sampled_from([-100, 0]), REDUCTIONS,
                        st.sampled_from([0.0, 0.25]) if smoothing else st.just(0.0))
    return options.filter(lambda o: o[2] != 0 or bool((o[0] != 0).any()))


def cross_entropy_call(lib, x, target, weight, ignore_index, reduction, label_smoothing):
    """The function and the module (its weight a buffer)."""
    target, weight = constant(lib, target, x), float_constant(lib, weight, x)
    options = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    return (functional(lib).cross_entropy(x, target, weight=weight, **options),
            lib.nn.CrossEntropyLoss(weight, **options)(x, target))


def nll_loss_call(lib, x, target, weight, ignore_index, reduction, _label_smoothing):
    target, weight = constant(lib, target, x), float_constant(lib, weight, x)
    return (functional(lib).nll_loss(x, target, weight=weight, ignore_index=ignore_index,
                                     reduction=reduction),
            lib.nn.NLLLoss(weight, ignore_index=ignore_index, reduction=reduction)(x, target))


@st.composite
def probability_target_arrays(draw):
    """Logits and class-probability targets of the same shape (the targets differentiable too)."""
    (logits,) = draw(class_logits(max_dims=4))
    return logits, draw(arrays(logits.shape, probabilities()))


def probability_target_options(x, target):
    num_classes = x.shape[0 if x.ndim == 1 else 1]
    return st.tuples(class_weights(num_classes), REDUCTIONS, st.sampled_from([0.0, 0.25]))


def binary_target_arrays(input_elements):
    """An input and a target in [0, 1] of the same shape."""
    return shapes().flatmap(lambda shape: st.tuples(arrays(shape, input_elements),
                                                    arrays(shape, probabilities())))


def shapes_broadcasting_to(shape):
    """Shapes that broadcast to `shape` without growing it: its trailing dims, some of them 1."""
    return st.integers(0, len(shape)).flatmap(lambda count: st.tuples(
        *(st.sampled_from([1, n]) for n in shape[len(shape) - count:])))


def binary_options(x, target, pos_weight=False):
    """Constants: a weight broadcasting to the input (or None), pos_weight along the last dim
    (or None), and the reduction."""
    last = x.shape[-1:]
    weight = st.none() | hnp.arrays(np.float64, shapes_broadcasting_to(x.shape),
                                    elements=positives(0.2, 2.0))
    positive = (st.none() | hnp.arrays(np.float64, last, elements=positives(0.2, 3.0))
                if pos_weight else st.none())
    return st.tuples(weight, positive, REDUCTIONS)


LOSSES = [
    OpEntry(("nn.functional.cross_entropy", "nn.CrossEntropyLoss"), cross_entropy_call,
            class_logits(),
            constants=index_target_options, second_order=True,
            name="cross_entropy and CrossEntropyLoss (class indices, any N-d: weight, "
                 "ignore_index, reduction, label_smoothing)"),
    OpEntry(("nn.functional.cross_entropy",), cross_entropy_call, class_logits(reals(1e4), 2, 2),
            constants=index_target_options, second_order=True,
            name="cross_entropy (large logits)"),
    OpEntry(("nn.functional.cross_entropy",),
            lambda lib, x, p, weight, reduction, label_smoothing: (
                functional(lib).cross_entropy(x, p, weight=float_constant(lib, weight, x),
                                              reduction=reduction, label_smoothing=label_smoothing),
                lib.nn.CrossEntropyLoss(float_constant(lib, weight, x), reduction=reduction,
                                        label_smoothing=label_smoothing)(x, p)),
            probability_target_arrays(), constants=probability_target_options, second_order=True,
            name="cross_entropy and CrossEntropyLoss (class probabilities, any N-d: weight, "
                 "reduction, label_smoothing)"),
    OpEntry(("nn.functional.nll_loss", "nn.NLLLoss"), nll_loss_call, class_logits(),
            constants=lambda x: index_target_options(x, smoothing=False), second_order=True,
            name="nll_loss and NLLLoss (weight, ignore_index, reduction)"),
    OpEntry(("nn.functional.mse_loss", "nn.MSELoss"),
            lambda lib, x, t, weight, reduction: (
                functional(lib).mse_loss(x, t, reduction=reduction),
                functional(lib).mse_loss(x, t, reduction=reduction,
                                         weight=float_constant(lib, weight, x)),
                lib.nn.MSELoss(reduction=reduction)(x, t)),
            same_shape_arrays(2), constants=lambda x, t: st.tuples(
                hnp.arrays(np.float64, x.shape, elements=positives(0.2, 2.0)), REDUCTIONS),
            second_order=True, name="mse_loss and MSELoss (weight, reduction)"),
    OpEntry(("nn.functional.binary_cross_entropy", "nn.BCELoss"),
            lambda lib, x, t, weight, _pos_weight, reduction: (
                functional(lib).binary_cross_entropy(x, t, weight=float_constant(lib, weight, x),
                                                     reduction=reduction),
                lib.nn.BCELoss(float_constant(lib, weight, x), reduction=reduction)(x, t)),
            binary_target_arrays(probabilities(0.05)), constants=binary_options,
            second_order=True, rtol={"float64": 1e-9}, atol={"float64": 1e-7},
            tolerance_reason="torch's second derivative of binary_cross_entropy adds eps = 1e-12 "
                             "to x and 1 - x (binary_cross_entropy_double_backward): a relative "
                             "change of up to 4e-12 / min(x, 1 - x), 1e-10 for x in [0.05, 0.95], "
                             "on second derivatives up to 1 / (x(1 - x))² ~ 450, which may cancel",
            name="binary_cross_entropy and BCELoss (weight, reduction)"),
    OpEntry(("nn.functional.binary_cross_entropy_with_logits", "nn.BCEWithLogitsLoss"),
            lambda lib, x, t, weight, pos_weight, reduction: (
                functional(lib).binary_cross_entropy_with_logits(
                    x, t, weight=float_constant(lib, weight, x), reduction=reduction,
                    pos_weight=float_constant(lib, pos_weight, x)),
                lib.nn.BCEWithLogitsLoss(float_constant(lib, weight, x), reduction=reduction,
                                         pos_weight=float_constant(lib, pos_weight, x))(x, t)),
            binary_target_arrays(reals()),
            constants=lambda x, t: binary_options(x, t, pos_weight=True), second_order=True,
            name="binary_cross_entropy_with_logits and BCEWithLogitsLoss (weight, pos_weight, "
                 "reduction)"),
]

NN_ENTRIES = ACTIVATIONS + LINEAR + CONVOLUTION + LOSSES
