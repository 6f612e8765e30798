import numpy as np


def word_embedding_forward(x, W):
    N, T = x.shape
    out = np.empty((N, T, W.shape[1]), dtype=W.dtype)
    for n in range(N):
        for t in range(T):
            out[n, t] = W[x[n, t]]
    return out, (x, W.shape, W.dtype)


def word_embedding_backward(dout, cache):
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=np.result_type(dtype, dout))
    N, T = x.shape
    for n in range(N):
        for t in range(T):
            dW[x[n, t]] += dout[n, t]
    return dW
