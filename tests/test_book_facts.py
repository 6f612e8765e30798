"""The counts and lists that the README, the preface and the exercises page state match the tree.

What is counted comes from the tree itself: the chapters from ``_toc.yml`` (``book/NN_*.md``; the
companion pages ``book/NNb_*.md`` apart), the exercises from ``exercises/ex*.md`` (their titles
from each notebook's first heading), what ``make lab`` does from the Makefile and the ``lab``
extra of ``pyproject.toml``. Each check is a function that returns the list of disagreements, so
that a planted wrong count can be shown to fail it.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}


def _read(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


def _number(word: str) -> int | None:
    word = word.lower()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def toc_files(node: object = None) -> list[str]:
    """Every ``file:`` of ``_toc.yml`` (and its root), in order."""
    if node is None:
        toc = yaml.safe_load(_read("_toc.yml"))
        return [toc["root"], *toc_files(toc.get("parts", []))]
    if isinstance(node, dict):
        here = [node["file"]] if "file" in node else []
        return here + [f for k, v in node.items() if k != "file" for f in toc_files(v)]
    if isinstance(node, list):
        return [f for v in node for f in toc_files(v)]
    return []


def chapters() -> list[str]:
    """The numbered chapters in the table of contents: book/NN_name."""
    return [f for f in toc_files() if re.fullmatch(r"book/\d\d_\w+", f)]


def companion_pages() -> list[str]:
    return [f for f in toc_files() if re.fullmatch(r"book/\d\db_\w+", f)]


def exercises() -> list[Path]:
    return sorted((ROOT / "exercises").glob("ex[0-9][0-9]_*.md"))


def exercise_title(path: Path) -> str:
    """'The RNN step ...' from the notebook's '# Exercise 1: the RNN step ...'."""
    head = next(
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# ")
    )
    m = re.fullmatch(r"# Exercise (\d+): (.+)", head.strip())
    assert m, f"{path.name}: first heading {head!r} is not 'Exercise N: title'"
    assert int(m[1]) == int(path.name[2:4]), f"{path.name}: heading says exercise {m[1]}"
    return m[2]


# ------------------------------------------------------------------------------------ checks
def check_readme(text: str) -> list[str]:
    errors = []
    book = re.search(
        r"- \*\*The book\*\* \(`book/`\): (\w+) chapters (.*?), with (\w+) companion", text, re.S
    )
    if not book:
        return ["README: the 'The book' bullet no longer states 'N chapters ..., with M companion'"]
    if _number(book[1]) != len(chapters()):
        errors.append(f"README says {book[1]} chapters, _toc.yml has {len(chapters())}")
    if _number(book[3]) != len(companion_pages()):
        errors.append(
            f"README says {book[3]} companion pages, _toc.yml has {len(companion_pages())}"
        )
    ex = re.search(r"- \*\*Exercises\*\* \(`exercises/`.*?\): (\w+) graded notebooks", text)
    if not ex or _number(ex[1]) != len(exercises()):
        errors.append(f"README's exercise count {ex and ex[1]!r} is not {len(exercises())}")
    learners = text.split("## For learners", 1)[-1].split("\n## ", 1)[0]
    if "make lab" not in learners:
        errors.append("README's 'For learners' no longer starts JupyterLab with `make lab`")
    return errors


def check_preface(text: str) -> list[str]:
    errors = []
    m = re.search(r"(\w+) graded exercises, `exercises/(ex\w+)` to\s+`exercises/(ex\w+)`", text)
    names = [p.stem for p in exercises()]
    if not m:
        return ["preface: 'N graded exercises, `exercises/first` to `exercises/last`' not found"]
    if _number(m[1]) != len(names):
        errors.append(f"preface says {m[1]} exercises, exercises/ holds {len(names)}")
    if (m[2], m[3]) != (names[0], names[-1]):
        errors.append(f"preface names {m[2]} to {m[3]}, exercises/ runs {names[0]} to {names[-1]}")
    organised = text.split("## How the book is organised", 1)[-1].split("\n## ", 1)[0]
    said = {
        int(n)
        for group in re.findall(r"[Cc]hapters? ((?:\d+(?:, | and | to )?)+)", organised)
        for n in re.findall(r"\d+", group)
    }
    numbered = set(range(1, len(chapters()) + 1))
    if said != numbered:
        errors.append(
            f"preface's organisation names chapters {sorted(said)}, the book has 1-{len(numbered)}"
        )
    if "`make lab`" not in text:
        errors.append("preface no longer says how to start JupyterLab (`make lab`)")
    return errors


