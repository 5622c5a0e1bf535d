"""The layers of minigrad.nn, one family per file, as in torch.nn.modules."""
from .activation import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .pooling import AvgPool2d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .normalization import GroupNorm, LayerNorm
from .conv import Conv1d, ConvTranspose2d
from .resampling import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, ConstantPad2d, ReflectionPad1d,
                         ReflectionPad2d, ReplicationPad1d, ReplicationPad2d, Upsample,
                         UpsamplingBilinear2d, UpsamplingNearest2d, ZeroPad2d)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList
from .flatten import Identity, Unflatten
from .activation import (CELU, ELU, GELU, SELU, Hardsigmoid, Hardswish, Hardtanh, LogSoftmax,
                         Mish, PReLU, ReLU6, SiLU, Softmin, Softplus)
from .dropout import AlphaDropout, Dropout2d
from .loss import (CosineEmbeddingLoss, HuberLoss, KLDivLoss, L1Loss, MarginRankingLoss,
                   SmoothL1Loss)
