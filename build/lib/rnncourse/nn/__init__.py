"""Readable PyTorch RNN / GRU / LSTM, drop-in compatible with ``torch.nn``, with gate recording.

Modules
-------
RNNCell, GRUCell, LSTMCell
    One step; same constructor, forward and parameter names as torch.nn.
RNN, GRU, LSTM
    Sequence layers; same constructor arguments (``num_layers``, ``bias``, ``batch_first``,
    ``dropout``, ``bidirectional``, ``nonlinearity``), forward signature, return values and
    parameter names as torch.nn, so ``state_dict``s load both ways. Accept PackedSequence.
    ``LSTM(..., peephole=True)`` / ``LSTM(..., coupled=True)`` add the variants of the notes.
GateRecorder
    ``with GateRecorder(model) as rec: model(x)`` then ``rec.gates(layer, direction)``.
to_reference_params, load_reference_params
    Conversion to / from the NumPy reference (:mod:`rnncourse.reference`) layout.

linear_scan
    ``h_t = a_t * h_{t-1} + b_t`` by a loop or a parallel scan (chapter 14).
MinGRU, MinLSTM, LRU
    Recurrences linear in the state, trained with the scan (chapter 14).

The equations are in :mod:`rnncourse.nn.functional`, one line each, in the book's notation.
"""

from rnncourse.nn.cells import GRUCell, LSTMCell, RNNCell
from rnncourse.nn.convert import load_reference_params, to_reference_params
from rnncourse.nn.layers import GRU, LSTM, RNN
from rnncourse.nn.linear_rnns import LRU, MinGRU, MinLSTM
from rnncourse.nn.linear_scan import linear_scan
from rnncourse.nn.recorder import GateRecorder

__all__ = [
    "RNNCell",
    "GRUCell",
    "LSTMCell",
    "RNN",
    "GRU",
    "LSTM",
    "GateRecorder",
    "to_reference_params",
    "load_reference_params",
    "linear_scan",
    "MinGRU",
    "MinLSTM",
    "LRU",
]
