"""Random numbers: one seeded generator per device, as `mg.manual_seed` sets them."""
from . import backend

_seed = None
_generators = {}


def manual_seed(seed):
    """Seed every device's generator, so creation functions and initialisers repeat exactly."""
    global _seed
    _seed = seed
    _generators.clear()


def generator(device=backend.cpu):
    device = backend.Device(device)
    if device not in _generators:
        _generators[device] = backend.new_generator(device, _seed)
    return _generators[device]


def normal_array(shape, mean, std, dtype, device=backend.cpu):
    # Draw in float64 and round once, so a seed gives the same numbers in every dtype.
    return (generator(device).standard_normal(shape) * std + mean).astype(dtype, copy=False)


def uniform_array(shape, low, high, dtype, device=backend.cpu):
    return (generator(device).random(shape) * (high - low) + low).astype(dtype, copy=False)


class Generator:
    """A random generator of its own, as `torch.Generator`: pass it as `generator=` to a sampler,
    a DataLoader or `random_split` to draw from it instead of the global generator.

    `Generator().manual_seed(42)` (it returns the generator) repeats the same
    draws on every run; an unseeded one starts from fresh entropy. Only the CPU
    has them: the data utilities that take one run on the CPU.
    """

    def __init__(self, device="cpu"):
        self.device = backend.Device(device)
        if self.device.type != "cpu":
            raise RuntimeError(f"minigrad.Generator lives on the CPU, not on {self.device}")
        self.seed()

    def manual_seed(self, seed):
        """Restart the generator from `seed`; return it."""
        self._initial_seed = int(seed)
        self.numpy = backend.new_generator(self.device, self._initial_seed)
        return self

    def seed(self):
        """Restart the generator from a fresh non-deterministic seed, and return that seed."""
        self.manual_seed(int(backend.new_generator(self.device).integers(2**63)))
        return self._initial_seed

    def initial_seed(self):
        """The seed the generator was last started from."""
        return self._initial_seed


def numpy_generator(source=None):
    """The NumPy generator behind the Generator `source`, or the global CPU one (`mg.manual_seed`) without it."""
    return source.numpy if source is not None else generator()
