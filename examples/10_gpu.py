"""Lesson 10 · GPU acceleration GPU加速: the same model on the CPU and on a GPU.

The tutorial moves its network and every batch to the GPU with
`device = torch.device('cuda:0')`, `net.to(device)`, `data.to(device)`. The
same lines run on minigrad: on the CPU its arrays are NumPy's, on 'cuda'
CuPy's. Here LeNet (d2l's) takes the same training steps on each device
(minigrad's, and torch's CPU beside them), with the time per step. Where CuPy
sees no GPU, the GPU part is skipped with the reason.

Run: python examples/10_gpu.py  (add --quick for the short version CI runs)
"""
import time

import numpy as np

import minigrad
import minigrad.models as models
from lesson_kit import Lesson

BATCH, LR = 256, 0.9


def load_fashion_mnist(batch_size):
    """Training batches, pixels/255 by ToTensor() as in d2l (torchvision -> minigrad.vision)."""
    from minigrad.utils.data import DataLoader
    from minigrad.vision import datasets, transforms

    return DataLoader(datasets.FashionMNIST(train=True, transform=transforms.ToTensor(), download=True),
                      batch_size=batch_size, shuffle=True, generator=minigrad.Generator().manual_seed(0))


def timed_steps(lib, net, batches, device):
    """Train on `batches` on `device`; the loss of each step and the seconds each step took."""
    net = net.to(device)
    optimizer = lib.optim.SGD(net.parameters(), lr=LR)
    loss_fn = lib.nn.CrossEntropyLoss()
    losses, seconds = [], []
    for images, labels in batches:
        started = time.perf_counter()
        x, y = lib.tensor(images).to(device), lib.tensor(labels).to(device)
        loss = loss_fn(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())  # .item() waits for the GPU: the step is done
        seconds.append(time.perf_counter() - started)
    return np.array(losses), np.array(seconds)


def report(lesson, name, seconds):
    steady = seconds[1:] if len(seconds) > 1 else seconds  # the first step warms up
    ms = 1000 * float(np.median(steady))
    lesson.show(f"{name}: median step", f"{ms:.1f} ms ({BATCH / ms * 1000:,.0f} images/s), "
                f"first step {1000 * seconds[0]:.1f} ms")
    return ms


def main(quick=None, out_dir=None):
    lesson = Lesson("Lesson 10 · The same model on CPU and GPU GPU加速", quick, out_dir)
    torch = lesson.torch
    steps = 4 if lesson.quick else 50
    loader = load_fashion_mnist(BATCH)
    batches = [(x.numpy(), y.numpy()) for _, (x, y) in zip(range(steps), loader)]

    minigrad.manual_seed(0)
    start = models.lenet().state_dict()

    def fresh(lib):
        net = models.lenet(lib.nn)
        net.load_state_dict({k: lib.from_numpy(v.numpy().copy()) for k, v in start.items()})
        return net

    lesson.heading(f"{steps} training steps of LeNet, batch {BATCH}, on the CPU")
    cpu_losses, cpu_seconds = timed_steps(minigrad, fresh(minigrad), batches, "cpu")
    times = {"minigrad cpu": report(lesson, "minigrad, cpu (NumPy)", cpu_seconds)}
    if torch:
        torch_losses, torch_seconds = timed_steps(torch, fresh(torch), batches, "cpu")
        times["torch cpu"] = report(lesson, "torch, cpu", torch_seconds)
    lesson.check("the loss at each step", cpu_losses, torch_losses if torch else None, rtol=1e-4)

    lesson.heading("The same steps on the GPU (device='cuda')")
    if not minigrad.cuda.is_available():
        print("SKIPPED: CuPy sees no GPU here (minigrad.cuda.is_available() is False): install "
              "the gpu extra (pip install -e '.[gpu]') on a machine with an NVIDIA GPU to run it.")
    else:
        gpu_losses, gpu_seconds = timed_steps(minigrad, fresh(minigrad), batches, "cuda")
        times["minigrad cuda"] = report(lesson, "minigrad, cuda (CuPy)", gpu_seconds)
        lesson.check("the loss at each step on the GPU (against minigrad on the CPU)",
                     gpu_losses, cpu_losses, rtol=1e-4)
        if torch and torch.cuda.is_available():
            torch_gpu_losses, torch_gpu_seconds = timed_steps(torch, fresh(torch), batches, "cuda")
            times["torch cuda"] = report(lesson, "torch, cuda", torch_gpu_seconds)
            lesson.check("the loss at each step, torch on the GPU", gpu_losses, torch_gpu_losses,
                         rtol=1e-4)
        speedup = times["minigrad cpu"] / times["minigrad cuda"]
        lesson.show("speed-up of minigrad on the GPU", f"{speedup:.1f}x")
    return lesson.finish()


if __name__ == "__main__":
    main()
