"""The command line: `python -m minigrad train --model lenet --dataset mnist` (see `minigrad.train`)."""

import argparse
import sys

from minigrad.models import MODELS
from minigrad.train import DATASETS, DTYPES, OPTIMIZERS, RECIPES, SetupError, TrainConfig, run


def parser():
    """The argument parser of `python -m minigrad`; each train option is a field of TrainConfig."""
    main = argparse.ArgumentParser(prog="python -m minigrad", description="minigrad's main job.")
    commands = main.add_subparsers(dest="command", required=True)
    recipes = "; ".join(f"{name}: {r.optimizer} lr {r.lr} batch {r.batch_size}" for name, r in RECIPES.items())
    train = commands.add_parser(
        "train",
        help="train a model on MNIST or Fashion-MNIST",
        description="Train a model, show its progress, and write metrics.json and curves.png into a run folder.",
        epilog=f"Each model's default optimizer, learning rate and batch size: {recipes}.",
    )
    defaults = TrainConfig()
    train.add_argument("--model", choices=list(MODELS), default=defaults.model, help="default: %(default)s")
    train.add_argument("--dataset", choices=list(DATASETS), default=defaults.dataset, help="default: %(default)s")
    train.add_argument("--epochs", type=int, default=defaults.epochs, help="default: %(default)s")
    train.add_argument("--batch-size", type=int, help="default: the model's")
    train.add_argument("--lr", type=float, help="learning rate; default: the model's")
    train.add_argument("--optimizer", choices=OPTIMIZERS, help="default: the model's")
    train.add_argument("--momentum", type=float, default=defaults.momentum, help="for sgd; default: %(default)s")
    train.add_argument("--seed", type=int, default=defaults.seed,
                       help="seeds the initial weights and the shuffling; default: %(default)s")
    train.add_argument("--data", metavar="FOLDER",
                       help="the folder holding the dataset's files; default: $MINIGRAD_DATA, "
                            "else the user cache (downloading into it if needed)")
    train.add_argument("--device", default=defaults.device, help="cpu, cuda or cuda:N; default: %(default)s")
    train.add_argument("--dtype", choices=DTYPES, default=defaults.dtype, help="default: %(default)s")
    train.add_argument("--out", metavar="FOLDER", help="the run folder; default: runs/<model>-<dataset>-<timestamp>")
    train.add_argument("--limit-steps", type=int, metavar="N",
                       help="smoke tests: stop each epoch after N steps and evaluate on N test batches")
    train.add_argument("--compare-torch", action="store_true",
                       help="also train the model in PyTorch from the same weights on the same batches")
    return main


def main(argv=None):
    """Run the command in `argv` (default: the process's arguments); return the exit status."""
    arguments = vars(parser().parse_args(argv))
    arguments.pop("command")
    try:
        run(TrainConfig(**arguments))
    except SetupError as error:
        print(f"python -m minigrad: error: {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        print(f"python -m minigrad: error: {error}\n"
              "On the command line, --data FOLDER names the folder; with neither --data nor MINIGRAD_DATA, "
              "the files are downloaded into the user cache.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
