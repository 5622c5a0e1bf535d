"""Utilities, as `torch.utils`: `data` (datasets, samplers, DataLoader) and `hooks` (the
handle every register_*hook returns)."""
from . import data, hooks
