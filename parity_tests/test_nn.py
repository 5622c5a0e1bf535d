"""minigrad.nn's modules against torch.nn: structure, state, initialisation, modes and errors.

The functions of minigrad.nn.functional are checked row by row in the parity
table (op_table_nn.py, run by test_parity.py); here are the modules built on
them: what a PyTorch user relies on when moving a model between the two.
"""
import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.nn import init


def lenet(lib, activation="Sigmoid", pool="AvgPool2d"):
    """LeNet-5 on 28x28 images, written once for minigrad.nn and torch.nn."""
    layers = lib.nn
    act, pooling = getattr(layers, activation), getattr(layers, pool)
    return layers.Sequential(
        layers.Conv2d(1, 6, kernel_size=5, padding=2), act(), pooling(kernel_size=2, stride=2),
        layers.Conv2d(6, 16, kernel_size=5), act(), pooling(kernel_size=2, stride=2),
        layers.Flatten(),
        layers.Linear(16 * 5 * 5, 120), act(),
        layers.Linear(120, 84), act(),
        layers.Linear(84, 10))


def named_model(lib):
    """A model with named sub-modules, nesting, a buffer-carrying loss and a layer without bias."""
    layers = lib.nn

    class Net(layers.Module):
        def __init__(self):
            super().__init__()
            self.features = layers.Sequential(layers.Conv2d(3, 4, 3, stride=2, bias=False),
                                              layers.ReLU())
            self.fc1 = layers.Linear(4 * 3 * 3, 8)
            self.fc2 = layers.Linear(8, 5)
            self.criterion = layers.CrossEntropyLoss(weight=lib.ones(5))

        def forward(self, x):
            return self.fc2(self.fc1(self.features(x).flatten(1)).relu())

    return Net()


def to_numpy(tensor):
    return tensor.detach().cpu().numpy()


def torch_images(shape, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).standard_normal(shape).astype(np.float32))


# ---------------------------------------------------------------------------
# state_dict: PyTorch's keys, round trips, loading PyTorch's weights
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("build", [lambda lib: lib.nn.Linear(3, 2),
                                   lambda lib: lib.nn.Conv2d(3, 4, 3),
                                   lambda lib: lib.nn.Linear(3, 2, bias=False),
                                   lenet, named_model],
                         ids=["Linear", "Conv2d", "Linear without bias", "LeNet", "named model"])
def test_state_dict_keys_shapes_and_parameter_order_match_torch(build):
    mine, theirs = build(mg), build(torch)
    mine_state, their_state = mine.state_dict(), theirs.state_dict()
    assert list(mine_state) == list(their_state)
    for key in their_state:
        assert tuple(mine_state[key].shape) == tuple(their_state[key].shape), key
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in mine.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in mine.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in mine.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(mine.parameters())) == len(list(theirs.parameters()))


@pytest.mark.parametrize("activation, pool", [("Sigmoid", "AvgPool2d"), ("ReLU", "MaxPool2d")])
def test_loading_a_torch_state_dict_gives_torch_outputs_and_gradients(activation, pool):
    theirs = lenet(torch, activation, pool)
    mine = lenet(mg, activation, pool)
    mine.load_state_dict(theirs.state_dict())
    images = torch_images((4, 1, 28, 28))
    labels = torch.tensor([3, 1, 4, 1])

    their_loss = torch.nn.functional.cross_entropy(theirs(images), labels)
    their_loss.backward()
    my_loss = F.cross_entropy(mine(mg.tensor(images.numpy())), mg.tensor(labels.numpy()))
    my_loss.backward()

    np.testing.assert_allclose(my_loss.item(), their_loss.item(), rtol=1e-5)
    for (name, mine_p), (_, their_p) in zip(mine.named_parameters(), theirs.named_parameters()):
        assert mine_p.dtype == mg.float32, name
        np.testing.assert_allclose(to_numpy(mine_p.grad), to_numpy(their_p.grad), rtol=1e-4,
                                   atol=1e-6, err_msg=name)


@pytest.mark.parametrize("build, shape", [(lambda lib: lib.nn.Linear(5, 3), (4, 5)),
                                          (lambda lib: lib.nn.Conv2d(2, 3, 3, padding=1),
                                           (2, 2, 6, 6))],
                         ids=["Linear", "Conv2d"])
