"""Exercise 17 (06_language_models): the word-embedding layer, forward and scatter-add backward.

Expected outputs come from :func:`rnncourse.reference.word_embedding_forward` /
:func:`rnncourse.reference.word_embedding_backward`; the planted mistakes are named edits of the
reference backward's lines (:func:`rnncourse.grading.mutants.edited`): the buffered fancy-index
``dW[x] += dout`` (repeated ids keep one contribution), ``x`` and ``dout`` flattened in different
orders, and ``dW`` not started from zeros. The small cases always repeat ids (V is small) and have
N, T >= 2, so each mistake shows.

The method is enforced by size. The backward's last case has V = 4000, D = 64 and N x T = 2048 ids:
a numerical gradient needs 2 V D = 512 000 forward passes of 131 072 gathered values each,
measured at 0.1-0.7 ms per pass on the course's machine (about 50 to 380 s, beyond the grader's
30 s per call), while ``np.add.at`` takes about 5-30 ms there. A one-hot product
``onehot(x).T @ dout`` is allowed: it is the same gradient by the identity chapter 6 shows, exact
to rounding, and at these sizes its (2048, 4000) one-hot matrix (65 MB) and its product fit the
limits (tests/grading/test_ex17_embedding.py grades one); it only scales badly with V.
"""

from __future__ import annotations

from rnncourse.grading.catalog._common import NUMPY_ONLY, rand, shapes, variants
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import edited
from rnncourse.grading.wire import Ref

_ADD_AT = "np.add.at(dW, x, dout)"
_ZEROS = "dW = np.zeros(W.shape, dtype=np.result_type(W, dout))"
#: mistake -> edits of the reference's word_embedding_backward
EDITS = {
    "fancy_index": [(_ADD_AT, "dW[x] += dout")],
    "flatten_order": [(_ADD_AT, "np.add.at(dW, x.T.reshape(-1), dout.reshape(-1, dout.shape[2]))")],
    "not_zeroed": [(_ZEROS, "dW = W.copy()")],
}
BACKWARD_BUGS = {
    "fancy_index": "a token that occurs more than once must get the sum of all its positions' "
    "gradients: dW[x] += dout keeps only one of them (buffered fancy indexing); use "
    "np.add.at(dW, x, dout)",
    "flatten_order": "x and dout are paired in different orders: flatten both the same way "
    "(x.reshape(-1) with dout.reshape(-1, D)), or index with x itself",
    "not_zeroed": "dW must start from zeros (np.zeros_like(W)); it started from W's values",
}
#: the last case of the backward: too large for a numerical gradient within the time limit
BIG = {"N": 32, "T": 64, "V": 4000, "D": 64}


def _mistake(bug: str):
    from rnncourse.reference import word_embedding_backward

    return edited(word_embedding_backward, EDITS[bug], f"mistake {bug}")


def _inputs(rng, N, T, V, D):
    x = rng.integers(0, V, size=(N, T))
    x[0, 1] = x[1, 0]  # at least one id repeats, across rows
    return x, rand(rng, V, D)


def _small(rng):
    N, T = int(rng.integers(2, 5)), int(rng.integers(2, 6))
    V, D = int(rng.integers(3, 7)), int(rng.integers(2, 5))
    return (N, T, V, D), *_inputs(rng, N, T, V, D)


def word_embedding_forward_cases(rng):
    """Draw random cases of ``word_embedding_forward``: the looked-up rows."""
    from rnncourse.reference import word_embedding_forward

    cases = []
    for _ in range(3):
        (N, T, V, D), x, W = _small(rng)
        call = Call("word_embedding_forward", (x, W), ("x", "W"), ("out", "cache"))
        want = {"out": word_embedding_forward(x, W)[0]}
        cases.append(Case([call], {"out": (0, 0)}, want, shapes(N=N, T=T, V=V, D=D)))
    return cases


def word_embedding_backward_cases(rng):
    """Draw random cases of ``word_embedding_backward``: expected dW and known mistakes."""
    from rnncourse.reference import word_embedding_backward, word_embedding_forward

    cases = []
    for size in ("small", "small", "small", "big"):
        if size == "small":
            (N, T, V, D), x, W = _small(rng)
        else:
            N, T, V, D = BIG.values()
            x, W = _inputs(rng, N, T, V, D)
        dout = rand(rng, N, T, D)
        cache = word_embedding_forward(x, W)[1]
        want = {"dW": word_embedding_backward(dout, cache)}
        var = (
            variants(
                BACKWARD_BUGS,
                lambda bug, dout=dout, cache=cache: {"dW": _mistake(bug)(dout, cache)},
            )
            if size == "small"
            else {}
        )
        forward = Call("word_embedding_forward", (x, W), ("x", "W"), ("out", "cache"))
        describe = shapes(N=N, T=T, V=V, D=D) + (
            ", a numerical gradient is too slow" * (size == "big")
        )
        calls = [
            forward,
            Call("word_embedding_backward", (dout, Ref(0, 1)), ("dout", "cache")),  # one array
        ]
        cases.append(Case(calls, {"dW": (1, None)}, want, describe, var))
    return cases


EXERCISE = Exercise(
    "ex17_embedding_backward",
    "The word-embedding layer: lookup and scatter-add",
    "06_language_models",
    [
        Part("word_embedding_forward", 2, word_embedding_forward_cases),
        Part("word_embedding_backward", 4, word_embedding_backward_cases),
    ],
    NUMPY_ONLY,
)
