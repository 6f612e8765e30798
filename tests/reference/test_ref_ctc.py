"""CTC: the loss against brute force and torch.nn.CTCLoss, the gradient, the two decoders."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from rnncourse.reference import (
    ctc_backward,
    ctc_collapse,
    ctc_forward,
    ctc_greedy_decode,
    ctc_prefix_beam_search,
)
from rnncourse.reference.layers import log_softmax
from tests.reference.conftest import assert_grads, needs_torch, torch


def _batch(rng, T=6, N=3, C=4, S=3):
    log_probs = log_softmax(rng.standard_normal((T, N, C)))
    # a repeated label (1, 1), a distinct string, and a shorter one with padding
    targets = np.array([[1, 1, 2], [3, 2, 1], [2, 3, 0]])[:N, :S]
    input_lengths = np.array([T, T - 1, T - 2])[:N]
    target_lengths = np.array([3, 3, 2])[:N]
    return log_probs, targets, input_lengths, target_lengths


def _brute_force(lp: np.ndarray, label: list[int], blank: int = 0) -> float:
    """log p(l | x) summed over all C^T alignments."""
    T, C = lp.shape
    total = -np.inf
    for path in itertools.product(range(C), repeat=T):
        if ctc_collapse(path, blank) == label:
            total = np.logaddexp(total, lp[np.arange(T), path].sum())
    return total


@pytest.mark.parametrize("label", [[1, 2], [1, 1], [2, 2, 2], [], [1, 2, 1]])
@pytest.mark.parametrize("blank", [0, 2])
def test_loss_is_the_sum_over_all_alignments(rng, label, blank):
    lp = log_softmax(rng.standard_normal((6, 3)))
    label = [k if k != blank else 0 for k in label]  # keep the blank out of the label
    target = np.array([label or [1]])
    loss, _ = ctc_forward(
        lp[:, None], target, np.array([6]), np.array([len(label)]), blank=blank, reduction="none"
    )
    assert abs(-loss[0] - _brute_force(lp, label, blank)) < 1e-12


def test_too_short_input_has_infinite_loss_and_nan_gradient(rng):
    lp = log_softmax(rng.standard_normal((3, 1, 4)))
    # "1 1 2" needs 4 frames (a blank between the two 1s); 3 are given
    args = (lp, np.array([[1, 1, 2]]), np.array([3]), np.array([3]))
    loss, cache = ctc_forward(*args, reduction="sum")
    assert loss == np.inf
    assert np.isnan(ctc_backward(1.0, cache)).all()
    loss, cache = ctc_forward(*args, reduction="sum", zero_infinity=True)
    assert loss == 0.0
    assert (ctc_backward(1.0, cache) == 0).all()
    # one more frame makes it feasible
    lp4 = log_softmax(rng.standard_normal((4, 1, 4)))
    assert np.isfinite(ctc_forward(lp4, *args[1:2], np.array([4]), args[3])[0])


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_gradient_matches_finite_differences(rng, reduction):
    log_probs, targets, il, tl = _batch(rng)
    loss, cache = ctc_forward(log_probs, targets, il, tl, reduction=reduction)
    dloss = rng.standard_normal(3) if reduction == "none" else np.array(1.7)
    grad = ctc_backward(dloss, cache)
    f = lambda: np.asarray(ctc_forward(log_probs, targets, il, tl, reduction=reduction)[0])  # noqa: E731
    assert_grads(f, {"log_probs": log_probs}, {"log_probs": grad}, dloss)
    assert (grad[il[1] :, 1] == 0).all()
    assert (grad[il[2] :, 2] == 0).all()


def test_gradient_of_the_posteriors_is_minus_the_state_occupancy(rng):
    # Through a log_softmax the gradient is softmax - gamma; gamma sums to 1 over classes.
    log_probs, targets, il, tl = _batch(rng)
    _, cache = ctc_forward(log_probs, targets, il, tl, reduction="none")
    grad = ctc_backward(np.ones(3), cache)
    assert np.allclose(grad[: il[1], 1].sum(axis=1), -1.0, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("blank", [0, 3])
def test_equals_torch_ctc_loss(rng, reduction, blank):
    T, N, C = 7, 3, 5
    logits = rng.standard_normal((T, N, C))
    targets = np.array([[1, 1, 2, 4], [4, 2, 2, 1], [2, 4, 0, 0]])
    targets[targets == blank] = 4 if blank != 4 else 1
    il, tl = np.array([7, 6, 4]), np.array([4, 3, 2])
    loss, cache = ctc_forward(log_softmax(logits), targets, il, tl, blank, reduction)
    dloss = rng.standard_normal(N) if reduction == "none" else np.array(0.9)
    dlp = ctc_backward(dloss, cache)
    ours_dz = dlp - np.exp(log_softmax(logits)) * dlp.sum(axis=2, keepdims=True)  # log_softmax'

    z = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.CTCLoss(blank=blank, reduction=reduction)(
        z.log_softmax(2), torch.tensor(targets), torch.tensor(il), torch.tensor(tl)
    )
    ref.backward(torch.tensor(dloss))
    assert np.abs(np.asarray(loss) - ref.detach().numpy()).max() < 1e-10
    assert np.abs(ours_dz - z.grad.numpy()).max() < 1e-10


@needs_torch
def test_torch_adds_the_softmax_to_the_free_gradient(rng):
    # The documented difference: torch's dlog_probs = ours + exp(log_probs) * dloss.
    log_probs, targets, il, tl = _batch(rng)
    _, cache = ctc_forward(log_probs, targets, il, tl, reduction="sum")
    lp = torch.tensor(log_probs, requires_grad=True)
    torch.nn.functional.ctc_loss(
        lp, torch.tensor(targets), torch.tensor(il), torch.tensor(tl), reduction="sum"
    ).backward()
    mask = np.arange(6)[:, None, None] < il[None, :, None]
    assert (
        np.abs(ctc_backward(1.0, cache) + np.exp(log_probs) * mask - lp.grad.numpy()).max() < 1e-12
    )


@needs_torch
def test_infeasible_matches_torch(rng):
    lp = log_softmax(rng.standard_normal((3, 2, 4)))
    targets, il, tl = np.array([[1, 1, 2], [1, 2, 3]]), np.array([3, 3]), np.array([3, 2])
    for zero_infinity in (False, True):
        ours = ctc_forward(lp, targets, il, tl, reduction="none", zero_infinity=zero_infinity)[0]
        ref = torch.nn.functional.ctc_loss(
            torch.tensor(lp), torch.tensor(targets), torch.tensor(il), torch.tensor(tl),
            reduction="none", zero_infinity=zero_infinity,
        ).numpy()  # fmt: skip
        assert ours[0] == ref[0]
        assert abs(ours[1] - ref[1]) < 1e-12


def test_collapse_and_greedy_decoding():
    assert ctc_collapse([1, 1, 0, 1, 2, 2, 0]) == [1, 1, 2]
    assert ctc_collapse([2, 2, 1], blank=2) == [1]
    best = np.array([[0, 1, 1, 0, 2, 2], [3, 0, 3, 3, 0, 0]]).T  # (T, N)
    log_probs = np.log(np.full((6, 2, 4), 0.1))
    np.put_along_axis(log_probs, best[:, :, None], np.log(0.7), axis=2)
    assert ctc_greedy_decode(log_probs) == [[1, 2], [3, 3]]
    assert ctc_greedy_decode(log_probs, np.array([3, 2])) == [[1], [3]]


def test_prefix_beam_search_is_exact_with_a_wide_beam(rng):
    T, C = 5, 3
    lp = log_softmax(rng.standard_normal((T, C)) * 2)
    result = ctc_prefix_beam_search(lp, beam_width=10_000)
    labels = {tuple(ctc_collapse(p)) for p in itertools.product(range(C), repeat=T)}
    assert {prefix for prefix, _ in result} == labels
    for prefix, log_p in result:
        assert abs(log_p - _brute_force(lp, list(prefix))) < 1e-12
    assert abs(np.logaddexp.reduce([lp_ for _, lp_ in result])) < 1e-12  # sums to 1


def test_prefix_beam_search_can_beat_best_path():
    # Best path picks blank at both frames ("" with 0.36), but "1" has 0.16 + 0.24 + 0.24 = 0.64.
    p = np.array([[0.6, 0.4], [0.6, 0.4]])
    lp = np.log(p)
    assert ctc_greedy_decode(lp[:, None]) == [[]]
    (best, log_p), *_ = ctc_prefix_beam_search(lp, beam_width=2)
    assert best == (1,)
    assert abs(np.exp(log_p) - 0.64) < 1e-12


def test_bad_arguments_are_named():
    lp = log_softmax(np.zeros((4, 2, 3)))
    t, il, tl = np.array([[1, 2], [2, 1]]), np.array([4, 4]), np.array([2, 2])
    with pytest.raises(ValueError, match=r"log_probs must have 3 dimension\(s\) \(T, N, C\)"):
        ctc_forward(lp[0], t, il, tl)
    with pytest.raises(ValueError, match=r"targets must be \(N, S\)"):
        ctc_forward(lp, t[:1], il, tl)
    with pytest.raises(ValueError, match=r"targets must hold indices in \[0, 3\)"):
        ctc_forward(lp, t + 5, il, tl)
    with pytest.raises(ValueError, match=r"input_lengths must lie in \[1, T\] = \[1, 4\]"):
        ctc_forward(lp, t, np.array([5, 4]), tl)
    with pytest.raises(ValueError, match=r"target_lengths must lie in \[0, S\] = \[0, 2\]"):
        ctc_forward(lp, t, il, np.array([3, 1]))
    with pytest.raises(ValueError, match=r"targets\[1\] holds the blank index 0"):
        ctc_forward(lp, np.array([[1, 2], [0, 1]]), il, tl)
    with pytest.raises(ValueError, match="blank must be an integer in"):
        ctc_forward(lp, t, il, tl, blank=3)
    with pytest.raises(ValueError, match="reduction"):
        ctc_forward(lp, t, il, tl, reduction="avg")
    with pytest.raises(ValueError, match=r"dloss must be a scalar or of shape \(N,\) = \(2,\)"):
        ctc_backward(np.ones(3), ctc_forward(lp, t, il, tl)[1])
    with pytest.raises(TypeError, match="cache must be the cache returned by ctc_forward"):
        ctc_backward(1.0, object())
    with pytest.raises(ValueError, match=r"log_probs must have 2 dimension\(s\) \(T, C\)"):
        ctc_prefix_beam_search(lp)
