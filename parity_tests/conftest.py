"""Shared test settings: hypothesis profiles, and the devices minigrad is tested on.

Hypothesis profiles, chosen with MINIGRAD_HYPOTHESIS_PROFILE (default `ci`):
  ci         derandomized (the same examples on every run) and few of them,
             so that the whole suite runs in a few minutes on two cores
  thorough   many more examples, random each run: for hunting bugs

Devices, chosen with MINIGRAD_TEST_DEVICES (default `cpu,cuda`): minigrad
runs each parity test on every device listed; torch, the oracle, stays on the
CPU. 'cuda' tests are skipped, with the reason, when CuPy or a GPU is missing.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

import minigrad as mg

settings.register_profile("ci", derandomize=True, deadline=None, max_examples=15,
                          print_blob=True)
settings.register_profile("thorough", deadline=None, max_examples=300, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("MINIGRAD_HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)

DEVICES = [d.strip() for d in os.environ.get("MINIGRAD_TEST_DEVICES", "cpu,cuda").split(",")
           if d.strip()]


NO_GPU = "no GPU: minigrad's CUDA backend needs CuPy and an NVIDIA GPU"


def pytest_report_header(config):
    devices = ", ".join(f"{d} (skipped: {NO_GPU})" if d == "cuda" and not mg.cuda.is_available()
                        else d for d in DEVICES)
    return [f"minigrad: hypothesis profile '{PROFILE}', {settings().max_examples} examples per "
            "test (MINIGRAD_HYPOTHESIS_PROFILE=ci|thorough)",
            f"minigrad: devices {devices} (MINIGRAD_TEST_DEVICES)"]


def _device_param(name):
    if name == "cuda" and not mg.cuda.is_available():
        return pytest.param(name, marks=pytest.mark.skip(reason=NO_GPU))
    return pytest.param(name)


# Session scope: hypothesis runs many examples per test and refuses function-scoped fixtures.
@pytest.fixture(scope="session", params=[_device_param(d) for d in DEVICES])
def device(request):
    """The device minigrad's tensors are made on ('cpu', or 'cuda' where a GPU is present)."""
    return request.param
