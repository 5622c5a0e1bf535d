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
from strategies import arrays, away_from, dim, distinct_arrays, nonzero, positives, reals


def functional(lib):
    return lib.nn.functional


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


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

# ---------------------------------------------------------------------------
# transposed and 1-D convolution
# ---------------------------------------------------------------------------


@st.composite
def conv_transpose_arrays(draw, batched=True):
    """x (N, C, H, W), weight (C, O / groups, kH, kW), bias (O,); groups is C / weight's C."""
    groups = draw(st.sampled_from([1, 1, 2]))
    in_per_group, out_per_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    size = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    batch = (draw(st.integers(1, 2)),) if batched else ()
    return (draw(arrays(batch + (groups * in_per_group,) + size)),
            draw(arrays((groups * in_per_group, out_per_group) + kernel)),
            draw(arrays((groups * out_per_group,))))


def conv_transpose_options(x, weight, bias):
    """Constants: stride, padding, output_padding (below the stride or the dilation),
    dilation, groups; the output at least one pixel, with output_padding or without."""
    groups = bias.shape[0] // weight.shape[1]
    options = st.tuples(st.sampled_from([1, 2, (2, 1)]), st.sampled_from([0, 1, (1, 0)]),
                        st.sampled_from([0, 1]), st.sampled_from([1, 2]), st.just(groups))

    def valid(o):
        stride, padding, extra, dilation, _ = o
        stride, padding = _pair(stride), _pair(padding)
        if any(extra >= s and extra >= dilation for s in stride):
            return False
        return all((n - 1) * s - 2 * p + dilation * (k - 1) + 1 >= 1 for n, s, p, k in
                   zip(x.shape[-2:], stride, padding, weight.shape[-2:]))

    return options.filter(valid)


def conv_transpose_call(lib, x, w, b, stride, padding, output_padding, dilation, groups):
    conv_transpose2d = functional(lib).conv_transpose2d
    return (conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
            conv_transpose2d(x, w, stride=stride, padding=padding, groups=groups,
                             dilation=dilation))


@st.composite
def conv1d_arrays(draw):
    """x (N, C, L), weight (O, C / groups, k), bias (O,), and groups."""
    groups = draw(st.sampled_from([1, 2]))
    in_per_group, out_per_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel, length = draw(st.integers(1, 3)), draw(st.integers(3, 5))
    return (draw(arrays((draw(st.integers(1, 2)), groups * in_per_group, length))),
            draw(arrays((groups * out_per_group, in_per_group, kernel))),
            draw(arrays((groups * out_per_group,))))


def conv1d_options(x, weight, bias):
    groups = x.shape[1] // weight.shape[1]
    return st.tuples(st.sampled_from([1, 2, (2,)]), st.sampled_from([0, 1, "same", "valid"]),
                     st.sampled_from([1, 2]), st.just(groups)).filter(
        lambda o: (o[1] != "same" or o[0] == 1)
        and o[2] * (weight.shape[2] - 1) + 1 <= x.shape[2] + 2 * (o[1] if o[1] in (0, 1) else 0))


def conv1d_call(lib, x, w, b, stride, padding, dilation, groups):
    conv1d = functional(lib).conv1d
    return (conv1d(x, w, b, stride, padding, dilation, groups),
            conv1d(x[0], w, stride=stride, padding=padding, dilation=dilation, groups=groups))


CONVOLUTION_FORMS = [
    OpEntry(("nn.functional.conv_transpose2d",), conv_transpose_call, conv_transpose_arrays(),
            constants=conv_transpose_options, second_order=True,
            name="conv_transpose2d (stride, padding, output_padding, dilation, groups)"),
    OpEntry(("nn.functional.conv_transpose2d",), conv_transpose_call,
            conv_transpose_arrays(batched=False), constants=conv_transpose_options,
            second_order=True, name="conv_transpose2d (one unbatched image)"),
    OpEntry(("nn.functional.conv1d",), conv1d_call, conv1d_arrays(), constants=conv1d_options,
            second_order=True, name="conv1d (stride, padding, dilation, groups; unbatched)"),
]

# ---------------------------------------------------------------------------
# pooling, padding and interpolation
# ---------------------------------------------------------------------------


def images(min_side=1, max_side=4, distinct=False):
    """One (N, C, H, W) array; its values pairwise distinct for max pooling (no ties)."""
    shape = st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(min_side, max_side),
                      st.integers(min_side, max_side))
    return st.tuples(distinct_arrays(shape) if distinct else arrays(shape))


def output_sizes(x):
    """Constants: an adaptive pool's output size: an int, a pair (None keeps an axis), sizes
    that do not divide the input's, and larger than the input."""
    side = st.integers(1, 5)
    return st.tuples(side | st.tuples(side | st.none(), side))


