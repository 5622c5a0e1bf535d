"""Lesson 9 · LeNet on Fashion-MNIST, with d2l's training curves (卷积神经网络 LeNet).

d2l.ai's LeNet-5 (sigmoid activations, average pooling, the first convolution
padded by 2 for 28x28 images), Xavier-uniform weights, SGD at lr = 0.9,
batches of 256, 10 epochs on Fashion-MNIST's pixels/255 (ToTensor(), no
normalisation). After each epoch: the training loss, the training accuracy
and the test accuracy, drawn as d2l's Animator draws them (to a PNG, in place
of the live plot / visdom). Where torch is installed, it trains from the same
weights on the same batches, and its curves are drawn dashed beside them.

Run: python examples/09_lenet_fashion_mnist.py  (add --quick for the short version CI runs)
"""
import numpy as np

import minigrad
import minigrad.models as models
from lesson_kit import Lesson, pyplot

BATCH, LR, EPOCHS = 256, 0.9, 10


def load_fashion_mnist(batch_size):
    """The training and test batches, pixels/255 by ToTensor() as in d2l (torchvision -> minigrad.vision)."""
    from minigrad.utils.data import DataLoader
    from minigrad.vision import datasets, transforms

    to_tensor = transforms.ToTensor()
    train = DataLoader(datasets.FashionMNIST(train=True, transform=to_tensor, download=True),
                       batch_size=batch_size, shuffle=True, generator=minigrad.Generator().manual_seed(0))
    test = DataLoader(datasets.FashionMNIST(train=False, transform=to_tensor, download=True),
                      batch_size=1000)
    return train, test


def init_weights(module):
    """d2l's initialisation: Xavier-uniform weights for every Linear and Conv2d."""
    if isinstance(module, (minigrad.nn.Linear, minigrad.nn.Conv2d)):
        minigrad.nn.init.xavier_uniform_(module.weight)


def train(lib, net, epochs_batches, test_batches):
    optimizer = lib.optim.SGD(net.parameters(), lr=LR)
    loss_fn = lib.nn.CrossEntropyLoss()
    step_losses, curves = [], []
    for batches in epochs_batches:
        net.train()
        total_loss, correct, count = 0.0, 0, 0
        for images, labels in batches:
            x, y = lib.tensor(images), lib.tensor(labels)
            y_hat = net(x)
            loss = loss_fn(y_hat, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step_losses.append(loss.item())
            total_loss += loss.item() * len(labels)
            correct += (y_hat.argmax(dim=1) == y).sum().item()
            count += len(labels)
        net.eval()
        test_correct, test_count = 0, 0
        with lib.no_grad():
            for images, labels in test_batches:
                y_hat = net(lib.tensor(images))
                test_correct += (y_hat.argmax(dim=1) == lib.tensor(labels)).sum().item()
                test_count += len(labels)
        curves.append((total_loss / count, correct / count, test_correct / test_count))
        if lib is minigrad:
            epoch = len(curves)
            print(f"epoch {epoch}: loss {curves[-1][0]:.3f}, train acc {curves[-1][1]:.3f}, "
                  f"test acc {curves[-1][2]:.3f}")
    return np.array(step_losses), np.array(curves)


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 9 · LeNet on Fashion-MNIST 卷积神经网络", quick, out_dir)
    torch = lesson.torch
    train_loader, test_loader = load_fashion_mnist(BATCH)
    epochs, steps = (2, 6) if lesson.quick else (EPOCHS, len(train_loader))
    epochs_batches = [[(x.numpy(), y.numpy()) for _, (x, y) in zip(range(steps), train_loader)]
                      for _ in range(epochs)]
    test_batches = [(x.numpy(), y.numpy()) for x, y in test_loader][:1 if lesson.quick else None]

    minigrad.manual_seed(0)
    net = models.lenet()
    net.apply(init_weights)
    print(net)
    twin = None
    if torch:
        twin = models.lenet(torch.nn)
        twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                              for k, v in net.state_dict().items()})

    lesson.heading(f"Training: {epochs} epochs of {steps} steps, lr = {LR}, batch {BATCH}")
    losses, curves = train(minigrad, net, epochs_batches, test_batches)
    theirs = train(torch, twin, epochs_batches, test_batches) if torch else (None, None)
    lesson.check("training loss, first steps", losses[:4],
                 None if theirs[0] is None else theirs[0][:4], rtol=1e-4)
    lesson.check_steps("the training loss", losses, theirs[0], steps)
    for column, name in enumerate(("train loss", "train acc", "test acc")):
        lesson.check(f"{name} after each epoch", curves[:, column],
                     None if theirs[1] is None else theirs[1][:, column], rtol=2e-3, atol=2e-3)

    plt = pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    epochs_axis = np.arange(1, epochs + 1)
    for column, (name, color) in enumerate((("train loss", "C0"), ("train acc", "C1"),
                                            ("test acc", "C2"))):
        axes.plot(epochs_axis, curves[:, column], color=color, marker="o", label=name)
        if theirs[1] is not None:
            axes.plot(epochs_axis, theirs[1][:, column], color=color, linestyle="--",
                      label=f"{name} (torch)")
    axes.set_xlabel("epoch")
    axes.set_xlim(1, max(epochs, 2))
    axes.grid(True)
    axes.legend(fontsize=8)
    axes.set_title("LeNet on Fashion-MNIST (d2l's curves)")
    figure.tight_layout()
    figure.savefig(lesson.path("lenet_fashion_mnist.png"), dpi=90)
    plt.close(figure)
    return lesson.finish()


if __name__ == "__main__":
    main()
