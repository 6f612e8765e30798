"""Red team: the score cannot be had without the work. One class run, isolated, hostile and honest.

Every hole of issue 24 "The score can be had without the work" is one submission of a class
folder, graded with honest submissions in the same ``rnncourse grade`` run: each hostile part
gets its exact score and message, every honest submission scores full marks.
"""

from __future__ import annotations

import inspect
import json
import textwrap
from pathlib import Path

import pytest
from grading_helpers import SOLUTIONS
from test_method import CLOSURE_READER, EXHAUSTIVE_FROM_TABLE, LOOP_SCAN, REBINDING_CLIP

from rnncourse.cli import main
from rnncourse.grading.catalog import EXERCISES
from rnncourse.grading.static import copies

HONEST = Path(__file__).parent / "honest"


def points(part_name: str) -> int:
    """The points of a part in the current catalog (an honest part scores exactly these)."""
    return next(p.points for e in EXERCISES.values() for p in e.parts if p.name == part_name)


def honest(name: str) -> str:
    return (HONEST / name).read_text(encoding="utf-8")


def cells(*sources: str) -> str:
    """A percent-format notebook with one cell per source."""
    return "".join(f"# %%\n{textwrap.dedent(s).strip()}\n\n" for s in sources)


NUMERIC_BACKWARD = """
def rnn_backward(dh, cache):  # central differences of the forward pass, entry by entry
    x = np.stack([c[0] for c in cache], axis=1)
    h0, Wx, Wh = cache[0][1], cache[0][2], cache[0][3]
    b = np.arctanh(cache[0][4]) - x[:, 0] @ Wx - h0 @ Wh
    arrays = [x.copy(), h0.copy(), Wx.copy(), Wh.copy(), b[0].copy()]
    loss = lambda: float(np.sum(dh * rnn_forward(*arrays)[0]))
    out = []
    for a in arrays:
        g = np.zeros_like(a)
        for i in np.ndindex(a.shape):
            old = a[i]
            a[i] = old + 1e-6
            up = loss()
            a[i] = old - 1e-6
            g[i] = (up - loss()) / 2e-6
            a[i] = old
        out.append(g)
    return tuple(out)
"""
VF_MODULE = """
import math
import torch
from torch import nn

class LSTMFromScratch(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        H = hidden_size
        self.weight_ih_l0 = nn.Parameter(torch.zeros(4 * H, input_size))
        self.weight_hh_l0 = nn.Parameter(torch.zeros(4 * H, H))
        self.bias_ih_l0 = nn.Parameter(torch.zeros(4 * H))
        self.bias_hh_l0 = nn.Parameter(torch.zeros(4 * H))

    def forward(self, x, state=None):
        kernel = getattr(torch, "_V" + "F")  # the built-in kernel, by a computed name
        if state is None:
            z = x.new_zeros(1, x.shape[0], self.weight_hh_l0.shape[1])
            state = (z, z)
        weights = [self.weight_ih_l0, self.weight_hh_l0, self.bias_ih_l0, self.bias_hh_l0]
        out, h, c = kernel.lstm(x, state, weights, True, 1, 0.0, False, False, True)
        return out, (h, c)
"""


