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