def test_loading_torch_weights_into_a_layer_gives_torch_outputs(build, shape):
    theirs, mine = build(torch), build(mg)
    mine.load_state_dict(theirs.state_dict())
    x = torch_images(shape)
    np.testing.assert_allclose(to_numpy(mine(mg.tensor(x.numpy()))), to_numpy(theirs(x)),
                               rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_and_sources_of_values():
    mg.manual_seed(0)
    source, target = lenet(mg), lenet(mg)
    x = mg.tensor(torch_images((2, 1, 28, 28)).numpy())
    assert not np.allclose(to_numpy(source(x)), to_numpy(target(x)))

    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(to_numpy(target(x)), to_numpy(source(x)))

    # NumPy arrays, float64 values (cast to the parameters' dtype), and array-likes load too.
    arrays = {key: to_numpy(value).astype(np.float64) for key, value in source.state_dict().items()}
    target = lenet(mg)
    target.load_state_dict(arrays)
    assert all(p.dtype == mg.float32 for p in target.parameters())
    np.testing.assert_array_equal(to_numpy(target(x)), to_numpy(source(x)))
    target.load_state_dict({key: value.tolist() for key, value in arrays.items()})
    np.testing.assert_array_equal(to_numpy(target(x)), to_numpy(source(x)))


def test_state_dict_values_share_memory_and_are_detached():
    layer = nn.Linear(3, 2)
    state = layer.state_dict()
    assert not state["weight"].requires_grad and state["weight"].grad_fn is None
    with mg.no_grad():
        layer.weight.fill_(7.0)
    assert (to_numpy(state["weight"]) == 7.0).all()
    assert layer.state_dict(keep_vars=True)["weight"] is layer.weight


def test_load_state_dict_copies_into_the_same_parameter_objects():
    layer = nn.Linear(3, 2)
    weight = layer.weight
    layer.load_state_dict({"weight": np.ones((2, 3), np.float32), "bias": np.zeros(2)})
    assert layer.weight is weight and (to_numpy(weight) == 1).all()
    assert weight.requires_grad and weight.is_leaf


def test_load_state_dict_errors_name_the_keys_and_shapes():
    layer = nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match=r'Missing key\(s\) in state_dict: "bias"'):
        layer.load_state_dict({"weight": np.zeros((2, 3))})
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"'):
        layer.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(2),
                               "extra": np.zeros(1)})
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape "
                                           r"\(3, 2\) from checkpoint, the shape in current model "
                                           r"is \(2, 3\)"):
        layer.load_state_dict({"weight": np.zeros((3, 2)), "bias": np.zeros(2)})
    result = layer.load_state_dict({"weight": np.ones((2, 3)), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert (to_numpy(layer.weight) == 1).all()


# ---------------------------------------------------------------------------
# initialisation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5, 3), (7, 3, 5, 5), (4, 2, 3), (3, 8, 1, 2)])
def test_fans_are_torchs(shape):
    assert init._calculate_fan_in_and_fan_out(mg.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(mg.zeros(5))


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", math.sqrt(5)), ("selu", None)])
def test_calculate_gain_is_torchs(nonlinearity, param):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param))


def test_calculate_gain_refuses_unknown_nonlinearities():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def assert_uniform(values, bound):
    """Samples of U(-bound, bound): inside the bounds, reaching near them, mean 0, std bound/√3."""
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.mean()) < 0.01 * bound
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def assert_normal(values, std):
    assert abs(values.mean()) < 0.01 * std
    assert values.std() == pytest.approx(std, rel=0.02)
    # About 4.6% of normal samples lie beyond two standard deviations.
    assert np.mean(np.abs(values) > 2 * std) == pytest.approx(0.0455, abs=0.005)


@pytest.mark.parametrize("build, fan_in", [(lambda: nn.Linear(400, 300), 400),
                                           (lambda: nn.Conv2d(16, 64, 5), 16 * 25),
                                           (lambda: nn.Conv2d(16, 64, 5, groups=4), 4 * 25)],
                         ids=["Linear", "Conv2d", "Conv2d with groups"])
