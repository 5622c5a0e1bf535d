"""The float32 rule's magnitude model (conditioning.py), where a mistake would make S too small."""
import torch

from conditioning import _magnitude, aten


def test_layer_norm_backward_weights_the_gradient_before_its_means():
    """grad_x = rstd (wg - mean(wg) - x̂ mean(wg x̂)): where w is 0 the two means are not, so
    the rounding of what the kernel adds there is not 0 either (thorough profile, seed 1)."""
    x = torch.tensor([[-2.5, -2.0], [1.0, 2.0]], dtype=torch.float64)
    weight = torch.tensor([0.0, 1.0], dtype=torch.float64)
    grad = torch.full((2, 2), 0.5, dtype=torch.float64)
    _, mean, rstd = torch.ops.aten.native_layer_norm(x, [2], weight, None, 1e-5)
    args = (grad, x, [2], mean, rstd, weight, None, [True, True, False])
    grad_x = _magnitude[aten.native_layer_norm_backward](
        aten.native_layer_norm_backward.default, args, {})[0]

    weighted = grad * weight
    xhat = (x.abs() + mean.abs()) * rstd
    terms = (weighted + weighted.mean(1, keepdim=True)
             + xhat * (weighted * xhat).mean(1, keepdim=True))
    torch.testing.assert_close(grad_x, terms * rstd, rtol=1e-15, atol=0)
    assert (grad_x[:, 0] > 0.25 * rstd[:, 0]).all()
