"""The main job: train one of the tutorials' models on MNIST or Fashion-MNIST, and record how it went.

    python -m minigrad train --model lenet --dataset mnist [--compare-torch]

A run shows a progress bar per epoch (running loss, images/s), prints the test
loss and accuracy after each epoch, and leaves two files in its run folder:
`metrics.json` (the configuration, every step's training loss, and per epoch
the test loss and accuracy, the training time and images/s) and `curves.png`
(the training loss per step, raw and smoothed, and the test accuracy per epoch).

With `compare_torch`, the same model is trained a second time in PyTorch, from
minigrad's initial weights and on the same batches in the same order, so the
two loss curves should lie on top of each other; the largest per-step
difference between them goes into the metrics file and onto the chart.

minigrad's API mirrors PyTorch's, so one `Engine` drives both libraries: it
only needs to know which top-level module (`minigrad` or `torch`) to call.

tqdm and matplotlib (the `train` extra) and torch are imported only here, and
only when a run needs them: the library itself never imports them.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

import minigrad
import minigrad.optim  # noqa: F401 - the Engine reaches the optimisers as `lib.optim`
from minigrad.models import MODELS, build
from minigrad.utils.data import DataLoader
from minigrad.vision import transforms
from minigrad.vision.datasets import MNIST, FashionMNIST

DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}
NORMALIZATION = {"mnist": ((0.1307,), (0.3081,)), "fashion-mnist": ((0.2860,), (0.3530,))}
"""Each dataset's training-set pixel mean and std (of pixels / 255), as the tutorials' Normalize uses them."""
OPTIMIZERS = ("sgd", "adam")
DTYPES = ("float32", "float64")
EVAL_BATCH_SIZE = 1000
PROGRESS_EVERY = 10
"""Steps between two updates of the progress bar's loss and images/s (updating costs time too)."""


@dataclasses.dataclass(frozen=True)
class Recipe:
    """The optimiser, learning rate and batch size a model trains well with in an epoch or two."""

    optimizer: str
    lr: float
    batch_size: int


RECIPES = {
    # The PyTorch tutorials' MLP: plain SGD at 0.01 on batches of 200.
    "mlp": Recipe("sgd", 0.01, 200),
    # d2l's softmax regression.
    "softmax": Recipe("sgd", 0.1, 256),
    # d2l trains its sigmoid LeNet with SGD for 10 epochs from Xavier weights; from
    # PyTorch's default weights SGD leaves it at chance for two, while Adam reaches 97%.
    "lenet": Recipe("adam", 2e-3, 64),
    "lenet-modern": Recipe("adam", 2e-3, 64),
}


class SetupError(Exception):
    """A run cannot start: an unknown name, an invalid option, or a missing optional package."""


