r"""Two LSTM variants from the notes (chapter 9): peephole connections and coupled gates.

**Peephole LSTM** (Gers and Schmidhuber, 2000). The gates also look at the cell state, through
diagonal ("peephole") weights ``P = [p_i, p_f, p_o]`` (3H,); the input and forget gates see the
previous cell, the output gate the new one:

.. math::

    i_t &= \sigma(a_i + p_i \odot c_{t-1}), \quad f_t = \sigma(a_f + p_f \odot c_{t-1}), \quad
    g_t = \tanh(a_g) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \quad
    o_t = \sigma(a_o + p_o \odot c_t), \quad h_t = o_t \odot \tanh(c_t)

where ``a_t = x_t Wx + h_{t-1} Wh + b`` with blocks ``[i, f, g, o]`` exactly as in :mod:`.lstm`.
The notes draw the peepholes as full matrices acting on :math:`[C_{t-1}, h_{t-1}, x_t]`; the
diagonal form here is the one of the original paper and of most libraries. ``P = 0`` gives back
the plain LSTM.

**Coupled LSTM**, in the notes' form. The cell writes exactly where it forgets,
:math:`i_t = 1 - f_t`, so

.. math:: c_t = f_t \odot c_{t-1} + (1 - f_t) \odot g_t,

the GRU's interpolation inside an LSTM. There is no input-gate block, so ``Wx`` is (D, 3H),
``Wh`` (H, 3H) and ``b`` (3H,) with blocks ``[f, g, o]`` (the LSTM's order without ``i``).

Torch has neither variant, so ``rnncourse.nn.LSTM(peephole=True)`` / ``(coupled=True)`` are
checked against this module.

Each variant has its own module, :mod:`.peephole_lstm` and :mod:`.coupled_lstm`; this one
gathers them under the name the chapter uses.
"""

from rnncourse.reference.coupled_lstm import (
    coupled_lstm_backward,
    coupled_lstm_forward,
    coupled_lstm_step_backward,
    coupled_lstm_step_forward,
)
from rnncourse.reference.peephole_lstm import (
    peephole_lstm_backward,
    peephole_lstm_forward,
    peephole_lstm_step_backward,
    peephole_lstm_step_forward,
)

__all__ = [
    "peephole_lstm_step_forward",
    "peephole_lstm_step_backward",
    "peephole_lstm_forward",
    "peephole_lstm_backward",
    "coupled_lstm_step_forward",
    "coupled_lstm_step_backward",
    "coupled_lstm_forward",
    "coupled_lstm_backward",
]
