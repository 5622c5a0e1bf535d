"""minigrad.optim against torch.optim: the same parameters and gradients, the same trajectory.

Each run starts minigrad and torch from identical parameters, gives both the
same gradients and compares the parameters after every one of 50 steps: to
1e-14 in float64 and 1e-6 in float32, relative to each parameter's largest
magnitude (elementwise relative error means nothing for a value near zero).
Gradients are random arrays set directly on `.grad`, with the last parameter
given none on every third step so that skipping it is checked too; one test
takes them instead from a loss differentiated by each library.
"""
import copy

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.optim as optim

STEPS = 50
TOLERANCE = {"float64": 1e-14, "float32": 1e-6}
DTYPES = list(TOLERANCE)
SHAPES = [(4, 3), (3,), (2, 3, 2)]
DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not mg.cuda.is_available(), reason="needs CuPy and a GPU"))]

SGD_CASES = {
    "plain": dict(lr=0.1),
    "maximize": dict(lr=0.1, maximize=True),
    "weight_decay": dict(lr=0.1, weight_decay=0.01),
    "momentum": dict(lr=0.05, momentum=0.9),
    "dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
    "momentum_weight_decay": dict(lr=0.05, momentum=0.9, weight_decay=0.01),
    "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
    "nesterov_weight_decay": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "maximize_momentum_weight_decay": dict(lr=0.05, momentum=0.5, weight_decay=0.01,
                                           maximize=True),
}
ADAM_CASES = {
    "defaults": dict(),
    "weight_decay": dict(lr=0.01, weight_decay=0.1),
    "amsgrad": dict(lr=0.01, amsgrad=True),
    "betas_eps": dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6),
    "maximize_amsgrad_weight_decay": dict(lr=0.01, maximize=True, amsgrad=True, weight_decay=0.01),
}
OPTIMIZERS = {"SGD": (optim.SGD, torch.optim.SGD), "Adam": (optim.Adam, torch.optim.Adam)}


