"""The PyTorch course's data idioms, run end to end with only the imports changed
(`import minigrad as torch`, `from minigrad.vision import datasets, transforms`).

MNIST and Fashion-MNIST come from MINIGRAD_DATA (else `shared/datasets` beside
the repository; skipped without them); CIFAR-10 from a small archive in the
real format served on 127.0.0.1, and ImageFolder from PNG files, both written here.
"""
import numpy as np
import pytest

import minigrad as torch
from minigrad.vision import datasets, transforms
from test_vision_datasets import DATASETS, cifar10_mirror, isolated_environment, needs_data, write_png  # noqa: F401

pytest.importorskip("PIL")

MNIST_TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
LOW, HIGH = (0 - 0.1307) / 0.3081, (1 - 0.1307) / 0.3081


@needs_data
def test_the_mnist_loader_of_every_lesson():
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST(DATASETS, train=True, download=True,
                       transform=transforms.Compose([transforms.ToTensor(),
                                                     transforms.Normalize((0.1307,), (0.3081,))])),
        batch_size=200, shuffle=True)
    assert len(train_loader) == 300
    x, label = next(iter(train_loader))
    assert x.shape == (200, 1, 28, 28) and x.dtype == torch.float32
    assert label.shape == (200,) and label.dtype == torch.int64 and set(label.tolist()) <= set(range(10))
    assert LOW - 1e-6 <= x.min().item() and x.max().item() <= HIGH + 1e-6
    assert x.min().item() == pytest.approx(LOW) and x.max().item() == pytest.approx(HIGH)
    images = x.view(x.size(0), 28 * 28)
    assert images.shape == (200, 784)


@needs_data
def test_random_split_into_train_and_validation():
    train_db = datasets.MNIST(DATASETS, train=True, download=True, transform=MNIST_TRANSFORM)
    train_db, val_db = torch.utils.data.random_split(train_db, [50000, 10000])
    assert len(train_db) == 50000 and len(val_db) == 10000
    assert not set(train_db.indices) & set(val_db.indices)
    train_loader = torch.utils.data.DataLoader(train_db, batch_size=200, shuffle=True)
    val_loader = torch.utils.data.DataLoader(val_db, batch_size=200, shuffle=True)
    assert len(train_loader) == 250 and len(val_loader) == 50
    x, label = next(iter(val_loader))
    assert x.shape == (200, 1, 28, 28) and label.shape == (200,)
    # The subset's batch holds the very samples it names.
    image, target = val_db[0]
    assert image.shape == (1, 28, 28) and target == train_db.dataset.targets[val_db.indices[0]].item()


@needs_data
def test_the_fashion_mnist_loader():
    fashion = datasets.FashionMNIST(DATASETS, train=False, download=True, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))]))
    loader = torch.utils.data.DataLoader(fashion, batch_size=256, shuffle=False)
    x, label = next(iter(loader))
    assert x.shape == (256, 1, 28, 28) and label[:5].tolist() == [9, 2, 1, 1, 6]
    assert fashion.classes[label[0].item()] == "Ankle boot"


@needs_data
def test_an_augmentation_pipeline_on_mnist():
    augment = transforms.Compose([
        transforms.RandomHorizontalFlip(),
        transforms.RandomRotation(15),
        transforms.Resize(32),
        transforms.RandomCrop(28, padding=2),
        transforms.ToTensor(),
    ])
    mnist = datasets.MNIST(DATASETS, train=False, transform=augment)
    loader = torch.utils.data.DataLoader(mnist, batch_size=32, shuffle=True, num_workers=2)

    def first_batch():
        torch.manual_seed(0)
        return next(iter(loader))

    x, label = first_batch()
    assert x.shape == (32, 1, 28, 28) and x.dtype == torch.float32 and label.shape == (32,)
    assert 0 <= x.min().item() and x.max().item() <= 1 and x.max().item() > 0.9
    again, label_again = first_batch()
    assert np.array_equal(x.numpy(), again.numpy()) and label.tolist() == label_again.tolist()
    assert not np.array_equal(x.numpy(), next(iter(loader))[0].numpy())


def test_cifar10_with_the_course_augmentation(tmp_path, cifar10_mirror):
    transform_train = transforms.Compose([
        transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize((0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)),
    ])
    cifar_train = torch.utils.data.DataLoader(
        datasets.CIFAR10(tmp_path / "cifar", train=True, transform=transform_train, download=True),
        batch_size=8, shuffle=True)
    cifar_test = torch.utils.data.DataLoader(
        datasets.CIFAR10(tmp_path / "cifar", train=False, transform=transforms.ToTensor(), download=True),
        batch_size=8, shuffle=False)
    x, label = next(iter(cifar_train))
    assert x.shape == (8, 3, 32, 32) and x.dtype == torch.float32 and label.dtype == torch.int64
    x, label = next(iter(cifar_test))
    assert x.shape == (3, 3, 32, 32) and label.tolist() == [3, 8, 8]
    assert 0 <= x.min().item() and x.max().item() <= 1


def test_an_image_folder_of_pngs(tmp_path):
    rng = np.random.default_rng(0)
    for name, size in [("ants/1.png", (40, 30)), ("ants/2.png", (30, 50)), ("bees/1.png", (64, 64))]:
        write_png(tmp_path / "train" / name, rng.integers(0, 256, size + (3,)))
    data_transform = transforms.Compose([
        transforms.RandomResizedCrop(24),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    image_dataset = datasets.ImageFolder(tmp_path / "train", data_transform)
    assert image_dataset.classes == ["ants", "bees"] and len(image_dataset) == 3
    loader = torch.utils.data.DataLoader(image_dataset, batch_size=4, shuffle=True)
    inputs, classes = next(iter(loader))
    assert inputs.shape == (3, 3, 24, 24) and sorted(classes.tolist()) == [0, 0, 1]


@needs_data
def test_the_loading_benchmark_runs_in_quick_mode(tmp_path, capsys):
    """`python -m benchmarks.loading --quick`: every row measured and written; speed is never asserted."""
    import json

    from benchmarks import loading

    assert loading.main(["--quick", "--data", str(DATASETS), "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "loading.json").read_text())
    assert report["quick"] is True and report["images"] == 10000 and report["batches"] == 50
    assert set(report["seconds_per_epoch"]) == {"minigrad", "minigrad-per-sample", "torch"}
    assert all(len(times) == 1 and times[0] > 0 for times in report["seconds_per_epoch"].values())
    assert "| minigrad | " in (tmp_path / "loading.md").read_text() and "| torch | " in capsys.readouterr().out
