import numpy as np


def word_embedding_forward(x, W):
    out = np.take(W, x.ravel(), axis=0).reshape(*x.shape, W.shape[1])
    return out, (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    ids = x.reshape(-1)
    rows = dout.reshape(ids.size, -1)
    order = np.argsort(ids, kind="stable")
    uniq, starts = np.unique(ids[order], return_index=True)
    dW = np.zeros_like(W, dtype=np.result_type(W, dout))
    dW[uniq] = np.add.reduceat(rows[order], starts, axis=0)
    return dW
