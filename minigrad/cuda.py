"""`mg.cuda`: whether a GPU (through CuPy) is there to hold tensors."""
from . import backend


def is_available():
    """True when CuPy is installed and sees an NVIDIA GPU."""
    return backend.cuda_is_available()


def device_count():
    return backend.cuda_device_count()


def synchronize():
    """Wait for the GPU to finish queued work (for honest timings)."""
    if is_available():
        backend.cupy_module().cuda.Device().synchronize()
