"""Handles for hooks: what `register_hook`, `register_forward_hook` and their relatives return,
as `torch.utils.hooks.RemovableHandle`."""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """`handle.remove()` takes the hook out of the dict it was registered in (also on leaving a
    `with handle:` block); removing twice is harmless."""

    def __init__(self, hooks):
        self.hooks = hooks
        self.id = next(_ids)

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
