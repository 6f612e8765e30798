import numpy as np

LOG_ZERO = -1e30


def ctc_extend(label, blank):
    pairs = [(blank, int(k)) for k in label]
    return np.array([x for pair in pairs for x in pair] + [blank], dtype=np.int64)


def predecessors(ext, blank, s):
    """States a path can come from into state s."""
    out = [s]
    if s >= 1:
        out.append(s - 1)
    if s >= 2 and ext[s] != blank and ext[s - 2] != ext[s]:
        out.append(s - 2)
    return out


def log_sum(values):
    values = np.asarray(values, dtype=float)
    top = values.max()
    if top <= LOG_ZERO:
        return LOG_ZERO
    return top + np.log(np.exp(values - top).sum())


def first_frame(log_probs, ext):
    row = np.full(len(ext), LOG_ZERO)
    row[0] = log_probs[0, ext[0]]
    if len(ext) > 1:
        row[1] = log_probs[0, ext[1]]
    return row


def ctc_alpha(log_probs, ext, blank):
    rows = [first_frame(log_probs, ext)]
    for t in range(1, len(log_probs)):
        last = rows[-1]
        sums = [log_sum([last[p] for p in predecessors(ext, blank, s)]) for s in range(len(ext))]
        rows.append(np.maximum(np.array(sums) + log_probs[t, ext], LOG_ZERO))
    return np.stack(rows)


def ctc_loss(log_probs, label, blank):
    ext = ctc_extend(label, blank)
    ends = ctc_alpha(log_probs, ext, blank)[-1][-2:] if len(ext) > 1 else None
    if ends is None:
        ends = ctc_alpha(log_probs, ext, blank)[-1]
    return float(min(-log_sum(ends), 1e30))
