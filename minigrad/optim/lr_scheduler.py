"""Learning-rate schedules: change each parameter group's "lr" as training goes on."""
from .optimizer import Optimizer


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
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                        "a scheduler with last_epoch >= 0: load the optimizer's state_dict first")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
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
