"""Drivers: graded calls that need more than "call the learner's function on these arrays".

They run in the sandboxed child (:mod:`.runner`), on the learner's namespace ``ns``: building the
learner's ``torch.nn.Module`` and running it on the grader's weights (exercise 9), handing the
learner's beam search a step function read from a table (exercise 13), timing a backward pass
in CPU seconds (:func:`_cpu_budget`), counting the rounds of a scan (:func:`_scan_depth`), or
checking that a function leaves its caller's dict alone (:func:`_fresh_dict`). Each returns plain
arrays and numbers for the grader to compare outside; a broken rule is a violation, which can
only cost points.
"""

from __future__ import annotations

import math
import signal
import time

import numpy as np

from rnncourse.grading.child import guard as guard_mod

_cpu = time.process_time  # bound before any learner code runs


def _torch_lstm(ns, cls_name, D, H, weights, x, state, G):
    """Build the learner's LSTM module, load the grader's weights, run forward and backward.

    The loss weighs the outputs, the last states and the gates of every step (``model.gates``,
    (N, T, 4H)) with ``G``; the gates and every gradient come back.
    """
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
    gates = getattr(model, "gates", None)
    want = (x.shape[0], x.shape[1], 4 * H)
    if not (isinstance(gates, torch.Tensor) and tuple(gates.shape) == want):
        raise ValueError(
            f"after forward, self.gates must be a tensor of shape {want} (the gates [i, f, g, o] "
            f"of every step), got {type(gates).__name__}"
            + (f" of shape {tuple(gates.shape)}" if isinstance(gates, torch.Tensor) else "")
        )
    loss = (
        (out * torch.from_numpy(G[0])).sum()
        + (h_n * torch.from_numpy(G[1])).sum()
        + (c_n * torch.from_numpy(G[2])).sum()
        + (gates * torch.from_numpy(G[3])).sum()
    )
    loss.backward()
    grads = [params[n].grad for n in names]
    return (out, h_n, c_n, gates, xt.grad, *grads)


class _TableStep:
    """A step function read from a table that counts the states it is asked about.

    ``table[depth, prev]`` is the distribution (log-probabilities) of the next token after token
    ``prev`` at position ``depth``; a state is the row ``[depth, prev]``. A beam search asks about
    at most ``beam_size`` states per call and ``beam_size * max_len`` in all; asking about more
    (enumerating the outputs: exhaustive search) is a violation and stops the search.
    """

    __slots__ = ("_table", "_per_call", "_total", "_asked", "_name")

    def __init__(self, table, beam_size, max_len, name):
        self._table, self._per_call, self._total = table, beam_size, beam_size * max_len
        self._asked, self._name = 0, name

    def _refuse(self, why):
        msg = f"`{self._name}` {why}: a beam search keeps at most beam_size partial outputs"
        guard_mod.VIOLATIONS.append(msg)
        raise RuntimeError(msg)

    def __call__(self, tokens, states):
        states = np.asarray(states)
        tokens = np.asarray(tokens, dtype=np.int64)
        n = len(tokens)
        self._asked += n
        if n > self._per_call:
            self._refuse(
                f"asked the step function about {n} states at once (beam_size = {self._per_call})"
            )
        if self._asked > self._total:
            self._refuse(
                f"asked the step function about more than beam_size * max_len = "
                f"{self._total} states in all (exhaustive search?)"
            )
        table = self._table
        depth = np.minimum(states[:, 0], table.shape[0] - 1)
        return table[depth, tokens].copy(), np.stack([states[:, 0] + 1, tokens], axis=1)


def _beam_table(ns, fn_name, table, beam_size, max_len, eos_id, alpha):
    """Call the learner's beam search with a step function read from a table (a _TableStep)."""
    fn = ns.get(fn_name)
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a function, got {type(fn).__name__}")
    step = _TableStep(table, int(beam_size), int(max_len), fn_name)
    start = np.array([[0, eos_id]], dtype=np.int64)
    tokens, score = fn(step, start, int(beam_size), int(max_len), int(eos_id), float(alpha))
    return np.asarray(list(tokens), dtype=np.int64), float(score)


