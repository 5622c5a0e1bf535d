"""Optimisers: `SGD`, `Adam`, their base class `Optimizer`, and `lr_scheduler.StepLR`.

Reading order: `optimizer` (parameter groups, state, the step loop), then
`sgd` and `adam`, each an update rule written as a formula and then as code.
"""
from . import lr_scheduler
from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "lr_scheduler"]
