"""Exercise 3 (06_language_models): Char-level language model."""

from __future__ import annotations

from rnncourse.grading.catalog._common import (
    ON_REFERENCE,
    rand,
    reference,
    shapes,
    variants,
)
from rnncourse.grading.core import Call, Case, Exercise, Part
from rnncourse.grading.mutants import mutant
from rnncourse.grading.wire import Make
from rnncourse.reference.cells import param_keys

#: The language model's parameters: the RNN cell's, then the output layer's.
LM_KEYS = (*param_keys("rnn"), "Wy", "by")


def _lm_params(rng, V_, H, scale=1.0):
    return {
        "Wx": rand(rng, V_, H, scale=scale),
        "Wh": rand(rng, H, H, scale=scale * 0.5),
        "b": rand(rng, H, scale=scale * 0.3),
        "Wy": rand(rng, H, V_, scale=scale),
        "by": rand(rng, V_, scale=scale * 0.3),
    }


def clip_expected(grads, max_value, bug=None):
    """Return copies of ``grads`` clipped by the reference's ``clip_by_value``, or a mistake.

    Bugs: ``upper_only`` (the reference with only the upper bound), ``none`` (no clipping),
    ``by_norm`` (the reference's other clipping, :func:`~rnncourse.reference.clip_by_global_norm`).
    """
    out = {k: v.copy() for k, v in grads.items()}
    if bug == "by_norm":
        reference().clip_by_global_norm(out, max_value)
    elif bug != "none":
        (reference().clip_by_value if bug is None else mutant("clip_by_value", bug))(out, max_value)
    return out


def sample_expected(params, start_ix, end_ix, max_len, rng, bug=None):
    """Return the indices that the reference's ``sample`` draws from the tanh RNN LM ``params``.

    The exercise's list ends with ``end_ix`` when it is drawn (the reference stops before it).
    Each bug swaps in one wrong piece: ``argmax`` (temperature 0), ``no_feedback`` (the start
    index fed at every step), ``no_hidden`` (every step from a zero state), ``with_start`` (the
    start index listed first), ``past_end`` (no stop at the end index).
    """
    ref = reference()
    model = ref.rnn_lm_step(params)
    step = {
        "no_feedback": lambda ix, h: model(start_ix, h),
        "no_hidden": lambda ix, h: model(ix, None),
    }.get(bug, model)
    temperature, end = (0.0 if bug == "argmax" else 1.0), (None if bug == "past_end" else end_ix)
    ixs = ref.sample(step, None, start_ix, max_len, temperature, rng=rng, end_token=end).tolist()
    ixs += [end_ix] if len(ixs) < max_len else []
    return [start_ix, *ixs] if bug == "with_start" else ixs


def clip_gradients_cases(rng):
    """Draw random cases of ``clip_gradients``: expected outputs and known mistakes."""
    cases = []
    for _ in range(3):
        V_, H = int(rng.integers(3, 8)), int(rng.integers(2, 6))
        grads = _lm_params(rng, V_, H, scale=4.0)
        max_value = float(rng.uniform(0.5, 3.0))
        want = clip_expected(grads, max_value)
        var = variants(
            {
                "upper_only": "only the upper bound was applied; clip into [-max_value, max_value]",
                "none": "the gradients came back unclipped",
                "by_norm": "this rescales by the global norm; here clip each entry by value",
            },
            lambda bug, g=grads, m=max_value: clip_expected(g, m, bug),
        )
        cases.append(
            Case(
                [  # the driver also checks that the caller's dict is left alone
                    Call(
                        "@fresh_dict",
                        ("clip_gradients", grads, max_value),
                        ("function", "grads", "max_value"),
                    )
                ],
                {k: (0, k) for k in LM_KEYS},
                want,
                f"V={V_}, H={H}, max_value={max_value:.2f}",
                var,
            )
        )
    return cases


def sample_cases(rng):
    """Draw random cases of ``sample``: expected outputs and known mistakes."""
    cases = []
    for _ in range(4):
        V_, H = int(rng.integers(4, 9)), int(rng.integers(3, 7))
        params = _lm_params(rng, V_, H, scale=1.5)
        start, seed = int(rng.integers(1, V_)), int(rng.integers(0, 2**31))
        max_len = int(rng.integers(8, 16))
        args = (params, start, 0, max_len)
        want = sample_expected(*args, seed)
        var = variants(
            {
                "argmax": "this is the argmax sequence; draw with rng.choice(V, p=probs)",
                "no_feedback": "the sampled character is not fed back as the next input",
                "no_hidden": "the hidden state is not carried from step to step",
                "with_start": "the start character must not be part of the returned list",
                "past_end": "sampling must stop right after the end index is drawn",
            },
            lambda bug, a=args, s=seed: {"ixs": sample_expected(*a, s, bug)},
        )
        call = Call(
            "sample",
            (*args, Make("rng", seed=seed)),
            ("params", "start_ix", "end_ix", "max_len", "rng"),
        )
        cases.append(
            Case(
                [call],
                {"ixs": (0, None)},
                {"ixs": want},
                f"V={V_}, H={H}, start_ix={start}, max_len={max_len}",
                var,
            )
        )
    return cases


def _train_step_expected(X, Y, h0, params, lr, max_value, bug=None):
    from rnncourse.grading.lm import lm_loss_and_grads

    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    if bug != "no_clip":
        grads = clip_expected(grads, max_value)
    sign = 1.0 if bug == "ascent" else -1.0
    new = {k: params[k] + sign * lr * grads[k] for k in LM_KEYS}
    out = {"loss": loss, "h_last": h_last}
    out.update({"new_" + k: v for k, v in new.items()})
    return out


def train_step_cases(rng):
    """Draw random cases of ``train_step``: expected outputs and known mistakes."""
    cases = []
    for _ in range(3):
        V_, H = int(rng.integers(4, 9)), int(rng.integers(3, 7))
        N, T = int(rng.integers(1, 4)), int(rng.integers(2, 7))
        X, Y = rng.integers(0, V_, size=(N, T)), rng.integers(0, V_, size=(N, T))
        h0, params = rand(rng, N, H), _lm_params(rng, V_, H)
        lr, max_value = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.05, 0.5))
        args = (X, Y, h0, params, lr, max_value)
        want = _train_step_expected(*args)
        var = variants(
            {
                "no_clip": "the gradients were not clipped before the update",
                "ascent": "the update went uphill: subtract lr * gradient",
            },
            lambda bug, a=args: _train_step_expected(*a, bug=bug),
        )
        outputs = {"loss": (0, 0), "h_last": (0, 2)}
        outputs.update({"new_" + k: (0, (1, k)) for k in LM_KEYS})
        call = Call(
            "train_step",
            args,
            ("X", "Y", "h0", "params", "lr", "max_value"),
            ("loss", "new_params", "h_last"),
        )
        cases.append(Case([call], outputs, want, shapes(N=N, T=T, V=V_, H=H), var))
    return cases


EXERCISE = Exercise(
    "ex03_char_lm",
    "Char-level language model",
    "06_language_models",
    [
        Part("clip_gradients", 3, clip_gradients_cases),
        Part("sample", 4, sample_cases),
        Part("train_step", 3, train_step_cases),
    ],
    ON_REFERENCE,
    (
        "rnncourse.reference:sample*",
        "rnncourse.reference:clip*",
        "rnncourse.reference:sgd*",
        "rnncourse.reference:adam*",
        "rnncourse.reference:adagrad*",
        "rnncourse.reference:optim*",
    ),
)