@dataclasses.dataclass
class TrainConfig:
    """Everything that defines a run; the command-line options map onto these fields one to one.

    `optimizer`, `lr` and `batch_size` left as None take the model's recipe
    (`RECIPES`); `out` left as None becomes `runs/<model>-<dataset>-<timestamp>`.
    `data` is the folder holding the dataset; without it the data module looks
    in $MINIGRAD_DATA, then in the user cache, and downloads into the cache
    only when neither `data` nor $MINIGRAD_DATA is set (a folder that was named
    must hold the files). `limit_steps`, for smoke tests, stops every epoch
    after that many steps and evaluates on that many test batches (of 1000).
    """

    model: str = "lenet"
    dataset: str = "mnist"
    epochs: int = 2
    batch_size: int | None = None
    lr: float | None = None
    optimizer: str | None = None
    momentum: float = 0.0
    seed: int = 0
    data: str | None = None
    device: str = "cpu"
    dtype: str = "float32"
    out: str | None = None
    limit_steps: int | None = None
    compare_torch: bool = False

    def resolved(self):
        """A copy with every default filled in, or SetupError naming what is wrong."""
        if self.model not in MODELS:
            raise SetupError(f"unknown model {self.model!r}; choose one of: {', '.join(MODELS)}")
        if self.dataset not in DATASETS:
            raise SetupError(f"unknown dataset {self.dataset!r}; choose one of: {', '.join(DATASETS)}")
        recipe = RECIPES[self.model]
        config = dataclasses.replace(
            self,
            optimizer=recipe.optimizer if self.optimizer is None else self.optimizer,
            lr=recipe.lr if self.lr is None else self.lr,
            batch_size=recipe.batch_size if self.batch_size is None else self.batch_size,
            out=self.out or f"runs/{self.model}-{self.dataset}-{time.strftime('%Y%m%d-%H%M%S')}",
        )
        config._validate()
        return config

    def _validate(self):
        if self.optimizer not in OPTIMIZERS:
            raise SetupError(f"unknown optimizer {self.optimizer!r}; choose one of: {', '.join(OPTIMIZERS)}")
        if self.momentum and self.optimizer != "sgd":
            raise SetupError(f"momentum applies to sgd only; {self.optimizer} keeps its own moving averages")
        if self.dtype not in DTYPES:
            raise SetupError(f"unsupported dtype {self.dtype!r}; choose one of: {', '.join(DTYPES)}")
        for name in ("epochs", "batch_size", "limit_steps"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SetupError(f"{name} must be at least 1, got {value}")
        if not self.lr > 0:
            raise SetupError(f"the learning rate must be positive, got {self.lr}")
        try:
            device = minigrad.device(self.device)
        except (RuntimeError, ValueError) as error:
            raise SetupError(f"unknown device {self.device!r}: {error}") from None
        if device.type == "cuda" and not minigrad.cuda.is_available():
            raise SetupError(f"device {self.device!r} needs CuPy and an NVIDIA GPU: pip install -e '.[gpu]'")


class Engine:
    """One library training one model: `lib` is the module `minigrad` or `torch`.

    The two share their API, so every line below runs unchanged on either; the
    library is only asked for its tensors (`lib.from_numpy`), its dtypes, its
    losses and its optimisers.
    """

    def __init__(self, lib, model, config, device):
        self.lib = lib
        self.name = lib.__name__
        self.functional = lib.nn.functional
        self.device = device
        self.dtype = getattr(lib, config.dtype)
        self.model = model.to(self.dtype).to(device)
        if config.optimizer == "sgd":
            self.optimizer = lib.optim.SGD(self.model.parameters(), lr=config.lr, momentum=config.momentum)
        else:
            self.optimizer = lib.optim.Adam(self.model.parameters(), lr=config.lr)

    def tensors(self, images, labels):
        """A batch from minigrad's DataLoader as this library's tensors, on its device and in its dtype."""
        images = self.lib.from_numpy(images.numpy()).to(self.device).to(self.dtype)
        return images, self.lib.from_numpy(labels.numpy()).to(self.device)

    def train_step(self, images, labels):
        """One step of the tutorials' loop; returns the batch's mean cross-entropy as a float."""
        images, labels = self.tensors(images, labels)
        self.optimizer.zero_grad()
        loss = self.functional.cross_entropy(self.model(images), labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def evaluate(self, batches):
        """The mean cross-entropy and the accuracy (a fraction) over `batches`."""
        self.model.eval()
        total_loss, correct, count = 0.0, 0, 0
        with self.lib.no_grad():
            for images, labels in batches:
                images, labels = self.tensors(images, labels)
                logits = self.model(images)
                total_loss += self.functional.cross_entropy(logits, labels, reduction="sum").item()
                correct += (logits.argmax(dim=1) == labels).sum().item()
                count += len(labels)
        self.model.train()
        return total_loss / count, correct / count


def train(engine, train_loader, test_loader, config, tqdm):
    """Train `engine` for `config.epochs` epochs; return its history, as stored in the metrics file.

    The history is `{"step_loss": [...], "epochs": [{...}, ...]}`: the training
    loss of every step, and per epoch the test loss and accuracy, the training
    time (evaluation excluded) and the training images per second.
    """
    history = {"step_loss": [], "epochs": []}
    for epoch in range(1, config.epochs + 1):
        batches, steps = limited(train_loader, config)
        batches = tqdm(batches, total=steps, desc=f"{engine.name} epoch {epoch}/{config.epochs}",
                       unit="batch", file=sys.stderr)
        epoch_losses, images_seen = [], 0
        start = time.perf_counter()
        for step, (images, labels) in enumerate(batches, start=1):
            epoch_losses.append(engine.train_step(images, labels))
            images_seen += len(labels)
            if step % PROGRESS_EVERY == 0 or step == steps:
                images_per_s = images_seen / (time.perf_counter() - start)
                batches.set_postfix_str(f"loss {np.mean(epoch_losses):.4f}, {images_per_s:,.0f} img/s",
                                        refresh=False)
        train_time = time.perf_counter() - start
        batches.close()

        eval_start = time.perf_counter()
        test_loss, test_accuracy = engine.evaluate(limited(test_loader, config)[0])
        history["step_loss"].extend(epoch_losses)
        history["epochs"].append({
            "epoch": epoch,
            "steps": len(epoch_losses),
            "train_loss": float(np.mean(epoch_losses)),
            "test_loss": test_loss,
            "test_accuracy": test_accuracy,
            "train_time_s": train_time,
            "eval_time_s": time.perf_counter() - eval_start,
            "images_per_s": images_seen / train_time,
        })
        print(f"{engine.name} epoch {epoch}: test loss {test_loss:.4f}, test accuracy {test_accuracy:.2%} "
              f"({train_time:.1f} s, {images_seen / train_time:,.0f} images/s)", flush=True)
    return history


def limited(loader, config):
    """The batches of `loader` an epoch uses, and how many: all of them, or the first `limit_steps`."""
    count = min(len(loader), config.limit_steps or len(loader))
    return itertools.islice(loader, count), count


def compare(history, reference):
    """How far `history`'s per-step losses are from `reference`'s: the largest absolute and relative gaps."""
    losses, reference_losses = np.array(history["step_loss"]), np.array(reference["step_loss"])
    absolute = np.abs(losses - reference_losses)
    relative = absolute / np.abs(reference_losses)
    return {
        "max_abs_loss_diff": float(absolute.max()),
        "max_abs_loss_diff_step": int(absolute.argmax()) + 1,
        "max_rel_loss_diff": float(relative.max()),
        "max_rel_loss_diff_step": int(relative.argmax()) + 1,
        "test_accuracy_diff": [mine["test_accuracy"] - theirs["test_accuracy"]
                               for mine, theirs in zip(history["epochs"], reference["epochs"])],
    }


def smooth(values, window):
    """Trailing moving average: point i is the mean of the last `window` values up to i (fewer at the start)."""
    sums = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(ends - window, 0)
    return (sums[ends] - sums[starts]) / (ends - starts)


def plot_curves(histories, path, title, comparison=None):
    """Draw each history's loss per step (raw, faint, and smoothed) and test accuracy per epoch into `path`."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.ticker import MaxNLocator

    figure, (loss_axes, accuracy_axes) = pyplot.subplots(1, 2, figsize=(12, 4.5))
    for (name, history), style in zip(histories.items(), ("-", "--")):
        losses = history["step_loss"]
        steps = np.arange(1, len(losses) + 1)
        raw, = loss_axes.plot(steps, losses, linewidth=0.6, alpha=0.3)
        window = max(1, len(losses) // 50)
        loss_axes.plot(steps, smooth(losses, window), style, color=raw.get_color(),
                       label=f"{name} (mean of {window} steps)")
        epochs = [entry["epoch"] for entry in history["epochs"]]
        accuracies = [100 * entry["test_accuracy"] for entry in history["epochs"]]
        accuracy_axes.plot(epochs, accuracies, style, marker="o", color=raw.get_color(), label=name)

    loss_axes.set(xlabel="step", ylabel="training loss (cross-entropy)", title="training loss")
    if comparison is not None:
        loss_axes.set_title(f"training loss; largest step gap {comparison['max_abs_loss_diff']:.2g} "
                            f"({comparison['max_rel_loss_diff']:.2g} relative)")
    accuracy_axes.set(xlabel="epoch", ylabel="test accuracy (%)", title="test accuracy")
    accuracy_axes.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot.close(figure)


def import_torch():
    """PyTorch, or SetupError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise SetupError("--compare-torch needs PyTorch: pip install -e '.[test]' (or pip install torch)") from None
    return torch


def import_train_extra():
    """tqdm's progress bar, once tqdm and matplotlib are known to be there; or SetupError saying how to get them."""
    try:
        import matplotlib  # noqa: F401 - imported here so that a missing one fails before training
        from tqdm import tqdm
    except ImportError as error:
        raise SetupError(f"the main job needs {error.name}, from its 'train' extra: "
                         "pip install -e '.[train]'") from None
    return tqdm


def load_datasets(config):
    """The training and test splits named by `config.dataset`, found (or downloaded) as the config says."""
    download = config.data is None and not os.environ.get("MINIGRAD_DATA")
    dataset_class = DATASETS[config.dataset]
    # The tutorials' pipeline, which DataLoader runs on whole batches (see minigrad.vision.transforms.batched).
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(*NORMALIZATION[config.dataset])])
    return (dataset_class(config.data, train=True, transform=transform, download=download),
            dataset_class(config.data, train=False, transform=transform, download=download))


