import pytest
import torch

from rnncourse.data import load_corpus


@pytest.fixture(autouse=True)
def _one_thread():
    # One thread everywhere: bit-for-bit reproducible results, and the shared machine stays usable.
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def small_texts():
    return load_corpus("stdlib", max_chars=20_000), load_corpus("stdlib", "valid", max_chars=3_000)