ADAPTIVE_AND_RESAMPLING = [
    OpEntry(("nn.functional.adaptive_avg_pool2d",),
            lambda lib, x, size: (functional(lib).adaptive_avg_pool2d(x, size),
                                  functional(lib).adaptive_avg_pool2d(x[0], size)),
            images(), constants=output_sizes, second_order=True,
            name="adaptive_avg_pool2d (any output size; unbatched)"),
    OpEntry(("nn.functional.adaptive_max_pool2d",),
            lambda lib, x, size: (*functional(lib).adaptive_max_pool2d(x, size, True),
                                  functional(lib).adaptive_max_pool2d(x[0], size)),
            images(distinct=True), constants=output_sizes, second_order=True,
            name="adaptive_max_pool2d (any output size, indices; unbatched)"),
    OpEntry(("nn.functional.avg_pool2d",),
            lambda lib, x, kernel, padding, divisor: functional(lib).avg_pool2d(
                x, kernel, 1, padding, count_include_pad=False, divisor_override=divisor),
            images(min_side=2), constants=lambda x: st.tuples(
                st.sampled_from([1, 2, (2, 1)]), st.sampled_from([0, 1]),
                st.none() | st.sampled_from([1, 3])).filter(lambda o: o[1] <= min(_pair(o[0])) // 2),
            second_order=True, name="avg_pool2d (divisor_override)"),
    OpEntry(("nn.functional.pad",),
            lambda lib, x, widths, mode, value: functional(lib).pad(x, widths, mode, value),
            images(min_side=3),
            constants=lambda x: st.one_of(
                st.tuples(st.tuples(*[st.integers(-1, 2)] * 4), st.just("constant"),
                          st.sampled_from([None, 0.5])),
                st.tuples(st.tuples(*[st.integers(0, 2)] * 4),
                          st.sampled_from(["reflect", "replicate", "circular"]), st.none())),
            second_order=True, name="pad (constant with negative widths, reflect, replicate, "
                                    "circular)"),
    OpEntry(("nn.functional.interpolate",),
            lambda lib, x, size, scale, mode, corners: functional(lib).interpolate(
                x, size=size, scale_factor=None if size is not None else scale, mode=mode,
                align_corners=corners),
            images(),
            constants=lambda x: st.tuples(
                st.none() | st.tuples(st.integers(1, 5), st.integers(1, 5)),
                st.sampled_from([2, 1.5, (0.75, 2.5)]),
                st.sampled_from(["nearest", "nearest-exact", "bilinear"]),
                st.none()).flatmap(lambda o: st.tuples(
                    st.just(o[0]), st.just(o[1]), st.just(o[2]),
                    st.sampled_from([False, True]) if o[2] == "bilinear" else st.none())).filter(
                lambda o: o[0] is not None or all(int(n * f) >= 1 for n, f in zip(
                    x.shape[2:], _pair(o[1])))),
            second_order=True, name="interpolate (nearest, nearest-exact, bilinear; size or "
                                    "scale_factor; align_corners)"),
    OpEntry(("nn.functional.interpolate",),
            lambda lib, x, mode: (functional(lib).interpolate(x, scale_factor=2.5, mode=mode),
                                  functional(lib).interpolate(x, size=4, mode=mode)),
            st.tuples(arrays(st.tuples(st.integers(1, 2), st.integers(1, 2),
                                       st.integers(1, 4)))),
            constants=st.tuples(st.sampled_from(["nearest", "linear"])), second_order=True,
            name="interpolate (1-D: nearest, linear)"),
]

# ---------------------------------------------------------------------------
# activations and dropout
# ---------------------------------------------------------------------------


def one(elements=None, shape=None):
    return st.tuples(arrays(shape, elements))


def prelu_arrays():
    """x (N, C, *) and one slope shared or one per channel."""
    return st.tuples(st.integers(1, 2), st.integers(1, 3), st.lists(st.integers(1, 2),
                                                                     max_size=2)).flatmap(
        lambda s: st.tuples(arrays((s[0], s[1]) + tuple(s[2]), away_from(0.0)),
                            arrays(st.sampled_from([(1,), (s[1],)]))))


ACTIVATION_FUNCTIONS = [
    OpEntry(("nn.functional.elu",),
            lambda lib, x: (functional(lib).elu(x), functional(lib).elu(x, alpha=0.7)),
            one(away_from(0.0)), second_order=True),
    OpEntry(("nn.functional.selu",), lambda lib, x: functional(lib).selu(x),
            one(away_from(0.0)), second_order=True),
    OpEntry(("nn.functional.celu",),
            lambda lib, x: (functional(lib).celu(x), functional(lib).celu(x, alpha=1.5)),
            one(away_from(0.0)), second_order=True),
    OpEntry(("nn.functional.gelu",),
            lambda lib, x: (functional(lib).gelu(x), functional(lib).gelu(x, approximate="tanh")),
            one(reals(5.0)), second_order=True, name="gelu (exact and tanh)"),
    OpEntry(("nn.functional.silu",), lambda lib, x: functional(lib).silu(x), one(),
            second_order=True),
    OpEntry(("nn.functional.mish",), lambda lib, x: functional(lib).mish(x), one(),
            second_order=True),
    OpEntry(("nn.functional.softmin",), lambda lib, x, d: functional(lib).softmin(x, d),
            one(), constants=lambda x: st.tuples(dim(x.ndim)), second_order=True),
    OpEntry(("nn.functional.hardtanh",),
            lambda lib, x: (functional(lib).hardtanh(x), functional(lib).hardtanh(x, -2.0, 0.5)),
            one(away_from(-2.0, -1.0, 0.5, 1.0)), second_order=True),
    OpEntry(("nn.functional.relu6",), lambda lib, x: functional(lib).relu6(x),
            one(away_from(0.0, 6.0, bound=8.0)), second_order=True),
    # torch defines no second derivative for hardsigmoid (hardsigmoid_backward has none).
    OpEntry(("nn.functional.hardsigmoid",), lambda lib, x: functional(lib).hardsigmoid(x),
            one(away_from(-3.0, 3.0, bound=5.0)), rtol={"float64": 1e-7},
            tolerance_reason="torch's CPU hardsigmoid_backward multiplies by 1/6 rounded to "
                             "float32 (0.1666666716...) in float64 too, 3e-8 relative from the "
                             "exact 1/6 that minigrad uses (and finite differences confirm)"),
    OpEntry(("nn.functional.hardswish",), lambda lib, x: functional(lib).hardswish(x),
            one(away_from(-3.0, 3.0, bound=5.0)), second_order=True),
    OpEntry(("nn.functional.prelu",), lambda lib, x, w: functional(lib).prelu(x, w),
            prelu_arrays(), second_order=True, name="prelu (one slope or one per channel)"),
    OpEntry(("nn.functional.dropout2d", "nn.functional.alpha_dropout"),
            lambda lib, x: (functional(lib).dropout2d(x, 0.0), functional(lib).dropout2d(x, 1.0),
                            functional(lib).dropout2d(x, 0.5, training=False),
                            functional(lib).alpha_dropout(x, 0.0, training=True),
                            functional(lib).alpha_dropout(x, 0.5)),
            one(shape=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2),
                                st.integers(1, 2))),
            second_order=True, name="dropout2d and alpha_dropout (p = 0, p = 1, eval)"),
]