def check_exercises_page(text: str) -> list[str]:
    rows = re.findall(
        r"<tr><td>(\d+)</td><td>(.*?)</td><td><a href=\"\.\./_downloads/exercises/(\w+)\.ipynb\" "
        r"download><code>(\w+)\.ipynb</code></a></td></tr>",
        text,
    )
    want = [(str(i), exercise_title(p), p.stem, p.stem) for i, p in enumerate(exercises(), 1)]
    got = [(n, title, href, shown) for n, title, href, shown in rows]
    errors = []
    if len(got) != len(want):
        errors.append(f"exercises page lists {len(got)} exercises, exercises/ holds {len(want)}")
    for g, w in zip(got, want, strict=False):
        if (g[0], g[1].lower(), g[2], g[3]) != (w[0], w[1].lower(), w[2], w[3]):
            errors.append(f"exercises page row {g} differs from the notebook: {w}")
    return errors


def check_make_lab(makefile: str, pyproject: dict) -> list[str]:
    """What the README and the preface say `make lab` does: sets up .venv (with JupyterLab, its
    MyST renderer and Jupytext) and starts JupyterLab on the repository with the venv on PATH."""
    errors = []
    m = re.search(r"^lab: (.*)\n((?:\t.*\n?)+)", makefile, re.M)
    if not m:
        return ["Makefile has no `lab:` target"]
    prerequisites, recipe = m[1].split(), m[2]
    if "setup" not in prerequisites:
        errors.append("`make lab` no longer sets up .venv first (its target lost `setup`)")
    if "-m rnncourse.lab.launch" not in recipe:
        errors.append("`make lab` no longer starts JupyterLab through rnncourse.lab.launch")
    # what the launcher does (tests/test_lab.py and the browser test check it in a real server)
    from rnncourse.lab.launch import ROOT as SERVED
    from rnncourse.lab.launch import lab_environment

    env = lab_environment({"PATH": "/usr/bin"})
    if env["PATH"].split(os.pathsep)[0] != str(Path(sys.executable).parent):
        errors.append("`make lab` no longer starts JupyterLab with the venv's tools on PATH")
    config = env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[0]
    if config != str(ROOT / "jupyter") or SERVED != ROOT or not (ROOT / "jupyter").is_dir():
        errors.append("`make lab` no longer uses the repository's jupyter/ settings")
    setup = makefile.split("\n$(STAMP):", 1)[-1].split("\n\n", 1)[0]
    if not re.search(r'-e "\.\[[\w,]*\blab\b[\w,]*\]"', setup):
        errors.append("`make setup` no longer installs the [lab] extra")
    lab = " ".join(pyproject["project"]["optional-dependencies"]["lab"])
    for package in ("jupyterlab", "jupyterlab-myst", "jupytext"):
        if not re.search(rf"(^|\s){re.escape(package)}([<>=!]|\s|$)", lab):
            errors.append(f"the [lab] extra no longer installs {package}")
    return errors


def check_install_steps(preface: str, readme: str, makefile: str, vendor: str) -> list[str]:
    """The install steps the preface and the README give: `make book` and `make test` set up
    .venv first, the pinned torch is the Makefile's, and npm is needed only if vendor.sh uses it."""
    errors = []
    for target in ("book", "test"):
        if not re.search(rf"^{target}: setup\b", makefile, re.M):
            errors.append(f"`make {target}` no longer sets up .venv first")
        for name, text in (("preface", preface), ("README", readme)):
            if f"make {target}" not in text:
                errors.append(f"the {name} no longer names `make {target}`")
    pin = re.search(r"^TORCH_PIN := torch==([\d.]+)$", makefile, re.M)
    if not pin:
        return [*errors, "the Makefile no longer pins torch in TORCH_PIN"]
    for stated in re.findall(r"torch==([\d.]+)", readme):
        if stated != pin[1]:
            errors.append(f"README says torch=={stated}, the Makefile pins torch=={pin[1]}")
    if ("npm" in preface) != ("npm pack" in vendor):
        errors.append("the preface and .ci/vendor.sh disagree on whether npm is needed")
    return errors


def check_chapter_endings(pages: list[str]) -> list[str]:
    """The preface: 'Each chapter ends with Check your understanding questions'."""
    return [
        f"{page}.md has no 'Check your understanding' section"
        for page in pages
        if "\n## Check your understanding\n" not in _read(f"{page}.md")
    ]


