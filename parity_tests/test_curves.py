"""Whole training runs against PyTorch: the same model, weights and batches give the same curve.

Each test builds a model twice with `minigrad.models.build` (from minigrad.nn
and from torch.nn), copies minigrad's initial weights into the torch twin,
and trains both on the very same MNIST batches, one DataLoader feeding both.

- float64, SGD with momentum, 100 steps of 32 for the MLP and both LeNets:
  every step's loss within 1e-9 relative of torch's, final weights within 1e-8.
- float32, the tutorial MLP's whole first epoch (SGD lr 0.01, batches of 200:
  300 steps): every step's loss within 1e-3 relative of torch's, and the same
  test accuracy within 0.3 points; the d2l LeNet for 300 steps and the modern
  LeNet for 100 (plain SGD lr 0.03, batches of 128), losses within 1e-3 relative.
- float32, one full epoch of the modern LeNet (Adam lr 2e-3, batches of 64)
  reaches at least 97% test accuracy (97.85% with seed 0; torch gets 97.9% from
  the same start, and 98.1-98.3% from its own seeds 0-2).

Why the float32 LeNets train gently: in float32, rounding sometimes changes
which input of a max-pooling window (or which side of a ReLU's kink) wins,
and a high learning rate with momentum amplifies each such flip. With SGD lr
0.05 and momentum 0.9, torch's own float32 and float64 curves of the modern
LeNet part by more than 100% within 100 steps; with plain SGD at 0.03 they
stay within 1e-4. float64 is exact enough for the livelier setting.

Why the modern LeNet stops at 100 float32 steps: even at lr 0.03 its float32
run is chaotic past that. Over 300 steps torch's own float32 curve leaves its
float64 curve by 53% (first past 1e-3 at step 87), and minigrad's float32
curve leaves torch's float64 one by the same 53% from the same step, while
staying within 1.2% of torch's float32 curve; float64 twins agree to 3e-15
over all 300 steps. The 1e-3 bound holds for the steps before the chaos.

The data comes from $MINIGRAD_DATA, else from `shared/datasets` beside the
repository; the tests are skipped when MNIST is in neither.
"""

import itertools
import os
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim  # noqa: F401 - the twins' optimisers are looked up as `lib.optim`
from minigrad.utils.data import DataLoader
from minigrad.vision.datasets import MNIST
from minigrad.vision.transforms import Compose, Normalize, ToTensor
from minigrad.models import build

torch = pytest.importorskip("torch")

DATASETS = Path(os.environ.get("MINIGRAD_DATA") or Path(__file__).resolve().parents[2] / "shared" / "datasets")
LENETS = ("lenet", "lenet-modern")


@pytest.fixture(scope="module")
def mnist():
    """The MNIST training and test splits, or a skip saying where they were looked for."""
    try:
        transform = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
        return (MNIST(DATASETS, train=True, transform=transform, download=False),
                MNIST(DATASETS, train=False, transform=transform, download=False))
    except FileNotFoundError as error:
        pytest.skip(f"MNIST not found; set MINIGRAD_DATA to the folder holding mnist/. {error}")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Run torch on one thread, as minigrad's NumPy mostly does: fair on a shared machine, and deterministic."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def twins(name, dtype, seed=0):
    """The model `name` in minigrad and in torch, with the same initial weights, both in `dtype`."""
    mg.manual_seed(seed)
    minigrad_model = build(name).to(getattr(mg, dtype))
    torch_model = build(name, torch.nn).to(getattr(torch, dtype))
    torch_model.load_state_dict({key: torch.from_numpy(value.detach().numpy().copy())
                                 for key, value in minigrad_model.state_dict().items()})
    return {mg: minigrad_model, torch: torch_model}


