"""Learning-rate schedules: change each parameter group's "lr" as training goes on.

On the base class `LRScheduler`, stepped once per epoch: `StepLR`, `MultiStepLR`,
`ExponentialLR`, `LambdaLR`, `CosineAnnealingLR`; stepped once per batch: `OneCycleLR` (which
cycles the momentum too). Stepped with the validation loss: `ReduceLROnPlateau`.
"""
import math
import warnings

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


class LRScheduler:
    """Base class of the schedules below, as PyTorch's: `step()` advances `last_epoch` by one
    and sets each group's "lr" to `get_lr()`; the constructor takes the first step (epoch 0),
    recording each group's starting rate as its "initial_lr" (the `base_lrs`).

    Stepping the schedule before the optimiser has stepped once warns as PyTorch does: the
    first rate of the schedule would then never be used.
    """

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
        """The rates for epoch `last_epoch`, one per group: what each schedule defines."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self):
        """Move to the next epoch (or batch) and set each group's rate to the schedule's."""
        if self._step_count == 1 and not getattr(self.optimizer, "_stepped", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch "
                "1.1.0 and later, you should call them in the opposite order: "
                "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will "
                "result in PyTorch skipping the first value of the learning rate schedule. See "
                "more details at "
                "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
                UserWarning, stacklevel=2)
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


class StepLR(LRScheduler):
    """Multiply every group's learning rate by gamma once every `step_size` epochs.

        lr(epoch) = initial_lr · gamma^⌊epoch / step_size⌋

    Call `step()` once per epoch, after the epoch's `optimizer.step()` calls. As
    in PyTorch, the new rate is the current one times gamma (not the closed
    form above), so a rate changed by hand stays changed.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current()
        return [lr * self.gamma for lr in self._current()]


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


def per_group(name, optimizer, value):
    """`value` for each parameter group: a list or tuple as given (one per group), else
    repeated."""
    groups = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != groups:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {groups}.")
        return list(value)
    return [value] * groups


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin): stepped once per batch, the rate rises from
    initial_lr = max_lr/div_factor to max_lr over the first pct_start of total_steps, then
    falls to min_lr = initial_lr/final_div_factor by the last step; the momentum (SGD's
    "momentum", or Adam's β₁) moves the other way, from max_momentum down to base_momentum
    and back. With three_phase, the rate climbs, comes back down to initial_lr over as many
    steps, and only then falls to min_lr.

    Within a phase from step a to step b, at step t (p = (t - a)/(b - a)):

        cos:     value = end + (start - end)·(1 + cos(π·p))/2
        linear:  value = start + (end - start)·p

    The phases end at steps pct_start·total_steps - 1 (and 2·pct_start·total_steps - 2 with
    three_phase), and total_steps - 1. Stepping past total_steps is an error, as in PyTorch.
    """

    def __init__(self, optimizer, max_lr, total_steps=None, epochs=None, steps_per_epoch=None,
                 pct_start=0.3, anneal_strategy="cos", cycle_momentum=True, base_momentum=0.85,
                 max_momentum=0.95, div_factor=25.0, final_div_factor=1e4, three_phase=False,
                 last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError(f"Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        self._schedule_phases = self._phases(pct_start, three_phase)
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_func_type = anneal_strategy

        max_lrs = per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups, max_lrs):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = per_group("max_momentum", optimizer, max_momentum)
            lows = per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    self._set_momentum(group, high)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _phases(self, pct_start, three_phase):
        """Each phase: the step it ends at, and the group keys of its start and end values."""
        warm_up_end = float(pct_start * self.total_steps) - 1
        if three_phase:
            return [
                dict(end_step=warm_up_end, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * self.total_steps) - 2, start_lr="max_lr",
                     end_lr="initial_lr", start_momentum="base_momentum",
                     end_momentum="max_momentum"),
                dict(end_step=self.total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum")]
        return [
            dict(end_step=warm_up_end, start_lr="initial_lr", end_lr="max_lr",
                 start_momentum="max_momentum", end_momentum="base_momentum"),
            dict(end_step=self.total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                 start_momentum="base_momentum", end_momentum="max_momentum")]

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, fraction):
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self):
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"Tried to step {step} times. The specified number of total steps "
                             f"is {self.total_steps}")
        rates = []
        for group in self.optimizer.param_groups:
            phase_start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                if step <= phase["end_step"] or i == len(self._schedule_phases) - 1:
                    fraction = (step - phase_start) / (phase["end_step"] - phase_start)
                    rates.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]],
                                              fraction))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                               group[phase["end_momentum"]],
                                                               fraction))
                    break
                phase_start = phase["end_step"]
        return rates


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rates by `factor` once the metric passed to `step(metric)` (a validation
    loss, say) has not improved for more than `patience` epochs in a row, then wait `cooldown`
    epochs before counting again. A rate never goes below its group's min_lr, and a change
    smaller than eps is not made.

    "Improved" means, for the best value so far b and threshold θ:

        mode 'min', 'rel': m < b·(1 - θ)        mode 'min', 'abs': m < b - θ
        mode 'max', 'rel': m > b·(1 + θ)        mode 'max', 'abs': m > b + θ

    A NaN metric is never an improvement (every comparison with NaN is false): it counts as a
    bad epoch and never becomes the best, as in PyTorch.

    An `LRScheduler` as in PyTorch, but stepped with the metric, with no schedule of its own
    (no `get_lr`) and no first step at construction.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0, eps=1e-8):
        if factor >= 1.0:
            raise ValueError("Factor should be < 1.0.")
        self.factor = factor
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != groups:
                raise ValueError(f"expected {groups} min_lrs, got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * groups
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode, threshold, threshold_mode):
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown!")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown!")
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode

    def _is_better(self, metric, best):
        """Whether `metric` improves on `best` (see the class docstring)."""
        if self.mode == "min":
            bound = best * (1 - self.threshold) if self.threshold_mode == "rel" else \
                best - self.threshold
            return metric < bound
        bound = best * (1 + self.threshold) if self.threshold_mode == "rel" else \
            best + self.threshold
        return metric > bound

    @property
    def in_cooldown(self):
        return self.cooldown_counter > 0

    def step(self, metrics, epoch=None):
        """Record one epoch's metric (a number or a 0-d tensor) and reduce the rates if due.
        `epoch` (deprecated in PyTorch, with its warning) sets the epoch number instead of
        counting on."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(
                "The epoch parameter in `scheduler.step()` was not necessary and is being "
                "deprecated where possible. Please use `scheduler.step()` to step the scheduler. "
                "During the deprecation, if epoch is different from None, the closed form is "
                "used instead of the new chainable form, where available. Please open an issue "
                "if you are unable to replicate your use case: "
                "https://github.com/pytorch/pytorch/issues/new/choose.", UserWarning,
                stacklevel=2)
        self.last_epoch = epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self):
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"The number of param groups in the `optimizer` ({len(groups)}) differs from "
                    f"when `ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due "
                    "to a new param group being added to the optimizer. Please modify the "
                    "`min_lrs` field to match the length of the `optimizer` param groups.")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
