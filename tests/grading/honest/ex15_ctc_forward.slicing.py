import numpy as np

LOG_ZERO = -1e30


def ctc_extend(label, blank):
    ext = np.full(2 * len(label) + 1, blank, dtype=np.int64)
    ext[1::2] = label
    return ext


def ctc_alpha(log_probs, ext, blank):
    T, L = log_probs.shape[0], ext.shape[0]
    emit = log_probs[:, ext]
    can_skip = np.zeros(L, dtype=bool)
    can_skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full((T, L), LOG_ZERO)
    alpha[0, :2] = emit[0, :2]
    for t in range(1, T):
        stay = alpha[t - 1]
        step = np.concatenate(([LOG_ZERO], alpha[t - 1, :-1]))
        jump = np.concatenate(([LOG_ZERO, LOG_ZERO], alpha[t - 1, :-2]))[:L]
        jump = np.where(can_skip, jump, LOG_ZERO)
        alpha[t] = np.logaddexp(np.logaddexp(stay, step), jump) + emit[t]
        alpha[t] = np.maximum(alpha[t], LOG_ZERO)
    return alpha


def ctc_loss(log_probs, label, blank):
    ext = ctc_extend(label, blank)
    a = ctc_alpha(log_probs, ext, blank)
    return float(min(-np.logaddexp.reduce(a[-1, -2:]), -LOG_ZERO))