def train_twins(models, train_set, steps, batch_size, dtype, make_optimizer, seed=0):
    """Train both twins for `steps` steps on the same shuffled batches; return each library's per-step losses.

    `make_optimizer(lib, parameters)` builds the optimiser, with `lib` the module
    minigrad or torch: the two share their API, so one line serves both.
    """
    optimizers = {lib: make_optimizer(lib, model.parameters()) for lib, model in models.items()}
    losses = {lib: [] for lib in models}
    loader = DataLoader(train_set, batch_size, shuffle=True, generator=mg.Generator().manual_seed(seed))
    for images, labels in itertools.islice(loader, steps):
        for lib, model in models.items():
            inputs = lib.from_numpy(images.numpy()).to(getattr(lib, dtype))
            optimizers[lib].zero_grad()
            loss = lib.nn.functional.cross_entropy(model(inputs), lib.from_numpy(labels.numpy()))
            loss.backward()
            optimizers[lib].step()
            losses[lib].append(loss.item())
    return {lib: np.array(curve) for lib, curve in losses.items()}


def accuracy(lib, model, test_set, dtype="float32"):
    """The fraction of `test_set` that `model` classifies right, computed without recording a graph."""
    correct = 0
    with lib.no_grad():
        for images, labels in DataLoader(test_set, 1000):
            logits = model(lib.from_numpy(images.numpy()).to(getattr(lib, dtype)))
            correct += (logits.argmax(dim=1) == lib.from_numpy(labels.numpy())).sum().item()
    return correct / len(test_set)


def relative_gaps(losses):
    """Every step's |minigrad loss - torch loss| / |torch loss|."""
    return np.abs(losses[mg] - losses[torch]) / np.abs(losses[torch])


def sgd_with_momentum(lib, parameters):
    return lib.optim.SGD(parameters, lr=0.05, momentum=0.9)


def tutorial_sgd(lib, parameters):
    return lib.optim.SGD(parameters, lr=0.01)


def gentle_sgd(lib, parameters):
    return lib.optim.SGD(parameters, lr=0.03)


@pytest.mark.parametrize("name", ["mlp", *LENETS])
def test_float64_curves_and_weights_match_torch(mnist, name):
    models = twins(name, "float64")
    losses = train_twins(models, mnist[0], steps=100, batch_size=32, dtype="float64",
                         make_optimizer=sgd_with_momentum)

    assert len(losses[mg]) == 100
    assert relative_gaps(losses).max() <= 1e-9
    torch_weights = models[torch].state_dict()
    for key, value in models[mg].state_dict().items():
        np.testing.assert_allclose(value.detach().numpy(), torch_weights[key].numpy(), rtol=0, atol=1e-8,
                                   err_msg=f"{name} weight {key} after 100 steps")


def test_float32_mlp_first_epoch_matches_torch(mnist):
    """The tutorial MLP's first epoch: its 300 per-step losses and its test accuracy are torch's."""
    train_set, test_set = mnist
    models = twins("mlp", "float32")
    losses = train_twins(models, train_set, steps=300, batch_size=200, dtype="float32",
                         make_optimizer=tutorial_sgd)

    assert len(losses[mg]) == len(train_set) // 200
    assert relative_gaps(losses).max() <= 1e-3
    points = {lib: 100 * accuracy(lib, model, test_set) for lib, model in models.items()}
    assert abs(points[mg] - points[torch]) <= 0.3, points


@pytest.mark.parametrize("name, steps", [("lenet", 300), ("lenet-modern", 100)])
def test_float32_lenet_curves_match_torch(mnist, name, steps):
    losses = train_twins(twins(name, "float32"), mnist[0], steps=steps, batch_size=128, dtype="float32",
                         make_optimizer=gentle_sgd)

    assert relative_gaps(losses).max() <= 1e-3


def test_modern_lenet_one_epoch_reaches_97_percent(mnist):
    train_set, test_set = mnist
    mg.manual_seed(0)
    model = build("lenet-modern")
    optimizer = mg.optim.Adam(model.parameters(), lr=2e-3)
    for images, labels in DataLoader(train_set, 64, shuffle=True, generator=mg.Generator().manual_seed(0)):
        optimizer.zero_grad()
        mg.nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()

    assert accuracy(mg, model, test_set) >= 0.97
