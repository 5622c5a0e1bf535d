"""MultiStepLR, ExponentialLR, LambdaLR and CosineAnnealingLR against torch.optim.lr_scheduler:
the same learning rates for every group at every one of 40 epochs, a resumed scheduler
continuing the sequence, and the schedule driving SGD as torch's drives it."""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.optim as optim
from test_optim import assert_same, make_params, set_random_grads

# torch reminds that optimizer.step() comes first; stepping the schedule alone is on purpose here.
pytestmark = pytest.mark.filterwarnings("ignore:Detected call of")

SCHEDULES = {
    "MultiStepLR": ("MultiStepLR", dict(milestones=[3, 7, 7, 20], gamma=0.5)),
    "ExponentialLR": ("ExponentialLR", dict(gamma=0.9)),
    "LambdaLR": ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (1 + epoch) ** 0.5)),
    "LambdaLR per group": ("LambdaLR", dict(lr_lambda=[lambda e: 0.95 ** e, lambda e: 1 + e])),
    "CosineAnnealingLR": ("CosineAnnealingLR", dict(T_max=10, eta_min=0.001)),
    "CosineAnnealingLR past T_max": ("CosineAnnealingLR", dict(T_max=7)),
}


def pair(name, kwargs, params=None):
    ours, theirs = params or make_params("float64")
    groups = lambda p: [{"params": p[:2]}, {"params": p[2:], "lr": 0.3}]  # noqa: E731
    opt, torch_opt = optim.SGD(groups(ours), lr=0.1), torch.optim.SGD(groups(theirs), lr=0.1)
    return (getattr(optim.lr_scheduler, name)(opt, **kwargs),
            getattr(torch.optim.lr_scheduler, name)(torch_opt, **kwargs), ours, theirs)


@pytest.mark.parametrize("case", SCHEDULES)
def test_the_learning_rates_are_torchs_epoch_by_epoch(case):
    name, kwargs = SCHEDULES[case]
    ours, theirs, _, _ = pair(name, kwargs)
    for _ in range(40):
        np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)
        assert [g["lr"] for g in ours.optimizer.param_groups] == pytest.approx(
            [g["lr"] for g in theirs.optimizer.param_groups], rel=1e-13)
        ours.step(), theirs.step()


@pytest.mark.parametrize("case", ["MultiStepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_a_resumed_schedule_continues_the_sequence(case):
    name, kwargs = SCHEDULES[case]
    ours, theirs, _, _ = pair(name, kwargs)
    for _ in range(5):
        ours.step(), theirs.step()
    saved = ours.state_dict()
    assert set(saved) >= {"base_lrs", "last_epoch", "_last_lr"}
    resumed = getattr(optim.lr_scheduler, name)(ours.optimizer, **kwargs)
    resumed.load_state_dict(saved)
    for _ in range(15):
        resumed.step(), theirs.step()
        np.testing.assert_allclose(resumed.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)


def test_cosine_annealing_drives_sgd_as_torchs():
    ours_params, their_params = make_params("float64")
    ours, theirs, ours_params, their_params = pair("CosineAnnealingLR", dict(T_max=5),
                                                   (ours_params, their_params))
    rng = np.random.default_rng(0)
    for step in range(20):
        set_random_grads(ours_params, their_params, rng, step)
        ours.optimizer.step(), theirs.optimizer.step()
        ours.step(), theirs.step()
        assert_same(ours_params, their_params, "float64")


def test_scheduler_errors_are_torchs():
    opt = optim.SGD([mg.zeros(2, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        optim.lr_scheduler.ExponentialLR(object(), 0.9)
    with pytest.raises(KeyError, match="initial_lr"):
        optim.lr_scheduler.MultiStepLR(opt, [2], last_epoch=3)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        optim.lr_scheduler.LambdaLR(opt, [lambda e: 1, lambda e: 2])
