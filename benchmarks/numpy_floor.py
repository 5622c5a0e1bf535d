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

Two choices make the LeNets fast; both concern memory, which is what their
convolutional layers spend most of their time on:

- Batch-last layout. Torch keeps images (N, C, H, W); here every array from
  the input to the flatten is (C, H, W, N), the batch innermost. The input is
  transposed (and zero-padded) once, in one copy (``to_batch_last``), and the
  flatten before the first Linear is a transposed view that reads torch's
  (c, h, w) order (``flatten``). In between, each shift a convolution or a
  pooling makes (a kernel offset, a 2x2 window offset) moves contiguous runs
  of N numbers instead of single pixels, so im2col, col2im and pooling run
  about two to three times faster, and the convolution's matmul W @ columns
  yields (O, Ho, Wo, N), the next layer's layout as it is: no transposes
  between layers.
- Convolutions in blocks of output pixels (``output_blocks``). The im2col
  columns are kh*kw times the size of the input (20 MB for the first
  convolution at batch 256); made whole, they are written to memory, read
  back, and cost fresh pages on every step. Made block by block, each block
  of columns is copied, multiplied and dropped while it sits in cache, and
  the backward pass unfolds its blocks again from the input. That makes a
  training step at batch 256 about 1.3 times and inference at batch 1000
  about 2.3 times as fast as whole-array im2col in the same layout.
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


def relu(x, out=None):
    """relu(x) = max(x, 0). ``out=x`` overwrites x (one large array less)."""
    return np.maximum(x, 0, out=out)


def relu_backward(dy, y):
    """d relu(x)/dx = 1 where the output is positive, else 0."""
    return dy * (y > 0)


def sigmoid(x, out=None):
    """s(x) = 1 / (1 + e^-x). ``out=x`` overwrites x (one large array less).

    e^-x overflows to inf for very negative x; 1 / inf = 0 is then the right
    answer, so the overflow warning is silenced rather than avoided.
    """
    s = np.negative(x, out=out)
    with np.errstate(over="ignore"):
        np.exp(s, out=s)
    s += 1
    return np.reciprocal(s, out=s)


def sigmoid_backward(dy, s):
    """d s(x)/dx = s (1 - s), written with the output s the forward kept."""
    ds = 1 - s
    ds *= s
    ds *= dy
    return ds


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


# ---------------------------------------------------------------------------
# The convolutional part of the LeNets, on batch-last arrays (C, H, W, N):
# see the module docstring for why.
# ---------------------------------------------------------------------------

def to_batch_last(x, padding=0):
    """Images x (N, C, H, W) as a batch-last array (C, H + 2p, W + 2p, N), zero-padded by p.

    The one copy a batch makes into the layout of the convolutional layers
    (see the module docstring). Padding in the same copy spares the first
    convolution a second pass over its input.
    """
    n, c, h, w = x.shape
    out = np.zeros((c, h + 2 * padding, w + 2 * padding, n), dtype=x.dtype)
    out[:, padding:padding + h, padding:padding + w] = x.transpose(1, 2, 3, 0)
    return out


def flatten(x):
    """A batch-last x (C, H, W, N) as the (N, C*H*W) matrix of torch's Flatten.

    A transposed view, no copy: row n of the result runs over (c, h, w) in
    torch's order. Matmul takes the transposed operand as it is.
    """
    return x.reshape(-1, x.shape[-1]).T


def flatten_backward(dflat, x_shape):
    """The gradient (N, C*H*W) of flatten's output, back in x's shape (C, H, W, N): a view."""
    return dflat.T.reshape(x_shape)


BLOCK_COLUMNS = 4096


