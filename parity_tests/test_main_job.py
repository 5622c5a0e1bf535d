"""The main job, `python -m minigrad train`: its outputs, its comparison with PyTorch, and its errors.

Every run here stops each epoch after a few steps (`--limit-steps`), so the
whole file takes seconds. The data comes from $MINIGRAD_DATA, else from
`shared/datasets` beside the repository; runs that need it are skipped when
MNIST is in neither.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg
from minigrad.__main__ import main
from minigrad.models import MODELS, build
from minigrad.train import SetupError, TrainConfig, run

pytest.importorskip("tqdm")
pytest.importorskip("matplotlib")

REPOSITORY = Path(__file__).resolve().parents[1]
DATASETS = Path(os.environ.get("MINIGRAD_DATA") or REPOSITORY.parent / "shared" / "datasets")
needs_mnist = pytest.mark.skipif(
    not (DATASETS / "mnist").is_dir(),
    reason=f"MNIST not found in {DATASETS}: set MINIGRAD_DATA to the folder holding mnist/",
)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
WITH_THE_REPOSITORY = {"PYTHONPATH": os.pathsep.join(filter(None, [str(REPOSITORY), os.environ.get("PYTHONPATH")]))}


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path, monkeypatch):
    """Keep every run away from the user's MINIGRAD_DATA and cache folder."""
    monkeypatch.delenv("MINIGRAD_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@needs_mnist
def test_command_line_writes_metrics_chart_and_progress(tmp_path):
    out = tmp_path / "run"
    command = [sys.executable, "-m", "minigrad", "train", "--model", "mlp", "--dataset", "mnist",
               "--epochs", "2", "--limit-steps", "3", "--data", str(DATASETS), "--out", str(out)]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path,
                              env=os.environ | WITH_THE_REPOSITORY, timeout=300)
    assert finished.returncode == 0, finished.stderr

    assert "minigrad epoch 2/2" in finished.stderr and "img/s" in finished.stderr  # the progress bars
    assert finished.stdout.count("test accuracy") == 2
    metrics = json.loads((out / "metrics.json").read_text())
    config = metrics["config"]
    assert (config["model"], config["optimizer"], config["batch_size"]) == ("mlp", "sgd", 200)  # the MLP's recipe
    assert config["limit_steps"] == 3
    history = metrics["minigrad"]
    assert len(history["step_loss"]) == 6
    assert [entry["epoch"] for entry in history["epochs"]] == [1, 2]
    for entry in history["epochs"]:
        assert entry["steps"] == 3
        assert 0.0 <= entry["test_accuracy"] <= 1.0
        assert entry["test_loss"] > 0 and entry["train_time_s"] > 0 and entry["images_per_s"] > 0
    assert "comparison" not in metrics
    assert (out / "curves.png").read_bytes().startswith(PNG_SIGNATURE)


@needs_mnist
def test_compare_torch_starts_from_the_same_weights_and_batches(tmp_path, capsys):
    pytest.importorskip("torch")
    out = tmp_path / "run"
    status = main(["train", "--model", "lenet-modern", "--epochs", "1", "--limit-steps", "3", "--dtype", "float64",
                   "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9",
                   "--data", str(DATASETS), "--out", str(out), "--compare-torch"])
    assert status == 0

    metrics = json.loads((out / "metrics.json").read_text())
    assert len(metrics["torch"]["step_loss"]) == len(metrics["minigrad"]["step_loss"]) == 3
    comparison = metrics["comparison"]
    assert comparison["max_rel_loss_diff"] <= 1e-9
    assert comparison["max_abs_loss_diff"] <= 1e-9
    assert abs(comparison["test_accuracy_diff"][0]) <= 1e-4
    assert "largest per-step loss difference vs torch" in capsys.readouterr().out
    assert (out / "curves.png").read_bytes().startswith(PNG_SIGNATURE)


def test_missing_data_folder_gives_the_data_modules_message(tmp_path, capsys):
    missing = tmp_path / "no-such-folder"
    status = main(["train", "--model", "mlp", "--data", str(missing), "--out", str(tmp_path / "run")])

    assert status == 1
    error = capsys.readouterr().err
    assert "MNIST training files" in error and "not found" in error
    assert str(missing) in error and "MINIGRAD_DATA" in error
    assert "--data FOLDER" in error  # and how the command line names the folder


def test_unknown_names_are_refused_with_the_choices(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--model", "resnet"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'resnet'" in capsys.readouterr().err

    with pytest.raises(SetupError, match="unknown model 'resnet'.*lenet-modern"):
        run(TrainConfig(model="resnet"))
    with pytest.raises(SetupError, match="unknown dataset 'cifar10'.*fashion-mnist"):
        run(TrainConfig(dataset="cifar10"))
    with pytest.raises(ValueError, match="unknown model 'resnet'"):
        build("resnet")


def test_invalid_options_are_refused_before_any_work():
    with pytest.raises(SetupError, match="momentum applies to sgd only"):
        run(TrainConfig(optimizer="adam", momentum=0.9))
    with pytest.raises(SetupError, match="epochs must be at least 1"):
        run(TrainConfig(epochs=0))
    with pytest.raises(SetupError, match="unknown device 'tpu'"):
        run(TrainConfig(device="tpu"))


def test_a_missing_train_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` fail
    with pytest.raises(SetupError, match=r"needs tqdm.*pip install -e '\.\[train\]'"):
        run(TrainConfig(model="mlp"))


def test_compare_torch_without_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(SetupError, match="--compare-torch needs PyTorch"):
        run(TrainConfig(model="mlp", compare_torch=True))


@pytest.mark.parametrize("name, shape, shape_the_layer_got", [
    ("mlp", (2, 1, 32, 32), (2, 1024)),  # the first Linear sees the flattened 32x32 images
    ("lenet", (2, 3, 28, 28), (2, 3, 28, 28)),
    ("lenet-modern", (2, 28, 28), (2, 28, 28)),
])
def test_a_wrong_input_shape_names_the_layer_and_the_shape(name, shape, shape_the_layer_got):
    with pytest.raises(RuntimeError, match="expected input of shape") as error:
        build(name)(mg.zeros(*shape))
    assert str(shape_the_layer_got) in str(error.value)


def test_the_library_imports_neither_torch_nor_the_train_extra():
    check = ("import sys, minigrad, minigrad.nn, minigrad.optim, minigrad.utils.data, minigrad.vision, minigrad.models, minigrad.train; "
             "print(sorted({'torch', 'tqdm', 'matplotlib', 'PIL'} & set(sys.modules)))")
    finished = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                              env=os.environ | WITH_THE_REPOSITORY)
    assert finished.stdout.strip() == "[]"


def test_every_model_has_the_state_dict_keys_of_its_torch_twin():
    torch = pytest.importorskip("torch")
    for name in MODELS:
        minigrad_state, torch_state = build(name).state_dict(), build(name, torch.nn).state_dict()
        assert list(minigrad_state) == list(torch_state), name
        assert all(tuple(minigrad_state[key].shape) == tuple(torch_state[key].shape) for key in torch_state), name
