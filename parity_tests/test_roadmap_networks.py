"""The roadmap's networks (minigrad/roadmap_models.py) trained in minigrad and in torch from the
same weights on the same batches, in float64: outputs, loss and every parameter's gradient
agree to about 1e-10; 20 steps of SGD with momentum in training mode (BatchNorm on batch
statistics, running statistics updated) give the same per-step losses to about 1e-9; and
afterwards evaluation (running statistics) agrees too. Also one WGAN-GP critic step, whose
gradient penalty backpropagates through a gradient.

Sizes are cut down to keep the suite fast (ResNet-18 at width 8 on 16x16 images: the same
layers, BatchNorm and strided shortcuts as the standard width 64, which the last test runs
once on 32x32 CIFAR-10-shaped images)."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import roadmap_models as models

STEPS = 20


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """torch on one thread: its second thread only waits on a busy two-core machine (50 times
    slower for these small convolutions)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def to_numpy(tensor):
    return tensor.detach().cpu().numpy()


def classification_loss(lib, model, x, labels):
    return lib.nn.functional.cross_entropy(model(x), labels)


def generator_loss(lib, model, z, target):
    return lib.nn.functional.mse_loss(model(z), target)


def discriminator_loss(lib, model, x, labels):
    return lib.nn.functional.binary_cross_entropy_with_logits(model(x).reshape(-1), labels)


def reconstruction_loss(lib, model, x, _):
    return lib.nn.functional.mse_loss(model(x), x.flatten(1))


def vae_loss(lib, model, x, eps):
    reconstruction, mean, log_variance = model(x, eps)
    bce = lib.nn.functional.binary_cross_entropy(reconstruction, x.flatten(1), reduction="sum")
    kl = -0.5 * (1 + log_variance - mean * mean - log_variance.exp()).sum()
    return (bce + kl) / x.shape[0]


def classes(rng, n, k=10):
    return rng.integers(0, k, size=n)


# name: (builder, input shape, loss, how the second argument is drawn, learning rate)
NETWORKS = {
    "small VGG": (lambda nn: models.vgg_small(nn, dropout=0.0), (2, 3, 8, 8),
                  classification_loss, classes, 0.05),
    "ResNet-18": (lambda nn: models.resnet18(nn, width=8), (2, 3, 16, 16),
                  classification_loss, classes, 0.05),
    "Inception block": (lambda nn: with_head(nn, models.inception_block(nn), 16),
                        (2, 8, 6, 6), classification_loss, classes, 0.05),
    "dense block": (lambda nn: with_head(nn, models.dense_block(nn), 6),
                    (3, 4, 6, 6), classification_loss, classes, 0.05),
    "DCGAN generator": (models.dcgan_generator, (3, 16, 1, 1), generator_loss,
                        lambda rng, n: np.tanh(rng.standard_normal((n, 3, 32, 32))), 0.05),
    "DCGAN discriminator": (models.dcgan_discriminator, (4, 3, 32, 32), discriminator_loss,
                            lambda rng, n: rng.integers(0, 2, size=n).astype(np.float64), 0.05),
    "autoencoder": (models.autoencoder, (5, 1, 28, 28), reconstruction_loss,
                    lambda rng, n: np.zeros(n), 0.5),
    "VAE": (models.vae, (5, 1, 28, 28), vae_loss, lambda rng, n: rng.standard_normal((n, 8)),
            0.01),
}


def with_head(nn, block, channels):
    """A block followed by a head to 10 class scores, so that it trains on a classification
    loss."""
    return nn.Sequential(block, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10))


def build_pair(builder):
    """The network in both libraries, float64, minigrad's holding torch's initial weights."""
    torch.manual_seed(0)
    theirs = builder(torch.nn).double()
    mine = builder(mg.nn).double()
    mine.load_state_dict(theirs.state_dict())
    return mine, theirs


def draw(rng, shape, second, name):
    x = rng.random(shape) if name in ("autoencoder", "VAE") else rng.standard_normal(shape)
    return x, second(rng, shape[0])


def as_lib(lib, array):
    return lib.tensor(array) if array.dtype.kind != "f" else lib.tensor(array,
                                                                       dtype=lib.float64)


