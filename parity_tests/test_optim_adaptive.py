"""AdamW, RMSprop, Adagrad and Adadelta against torch.optim, with test_optim.py's method: the
same parameters and gradients, parameters compared after every one of 50 steps (1e-14 in
float64, 1e-6 in float32); state dicts laid out as torch's, and a saved state that resumes
the same trajectory."""
import copy

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.optim as optim
from test_optim import DTYPES, STEPS, assert_same, make_params, set_random_grads, train_both

CASES = {
    "AdamW defaults": ("AdamW", dict()),
    "AdamW amsgrad, weight_decay": ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    "AdamW maximize": ("AdamW", dict(lr=0.01, betas=(0.8, 0.99), maximize=True)),
    "RMSprop defaults": ("RMSprop", dict()),
    "RMSprop momentum, centered, weight_decay": ("RMSprop", dict(lr=0.01, momentum=0.9,
                                                                 centered=True,
                                                                 weight_decay=0.01)),
    "RMSprop alpha, centered, maximize": ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True,
                                                          maximize=True, eps=1e-6)),
    "Adagrad defaults": ("Adagrad", dict()),
    "Adagrad lr_decay, weight_decay, initial accumulator": (
        "Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.01,
                        initial_accumulator_value=0.1)),
    "Adagrad maximize": ("Adagrad", dict(lr=0.05, maximize=True, eps=1e-8)),
    "Adadelta defaults": ("Adadelta", dict()),
    "Adadelta rho, weight_decay, maximize": ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.01,
                                                              maximize=True)),
}


def classes(name):
    return getattr(optim, name), getattr(torch.optim, name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_fifty_steps_match_torch(case, dtype):
    name, kwargs = CASES[case]
    ours_class, torch_class = classes(name)
    ours, theirs = make_params(dtype)
    train_both(ours_class(ours, **kwargs), torch_class(theirs, **kwargs), ours, theirs, dtype,
               STEPS, np.random.default_rng(1))


@pytest.mark.parametrize("case", ["AdamW amsgrad, weight_decay",
                                  "RMSprop momentum, centered, weight_decay",
                                  "Adagrad lr_decay, weight_decay, initial accumulator",
                                  "Adadelta rho, weight_decay, maximize"])
def test_state_dict_is_torchs_and_resumes_the_trajectory(case):
    name, kwargs = CASES[case]
    ours_class, torch_class = classes(name)
    ours, theirs = make_params("float64")
    opt = ours_class([{"params": ours[:2]}, {"params": ours[2:], "lr": 0.02}], **kwargs)
    torch_opt = torch_class([{"params": theirs[:2]}, {"params": theirs[2:], "lr": 0.02}],
                            **kwargs)
    rng = np.random.default_rng(1)
    train_both(opt, torch_opt, ours, theirs, "float64", 10, rng)
    saved, their_saved = opt.state_dict(), torch_opt.state_dict()
    for group, torch_group in zip(saved["param_groups"], their_saved["param_groups"]):
        assert group.items() <= torch_group.items()
    assert list(saved["state"]) == list(their_saved["state"])
    for index, state in saved["state"].items():
        assert list(state) == list(their_saved["state"][index])
        for key, value in state.items():
            expected = their_saved["state"][index][key]
            if key == "step":
                assert value == expected.item()
            else:
                np.testing.assert_allclose(np.asarray(value), expected.numpy(), rtol=1e-12,
                                           atol=1e-12 * expected.abs().max().item())

    resumed = [mg.tensor(p.array, requires_grad=True) for p in ours]
    resumed_opt = ours_class([{"params": resumed[:2]}, {"params": resumed[2:]}], lr=1.0)
    resumed_opt.load_state_dict(saved)
    for step in range(10, 30):
        set_random_grads(ours, theirs, rng, step)
        for p, q in zip(resumed, ours):
            p.grad = q.grad
        resumed_opt.step()
        torch_opt.step()
        assert_same(resumed, theirs, "float64")


def test_adagrad_state_exists_from_the_start_and_for_added_groups():
    ours, theirs = make_params("float64")
    opt, torch_opt = optim.Adagrad(ours[:2]), torch.optim.Adagrad(theirs[:2])
    assert len(opt.state_dict()["state"]) == len(torch_opt.state_dict()["state"]) == 2
    opt.add_param_group({"params": ours[2:], "lr": 0.5})
    torch_opt.add_param_group({"params": theirs[2:], "lr": 0.5})
    train_both(opt, torch_opt, ours, theirs, "float64", 10, np.random.default_rng(2))


@pytest.mark.parametrize("build, message", [
    (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: optim.RMSprop(p, momentum=-1), "Invalid momentum value: -1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.AdamW(p, lr=-1), "Invalid learning rate: -1"),
])
def test_invalid_hyperparameters_are_refused_as_in_torch(build, message):
    with pytest.raises(ValueError, match=message):
        build([mg.zeros(2, requires_grad=True)])


# -- every optimiser: a group added mid-run, and torch's state dicts loaded mid-run ----------

ALL_SIX = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.01),
    "Adam decoupled_weight_decay": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    "AdamW": dict(lr=0.01, weight_decay=0.1),
    "RMSprop": dict(lr=0.01, momentum=0.9, centered=True),
    "Adagrad": dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
    "Adadelta": dict(lr=0.5, rho=0.8, weight_decay=0.01),
}