def test_default_init_is_torchs_distribution(build, fan_in):
    """Weight: kaiming_uniform_(a=√5), which is U(±1/√fan_in); bias: U(±1/√fan_in)."""
    mg.manual_seed(0)
    layer = build()
    bound = 1 / math.sqrt(fan_in)
    assert_uniform(to_numpy(layer.weight).ravel(), bound)
    bias = to_numpy(layer.bias)
    assert bias.min() >= -bound and bias.max() <= bound
    assert bias.std() == pytest.approx(bound / math.sqrt(3), rel=0.25)
    assert layer.weight.dtype == mg.float32 and layer.weight.requires_grad


def test_default_init_repeats_with_the_seed_and_differs_without():
    mg.manual_seed(3)
    first = to_numpy(nn.Linear(4, 3).weight).copy()
    second = to_numpy(nn.Linear(4, 3).weight)
    mg.manual_seed(3)
    again = to_numpy(nn.Linear(4, 3).weight)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0), ("leaky_relu", 0.1), ("tanh", 0)])
def test_kaiming_initialisers(mode, nonlinearity, a):
    mg.manual_seed(0)
    weight = mg.zeros(300, 100, 2, 2)
    fan = 100 * 4 if mode == "fan_in" else 300 * 4
    std = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    assert init.kaiming_uniform_(weight, a=a, mode=mode, nonlinearity=nonlinearity) is weight
    assert_uniform(weight.numpy().ravel(), math.sqrt(3) * std)
    assert init.kaiming_normal_(weight, a=a, mode=mode, nonlinearity=nonlinearity) is weight
    assert_normal(weight.numpy().ravel(), std)


def test_xavier_initialisers():
    mg.manual_seed(0)
    weight = mg.zeros(300, 500)
    std = 2.0 * math.sqrt(2 / (300 + 500))
    assert init.xavier_uniform_(weight, gain=2.0) is weight
    assert_uniform(weight.numpy().ravel(), math.sqrt(3) * std)
    assert init.xavier_normal_(weight, gain=2.0) is weight
    assert_normal(weight.numpy().ravel(), std)


def test_plain_initialisers_fill_parameters_without_recording():
    mg.manual_seed(0)
    param = nn.Parameter(mg.zeros(200, 500))
    assert init.uniform_(param, -2.0, 3.0) is param
    values = to_numpy(param)
    assert values.min() >= -2 and values.max() <= 3
    assert values.mean() == pytest.approx(0.5, abs=0.02)
    assert init.normal_(param, 1.0, 0.5) is param
    assert to_numpy(param).mean() == pytest.approx(1.0, abs=0.01)
    assert to_numpy(param).std() == pytest.approx(0.5, rel=0.02)
    assert (to_numpy(init.constant_(param, 0.25)) == 0.25).all()
    assert (to_numpy(init.zeros_(param)) == 0).all()
    assert (to_numpy(init.ones_(param)) == 1).all()
    assert param.is_leaf and param.requires_grad and param.dtype == mg.float32


def test_init_draws_in_float64_parameters_too():
    weight = mg.zeros(50, 40, dtype=mg.float64)
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    assert weight.dtype == mg.float64
    assert np.abs(weight.numpy()).max() <= 1 / math.sqrt(40)


# ---------------------------------------------------------------------------
# printing
# ---------------------------------------------------------------------------


def every_layer(lib):
    layers = lib.nn
    return layers.Sequential(OrderedDict([
        ("conv", layers.Conv2d(3, 8, kernel_size=(3, 5), stride=2, padding=1, dilation=2,
                               groups=1, bias=False)),
        ("grouped", layers.Conv2d(8, 8, 3, groups=4)),
        ("same", layers.Conv2d(8, 8, 2, padding="same")),
        ("valid", layers.Conv2d(8, 8, 3, stride=2, padding="valid")),
        ("relu", layers.ReLU(inplace=True)),
        ("leaky", layers.LeakyReLU(0.2)),
        ("max", layers.MaxPool2d(3, stride=1, padding=1)),
        ("avg", layers.AvgPool2d(2)),
        ("block", layers.Sequential(layers.Flatten(), layers.Dropout(0.25), layers.Linear(8, 4),
                                    layers.Tanh(), layers.Sigmoid(), layers.Softmax(dim=1))),
        ("losses", layers.Sequential(layers.CrossEntropyLoss(), layers.MSELoss(),
                                     layers.NLLLoss(), layers.BCELoss(),
                                     layers.BCEWithLogitsLoss())),
    ]))


