"""Fixtures for every test directory."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # One thread: bit-for-bit reproducible sums, and the shared 2-core machine stays usable
    # (pytest-xdist already runs two workers).
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
