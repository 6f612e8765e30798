"""A real-valued time series for forecasting: the yearly sunspot numbers, split by time, windowed.

The series is the one statsmodels ships (``statsmodels.datasets.sunspots``, 1700-2008, yearly
means), read straight from the CSV file in its wheel so that pandas is not imported. The split is
by time, never shuffled: the model is fitted on the early years, tuned on the next and scored on
the last. Normalisation statistics come from the training years alone (:func:`fit_normaliser`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rnncourse._validation import check_float_array, check_int

__all__ = [
    "SeriesSplit",
    "Normaliser",
    "load_sunspots",
    "split_by_time",
    "fit_normaliser",
    "make_windows",
]


def _sunspots_csv() -> Path:
    spec = importlib.util.find_spec("statsmodels")  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the sunspot series needs statsmodels: pip install 'rnncourse[forecast]'")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets/sunspots/sunspots.csv"


def load_sunspots() -> tuple[np.ndarray, np.ndarray]:
    """Load the yearly sunspot numbers that statsmodels ships.

    Returns
    -------
    years : numpy.ndarray of int64, shape (L,)
        1700, 1701, ..., 2008 (L = 309).
    values : numpy.ndarray of float64, shape (L,)
        The yearly mean sunspot number of each year.
    """
    table = np.loadtxt(_sunspots_csv(), delimiter=",", skiprows=1)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.float64)


class SeriesSplit(NamedTuple):
    """Index ranges of a series split by time: ``train`` < ``valid`` < ``test``.

    Each field is a ``slice`` into the full series; ``valid_start`` and ``test_start`` are the
    first indices of the validation and test parts.
    """

    train: slice
    valid: slice
    test: slice

    @property
    def valid_start(self) -> int:
        """First index of the validation part."""
        return self.valid.start

    @property
    def test_start(self) -> int:
        """First index of the test part."""
        return self.test.start


def split_by_time(years: np.ndarray, valid_from: int, test_from: int) -> SeriesSplit:
    """Split a yearly series into training, validation and test years, in time order.

    Parameters
    ----------
    years : numpy.ndarray of int, shape (L,)
        Strictly increasing years.
    valid_from, test_from : int
        First validation year and first test year; each part must hold at least one year.

    Returns
    -------
    SeriesSplit
        ``train`` = years before ``valid_from``, ``valid`` = ``[valid_from, test_from)``,
        ``test`` = from ``test_from`` on.
    """
    years = np.asarray(years)
    if years.ndim != 1 or years.size < 3 or np.any(np.diff(years) <= 0):
        raise ValueError(
            f"years must be a strictly increasing (L,) array with L >= 3, got shape {years.shape}"
        )
    if not years[0] < valid_from < test_from <= years[-1]:
        raise ValueError(
            f"need {years[0]} < valid_from < test_from <= {years[-1]}, "
            f"got valid_from={valid_from}, test_from={test_from}"
        )
    v = int(np.searchsorted(years, valid_from))
    t = int(np.searchsorted(years, test_from))
    return SeriesSplit(slice(0, v), slice(v, t), slice(t, years.size))


class Normaliser(NamedTuple):
    """Affine normalisation ``z = (x - mean) / std`` with statistics from the training years."""

    mean: float
    std: float

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Return ``(x - mean) / std``."""
        return (np.asarray(x, dtype=np.float64) - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Return ``z * std + mean`` (back to the series' units)."""
        return np.asarray(z, dtype=np.float64) * self.std + self.mean


def fit_normaliser(values: np.ndarray, split: SeriesSplit) -> Normaliser:
    """Fit the normalisation on the training years of ``values`` only.

    Parameters
    ----------
    values : numpy.ndarray of float, shape (L,)
        The whole series.
    split : SeriesSplit
        From :func:`split_by_time`; only ``values[split.train]`` is read.

    Returns
    -------
    Normaliser
        Mean and standard deviation of the training years.
    """
    check_float_array("values", values, "(L,)")
    train = values[split.train]
    std = float(train.std())
    if train.size < 2 or std == 0.0:
        raise ValueError(f"the training years must vary, got {train.size} values with std {std}")
    return Normaliser(float(train.mean()), std)


def make_windows(
    series: np.ndarray, T: int, first_target: int = 0, last_target: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut a series into (window of T past values, next value) pairs.

    Parameters
    ----------
    series : numpy.ndarray of float, shape (L,)
        The (normalised) series.
    T : int
        Window length (T >= 1).
    first_target, last_target : int, optional
        Targets are ``series[t]`` for ``max(T, first_target) <= t < last_target``
        (default ``L``): the windows may reach back before ``first_target`` (observed values),
        the targets never leave the range.

    Returns
    -------
    x : numpy.ndarray, shape (N, T, 1)
        ``x[n, :, 0] = series[t - T : t]``.
    y : numpy.ndarray, shape (N,)
        ``y[n] = series[t]``.
    t : numpy.ndarray of int64, shape (N,)
        The index of each target.
    """
    check_float_array("series", series, "(L,)")
    L = series.shape[0]
    T = check_int("T", T, minimum=1)
    last = L if last_target is None else check_int("last_target", last_target, 1, maximum=L)
    first = max(T, check_int("first_target", first_target, minimum=0))
    if first >= last:
        raise ValueError(
            f"no window: targets must satisfy max(T, first_target) = {first} <= t < "
            f"last_target = {last} for a series of length L = {L} and T = {T}"
        )
    t = np.arange(first, last, dtype=np.int64)
    x = series[t[:, None] - T + np.arange(T)][:, :, None]
    return x, series[t], t
