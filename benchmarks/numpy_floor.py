"""The NumPy floor: three networks with their backward passes written by hand.

No tape, no tensor objects, no graph: each network is a dict of NumPy arrays
and two straight-line functions, the forward pass and its mirror image, the
backward pass. It is the fastest plain NumPy that stays readable, so its step
time is what any autodiff engine built on NumPy could reach with zero overhead
of its own. The benchmarks compare minigrad and PyTorch against it.

The three networks are those of the benchmarks, their parameters keyed exactly
like the state_dict of the same PyTorch ``nn.Sequential``:

- ``MLP``: Flatten, Linear(784, 200), ReLU, Linear(200, 200), ReLU,
  Linear(200, 10).
- ``LeNetD2L`` (the d2l.ai LeNet): Conv2d(1, 6, 5, padding=2), Sigmoid,
  AvgPool2d(2, 2), Conv2d(6, 16, 5), Sigmoid, AvgPool2d(2, 2), Flatten,
  Linear(400, 120), Sigmoid, Linear(120, 84), Sigmoid, Linear(84, 10).
- ``LeNetModern``: the same with ReLU and MaxPool2d(2, 2).

Every array keeps the parameters' dtype (float32 or float64): nothing is
promoted behind the caller's back.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


# ---------------------------------------------------------------------------
# Layers. Each forward is paired with its backward, which takes the gradient
# of the loss with respect to the layer's output and whatever the forward
# kept, and returns the gradients with respect to the layer's inputs.
# ---------------------------------------------------------------------------

def linear(x, weight, bias):
    """y = x W^T + b, with W shaped (out_features, in_features) as in torch."""
    y = x @ weight.T
    y += bias
    return y


def linear_backward(dy, x, weight, need_dx=True):
    """dL/dx = dy W,  dL/dW = dy^T x,  dL/db = sum over the batch of dy.

    ``need_dx=False`` skips dL/dx for a layer that reads the network's input,
    which needs no gradient.
    """
    dx = dy @ weight if need_dx else None
    return dx, dy.T @ x, dy.sum(axis=0)


def relu(x):
    """relu(x) = max(x, 0)."""
    return np.maximum(x, 0)


def relu_backward(dy, y):
    """d relu(x)/dx = 1 where the output is positive, else 0."""
    return dy * (y > 0)


def sigmoid(x):
    """s(x) = 1 / (1 + e^-x).

    e^-x overflows to inf for very negative x; 1 / inf = 0 is then the right
    answer, so the overflow warning is silenced rather than avoided.
    """
    with np.errstate(over="ignore"):
        s = np.exp(-x)
    s += 1
    return np.reciprocal(s, out=s)


def sigmoid_backward(dy, s):
    """d s(x)/dx = s (1 - s), written with the output s the forward kept."""
    return dy * s * (1 - s)


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of softmax(logits) against integer labels, and its gradient.

    Fused and stable: log softmax(z) = (z - max z) - log sum exp(z - max z),
    so exp never sees a positive argument. The gradient of the batch mean is
    dL/dz = (softmax(z) - onehot(labels)) / N.
    """
    n = len(logits)
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sum_exp = exp.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(sum_exp[:, 0]) - shifted[rows, labels])
    dlogits = exp / sum_exp
    dlogits[rows, labels] -= 1
    dlogits /= n
    return float(loss), dlogits


def im2col(x, kernel_size, padding):
    """Unfold images x (N, C, H, W) into columns (C*kh*kw, N*Ho*Wo), stride 1.

    Column (n, i, j) holds the input patch under output pixel (i, j) of image
    n, so a convolution is the single matmul W(O, C*kh*kw) @ columns. The
    window view costs nothing; the reshape makes the one copy. Rows run over
    channels and kernel offsets first (the same order as W's flattened
    columns) because that layout makes both the matmul and col2im's slices
    contiguous: about twice as fast as patches laid out row by row.
    """
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, kernel_size, axis=(2, 3))
    n, c, ho, wo, kh, kw = windows.shape
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * kh * kw, n * ho * wo)


