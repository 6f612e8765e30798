"""Every chapter writes gates and weights in the symbols of chapter 2's notation table.

Chapter 2 (``book/02_notation.md``) promises one notation for the whole book: row vectors, the
matrix on the right, and one name per quantity (``W_x``, ``W_h``, ``W_{x,k}``, ``i_t, f_t, g_t,
o_t``, ``c_t``, ``r_t, z_t, n_t``). Its table also lists the other dialects' names, the lecture
notes' and the literature's. Those names may appear in a chapter only inside a side note that says
it gives a mapping:

* a directive block (``:::{admonition} ...``, ``:::{note}``, ``{sidebar}``, ``{margin}``, ...)
  whose title or ``:class:`` contains the word "notation" (e.g. ``:::{admonition} Notation: the
  notes' form`` or a question with ``:class: dropdown notation``), or
* a ``{list-table}`` with ``:class: notation-table`` (chapter 2's dictionary itself).

Everywhere else (prose, displayed and inline maths, figure titles and code comments) the patterns
in ``FORBIDDEN`` fail the test, with the chapter, the line and the book's symbol to use instead.
The table is read, not copied: every alternative name it lists must either be caught by a
pattern here or be one of the few letters the book reuses for something else (``REUSED``), so a
name added to the table forces a decision here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTATION = BOOK / "02_notation.md"
CHAPTERS = sorted(p for p in BOOK.glob("*.md") if p.name[0].isdigit() or p.stem == "preface")

# pattern -> what the book writes instead. Decided from chapter 2's table and the 2026-12 review.
FORBIDDEN: dict[str, str] = {
    r"\\Gamma|Γ": "the notes' gates Γ: write i_t, f_t, o_t (LSTM) or r_t, z_t (GRU)",
    r"\\langle|⟨": "the notes' time index x^<t>: write x_t, h_t (subscript t)",
    r"W_\{(aa|ax|ay|ya|xh|hx|hh|hy|ih)\}": "W_x, W_h, W_y (row vectors, chapter 2)",
    r"W_\{?(\\text|\\mathrm)?\{?rec\}?": "W_h for the recurrent matrix",
    r"\\tilde\s*\{?\s*[cChH](?![A-Za-z])|[cChH]\u0303": "the candidate: g_t (LSTM) or n_t (GRU)",
    r"(?<![\w\\])b_[ah](?![\w{])": "b for the hidden bias (b^h_k: the GRU's hidden-side bias)",
    r"\\sigma_h": "tanh (or g) for the hidden activation",
    r"W_\{?[cfiorugnz]\}?(?![\w{,])": "W_{x,k} and W_{h,k} for the weights of gate k",
    r"\[[^\]\n]*h_\{t-1\}[^\]\n]*;\s*(\\[,;!]\s*)*x_t\s*\]": (
        "the column stack [h_{t-1}; x_t]: write the row [h_{t-1}, x_t] times W"
    ),
    r"W_[xh]\s*(\\[,;!]\s*)*(x_t|h_\{t-1\})": "x_t W_x and h_{t-1} W_h (matrix on the right)",
}

# Names in the table's other columns that the book itself uses for something else: a single
# letter, or one of its own symbols, so they cannot be forbidden everywhere.
REUSED = {
    "x_t",
    "h_t",
    "h_0",
    "s_t",
    "o_t",  # o_t: the LSTM's output gate; s_t: scores, decoder state
    "U",
    "W",
    "V",
    "J",
    "E_t",
    "g",
    "b_y",
    "C_t",  # W: the stacked weights; V: vocabulary size
    "W_k",
    "U_k",
    "W_{xk}",
    "W_{hk}",  # per-gate letters of the literature (k is a placeholder)
    "W_a",  # the notes' stacked weights, but also the attention weights of chapter 13
    "\\mathcal{L}",  # the notes' total loss; harmless next to the book's L
}

_FENCE = re.compile(r"^(?P<fence>:{3,}|`{3,})\s*\{(?P<name>[\w-]+)\}(?P<title>.*)$")


def _exempt_lines(lines: list[str]) -> list[bool]:
    """True for each line inside a side note that gives a notation mapping."""
    exempt = [False] * len(lines)
    stack: list[tuple[str, bool]] = []  # (closing fence, is a notation block)
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if stack and line.strip() == stack[-1][0]:
            exempt[i] = any(is_note for _, is_note in stack)
            stack.pop()
            i += 1
            continue
        m = _FENCE.match(line.strip())
        if m:
            options = []
            j = i + 1
            while (
                j < len(lines)
                and lines[j].strip().startswith(":")
                and not _FENCE.match(lines[j].strip())
            ):
                options.append(lines[j].strip())
                j += 1
            header = (m["title"] + " " + " ".join(options)).lower()
            is_note = "notation" in header and m["name"] != "code-cell"
            stack.append((m["fence"], is_note))
        exempt[i] = any(is_note for _, is_note in stack)
        i += 1
    return exempt


def violations(text: str) -> list[tuple[int, str, str]]:
    """(line number, offending text, what to write instead) outside notation side notes."""
    lines = text.splitlines()
    exempt = _exempt_lines(lines)
    found = []
    for n, (line, skip) in enumerate(zip(lines, exempt, strict=True), start=1):
        if skip:
            continue
        for pattern, instead in FORBIDDEN.items():
            for m in re.finditer(pattern, line):
                found.append((n, m.group(0), instead))
    return found


def _table_cells(text: str, name: str) -> list[list[str]]:
    """The rows of the MyST list-table ``:name: name`` as lists of cell strings."""
    block = text.split(f":name: {name}\n", 1)[1].split("\n```", 1)[0]
    rows: list[list[str]] = []
    for line in block.splitlines():
        if line.startswith("* - "):
            rows.append([line[4:].strip()])
        elif line.startswith("  - ") and rows:
            rows[-1].append(line[4:].strip())
    return rows


def _split_top(math: str) -> list[str]:
    """Split maths at commas, semicolons and '=' that are not inside braces."""
    parts, depth, cur = [], 0, ""
    for ch in math:
        depth += ch in "{[("
        depth -= ch in "}])"
        if depth == 0 and ch in ",;=":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip() for p in parts + [cur] if p.strip()]


def _symbols(cell: str) -> set[str]:
    """Symbols named in a table cell (shapes such as H \\times D and 1 - z_t left out)."""
    out = set()
    for math in re.findall(r"\$([^$]+)\$", cell):
        for token in _split_top(math):
            token = re.sub(r"^e\.g\.\s*", "", token)
            if "\\times" in token or re.search(r"\d\s*-", token) or token in {"H", "V", "D"}:
                continue
            token = re.sub(r"\^\{?\\top\}?$", "", token).strip()
            out.add(token)
    return out


def table() -> dict[str, dict[str, set[str]]]:
    """Chapter 2's notation table: quantity -> {"book", "notes", "other"} -> symbols."""
    rows = _table_cells(NOTATION.read_text(encoding="utf-8"), "notation-table")
    header, body = rows[0], rows[1:]
    assert header == ["Quantity", "This book", "Lecture notes", "Other common names"], header
    return {
        r[0]: {"book": _symbols(r[1]), "notes": _symbols(r[2]), "other": _symbols(r[3])}
        for r in body
    }


