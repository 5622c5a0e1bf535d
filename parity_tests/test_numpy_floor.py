"""The NumPy floor of the benchmarks computes what PyTorch computes.

Each hand-written network gets the same random weights as a torch
``nn.Sequential``; the loss, every gradient and the logits must agree, in
float64 to 1e-10 and in float32 to float32's precision. The benchmarks'
speed comparisons mean something only if this holds.
"""

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from benchmarks import numpy_floor

TOLERANCES = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-5, atol=1e-6)}
TORCH_DTYPES = {np.float64: torch.float64, np.float32: torch.float32}

TORCH_NETWORKS = {
    "mlp": lambda: nn.Sequential(
        nn.Flatten(), nn.Linear(784, 200), nn.ReLU(), nn.Linear(200, 200), nn.ReLU(), nn.Linear(200, 10)),
    "lenet_d2l": lambda: nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Sigmoid(), nn.AvgPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.Sigmoid(), nn.AvgPool2d(2, 2), nn.Flatten(),
        nn.Linear(400, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10)),
    "lenet_modern": lambda: nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)),
}


def make_pair(name, dtype, seed=0):
    """The floor network and the torch one, holding identical weights in ``dtype``."""
    floor = numpy_floor.NETWORKS[name](dtype=dtype, seed=seed)
    model = TORCH_NETWORKS[name]().to(TORCH_DTYPES[dtype])
    model.load_state_dict({key: torch.from_numpy(value) for key, value in floor.params.items()})
    return floor, model


def make_batch(dtype, batch=8, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 1, 28, 28)).astype(dtype), rng.integers(0, 10, size=batch)


@pytest.mark.parametrize("block_columns", [4096, 100], ids=["blocks-of-rows", "blocks-in-rows"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(numpy_floor.NETWORKS))
def test_loss_and_every_gradient_match_torch(name, dtype, block_columns, monkeypatch):
    # At batch 8, 100 columns cut the first convolution's output rows (28 x 8 columns) in parts.
    monkeypatch.setattr(numpy_floor, "BLOCK_COLUMNS", block_columns)
    floor, model = make_pair(name, dtype)
    x, labels = make_batch(dtype)

    loss, grads = floor.loss_and_grads(x, labels)
    torch_loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(labels))
    torch_loss.backward()

    assert set(grads) == set(model.state_dict())
    np.testing.assert_allclose(loss, torch_loss.item(), **TOLERANCES[dtype])
    for key, parameter in model.named_parameters():
        assert grads[key].dtype == dtype, key
        np.testing.assert_allclose(grads[key], parameter.grad.numpy(), **TOLERANCES[dtype], err_msg=key)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", sorted(numpy_floor.NETWORKS))
def test_forward_matches_torch(name, dtype):
    floor, model = make_pair(name, dtype)
    x, _ = make_batch(dtype)
    logits = floor.forward(x)
    assert logits.dtype == dtype
    with torch.no_grad():
        np.testing.assert_allclose(logits, model(torch.from_numpy(x)).numpy(), **TOLERANCES[dtype])


@pytest.mark.parametrize("name", sorted(numpy_floor.NETWORKS))
def test_sgd_steps_match_torch(name):
    floor, model = make_pair(name, np.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for seed in range(3):
        x, labels = make_batch(np.float64, seed=seed)
        loss = floor.step(x, labels, lr=0.1)
        optimizer.zero_grad()
        torch_loss = F.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(labels))
        torch_loss.backward()
        optimizer.step()
        np.testing.assert_allclose(loss, torch_loss.item(), rtol=1e-10)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(floor.params[key], value.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)


def test_max_pool_routes_ties_to_the_first_maximum_like_torch():
    x = np.zeros((2, 3, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 1.0  # a tie inside one window
    dy = np.arange(1.0, 1.0 + 2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    # The floor pools batch-last arrays (C, H, W, N); torch's are (N, C, H, W).
    x_last = numpy_floor.to_batch_last(x)
    y = numpy_floor.max_pool2d(x_last, 2)
    dx = numpy_floor.max_pool2d_backward(dy.transpose(1, 2, 3, 0), x_last, y, 2)

    xt = torch.from_numpy(x).requires_grad_()
    yt = F.max_pool2d(xt, 2)
    yt.backward(torch.from_numpy(dy))
    np.testing.assert_array_equal(y.transpose(3, 0, 1, 2), yt.detach().numpy())
    np.testing.assert_array_equal(dx.transpose(3, 0, 1, 2), xt.grad.numpy())


@pytest.mark.parametrize("block_columns", [4096, 40, 10, 2], ids=["one-block", "rows", "part-rows", "pixels"])
@pytest.mark.parametrize("padding", [0, 2])
def test_conv2d_matches_torch_block_by_block(padding, block_columns, monkeypatch):
    """A conv that is not the first layer, its input gradient (col2im) included, alone.

    The output (5, 7 or 11, 6 or 10, 3) is cut into one block, blocks of
    whole rows, blocks of part of a row, or single pixels.
    """
    monkeypatch.setattr(numpy_floor, "BLOCK_COLUMNS", block_columns)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 9, 7))
    weight = rng.standard_normal((5, 4, 3, 2))
    bias = rng.standard_normal(5)
    # The floor's convolutions take batch-last (C, H, W, N) input, padded on the way in.
    x_padded = numpy_floor.to_batch_last(x, padding)
    y = numpy_floor.conv2d(x_padded, weight, bias).transpose(3, 0, 1, 2)
    dy = rng.standard_normal(y.shape)
    dx_padded, dweight, dbias = numpy_floor.conv2d_backward(dy.transpose(1, 2, 3, 0), x_padded, weight)
    dx = dx_padded[:, padding:padding + x.shape[2], padding:padding + x.shape[3]].transpose(3, 0, 1, 2)

    xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, weight, bias))
    yt = F.conv2d(xt, wt, bt, padding=padding)
    yt.backward(torch.from_numpy(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    for ours, theirs in ((dx, xt), (dweight, wt), (dbias, bt)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_sigmoid_saturates_without_overflow_warnings():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        s = numpy_floor.sigmoid(np.array([-1000.0, 0.0, 1000.0], dtype=np.float32))
    np.testing.assert_array_equal(s, np.array([0.0, 0.5, 1.0], dtype=np.float32))