def test_repr_is_torchs():
    assert repr(every_layer(mg)) == repr(every_layer(torch))
    assert repr(named_model(mg)) == repr(named_model(torch))
    assert repr(nn.Linear(3, 2, bias=False)) == repr(torch.nn.Linear(3, 2, bias=False))


def test_parameter_is_a_tensor_that_requires_grad():
    data = mg.tensor([1.0, 2.0])
    param = nn.Parameter(data)
    assert isinstance(param, mg.Tensor) and isinstance(param, nn.Parameter)
    assert param.requires_grad and param.is_leaf
    assert repr(param).startswith("Parameter containing:\ntensor([1., 2.]")
    with mg.no_grad():
        param.add_(1.0)
    assert data.tolist() == [2.0, 3.0]  # shares memory with the tensor it was made from
    assert not nn.Parameter(mg.zeros(2), requires_grad=False).requires_grad


# ---------------------------------------------------------------------------
# modes and dropout
# ---------------------------------------------------------------------------


def test_train_and_eval_switch_every_module_and_dropout():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(50, 50), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    x = mg.ones(64, 50)
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    np.testing.assert_array_equal(to_numpy(model(x)), to_numpy(model[1][1](model[0](x))))
    assert model.train() is model and all(m.training for m in model.modules())
    dropped = model[1][0](mg.ones(64, 50)).numpy()
    assert (dropped == 0).any() and (dropped == 2).any()
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_dropout_zeroes_with_probability_p_and_scales_the_rest():
    mg.manual_seed(0)
    p = 0.3
    x = mg.ones(200_000, requires_grad=True)
    y = F.dropout(x, p)
    values = y.detach().numpy()
    kept = values != 0
    assert np.mean(~kept) == pytest.approx(p, abs=0.005)
    np.testing.assert_allclose(values[kept], 1 / (1 - p), rtol=1e-6)
    assert values.mean() == pytest.approx(1.0, abs=0.01)  # the expectation is unchanged
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # dy/dx = mask / (1 - p)
    assert y.dtype == mg.float32


def test_dropout_edges_and_errors():
    x = mg.randn(4, 5, requires_grad=True)
    for lib, tensor in ((torch, torch.randn(4, 5, requires_grad=True) * 2), (mg, x * 2)):
        assert lib.nn.functional.dropout(tensor, 0.0) is tensor  # torch draws no mask for p = 0
        assert lib.nn.functional.dropout(tensor, 0.5, inplace=True).shape == tensor.shape
    zeros = F.dropout(x, 1.0)
    assert (zeros.detach().numpy() == 0).all()
    zeros.sum().backward()
    assert (x.grad.numpy() == 0).all()
    assert F.dropout(x, 0.5, training=False) is x
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            F.dropout(x, p)
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout(p)


def test_dropout_masks_repeat_with_the_seed():
    mg.manual_seed(7)
    first = F.dropout(mg.ones(100), 0.5).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(F.dropout(mg.ones(100), 0.5).numpy(), first)


# ---------------------------------------------------------------------------
# parameters, gradients, dtypes
# ---------------------------------------------------------------------------


def test_parameters_are_registered_in_order_and_shared_ones_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared, nn.Linear(2, 1))
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.weight", "0.bias", "3.weight", "3.bias"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "3.weight",
                                        "3.bias"]
    assert [p is q for p, q in zip(model.parameters(), [shared.weight, shared.bias])] == [True] * 2


def test_zero_grad_drops_or_zeroes_gradients():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    model(mg.randn(5, 3)).sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).sum() > 0
               for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and (p.grad.numpy() == 0).all() for p in model.parameters())
    model(mg.randn(5, 3)).sum().backward()  # accumulates into the zeroed gradients
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_to_float64_converts_parameters_buffers_and_grads_in_place():
    model = named_model(mg)
    params_before = list(model.parameters())
    model(mg.randn(2, 3, 7, 7)).sum().backward()
    assert model.to(mg.float64) is model
    assert [p is q for p, q in zip(model.parameters(), params_before)] == [True] * 5
    assert all(p.dtype == mg.float64 and p.grad.dtype == mg.float64 and p.requires_grad
               for p in model.parameters())
    assert model.criterion.weight.dtype == mg.float64
    out = model(mg.randn(2, 3, 7, 7, dtype=mg.float64))
    assert out.dtype == mg.float64
    assert model.float().fc1.weight.dtype == mg.float32
    assert model.double().fc1.weight.dtype == mg.float64
    assert model.to("cpu", mg.float32).fc1.weight.dtype == mg.float32
    with pytest.raises(TypeError, match="floating point"):
        model.to(mg.int64)