def col2im(dcols, x_shape, kernel_size, padding):
    """The adjoint of im2col: add each column entry back onto the pixel it came from.

    A pixel sits in up to kh*kw patches, so its gradient is a sum. Instead of
    scattering element by element (np.add.at, slow), loop over the kh*kw
    kernel offsets: offset (i, j) of every patch at once is one strided
    (C, N, Ho, Wo) block added to a shifted window of the padded input.
    """
    n, c, h, w = x_shape
    kh, kw = kernel_size
    ho, wo = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    dcols = dcols.reshape(c, kh, kw, n, ho, wo)
    dx = np.zeros((c, n, h + 2 * padding, w + 2 * padding), dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + ho, j:j + wo] += dcols[:, i, j]
    return dx[:, :, padding:padding + h, padding:padding + w].transpose(1, 0, 2, 3)


def conv2d(x, weight, bias, padding=0):
    """Cross-correlation of x (N, C, H, W) with weight (O, C, kh, kw), stride 1.

    Returns the output (N, O, Ho, Wo) and the columns, which the backward
    pass needs for dL/dW. The output is a transposed view of the matmul's
    (O, N, Ho, Wo) result; the elementwise layers after it keep that memory
    order, so the backward's transpose back to (O, N*Ho*Wo) costs no copy.
    """
    n, _, h, w = x.shape
    out_channels, _, kh, kw = weight.shape
    ho, wo = h + 2 * padding - kh + 1, w + 2 * padding - kw + 1
    cols = im2col(x, (kh, kw), padding)
    y = weight.reshape(out_channels, -1) @ cols  # O, N*Ho*Wo
    y += bias[:, None]
    return y.reshape(out_channels, n, ho, wo).transpose(1, 0, 2, 3), cols


def conv2d_backward(dy, cols, x_shape, weight, padding=0, need_dx=True):
    """The forward's matmul y = W cols, differentiated: dW = dy cols^T, dcols = W^T dy.

    dL/db sums dy over batch and pixels; dL/dx is col2im(dcols). Returns
    (dx, dW, db), dx None when ``need_dx`` is false.
    """
    out_channels = weight.shape[0]
    dy = dy.transpose(1, 0, 2, 3).reshape(out_channels, -1)  # O, N*Ho*Wo
    # (cols dy^T)^T is dy cols^T; OpenBLAS computes it in this order faster.
    dweight = (cols @ dy.T).T.reshape(weight.shape)
    dbias = dy.sum(axis=1)
    dx = None
    if need_dx:
        dcols = weight.reshape(out_channels, -1).T @ dy
        dx = col2im(dcols, x_shape, weight.shape[2:], padding)
    return dx, dweight, dbias


def _window_offsets(x, k):
    """Split x (N, C, H, W) into its k-by-k pooling windows (stride k), by offset.

    Returns the k*k strided views x[:, :, i::k, j::k], in row-major order of
    the offset (i, j): view number i*k + j holds element (i, j) of every
    window. Pooling then becomes elementwise work on whole views, about ten
    times faster than reducing over small window axes.
    """
    n, c, h, w = x.shape
    if h % k or w % k:
        raise ValueError(f"the floor pools only inputs whose sides the window divides: {x.shape}, window {k}")
    return [x[:, :, i::k, j::k] for i in range(k) for j in range(k)]


def avg_pool2d(x, k):
    """Mean over each k-by-k window, stride k."""
    offsets = _window_offsets(x, k)
    y = offsets[0].copy()
    for view in offsets[1:]:
        y += view
    y *= 1 / (k * k)
    return y


def avg_pool2d_backward(dy, x, y, k):
    """Each input pixel receives dy / k^2 from the one window that holds it."""
    dx = np.empty_like(x)
    share = dy / (k * k)
    for view in _window_offsets(dx, k):
        view[...] = share
    return dx


def max_pool2d(x, k):
    """Max over each k-by-k window, stride k."""
    offsets = _window_offsets(x, k)
    y = offsets[0].copy()
    for view in offsets[1:]:
        np.maximum(y, view, out=y)
    return y