def _arrays_in(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _arrays_in(v)
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _arrays_in(v)


def _cpu_budget(ns, fn_name, seconds, label, *args):
    """Call ``fn_name(*args)`` and measure its CPU time: over ``seconds`` is a violation.

    The sizes are chosen by the grader so that the analytic backward takes milliseconds, while
    differentiating entry by entry (central differences, complex step: two forward passes per
    entry) takes hours. Complex results are refused.
    """
    fn = ns.get(fn_name)
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a function, got {type(fn).__name__}")
    over = (
        f"`{fn_name}` used more than its budget of {seconds:g} s of CPU time at {label}, which "
        "the analytic backward fits many times over (differentiating the forward pass entry by "
        "entry does not): write the backward pass"
    )
    start = _cpu()
    with _CpuAlarm(seconds):
        try:
            out = fn(*args)
        except _OverBudget:
            guard_mod.VIOLATIONS.append(over)
            return None
    used = _cpu() - start
    if any(a.dtype.kind == "c" for a in _arrays_in(out)):
        guard_mod.VIOLATIONS.append(
            f"`{fn_name}` returned complex values: the gradients are real arrays (complex-step "
            "differentiation is not the backward pass this exercise asks for)"
        )
    elif used > seconds:  # the alarm was caught and ignored by the learner's code
        guard_mod.VIOLATIONS.append(over)
    return out


class _OverBudget(BaseException):
    """Raised by the CPU-time alarm inside a budgeted call (not an ``Exception``)."""


def _on_CpuAlarm(signum, frame):
    raise _OverBudget()


class _CpuAlarm:
    """Raise :class:`_OverBudget` after ``seconds`` of the process's CPU time (``ITIMER_PROF``)."""

    def __init__(self, seconds):
        self.seconds, self.old = float(seconds), None

    def __enter__(self):
        try:
            self.old = signal.signal(signal.SIGPROF, _on_CpuAlarm)
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        except (ValueError, OSError, AttributeError):  # not the main thread: measure only
            self.old = None

    def __exit__(self, *exc):
        if self.old is not None:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self.old)
        return False


class _Depth:
    """A number that knows the length of the longest chain of operations that produced it."""

    __slots__ = ("v", "d")

    def __init__(self, v, d=0):
        self.v, self.d = float(v), d

    @staticmethod
    def _split(o):
        return (o.v, o.d) if isinstance(o, _Depth) else (float(o), 0)

    def _op(self, o, f):
        ov, od = self._split(o)
        return _Depth(f(self.v, ov), max(self.d, od) + 1)

    def __add__(self, o):
        return self._op(o, lambda a, b: a + b)

    def __radd__(self, o):
        return self._op(o, lambda a, b: b + a)

    def __sub__(self, o):
        return self._op(o, lambda a, b: a - b)

    def __rsub__(self, o):
        return self._op(o, lambda a, b: b - a)

    def __mul__(self, o):
        return self._op(o, lambda a, b: a * b)

    def __rmul__(self, o):
        return self._op(o, lambda a, b: b * a)

    def __truediv__(self, o):
        return self._op(o, lambda a, b: a / b)

    def __rtruediv__(self, o):
        return self._op(o, lambda a, b: b / a)

    def __neg__(self):
        return _Depth(-self.v, self.d)

    def __pos__(self):
        return self

    def __float__(self):
        return self.v


def _tracked(a):
    out = np.empty(a.shape, dtype=object)
    for i, v in np.ndenumerate(a):
        out[i] = _Depth(v)
    return out


