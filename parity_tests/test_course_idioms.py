"""The tensor lessons of the PyTorch course, run on minigrad and on torch, compared line by line.

Each test writes a lesson's code once, as a function of `lib` (minigrad or
torch), the way a learner ports it by changing `import torch` to
`import minigrad as torch`; both runs must print and return the same values.
"""
import math

import numpy as np
import pytest
import torch

import minigrad as mg

LIBS = (mg, torch)


def values(t):
    """A tensor's numbers, dtype name and shape, for comparing the two libraries."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
    return t.tolist(), str(t.dtype).rpartition(".")[2], list(t.shape)


def assert_same(mine, theirs, exact=True):
    (m_values, m_dtype, m_shape), (t_values, t_dtype, t_shape) = values(mine), values(theirs)
    assert (m_dtype, m_shape) == (t_dtype, t_shape)
    if exact:
        assert m_values == t_values
    else:
        np.testing.assert_allclose(np.asarray(m_values, dtype=float),
                                   np.asarray(t_values, dtype=float), rtol=1e-6, atol=1e-7)


# ---------------------------------------------------------------------------
# the lines the course writes, word for word
# ---------------------------------------------------------------------------


def one_hot(lib, label, depth=10):
    """The course's one-hot helper."""
    out = lib.zeros(label.size(0), depth)
    idx = lib.LongTensor(label).view(-1, 1)
    out.scatter_(dim=1, index=idx, value=1)
    return out


def test_one_hot_with_scatter_():
    labels = [3, 0, 9, 3]
    assert_same(one_hot(mg, mg.tensor(labels)), one_hot(torch, torch.tensor(labels)))


def test_accuracy_line_of_the_mnist_tutorial():
    """`correct += pred.eq(target).sum()`, then the percentage printed with '{:.0f}%'."""
    rng = np.random.default_rng(0)
    batches = [(rng.standard_normal((8, 10)).astype(np.float32), rng.integers(0, 10, 8))
               for _ in range(3)]
    printed = []
    for lib in LIBS:
        correct = 0
        for logits, target in batches:
            output, target = lib.tensor(logits), lib.tensor(target)
            pred = output.argmax(dim=1)
            correct += pred.eq(target).sum()
        printed.append('Accuracy: {}/{} ({:.0f}%)'.format(correct, 24, 100. * correct / 24))
        printed.append(f"{100. * correct / 24:.2f} {correct / 24:.3e} {correct}")
    assert printed[:2] == printed[2:]


def test_d2l_accuracy_with_axis_and_type():
    """d2l's `accuracy`: `y_hat.argmax(axis=1)`, `cmp.type(y.dtype)`, `float(...)`."""
    rng = np.random.default_rng(1)
    y_hat, y = rng.standard_normal((6, 4)).astype(np.float32), rng.integers(0, 4, 6)
    results = []
    for lib in LIBS:
        y_hat_t, y_t = lib.tensor(y_hat), lib.tensor(y)
        if len(y_hat_t.shape) > 1 and y_hat_t.shape[1] > 1:
            y_hat_t = y_hat_t.argmax(axis=1)
        cmp = y_hat_t.type(y_t.dtype) == y_t
        results.append(float(cmp.type(y_t.dtype).sum()))
    assert results[0] == results[1]


def lenet_layer_shapes(lib):
    """The LeNet tutorial's shape check: each layer's name and output shape, printed."""
    nn = lib.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10))
    X = lib.rand(size=(1, 1, 28, 28), dtype=lib.float32)
    lines = []
    for layer in net:
        X = layer(X)
        lines.append(f"{layer.__class__.__name__} output shape: \t{X.shape}")
    return lines


def test_lenet_shape_check_prints_as_torch():
    assert lenet_layer_shapes(mg) == lenet_layer_shapes(torch)
    assert lenet_layer_shapes(mg)[0] == "Conv2d output shape: \ttorch.Size([1, 6, 28, 28])"


def test_shape_and_size_print_as_torch_size(capsys):
    for lib in LIBS:
        out = lib.zeros(2, 16, 5, 5)
        print(out.shape, out.size(), out.shape[1:], out.size()[-1], lib.zeros(()).shape)
    mine, theirs = capsys.readouterr().out.splitlines()
    assert mine == theirs == ("torch.Size([2, 16, 5, 5]) torch.Size([2, 16, 5, 5]) "
                              "torch.Size([16, 5, 5]) 5 torch.Size([])")


