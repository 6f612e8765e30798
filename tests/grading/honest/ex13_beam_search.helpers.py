import numpy as np


class _Hyp:
    def __init__(self, tokens, logp):
        self.tokens, self.logp = tokens, logp


def _ranked(hyps, logp):
    V = logp.shape[1]
    flat = [(h.logp + logp[k, v], k, v) for k, h in enumerate(hyps) for v in range(V)]
    return sorted(flat, key=lambda item: item[0], reverse=True)


def _normalised(logp, length, alpha):
    return logp / length**alpha


def _extend(hyps, logp, t, beam_size, eos_id, alpha, done):
    alive, rows = [], []
    for total, k, v in _ranked(hyps, logp):
        if np.isneginf(total):
            break
        if v == eos_id:
            done.append((hyps[k].tokens, _normalised(total, t, alpha)))
        else:
            alive.append(_Hyp(hyps[k].tokens + [v], total))
            rows.append(k)
        if len(alive) + len(done) >= beam_size:
            break
    return alive, rows


def beam_search(step, start_state, beam_size, max_len, eos_id, alpha):
    hyps, state, done = [_Hyp([], 0.0)], start_state, []
    last = np.array([eos_id])
    for t in range(1, max_len + 1):
        logp, new_state = step(last, state)
        hyps_next, rows = _extend(hyps, logp, t, beam_size, eos_id, alpha, done)
        if len(done) >= beam_size or not hyps_next:
            break
        hyps, state = hyps_next, new_state[np.array(rows)]
        last = np.array([h.tokens[-1] for h in hyps])
    else:
        done.extend((h.tokens, _normalised(h.logp, max_len, alpha)) for h in hyps)
    return max(done, key=lambda d: d[1])
