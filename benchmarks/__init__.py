"""Benchmarks: minigrad against PyTorch and a hand-written NumPy floor, on CPU and GPU.

Run ``python -m benchmarks.run`` (add ``--quick`` for a smoke run); see
``benchmarks/run.py`` for what is measured and where the results go.
"""
