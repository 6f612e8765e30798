r"""First-order optimisers over dicts of arrays, and gradient clipping.

Every optimiser updates ``params[k]`` **in place** for each key of ``params`` (``grads`` must hold
the same keys; extra gradient keys are ignored) and returns its state dict, which is passed back
in on the next call (``None`` the first time). The update rules, for a parameter :math:`w` with
gradient :math:`g`:

- SGD with momentum (torch's form): :math:`v \leftarrow \mu v + g`, :math:`w \leftarrow w - \eta v`
  (plain SGD for :math:`\mu = 0`).
- Adagrad: :math:`G \leftarrow G + g^2`, :math:`w \leftarrow w - \eta\, g / (\sqrt{G} + \epsilon)`.
- Adam: :math:`m \leftarrow \beta_1 m + (1-\beta_1) g`, :math:`v \leftarrow \beta_2 v +
  (1-\beta_2) g^2`, :math:`\hat m = m / (1-\beta_1^t)`, :math:`\hat v = v / (1-\beta_2^t)`,
  :math:`w \leftarrow w - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)`.

Clipping (the fix for exploding gradients): :func:`clip_by_value` clamps every entry to
:math:`[-c, c]` (as in the classic min-char-rnn); :func:`clip_by_global_norm` rescales *all*
gradients together by :math:`\min(1, \tau / \lVert g \rVert)`, where :math:`\lVert g \rVert` is
the norm of all entries of all arrays, which keeps the update's direction (as
``torch.nn.utils.clip_grad_norm_``, without its 1e-6 in the denominator).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

import numpy as np

from rnncourse._validation import check_float_array, check_keys, check_positive

__all__ = ["sgd", "adagrad", "adam", "clip_by_value", "clip_by_global_norm", "global_norm"]


def _check(params: Any, grads: Any) -> None:
    if not isinstance(params, MutableMapping):
        raise TypeError(f"params must be a dict of arrays, got {type(params).__name__}")
    check_keys("grads", grads, list(params))
    for k, w in params.items():
        check_float_array(f"params[{k!r}]", w)
        g = check_float_array(f"grads[{k!r}]", grads[k])
        if g.shape != w.shape:
            raise ValueError(
                f"grads[{k!r}] must have the shape of params[{k!r}] {w.shape}, got {g.shape}"
            )


def _slots(state: dict[str, Any], name: str, params: Mapping[str, np.ndarray]) -> dict:
    slots = state.setdefault(name, {})
    for k, w in params.items():
        if k not in slots:
            slots[k] = np.zeros_like(w)
    return slots


def sgd(
    params: MutableMapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    state: dict[str, Any] | None = None,
    lr: float = 1e-2,
    momentum: float = 0.0,
) -> dict[str, Any]:
    r"""Stochastic gradient descent with optional momentum, in place.

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        Parameters, updated in place.
    grads : dict of str to numpy.ndarray
        Gradients with (at least) the keys of ``params`` and the same shapes.
    state : dict, optional
        What the previous call returned; None to start.
    lr : float, default 1e-2
        Learning rate :math:`\eta`.
    momentum : float, default 0
        Momentum :math:`\mu` in [0, 1).

    Returns
    -------
    dict
        The state: ``{"velocity": {key: array}}``.
    """
    _check(params, grads)
    check_positive("lr", lr)
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum!r}")
    state = {} if state is None else state
    if momentum == 0:
        for k, w in params.items():
            w -= lr * grads[k]
        return state
    vel = _slots(state, "velocity", params)
    for k, w in params.items():
        v = vel[k]
        v *= momentum
        v += grads[k]
        w -= lr * v
    return state


def adagrad(
    params: MutableMapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    state: dict[str, Any] | None = None,
    lr: float = 1e-2,
    eps: float = 1e-8,
) -> dict[str, Any]:
    """Adagrad, in place: per-entry step sizes that shrink with the summed squared gradients.

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        Parameters, updated in place.
    grads : dict of str to numpy.ndarray
        Gradients (same keys and shapes).
    state : dict, optional
        What the previous call returned; None to start.
    lr : float, default 1e-2
        Learning rate.
    eps : float, default 1e-8
        Added to the root of the sum, avoids division by zero.

    Returns
    -------
    dict
        The state: ``{"sum_sq": {key: array}}``.
    """
    _check(params, grads)
    check_positive("lr", lr)
    check_positive("eps", eps, allow_zero=True)
    state = {} if state is None else state
    acc = _slots(state, "sum_sq", params)
    for k, w in params.items():
        g = grads[k]
        acc[k] += g * g
        w -= lr * g / (np.sqrt(acc[k]) + eps)
    return state


def adam(
    params: MutableMapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    state: dict[str, Any] | None = None,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> dict[str, Any]:
    """Adam with bias correction, in place.

    Parameters
    ----------
    params : dict of str to numpy.ndarray
        Parameters, updated in place.
    grads : dict of str to numpy.ndarray
        Gradients (same keys and shapes).
    state : dict, optional
        What the previous call returned; None to start.
    lr : float, default 1e-3
        Learning rate.
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moment estimates, in [0, 1).
    eps : float, default 1e-8
        Added to the root of the second moment.

    Returns
    -------
    dict
        The state: ``{"t": steps taken, "m": {key: array}, "v": {key: array}}``.
    """
    _check(params, grads)
    check_positive("lr", lr)
    for name, beta in (("beta1", beta1), ("beta2", beta2)):
        if not 0 <= beta < 1:
            raise ValueError(f"{name} must be in [0, 1), got {beta!r}")
    state = {} if state is None else state
    m, v = _slots(state, "m", params), _slots(state, "v", params)
    state["t"] = t = state.get("t", 0) + 1
    c1, c2 = 1 - beta1**t, 1 - beta2**t
    for k, w in params.items():
        g = grads[k]
        m[k] *= beta1
        m[k] += (1 - beta1) * g
        v[k] *= beta2
        v[k] += (1 - beta2) * g * g
        w -= lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + eps)
    return state


def _check_grads(grads: Any) -> None:
    if not isinstance(grads, MutableMapping):
        raise TypeError(f"grads must be a dict of arrays, got {type(grads).__name__}")
    for k, g in grads.items():
        check_float_array(f"grads[{k!r}]", g)


def clip_by_value(
    grads: MutableMapping[str, np.ndarray], clip: float
) -> MutableMapping[str, np.ndarray]:
    """Clamp every gradient entry to ``[-clip, clip]``, in place.

    Parameters
    ----------
    grads : dict of str to numpy.ndarray
        Gradients, modified in place.
    clip : float
        Bound, > 0.

    Returns
    -------
    dict
        ``grads`` itself.
    """
    _check_grads(grads)
    check_positive("clip", clip)
    for g in grads.values():
        np.clip(g, -clip, clip, out=g)
    return grads


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """Euclidean norm of all entries of all arrays in ``grads``.

    Parameters
    ----------
    grads : dict of str to numpy.ndarray
        Gradients.

    Returns
    -------
    float
    """
    return float(
        np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads.values()))
    )


def clip_by_global_norm(grads: MutableMapping[str, np.ndarray], max_norm: float) -> float:
    """Rescale all gradients together so that their global norm is at most ``max_norm``.

    Parameters
    ----------
    grads : dict of str to numpy.ndarray
        Gradients, modified in place (only if the norm exceeds ``max_norm``).
    max_norm : float
        Largest allowed global norm, > 0.

    Returns
    -------
    float
        The global norm *before* clipping (useful to log exploding gradients).
    """
    _check_grads(grads)
    check_positive("max_norm", max_norm)
    total = global_norm(grads)
    if total > max_norm:
        scale = max_norm / total
        for g in grads.values():
            g *= scale
    return total