# ------------------------------------------------------------------------------------- tests
def test_the_tree_is_what_the_counts_are_taken_from():
    assert len(chapters()) >= 14
    assert chapters()[0] == "book/01_why_sequences"
    assert len(exercises()) >= 14
    assert exercises()[0].stem == "ex01_rnn_forward"
    assert [p.name for p in exercises()] == sorted(
        p.name for p in (ROOT / "solutions").glob("ex*.md")
    )


def test_readme_counts_match_the_tree():
    assert check_readme(_read("README.md")) == []


def test_preface_counts_and_chapters_match_the_tree():
    assert "Each chapter ends with **Check your understanding**" in _read("book/preface.md")
    assert check_preface(_read("book/preface.md")) == []


def test_exercises_page_lists_every_exercise_with_its_title():
    assert check_exercises_page(_read("book/exercises.md")) == []


def test_make_lab_does_what_the_readme_and_preface_say():
    pyproject = tomllib.loads(_read("pyproject.toml"))
    assert check_make_lab(_read("Makefile"), pyproject) == []


def test_install_steps_match_the_makefile():
    args = (_read("book/preface.md"), _read("README.md"), _read("Makefile"), _read(".ci/vendor.sh"))
    assert check_install_steps(*args) == []


@pytest.mark.parametrize("page", chapters() + companion_pages())
def test_every_chapter_ends_with_check_your_understanding(page: str):
    assert check_chapter_endings([page]) == []


# ------------------------------------------------------------------- planted wrong facts fail
def test_a_planted_wrong_count_in_the_readme_fails():
    text = _read("README.md")
    wrong = text.replace("fourteen chapters", "thirteen chapters", 1)
    assert wrong != text
    assert check_readme(wrong)
    wrong = text.replace("fifteen graded notebooks", "nine graded notebooks", 1)
    assert wrong != text
    assert check_readme(wrong)


def test_a_planted_wrong_count_or_name_in_the_preface_fails():
    text = _read("book/preface.md")
    for old, new in [
        ("Fifteen graded exercises", "Nine graded exercises"),
        ("`exercises/ex15_ctc_forward`", "`exercises/ex09_torch_lstm`"),
        ("Chapter 14 follows", "The last chapter follows"),
        ("`make lab`", "`jupyter lab`"),
    ]:
        wrong = text.replace(old, new)
        assert wrong != text, old
        assert check_preface(wrong), old


def test_a_planted_missing_or_wrong_row_on_the_exercises_page_fails():
    text = _read("book/exercises.md")
    rows = re.findall(r"<tr><td>\d+</td>.*?</tr>\n", text)
    assert len(rows) == len(exercises())
    assert check_exercises_page(text.replace(rows[-1], "", 1))
    assert check_exercises_page(text.replace("Beam search with", "Greedy search with", 1))


def test_a_planted_change_to_make_lab_fails():
    makefile, pyproject = _read("Makefile"), tomllib.loads(_read("pyproject.toml"))
    assert check_make_lab(makefile.replace("\nlab: setup\n", "\nlab:\n", 1), pyproject)
    assert check_make_lab(
        makefile.replace("-m rnncourse.lab.launch", "-m jupyterlab", 1), pyproject
    )
    lab = pyproject["project"]["optional-dependencies"]["lab"]
    without = [d for d in lab if not d.startswith("jupytext")]
    assert without != lab
    pyproject["project"]["optional-dependencies"]["lab"] = without
    assert check_make_lab(makefile, pyproject)


def test_a_chapter_without_questions_fails(tmp_path, monkeypatch):
    page = tmp_path / "book" / "99_planted.md"
    page.parent.mkdir()
    page.write_text("# A chapter\n\n## Summary\n\nNo questions.\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert check_chapter_endings(["book/99_planted"]) == [
        "book/99_planted.md has no 'Check your understanding' section"
    ]


def test_planted_wrong_install_steps_fail():
    preface, readme = _read("book/preface.md"), _read("README.md")
    makefile, vendor = _read("Makefile"), _read(".ci/vendor.sh")
    pin = re.search(r"torch==([\d.]+)", readme)[0]
    assert check_install_steps(preface, readme.replace(pin, "torch==2.1.0"), makefile, vendor)
    assert check_install_steps(
        preface, readme, makefile.replace("\nbook: setup", "\nbook:"), vendor
    )
    assert check_install_steps(preface, readme, makefile, vendor.replace("npm pack", "curl"))