def both_classes(case):
    name = case.split()[0]
    return getattr(optim, name), getattr(torch.optim, name), ALL_SIX[case]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ALL_SIX)
def test_a_group_added_mid_run_follows_torch(case, dtype):
    ours_class, torch_class, kwargs = both_classes(case)
    ours, theirs = make_params(dtype)
    opt, torch_opt = ours_class(ours[:2], **kwargs), torch_class(theirs[:2], **kwargs)
    rng = np.random.default_rng(3)
    train_both(opt, torch_opt, ours[:2], theirs[:2], dtype, 20, rng)
    opt.add_param_group({"params": ours[2], "lr": 0.02})
    torch_opt.add_param_group({"params": theirs[2], "lr": 0.02})
    assert opt.state_dict()["param_groups"][1].items() <= \
        torch_opt.state_dict()["param_groups"][1].items()
    train_both(opt, torch_opt, ours, theirs, dtype, 30, rng)


def as_minigrad(value):
    """What mg.load gives for a torch.save'd state dict: torch tensors as minigrad tensors."""
    if isinstance(value, torch.Tensor):
        return mg.tensor(value.numpy())
    if isinstance(value, dict):
        return {key: as_minigrad(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_minigrad(item) for item in value]
    return value


@pytest.mark.parametrize("converted", [True, False], ids=["minigrad tensors", "torch tensors"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ALL_SIX)
def test_a_torch_state_dict_saved_mid_run_resumes_torchs_trajectory(case, dtype, converted):
    """torch trains 20 steps; a fresh minigrad optimiser over the same values loads torch's
    state dict (lr=1.0 and other defaults overridden by it) and goes on in step with torch."""
    ours_class, torch_class, kwargs = both_classes(case)
    _, theirs = make_params(dtype)
    groups = lambda p: [{"params": p[:2]}, {"params": p[2:], "lr": 0.02}]  # noqa: E731
    torch_opt = torch_class(groups(theirs), **kwargs)
    rng = np.random.default_rng(4)
    for step in range(20):
        for q in theirs:
            q.grad = torch.tensor(rng.standard_normal(q.shape).astype(dtype))
        torch_opt.step()
    saved = copy.deepcopy(torch_opt.state_dict())
    ours = [mg.tensor(q.detach().numpy(), requires_grad=True) for q in theirs]
    opt = ours_class(groups(ours), lr=1.0)
    opt.load_state_dict(as_minigrad(saved) if converted else saved)
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in torch_opt.param_groups]
    for state in opt.state.values():
        assert isinstance(state.get("step", 0), int)
        assert all(value.dtype == ours[0].dtype for value in state.values()
                   if isinstance(value, mg.Tensor))
    for step in range(20, 50):
        set_random_grads(ours, theirs, rng, step)
        opt.step()
        torch_opt.step()
        assert_same(ours, theirs, dtype)
