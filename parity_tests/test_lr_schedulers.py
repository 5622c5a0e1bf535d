"""MultiStepLR, ExponentialLR, LambdaLR, CosineAnnealingLR, OneCycleLR and ReduceLROnPlateau
against torch.optim.lr_scheduler: the same learning rates (and OneCycleLR's momenta) for every
group at every step, a resumed scheduler continuing the sequence, the schedule driving SGD as
torch's drives it, the errors, and the warning for a schedule stepped before its optimiser."""
import copy
import warnings

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


# -- OneCycleLR ----------------------------------------------------------------------------

ONE_CYCLE = {
    "SGD momentum, cos, a max_lr per group": (
        "SGD", dict(lr=0.1, momentum=0.9), dict(max_lr=[0.5, 0.2], total_steps=60)),
    "SGD, linear, divisors, momenta per group": (
        "SGD", dict(lr=0.1, momentum=0.9),
        dict(max_lr=1.0, total_steps=55, anneal_strategy="linear", div_factor=10.0,
             final_div_factor=100.0, base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.99])),
    "Adam betas, three_phase": (
        "Adam", dict(lr=1e-3), dict(max_lr=0.01, epochs=6, steps_per_epoch=10, pct_start=0.25,
                                    three_phase=True)),
    "AdamW, linear, three_phase": (
        "AdamW", dict(), dict(max_lr=0.02, total_steps=64, three_phase=True,
                              anneal_strategy="linear")),
    "RMSprop momentum": ("RMSprop", dict(momentum=0.5), dict(max_lr=0.05, total_steps=50)),
    "Adagrad, no momentum cycling": ("Adagrad", dict(), dict(max_lr=0.1, total_steps=50,
                                                             cycle_momentum=False)),
}


def one_cycle_pair(name, optimizer_kwargs, kwargs, params=None):
    ours, theirs = params or make_params("float64")
    groups = lambda p: [{"params": p[:2]}, {"params": p[2:]}]  # noqa: E731
    opt = getattr(optim, name)(groups(ours), **optimizer_kwargs)
    torch_opt = getattr(torch.optim, name)(groups(theirs), **optimizer_kwargs)
    return (optim.lr_scheduler.OneCycleLR(opt, **kwargs),
            torch.optim.lr_scheduler.OneCycleLR(torch_opt, **kwargs))


def momenta(optimizer):
    return [(g.get("momentum"), g.get("betas")) for g in optimizer.param_groups]


def assert_same_schedule(ours, theirs):
    np.testing.assert_allclose(ours.get_last_lr(), theirs.get_last_lr(), rtol=1e-13)
    for group, torch_group in zip(ours.optimizer.param_groups, theirs.optimizer.param_groups):
        assert group["lr"] == pytest.approx(torch_group["lr"], rel=1e-13)
        for key in ("momentum", "betas"):
            if key in torch_group:
                np.testing.assert_allclose(group[key], torch_group[key], rtol=1e-13)


@pytest.mark.parametrize("case", ONE_CYCLE)
def test_one_cycle_rates_and_momenta_are_torchs_at_every_step(case):
    """...and the parameters they drive, on the same random gradients."""
    params = make_params("float64")
    ours, theirs = one_cycle_pair(*ONE_CYCLE[case], params=params)
    rng = np.random.default_rng(6)
    for step in range(theirs.total_steps):
        assert_same_schedule(ours, theirs)
        set_random_grads(*params, rng, step)
        ours.optimizer.step(), theirs.optimizer.step()
        assert_same(*params, "float64")
        ours.step(), theirs.step()
    assert_same_schedule(ours, theirs)
    with pytest.raises(ValueError) as torch_error:
        theirs.step()
    with pytest.raises(ValueError, match=f"^{torch_error.value}$"):
        ours.step()


def test_one_cycle_resumes_from_its_state_dict_and_the_optimizers():
    optimizer_name, optimizer_kwargs, kwargs = ONE_CYCLE["Adam betas, three_phase"]
    ours, theirs = one_cycle_pair(optimizer_name, optimizer_kwargs, kwargs)
    for _ in range(20):
        ours.optimizer.step(), theirs.optimizer.step()
        ours.step(), theirs.step()
    saved_opt, saved = copy.deepcopy(ours.optimizer.state_dict()), ours.state_dict()
    assert set(saved) <= set(theirs.state_dict())
    for group, torch_group in zip(saved_opt["param_groups"], theirs.optimizer.state_dict()[
            "param_groups"]):
        assert group.items() <= torch_group.items()

    params = make_params("float64")[0]
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:]}])
    opt.load_state_dict(saved_opt)
    resumed = optim.lr_scheduler.OneCycleLR(opt, last_epoch=19, **kwargs)
    resumed.load_state_dict(saved)
    for _ in range(20, theirs.total_steps):
        opt.step(), theirs.optimizer.step()
        resumed.step(), theirs.step()
        assert_same_schedule(resumed, theirs)


def one_cycle(optimizer=None, **kwargs):
    return lambda lib: lib.optim.lr_scheduler.OneCycleLR(
        (optimizer or lib.optim.SGD)([lib.zeros(2, requires_grad=True)], lr=0.1),
        **{"max_lr": 1.0, "total_steps": 10, **kwargs})


