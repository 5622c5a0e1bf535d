"""Lesson 8 · An MLP on MNIST 多分类问题: from scratch, then with nn.Module.

From scratch, as the tutorial writes it: three weight matrices and biases
(784 -> 200 -> 200 -> 10), Kaiming-normal weights, ReLU, cross-entropy, SGD
at lr = 0.01, batches of 200, 10 epochs. Then the same network as an
`nn.Module` (nn.Sequential of Linear and LeakyReLU). Where torch is
installed, it trains from the same weights on the same batches beside it.

Run: python examples/08_mnist_mlp.py  (add --quick for the short version CI runs)
The data: MINIGRAD_DATA names the folder holding the MNIST files (else they
are looked for in ~/.cache/minigrad and downloaded there).
"""
import numpy as np

import minigrad
from lesson_kit import Lesson

BATCH, LR = 200, 0.01


def load_mnist(batch_size):
    """The training and test batches, as the tutorial loads them (torchvision -> minigrad.vision)."""
    from minigrad.utils.data import DataLoader
    from minigrad.vision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train = DataLoader(datasets.MNIST(train=True, transform=transform, download=True),
                       batch_size=batch_size, shuffle=True, generator=minigrad.Generator().manual_seed(0))
    test = DataLoader(datasets.MNIST(train=False, transform=transform, download=True), batch_size=1000)
    return train, test


def scratch_weights(seed=0):
    """w1, b1, w2, b2, w3, b3 as the tutorial makes them: kaiming_normal_ weights, zero biases."""
    rng = np.random.default_rng(seed)
    shapes = [(200, 784), (200, 200), (10, 200)]
    arrays = []
    for out_features, in_features in shapes:
        arrays.append((rng.standard_normal((out_features, in_features)) *
                       np.sqrt(2 / in_features)).astype(np.float32))
        arrays.append(np.zeros(out_features, np.float32))
    return arrays


class Scratch:
    """The network as three matrix products, in `lib` (minigrad or torch)."""

    def __init__(self, lib, arrays):
        self.lib = lib
        self.params = [lib.tensor(a, requires_grad=True) for a in arrays]

    def __call__(self, x):
        w1, b1, w2, b2, w3, b3 = self.params
        x = x.reshape(-1, 784)
        x = self.lib.relu(x @ w1.t() + b1)
        x = self.lib.relu(x @ w2.t() + b2)
        return x @ w3.t() + b3

    def parameters(self):
        return self.params


def module_mlp(lib):
    nn = lib.nn

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.model = nn.Sequential(nn.Linear(784, 200), nn.LeakyReLU(),
                                       nn.Linear(200, 200), nn.LeakyReLU(),
                                       nn.Linear(200, 10))

        def forward(self, x):
            return self.model(x.reshape(-1, 784))

    return MLP()


def train(lib, net, batches, test_batches, epochs, steps_per_epoch, log):
    optimizer = lib.optim.SGD(net.parameters(), lr=LR)
    criteon = lib.nn.CrossEntropyLoss()
    losses, tests = [], []
    for epoch in range(epochs):
        for batch_idx, (data, target) in enumerate(batches(epoch)):
            if batch_idx == steps_per_epoch:
                break
            data, target = lib.tensor(data), lib.tensor(target)
            loss = criteon(net(data), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if log and batch_idx % 100 == 0:
                done = batch_idx * len(data)
                print(f"Train Epoch: {epoch} [{done}/60000 ({100. * done / 60000:.0f}%)]\t"
                      f"Loss: {loss.item():.6f}")
        test_loss, correct, count = 0.0, 0, 0
        with lib.no_grad():
            for data, target in test_batches:
                data, target = lib.tensor(data), lib.tensor(target)
                logits = net(data)
                test_loss += criteon(logits, target).item() * len(target)
                correct += (logits.argmax(dim=1) == target).sum().item()
                count += len(target)
        tests.append((test_loss / count, correct / count))
        if log:
            print(f"\nTest set: Average loss: {test_loss / count:.4f}, Accuracy: {correct}/{count} "
                  f"({100. * correct / count:.0f}%)\n")
    return np.array(losses), np.array(tests)


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 8 · An MLP on MNIST 多分类问题", quick, out_dir)
    torch = lesson.torch
    train_loader, test_loader = load_mnist(BATCH)
    epochs, steps = (1, 20) if lesson.quick else (10, None)
    # Both libraries see the same batches: each epoch's order is drawn once, as NumPy arrays.
    orders = {}

    def batches(epoch):
        if epoch not in orders:
            orders[epoch] = [(x.numpy(), y.numpy()) for x, y in
                             (b for _, b in zip(range(steps or len(train_loader)), train_loader))]
        return orders[epoch]

    test_batches = [(x.numpy(), y.numpy()) for x, y in test_loader]
    if lesson.quick:
        test_batches = test_batches[:1]

    for title, build in (("From scratch: w1, b1, w2, b2, w3, b3", "scratch"),
                         ("With nn.Module: nn.Sequential(Linear, LeakyReLU, ...)", "module")):
        lesson.heading(title)
        if build == "scratch":
            arrays = scratch_weights()
            mine = Scratch(minigrad, arrays)
            twin = Scratch(torch, arrays) if torch else None
        else:
            minigrad.manual_seed(0)
            mine = module_mlp(minigrad)
            twin = module_mlp(torch) if torch else None
            if twin is not None:  # the same weights in both, moved by their state_dict names
                twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                                      for k, v in mine.state_dict().items()})
        losses, tests = train(minigrad, mine, batches, test_batches, epochs, steps, log=True)
        theirs = train(torch, twin, batches, test_batches, epochs, steps, log=False) if torch \
            else (None, None)
        lesson.check(f"training loss, first steps (of {len(losses)})", losses[:4],
                     None if theirs[0] is None else theirs[0][:4], rtol=1e-4)
        lesson.check_steps(f"{build}: the training loss", losses, theirs[0],
                           steps or len(train_loader))
        lesson.check("test loss after each epoch", tests[:, 0],
                     None if theirs[1] is None else theirs[1][:, 0], rtol=2e-3)
        lesson.check("test accuracy after each epoch", tests[:, 1],
                     None if theirs[1] is None else theirs[1][:, 1], rtol=0, atol=0.003)
    return lesson.finish()


if __name__ == "__main__":
    main()
