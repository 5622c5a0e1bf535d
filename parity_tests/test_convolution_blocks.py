"""Convolutions computed in several output blocks agree with torch.

On the CPU a convolution runs over its output in blocks of
`backend.convolution_block_columns` columns (4096), so the small inputs of
the parity table fit in one block. Here the block is made tiny, so that
the output is cut into whole rows, into runs of pixels within a row, or
into single pixels, and the forward pass, both gradients, the bias gradient
and the second derivatives are compared with torch for every convolution
option.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import backend
from minigrad.autograd import gradgradcheck

# (stride, padding, dilation, groups, channels in, channels out, image side)
OPTIONS = [(1, 0, 1, 1, 2, 3, 7), (1, 2, 1, 1, 1, 4, 6), (2, 1, 1, 1, 2, 2, 8),
           (1, 1, 2, 1, 3, 2, 7), (2, 0, 1, 2, 4, 6, 9), (3, 2, 2, 2, 2, 4, 10)]
# With a batch of 3 and outputs 2 to 7 pixels wide: several rows per block, one row, runs
# of pixels within a row, and single pixels.
BLOCK_SIZES = [64, 21, 6, 1]


@pytest.fixture(params=BLOCK_SIZES, ids=lambda size: f"block{size}")
def small_blocks(request, monkeypatch):
    monkeypatch.setattr(backend, "convolution_block_columns", lambda xp: request.param)
    return request.param


@pytest.mark.parametrize("stride, padding, dilation, groups, c_in, c_out, side", OPTIONS)
def test_blocked_convolution_matches_torch(small_blocks, stride, padding, dilation, groups, c_in,
                                           c_out, side):
    rng = np.random.default_rng(side * 31 + c_out)
    x = rng.standard_normal((3, c_in, side, side))
    w = rng.standard_normal((c_out, c_in // groups, 3, 3))
    b = rng.standard_normal(c_out)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)

    ours = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv2d(*ours, **options)
    y_torch = torch.nn.functional.conv2d(*theirs, **options)
    np.testing.assert_allclose(y.detach().numpy(), y_torch.detach().numpy(), rtol=1e-12, atol=1e-12)

    upstream = rng.standard_normal(y_torch.shape)
    grads = mg.autograd.grad(y, ours, mg.tensor(upstream), create_graph=True)
    grads_torch = torch.autograd.grad(y_torch, theirs, torch.tensor(upstream), create_graph=True)
    for grad, grad_torch in zip(grads, grads_torch):
        np.testing.assert_allclose(grad.detach().numpy(), grad_torch.detach().numpy(), rtol=1e-12, atol=1e-12)

    # Second order: the gradient of <dL/dx, v> + <dL/dW, u> with respect to x, W and b.
    directions = [rng.standard_normal(a.shape) for a in (x, w)]
    total = sum((g * mg.tensor(d)).sum() for g, d in zip(grads[:2], directions))
    total_torch = sum((g * torch.tensor(d)).sum() for g, d in zip(grads_torch[:2], directions))
    second = mg.autograd.grad(total, ours[:2])
    second_torch = torch.autograd.grad(total_torch, theirs[:2])
    for grad, grad_torch in zip(second, second_torch):
        np.testing.assert_allclose(grad.numpy(), grad_torch.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 1, 1, 1), (2, 1, 2, 2)])
def test_blocked_convolution_passes_gradgradcheck(stride, padding, dilation, groups, monkeypatch):
    monkeypatch.setattr(backend, "convolution_block_columns", lambda xp: 5)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((2, 2, 6, 6)), requires_grad=True)
    w = mg.tensor(rng.standard_normal((2, 2 // groups, 3, 3)), requires_grad=True)
    b = mg.tensor(rng.standard_normal(2), requires_grad=True)
    assert gradgradcheck(lambda *a: F.conv2d(*a, stride=stride, padding=padding, dilation=dilation,
                                             groups=groups), (x, w, b))
