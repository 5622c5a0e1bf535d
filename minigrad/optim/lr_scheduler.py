"""Learning-rate schedules: change each parameter group's "lr" as training goes on.

`StepLR`, and on the base class `LRScheduler`: `MultiStepLR`, `ExponentialLR`, `LambdaLR`,
`CosineAnnealingLR`.
"""
import math

from .optimizer import Optimizer


def initial_lrs(optimizer, last_epoch):
    """Each group's starting rate ("initial_lr"): recorded now on a fresh start (last_epoch -1),
    required in the groups when resuming, as PyTorch's schedulers do."""
    if last_epoch == -1:
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
    else:
        for i, group in enumerate(optimizer.param_groups):
            if "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    "a scheduler with last_epoch >= 0: load the optimizer's state_dict first")
    return [group["initial_lr"] for group in optimizer.param_groups]


class StepLR:
    """Multiply every group's learning rate by gamma once every `step_size` epochs.

        lr(epoch) = initial_lr · gamma^⌊epoch / step_size⌋

    Call `step()` once per epoch, after the epoch's `optimizer.step()` calls. As
    in PyTorch, the new rate is the current one times gamma (not the closed
    form above), so a rate changed by hand stays changed.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.optimizer = optimizer
        self.step_size = step_size
        self.gamma = gamma
        self.base_lrs = initial_lrs(optimizer, last_epoch)
        self.last_epoch = last_epoch
        self.step()

    def step(self):
        """Move to the next epoch, decaying the learning rates when it is a multiple of step_size."""
        self.last_epoch += 1
        if self.last_epoch != 0 and self.last_epoch % self.step_size == 0:
            for group in self.optimizer.param_groups:
                group["lr"] *= self.gamma
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rate of each parameter group, as set by the last `step()`."""
        return self._last_lr

    def state_dict(self):
        """Everything but the optimizer, under PyTorch's names."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class LRScheduler:
    """Base class of the schedules below, as PyTorch's: `step()` advances `last_epoch` by one
    and sets each group's "lr" to `get_lr()`; the constructor takes the first step (epoch 0),
    recording each group's starting rate as its "initial_lr" (the `base_lrs`)."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        self.base_lrs = initial_lrs(optimizer, last_epoch)
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        raise NotImplementedError

    def step(self):
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rate of each parameter group, as set by the last `step()`."""
        return self._last_lr

    def _current(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        """Everything but the optimizer (and functions), under PyTorch's names."""
        return {key: value for key, value in vars(self).items()
                if key not in ("optimizer", "lr_lambdas")}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


class MultiStepLR(LRScheduler):
    """Multiply the rates by gamma at each epoch listed in `milestones` (by gamma^k at an epoch
    listed k times)."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        self.milestones = {}
        for milestone in milestones:
            self.milestones[milestone] = self.milestones.get(milestone, 0) + 1
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch not in self.milestones:
            return self._current()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current()]


class ExponentialLR(LRScheduler):
    """Multiply the rates by gamma every epoch: lr(epoch) = initial_lr · gammaᵉᵖᵒᶜʰ."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return self._current() if self._is_initial else [lr * self.gamma
                                                         for lr in self._current()]


class LambdaLR(LRScheduler):
    """lr(epoch) = initial_lr · lr_lambda(epoch), one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"Expected {groups} lr_lambdas, but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * rule(self.last_epoch) for rule, base in zip(self.lr_lambdas,
                                                                   self.base_lrs)]


class CosineAnnealingLR(LRScheduler):
    """Anneal the rates along a half cosine from initial_lr down to eta_min over T_max epochs
    (and back up over the next T_max, as in SGDR without restarts):

        lr(t) = eta_min + (initial_lr - eta_min)·(1 + cos(π·t/T_max))/2

    computed step by step from the previous rate, as PyTorch does, so a rate changed by hand
    is followed from where it is."""

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        epoch, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current()
        if self._step_count == 1 and epoch > 0:
            return [low + (base - low) * (1 + math.cos(epoch * math.pi / period)) / 2
                    for base in self.base_lrs]
        if (epoch - 1 - period) % (2 * period) == 0:
            return [lr + (base - low) * (1 - math.cos(math.pi / period)) / 2
                    for lr, base in zip(self._current(), self.base_lrs)]
        ratio = (1 + math.cos(math.pi * epoch / period)) / (1 + math.cos(math.pi * (epoch - 1)
                                                                          / period))
        return [ratio * (lr - low) + low for lr in self._current()]