def test_size_is_a_tuple():
    shape = mg.zeros(2, 3).shape
    assert isinstance(shape, tuple) and isinstance(shape, mg.Size)
    assert shape == (2, 3) and hash(shape) == hash((2, 3)) and shape.numel() == 6
    assert isinstance(shape + (4,), mg.Size) and repr(shape + (4,)) == "torch.Size([2, 3, 4])"
    assert mg.zeros(shape).shape == shape and mg.Size([4]) == torch.Size([4])
    assert mg.zeros(2, 3).size(-1) == 3
    with pytest.raises(IndexError, match="Dimension out of range"):
        mg.zeros(2, 3).size(2)


@pytest.mark.parametrize("call", [
    "lib.rand(size=(1, 1, 28, 28), dtype=lib.float32)",
    "lib.randn(size=(2, 3), dtype=lib.float64)",
    "lib.randn((2, 3))", "lib.rand([2, 3])",
    "lib.zeros(size=(2, 3))", "lib.ones(size=[3], dtype=lib.int64)",
    "lib.full(size=(2,), fill_value=3)", "lib.randint(10, (3,))",
    "lib.randint(2, 5, size=(2, 2))", "lib.normal(0, 0.01, size=(784, 10))",
    "lib.normal(lib.zeros(2, 1), lib.ones(3))", "lib.normal(lib.zeros(2, dtype=lib.float64), 1.0)",
    "lib.normal(0.0, lib.ones(3))",
])
def test_creation_spellings_give_torch_shapes_and_dtypes(call):
    made = {lib.__name__: eval(call, {"lib": lib}) for lib in LIBS}
    assert values(made["minigrad"])[1:] == values(made["torch"])[1:]


def test_normal_samples_and_gradient():
    mg.manual_seed(0)
    sample = mg.normal(1.5, 0.5, size=(200, 100))
    assert abs(sample.mean().item() - 1.5) < 0.01 and abs(sample.std().item() - 0.5) < 0.01
    mean = mg.zeros(3, requires_grad=True)
    std = mg.ones(2, 1, requires_grad=True)
    drawn = mg.normal(mean, std)
    assert drawn.shape == (2, 3) and drawn.requires_grad
    drawn.sum().backward()  # a sample is not reparameterised: zero gradients, as in torch
    assert mean.grad.tolist() == [0.0] * 3 and std.grad.tolist() == [[0.0], [0.0]]
    with pytest.raises(RuntimeError, match="std >= 0"):
        mg.normal(0.0, -1.0, size=(2,))
    with pytest.raises(TypeError):
        mg.normal(0.0, 1.0)


def test_legacy_constructors():
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor"):
        assert_same(getattr(mg, name)([1.7, 0.0, 2.0]), getattr(torch, name)([1.7, 0.0, 2.0]))
        for sizes in ((2, 3), ()):  # torch leaves the memory uninitialised; minigrad zeroes it
            mine, theirs = getattr(mg, name)(*sizes), getattr(torch, name)(*sizes)
            assert values(mine)[1:] == values(theirs)[1:]
    labels = mg.tensor([1, 2])
    assert mg.LongTensor(labels) is labels
    with pytest.raises(TypeError, match="expected torch.int64"):
        mg.LongTensor(labels.float())
    assert isinstance(labels, mg.LongTensor) and not isinstance(labels, mg.FloatTensor)
    assert mg.FloatTensor(mg.Size([2, 1])).shape == (2, 1)


def test_type_names_and_casts():
    x = torch.zeros(2)
    for lib in LIBS:
        t = lib.zeros(2)
        assert (t.type(), t.long().type(), t.double().type(), t.bool().type(), t.int().type()) == \
            ("torch.FloatTensor", "torch.LongTensor", "torch.DoubleTensor", "torch.BoolTensor",
             "torch.IntTensor")
        assert t.type(lib.int64).dtype == lib.int64 and t.type("torch.DoubleTensor").dtype == \
            lib.float64 and t.type(lib.LongTensor).dtype == lib.int64
    assert x.type() == mg.zeros(2).type()
    with pytest.raises(ValueError, match="invalid type"):
        mg.zeros(2).type("torch.NoSuchTensor")


def test_format_of_tensors():
    for spec in ("", ".2f", ".0f", "5.1f", ".3e", "d"):
        number = 7 if spec == "d" else 2.5
        assert format(mg.tensor(number), spec) == format(torch.tensor(number), spec)
    with pytest.raises(TypeError, match="unsupported format string"):
        format(mg.tensor([2.5]), ".2f")
    assert format(mg.tensor([2.0]), "") == str(mg.tensor([2.0]))
    assert f"{mg.tensor(3)}" == f"{torch.tensor(3)}" == "3"


# ---------------------------------------------------------------------------
# the tensor-basics walkthrough: create, index, transform, split, compute, reduce
# ---------------------------------------------------------------------------