# ---------------------------------------------------------------------------
# regression, divergence, ranking and similarity losses
# ---------------------------------------------------------------------------

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def pair_of(elements=None, min_dims=0):
    return st.integers(min_dims, 2).flatmap(lambda n: st.tuples(
        *[st.integers(1, 3)] * n)).flatmap(
        lambda shape: st.tuples(arrays(shape, elements), arrays(shape, elements)))


def positive_weights(x):
    """A weight array of x's shape (l1_loss and huber_loss take no other)."""
    return hnp.arrays(np.float64, x.shape, elements=positives(0.2, 2.0))


def signs(x, *_):
    return st.tuples(hnp.arrays(np.float64, x.shape[:1] if x.ndim == 2 else x.shape,
                                elements=st.sampled_from([-1.0, 1.0])),
                     st.sampled_from([0.0, 0.3]), REDUCTIONS)


def vectors_pair():
    """Two (N, D) arrays a and b = a + sign(a)·|d|, every element of a and of d at least 0.1
    from 0: no element of a or b and no difference near zero (the norms' kinks)."""
    return st.tuples(st.integers(1, 3), st.integers(2, 3)).flatmap(
        lambda shape: st.tuples(arrays(shape, nonzero()), arrays(shape, nonzero()))).map(
        lambda pair: (pair[0], pair[0] + np.sign(pair[0]) * np.abs(pair[1])))


