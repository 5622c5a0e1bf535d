"""minigrad.nn.functional: the layers and losses as plain functions, named and called as in
torch.nn.functional.

Each function lives with its family of ops in `minigrad/ops/` (the forward
and the backward side by side); this module gathers them under PyTorch's names.
"""
from ..ops.activations import leaky_relu, log_softmax, relu, sigmoid, softmax, softplus, tanh
from ..ops.convolution import conv2d
from ..ops.losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                          mse_loss, nll_loss)
from ..ops.nn_ops import dropout, linear
from ..ops.embedding import embedding
from ..ops.pooling import avg_pool2d, max_pool2d

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "softplus", "softmax", "log_softmax", "linear",
           "conv2d", "avg_pool2d", "max_pool2d", "dropout", "cross_entropy", "nll_loss",
           "mse_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
__all__ += ["embedding"]

from ..ops.normalization import batch_norm, group_norm, layer_norm  # noqa: E402

__all__ += ["batch_norm", "layer_norm", "group_norm"]

from ..ops.convolution_forms import conv1d, conv_transpose2d  # noqa: E402
from ..ops.resampling import (adaptive_avg_pool2d, adaptive_max_pool2d, interpolate,  # noqa: E402
                              pad)

__all__ += ["conv1d", "conv_transpose2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
            "interpolate", "pad"]

from ..ops.exponential_units import celu, elu, gelu, mish, selu, silu, softmin  # noqa: E402
from ..ops.hard_activations import (hardsigmoid, hardswish, hardtanh, prelu,  # noqa: E402
                                    relu6)
from ..ops.nn_ops import alpha_dropout, dropout2d  # noqa: E402

__all__ += ["elu", "selu", "celu", "gelu", "silu", "mish", "softmin", "hardtanh", "relu6",
            "hardsigmoid", "hardswish", "prelu", "dropout2d", "alpha_dropout"]

from ..ops.distance_losses import (cosine_embedding_loss, cosine_similarity,  # noqa: E402
                                   huber_loss, kl_div, l1_loss, margin_ranking_loss, normalize,
                                   one_hot, pairwise_distance, smooth_l1_loss)

__all__ += ["l1_loss", "smooth_l1_loss", "huber_loss", "kl_div", "margin_ranking_loss",
            "cosine_embedding_loss", "cosine_similarity", "pairwise_distance", "normalize",
            "one_hot"]