BASICS = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 4 - 2


def walkthrough(lib):
    """The tensor-basics lesson, step by step: every value it prints."""
    a = lib.tensor(BASICS)
    shown = {}
    # create
    shown["tensor"] = lib.tensor([[1, 2], [3, 4]])
    shown["zeros"] = lib.zeros(2, 3)
    shown["full"] = lib.full([2, 2], 7.0)
    shown["arange"] = lib.arange(0, 10, 2)
    shown["ones_like"] = lib.ones_like(a)
    # index and select
    shown["a[0]"] = a[0]
    shown["a[0, 1]"] = a[0, 1]
    shown["a[:, 1:, ::2]"] = a[:, 1:, ::2]
    shown["a[..., -1]"] = a[..., -1]
    shown["a[:, None]"] = a[:, None].shape
    shown["a[mask]"] = a[a > 1]
    shown["index_select"] = a.index_select(2, lib.tensor([0, 3]))
    shown["masked_select"] = lib.masked_select(a, a.ge(0.5))
    shown["take"] = lib.take(a, lib.tensor([0, 5, -1]))
    shown["gather"] = lib.gather(a[0], 1, lib.tensor([[0, 1], [2, 3], [3, 3]]))
    shown["where"] = lib.where(a > 0, a, lib.zeros(1))
    shown["nonzero"] = (a[0] > 1).nonzero()
    # transform
    shown["view"] = a.view(4, 6)
    shown["view -1"] = a.view(-1, 8).shape
    shown["unsqueeze"] = a.unsqueeze(0).shape
    shown["squeeze"] = a[:1].squeeze().shape
    shown["expand"] = lib.tensor([[1.0], [2.0]]).expand(2, 3)
    shown["expand -1"] = lib.tensor([[1.0], [2.0]]).expand(-1, 4).shape
    shown["repeat"] = lib.tensor([[1, 2]]).repeat(2, 2)
    shown["t"] = a[0].t()
    shown["transpose"] = a.transpose(0, 2).shape
    shown["permute"] = a.permute(2, 0, 1).contiguous().view(4, -1)
    shown["flip"] = a[0].flip(0)
    # split and merge
    shown["split 2"] = a.split(2, dim=2)
    shown["split sizes"] = a.split([1, 2], dim=1)
    shown["chunk"] = a.chunk(2, dim=2)
    shown["unbind"] = a.unbind(1)
    shown["cat"] = lib.cat([a, a], dim=0).shape
    shown["stack"] = lib.stack([a, a], dim=0).shape
    # compute
    shown["broadcast +"] = a + lib.tensor([1.0, 2.0, 3.0, 4.0])
    shown["matmul"] = a[0] @ a[1].t()
    shown["pow sqrt"] = (a ** 2).sqrt()
    shown["exp log"] = a.exp().log()
    shown["clamp"] = a.clamp(-1, 1)
    # reduce
    shown["sum"] = a.sum(dim=2)
    shown["mean"] = a.mean(axis=1)
    shown["max dim"] = a.max(dim=1)
    shown["argmax"] = a.argmax(axis=2)
    shown["std"] = a.std()
    shown["var dim"] = a.var(dim=2, keepdim=True)
    shown["topk"] = a[0].topk(2)
    shown["topk smallest"] = a[0].topk(2, dim=0, largest=False)
    shown["sort"] = a[0].sort(descending=True)
    shown["norm"] = a.norm(dim=2)
    return shown


def flatten(value):
    if isinstance(value, (tuple, list)) and not isinstance(value, (torch.Size, mg.Size)):
        return [v for part in value for v in flatten(part)]
    return [value]


def test_tensor_basics_walkthrough():
    """Every step prints what torch prints, character for character, and holds its numbers."""
    mine, theirs = walkthrough(mg), walkthrough(torch)
    assert mine.keys() == theirs.keys()
    for step in mine:
        assert str(mine[step]) == str(theirs[step]), step
        m_parts, t_parts = flatten(mine[step]), flatten(theirs[step])
        assert len(m_parts) == len(t_parts), step
        for m, t in zip(m_parts, t_parts):
            if isinstance(t, torch.Size):
                assert str(m) == str(t), step
            else:
                assert_same(m, t, exact=t.dtype != torch.float32 or step in ("view", "t")), step


# ---------------------------------------------------------------------------
# in-place selection ops, against torch, and their refusals
# ---------------------------------------------------------------------------