def run(config):
    """Carry out the run `config` describes; return the metrics written to `<out>/metrics.json`.

    Raises SetupError for a bad configuration or a missing optional package, and
    the data module's FileNotFoundError when the dataset is nowhere to be found.
    """
    config = config.resolved()
    tqdm = import_train_extra()
    torch = import_torch() if config.compare_torch else None
    train_set, test_set = load_datasets(config)

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"{config.model} on {config.dataset}: {config.epochs} epoch(s), batch {config.batch_size}, "
          f"{config.optimizer} lr {config.lr}, {config.dtype} on {config.device}; run folder {out}", flush=True)

    def shuffled_batches():
        """A fresh loader shuffled with the run's seed: each library gets the same batches in the same order."""
        return DataLoader(train_set, config.batch_size, shuffle=True,
                          generator=minigrad.Generator().manual_seed(config.seed))

    test_loader = DataLoader(test_set, EVAL_BATCH_SIZE)
    minigrad.manual_seed(config.seed)
    model = build(config.model)
    # Copied before training changes them in place: the weights PyTorch starts from.
    initial_weights = {name: value.detach().cpu().numpy().copy() for name, value in model.state_dict().items()}

    histories = {"minigrad": train(Engine(minigrad, model, config, config.device), shuffled_batches(),
                                   test_loader, config, tqdm)}
    metrics = {"config": dataclasses.asdict(config), "environment": environment(torch)}
    metrics["minigrad"] = histories["minigrad"] | {"device": config.device}

    comparison = None
    if torch is not None:
        torch_model = build(config.model, torch.nn)
        torch_model.load_state_dict({name: torch.from_numpy(value) for name, value in initial_weights.items()})
        torch_device = config.device if torch.cuda.is_available() else "cpu"
        histories["torch"] = train(Engine(torch, torch_model, config, torch_device), shuffled_batches(),
                                   test_loader, config, tqdm)
        comparison = compare(histories["minigrad"], histories["torch"])
        metrics["torch"] = histories["torch"] | {"device": torch_device}
        metrics["comparison"] = comparison
        print(f"largest per-step loss difference vs torch: {comparison['max_abs_loss_diff']:.3g} absolute "
              f"(step {comparison['max_abs_loss_diff_step']}), {comparison['max_rel_loss_diff']:.3g} relative "
              f"(step {comparison['max_rel_loss_diff_step']})", flush=True)

    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    plot_curves(histories, out / "curves.png",
                f"{config.model} on {config.dataset} ({config.optimizer}, lr {config.lr}, "
                f"batch {config.batch_size}, {config.dtype})", comparison)
    print(f"wrote {out / 'metrics.json'} and {out / 'curves.png'}", flush=True)
    return metrics


def environment(torch):
    """The versions and machine a run's numbers come from."""
    described = {
        "minigrad": minigrad.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    if torch is not None:
        described["torch"] = torch.__version__
    return described
