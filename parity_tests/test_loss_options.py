"""The loss layers' constructors, deprecated arguments and errors against torch.nn (their values
and gradients are rows of the parity table): the same defaults and attributes, size_average and
reduce choosing the reduction with torch's warning, and bad input refused as torch refuses it."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

LOSSES = ["L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss", "MarginRankingLoss",
          "CosineEmbeddingLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
          "NLLLoss"]
ATTRIBUTES = ["reduction", "beta", "delta", "log_target", "margin", "ignore_index",
              "label_smoothing"]


@pytest.mark.parametrize("name", LOSSES)
def test_defaults_are_torchs(name):
    ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
    for attribute in ATTRIBUTES:
        assert getattr(ours, attribute, None) == getattr(theirs, attribute, None), attribute
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize("name", [n for n in LOSSES if n != "HuberLoss"])
@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True),
                                                  (False, True)])
def test_size_average_and_reduce_choose_the_reduction_with_torchs_warning(name, size_average,
                                                                          reduce):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = getattr(nn, name)(size_average=size_average, reduce=reduce)
        theirs = getattr(torch.nn, name)(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction
    assert [str(w.message) for w in caught[:1]] == [str(w.message) for w in caught[1:]]


def test_functions_take_size_average_and_reduce():
    x, t = np.linspace(-1, 1, 6).reshape(2, 3), np.linspace(0.5, -2, 6).reshape(2, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for function in ["l1_loss", "smooth_l1_loss", "mse_loss", "kl_div"]:
            ours = getattr(F, function)(mg.tensor(x), mg.tensor(t), size_average=False)
            theirs = getattr(torch.nn.functional, function)(torch.tensor(x), torch.tensor(t),
                                                            size_average=False)
            np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-14)


def both(call):
    """The exception type and message of call(lib) in each library (None if it did not raise)."""
    outcomes = []
    for lib in (mg, torch):
        try:
            call(lib)
            outcomes.append(None)
        except Exception as error:  # noqa: BLE001 (the point is to compare what was raised)
            outcomes.append((type(error), str(error)))
    return outcomes


def rand(lib, *shape):
    return lib.tensor(np.linspace(0.1, 0.9, int(np.prod(shape))).reshape(shape))


ERRORS = {
    "bce input above 1": lambda lib: lib.nn.BCELoss()(rand(lib, 2, 3) * 2, rand(lib, 2, 3)),
    "bce NaN input": lambda lib: lib.nn.BCELoss()(rand(lib, 2) * float("nan"), rand(lib, 2)),
    "bce target above 1": lambda lib: lib.nn.BCELoss()(rand(lib, 2), rand(lib, 2) + 1),
    "bce target shape": lambda lib: lib.nn.BCELoss()(rand(lib, 2, 3), rand(lib, 3)),
    "bce weight not broadcasting": lambda lib: lib.nn.BCELoss(rand(lib, 4))(rand(lib, 2, 3),
                                                                          rand(lib, 2, 3)),
    "bce weight of more dims": lambda lib: lib.nn.BCELoss(rand(lib, 1, 2, 3))(rand(lib, 2, 3),
                                                                            rand(lib, 2, 3)),
    "bce weight on the wrong axis": lambda lib: lib.nn.BCELoss(rand(lib, 3, 1))(rand(lib, 2, 3),
                                                                              rand(lib, 2, 3)),
    "bce with logits target shape": lambda lib: lib.nn.BCEWithLogitsLoss()(rand(lib, 2, 3),
                                                                           rand(lib, 3)),
    "bce with logits pos_weight not broadcasting": lambda lib: lib.nn.BCEWithLogitsLoss(
        pos_weight=rand(lib, 2))(rand(lib, 2, 3), rand(lib, 2, 3)),
    "bce with logits weight not broadcasting": lambda lib: lib.nn.BCEWithLogitsLoss(
        rand(lib, 4))(rand(lib, 2, 3), rand(lib, 2, 3)),
    "l1 weight shape": lambda lib: lib.nn.functional.l1_loss(rand(lib, 2, 3), rand(lib, 2, 3),
                                                             weight=rand(lib, 3)),
    "mse weight shape": lambda lib: lib.nn.functional.mse_loss(rand(lib, 2, 3), rand(lib, 2, 3),
                                                               weight=rand(lib, 2, 1)),
    "huber weight shape": lambda lib: lib.nn.functional.huber_loss(rand(lib, 2), rand(lib, 2),
                                                                   weight=rand(lib, 1)),
    "l1 shapes that do not broadcast": lambda lib: lib.nn.L1Loss()(rand(lib, 2, 3),
                                                                  rand(lib, 4)),
    "negative beta": lambda lib: lib.nn.SmoothL1Loss(beta=-1.0)(rand(lib, 2), rand(lib, 2)),
    "zero delta": lambda lib: lib.nn.HuberLoss(delta=0.0)(rand(lib, 2), rand(lib, 2)),
    "unknown reduction": lambda lib: lib.nn.L1Loss(reduction="avg")(rand(lib, 2), rand(lib, 2)),
    "kl_div unknown reduction": lambda lib: lib.nn.KLDivLoss(reduction="x")(rand(lib, 2),
                                                                          rand(lib, 2)),
    "margin ranking dims": lambda lib: lib.nn.MarginRankingLoss()(rand(lib, 3), rand(lib, 3),
                                                                  rand(lib, 1, 3)),
    "cosine embedding 2-d target": lambda lib: lib.nn.CosineEmbeddingLoss()(
        rand(lib, 2, 3), rand(lib, 2, 3), rand(lib, 2, 1)),
    "cosine embedding 1-d target, 1-d inputs": lambda lib: lib.nn.CosineEmbeddingLoss()(
        rand(lib, 3), rand(lib, 3), rand(lib, 1)),
    "cosine embedding 1-d target, 3-d inputs": lambda lib: lib.nn.CosineEmbeddingLoss()(
        rand(lib, 2, 2, 3), rand(lib, 2, 2, 3), rand(lib, 2)),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_are_torchs(case):
    ours, theirs = both(ERRORS[case])
    assert theirs is not None and ours is not None, (ours, theirs)
    assert ours[0] is theirs[0], (ours, theirs)
    if "weight" in case and "bce" in case and ours[1] != theirs[1]:
        # torch's message may come from its broadcasting internals; ours names both shapes.
        assert "(2, 3)" in ours[1], ours[1]
    else:
        assert ours[1].startswith(theirs[1].split(":")[0].rstrip(".")), (ours, theirs)


def test_broadcast_targets_warn_as_in_torch_and_give_torchs_loss():
    x, t = np.linspace(-1, 1, 6).reshape(2, 3), np.array([0.5, -0.2, 0.1])
    for name in ["L1Loss", "SmoothL1Loss", "HuberLoss", "MSELoss"]:
        with pytest.warns(UserWarning, match="broadcasting"):
            ours = getattr(nn, name)()(mg.tensor(x), mg.tensor(t))
        with pytest.warns(UserWarning, match="broadcasting"):
            theirs = getattr(torch.nn, name)()(torch.tensor(x), torch.tensor(t))
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-14)


def test_bce_weight_broadcasts_as_in_torch():
    x, t = np.linspace(0.1, 0.9, 6).reshape(2, 3), np.linspace(0.0, 1.0, 6).reshape(2, 3)
    for weight in [np.array([0.5, 1.0, 2.0]), np.array([[0.3], [1.5]]), np.array([2.0])]:
        ours = nn.BCELoss(mg.tensor(weight), reduction="none")(mg.tensor(x), mg.tensor(t))
        theirs = torch.nn.BCELoss(torch.tensor(weight), reduction="none")(torch.tensor(x),
                                                                          torch.tensor(t))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-14)
