import numpy as np

from rnncourse.reference import lstm_step_backward, lstm_step_forward


def _masked_step(xt, h, c, W, masks):
    return lstm_step_forward(xt * masks[0], h * masks[1], c, *W)


def variational_lstm_forward(x, h0, Wx, Wh, b, mask_x, mask_h):
    W, masks = (Wx, Wh, b), (mask_x, mask_h)
    h, c = h0, np.zeros_like(h0)
    out = np.empty(x.shape[:2] + h0.shape[1:])
    record = []
    for t in range(x.shape[1]):
        h, c, step_cache = _masked_step(x[:, t], h, c, W, masks)
        out[:, t] = h
        record.append(step_cache)
    return out, {"record": record, "masks": masks}


def _masked_step_back(dh, dc, step_cache, masks):
    dxm, dhm, dc_prev, *g = lstm_step_backward(dh, dc, step_cache)
    return dxm * masks[0], dhm * masks[1], dc_prev, g


def variational_lstm_backward(dh, cache):
    masks = cache["masks"]
    N, T, H = dh.shape
    dx = np.empty((N, T, masks[0].shape[1]))
    nh, nc, acc = np.zeros((N, H)), np.zeros((N, H)), None
    for t in reversed(range(T)):
        dx[:, t], nh, nc, g = _masked_step_back(dh[:, t] + nh, nc, cache["record"][t], masks)
        acc = g if acc is None else [a + b for a, b in zip(acc, g, strict=False)]
    return (dx, nh, *acc)
