"""A chapter with a widget shows it before it trains anything (issue: "within 10 s of run all").

Opening a chapter in JupyterLab and choosing Run All executes its cells in order; a widget placed
after a live training run appeared 23 s later (chapter 13). Time is not asserted (the tests never
assert wall-clock times; ``benchmarks/first_widget.py`` measures it): what is checked is the
cause, that no cell before the first widget trains a model. The trainers are the package's own
names, read from ``rnncourse.train`` (every public callable whose name starts with ``train`` or
``fit``, and the trainer class), so a new trainer is covered without editing this test.
"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

ROOT = Path(__file__).resolve().parents[1]
WIDGET = re.compile(r"\b(\w*(?:Explorer|Inspector))\(")


def _trainers() -> set[str]:
    import importlib
    import pkgutil

    import rnncourse.train as train

    names: set[str] = set()
    for info in pkgutil.walk_packages(train.__path__, "rnncourse.train."):
        if info.name.rsplit(".", 1)[-1].startswith("_") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        names |= {n for n in vars(module) if not n.startswith("_") and callable(vars(module)[n])}
    return {n for n in names if re.match(r"(train|fit)|teacher_forcing$|\w*Trainer$", n)}


def _calls(source: str) -> set[str]:
    return set(re.findall(r"\b([A-Za-z_]\w*)\s*\(", source))


def _before_first_widget(path: Path) -> list[str] | None:
    cells = [c.source for c in jupytext.read(path).cells if c.cell_type == "code"]
    for i, source in enumerate(cells):
        if WIDGET.search(source):
            return cells[:i]
    return None


CHAPTERS = [p for p in sorted((ROOT / "book").glob("*.md")) if _before_first_widget(p) is not None]


def test_the_trainers_are_found():
    assert {"LMTrainer"} <= _trainers()
    assert len(_trainers()) >= 3


def test_some_chapters_have_widgets():
    assert len(CHAPTERS) >= 5


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_first_widget_comes_before_any_training(path):
    trainers = _trainers()
    for n, source in enumerate(_before_first_widget(path)):
        trained = _calls(source) & trainers
        assert not trained, f"{path.name}: code cell {n} trains {sorted(trained)} before the widget"


def test_a_training_cell_before_the_widget_is_caught(tmp_path):
    planted = tmp_path / "planted.md"
    text = (ROOT / "book" / "13_attention.md").read_text(encoding="utf-8")
    first = text.index("```{code-cell}")
    trainer = sorted(_trainers())[0]
    cell = f"```{{code-cell}} ipython3\nmodel = {trainer}(seed=0)\n```\n\n"
    planted.write_text(text[:first] + cell + text[first:], encoding="utf-8")
    before = _before_first_widget(planted)
    assert any(_calls(source) & _trainers() for source in before)
