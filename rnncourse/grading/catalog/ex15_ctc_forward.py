"""Exercise 15 (13c_ctc): the CTC loss by the alpha recursion, in log space.

Expected outputs come from :mod:`rnncourse.reference.ctc`; the planted mistakes are named edits of
its lines (:func:`rnncourse.grading.mutants.edited`). The method is enforced by the sizes: every
case has T >= 24 frames and C >= 5 classes, so the C^T >= 5e16 alignments a brute-force sum would
list do not fit in any time limit, while the recursion takes milliseconds. A paste of the
reference's ``ctc_alpha`` (or of any function of ``reference/ctc.py``) is caught by the grader's
copy check (:mod:`rnncourse.grading.static.copies`, which fingerprints the package). Log 0 is
written ``LOG_ZERO = -1e30`` in the exercise (the grader refuses non-finite outputs); the expected
values are the reference's, clipped to [-1e30, 1e30].
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading.catalog._common import NUMPY_ONLY, variants
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import edited
from rnncourse.reference import ctc as ref

EXTEND_BUGS = {
    "no_trailing_blank": "l' ends with a blank too: blank, l_1, blank, ..., l_S, blank "
    "(length 2S + 1)",
}
_SKIP = "skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])"
_JUMP = "np.where(skip, _shift(a, 2), NEG_INF)"
ALPHA_EDITS = {
    "repeat_jump": (
        "jump over a blank only onto a label that differs from l'_{s-2}: between two equal "
        "labels the blank is mandatory",
        {"_skip_allowed": [(_SKIP, "skip[2:] = ext[2:] != blank")]},
    ),
    "no_jump": (
        "a path may also jump from state s - 2 to s (skipping a blank between different labels)",
        {"ctc_alpha": [(_JUMP, "NEG_INF")]},
    ),
    "start_blank_only": (
        "at t = 1 a path may start in the first blank or on the first label: alpha_1(2) = "
        "y_1(l_1) too",
        {"ctc_alpha": [("alpha[0, :2] = lp[0, ext[:2]]", "alpha[0, :1] = lp[0, ext[:1]]")]},
    ),
    "no_emission": (
        "after summing the predecessors, multiply by y_t(l'_s) (add log_probs[t, l'_s])",
        {"ctc_alpha": [(" + lp[t, ext]", "")]},
    ),
}
LOSS_EDITS = {
    "last_state_only": (
        "p(l | x) adds the last TWO states at t = T: the final blank and the last label",
        [("np.logaddexp.reduce(alpha[-1, -2:])", "alpha[-1, -1]")],
    ),
    "last_label_only": (
        "p(l | x) adds the last two states at t = T: the final blank and the last label",
        [("np.logaddexp.reduce(alpha[-1, -2:])", "alpha[-1, -2]")],
    ),
    "not_negated": (
        "the loss is minus log p(l | x)",
        [("0.0 if (zero_infinity and log_p == NEG_INF) else -log_p", "log_p")],
    ),
}


#: log 0 in the exercise: the grader refuses non-finite outputs, so -inf is written as -1e30
LOG_ZERO = -1e30


def _floor(x):
    """Write the reference's -inf (log 0) and inf (an impossible loss) as the exercise does."""
    return np.clip(x, LOG_ZERO, -LOG_ZERO)


def _alpha_mutant(bug: str):
    edits = ALPHA_EDITS[bug][1]
    if "_skip_allowed" in edits:
        skip = edited(ref._skip_allowed, edits["_skip_allowed"], f"mistake {bug}")
        return edited(ref.ctc_alpha, [], f"mistake {bug}", _skip_allowed=skip)
    return edited(ref.ctc_alpha, edits["ctc_alpha"], f"mistake {bug}")


def _loss(lp, label, blank, alpha_bug=None, loss_bug=None):
    """Return the reference loss of one sequence, with at most one planted mistake."""
    fn = ref.ctc_forward
    if alpha_bug is not None:
        fn = edited(fn, [], f"mistake {alpha_bug}", ctc_alpha=_alpha_mutant(alpha_bug))
    if loss_bug is not None:
        fn = edited(fn, LOSS_EDITS[loss_bug][1], f"mistake {loss_bug}")
    target = np.array([label if len(label) else [0 if blank else 1]])
    lengths = np.array([len(lp)]), np.array([len(label)])
    return float(_floor(fn(lp[:, None], target, *lengths, blank, "sum")[0]))


