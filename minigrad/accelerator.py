"""`mg.accelerator`: PyTorch's device-agnostic accelerator API, answering for CuPy's GPU.

The official PyTorch MNIST example starts with
`torch.accelerator.is_available()` and `torch.accelerator.current_accelerator()`;
here the accelerator is the NVIDIA GPU that CuPy sees, if any.
"""
from . import backend


def is_available():
    """True when CuPy is installed and sees a GPU."""
    return backend.cuda_is_available()


def device_count():
    """How many GPUs CuPy sees (0 without CuPy or a GPU)."""
    return backend.cuda_device_count()


def current_accelerator(check_available=False):
    """`device('cuda')` when a GPU is there to use, else None."""
    return backend.Device("cuda") if is_available() else None


def current_device_index():
    """The index of the GPU new CUDA tensors go to (CuPy's current device), or -1 without one."""
    if not is_available():
        return -1
    return int(backend.cupy_module().cuda.runtime.getDevice())


def synchronize(device=None):
    """Wait for the GPU to finish queued work (for honest timings); nothing to wait for without one."""
    if is_available():
        backend.cupy_module().cuda.Device().synchronize()
