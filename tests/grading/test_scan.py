"""The static scan flags what no exercise needs, and nothing that a normal solution does."""

from __future__ import annotations

import pytest
from grading_helpers import SOLUTIONS

from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.grader import demo_cells
from rnncourse.grading.notebook import read_notebook
from rnncourse.grading.static.scan import scan_cells

EX01, EX07, EX09 = (
    EXERCISES[k] for k in ("ex01_rnn_forward", "ex07_bidirectional_deep", "ex09_torch_lstm")
)


def flags(source: str, ex=EX01) -> str:
    return " | ".join(scan_cells([(1, source)], ex).get(1, []))


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_solutions_are_clean(name):
    nb = read_notebook(SOLUTIONS / f"{name}.md")
    demos = demo_cells(nb, [EXERCISES[name]])  # "Try it" cells: never run, never scanned
    cells = [(i, src) for i, src in nb.cells if i not in demos]
    assert scan_cells(cells, EXERCISES[name]) == {}


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import torch", "uses torch"),
        ("from rnncourse.reference import rnn_forward", "uses rnncourse"),
        ("import rnncourse.reference as R\nR.rnn_forward", "uses rnncourse"),
        ("from rnncourse.grading.catalog import EXERCISES", "rnncourse.grading internals"),
        ("import numpy as np\nnp.allclose = lambda *a: True", "monkeypatches numpy.allclose"),
        ("import numpy\nnumpy.linalg.norm = abs", "monkeypatches numpy.linalg.norm"),
        ("import numpy as np\nsetattr(np, 'tanh', abs)", "uses setattr"),
        ("check = print", "redefines check()"),
        ("def check(*a):\n    pass", "redefines check()"),
        ("from os import path as check", "tampering"),
        ("import sys\nsys.modules['numpy']", "uses sys.modules"),
        ("import sys\nf = sys._getframe()", "uses sys._getframe"),
        ("import ctypes", "uses ctypes"),
        ("import os\nos._exit(0)", "uses os._exit"),
        ("exec(open('x.py').read())", "uses exec"),
        ("g = check.__globals__", "uses .__globals__"),
        ("import gc\ngc.get_objects()", "uses gc"),
        ("import os\ngetattr(os, 'ki' + 'll')(os.getppid(), 9)", "uses getattr(os, ...)"),
    ],
)
def test_flagged(source, words):
    assert words in flags(source), flags(source)


def test_exercise_specific_rules():
    assert "forbids" in flags("from torch import nn\nm = nn.LSTM(3, 4)", EX09)
    assert "forbids" in flags("import torch\ntorch.lstm", EX09)
    assert flags("import torch\nfrom torch import nn\nx = nn.Parameter(torch.zeros(2))", EX09) == ""
    assert flags("from rnncourse.reference import rnn_forward", EX07) == ""
    assert "forbids" in flags("from rnncourse.reference import deep_forward", EX07)
    assert (
        flags(
            "import numpy as np\nfrom rnncourse.grading import check\n"
            "from rnncourse.grading.lm import load_names\nx = np.tanh(1.0)"
        )
        == ""
    )