def _draw(rng, min_T=24):
    """Log probabilities (T, C) with T >= 24, C >= 5, and a feasible label with repeats."""
    C, blank = int(rng.integers(5, 9)), int(rng.integers(0, 2)) * int(rng.integers(1, 5))
    labels = [k for k in range(C) if k != blank]
    S = int(rng.integers(4, 9))
    label = list(rng.choice(labels, size=S))
    label[2] = label[1]  # always a repeated pair
    T = int(rng.integers(max(min_T, 2 * S + 2), 61))
    lp = rng.standard_normal((T, C)) * 1.5
    lp -= np.logaddexp.reduce(lp, axis=1, keepdims=True)
    return lp, np.array(label, dtype=np.int64), blank


def ctc_extend_cases(rng):
    """Label strings (with repeats, and the empty one) and their extended forms."""
    cases = []
    for S in (0, 3, int(rng.integers(4, 9))):
        blank = int(rng.integers(0, 3))
        label = np.array([k for k in rng.integers(1, 6, size=S + 2) if k != blank][:S], np.int64)
        want = {"ext": ref.extend_with_blanks(label, blank)}
        var = variants(EXTEND_BUGS, lambda bug, e=want["ext"]: {"ext": e[:-1]})
        call = Call("ctc_extend", (label, blank), ("label", "blank"))
        cases.append(
            Case([call], {"ext": (0, None)}, want, f"S = {len(label)}, blank = {blank}", var)
        )
    return cases


def ctc_alpha_cases(rng):
    """Long sequences (C^T far beyond enumeration): log alpha for every frame and state."""
    cases = []
    for _ in range(3):
        lp, label, blank = _draw(rng)
        ext = ref.extend_with_blanks(label, blank)
        want = {"alpha": _floor(ref.ctc_alpha(lp, ext, blank))}
        bugs = {bug: hint for bug, (hint, _) in ALPHA_EDITS.items()}
        var = variants(
            bugs, lambda bug, a=(lp, ext, blank): {"alpha": _floor(_alpha_mutant(bug)(*a))}
        )
        call = Call("ctc_alpha", (lp, ext, blank), ("log_probs", "ext", "blank"))
        describe = f"T = {len(lp)}, C = {lp.shape[1]}, label {label.tolist()}, blank = {blank}"
        cases.append(Case([call], {"alpha": (0, None)}, want, describe, var, 1e-7, 1e-7))
    return cases


def ctc_loss_cases(rng):
    """-log p(l | x) of long sequences, and of one too short for its label (inf)."""
    cases = []
    for k in range(4):
        lp, label, blank = _draw(rng)
        if k == 3:  # infeasible: fewer frames than labels plus the blank between the repeats
            lp = lp[: len(label)]
        want = {"loss": _loss(lp, label, blank)}
        bugs = {bug: hint for bug, (hint, _) in LOSS_EDITS.items()}
        bugs.update({bug: hint for bug, (hint, _) in ALPHA_EDITS.items()})
        var = variants(
            bugs,
            lambda bug, a=(lp, label, blank): {
                "loss": _loss(*a, loss_bug=bug) if bug in LOSS_EDITS else _loss(*a, alpha_bug=bug)
            },
        )
        call = Call("ctc_loss", (lp, label, blank), ("log_probs", "label", "blank"))
        describe = f"T = {len(lp)}, C = {lp.shape[1]}, label {label.tolist()}, blank = {blank}"
        cases.append(Case([call], {"loss": (0, None)}, want, describe, var, 1e-7, 1e-7))
    return cases


EXERCISE = Exercise(
    "ex15_ctc_forward",
    "The CTC loss by the alpha recursion",
    "13c_ctc",
    [
        Part("ctc_extend", 1, ctc_extend_cases),
        Part("ctc_alpha", 6, ctc_alpha_cases),
        Part("ctc_loss", 3, ctc_loss_cases),
    ],
    NUMPY_ONLY,
)
