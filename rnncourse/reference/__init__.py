"""NumPy reference implementation of recurrent layers, written to be read beside the book.

CS231n's layer API: every forward function returns ``(output, cache)`` and the matching backward
function takes ``(dout, cache)`` and returns the gradients, always the same tuple. Each line of
a step function is one equation of the book, in its symbols (``a = x @ Wx + h_prev @ Wh + b``;
``c = f * c_prev + i * g``), one gradient per line in a step backward; a sequence function
writes its time loop out in its cell's module (``for t in range(T)``, and the BPTT sweep
``for t in reversed(range(T))`` with the gradient from step t + 1 added to ``dh[:, t]``). Speed
is :mod:`rnncourse.nn`'s job. Needs NumPy alone.

Conventions (shared with the whole package): batch-major row vectors, ``x`` is (N, T, D), hidden
states (N, H) or (N, T, H); weights ``Wx`` (D, kH), ``Wh`` (H, kH), ``b`` (kH,) with the k gate
blocks of ``rnncourse.reference.cells.BLOCKS`` in torch.nn's order (LSTM ``[i, f, g, o]``,
GRU ``[r, z, n]``), so that ``Wx = weight_ih_l0.T`` and ``Wh = weight_hh_l0.T``. Works in float64
and float32 (the output dtype follows the inputs). Arguments are validated once, at every public
function (shapes in symbols and numbers, dtypes, caches); a wrong argument raises ``ValueError``
/ ``TypeError`` naming it. The time loops call private, unchecked steps (``_lstm_step_forward``),
so a sequence is checked once, not T times.

Modules: :mod:`.rnn`, :mod:`.lstm`, :mod:`.gru`, :mod:`.lstm_variants` (:mod:`.peephole_lstm`,
:mod:`.coupled_lstm`), :mod:`.layers`, :mod:`.embedding` (the word-embedding layer),
:mod:`.cells` (the cell table), :mod:`.dispatch` (any cell by name), :mod:`.bidirectional`,
:mod:`.deep`, :mod:`.tbptt`, :mod:`.truncation` (chunks, BPTT(k1, k2), randomised truncation),
:mod:`.optim`,
:mod:`.gradcheck`, :mod:`.sampling`, :mod:`.init`, :mod:`.attention`, :mod:`.scan` (linear
recurrences by parallel scan, chapter 14),
:mod:`.linear_rnns` (minGRU, minLSTM, LRU), :mod:`.ssm` (Mamba's selective SSM, xLSTM cells),
:mod:`.rtrl` (real-time recurrent learning),
:mod:`.autoregressive` (AR(p) by least squares, k-step rollouts),
:mod:`.ctc` (connectionist temporal classification: loss, gradient, decoding).
"""

from rnncourse.reference.attention import (
    additive_attention_backward,
    additive_attention_forward,
    attention_backward,
    attention_forward,
)
from rnncourse.reference.autoregressive import ar_fit, ar_predict, rollout
from rnncourse.reference.bidirectional import bidirectional_backward, bidirectional_forward
from rnncourse.reference.ctc import (
    ctc_alpha,
    ctc_backward,
    ctc_beta,
    ctc_collapse,
    ctc_forward,
    ctc_greedy_decode,
    ctc_prefix_beam_search,
    extend_with_blanks,
)
from rnncourse.reference.deep import deep_backward, deep_forward
from rnncourse.reference.embedding import word_embedding_backward, word_embedding_forward
from rnncourse.reference.gradcheck import (
    GradCheckError,
    eval_numerical_gradient,
    grad_check,
    rel_error,
)
from rnncourse.reference.gru import gru_backward, gru_forward, gru_step_backward, gru_step_forward
from rnncourse.reference.init import init_output_params, init_rnn_params
from rnncourse.reference.layers import (
    affine_backward,
    affine_forward,
    log_softmax,
    sigmoid,
    softmax,
    temporal_affine_backward,
    temporal_affine_forward,
    temporal_softmax_loss,
)
from rnncourse.reference.linear_rnns import (
    lru_forward,
    lru_init,
    mingru_backward,
    mingru_forward,
    minlstm_forward,
)
from rnncourse.reference.lstm import (
    lstm_backward,
    lstm_forward,
    lstm_step_backward,
    lstm_step_forward,
)
from rnncourse.reference.lstm_variants import (
    coupled_lstm_backward,
    coupled_lstm_forward,
    coupled_lstm_step_backward,
    coupled_lstm_step_forward,
    peephole_lstm_backward,
    peephole_lstm_forward,
    peephole_lstm_step_backward,
    peephole_lstm_step_forward,
)
from rnncourse.reference.optim import (
    adagrad,
    adam,
    clip_by_global_norm,
    clip_by_value,
    global_norm,
    sgd,
)
from rnncourse.reference.rnn import rnn_backward, rnn_forward, rnn_step_backward, rnn_step_forward
from rnncourse.reference.rtrl import diagonal_rtrl_gradients, gradient_costs, rnn_rtrl_gradients
from rnncourse.reference.sampling import rnn_lm_loss, rnn_lm_step, sample, sample_next
from rnncourse.reference.scan import linear_scan_backward, linear_scan_forward, scan_cost
from rnncourse.reference.ssm import mlstm_forward, selective_ssm_forward, slstm_forward
from rnncourse.reference.tbptt import TBPTTChunk, chunk_slices, tbptt, tbptt_gradients

__all__ = [
    "ar_fit",
    "ar_predict",
    "rollout",
    "rnn_step_forward",
    "rnn_step_backward",
    "rnn_forward",
    "rnn_backward",
    "lstm_step_forward",
    "lstm_step_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_step_forward",
    "gru_step_backward",
    "gru_forward",
    "gru_backward",
    "peephole_lstm_step_forward",
    "peephole_lstm_step_backward",
    "peephole_lstm_forward",
    "peephole_lstm_backward",
    "coupled_lstm_step_forward",
    "coupled_lstm_step_backward",
    "coupled_lstm_forward",
    "coupled_lstm_backward",
    "affine_forward",
    "affine_backward",
    "temporal_affine_forward",
    "temporal_affine_backward",
    "temporal_softmax_loss",
    "word_embedding_forward",
    "word_embedding_backward",
    "sigmoid",
    "softmax",
    "log_softmax",
    "bidirectional_forward",
    "bidirectional_backward",
    "deep_forward",
    "deep_backward",
    "tbptt",
    "tbptt_gradients",
    "chunk_slices",
    "TBPTTChunk",
    "sgd",
    "adagrad",
    "adam",
    "clip_by_value",
    "clip_by_global_norm",
    "global_norm",
    "eval_numerical_gradient",
    "grad_check",
    "rel_error",
    "GradCheckError",
    "sample",
    "sample_next",
    "rnn_lm_step",
    "rnn_lm_loss",
    "init_rnn_params",
    "init_output_params",
    "attention_forward",
    "attention_backward",
    "additive_attention_forward",
    "additive_attention_backward",
    "linear_scan_forward",
    "linear_scan_backward",
    "scan_cost",
    "mingru_forward",
    "mingru_backward",
    "minlstm_forward",
    "lru_init",
    "lru_forward",
    "rnn_rtrl_gradients",
    "diagonal_rtrl_gradients",
    "gradient_costs",
    "selective_ssm_forward",
    "mlstm_forward",
    "slstm_forward",
    "ctc_forward",
    "ctc_backward",
    "ctc_collapse",
    "ctc_greedy_decode",
    "ctc_prefix_beam_search",
    "ctc_alpha",
    "ctc_beta",
    "extend_with_blanks",
]