LOSS_FUNCTIONS = [
    OpEntry(("nn.functional.l1_loss", "nn.L1Loss"),
            lambda lib, x, t, weight, reduction: (
                functional(lib).l1_loss(x, t, reduction=reduction),
                functional(lib).l1_loss(x, t, reduction=reduction,
                                        weight=float_constant(lib, weight, x)),
                lib.nn.L1Loss(reduction=reduction)(x, t)),
            pair_of(), constants=lambda x, t: st.tuples(positive_weights(x), REDUCTIONS).filter(
                lambda _: bool((np.abs(x - t) > 1e-2).all())),
            second_order=True, name="l1_loss and L1Loss (weight, reduction)"),
    OpEntry(("nn.functional.smooth_l1_loss", "nn.functional.huber_loss", "nn.SmoothL1Loss",
             "nn.HuberLoss"),
            lambda lib, x, t, weight, reduction, beta: (
                functional(lib).smooth_l1_loss(x, t, reduction=reduction, beta=beta),
                functional(lib).huber_loss(x, t, reduction=reduction, delta=beta),
                functional(lib).huber_loss(x, t, reduction=reduction, delta=beta,
                                           weight=float_constant(lib, weight, x)),
                lib.nn.SmoothL1Loss(reduction=reduction, beta=beta)(x, t),
                lib.nn.HuberLoss(reduction=reduction, delta=beta)(x, t)),
            pair_of(), constants=lambda x, t: st.tuples(positive_weights(x), REDUCTIONS,
                                                        st.sampled_from([0.5, 1.0, 2.0])).filter(
                lambda o: bool((np.abs(np.abs(x - t) - o[2]) > 1e-2).all()
                               and (np.abs(x - t) > 1e-2).all())),
            second_order=True,
            name="smooth_l1_loss, huber_loss and their modules (beta, delta, weight, reduction)"),
    OpEntry(("nn.functional.kl_div", "nn.KLDivLoss"),
            lambda lib, x, t, reduction: (
                functional(lib).kl_div(x, t, reduction=reduction),
                functional(lib).kl_div(x, t.log(), reduction=reduction, log_target=True),
                lib.nn.KLDivLoss(reduction=reduction)(x, t),
                lib.nn.KLDivLoss(reduction=reduction, log_target=True)(x, t.log())),
            st.tuples(st.integers(1, 3), st.integers(1, 3)).flatmap(lambda shape: st.tuples(
                arrays(shape), arrays(shape, positives(0.05, 1.0)))),
            constants=lambda x, t: st.tuples(st.sampled_from(["mean", "sum", "none",
                                                              "batchmean"])),
            second_order=True, name="kl_div and KLDivLoss (reduction, batchmean, log_target)"),
    OpEntry(("nn.functional.margin_ranking_loss", "nn.MarginRankingLoss"),
            lambda lib, a, b, y, margin, reduction: (
                functional(lib).margin_ranking_loss(a, b, float_constant(lib, y, a), margin,
                                                    reduction=reduction),
                lib.nn.MarginRankingLoss(margin, reduction=reduction)(
                    a, b, float_constant(lib, y, a))),
            st.integers(1, 4).flatmap(lambda n: st.tuples(arrays((n,)), arrays((n,)))),
            constants=lambda a, b: signs(a).filter(lambda o: bool(
                (np.abs(-o[0] * (a - b) + o[1]) > 1e-2).all())),
            second_order=True,
            name="margin_ranking_loss and MarginRankingLoss (margin, reduction)"),
    OpEntry(("nn.functional.cosine_embedding_loss", "nn.CosineEmbeddingLoss"),
            lambda lib, a, b, y, margin, reduction: (
                functional(lib).cosine_embedding_loss(a, b, float_constant(lib, y, a), margin,
                                                      reduction=reduction),
                lib.nn.CosineEmbeddingLoss(margin, reduction=reduction)(
                    a, b, float_constant(lib, y, a))),
            vectors_pair(), constants=lambda a, b: signs(a).filter(lambda o: bool((np.abs(
                (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1)) - o[1])
                > 1e-2).all())),
            second_order=True,
            name="cosine_embedding_loss and CosineEmbeddingLoss (margin, reduction)"),
    OpEntry(("nn.functional.cosine_similarity", "nn.functional.pairwise_distance",
             "nn.functional.normalize"),
            lambda lib, a, b: (functional(lib).cosine_similarity(a, b),
                               functional(lib).cosine_similarity(a, b, dim=0),
                               functional(lib).pairwise_distance(a, b),
                               functional(lib).pairwise_distance(a, b, p=1.5, keepdim=True),
                               functional(lib).normalize(a), functional(lib).normalize(b, p=3,
                                                                                     dim=0)),
            vectors_pair(), second_order=True,
            name="cosine_similarity, pairwise_distance, normalize"),
    OpEntry(("nn.functional.one_hot",),
            lambda lib, x, labels: (functional(lib).one_hot(constant(lib, labels, x)),
                                    functional(lib).one_hot(constant(lib, labels, x), 5)),
            one(shape=(1,)), constants=lambda x: st.tuples(hnp.arrays(
                np.int64, st.tuples(st.integers(1, 3), st.integers(1, 3)),
                elements=st.integers(0, 4))), grad=False, name="one_hot"),
]

LAYER_ENTRIES = (NORMALIZATION + CONVOLUTION_FORMS + ADAPTIVE_AND_RESAMPLING
                 + ACTIVATION_FUNCTIONS + LOSS_FUNCTIONS)
