"""The layers beyond LeNet as modules, against torch.nn: state (keys, buffers, initial
values), training against evaluation, printing and errors. Their functions are checked row by
row in op_table_layers.py."""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn


def to_numpy(tensor):
    return tensor.detach().cpu().numpy()


def assert_state_matches(mine, theirs, rtol=1e-12, atol=1e-14):
    mine_state, their_state = mine.state_dict(), theirs.state_dict()
    assert list(mine_state) == list(their_state)
    for key, value in their_state.items():
        assert mine_state[key].dtype.name == str(value.dtype).rpartition(".")[2], key
        np.testing.assert_allclose(to_numpy(mine_state[key]), value.numpy(), rtol=rtol,
                                   atol=atol, err_msg=key)


# ---------------------------------------------------------------------------
# normalisation
# ---------------------------------------------------------------------------

BATCH_NORMS = [("BatchNorm1d", (5, 3), {}), ("BatchNorm1d", (4, 3, 2), {"momentum": None}),
               ("BatchNorm2d", (4, 3, 2, 2), {}), ("BatchNorm2d", (2, 3, 2, 2), {"affine": False}),
               ("BatchNorm2d", (2, 3, 2, 2), {"bias": False}),
               ("BatchNorm2d", (3, 3, 2, 2), {"track_running_stats": False, "eps": 1e-3}),
               ("BatchNorm3d", (2, 3, 2, 1, 2), {"momentum": 0.5})]


@pytest.mark.parametrize("name, shape, options", BATCH_NORMS,
                         ids=[f"{n} {o}" for n, _, o in BATCH_NORMS])
def test_batch_norm_layers_train_and_evaluate_as_torchs(name, shape, options):
    """Outputs, gradients and running statistics over three training steps, then evaluation."""
    mine = getattr(nn, name)(3, **options).double()
    theirs = getattr(torch.nn, name)(3, **options).double()
    assert repr(mine) == repr(theirs)
    assert_state_matches(mine, theirs)
    if mine.weight is not None:  # a non-trivial affine part
        values = np.array([0.5, -1.5, 2.0])
        with mg.no_grad(), torch.no_grad():
            mine.weight.copy_(values), theirs.weight.copy_(torch.tensor(values))
            if mine.bias is not None:
                mine.bias.copy_(-values), theirs.bias.copy_(torch.tensor(-values))
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.standard_normal(shape) * 3 + 1
        mine_x, their_x = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        mine_y, their_y = mine(mine_x), theirs(their_x)
        np.testing.assert_allclose(to_numpy(mine_y), to_numpy(their_y), rtol=1e-12, atol=1e-12)
        (mine_y * mine_y).sum().backward()
        (their_y * their_y).sum().backward()
        np.testing.assert_allclose(to_numpy(mine_x.grad), to_numpy(their_x.grad), rtol=1e-10,
                                   atol=1e-12)
        for (key, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10,
                                       atol=1e-12, err_msg=key)
    assert_state_matches(mine, theirs)
    mine.eval(), theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(to_numpy(mine(mg.tensor(x))), to_numpy(theirs(torch.tensor(x))),
                               rtol=1e-12, atol=1e-12)


def test_batch_norm_buffers_and_their_dtypes():
    layer = nn.BatchNorm2d(4)
    assert [n for n, _ in layer.named_buffers()] == ["running_mean", "running_var",
                                                    "num_batches_tracked"]
    assert layer.num_batches_tracked.dtype == mg.int64 and layer.num_batches_tracked.ndim == 0
    layer.double()
    assert layer.running_var.dtype == mg.float64 and layer.num_batches_tracked.dtype == mg.int64
    assert [n for n, _ in nn.BatchNorm1d(2, track_running_stats=False).named_buffers()] == []
    assert [n for n, _ in nn.BatchNorm1d(2, affine=False).named_parameters()] == []


def test_batch_norm_state_dicts_move_between_the_libraries():
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    theirs.train()(torch.randn(4, 1, 5, 5))
    mine = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    mine.load_state_dict(theirs.state_dict())
    assert int(mine[1].num_batches_tracked) == 1
    assert_state_matches(mine, theirs, rtol=0, atol=0)
    back = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    back.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in mine.state_dict().items()})