def test_in_place_selection_ops():
    index = [[0, 1], [2, 0]]
    for dtype in ("float32", "int64"):
        results = []
        for lib in LIBS:
            t = lib.zeros(2, 3, dtype=getattr(lib, dtype))
            t.scatter_(1, lib.tensor(index), 2.5)
            u = lib.ones(2, 3, dtype=getattr(lib, dtype))
            u.scatter_(0, lib.tensor([[1, 0, 1]]), lib.full((1, 3), 5, dtype=getattr(lib, dtype)))
            v = lib.zeros(2, 3, dtype=getattr(lib, dtype))
            v.scatter_add_(1, lib.tensor([[0, 0], [2, 2]]), lib.ones(2, 2, dtype=getattr(lib, dtype)))
            w = lib.arange(6).view(2, 3).to(getattr(lib, dtype))
            w.masked_fill_(lib.tensor([True, False, True]), -1)
            results.append([values(r) for r in (t, u, v, w)])
        assert results[0] == results[1]


def test_in_place_on_a_leaf_that_requires_grad_is_refused_unchanged():
    leaf = mg.zeros(2, 3, requires_grad=True)
    for update in (lambda: leaf.scatter_(1, mg.tensor([[0], [1]]), 1.0),
                   lambda: leaf.masked_fill_(mg.tensor([True, False, True]), 1.0),
                   lambda: leaf.scatter_add_(1, mg.tensor([[0], [1]]), mg.ones(2, 1))):
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            update()
        assert leaf.tolist() == [[0.0] * 3] * 2 and leaf._version == 0
    with mg.no_grad():
        leaf.scatter_(1, mg.tensor([[0], [1]]), 1.0)
    assert leaf.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


# ---------------------------------------------------------------------------
# bad input: the errors a PyTorch user expects, shapes or the bad index named
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    ("x.gather(1, lib.tensor([[0], [5]]))", RuntimeError, "index 5 is out of bounds for dimension 1 with size 3"),
    ("x.gather(1, lib.tensor([0]))", RuntimeError, "same number of dimensions"),
    ("x.gather(2, lib.tensor([[0]]))", IndexError, "Dimension out of range"),
    ("x.gather(1, lib.tensor([[0.0]]))", RuntimeError, "int"),
    ("x.gather(0, lib.tensor([[0, 0, 0, 0]]))", RuntimeError, r"\[1, 4\].*\[2, 3\]"),
    ("x.scatter(1, lib.tensor([[0], [4]]), 1.0)", RuntimeError, "index 4 is out of bounds"),
    ("x.scatter(1, lib.tensor([[0], [2]]), lib.ones(1, 1))", RuntimeError,
     r"Expected index \[2, 1\] to be no larger than self \[2, 3\] apart from dimension 1 and to "
     r"be no larger size than src \[1, 1\]"),
    ("x.scatter(1, lib.tensor([[0], [2]]), lib.ones(2, 1, dtype=lib.float64))", RuntimeError,
     "dtype"),
    ("x.expand(4, 4)", RuntimeError, r"The expanded size of the tensor \(4\) must match the "
     r"existing size \(3\) at non-singleton dimension 1.  Target sizes: \[4, 4\].  Tensor "
     r"sizes: \[2, 3\]"),
    ("x.expand(3)", RuntimeError, "must be greater or equal to the number of dimensions"),
    ("x.split([1, 1], dim=1)", RuntimeError, "split_with_sizes expects split_sizes to sum "
     r"exactly to 3 \(input tensor's size at dimension 1\), but got split_sizes=\[1, 1\]"),
    ("x.topk(4)", RuntimeError, "selected index k out of range"),
    ("lib.where(x, x, x)", RuntimeError, "where expected condition to be a boolean tensor"),
    ("lib.where(x > 0, x, lib.ones(3, 2))", RuntimeError, r"\(2, 3\)|\[2, 3\]|size of tensor"),
    ("x.index_select(1, lib.tensor([3]))", RuntimeError, "out of DATA bounds, id=3 axis_dim=3"),
    ("x.masked_fill(x, 1.0)", RuntimeError, "boolean"),
    ("x.chunk(0)", RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    ("x.repeat(2)", RuntimeError, "Number of dimensions of repeat dims can not be smaller than "
     "number of dimensions of tensor"),
])
def test_bad_input_raises_torchs_error(call, error, message):
    for lib in LIBS:
        x = lib.tensor(BASICS[0, :2, :3])
        with pytest.raises(error, match=message):
            eval(call, {"lib": lib, "x": x})


def test_contiguous():
    x = mg.zeros(2, 3)
    assert x.is_contiguous() and x.contiguous() is x
    transposed = x.t()
    assert not transposed.is_contiguous() and transposed.contiguous().is_contiguous()
    assert math.prod(transposed.contiguous().shape) == 6
