"""Fixtures for every test directory. Imports no torch: the reference's tests run without it."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # One thread: bit-for-bit reproducible sums, and the shared 2-core machine stays usable
    # (pytest-xdist already runs two workers). Only where the test's module has imported torch.
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