def test_missing_or_extra_batch_norm_buffers_are_errors_naming_the_keys():
    mine = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    state = mine.state_dict()
    del state["1.running_var"]
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "1.running_var"'):
        mine.load_state_dict(state)
    state = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)).state_dict()
    del state["1.num_batches_tracked"]  # a state dict of the current version must have it
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: '
                                           r'"1.num_batches_tracked"'):
        mine.load_state_dict(state)
    without = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, track_running_stats=False))
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: '
                                           r'"1.running_mean", "1.running_var", '
                                           r'"1.num_batches_tracked"'):
        without.load_state_dict(mine.state_dict())


def test_a_state_dict_of_an_older_version_without_the_batch_count_loads_as_in_torch():
    """A plain dict carries no version: num_batches_tracked may be missing, as from PyTorch
    before 0.4.1; the layer keeps its own count."""
    old = {k: v for k, v in torch.nn.BatchNorm1d(3).state_dict().items()
           if k != "num_batches_tracked"}
    torch.nn.BatchNorm1d(3).load_state_dict(old)
    layer = nn.BatchNorm1d(3)
    assert layer.load_state_dict(old) == ([], [])
    assert int(layer.num_batches_tracked) == 0


@pytest.mark.parametrize("build, shape, error, message", [
    (lambda lib: lib.nn.BatchNorm2d(3), (2, 4, 5, 5), RuntimeError,
     r"running_mean should contain 4 elements not 3"),
    (lambda lib: lib.nn.BatchNorm2d(3), (2, 3, 5), ValueError, r"expected 4D input \(got 3D input\)"),
    (lambda lib: lib.nn.BatchNorm1d(3), (2, 3, 5, 5), ValueError,
     r"expected 2D or 3D input \(got 4D input\)"),
    (lambda lib: lib.nn.BatchNorm1d(3), (1, 3), ValueError,
     r"Expected more than 1 value per channel when training"),
    (lambda lib: lib.nn.LayerNorm(4), (2, 3), RuntimeError,
     r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\]"),
    (lambda lib: lib.nn.GroupNorm(2, 4), (2, 3, 2), RuntimeError,
     r"Expected number of channels in input to be divisible by num_groups"),
], ids=["BatchNorm2d channels", "BatchNorm2d rank", "BatchNorm1d rank", "one value per channel",
        "LayerNorm shape", "GroupNorm channels"])
def test_normalisation_errors_are_torchs(build, shape, error, message):
    for lib in (torch, mg):
        with pytest.raises(error, match=message):
            build(lib)(lib.zeros(shape))


def test_group_norm_needs_channels_divisible_by_groups():
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("build, shape", [
    (lambda lib: lib.nn.LayerNorm(4), (2, 3, 4)),
    (lambda lib: lib.nn.LayerNorm([3, 4], elementwise_affine=False), (2, 3, 4)),
    (lambda lib: lib.nn.LayerNorm((3, 4), bias=False, eps=1e-3), (2, 3, 4)),
    (lambda lib: lib.nn.GroupNorm(2, 4), (2, 4, 3)),
    (lambda lib: lib.nn.GroupNorm(1, 4, affine=False), (2, 4, 2, 2)),
    (lambda lib: lib.nn.GroupNorm(4, 4, bias=False), (2, 4, 2)),
], ids=["LayerNorm", "LayerNorm without affine", "LayerNorm without bias", "GroupNorm",
        "GroupNorm without affine", "GroupNorm without bias"])
def test_layer_and_group_norm_layers_are_torchs(build, shape):
    mine, theirs = build(mg).double(), build(torch).double()
    assert repr(mine) == repr(theirs)
    assert_state_matches(mine, theirs)
    x = np.random.default_rng(1).standard_normal(shape)
    mine_x, their_x = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine_y, their_y = mine(mine_x), theirs(their_x)
    np.testing.assert_allclose(to_numpy(mine_y), to_numpy(their_y), rtol=1e-12, atol=1e-12)
    mine_y.pow(3).sum().backward()
    their_y.pow(3).sum().backward()
    np.testing.assert_allclose(to_numpy(mine_x.grad), to_numpy(their_x.grad), rtol=1e-10,
                               atol=1e-12)