def max_pool2d_backward(dy, x, y, k):
    """The gradient of a window goes to its maximum alone.

    Among ties the first maximum in row-major order takes it, PyTorch's
    choice: walking the offsets in that order, a window is claimed by the
    first offset whose value equals the window's max.
    """
    dx = np.empty_like(x)
    unclaimed = np.ones(y.shape, dtype=bool)
    for x_view, dx_view in zip(_window_offsets(x, k), _window_offsets(dx, k)):
        is_max = x_view == y
        is_max &= unclaimed
        unclaimed ^= is_max
        np.multiply(dy, is_max, out=dx_view)
    return dx


ACTIVATIONS = {"relu": (relu, relu_backward), "sigmoid": (sigmoid, sigmoid_backward)}
POOLINGS = {"avg": (avg_pool2d, avg_pool2d_backward), "max": (max_pool2d, max_pool2d_backward)}


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------

class Network:
    """Parameters in a dict keyed like a torch state_dict, plus plain SGD.

    Subclasses give ``PARAMETER_SHAPES`` and write ``forward`` (inference)
    and ``loss_and_grads`` (training) by hand.
    """

    PARAMETER_SHAPES = {}

    def __init__(self, params=None, dtype=np.float32, seed=0):
        """Copy ``params`` (a name -> array dict) in ``dtype``, or draw them with ``seed``."""
        if params is None:
            params = init_params(self.PARAMETER_SHAPES, seed)
        if set(params) != set(self.PARAMETER_SHAPES):
            raise KeyError(f"expected parameters {sorted(self.PARAMETER_SHAPES)}, got {sorted(params)}")
        self.params = {name: np.array(params[name], dtype=dtype) for name in self.PARAMETER_SHAPES}

    def step(self, x, labels, lr):
        """One step of plain SGD, p <- p - lr dL/dp, in place; returns the loss before it."""
        loss, grads = self.loss_and_grads(x, labels)
        for name, grad in grads.items():
            grad *= lr
            self.params[name] -= grad
        return loss


