import numpy as np

from rnncourse.grading.lm import lm_loss_and_grads


def _clip_one(g, m):
    return np.clip(g, -m, m)


def clip_gradients(grads, max_value):
    return {key: _clip_one(value, max_value) for key, value in grads.items()}


def _rnn_cell(params, ix, h):
    return np.tanh(params["Wx"][ix] + params["Wh"].T @ h + params["b"])


def _next_probs(params, h):
    scores = params["Wy"].T @ h + params["by"]
    e = np.exp(scores - scores.max())
    return e / e.sum()


def sample(params, start_ix, end_ix, max_len, rng):
    h, ix, seq = np.zeros(len(params["b"])), start_ix, []
    for _ in range(max_len):
        h = _rnn_cell(params, ix, h)
        p = _next_probs(params, h)
        ix = int(rng.choice(len(p), p=p))
        seq.append(ix)
        if ix == end_ix:
            break
    return seq


def _sgd(params, grads, lr):
    return {k: v - lr * grads[k] for k, v in params.items()}


def train_step(X, Y, h0, params, lr, max_value):
    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    return loss, _sgd(params, clip_gradients(grads, max_value), lr), h_last
