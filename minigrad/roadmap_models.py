"""The networks of the tutorials' roadmap after LeNet, each a function of an `nn` namespace.

As in `models.py`, every builder takes the namespace to build from:
minigrad's by default, or `torch.nn`, so the parity tests and the benchmarks
build both libraries' twins from one definition and move weights between
them by name.

    classifiers   vgg_small, resnet18 (CIFAR-10's, the course's), an Inception block,
                  a dense block with its transition
    generative    the DCGAN generator and discriminator, an MLP autoencoder, a VAE
"""
from . import nn as minigrad_nn


def vgg_small(nn=minigrad_nn, num_classes=10, in_channels=3, dropout=0.5):
    """A small VGG for 32x32 images: blocks of two 3x3 convolutions (BatchNorm, ReLU) and a
    2x2 max pool, widths 16, 32, 64, then adaptive average pooling and two linear layers with
    dropout between them."""
    layers, channels = [], in_channels
    for width in (16, 32, 64):
        for _ in range(2):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
                         nn.Linear(channels, 64), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(64, num_classes))


def resnet18(nn=minigrad_nn, num_classes=10, width=64):
    """ResNet-18 for CIFAR-10 as the course builds it: a 3x3 stem (no max pool), four stages of
    two basic blocks (widths w, 2w, 4w, 8w; stride 2 from the second stage on, with a 1x1
    strided convolution and BatchNorm as the shortcut where the shape changes), adaptive
    average pooling and a linear classifier. `width` w = 64 is the standard network."""

    class BasicBlock(nn.Module):
        def __init__(self, in_channels, out_channels, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(out_channels)
            self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(out_channels)
            self.shortcut = nn.Sequential()
            if stride != 1 or in_channels != out_channels:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                    nn.BatchNorm2d(out_channels))

        def forward(self, x):
            out = self.bn1(self.conv1(x)).relu()
            out = self.bn2(self.conv2(out))
            return (out + self.shortcut(x)).relu()

    class ResNet18(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            stages, channels = [], width
            for index, stage_width in enumerate((width, 2 * width, 4 * width, 8 * width)):
                stride = 1 if index == 0 else 2
                stages.append(nn.Sequential(BasicBlock(channels, stage_width, stride),
                                            BasicBlock(stage_width, stage_width, 1)))
                channels = stage_width
            self.layer1, self.layer2, self.layer3, self.layer4 = stages
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(channels, num_classes)

        def forward(self, x):
            x = self.bn1(self.conv1(x)).relu()
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(self.pool(x).flatten(1))

    return ResNet18()


def inception_block(nn=minigrad_nn, in_channels=8, widths=(4, (4, 6), (2, 3), 3)):
    """GoogLeNet's Inception block: four paths concatenated along the channels, a 1x1
    convolution; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pool then 1x1 (ReLU after each conv)."""
    from importlib import import_module

    lib = import_module(nn.__name__.split(".")[0])
    c1, (c2a, c2b), (c3a, c3b), c4 = widths

    class Inception(nn.Module):
        def __init__(self):
            super().__init__()
            self.p1 = nn.Sequential(nn.Conv2d(in_channels, c1, 1), nn.ReLU())
            self.p2 = nn.Sequential(nn.Conv2d(in_channels, c2a, 1), nn.ReLU(),
                                    nn.Conv2d(c2a, c2b, 3, padding=1), nn.ReLU())
            self.p3 = nn.Sequential(nn.Conv2d(in_channels, c3a, 1), nn.ReLU(),
                                    nn.Conv2d(c3a, c3b, 5, padding=2), nn.ReLU())
            self.p4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                    nn.Conv2d(in_channels, c4, 1), nn.ReLU())

        def forward(self, x):
            return lib.cat([self.p1(x), self.p2(x), self.p3(x), self.p4(x)], dim=1)

    return Inception()


def dense_block(nn=minigrad_nn, in_channels=4, growth=3, layers=3):
    """A DenseNet dense block (each layer BatchNorm, ReLU, 3x3 conv of `growth` channels, its
    input concatenated with its output) and a transition (BatchNorm, ReLU, 1x1 conv halving
    the channels, 2x2 average pool)."""
    from importlib import import_module

    lib = import_module(nn.__name__.split(".")[0])

    class DenseBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList(
                nn.Sequential(nn.BatchNorm2d(in_channels + i * growth), nn.ReLU(),
                              nn.Conv2d(in_channels + i * growth, growth, 3, padding=1))
                for i in range(layers))
            channels = in_channels + layers * growth
            self.transition = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(),
                                            nn.Conv2d(channels, channels // 2, 1),
                                            nn.AvgPool2d(2, stride=2))

        def forward(self, x):
            for layer in self.layers:
                x = lib.cat([x, layer(x)], dim=1)
            return self.transition(x)

    return DenseBlock()


def dcgan_generator(nn=minigrad_nn, latent=16, width=8, channels=3):
    """DCGAN's generator: a latent vector (N, latent, 1, 1) up to a 32x32 image through
    transposed convolutions (4x4, stride 2), BatchNorm and ReLU, and Tanh at the end."""
    return nn.Sequential(
        nn.ConvTranspose2d(latent, 4 * width, 4, 1, 0, bias=False), nn.BatchNorm2d(4 * width),
        nn.ReLU(True),
        nn.ConvTranspose2d(4 * width, 2 * width, 4, 2, 1, bias=False),
        nn.BatchNorm2d(2 * width), nn.ReLU(True),
        nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width),
        nn.ReLU(True),
        nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh())


def dcgan_discriminator(nn=minigrad_nn, width=8, channels=3, batch_norm=True):
    """DCGAN's discriminator: a 32x32 image down to one logit through 4x4 stride-2
    convolutions, BatchNorm (left out for a WGAN-GP critic) and LeakyReLU(0.2)."""
    norm = (lambda c: nn.BatchNorm2d(c)) if batch_norm else (lambda c: nn.Identity())
    return nn.Sequential(
        nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(width, 2 * width, 4, 2, 1, bias=False), norm(2 * width),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(2 * width, 4 * width, 4, 2, 1, bias=False), norm(4 * width),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(4 * width, 1, 4, 1, 0, bias=False), nn.Flatten())


def autoencoder(nn=minigrad_nn, features=784, hidden=64, code=8):
    """The MLP autoencoder of the course: 784 -> 64 -> 8 -> 64 -> 784, ReLU, Sigmoid output."""
    return nn.Sequential(
        nn.Flatten(), nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, code), nn.ReLU(),
        nn.Linear(code, hidden), nn.ReLU(), nn.Linear(hidden, features), nn.Sigmoid())


def vae(nn=minigrad_nn, features=784, hidden=64, code=8):
    """The course's VAE: an encoder to (μ, log σ²), a sample z = μ + σ·ε with ε given (so both
    libraries take the same draw), and a decoder; forward(x, eps) returns (x̂, μ, log σ²)."""

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(features, hidden), nn.ReLU())
            self.mean = nn.Linear(hidden, code)
            self.log_variance = nn.Linear(hidden, code)
            self.decoder = nn.Sequential(nn.Linear(code, hidden), nn.ReLU(),
                                         nn.Linear(hidden, features), nn.Sigmoid())

        def forward(self, x, eps):
            h = self.encoder(x)
            mean, log_variance = self.mean(h), self.log_variance(h)
            z = mean + (log_variance * 0.5).exp() * eps
            return self.decoder(z), mean, log_variance

    return VAE()