SCHEDULER_ERRORS = {
    "one cycle without a length": one_cycle(total_steps=None),
    "one cycle total_steps not an int": one_cycle(total_steps=10.0),
    "one cycle epochs": one_cycle(total_steps=None, epochs=0, steps_per_epoch=3),
    "one cycle steps_per_epoch": one_cycle(total_steps=None, epochs=2, steps_per_epoch=-1),
    "one cycle pct_start": one_cycle(pct_start=1),
    "one cycle anneal_strategy": one_cycle(anneal_strategy="cosine"),
    "one cycle max_lr per group": one_cycle(max_lr=[1.0, 2.0]),
    "one cycle without momentum": lambda lib: one_cycle(lib.optim.Adagrad)(lib),
    "plateau factor": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)]), factor=1.0),
    "plateau mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)]), mode="minimum"),
    "plateau threshold_mode": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)]), threshold_mode="relative"),
    "plateau min_lr per group": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(
        lib.optim.SGD([lib.zeros(2, requires_grad=True)]), min_lr=[0.1, 0.2]),
    "plateau without an optimizer": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(None),
}


@pytest.mark.parametrize("case", SCHEDULER_ERRORS)
def test_scheduler_construction_errors_are_torchs(case):
    with pytest.raises(Exception) as torch_error:
        SCHEDULER_ERRORS[case](torch)
    with pytest.raises(type(torch_error.value)) as error:
        SCHEDULER_ERRORS[case](mg)
    assert str(error.value) == str(torch_error.value)


# -- ReduceLROnPlateau ------------------------------------------------------------------------

NAN = float("nan")
# Falls, stalls (within the threshold), NaNs, rises, falls again: 60 epochs.
METRICS = ([1.0, 0.9, 0.8, 0.79995, 0.8, NAN, 0.8, 0.81, 0.7, NAN, NAN, NAN, 0.6]
           + [0.6 + 0.001 * (i % 3) for i in range(20)] + [0.5 - 0.01 * i for i in range(10)]
           + [0.4, NAN, 0.4, 0.4, 0.45, 0.45, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3])
PLATEAU = {
    "defaults, patience 2": dict(patience=2),
    "max, abs threshold, cooldown": dict(mode="max", threshold=0.01, threshold_mode="abs",
                                         patience=1, cooldown=2, factor=0.5),
    "min, abs, min_lr per group": dict(threshold=0.05, threshold_mode="abs", patience=0,
                                       min_lr=[0.01, 0.05], factor=0.5),
    "max, rel, eps stops tiny changes": dict(mode="max", patience=1, factor=0.9, eps=0.01,
                                             min_lr=0.02),
}


def plateau_pair(kwargs):
    ours, theirs = make_params("float64")
    groups = lambda p: [{"params": p[:2]}, {"params": p[2:], "lr": 0.3}]  # noqa: E731
    opt, torch_opt = optim.SGD(groups(ours), lr=0.1), torch.optim.SGD(groups(theirs), lr=0.1)
    return (optim.lr_scheduler.ReduceLROnPlateau(opt, **kwargs),
            torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kwargs))


def assert_same_plateau_state(ours, theirs):
    state, their_state = ours.state_dict(), theirs.state_dict()
    assert set(state) == set(their_state)
    for key, value in their_state.items():
        if key in ("best", "_last_lr"):
            np.testing.assert_allclose(state[key], value, rtol=1e-13)
        else:
            assert state[key] == value, key
    assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-13)


@pytest.mark.parametrize("case", PLATEAU)
def test_plateau_rates_and_counters_are_torchs_nan_metrics_included(case):
    ours, theirs = plateau_pair(PLATEAU[case])
    assert isinstance(ours, optim.lr_scheduler.LRScheduler)
    for metric in METRICS:
        # A 0-d tensor is a metric too.
        argument = mg.tensor(metric, dtype=mg.float64) if metric == 0.3 else metric
        ours.step(argument), theirs.step(metric)
        assert_same_plateau_state(ours, theirs)
    assert ours.get_last_lr() != [0.1, 0.3]  # the metrics did make it reduce


def test_plateau_state_dict_round_trip_continues_the_sequence():
    kwargs = PLATEAU["max, abs threshold, cooldown"]
    ours, theirs = plateau_pair(kwargs)
    for metric in METRICS[:25]:
        ours.step(metric), theirs.step(metric)
    saved_opt, saved = copy.deepcopy(ours.optimizer.state_dict()), copy.deepcopy(
        ours.state_dict())
    params = make_params("float64")[0]
    opt = optim.SGD([{"params": params[:2]}, {"params": params[2:]}], lr=1.0)
    opt.load_state_dict(saved_opt)
    resumed = optim.lr_scheduler.ReduceLROnPlateau(opt)
    resumed.load_state_dict(saved)
    for metric in METRICS[25:]:
        resumed.step(metric), theirs.step(metric)
        assert_same_plateau_state(resumed, theirs)


def test_plateau_refuses_an_added_group_without_its_min_lr():
    for lib in (torch, mg):
        params = [lib.zeros(2, requires_grad=True) for _ in range(2)]
        opt = lib.optim.SGD(params[:1], lr=0.1)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
        opt.add_param_group({"params": params[1:]})
        scheduler.step(1.0)
        with pytest.raises(RuntimeError, match=r"number of param groups in the `optimizer` "
                                               r"\(2\) differs .* \(1\)"):
            scheduler.step(2.0)


# -- stepping the schedule before the optimiser -----------------------------------------------


@pytest.mark.filterwarnings("default")
def test_stepping_a_scheduler_first_warns_once_as_torch_does():
    messages = []
    for lib in (torch, mg):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        scheduler = lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                             "`optimizer.step\\(\\)`") as caught:
            scheduler.step()
            opt.step()
            scheduler.step()
            scheduler.step()
        messages.append([str(w.message) for w in caught])
    assert messages[0] == messages[1] and len(messages[0]) == 1

    for lib in (torch, mg):
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=0.1)
        scheduler = lib.optim.lr_scheduler.StepLR(opt, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            for _ in range(3):
                opt.step()
                scheduler.step()
