import numpy as np


def beam_search(step, start_state, beam_size, max_len, eos_id, alpha):
    seqs, scores = [[]], np.zeros(1)
    tokens, state = np.array([eos_id]), start_state
    ended_tokens, ended_scores = [], []
    for t in range(1, max_len + 1):
        logp, state_next = step(tokens, state)
        total = scores[:, None] + logp
        V = total.shape[1]
        order = np.argsort(-total.ravel(), kind="stable")
        keep_rows, keep_tok = [], []
        for flat in order:
            if not np.isfinite(total.flat[flat]):
                break
            row, tok = divmod(int(flat), V)
            if tok == eos_id:
                ended_tokens.append(seqs[row])
                ended_scores.append(total.flat[flat] / t**alpha)
            else:
                keep_rows.append(row)
                keep_tok.append(tok)
            if len(keep_rows) + len(ended_scores) >= beam_size:
                break
        if len(ended_scores) >= beam_size or not keep_rows:
            break
        rows = np.array(keep_rows)
        scores = total[rows, keep_tok]
        seqs = [seqs[r] + [v] for r, v in zip(keep_rows, keep_tok, strict=False)]
        tokens, state = np.array(keep_tok), state_next[rows]
    else:
        ended_tokens += seqs
        ended_scores += list(scores / max_len**alpha)
    i = int(np.argmax(ended_scores))
    return ended_tokens[i], float(ended_scores[i])
