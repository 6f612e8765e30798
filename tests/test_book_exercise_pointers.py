"""Every chapter points to its graded exercises, as exercises/README.md assigns them, or says it
has none (the preface: "each chapter ends with a pointer to its exercise, or says that it has
none")."""

from __future__ import annotations

import re

import pytest

from tests.test_book_facts import ROOT, _read, chapters, companion_pages

#: Exercises whose page is still being written: skipped only while no page names them.
PENDING = {"ex16_bleu": "its page 13d (search and BLEU) has not landed"}
_NONE = re.compile(r"no (separate )?(graded )?exercise|no exercise of its own", re.I)


def assignments(readme: str) -> dict[str, list[str]]:
    """Exercise -> the chapter numbers its README row names ("9 LSTM, 4 BPTT" -> ["9", "4"])."""
    out = {}
    for name, where in re.findall(r"^\| `(ex\d\d_\w+)` \| ([^|]+) \|", readme, re.M):
        out[name] = re.findall(r"(?:^|, )(\d+[a-z]?) ", where)
    return out


def pages_of(number: str) -> list[str]:
    """The pages of chapter ``number`` ("13" -> 13, 13b, 13c, ...; "13c" -> 13c only)."""
    n, letter = re.fullmatch(r"(\d+)([a-z]?)", number).groups()
    prefix = f"book/{int(n):02d}{letter}"
    return [p for p in chapters() + companion_pages() if p.startswith(prefix)]


def check_pointers(readme: str, read=_read) -> list[str]:
    """Each exercise named by a page of a chapter its README row gives; errors otherwise."""
    errors = []
    for name, numbers in assignments(readme).items():
        pages = [p for n in numbers for p in pages_of(n)]
        if not pages:
            errors.append(f"{name}: README names chapter(s) {numbers}, no such page in _toc.yml")
        elif not any(f"exercises/{name}" in read(f"{p}.md") for p in pages):
            errors.append(f"{name}: none of {pages} points to it (README: chapter {numbers})")
    return errors


def check_every_page_says(pages: list[str], read=_read) -> list[str]:
    """Each page names a graded exercise or says it has none."""
    return [
        f"{p}.md names no graded exercise and does not say it has none"
        for p in pages
        if not re.search(r"exercises/ex\d\d_", read(f"{p}.md"))
        and not _NONE.search(read(f"{p}.md"))
    ]


def test_the_readme_assigns_every_exercise_to_a_chapter():
    found = assignments(_read("exercises/README.md"))
    on_disk = {p.stem for p in (ROOT / "exercises").glob("ex[0-9][0-9]_*.md")}
    assert set(found) == on_disk
    assert all(found.values()), found


def test_every_exercise_is_pointed_to_by_its_chapter():
    errors = check_pointers(_read("exercises/README.md"))
    pending = [e for e in errors if e.split(":")[0] in PENDING]
    assert [e for e in errors if e not in pending] == []
    if pending:
        pytest.skip("; ".join(f"{e} ({PENDING[e.split(':')[0]]})" for e in pending))


def test_every_page_names_its_exercise_or_says_it_has_none():
    assert check_every_page_says(chapters() + companion_pages()) == []


def test_planted_missing_pointer_fails():
    readme = _read("exercises/README.md")
    chapter6 = _read("book/06_language_models.md")

    def planted(rel: str) -> str:  # chapter 6 without its pointer to exercise 17
        text = _read(rel)
        return (
            text.replace("exercises/ex17_embedding_backward", "the exercise")
            if rel == ("book/06_language_models.md")
            else text
        )

    assert "exercises/ex17_embedding_backward" in chapter6
    assert any(e.startswith("ex17_embedding_backward:") for e in check_pointers(readme, planted))
    moved = readme.replace("| `ex15_ctc_forward` | 13c CTC |", "| `ex15_ctc_forward` | 13b CTC |")
    assert any(e.startswith("ex15_ctc_forward:") for e in check_pointers(moved))


def test_planted_page_without_exercise_statement_fails():
    def planted(rel: str) -> str:
        return "# A page\n\nText without any pointer.\n"

    assert check_every_page_says(["book/05b_forecasting"], planted) != []
