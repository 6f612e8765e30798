import numpy as np

from rnncourse.grading.lm import lm_loss_and_grads


def clip_gradients(grads, max_value):
    return dict((k, np.minimum(np.maximum(v, -max_value), max_value)) for k, v in grads.items())


def _softmax(s):
    s = s - s.max()
    return np.exp(s) / np.exp(s).sum()


def sample(params, start_ix, end_ix, max_len, rng):
    Wx, Wh, b, Wy, by = params["Wx"], params["Wh"], params["b"], params["Wy"], params["by"]
    eye = np.eye(Wx.shape[0])
    state, token, result = np.zeros((1, Wh.shape[0])), start_ix, []
    while len(result) < max_len and (not result or result[-1] != end_ix):
        state = np.tanh(eye[[token]] @ Wx + state @ Wh + b)
        token = int(rng.choice(len(by), p=_softmax((state @ Wy + by)[0])))
        result.append(token)
    return result


def train_step(X, Y, h0, params, lr, max_value):
    loss, grads, h_last = lm_loss_and_grads(X, Y, h0, params)
    step = clip_gradients(grads, max_value)
    return loss, {k: params[k] - lr * step[k] for k in step}, h_last
