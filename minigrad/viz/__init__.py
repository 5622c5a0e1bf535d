"""Learning aids that draw: `make_dot` (torchviz's, for minigrad's graphs).

`from torchviz import make_dot` becomes `from minigrad.viz import make_dot`.
"""
from .dot import Graph, make_dot

__all__ = ["make_dot", "Graph"]
