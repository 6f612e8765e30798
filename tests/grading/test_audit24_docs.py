"""Issue 24, point 5: README and ``make lab`` say how bubblewrap is installed on Linux and what
macOS and Windows learners get, next to the learner's grading step."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INSTALLS = (
    "sudo apt-get install bubblewrap",
    "sudo dnf install bubblewrap",
    "sudo pacman -S bubblewrap",
)


def learner_steps(readme: str) -> str:
    """The numbered steps of "For learners" (up to the next paragraph at the margin)."""
    section = readme.split("## For learners", 1)[1].split("\n## ", 1)[0]
    steps = section[section.index("\n1. ") :]
    return re.split(r"\n\n(?=[^\s\d])", steps, maxsplit=1)[0]


def test_readme_says_how_bubblewrap_is_installed_beside_the_grading_step():
    steps = learner_steps((ROOT / "README.md").read_text())
    grading = steps[steps.index("rnncourse grade exercises/") :]
    for line in INSTALLS:
        assert line in grading
    assert "On macOS and Windows" in grading
    assert "without isolation" in grading
    assert "NOT ISOLATED" in grading
    # planted failure: the paragraph moved out of the steps (after the next section) is caught
    moved = "## For learners\n\n1. Open.\n3. Score:\n   rnncourse grade exercises/x.md\n\nOther.\n"
    assert "bubblewrap" not in learner_steps(moved + "   " + INSTALLS[0] + "\n")


def test_make_lab_says_so_where_bubblewrap_is_missing():
    makefile = (ROOT / "Makefile").read_text()
    head, rest = makefile.split("\nlab: ", 1)
    recipe = rest.split("\n\n", 1)[0]
    assert "command -v bwrap" in recipe
    assert '"grade without isolation (Linux: sudo apt-get install bubblewrap)"' in recipe
    comment = head.rsplit("\n\n", 1)[1]
    assert "sandbox-deps" in comment
    assert "(macOS, Windows)" in comment
