import numpy as np

LOG_ZERO = -1e30


def ctc_extend(label, blank):
    out = np.full(2 * len(label) + 1, blank, dtype=np.int64)
    for i in range(len(label)):
        out[2 * i + 1] = label[i]
    return out


def log_add(a, b):
    if a < b:
        a, b = b, a
    if b <= LOG_ZERO:
        return a
    return a + np.log1p(np.exp(b - a))


def ctc_alpha(log_probs, ext, blank):
    n_frames = log_probs.shape[0]
    n_states = len(ext)
    table = [[LOG_ZERO] * n_states for _ in range(n_frames)]
    for s in range(min(2, n_states)):
        table[0][s] = float(log_probs[0, ext[s]])
    for t in range(1, n_frames):
        prev = table[t - 1]
        for s in range(n_states):
            acc = prev[s]
            if s > 0:
                acc = log_add(acc, prev[s - 1])
            skip = s > 1 and ext[s] != blank and ext[s] != ext[s - 2]
            if skip:
                acc = log_add(acc, prev[s - 2])
            if acc > LOG_ZERO:
                table[t][s] = max(acc + float(log_probs[t, ext[s]]), LOG_ZERO)
    return np.array(table)


def ctc_loss(log_probs, label, blank):
    ext = ctc_extend(label, blank)
    final = ctc_alpha(log_probs, ext, blank)[-1]
    total = final[-1]
    if len(ext) > 1:
        total = log_add(total, final[-2])
    return float(min(-total, 1e30))