def init_params(parameter_shapes, seed=0):
    """Draw float32 parameters from PyTorch's default for Linear and Conv2d.

    Both weight and bias are uniform on [-1/sqrt(fan_in), 1/sqrt(fan_in)]
    (kaiming_uniform with a = sqrt(5) reduces to this), fan_in being the
    weight's in_features * kh * kw.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for name, shape in parameter_shapes.items():
        layer = name.rsplit(".", 1)[0]
        fan_in = int(np.prod(parameter_shapes[layer + ".weight"][1:]))
        bound = 1 / np.sqrt(fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape).astype(np.float32)
    return params


class MLP(Network):
    """Flatten, Linear(784, 200), ReLU, Linear(200, 200), ReLU, Linear(200, 10)."""

    PARAMETER_SHAPES = {
        "1.weight": (200, 784), "1.bias": (200,),
        "3.weight": (200, 200), "3.bias": (200,),
        "5.weight": (10, 200), "5.bias": (10,),
    }

    def forward(self, x):
        """Logits (N, 10) for images x (N, 1, 28, 28)."""
        p = self.params
        h = relu(linear(x.reshape(len(x), -1), p["1.weight"], p["1.bias"]))
        h = relu(linear(h, p["3.weight"], p["3.bias"]))
        return linear(h, p["5.weight"], p["5.bias"])

    def loss_and_grads(self, x, labels):
        """Mean softmax cross-entropy and its gradient for every parameter."""
        p = self.params
        x = x.reshape(len(x), -1)
        h1 = relu(linear(x, p["1.weight"], p["1.bias"]))
        h2 = relu(linear(h1, p["3.weight"], p["3.bias"]))
        logits = linear(h2, p["5.weight"], p["5.bias"])
        loss, dlogits = softmax_cross_entropy(logits, labels)

        grads = {}
        dh2, grads["5.weight"], grads["5.bias"] = linear_backward(dlogits, h2, p["5.weight"])
        dh1, grads["3.weight"], grads["3.bias"] = linear_backward(relu_backward(dh2, h2), h1, p["3.weight"])
        _, grads["1.weight"], grads["1.bias"] = linear_backward(relu_backward(dh1, h1), x, p["1.weight"],
                                                                need_dx=False)
        return loss, grads


class LeNet(Network):
    """LeNet-5 on 28x28 images, its activation and pooling set by the subclass.

    Conv2d(1, 6, 5, padding=2), act, pool, Conv2d(6, 16, 5), act, pool,
    Flatten, Linear(400, 120), act, Linear(120, 84), act, Linear(84, 10).
    """

    ACTIVATION = "sigmoid"
    POOLING = "avg"
    PARAMETER_SHAPES = {
        "0.weight": (6, 1, 5, 5), "0.bias": (6,),
        "3.weight": (16, 6, 5, 5), "3.bias": (16,),
        "7.weight": (120, 400), "7.bias": (120,),
        "9.weight": (84, 120), "9.bias": (84,),
        "11.weight": (10, 84), "11.bias": (10,),
    }

    def forward(self, x):
        """Logits (N, 10) for images x (N, 1, 28, 28)."""
        p = self.params
        act, _ = ACTIVATIONS[self.ACTIVATION]
        pool, _ = POOLINGS[self.POOLING]
        h, _ = conv2d(x, p["0.weight"], p["0.bias"], padding=2)
        h = pool(act(h), 2)
        h, _ = conv2d(h, p["3.weight"], p["3.bias"])
        h = pool(act(h), 2)
        h = act(linear(h.reshape(len(h), -1), p["7.weight"], p["7.bias"]))
        h = act(linear(h, p["9.weight"], p["9.bias"]))
        return linear(h, p["11.weight"], p["11.bias"])

    def loss_and_grads(self, x, labels):
        """Mean softmax cross-entropy and its gradient for every parameter."""
        p = self.params
        act, act_backward = ACTIVATIONS[self.ACTIVATION]
        pool, pool_backward = POOLINGS[self.POOLING]
        z1, cols1 = conv2d(x, p["0.weight"], p["0.bias"], padding=2)
        a1 = act(z1)
        pooled1 = pool(a1, 2)
        z2, cols2 = conv2d(pooled1, p["3.weight"], p["3.bias"])
        a2 = act(z2)
        pooled2 = pool(a2, 2)
        flat = pooled2.reshape(len(pooled2), -1)
        a3 = act(linear(flat, p["7.weight"], p["7.bias"]))
        a4 = act(linear(a3, p["9.weight"], p["9.bias"]))
        logits = linear(a4, p["11.weight"], p["11.bias"])
        loss, dlogits = softmax_cross_entropy(logits, labels)

        grads = {}
        da4, grads["11.weight"], grads["11.bias"] = linear_backward(dlogits, a4, p["11.weight"])
        da3, grads["9.weight"], grads["9.bias"] = linear_backward(act_backward(da4, a4), a3, p["9.weight"])
        dflat, grads["7.weight"], grads["7.bias"] = linear_backward(act_backward(da3, a3), flat, p["7.weight"])
        da2 = pool_backward(dflat.reshape(pooled2.shape), a2, pooled2, 2)
        dpooled1, grads["3.weight"], grads["3.bias"] = conv2d_backward(act_backward(da2, a2), cols2,
                                                                       pooled1.shape, p["3.weight"])
        da1 = pool_backward(dpooled1, a1, pooled1, 2)
        _, grads["0.weight"], grads["0.bias"] = conv2d_backward(act_backward(da1, a1), cols1, x.shape,
                                                                p["0.weight"], padding=2, need_dx=False)
        return loss, grads


class LeNetD2L(LeNet):
    """The d2l.ai LeNet: sigmoid activations and average pooling."""

    ACTIVATION = "sigmoid"
    POOLING = "avg"


class LeNetModern(LeNet):
    """LeNet with ReLU activations and max pooling."""

    ACTIVATION = "relu"
    POOLING = "max"


NETWORKS = {"mlp": MLP, "lenet_d2l": LeNetD2L, "lenet_modern": LeNetModern}