def test_the_table_defines_the_symbols_the_checker_assumes():
    t = table()
    assert {"W_x", "W_h"} <= t["input-to-hidden weights"]["book"] | t["hidden-to-hidden weights"][
        "book"
    ]
    assert {"i_t", "f_t", "g_t", "o_t", "c_t"} <= {
        s for sym in t["LSTM gates"]["book"] for s in re.split(r"\s+|cell", sym) if s
    }
    assert {"r_t", "z_t", "n_t"} <= t["GRU gates"]["book"]
    assert {"W_{x,k}", "W_{h,k}", "b_k"} <= t["weights of gate $k$"]["book"] | {
        s for sym in t["weights of gate $k$"]["book"] for s in sym.split(":")
    }


def test_every_alternative_name_in_the_table_is_forbidden_or_reused():
    # The table's other dialects are what the chapters must not use outside a side note.
    undecided = []
    for quantity, cols in table().items():
        for symbol in cols["notes"] | cols["other"]:
            if symbol in cols["book"] or symbol in REUSED:
                continue
            if not any(re.search(p, f"${symbol}$") for p in FORBIDDEN):
                undecided.append((quantity, symbol))
    assert not undecided, f"names in chapter 2's table that no pattern catches: {undecided}"


def test_the_book_symbols_themselves_are_allowed():
    book = {s for cols in table().values() for s in cols["book"]}
    clean = "\n".join(f"${s}$" for s in book) + (
        "\n$h_t = \\tanh(x_t W_x + h_{t-1} W_h + b)$, $[h_{t-1},\\, x_t] W$, $W_{x,z}$, $b^h_n$"
    )
    assert violations(clean) == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_uses_the_notation_of_chapter_2(chapter: Path):
    found = violations(chapter.read_text(encoding="utf-8"))
    report = "\n".join(f"  {chapter.name}:{n}: {hit!r} -> {instead}" for n, hit, instead in found)
    assert not found, (
        f"symbols outside chapter 2's notation (or outside a Notation side note):\n{report}"
    )


# ------------------------------------------------------------------ the checker catches a plant
PLANTS = [
    r"The update gate $\Gamma_u$ decides.",
    "# Γi ⊙ c̃ for one step",
    r"$$h_t = \tanh(W_{hh} h_{t-1} + W_{xh} x_t)$$",
    r"the candidate $\tilde h_t$ is",
    r"the notes' $\tilde C_t$",
    r"$a^{\langle t \rangle}$",
    r"$W_\text{rec}$ has radius",
    r"$\Gamma_u = \sigma(W_u\,[h_{t-1};\,x_t] + b_u)$",
    r"$z_t = \sigma(x_t W_z + b_z)$",
    r"$h_0 = \tanh(W_h h_{t-1})$",
    r"bias $b_a$",
]


@pytest.mark.parametrize("plant", PLANTS)
def test_a_planted_violation_fails_a_clean_chapter(plant: str):
    text = (BOOK / "03_rnn_model.md").read_text(encoding="utf-8")
    assert violations(text) == []  # the host chapter is clean before the plant
    planted = text.replace("## Folded and unrolled", f"{plant}\n\n## Folded and unrolled", 1)
    assert planted != text
    assert violations(planted), plant


@pytest.mark.parametrize("plant", PLANTS)
def test_the_same_names_pass_inside_a_notation_side_note(plant: str):
    note = f":::{{admonition}} Notation: the notes' form\n:class: note\n{plant}\n:::\n"
    question = f":::{{admonition}} 5. A question\n:class: dropdown notation\n{plant}\n:::\n"
    other = f":::{{admonition}} In the package\n:class: tip\n{plant}\n:::\n"
    assert violations(note) == []
    assert violations(question) == []
    assert violations(other), "a side note not labelled Notation gives no exemption"


def test_a_notation_block_ends_where_its_fence_closes():
    text = (
        "::::{admonition} Notation: nested\n:class: note\n:::{math}\nx\n:::\n$\\Gamma_r$\n::::\n"
        "after the note: $\\Gamma_r$\n"
    )
    assert [n for n, *_ in violations(text)] == [8]
