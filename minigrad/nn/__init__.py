"""minigrad.nn: layers, losses and their building blocks, with torch.nn's names and behaviour.

    import minigrad.nn as nn
    import minigrad.nn.functional as F

`Module` (modules/module.py) is the base class every layer and model derives
from; `functional` holds the same operations as plain functions; `init` the
ways to fill parameters with initial values.
"""
from . import functional, init
from .modules import (AvgPool2d, BCELoss, BCEWithLogitsLoss, Conv2d, CrossEntropyLoss, Dropout,
                      Flatten, LeakyReLU, Linear, MaxPool2d, Module, MSELoss, NLLLoss, ReLU,
                      Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter
from .modules import (GRU, LSTM, RNN, Embedding, GRUCell, LSTMCell, RNNBase, RNNCell,
                      RNNCellBase)
from . import utils
from .modules import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm
from .modules import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, ConstantPad2d, Conv1d,
                      ConvTranspose2d, ReflectionPad1d, ReflectionPad2d, ReplicationPad1d,
                      ReplicationPad2d, Upsample, UpsamplingBilinear2d, UpsamplingNearest2d,
                      ZeroPad2d)
from .modules import (Identity, ModuleDict, ModuleList, ParameterDict, ParameterList,
                      Unflatten)
from .modules import (CELU, ELU, GELU, SELU, AlphaDropout, Dropout2d, Hardsigmoid, Hardswish,
                      Hardtanh, LogSoftmax, Mish, PReLU, ReLU6, SiLU, Softmin, Softplus)

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "Linear", "Conv2d",
           "AvgPool2d", "MaxPool2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Flatten",
           "Dropout", "CrossEntropyLoss", "MSELoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
__all__ += ["utils", "Embedding", "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell",
            "LSTMCell", "GRUCell"]
__all__ += ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]
__all__ += ["Conv1d", "ConvTranspose2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "ConstantPad2d", "ReflectionPad1d", "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "Upsample", "UpsamplingBilinear2d", "UpsamplingNearest2d", "ZeroPad2d"]
__all__ += ["ModuleList", "ModuleDict", "ParameterList", "ParameterDict", "Identity", "Unflatten"]
__all__ += ["ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Softplus", "ReLU6", "Hardtanh",
            "Hardsigmoid", "Hardswish", "PReLU", "LogSoftmax", "Softmin", "Dropout2d",
            "AlphaDropout"]

from .modules import (CosineEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss,  # noqa: E402
                      MarginRankingLoss, SmoothL1Loss)

__all__ += ["L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "MarginRankingLoss",
            "CosineEmbeddingLoss"]
