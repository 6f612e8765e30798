import numpy as np

from rnncourse.grading.lm import lm_loss_and_grads


def clip_gradients(grads, max_value):
    clipped = {}
    for name in grads:
        g = grads[name].copy()
        g[g > max_value] = max_value
        g[g < -max_value] = -max_value
        clipped[name] = g
    return clipped


def sample(params, start_ix, end_ix, max_len, rng):
    V = params["Wx"].shape[0]
    h = np.zeros(params["Wh"].shape[0])
    drawn = []
    prev = start_ix
    for _ in range(max_len):
        h = np.tanh(params["Wx"][prev] + h @ params["Wh"] + params["b"])
        logits = h @ params["Wy"] + params["by"]
        w = np.exp(logits - np.max(logits))
        prev = int(rng.choice(V, p=w / np.sum(w)))
        drawn.append(prev)
        if prev == end_ix:
            return drawn
    return drawn


def train_step(X, Y, h0, params, lr, max_value):
    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    grads = clip_gradients(grads, max_value)
    updated = {}
    for name, value in params.items():
        updated[name] = value - lr * grads[name]
    return loss, updated, h_last
