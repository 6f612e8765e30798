import numpy as np


def beam_search(step, start_state, beam_size, max_len, eos_id, alpha):
    beams = [([], 0.0)]
    states = start_state
    last = np.array([eos_id])
    done = []
    finished_all = False
    for t in range(1, max_len + 1):
        logp, next_states = step(last, states)
        candidates = []
        for k, (_seq, score) in enumerate(beams):
            for v in range(logp.shape[1]):
                candidates.append((score + logp[k, v], k, v))
        candidates.sort(key=lambda c: -c[0])
        rows, new_beams = [], []
        for total, k, v in candidates:
            if total == -np.inf:
                break
            if v == eos_id:
                done.append((beams[k][0], total / t**alpha))
            else:
                rows.append(k)
                new_beams.append((beams[k][0] + [v], total))
            if len(new_beams) + len(done) >= beam_size:
                break
        if len(done) >= beam_size or not new_beams:
            finished_all = True
            break
        beams, states = new_beams, next_states[rows]
        last = np.array([seq[-1] for seq, _ in beams])
    if not finished_all:
        for seq, score in beams:
            done.append((seq, score / max_len**alpha))
    best = done[0]
    for item in done[1:]:
        if item[1] > best[1]:
            best = item
    return best