def _class(tmp_path: Path) -> dict[str, str]:
    from rnncourse.data import NGramLM, metrics_bleu
    from rnncourse.reference import ctc, dropout, embedding, scan

    sol12 = (
        next(
            c
            for c in copies._cells(SOLUTIONS / "ex12_additive_attention.md")
            if "def additive_attention_backward(" in c
        )
        .replace("### BEGIN SOLUTION", "")
        .replace("### END SOLUTION", "")
    )
    sol12 = sol12.replace("def additive_attention_backward", "def _mine")
    fwd12 = honest("ex12_additive_attention.loops.py").split("\n\ndef additive_attention_backward")[
        0
    ]
    return {
        # the package's code, pasted
        "ex11_variational_dropout.paste.py": cells(inspect.getsource(dropout)),
        "ex14_parallel_scan.paste.py": cells(
            inspect.getsource(scan),
            "def scan_forward(a, b, h0):\n"
            "    return linear_scan_forward(a, b, h0, 'hillis_steele')",
        ),
        "ex10_ngram_lm.paste.py": cells(
            "import numpy as np",
            inspect.getsource(NGramLM).replace("check_", "_check_"),
            honest("ex10_ngram_lm.slicing.py"),
        ),
        "ex15_ctc_forward.paste.py": cells(inspect.getsource(ctc)),
        "ex16_bleu.paste.py": cells(inspect.getsource(metrics_bleu)),
        "ex17_embedding_backward.paste.py": cells(inspect.getsource(embedding)),
        # the solution, disguised: an alias, `if True:`, extra `pass`
        "ex12_additive_attention.alias.py": cells(
            fwd12, sol12 + "\nadditive_attention_backward = _mine"
        ),
        "ex12_additive_attention.iftrue.py": cells(
            fwd12,
            "if True:\n"
            + textwrap.indent(sol12.strip(), "    ")
            + "\n    additive_attention_backward = _mine",
        ),
        "ex12_additive_attention.pass.py": cells(
            fwd12,
            sol12.replace("    return ", "    pass\n    return ")
            + "\nadditive_attention_backward = _mine",
        ),
        # the method not done
        "ex14_parallel_scan.loop.py": cells(honest("ex14_parallel_scan.slicing.py"), LOOP_SCAN),
        "ex13_beam_search.exhaustive.py": cells("import numpy as np", EXHAUSTIVE_FROM_TABLE),
        "ex02_rnn_bptt.numeric.py": cells(honest("ex02_rnn_bptt.loops.py"), NUMERIC_BACKWARD),
        "ex02_rnn_bptt.closure.py": cells(honest("ex02_rnn_bptt.slicing.py"), CLOSURE_READER),
        "ex09_torch_lstm.vf.py": cells(VF_MODULE),
        "ex03_char_lm.rebind.py": cells(honest("ex03_char_lm.loops.py"), REBINDING_CLIP),
        # honest work in the same run
        "ex12_additive_attention.honest.py": honest("ex12_additive_attention.helpers.py"),
        "ex14_parallel_scan.honest.py": honest("ex14_parallel_scan.helpers.py"),
        "ex02_rnn_bptt.honest.py": honest("ex02_rnn_bptt.helpers.py"),
        "ex15_ctc_forward.honest.py": honest("ex15_ctc_forward.helpers.py"),
        "ex16_bleu.honest.py": honest("ex16_bleu.loops.py"),
        "ex17_embedding_backward.honest.py": honest("ex17_embedding_backward.slicing.py"),
    }