@pytest.mark.parametrize("name", list(NETWORKS))
def test_a_network_trains_step_for_step_as_in_torch(name):
    builder, shape, loss_of, second, lr = NETWORKS[name]
    mine, theirs = build_pair(builder)
    mine_optimizer = mg.optim.SGD(mine.parameters(), lr=lr, momentum=0.9)
    their_optimizer = torch.optim.SGD(theirs.parameters(), lr=lr, momentum=0.9)
    rng = np.random.default_rng(1)
    for step in range(STEPS):
        x, y = draw(rng, shape, second, name)
        mine_optimizer.zero_grad()
        their_optimizer.zero_grad()
        mine_loss = loss_of(mg, mine, as_lib(mg, x), as_lib(mg, y))
        their_loss = loss_of(torch, theirs, as_lib(torch, x), as_lib(torch, y))
        mine_loss.backward()
        their_loss.backward()
        np.testing.assert_allclose(mine_loss.item(), their_loss.item(), rtol=1e-9,
                                   err_msg=f"{name}: loss at step {step}")
        if step == 0:  # the first step, from identical weights: every gradient
            # Relative to the largest gradient in the network: a bias followed by BatchNorm has
            # a gradient of exactly 0, computed as rounding noise by both libraries.
            scale = max(np.abs(q.grad.numpy()).max() for q in theirs.parameters())
            for (key, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
                np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10,
                                           atol=1e-12 * scale, err_msg=f"{name}: gradient of {key}")
        mine_optimizer.step()
        their_optimizer.step()
    mine.eval(), theirs.eval()
    x, y = draw(rng, shape, second, name)
    mine_out = mine(*(as_lib(mg, x),) + ((as_lib(mg, y),) if name == "VAE" else ()))
    their_out = theirs(*(as_lib(torch, x),) + ((as_lib(torch, y),) if name == "VAE" else ()))
    for m, t in zip(mine_out if name == "VAE" else [mine_out],
                    their_out if name == "VAE" else [their_out]):
        np.testing.assert_allclose(to_numpy(m), to_numpy(t), rtol=1e-9,
                                   atol=1e-12 * np.abs(to_numpy(t)).max(),
                                   err_msg=f"{name}: evaluation output")
    for key, value in theirs.state_dict().items():  # running statistics included
        np.testing.assert_allclose(to_numpy(mine.state_dict()[key]), value.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=f"{name}: {key} after training")


def test_a_wgan_gp_critic_step_is_torchs():
    """The critic's loss D(fake) - D(real) + 10·(‖∇ₓD(x̂)‖ - 1)² at x̂ between real and fake
    images: the penalty's gradient comes from autograd.grad(create_graph=True) through the
    critic, and the step backpropagates through it (second derivatives of every layer)."""
    builder = lambda nn: models.dcgan_discriminator(nn, width=4, batch_norm=False)  # noqa: E731
    mine, theirs = build_pair(builder)
    rng = np.random.default_rng(2)
    real, fake = rng.standard_normal((3, 3, 32, 32)), np.tanh(rng.standard_normal((3, 3, 32, 32)))
    mix = rng.random((3, 1, 1, 1))

    def critic_loss(lib, critic):
        real_images, fake_images = lib.tensor(real), lib.tensor(fake)
        between = (lib.tensor(mix) * real_images + (1 - lib.tensor(mix)) * fake_images)
        between.requires_grad_(True)
        (grad,) = lib.autograd.grad(critic(between).sum(), [between], create_graph=True)
        penalty = ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
        return critic(fake_images).mean() - critic(real_images).mean() + 10 * penalty

    mine_loss, their_loss = critic_loss(mg, mine), critic_loss(torch, theirs)
    mine_loss.backward()
    their_loss.backward()
    np.testing.assert_allclose(mine_loss.item(), their_loss.item(), rtol=1e-10)
    for (key, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10,
                                   atol=1e-12 * np.abs(q.grad.numpy()).max(), err_msg=key)


def test_the_standard_resnet18_on_cifar_shaped_images_computes_torchs_gradients():
    mine, theirs = build_pair(models.resnet18)
    assert sum(p.numel() for p in mine.parameters()) == 11_173_962  # the course's count
    rng = np.random.default_rng(3)
    x, labels = rng.standard_normal((2, 3, 32, 32)), rng.integers(0, 10, size=2)
    mine_loss = classification_loss(mg, mine, mg.tensor(x), mg.tensor(labels))
    their_loss = classification_loss(torch, theirs, torch.tensor(x), torch.tensor(labels))
    mine_loss.backward()
    their_loss.backward()
    np.testing.assert_allclose(mine_loss.item(), their_loss.item(), rtol=1e-10)
    scale = max(np.abs(q.grad.numpy()).max() for q in theirs.parameters())
    for (key, p), (_, q) in zip(mine.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(to_numpy(p.grad), to_numpy(q.grad), rtol=1e-10,
                                   atol=1e-12 * scale, err_msg=key)
