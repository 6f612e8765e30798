import pytest

from rnncourse.data import load_corpus


@pytest.fixture(scope="session")
def small_texts():
    return load_corpus("stdlib", max_chars=20_000), load_corpus("stdlib", "valid", max_chars=3_000)
