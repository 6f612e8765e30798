"""Drivers: graded calls that need more than "call the learner's function on these arrays".

They run in the sandboxed child (:mod:`.runner`), on the learner's namespace ``ns``: building the
learner's ``torch.nn.Module`` and running it on the grader's weights (exercise 9), or handing the
learner's beam search a step function read from a table (exercise 13). Each returns plain arrays
and numbers for the grader to compare outside.
"""

from __future__ import annotations

import numpy as np

from rnncourse.grading import guard as guard_mod


def _torch_lstm(ns, cls_name, D, H, weights, x, state, G):
    """Build the learner's LSTM module, load the grader's weights, run forward and backward."""
    import torch

    cls = ns.get(cls_name)
    if not (isinstance(cls, type) and issubclass(cls, torch.nn.Module)):
        raise TypeError(f"`{cls_name}` must be a torch.nn.Module subclass, got {cls!r}")
    torch.manual_seed(0)
    model = cls(D, H)
    for name, mod in model.named_modules():
        if isinstance(mod, (torch.nn.RNNBase, torch.nn.RNNCellBase)):
            msg = f"uses a built-in torch recurrent module ({type(mod).__name__} at '{name}')"
            guard_mod.VIOLATIONS.append(msg)
            raise RuntimeError(msg)
    model = model.double()
    params = dict(model.named_parameters())
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    if sorted(params) != sorted(names):
        raise ValueError(f"parameters must be exactly {names}, got {sorted(params)}")
    with torch.no_grad():
        for n in names:
            if tuple(params[n].shape) != weights[n].shape:
                raise ValueError(
                    f"{n} must have shape {weights[n].shape}, got {tuple(params[n].shape)}"
                )
            params[n].copy_(torch.from_numpy(weights[n]))
    xt = torch.from_numpy(x).requires_grad_(True)
    st = None if state is None else tuple(torch.from_numpy(s) for s in state)
    result = model(xt, st)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], tuple)):
        raise TypeError("forward must return (output, (h_n, c_n))")
    out, (h_n, c_n) = result
    loss = (
        (out * torch.from_numpy(G[0])).sum()
        + (h_n * torch.from_numpy(G[1])).sum()
        + (c_n * torch.from_numpy(G[2])).sum()
    )
    loss.backward()
    grads = [params[n].grad for n in names]
    return (out, h_n, c_n, xt.grad, *grads)


def _beam_table(ns, fn_name, table, beam_size, max_len, eos_id, alpha):
    """Call the learner's beam search with a step function read from a table.

    ``table[depth, prev]`` is the distribution (log-probabilities) of the next token after token
    ``prev`` at position ``depth``; a state is the row ``[depth, prev]``.
    """
    fn = ns.get(fn_name)
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a function, got {type(fn).__name__}")

    def step(tokens, states):
        states = np.asarray(states)
        tokens = np.asarray(tokens, dtype=np.int64)
        depth = np.minimum(states[:, 0], table.shape[0] - 1)
        return table[depth, tokens].copy(), np.stack([states[:, 0] + 1, tokens], axis=1)

    start = np.array([[0, eos_id]], dtype=np.int64)
    tokens, score = fn(step, start, int(beam_size), int(max_len), int(eos_id), float(alpha))
    return np.asarray(list(tokens), dtype=np.int64), float(score)


DRIVERS = {"torch_lstm": _torch_lstm, "beam_table": _beam_table}
