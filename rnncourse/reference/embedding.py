r"""The word-embedding layer: a table lookup forward, a scatter-add backward (chapter 6).

A token id :math:`y_t \in \{0, \dots, V-1\}` becomes the row :math:`x_t = W_e[y_t]` of an
embedding matrix :math:`W_e` (V, D). That is the product of the one-hot vector with the matrix,

.. math:: x_t = \operatorname{onehot}(y_t)\, W_e = W_e[y_t],

computed without building the (N, T, V) one-hot array. The backward pass follows from the same
identity: :math:`\partial L/\partial W_e = \sum_{n,t} \operatorname{onehot}(y_{n,t})^\top\,
\partial L/\partial x_{n,t}`, so row v of the gradient is the *sum* of the upstream gradients of
every position that read token v. A token that occurs twice gets both contributions; NumPy's
``dW[ids] += dout`` keeps only one of them (buffered fancy-index assignment), which is why the
backward uses ``np.add.at``, the unbuffered scatter-add.

The API is CS231n's (assignment 3): ``word_embedding_forward(x, W) -> (out, cache)`` and
``word_embedding_backward(dout, cache) -> dW``. :class:`torch.nn.Embedding` computes the same
lookup with ``weight = W``.
"""

from __future__ import annotations

import numpy as np

from rnncourse._validation import Dims, check_cache, check_float_array, check_int_array, describe
from rnncourse.reference._base import Cache

__all__ = ["word_embedding_forward", "word_embedding_backward"]


class EmbeddingCache(Cache):
    """Cache of :func:`word_embedding_forward`: the ids and the table (CS231n's ``(x, W)``)."""

    __slots__ = ("x", "W")
    producer = "word_embedding_forward"


def word_embedding_forward(x: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, EmbeddingCache]:
    """Look up the embedding of every token id: ``out[n, t] = W[x[n, t]]``.

    Parameters
    ----------
    x : numpy.ndarray of int, shape (N, T)
        Token ids, each in ``[0, V)``.
    W : numpy.ndarray of float, shape (V, D)
        The embedding matrix, one row per token.

    Returns
    -------
    out : numpy.ndarray, shape (N, T, D)
        The embedded sequence (a new array, in ``W``'s dtype).
    cache : EmbeddingCache
        For :func:`word_embedding_backward`.

    Raises
    ------
    ValueError
        If ``x`` is not an integer (N, T) array, holds an id outside ``[0, V)``, or ``W`` is not
        a float (V, D) array.
    """
    dims = Dims()
    check_float_array("W", W, "(V, D)", dims)
    if not (isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.integer)):
        got = f"{x.dtype} array of shape {x.shape}" if isinstance(x, np.ndarray) else describe(x)
        raise ValueError(
            f"x must be an integer array of token ids, shape (N, T), each in [0, V) = "
            f"[0, {dims['V']}), got {got}"
        )
    check_int_array("x", x, "(N, T)", dims)
    V = dims["V"]
    if x.size and (x.min() < 0 or x.max() >= V):
        raise ValueError(
            f"x must hold token ids in [0, V) = [0, {V}) (W is (V, D) = {W.shape}), got values "
            f"in [{x.min()}, {x.max()}] in x of shape (N, T) = {x.shape}"
        )
    out = W[x]  # x_t = onehot(y_t) W_e = W_e[y_t]
    return out, EmbeddingCache(x=x, W=W)


def word_embedding_backward(dout: np.ndarray, cache: EmbeddingCache) -> np.ndarray:
    """Gradient of the embedding matrix: scatter-add the upstream gradients into their rows.

    Parameters
    ----------
    dout : numpy.ndarray, shape (N, T, D)
        Gradient of the loss with respect to ``out``.
    cache : EmbeddingCache
        From :func:`word_embedding_forward`.

    Returns
    -------
    dW : numpy.ndarray, shape (V, D)
        Row v is the sum of ``dout[n, t]`` over every (n, t) with ``x[n, t] == v``; rows of
        tokens that did not occur are zero.
    """
    check_cache(cache, EmbeddingCache, "word_embedding_forward")
    x, W = cache.x, cache.W
    dout = check_float_array(
        "dout", dout, "(N, T, D)", Dims(N=x.shape[0], T=x.shape[1], D=W.shape[1])
    )
    dW = np.zeros(W.shape, dtype=np.result_type(W, dout))
    np.add.at(dW, x, dout)  # dW_e[v] = Σ_{n,t: y_nt = v} ∂L/∂x_nt (repeats accumulate)
    return dW
