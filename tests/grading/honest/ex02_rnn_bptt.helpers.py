import numpy as np


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    h = np.tanh(x @ Wx + h_prev @ Wh + b)
    return h, (x, h_prev, Wx, Wh, h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=x.dtype)
    caches, state = [], h0
    for t in range(T):
        state, cache = rnn_step_forward(x[:, t], state, Wx, Wh, b)
        h[:, t] = state
        caches.append(cache)
    return h, caches


def _nudged(f, x, idx, delta):
    saved = x[idx]
    x[idx] = saved + delta
    try:
        return f(x)
    finally:
        x[idx] = saved


def numerical_gradient(f, x, h=1e-5):
    return np.array(
        [(_nudged(f, x, i, h) - _nudged(f, x, i, -h)) / (2 * h) for i in np.ndindex(x.shape)]
    ).reshape(x.shape)


def _tanh_grad(h, upstream):
    return upstream * (1 - h**2)


def _param_grads(x, h_prev, d):
    return x.T @ d, h_prev.T @ d, d.sum(axis=0)


def rnn_step_backward(dh, cache):
    x, h_prev, Wx, Wh, h = cache
    d = _tanh_grad(h, dh)
    return (d @ Wx.T, d @ Wh.T, *_param_grads(x, h_prev, d))


def _add(acc, new):
    return [a + n for a, n in zip(acc, new, strict=False)]


def rnn_backward(dh, cache):
    N, T, H = dh.shape
    dxs, nxt = [], np.zeros((N, H))
    acc = [0.0, 0.0, 0.0]
    for t in range(T - 1, -1, -1):
        dx_t, nxt, *g = rnn_step_backward(dh[:, t] + nxt, cache[t])
        dxs.insert(0, dx_t)
        acc = _add(acc, g)
    return (np.stack(dxs, 1), nxt, *acc)
