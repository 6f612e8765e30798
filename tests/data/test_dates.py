import datetime as dt

import numpy as np
import pytest

from rnncourse.data.dates import (
    DATE_STYLES,
    SOURCE_VOCAB,
    TARGET_VOCAB,
    date_pairs,
    encode_pairs,
    format_date,
    split_dates,
)

D = dt.date(1979, 5, 3)  # a Thursday


@pytest.mark.parametrize(
    ("style", "text"),
    [
        ("en_day_month", "3 may 1979"),
        ("en_month_day", "may 3, 1979"),
        ("en_long", "thursday, may 3, 1979"),
        ("en_ordinal", "the 3rd of may 1979"),
        ("en_year_first", "1979 may 3rd"),
        ("en_short", "thu 3 may 79"),
        ("us_numeric", "05/03/79"),
        ("eu_dotted", "03.05.1979"),
        ("compact", "19790503"),
        ("fr_long", "jeudi 3 mai 1979"),
        ("fr_short", "le 3 mai 1979"),
        ("de_long", "donnerstag, 3. mai 1979"),
        ("de_short", "3. mai 79"),
    ],
)
def test_every_style_writes_the_date(style, text):
    assert format_date(D, style) == text


def test_all_styles_are_tested_and_ordinals_are_right():
    assert len(DATE_STYLES) == 13
    got = [format_date(dt.date(2001, 1, d), "en_ordinal").split()[1] for d in (1, 2, 3, 11, 12, 22)]
    assert got == ["1st", "2nd", "3rd", "11th", "12th", "22nd"]


def test_split_is_disjoint_complete_and_seeded():
    train, held = split_dates(0.2, seed=0)
    assert len(train) + len(held) == (dt.date(2049, 12, 31) - dt.date(1950, 1, 1)).days + 1
    assert not set(train) & set(held)
    assert abs(len(held) / (len(train) + len(held)) - 0.2) < 1e-4
    assert split_dates(0.2, seed=0)[1] == held
    assert split_dates(0.2, seed=1)[1] != held


def test_pairs_target_is_the_iso_form_of_the_source_dates():
    train, _ = split_dates()
    rng = np.random.default_rng(0)
    pairs = date_pairs(train, 300, rng)
    train_days = set(train)
    for src, tgt in pairs:
        days = [dt.date.fromisoformat(x) for x in tgt.split(" ")]
        parts = src.split(" and ")
        assert len(parts) == len(days)
        for part, day in zip(parts, days, strict=True):
            assert day in train_days
            assert part in {f(day) for f in DATE_STYLES.values()}
    assert {len(t.split(" ")) for _, t in pairs} == {1, 2, 3}


def test_encode_pairs_pads_and_ends_with_eos():
    enc = encode_pairs([("3 may 1979", "1979-05-03"), ("19790503", "1979-05-03")])
    assert enc["src"].shape == (2, 10)
    assert enc["src_len"].tolist() == [10, 8]
    assert enc["src"][1, 8:].tolist() == [0, 0]
    assert enc["tgt_len"].tolist() == [11, 11]
    assert (enc["tgt"][:, 10] == 2).all()
    assert SOURCE_VOCAB.decode(enc["src"][0]) == "3 may 1979"
    assert TARGET_VOCAB.decode(enc["tgt"][0], skip_special=True) == "1979-05-03"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="style"):
        format_date(D, "klingon")
    with pytest.raises(ValueError, match="date"):
        format_date(dt.date(1900, 1, 1), "compact")
    with pytest.raises(ValueError, match="n_dates"):
        date_pairs([D], 3, np.random.default_rng(0), n_dates=(3, 1))
    with pytest.raises(ValueError, match="outside"):
        encode_pairs([("3 may 1979!", "1979-05-03")])