def _untracked(name, fn_name, a):
    """Return (values, depth) of an array of tracked numbers; raise if it is not one."""
    if not (isinstance(a, np.ndarray) and a.dtype == object):
        raise TypeError(
            f"{fn_name} must compute {name} with +, * and indexing on the arrays it is given "
            f"(here arrays of numbers that count the rounds, dtype object); got "
            f"{type(a).__name__} of dtype {getattr(a, 'dtype', '?')}: do not convert them"
        )
    values, depth = np.empty(a.shape), 0
    for i, v in np.ndenumerate(a):
        if isinstance(v, _Depth):
            values[i], depth = v.v, max(depth, v.d)
        else:
            values[i] = float(v)
    return values, depth


def _scan_depth(ns, fn_name, a, b, h0, dh, extra):
    """Run the learner's scan on numbers that count rounds; a chain too long is a violation.

    Every element of ``a``, ``b``, ``h0`` (and ``dh``) starts at depth 0; an operation's result
    is one deeper than its deepest operand. A loop over time makes h_T the end of a chain of 2T
    operations; a parallel scan of ceil(log2 T) rounds keeps it under 2 ceil(log2 T) + 2.
    ``fn_name`` is ``scan_forward`` (h is returned) or ``scan_backward`` (run after the learner's
    ``scan_forward``; da, db, dh0 are returned). The bound is ``4 ceil(log2 T) + extra``.
    """
    T = a.shape[1]
    bound = 4 * math.ceil(math.log2(max(T, 2))) + int(extra)
    forward = ns.get("scan_forward")
    if not callable(forward):
        raise TypeError("`scan_forward` must be a function")
    h, cache = forward(_tracked(a), _tracked(b), _tracked(h0))
    if fn_name == "scan_forward":
        outs = {"h": h}
    else:
        backward = ns.get("scan_backward")
        if not callable(backward):
            raise TypeError("`scan_backward` must be a function")
        outs = dict(zip(("da", "db", "dh0"), backward(_tracked(dh), cache), strict=True))
    values, depth = {}, 0
    for name, arr in outs.items():
        values[name], d = _untracked(name, fn_name, arr)
        depth = max(depth, d)
    if depth > bound:
        guard_mod.VIOLATIONS.append(
            f"`{fn_name}` is not a parallel scan: at T = {T} its outputs end a chain of {depth} "
            f"operations, where ceil(log2 T) = {math.ceil(math.log2(T))} rounds need at most "
            f"{bound} (a loop over time needs about {2 * T})"
        )
    return tuple(values.values())


def _fresh_dict(ns, fn_name, given, *args):
    """Call ``fn_name(given, *args)``; rebinding or changing entries of ``given`` is a violation."""
    fn = ns.get(fn_name)
    if not callable(fn):
        raise TypeError(f"`{fn_name}` must be a function, got {type(fn).__name__}")
    before = {k: (v, v.copy()) for k, v in given.items()}
    out = fn(given, *args)
    modified = [f"grads[{k!r}]" for k, (a, old) in before.items() if not np.array_equal(a, old)]
    rebound = [k for k, (a, _) in before.items() if k not in given or given[k] is not a]
    rebound += [k for k in given if k not in before]
    if modified:
        guard_mod.VIOLATIONS.append(
            f"`{fn_name}` modified its input(s) in place: {', '.join(modified)} (work on copies)"
        )
    if rebound:
        guard_mod.VIOLATIONS.append(
            f"`{fn_name}` rebound entries of the caller's dict ({', '.join(map(repr, rebound))}): "
            "return a new dict and leave the one you are given alone"
        )
    if out is given:
        guard_mod.VIOLATIONS.append(
            f"`{fn_name}` returned the dict it was given: return a new dict"
        )
    return out


DRIVERS = {
    "torch_lstm": _torch_lstm,
    "beam_table": _beam_table,
    "cpu_budget": _cpu_budget,
    "scan_depth": _scan_depth,
    "fresh_dict": _fresh_dict,
}