def output_blocks(out_height, out_width, n):
    """Cut a convolution's output pixels into blocks of at most BLOCK_COLUMNS columns.

    A column is one output pixel of one image. Returns (p0, p1, q0, q1) for
    the block of output rows p0:p1 and columns q0:q1: whole rows when a row
    fits (the second convolution at batch 256: one row, 2560 columns), else a
    run of pixels within one row (the first convolution: 16 pixels, 4096
    columns, then 12 pixels). Either way the block's slice of a batch-last
    (O, Ho, Wo, N) array reshapes to (O, columns) as a view.

    Why 4096: a block's columns (400 KB for the first convolution, 1.5 MB
    for the second) stay in the L2 cache between the copy that makes them
    and the matmuls that read them; and the first convolution's products,
    m*n*k = 6*25*4096, stay under the 100**3 up to which OpenBLAS uses its
    small-matrix kernel, three times faster per column than its general one
    for these skinny shapes. Smaller blocks lose more to the per-call
    overhead of the many small NumPy operations than they gain.
    """
    if out_width * n <= BLOCK_COLUMNS:
        rows = BLOCK_COLUMNS // (out_width * n)
        return [(p, min(p + rows, out_height), 0, out_width) for p in range(0, out_height, rows)]
    pixels = max(1, BLOCK_COLUMNS // n)
    return [(p, p + 1, q, min(q + pixels, out_width))
            for p in range(out_height) for q in range(0, out_width, pixels)]


def patches(x, kernel_size):
    """All kernel-sized patches of a batch-last x (C, H, W, N), stride 1: a view, no copy.

    Shaped (C, kh, kw, Ho, Wo, N): entry [c, i, j, p, q, n] is
    x[c, p + i, q + j, n], the input under kernel offset (i, j) when output
    pixel (p, q) of image n is computed.
    """
    windows = sliding_window_view(x, kernel_size, axis=(1, 2))  # C, Ho, Wo, N, kh, kw
    return windows.transpose(0, 4, 5, 1, 2, 3)


def im2col(x_patches, block):
    """The columns (C*kh*kw, columns of the block) of one output block: the one copy.

    Rows are ordered like W's flattened columns, so the block's output is the
    matmul W(O, C*kh*kw) @ columns; columns are ordered (rows, columns, N),
    like the block's slice of the batch-last output. The copy moves
    contiguous runs of N numbers.
    """
    p0, p1, q0, q1 = block
    c, kh, kw = x_patches.shape[:3]
    return x_patches[:, :, :, p0:p1, q0:q1].reshape(c * kh * kw, -1)


def col2im(dcols, dx, block):
    """The adjoint of im2col: add each entry of dcols onto the pixel of dx it came from.

    dcols is one block's gradient, shaped like its patches,
    (C, kh, kw, rows, columns, N). A pixel sits in up to kh*kw patches, so
    its gradient is a sum. Instead of scattering element by element
    (np.add.at, slow), loop over the kh*kw kernel offsets: dcols[:, i, j] is
    added to the block's window of dx shifted by (i, j).
    """
    p0, p1, q0, q1 = block
    kh, kw = dcols.shape[1:3]
    for i in range(kh):
        for j in range(kw):
            dx[:, p0 + i:p1 + i, q0 + j:q1 + j] += dcols[:, i, j]


def conv2d(x, weight, bias):
    """Cross-correlation of a batch-last x (C, H, W, N) with weight (O, C, kh, kw), stride 1.

    y = W cols + b, with W flattened to (O, C*kh*kw) and cols = im2col(x),
    one block of output pixels at a time (see ``output_blocks``): the
    columns, kh*kw times the size of x, never exist whole. No padding here:
    a padded convolution gets its input padded when the batch is made
    batch-last (``to_batch_last(images, padding)``). Returns the output
    (O, Ho, Wo, N), batch-last too.
    """
    out_channels = weight.shape[0]
    x_patches = patches(x, weight.shape[2:])
    _, _, _, out_height, out_width, n = x_patches.shape
    weight = weight.reshape(out_channels, -1)
    y = np.empty((out_channels, out_height, out_width, n), dtype=x.dtype)
    for block in output_blocks(out_height, out_width, n):
        p0, p1, q0, q1 = block
        y_block = y[:, p0:p1, q0:q1].reshape(out_channels, -1)  # a view (see output_blocks)
        np.matmul(weight, im2col(x_patches, block), out=y_block)
        y_block += bias[:, None]
    return y


def conv2d_backward(dy, x, weight, need_dx=True):
    """The forward's matmul y = W cols, differentiated: dW = dy cols^T, dcols = W^T dy.

    dy is batch-last (O, Ho, Wo, N). dL/dW sums the blocks' dy cols^T, the
    columns unfolded again from x block by block as in the forward;
    dL/dx = col2im(dcols), block by block, with respect to the input x the
    forward got (the padded one, if it was padded); dL/db sums dy over pixels
    and batch. Returns (dx, dW, db), dx None when ``need_dx`` is false.
    """
    out_channels = weight.shape[0]
    x_patches = patches(x, weight.shape[2:])
    c, kh, kw, out_height, out_width, n = x_patches.shape
    weight_t = weight.reshape(out_channels, -1).T
    dweight_t = np.zeros(weight_t.shape, dtype=x.dtype)  # dW^T, C*kh*kw by O
    dx = np.zeros_like(x) if need_dx else None
    for block in output_blocks(out_height, out_width, n):
        p0, p1, q0, q1 = block
        dy_block = dy[:, p0:p1, q0:q1].reshape(out_channels, -1)  # a view
        # cols dy^T is (dy cols^T)^T; OpenBLAS computes it in this order faster.
        dweight_t += im2col(x_patches, block) @ dy_block.T
        if need_dx:
            dcols = weight_t @ dy_block
            col2im(dcols.reshape(c, kh, kw, p1 - p0, q1 - q0, n), dx, block)
    dbias = dy.reshape(out_channels, -1).sum(axis=1)
    return dx, dweight_t.T.reshape(weight.shape), dbias


def _window_offsets(x, k):
    """Split a batch-last x (C, H, W, N) into its k-by-k pooling windows (stride k), by offset.

    Returns the k*k strided views x[:, i::k, j::k], in row-major order of
    the offset (i, j): view number i*k + j holds element (i, j) of every
    window. Pooling then becomes elementwise work on whole views, each a
    run of contiguous rows of N numbers.
    """
    _, h, w, _ = x.shape
    if h % k or w % k:
        raise ValueError(f"the floor pools only inputs whose sides the window divides: {x.shape}, window {k}")
    return [x[:, i::k, j::k] for i in range(k) for j in range(k)]


def avg_pool2d(x, k):
    """Mean over each k-by-k window, stride k, of a batch-last x (C, H, W, N)."""
    offsets = _window_offsets(x, k)
    y = offsets[0].copy()
    for view in offsets[1:]:
        y += view
    y *= 1 / (k * k)
    return y


def avg_pool2d_backward(dy, x, y, k):
    """Each input pixel receives dy / k^2 from the one window that holds it."""
    dx = np.empty_like(x)
    for view in _window_offsets(dx, k):
        np.multiply(dy, 1 / (k * k), out=view)
    return dx


def max_pool2d(x, k):
    """Max over each k-by-k window, stride k, of a batch-last x (C, H, W, N)."""
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
        h = conv2d(to_batch_last(x, padding=2), p["0.weight"], p["0.bias"])
        h = pool(act(h, out=h), 2)
        h = conv2d(h, p["3.weight"], p["3.bias"])
        h = pool(act(h, out=h), 2)
        h = act(linear(flatten(h), p["7.weight"], p["7.bias"]))
        h = act(linear(h, p["9.weight"], p["9.bias"]))
        return linear(h, p["11.weight"], p["11.bias"])

    def loss_and_grads(self, x, labels):
        """Mean softmax cross-entropy and its gradient for every parameter.

        From the input to the flatten, every array is batch-last (C, H, W, N).
        """
        p = self.params
        act, act_backward = ACTIVATIONS[self.ACTIVATION]
        pool, pool_backward = POOLINGS[self.POOLING]
        x = to_batch_last(x, padding=2)  # 1, 32, 32, N
        z1 = conv2d(x, p["0.weight"], p["0.bias"])
        a1 = act(z1, out=z1)  # z1 is not needed again
        pooled1 = pool(a1, 2)
        z2 = conv2d(pooled1, p["3.weight"], p["3.bias"])
        a2 = act(z2, out=z2)
        pooled2 = pool(a2, 2)
        flat = flatten(pooled2)
        a3 = act(linear(flat, p["7.weight"], p["7.bias"]))
        a4 = act(linear(a3, p["9.weight"], p["9.bias"]))
        logits = linear(a4, p["11.weight"], p["11.bias"])
        loss, dlogits = softmax_cross_entropy(logits, labels)

        grads = {}
        da4, grads["11.weight"], grads["11.bias"] = linear_backward(dlogits, a4, p["11.weight"])
        da3, grads["9.weight"], grads["9.bias"] = linear_backward(act_backward(da4, a4), a3, p["9.weight"])
        dflat, grads["7.weight"], grads["7.bias"] = linear_backward(act_backward(da3, a3), flat, p["7.weight"])
        da2 = pool_backward(flatten_backward(dflat, pooled2.shape), a2, pooled2, 2)
        dpooled1, grads["3.weight"], grads["3.bias"] = conv2d_backward(act_backward(da2, a2), pooled1,
                                                                       p["3.weight"])
        da1 = pool_backward(dpooled1, a1, pooled1, 2)
        _, grads["0.weight"], grads["0.bias"] = conv2d_backward(act_backward(da1, a1), x, p["0.weight"],
                                                                need_dx=False)
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
