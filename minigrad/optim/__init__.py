"""Optimisers: `SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`, `Adadelta`, their base class
`Optimizer`, and the learning-rate schedules of `lr_scheduler`.

Reading order: `optimizer` (parameter groups, state, the step loop), then
`sgd` and `adam`, each an update rule written as a formula and then as code.
"""
from . import lr_scheduler
from .adam import Adam
from .adaptive import Adadelta, Adagrad, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "lr_scheduler"]
__all__ += ["AdamW", "RMSprop", "Adagrad", "Adadelta"]
