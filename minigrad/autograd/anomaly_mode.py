"""Anomaly detection, as PyTorch's: which forward line made the op whose backward failed.

With it on (`detect_anomaly()` or `set_detect_anomaly(True)`), every op the
forward pass records keeps the stack that created it, and every backward pass
is watched (see `tape.watchers`): a backward step whose result holds NaN
raises `RuntimeError("Function 'SqrtBackward' returned nan values in its 0th
output.")`, and any error raised inside a step (a graph already freed, a saved
tensor changed in place) is raised again with the op's name and the forward
line that created it. Off by default; when off, recording an op pays one flag
check and a backward pass none.
"""
import os
import traceback
import warnings

enabled = False
"""Whether recorded ops keep their forward stack and backward passes are checked."""
check_nan = True
"""Whether a backward step's results are checked for NaN (PyTorch's `check_nan`)."""

_package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def forward_stack():
    """The stack of the forward call being recorded, without the recording frames themselves."""
    return traceback.extract_stack()[:-3]


def is_anomaly_enabled():
    return enabled


def is_anomaly_check_nan_enabled():
    return check_nan


class _AnomalyWatcher:
    """Wraps each backward step: NaN in its results, or an error inside it, names the op."""

    def wrap(self, call_backward, accumulate, retain_graph):
        def checked_call_backward(node, grads):
            try:
                input_grads = call_backward(node, grads)
            except RuntimeError as error:
                raise RuntimeError(f"{error}\n\n{where_created(node)}") from error
            if check_nan:
                for index, grad in enumerate(input_grads):
                    if grad is not None and bool(grad.xp.isnan(grad.array).any()):
                        raise RuntimeError(
                            f"Function '{node.name()}' returned nan values in its {index}th "
                            f"output.\n\n{where_created(node)}")
            return input_grads

        return checked_call_backward, accumulate


_watcher = _AnomalyWatcher()


def where_created(node):
    """The op's name and the forward line that created it (the innermost outside minigrad)."""
    stack = getattr(node, "_created_at", None)
    if stack is None:
        return (f"The op {node.name()} was recorded while anomaly detection was off, so where "
                "it was created is unknown: enable it before the forward pass.")
    own = [frame for frame in stack if not os.path.abspath(frame.filename).startswith(_package_dir)]
    line = (own or stack)[-1]
    return (f"The op {node.name()} was created in the forward pass at\n"
            f"  File \"{line.filename}\", line {line.lineno}, in {line.name}\n"
            f"    {line.line}\n"
            "Forward traceback of its creation (most recent call last):\n"
            + "".join(traceback.format_list(stack)).rstrip())


def _set(mode, nan_check):
    global enabled, check_nan
    from . import tape

    enabled, check_nan = bool(mode), bool(nan_check)
    if enabled and _watcher not in tape.watchers:
        tape.watchers.append(_watcher)
    elif not enabled and _watcher in tape.watchers:
        tape.watchers.remove(_watcher)


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it, as PyTorch's.

        with mg.autograd.detect_anomaly():
            y = x.sqrt()            # x holds a negative: y holds NaN
            y.sum().backward()      # RuntimeError: Function 'SqrtBackward' returned nan values
                                    # in its 0th output. ... created at ... y = x.sqrt()
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self.previous = (enabled, check_nan)
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc_info):
        _set(*self.previous)
        return False

    def __call__(self, function):
        import functools

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return function(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off, as PyTorch's: at once when called, and back as it was
    when used as a context manager (`with mg.autograd.set_detect_anomaly(False): ...`)."""

    def __init__(self, mode, check_nan=True):
        self.previous = (enabled, is_anomaly_check_nan_enabled())
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _set(*self.previous)
        return False