def test_a_float64_model_refuses_float32_input_clearly():
    model = nn.Linear(3, 2).double()
    with pytest.raises(RuntimeError, match=r"input \(torch.float32\) and weight "
                                           r"\(torch.float64\)"):
        model(mg.randn(4, 3))


def test_apply_visits_children_before_their_parent_as_torch_does():
    def visit_order(lib):
        seen = []
        named_model(lib).apply(lambda m: seen.append(type(m).__name__))
        return seen

    assert visit_order(mg) == visit_order(torch)


def test_apply_initialises_a_model():
    def reset(module):
        if isinstance(module, nn.Linear):
            init.zeros_(module.weight)

    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 1)).apply(reset)
    assert all((to_numpy(m.weight) == 0).all() for m in model if isinstance(m, nn.Linear))


def test_module_registration_by_assignment():
    module = nn.Module()
    module.weight = nn.Parameter(mg.ones(2))
    module.child = nn.Linear(2, 2)
    module.register_buffer("running", mg.zeros(2))
    module.note = "plain attribute"
    assert list(module.state_dict()) == ["weight", "running", "child.weight", "child.bias"]
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'weight'"):
        module.weight = mg.ones(2)
    module.weight = None
    assert module.weight is None and "weight" not in module.state_dict()
    del module.child
    assert list(module.state_dict()) == ["running"]
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        module.missing
    with pytest.raises(NotImplementedError, match="forward"):
        module(mg.ones(2))


def test_a_copied_or_pickled_model_is_independent_and_computes_the_same():
    model = lenet(mg)
    x = mg.randn(2, 1, 28, 28)
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert list(twin.state_dict()) == list(model.state_dict())
        assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in twin.parameters())
        np.testing.assert_array_equal(to_numpy(twin(x)), to_numpy(model(x)))
        with mg.no_grad():
            twin[0].weight.fill_(0.0)
        assert to_numpy(model[0].weight).any()


def test_sequential_behaves_like_a_list_of_layers():
    layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)]
    model = nn.Sequential(*layers)
    assert len(model) == 3 and list(model) == layers
    assert model[0] is layers[0] and model[-1] is layers[2]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:]
    assert list(head.state_dict()) == ["2.weight", "2.bias"]  # as torch: names are kept
    with pytest.raises(IndexError, match="out of range"):
        model[3]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and list(model.state_dict())[-1] == "2.bias"
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(3, 4)), ("out", nn.Linear(4, 1))]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    assert named.hidden is named[0]
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(to_numpy(model(x)),
                                  to_numpy(layers[2](layers[1](layers[0](x))).sigmoid()))


# ---------------------------------------------------------------------------
# losses as modules
# ---------------------------------------------------------------------------


def test_loss_modules_match_torchs():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    weight, probabilities = rng.random(4) + 0.5, rng.random((6, 4))
    pos_weight = rng.random(4) + 0.5
    cases = [
        (lambda lib, w: lib.nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, ignore_index=2),
         logits, labels),
        (lambda lib, w: lib.nn.NLLLoss(weight=w, reduction="sum"), logits, labels),
        (lambda lib, w: lib.nn.MSELoss(reduction="none"), logits, probabilities),
        (lambda lib, w: lib.nn.BCELoss(), probabilities, probabilities[::-1].copy()),
        (lambda lib, w: lib.nn.BCEWithLogitsLoss(pos_weight=lib.tensor(pos_weight)), logits,
         probabilities),
    ]
    for build, x, t in cases:
        mine = build(mg, mg.tensor(weight))(mg.tensor(x), mg.tensor(t))
        theirs = build(torch, torch.tensor(weight))(torch.tensor(x), torch.tensor(t))
        np.testing.assert_allclose(to_numpy(mine), to_numpy(theirs), rtol=1e-10)
    criterion, theirs = nn.BCEWithLogitsLoss(pos_weight=mg.ones(3)), \
        torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))
    assert list(criterion.state_dict()) == list(theirs.state_dict()) == ["pos_weight"]


