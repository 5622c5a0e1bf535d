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
from .modules import BatchNorm1d, BatchNorm2d, BatchNorm3d, GroupNorm, LayerNorm

__all__ = ["functional", "init", "Module", "Parameter", "Sequential", "Linear", "Conv2d",
           "AvgPool2d", "MaxPool2d", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Flatten",
           "Dropout", "CrossEntropyLoss", "MSELoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
__all__ += ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]
