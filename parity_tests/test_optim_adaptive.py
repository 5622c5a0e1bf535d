"""AdamW, RMSprop, Adagrad and Adadelta against torch.optim, with test_optim.py's method: the
same parameters and gradients, parameters compared after every one of 50 steps (1e-12 in
float64, 1e-6 in float32); state dicts laid out as torch's, and a saved state that resumes
the same trajectory."""
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
