"""The handwritten digits as row sequences, and their stratified split."""

import gzip

import numpy as np
import pytest

from rnncourse.data import digits as D

pytest.importorskip("sklearn", reason="the digits ship in scikit-learn's wheel")


@pytest.fixture(scope="module")
def data():
    return D.load_digit_rows()


def test_rows_are_the_images_read_top_to_bottom(data):
    x, y = data
    assert x.shape == (D.N_DIGITS, 8, 8)
    assert y.shape == (D.N_DIGITS,)
    assert x.min() == 0.0
    assert x.max() == 1.0
    assert np.array_equal(np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
    with gzip.open(D._digits_csv(), "rt") as f:
        first = [int(v) for v in f.readline().split(",")]
    # the first image, a 0: row t of the sequence is pixels 8t .. 8t+7 of the file's line
    assert y[0] == first[64] == 0
    assert np.array_equal(x[0, 1] * 16, first[8:16])
    assert not np.array_equal(x[0].T, x[0])  # planted: columns would be another sequence


@pytest.mark.slow  # importing scikit-learn (and SciPy) takes seconds
def test_against_scikit_learn(data):
    from sklearn.datasets import load_digits

    ref = load_digits()
    x, y = data
    assert np.array_equal(x * 16, ref.images)
    assert np.array_equal(y, ref.target)


def test_split_is_stratified_disjoint_and_seeded(data):
    _, y = data
    a = D.split_digits(y, 597, seed=0)
    assert len(a.train) == 1200
    assert len(a.test) == 597
    assert np.array_equal(np.sort(np.concatenate([a.train, a.test])), np.arange(D.N_DIGITS))
    share = np.bincount(y[a.test], minlength=10) / np.bincount(y)
    assert share.min() > 0.32
    assert share.max() < 0.35
    b = D.split_digits(y, 597, seed=0)
    c = D.split_digits(y, 597, seed=1)
    assert np.array_equal(a.test, b.test)
    assert not np.array_equal(a.test, c.test)


def test_bad_split_arguments_name_themselves(data):
    _, y = data
    with pytest.raises(ValueError, match="n_test"):
        D.split_digits(y, len(y))
    with pytest.raises(ValueError, match="y"):
        D.split_digits(y.reshape(-1, 1), 10)
    with pytest.raises(ValueError, match="y"):
        D.split_digits(y + 10, 10)
