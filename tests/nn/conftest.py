import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    # One thread: reproducible sums and the shared machine stays usable.
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