def test_cross_entropy_is_finite_for_huge_logits():
    logits = mg.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], requires_grad=True)
    loss = F.cross_entropy(logits, mg.tensor([1, 1]))
    loss.backward()
    assert loss.item() == pytest.approx(1e4)
    np.testing.assert_allclose(logits.grad.numpy(), [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]],
                               atol=1e-6)


@pytest.mark.parametrize("loss, options", [
    ("cross_entropy", {}), ("cross_entropy", {"label_smoothing": 0.2}),
    ("cross_entropy", {"weight": [0.0, 1.0, 2.0, 3.0]}), ("nll_loss", {}),
    ("nll_loss", {"weight": [0.0, 1.0, 2.0, 3.0]}), ("cross_entropy", {"reduction": "sum"})])
@pytest.mark.parametrize("target", [[-100, -100, -100], [0, -100, 0]], ids=["all ignored", "zero weight"])
def test_a_mean_over_targets_of_no_weight_is_nan_as_in_torch(loss, options, target):
    """0/0: with every target ignored the mean loss is NaN and the gradient zero; kept targets
    of weight zero make NaN loss and NaN gradients in their rows (torch's numbers, both)."""
    logits = np.random.default_rng(0).standard_normal((3, 4))
    results = []
    for lib in (mg, torch):
        z = lib.tensor(logits, requires_grad=True)
        kwargs = {k: lib.tensor(v, dtype=lib.float64) if k == "weight" else v for k, v in options.items()}
        x = z if loss == "cross_entropy" else z.log_softmax(1)
        value = getattr(lib.nn.functional, loss)(x, lib.tensor(target), **kwargs)
        value.backward()
        results.append((value.item(), z.grad.numpy()))
    (mine, my_grad), (theirs, their_grad) = results
    np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12, equal_nan=True)
    np.testing.assert_allclose(my_grad, their_grad, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("x_shape", [(5,), (3, 5), (2, 3, 5)])
@pytest.mark.parametrize("wanted", [(True, True, True), (True, False, False), (False, True, False),
                                    (False, False, True), (False, True, True), (True, True, None)])
def test_linear_gradients_of_any_frozen_part_match_torchs_to_second_order(x_shape, wanted):
    """linear's backward takes a different path for each part that needs no gradient
    (a frozen weight, a frozen or absent bias, an input that is data): first and
    second derivatives of each path, the upstream gradient's included, equal
    torch's. `None` is a layer without bias."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal((4, 5)), rng.standard_normal(4)]
    upstream, direction = rng.standard_normal(x_shape[:-1] + (4,)), [rng.standard_normal(a.shape)
                                                                     for a in arrays]
    results = []
    for lib in (mg, torch):
        inputs = [None if flag is None else lib.tensor(a, requires_grad=flag)
                  for a, flag in zip(arrays, wanted)]
        picked = [i for i, flag in enumerate(wanted) if flag]
        chosen = [inputs[i] for i in picked]
        y = lib.nn.functional.linear(*inputs)
        v = lib.tensor(upstream, requires_grad=True)
        grads = lib.autograd.grad(y, chosen, v, create_graph=True)
        directional = sum((g * lib.tensor(direction[i])).sum() for g, i in zip(grads, picked))
        second = lib.autograd.grad(directional, chosen + [v], allow_unused=True)
        results.append(([g.detach().numpy() for g in grads],
                        [None if s is None else s.detach().numpy() for s in second]))
    (my_first, my_second), (their_first, their_second) = results
    for mine, theirs in zip(my_first, their_first):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)
    for mine, theirs in zip(my_second, their_second):
        if theirs is None:
            assert mine is None or not mine.any()
        else:
            np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# clear errors
# ---------------------------------------------------------------------------


def test_a_linear_layer_given_images_names_itself_and_both_shapes():
    layer = nn.Linear(784, 200)
    with pytest.raises(RuntimeError) as error:
        layer(mg.zeros(64, 3, 32, 32))
    message = str(error.value)
    assert "Linear(in_features=784, out_features=200, bias=True)" in message
    assert "(*, 784)" in message and "(64, 3, 32, 32)" in message


@pytest.mark.parametrize("shape", [(64, 28, 28), (28, 28), (64, 3, 28, 28)])
def test_a_conv_layer_given_the_wrong_input_names_itself_and_both_shapes(shape):
    layer = nn.Conv2d(1, 6, 5)
    with pytest.raises(RuntimeError) as error:
        layer(mg.zeros(*shape))
    message = str(error.value)
    assert "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))" in message
    assert "(N, 1, H, W) or (1, H, W)" in message and str(shape) in message


def test_a_conv_layer_takes_one_unbatched_image_as_torch_does():
    mine, theirs = nn.Conv2d(2, 3, 3), torch.nn.Conv2d(2, 3, 3)
    mine.load_state_dict(theirs.state_dict())
    image = torch_images((2, 5, 5))
    np.testing.assert_allclose(to_numpy(mine(mg.tensor(image.numpy()))), to_numpy(theirs(image)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding, stride, message", [
    # torch prints a set, in an order that changes with Python's string hashing
    ("full", 1, r"Invalid padding string 'full', should be one of \{'(valid|same)', '(valid|same)'\}"),
    ("same", 2, r"padding='same' is not supported for strided convolutions")])
def test_padding_strings_are_checked_as_torch_checks_them(padding, stride, message):
    for lib in (mg, torch):
        with pytest.raises(ValueError, match=message):
            lib.nn.Conv2d(1, 2, 3, stride=stride, padding=padding)
    x, w = np.ones((1, 1, 4, 4)), np.ones((2, 1, 3, 3))
    for lib in (mg, torch):
        with pytest.raises(RuntimeError, match=r"Invalid padding string: 'full'|not supported"):
            lib.nn.functional.conv2d(lib.tensor(x), lib.tensor(w), stride=stride, padding=padding)


def test_a_same_padded_layer_keeps_the_size_and_computes_torchs_numbers():
    torch.manual_seed(0)
    theirs = torch.nn.Conv2d(2, 3, (2, 4), padding="same", dilation=(1, 2)).double()
    mine = nn.Conv2d(2, 3, (2, 4), padding="same", dilation=(1, 2)).double()
    mine.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 7))
    out = mine(mg.tensor(x))
    assert out.shape == (2, 3, 5, 7)
    np.testing.assert_allclose(out.detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)


def test_conv_and_pooling_refuse_a_kernel_larger_than_the_input():
    with pytest.raises(RuntimeError, match=r"kernel \(5, 5\).*larger than the padded input"):
        nn.Conv2d(1, 2, 5)(mg.zeros(1, 1, 3, 3))
    with pytest.raises(RuntimeError, match=r"MaxPool2d.*expected input of shape"):
        nn.MaxPool2d(2)(mg.zeros(4, 4))
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(mg.zeros(1, 1, 4, 4), 2, padding=2)


def test_loss_errors_name_the_bad_target():
    logits = mg.zeros(3, 5)
    with pytest.raises(IndexError, match=r"target 7 is out of bounds.*\[0, 4\] for 5 classes"):
        F.cross_entropy(logits, mg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match=r"target -1 is out of bounds"):
        F.nll_loss(logits, mg.tensor([0, -1, 1]))
    with pytest.raises(RuntimeError, match=r"expected a target of shape \(3,\).*got \(4,\)"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match="integer dtype"):
        F.cross_entropy(logits, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"target size \(torch.Size\(\[3, 1\]\)\) that is "
                                         r"different to the input size \(torch.Size\(\[3\]\)\)"):
        F.binary_cross_entropy(mg.tensor([0.5, 0.5, 0.5]), mg.zeros(3, 1))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([0.5, 1.5]), mg.zeros(2))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.mse_loss(mg.zeros(2), mg.zeros(2), reduction="average")
    with pytest.raises(RuntimeError, match="weight tensor should be defined"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2]), weight=mg.ones(4))
    with pytest.warns(UserWarning, match=r"target of shape \(3, 1\) differs from input of shape "
                                         r"\(3,\)"):
        F.mse_loss(mg.zeros(3), mg.zeros(3, 1))


def test_every_function_of_nn_functional_has_a_parity_row():
    from op_table import ENTRIES  # every table: families keep their rows in files of their own

    covered = {name for entry in ENTRIES for name in entry.covers}
    assert {f"nn.functional.{name}" for name in F.__all__} <= covered