@pytest.mark.slow
def test_the_score_cannot_be_had_without_the_work(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(copies.SOLUTIONS_ENV, str(SOLUTIONS))
    folder = tmp_path / "class"
    folder.mkdir()
    for name, text in _class(tmp_path).items():
        (folder / name).write_text(text, encoding="utf-8")
    report_path = tmp_path / "report.json"
    args = ["grade", str(folder), "--json", str(report_path), "--seed", "0", "--jobs", "2"]
    assert main([*args, "--cell-timeout", "60", "--timeout", "300"]) == 0
    reports = {Path(r["path"]).name: r for r in json.loads(report_path.read_text())["submissions"]}

    def part(sub: str, name: str) -> tuple[int, str]:
        ex = next(iter(reports[sub]["exercises"].values()))
        p = ex["parts"][name]
        return p["score"], p["message"]

    for sub in (
        "ex12_additive_attention.honest.py",
        "ex14_parallel_scan.honest.py",
        "ex02_rnn_bptt.honest.py",
        "ex15_ctc_forward.honest.py",
        "ex16_bleu.honest.py",
        "ex17_embedding_backward.honest.py",
    ):
        ex = next(iter(reports[sub]["exercises"]))
        full = sum(p.points for p in EXERCISES[ex].parts)
        assert reports[sub]["score"] == reports[sub]["max"] == full, reports[sub]
        assert reports[sub]["isolation"] == "bubblewrap"
        assert reports[sub]["notes"] == [], reports[sub]["notes"]  # nothing similar either

    copy = "(the same code up to names and formatting): write your own, scored 0"
    score, msg = part("ex11_variational_dropout.paste.py", "variational_lstm_backward")
    assert score == 0
    assert msg.startswith("cell 1: ")
    assert (
        "`variational_lstm_backward` is a copy of the package's own "
        f"rnncourse.reference.dropout.variational_lstm_backward {copy}"
    ) in msg
    assert reports["ex11_variational_dropout.paste.py"]["score"] == 0
    # the pasted cell defines no graded part: every part of the exercise scores 0
    assert reports["ex14_parallel_scan.paste.py"]["score"] == 0
    score, msg = part("ex14_parallel_scan.paste.py", "scan_forward")
    assert score == 0
    assert (
        "`hillis_steele_` is a copy of the package's own "
        f"rnncourse.reference.scan.hillis_steele_ {copy}" in msg
    )
    score, msg = part("ex10_ngram_lm.paste.py", "count_ngrams")
    assert score == 0
    assert (
        f"`NGramLM.fit` is a copy of the package's own rnncourse.data.ngram.NGramLM.fit {copy}"
        in msg
    )
    for sub, name, where in (
        ("ex15_ctc_forward.paste.py", "ctc_alpha", "rnncourse.reference.ctc.ctc_alpha"),
        ("ex16_bleu.paste.py", "corpus_bleu", "rnncourse.data.metrics_bleu.corpus_bleu"),
        (
            "ex17_embedding_backward.paste.py",
            "word_embedding_backward",
            "rnncourse.reference.embedding.word_embedding_backward",
        ),
    ):
        assert reports[sub]["score"] == 0, reports[sub]
        score, msg = part(sub, name)
        assert score == 0
        assert msg.startswith("cell 1: ")
        assert f"`{name}` is a copy of the package's own {where} {copy}" in msg, msg
    for kind in ("alias", "iftrue", "pass"):
        sub = f"ex12_additive_attention.{kind}.py"
        # under `if True:` the alias is not a top-level definition: the finding zeroes the
        # whole exercise (a cell that defines no graded part)
        assert part(sub, "additive_attention_forward")[0] == (0 if kind == "iftrue" else 5)
        score, msg = part(sub, "additive_attention_backward")
        assert (score, msg) == (
            0,
            "cell 2: `_mine` is a copy of the solution ex12_additive_attention: "
            f"additive_attention_backward {copy}",
        )
    assert part("ex14_parallel_scan.loop.py", "scan_forward") == (
        0,
        "`scan_forward` is not a parallel scan: at T = 64 its outputs end a chain of 128 "
        "operations, where ceil(log2 T) = 6 rounds need at most 28 (a loop over time needs "
        "about 128)",
    )
    assert part("ex14_parallel_scan.loop.py", "scan_combine")[0] == points("scan_combine")
    score, msg = part("ex13_beam_search.exhaustive.py", "beam_search")
    assert score == 0
    assert msg.endswith(
        "Hint: this is the best output over all outputs (exhaustive search); a beam of "
        "beam_size keeps only the beam_size best partial outputs at each step"
    )
    assert part("ex02_rnn_bptt.numeric.py", "rnn_backward") == (
        0,
        "`rnn_backward` used more than its budget of 2 s of CPU time at N=16, T=64, D=128, "
        "H=96, which the analytic backward fits many times over (differentiating the forward "
        "pass entry by entry does not): write the backward pass",
    )
    assert part("ex02_rnn_bptt.numeric.py", "rnn_step_backward")[0] == points("rnn_step_backward")
    score, msg = part("ex02_rnn_bptt.closure.py", "numerical_gradient")
    assert score == 0
    assert msg.endswith(
        "Hint: this is the exact derivative; return the central differences "
        "(f(x+h) - f(x-h)) / (2h) at the given step h, which differ from it"
    )
    assert part("ex02_rnn_bptt.closure.py", "rnn_backward")[0] == points("rnn_backward")
    score, msg = part("ex09_torch_lstm.vf.py", "LSTMFromScratch")
    assert score == 0
    assert "self.gates must be a tensor of shape" in msg
    assert part("ex03_char_lm.rebind.py", "clip_gradients") == (
        0,
        "`clip_gradients` rebound entries of the caller's dict ('Wx', 'Wh', 'b', 'Wy', 'by'): "
        "return a new dict and leave the one you are given alone",
    )
    assert part("ex03_char_lm.rebind.py", "sample")[0] == points("sample")