def make_params(dtype, device="cpu", seed=0):
    """The same starting values as minigrad and as torch leaf tensors."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(dtype) for shape in SHAPES]
    ours = [mg.tensor(v, device=device, requires_grad=True) for v in values]
    theirs = [torch.tensor(v, requires_grad=True) for v in values]
    return ours, theirs


def set_random_grads(ours, theirs, rng, step):
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if i == len(ours) - 1 and step % 3 == 2:
            p.grad = q.grad = None
            continue
        g = rng.standard_normal(q.shape).astype(str(q.dtype).removeprefix("torch."))
        p.grad = mg.tensor(g, device=p.device)
        q.grad = torch.tensor(g)


def assert_same(ours, theirs, dtype):
    tolerance = TOLERANCE[dtype]
    for p, q in zip(ours, theirs):
        expected = q.detach().numpy()
        np.testing.assert_allclose(np.asarray(p), expected, rtol=tolerance,
                                   atol=tolerance * np.abs(expected).max())


def train_both(opt, torch_opt, ours, theirs, dtype, steps, rng, schedulers=()):
    """`steps` steps of both optimisers on the same random gradients, compared after each."""
    for step in range(steps):
        set_random_grads(ours, theirs, rng, step)
        opt.step()
        torch_opt.step()
        for scheduler in schedulers:
            scheduler.step()
        assert_same(ours, theirs, dtype)


def check_parity(name, kwargs, dtype, device="cpu", param_groups=None):
    ours, theirs = make_params(dtype, device)
    ours_class, torch_class = OPTIMIZERS[name]
    if param_groups is None:
        opt, torch_opt = ours_class(ours, **kwargs), torch_class(theirs, **kwargs)
    else:
        opt = ours_class(param_groups(ours), **kwargs)
        torch_opt = torch_class(param_groups(theirs), **kwargs)
    train_both(opt, torch_opt, ours, theirs, dtype, STEPS, np.random.default_rng(1))
    return opt, torch_opt


# -- update rules --------------------------------------------------------------


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", SGD_CASES)
def test_sgd_matches_torch(case, dtype, device):
    check_parity("SGD", SGD_CASES[case], dtype, device)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", ADAM_CASES)
def test_adam_matches_torch(case, dtype, device):
    check_parity("Adam", ADAM_CASES[case], dtype, device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, kwargs", [("SGD", dict(lr=0.01, momentum=0.9)),
                                          ("Adam", dict(lr=0.05, amsgrad=True))])
def test_gradients_from_a_loss(name, kwargs, dtype):
    """Minimise ((w·x).sum())², each library differentiating it itself."""
    rng = np.random.default_rng(2)
    w0, x0 = rng.standard_normal(5).astype(dtype), rng.standard_normal(5).astype(dtype)
    w, x = mg.tensor(w0, requires_grad=True), mg.tensor(x0)
    tw, tx = torch.tensor(w0, requires_grad=True), torch.tensor(x0)
    ours_class, torch_class = OPTIMIZERS[name]
    opt, torch_opt = ours_class([w], **kwargs), torch_class([tw], **kwargs)
    first_loss = None
    for _ in range(STEPS):
        opt.zero_grad()
        torch_opt.zero_grad()
        loss, torch_loss = (w * x).sum() ** 2, (tw * tx).sum() ** 2
        loss.backward()
        torch_loss.backward()
        first_loss = first_loss or torch_loss.item()
        # The loss falls towards 0 by cancellation, so it is compared on its starting scale.
        np.testing.assert_allclose(loss.item(), torch_loss.item(), rtol=TOLERANCE[dtype],
                                   atol=TOLERANCE[dtype] * first_loss)
        opt.step()
        torch_opt.step()
        assert_same([w], [tw], dtype)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_param_groups_with_their_own_options(name):
    def groups(params):
        return [{"params": params[:2], "lr": 0.1}, {"params": params[2], "weight_decay": 0.1}]

    kwargs = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01, betas=(0.8, 0.9))
    opt, _ = check_parity(name, kwargs, "float64", param_groups=groups)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]
    assert [g["weight_decay"] for g in opt.param_groups] == [0, 0.1]


def test_add_param_group():
    ours, theirs = make_params("float64")
    opt, torch_opt = optim.SGD(ours[:2], lr=0.1), torch.optim.SGD(theirs[:2], lr=0.1)
    opt.add_param_group({"params": ours[2:], "lr": 0.05, "momentum": 0.5})
    torch_opt.add_param_group({"params": theirs[2:], "lr": 0.05, "momentum": 0.5})
    train_both(opt, torch_opt, ours, theirs, "float64", STEPS, np.random.default_rng(1))


def test_named_parameters_and_duplicates_as_torch():
    """(name, tensor) pairs keep their names as "param_names"; a parameter listed twice is
    warned about and updated twice; the state dict counts indices as torch does."""
    ours, theirs = make_params("float64")
    named = lambda p: [("a", p[0]), ("b", p[1])]  # noqa: E731
    opt, torch_opt = optim.SGD(named(ours), lr=0.1), torch.optim.SGD(named(theirs), lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        opt.add_param_group({"params": [("c", ours[2]), ("d", ours[2])], "lr": 0.01})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        torch_opt.add_param_group({"params": [("c", theirs[2]), ("d", theirs[2])], "lr": 0.01})
    saved, their_saved = opt.state_dict(), torch_opt.state_dict()
    for group, torch_group in zip(saved["param_groups"], their_saved["param_groups"]):
        assert group.items() <= torch_group.items()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [3, 3]]
    train_both(opt, torch_opt, ours, theirs, "float64", 5, np.random.default_rng(5))
    for lib, params in ((optim, ours), (torch.optim, theirs)):
        with pytest.raises(ValueError, match="all optimizer param groups should be with/without "
                                             "names. cannot add param group without names"):
            lib.SGD(named(params)).add_param_group({"params": params[2:]})
        with pytest.raises(ValueError, match="Some param names are missing"):
            lib.SGD([("a", params[0]), params[1]])


def test_add_param_group_errors_are_torchs():
    for lib, params in ((optim, make_params("float64")[0]), (torch.optim,
                                                             make_params("float64")[1])):
        opt = lib.SGD(params[:1], lr=0.1)
        with pytest.raises(TypeError, match="param_group must be a dict, but got <class 'list'>"):
            opt.add_param_group(params[1:])
        with pytest.raises(ValueError, match="some parameters appear in more than one parameter "
                                             "group"):
            opt.add_param_group({"params": params[:2]})
        with pytest.raises(TypeError, match="ordered collections"):
            opt.add_param_group({"params": set(params[1:])})
        assert len(opt.param_groups) == 1


# -- the step itself -----------------------------------------------------------


def test_step_skips_parameters_without_gradient_and_bumps_versions():
    ours, _ = make_params("float64")
    with_grad, without_grad = ours[0], ours[1]
    before = without_grad.array.copy()
    versions = [p._version for p in ours]
    with_grad.grad = mg.ones(*with_grad.shape, dtype=mg.float64)
    opt = optim.Adam(ours)
    opt.step()
    assert with_grad._version == versions[0] + 1
    assert without_grad._version == versions[1]
    np.testing.assert_array_equal(without_grad.array, before)
    assert list(opt.state) == [with_grad]


def test_step_invalidates_graphs_that_saved_the_old_values():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.grad = mg.tensor([1.0, 1.0])
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_step_runs_the_closure_with_grad_enabled_and_returns_its_loss():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_allclose(w.array, [0.8, 1.6])


def test_state_is_in_the_parameter_dtype():
    ours, _ = make_params("float32")
    for p in ours:
        p.grad = mg.ones(*p.shape)
    opt = optim.Adam(ours, amsgrad=True)
    opt.step()
    for p in ours:
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert opt.state[p][key].dtype == mg.float32
            assert opt.state[p][key].device == p.device


def test_zero_grad():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w])
    w.grad = mg.tensor([3.0, 4.0])
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(w.grad.array, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()


# -- saving and loading -------------------------------------------------------


ROUND_TRIP_CASES = [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)),
                    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.01))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, kwargs", ROUND_TRIP_CASES)
def test_state_dict_round_trip_continues_the_same_trajectory(name, kwargs, dtype):
    """Save after 10 steps, load into a fresh optimiser: both it and the original follow torch."""
    ours, theirs = make_params(dtype)
    ours_class, torch_class = OPTIMIZERS[name]
    opt, torch_opt = ours_class(ours, **kwargs), torch_class(theirs, **kwargs)
    rng = np.random.default_rng(1)
    train_both(opt, torch_opt, ours, theirs, dtype, 10, rng)

    saved = opt.state_dict()
    resumed = [mg.tensor(p.array, requires_grad=True) for p in ours]
    resumed_opt = ours_class(resumed, lr=1.0)  # the hyperparameters come from the state dict
    resumed_opt.load_state_dict(saved)
    assert resumed_opt.param_groups[0]["lr"] == kwargs["lr"]

    for step in range(10, STEPS):
        set_random_grads(ours, theirs, rng, step)
        for p, q in zip(resumed, ours):
            p.grad = q.grad
        opt.step()
        resumed_opt.step()
        torch_opt.step()
        assert_same(ours, theirs, dtype)
        assert_same(resumed, theirs, dtype)


@pytest.mark.parametrize("name, kwargs", ROUND_TRIP_CASES)
def test_state_dict_layout_is_torchs(name, kwargs):
    def groups(params):
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.1}]

    opt, torch_opt = check_parity(name, kwargs, "float64", param_groups=groups)
    ours, theirs = opt.state_dict(), torch_opt.state_dict()
    assert list(ours) == ["state", "param_groups"]
    assert [g["params"] for g in ours["param_groups"]] == [[0, 1], [2]]
    for group, torch_group in zip(ours["param_groups"], theirs["param_groups"]):
        assert group.items() <= torch_group.items()
    assert list(ours["state"]) == list(theirs["state"])
    for index, state in ours["state"].items():
        assert list(state) == list(theirs["state"][index])
        for key, value in state.items():
            expected = theirs["state"][index][key]
            if key == "step":
                assert value == expected.item()
            else:
                np.testing.assert_allclose(np.asarray(value), expected.numpy(), rtol=1e-12,
                                           atol=1e-12 * expected.abs().max().item())


def test_load_state_dict_copies_onto_the_parameters_dtype():
    ours, _ = make_params("float64")
    for p in ours:
        p.grad = mg.ones(*p.shape, dtype=mg.float64)
    opt = optim.Adam(ours)
    opt.step()
    single = [mg.tensor(p.array, dtype=mg.float32, requires_grad=True) for p in ours]
    single_opt = optim.Adam(single)
    single_opt.load_state_dict(opt.state_dict())
    for p, q in zip(single, ours):
        assert single_opt.state[p]["exp_avg"].dtype == mg.float32
        assert single_opt.state[p]["exp_avg"].array is not opt.state[q]["exp_avg"].array


def test_load_state_dict_refuses_another_layout():
    ours, _ = make_params("float64")
    saved = optim.SGD(ours).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups: 1, where the "
                                         "optimizer has 2"):
        optim.SGD([{"params": ours[:1]}, {"params": ours[1:]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group: group 0 "
                                         "has 3 parameters there, 2 in the optimizer"):
        optim.SGD(ours[:2]).load_state_dict(saved)


# -- learning-rate schedule ----------------------------------------------------


def make_step_lr(params, torch_params, **kwargs):
    def groups(params):
        return [{"params": params[:2], "lr": 0.1}, {"params": params[2:], "lr": 0.03}]

    opt = optim.SGD(groups(params), momentum=0.9)
    torch_opt = torch.optim.SGD(groups(torch_params), momentum=0.9)
    return (opt, optim.lr_scheduler.StepLR(opt, **kwargs),
            torch_opt, torch.optim.lr_scheduler.StepLR(torch_opt, **kwargs))


def test_step_lr_sequence_is_torchs():
    ours, theirs = make_params("float64")
    opt, scheduler, torch_opt, torch_scheduler = make_step_lr(ours, theirs, step_size=7, gamma=0.5)
    for _ in range(STEPS):
        assert scheduler.get_last_lr() == torch_scheduler.get_last_lr()
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in torch_opt.param_groups]
        opt.step()
        torch_opt.step()
        scheduler.step()
        torch_scheduler.step()
    assert scheduler.last_epoch == torch_scheduler.last_epoch == STEPS
    assert scheduler.get_last_lr()[0] == pytest.approx(0.1 * 0.5 ** (STEPS // 7), rel=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_step_lr_drives_sgd_like_torchs(dtype):
    ours, theirs = make_params(dtype)
    opt, scheduler, torch_opt, torch_scheduler = make_step_lr(ours, theirs, step_size=10, gamma=0.3)
    train_both(opt, torch_opt, ours, theirs, dtype, STEPS, np.random.default_rng(1),
               schedulers=[scheduler, torch_scheduler])


def test_step_lr_state_dict_round_trip():
    ours, theirs = make_params("float64")
    opt, scheduler, torch_opt, torch_scheduler = make_step_lr(ours, theirs, step_size=4)
    for _ in range(9):
        scheduler.step()
    saved_opt, saved_scheduler = copy.deepcopy(opt.state_dict()), scheduler.state_dict()
    assert set(saved_scheduler) <= set(torch_scheduler.state_dict())

    resumed_opt = optim.SGD([{"params": ours[:2]}, {"params": ours[2:]}])
    resumed_opt.load_state_dict(saved_opt)
    resumed = optim.lr_scheduler.StepLR(resumed_opt, step_size=1)
    resumed.load_state_dict(saved_scheduler)
    for _ in range(20):
        scheduler.step()
        resumed.step()
        assert resumed.get_last_lr() == scheduler.get_last_lr()


# -- errors ----------------------------------------------------------------------


def _params():
    return make_params("float64")[0]


ERRORS = {
    "single_tensor": (lambda: optim.SGD(_params()[0]), TypeError, "iterable of Tensors or dicts"),
    "empty": (lambda: optim.SGD([]), ValueError, "empty parameter list"),
    "set": (lambda: optim.SGD(set(_params())), TypeError, "ordered collections"),
    "not_a_tensor": (lambda: optim.SGD([1.0]), TypeError, "can only optimize Tensors"),
    "non_leaf": (lambda: optim.SGD([_params()[0] * 2]), ValueError, "non-leaf"),
    "in_two_groups": (lambda: optim.SGD([{"params": p} for p in [_params()[0]] * 2]), ValueError,
                      "more than one parameter group"),
    "negative_lr": (lambda: optim.SGD(_params(), lr=-0.1), ValueError,
                    "Invalid learning rate: -0.1"),
    "negative_group_lr": (lambda: optim.SGD([{"params": _params(), "lr": -1}]), ValueError,
                          "Invalid learning rate"),
    "negative_momentum": (lambda: optim.SGD(_params(), momentum=-0.5), ValueError,
                          "Invalid momentum value"),
    "negative_sgd_weight_decay": (lambda: optim.SGD(_params(), weight_decay=-1), ValueError,
                                  "Invalid weight_decay"),
    "nesterov_without_momentum": (lambda: optim.SGD(_params(), nesterov=True), ValueError,
                                  "Nesterov momentum requires"),
    "nesterov_with_dampening": (
        lambda: optim.SGD(_params(), momentum=0.9, dampening=0.1, nesterov=True), ValueError,
        "Nesterov momentum requires"),
    "negative_adam_lr": (lambda: optim.Adam(_params(), lr=-1e-3), ValueError,
                         "Invalid learning rate"),
    "beta1_of_one": (lambda: optim.Adam(_params(), betas=(1.0, 0.999)), ValueError,
                     "beta parameter at index 0"),
    "negative_beta2": (lambda: optim.Adam(_params(), betas=(0.9, -0.1)), ValueError,
                       "beta parameter at index 1"),
    "one_beta": (lambda: optim.Adam(_params(), betas=(0.9,)), ValueError, "betas must be a pair"),
    "negative_eps": (lambda: optim.Adam(_params(), eps=-1e-8), ValueError,
                     "Invalid epsilon value"),
    "negative_adam_weight_decay": (lambda: optim.Adam(_params(), weight_decay=-0.1), ValueError,
                                   "Invalid weight_decay"),
    "scheduler_without_optimizer": (lambda: optim.lr_scheduler.StepLR(object(), step_size=1),
                                    TypeError, "not an Optimizer"),
    "zero_step_size": (lambda: optim.lr_scheduler.StepLR(optim.SGD(_params()), step_size=0),
                       ValueError, "step_size must be a positive integer"),
    "resume_without_initial_lr": (
        lambda: optim.lr_scheduler.StepLR(optim.SGD(_params()), step_size=1, last_epoch=3),
        KeyError, "initial_lr"),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors(case):
    make, error, match = ERRORS[case]
    with pytest.raises(error, match=match):
        make()


def test_state_of_a_parameter_not_yet_stepped_is_an_empty_dict():
    for lib in (torch, mg):
        param = lib.nn.Parameter(lib.ones(2))
        optimizer = lib.optim.SGD([param], lr=0.1, momentum=0.9)
        assert optimizer.state[param] == {}
