"""Whether ops are being recorded: `no_grad`, `enable_grad`, `set_grad_enabled`.

Recording is on by default. Evaluation loops and optimiser updates turn it off,
so that they neither build a graph nor keep arrays alive for a backward pass
that will never come.
"""
import functools

_enabled = True


def is_grad_enabled():
    """True while ops are recorded for backward."""
    return _enabled


def _set(mode):
    global _enabled
    _enabled = mode


class _GradMode:
    """Recording switched to `mode` inside a `with` block or a decorated function."""

    mode = True

    def __new__(cls, function=None):
        # `@no_grad` written without parentheses decorates at once, as in PyTorch.
        if callable(function):
            return cls()(function)
        return super().__new__(cls)

    def __enter__(self):
        self.previous = _enabled
        _set(self.mode)
        return self

    def __exit__(self, *exc_info):
        _set(self.previous)

    def __call__(self, function):
        mode = self.mode

        @functools.wraps(function)
        def run_in_mode(*args, **kwargs):
            previous = _enabled
            _set(mode)
            try:
                return function(*args, **kwargs)
            finally:
                _set(previous)

        return run_in_mode


class no_grad(_GradMode):
    """Ops inside run without being recorded: `with mg.no_grad():` or `@mg.no_grad()`."""

    mode = False


class enable_grad(_GradMode):
    """Ops inside are recorded, even within `no_grad`."""

    mode = True


class set_grad_enabled(_GradMode):
    """`mg.set_grad_enabled(False)` switches at once; as a context manager it restores on exit."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self.previous = _enabled
        _set(self.mode)

    def __enter__(self):
        return self

    def __call__(self, function):
        _set(self.previous)  # decorating must not change the mode where the decorator is written
        return super().__call__(function)
