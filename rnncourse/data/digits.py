"""Real data for many-to-one classification: handwritten digits, each read as 8 rows of 8 pixels.

The data are the 1,797 handwritten digits of the UCI "Optical Recognition of Handwritten Digits"
test set (Alpaydin and Kaynak, 1998: 13 writers, each 32x32 bitmap reduced to 8x8 counts in
0..16) that scikit-learn ships in its wheel (``sklearn.datasets.load_digits``), read straight from
the compressed CSV file there so that scikit-learn itself is not imported. A sequence model reads
an image row by row: T = 8 steps of D = 8 pixels, one label (0-9) at the end.
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rnncourse._validation import check_int, check_int_array

__all__ = ["N_DIGITS", "DigitSplit", "load_digit_rows", "split_digits"]

#: images in the file; each is 8x8 with pixel counts 0..16, labels 0..9
N_DIGITS = 1797


def _digits_csv() -> Path:
    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the digits need scikit-learn: pip install 'rnncourse[digits]'")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets/data/digits.csv.gz"


def load_digit_rows() -> tuple[np.ndarray, np.ndarray]:
    """Load the digits as sequences of rows.

    Returns
    -------
    x : numpy.ndarray of float64, shape (N, T, D) = (1797, 8, 8)
        ``x[n, t]`` is row ``t`` (top to bottom) of image ``n``, pixels scaled from 0..16 to [0, 1].
    y : numpy.ndarray of int64, shape (N,)
        The digit each image shows, 0..9.
    """
    with gzip.open(_digits_csv(), "rt") as f:
        table = np.loadtxt(f, delimiter=",")
    if table.shape != (N_DIGITS, 65):
        raise ValueError(f"digits.csv.gz: expected ({N_DIGITS}, 65) numbers, got {table.shape}")
    return (table[:, :64] / 16.0).reshape(-1, 8, 8), table[:, 64].astype(np.int64)


class DigitSplit(NamedTuple):
    """Indices of the training and held-out images: disjoint, together all of them, sorted."""

    train: np.ndarray
    test: np.ndarray


def split_digits(y: np.ndarray, n_test: int = 597, seed: int = 0) -> DigitSplit:
    """Split the images at random into training and held-out indices, class by class.

    Each digit keeps its share in both parts (a stratified split: the classes are as balanced in
    the held-out part as in the whole); which images are held out depends on ``seed`` only.

    Parameters
    ----------
    y : numpy.ndarray of int, shape (N,)
        The labels (:func:`load_digit_rows`), 0..9.
    n_test : int
        Held-out images, 1 <= n_test < N.
    seed : int
        Seed of the split (not of any model).
    """
    y = check_int_array("y", y, "(N,)", high=10)
    check_int("n_test", n_test, minimum=1, maximum=len(y) - 1)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    # rank each image within its class in [0, 1), then take the lowest ranks of all classes
    rank = np.empty(len(y))
    for c in np.unique(y):
        members = order[y[order] == c]
        rank[members] = (np.arange(len(members)) + rng.random()) / len(members)
    by_rank = np.argsort(rank, kind="stable")
    return DigitSplit(train=np.sort(by_rank[n_test:]), test=np.sort(by_rank[:n_test]))
