r"""Human-written dates to ISO dates: a translation task made by the package, no download.

A *source* is one to three dates written the way people write them, in English, French or German
phrasing ("3 may 1979", "thursday, may 3, 1979", "05/03/79", "le 3 mai 1979", "3. mai 1979",
"1979 may 3rd", ...), joined by " and "; its *target* is the same dates in ISO form, joined by a
space ("1979-05-03"). More dates make a longer source and a longer target, so the task has long
inputs on which a decoder that only sees one summary vector runs out of room.

Split by date: every calendar day between 1950 and 2049 goes either to the training side or to the
held-out side (:func:`split_dates`), so a held-out example never contains a date seen in training.
Two-digit years follow the pivot rule 50-99 -> 19xx, 00-49 -> 20xx; numeric day/month order is
fixed by the style (``us_numeric`` is month/day, ``eu_dotted`` is day.month), never guessed.

Ids come from two fixed :class:`~rnncourse.data.vocab.CharVocab`\ s (``<PAD>`` = 0, ``<EOS>`` = 2);
the target ends with ``<EOS>``, which the decoder also reads as its start token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

from rnncourse._validation import as_generator, check_choice, check_int, check_positive
from rnncourse.data.vocab import PAD_ID, SPECIALS, CharVocab

__all__ = [
    "DATE_STYLES",
    "SOURCE_VOCAB",
    "TARGET_VOCAB",
    "format_date",
    "split_dates",
    "date_pairs",
    "encode_pairs",
]

FIRST_DAY, LAST_DAY = dt.date(1950, 1, 1), dt.date(2049, 12, 31)

_MONTHS = {
    "en": "january february march april may june july august september october november december",
    "fr": "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre",
    "de": "januar februar marz april mai juni juli august september oktober november dezember",
}
_MONTHS = {k: v.split() for k, v in _MONTHS.items()}
_DAYS = {
    "en": "monday tuesday wednesday thursday friday saturday sunday".split(),
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche".split(),
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag".split(),
}


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month(d: dt.date, lang: str = "en") -> str:
    return _MONTHS[lang][d.month - 1]


def _weekday(d: dt.date, lang: str = "en") -> str:
    return _DAYS[lang][d.weekday()]


# One function per way of writing a date; the name says the locale and the shape.
DATE_STYLES: dict[str, Callable[[dt.date], str]] = {
    "en_day_month": lambda d: f"{d.day} {_month(d)} {d.year}",
    "en_month_day": lambda d: f"{_month(d)} {d.day}, {d.year}",
    "en_long": lambda d: f"{_weekday(d)}, {_month(d)} {d.day}, {d.year}",
    "en_ordinal": lambda d: f"the {_ordinal(d.day)} of {_month(d)} {d.year}",
    "en_year_first": lambda d: f"{d.year} {_month(d)} {_ordinal(d.day)}",
    "en_short": lambda d: f"{_weekday(d)[:3]} {d.day} {_month(d)[:3]} {d.year % 100:02d}",
    "us_numeric": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}",
    "eu_dotted": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "compact": lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    "fr_long": lambda d: f"{_weekday(d, 'fr')} {d.day} {_month(d, 'fr')} {d.year}",
    "fr_short": lambda d: f"le {d.day} {_month(d, 'fr')} {d.year}",
    "de_long": lambda d: f"{_weekday(d, 'de')}, {d.day}. {_month(d, 'de')} {d.year}",
    "de_short": lambda d: f"{d.day}. {_month(d, 'de')[:3]} {d.year % 100:02d}",
}
_JOIN = " and "

_SOURCE_CHARS = sorted(
    set("".join(" ".join(v) for v in (*_MONTHS.values(), *_DAYS.values())))
    | set("0123456789 ,./")
    | set(_JOIN)
)
SOURCE_VOCAB = CharVocab(list(SPECIALS) + _SOURCE_CHARS)
TARGET_VOCAB = CharVocab(list(SPECIALS) + sorted(set("0123456789- ")))


def format_date(date: dt.date, style: str) -> str:
    """Write ``date`` in one of :data:`DATE_STYLES`.

    Examples
    --------
    >>> import datetime as dt
    >>> format_date(dt.date(1979, 5, 3), "en_year_first")
    '1979 may 3rd'
    >>> format_date(dt.date(1979, 5, 3), "us_numeric")
    '05/03/79'
    """
    check_choice("style", style, DATE_STYLES)
    if not isinstance(date, dt.date) or not FIRST_DAY <= date <= LAST_DAY:
        raise ValueError(f"date must be a datetime.date in [{FIRST_DAY}, {LAST_DAY}], got {date!r}")
    return DATE_STYLES[style](date)


def split_dates(held_out_fraction: float = 0.2, seed: int = 0) -> tuple[list, list]:
    """Split every day of 1950-2049 into training and held-out days (disjoint, seeded).

    Returns
    -------
    train, held_out : list of datetime.date
    """
    check_positive("held_out_fraction", held_out_fraction)
    if not held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must be in (0, 1), got {held_out_fraction}")
    n_days = (LAST_DAY - FIRST_DAY).days + 1
    order = np.random.default_rng(seed).permutation(n_days)
    n_held = int(round(held_out_fraction * n_days))
    days = [FIRST_DAY + dt.timedelta(days=int(i)) for i in order]
    return sorted(days[n_held:]), sorted(days[:n_held])


def date_pairs(
    dates: Sequence[dt.date],
    n: int,
    rng: np.random.Generator | int | None,
    n_dates: int | tuple[int, int] = (1, 3),
    styles: Sequence[str] | None = None,
) -> list[tuple[str, str]]:
    """``n`` (source, target) string pairs drawn from ``dates``.

    Parameters
    ----------
    dates : sequence of datetime.date
        The days to draw from (one side of :func:`split_dates`).
    n : int
        Number of pairs.
    rng : numpy.random.Generator, int or None
        Read by :func:`rnncourse._validation.as_generator`: a generator goes on with its stream,
        an int seeds one, None draws fresh entropy.
    n_dates : int or (lo, hi)
        Dates per example: exactly that many, or uniform in ``lo .. hi`` inclusive.
    styles : sequence of str, optional
        Styles to draw from (default: all of :data:`DATE_STYLES`), independently for each date.

    Returns
    -------
    list of (str, str)
    """
    rng = as_generator(rng)
    n = check_int("n", n)
    lo, hi = (n_dates, n_dates) if isinstance(n_dates, int) else tuple(n_dates)
    if not 1 <= lo <= hi:
        raise ValueError(f"n_dates must be >= 1 (or lo <= hi), got {n_dates!r}")
    if len(dates) == 0:
        raise ValueError("dates must not be empty")
    styles = list(DATE_STYLES) if styles is None else list(styles)
    for s in styles:
        if s not in DATE_STYLES:
            raise ValueError(f"styles must be among {sorted(DATE_STYLES)}, got {s!r}")
    pairs = []
    for _ in range(int(n)):
        k = int(rng.integers(lo, hi + 1))
        chosen = [dates[int(i)] for i in rng.integers(0, len(dates), size=k)]
        src = _JOIN.join(format_date(d, styles[int(rng.integers(len(styles)))]) for d in chosen)
        pairs.append((src, " ".join(d.isoformat() for d in chosen)))
    return pairs


def encode_pairs(pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """Pad pairs into id arrays.

    Returns
    -------
    dict with
        ``src`` (N, S) int64, padded with ``<PAD>`` = 0; ``src_len`` (N,) int64;
        ``tgt`` (N, T) int64, each row the target ids then ``<EOS>``, padded with 0;
        ``tgt_len`` (N,) int64 (including the ``<EOS>``).
    """
    if len(pairs) == 0:
        raise ValueError("pairs must not be empty")
    src = [SOURCE_VOCAB.encode(s) for s, _ in pairs]
    tgt = [TARGET_VOCAB.encode(t, add_eos=True) for _, t in pairs]
    for (s, t), ids_s, ids_t in zip(pairs, src, tgt, strict=True):
        if (ids_s == 1).any() or (ids_t == 1).any() or len(ids_s) == 0:
            raise ValueError(f"pair has characters outside the date vocabularies: {(s, t)!r}")
    return {
        "src": _pad(src),
        "src_len": np.array([len(x) for x in src], dtype=np.int64),
        "tgt": _pad(tgt),
        "tgt_len": np.array([len(x) for x in tgt], dtype=np.int64),
    }


def _pad(rows: list[np.ndarray]) -> np.ndarray:
    out = np.full((len(rows), max(len(r) for r in rows)), PAD_ID, dtype=np.int64)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out
