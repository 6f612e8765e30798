"""Interactive views of recurrent networks: live in Jupyter, still interactive in the static book.

- :class:`CellExplorer` — one LSTM/GRU step with sliders, every gate on a diagram of the cell.
- :class:`GateInspector` — heatmaps of every gate and state over time x units, time scrubbing.
- :class:`GradientFlowExplorer` — ‖∂L/∂h_t‖ against t for a tanh RNN, LSTM and GRU, per spectral
  radius.
- :class:`InterpretableCellViewer` — text coloured by one unit, search for units tracking a feature.
- :class:`AttentionExplorer` — a date translator's output and attention matrix, per input and model.

Each object is displayable as the last expression of a cell. Its ``_repr_mimebundle_`` carries an
ipywidgets view (Python callbacks, live kernel) and a self-contained ``text/html`` view (data and
JavaScript inline) that the rendered book shows. All values come from :mod:`rnncourse.nn`
(GateRecorder), :mod:`rnncourse.analysis` and :mod:`rnncourse.reference`.
"""

from rnncourse.widgets.attention import AttentionExplorer
from rnncourse.widgets.cell import CellExplorer
from rnncourse.widgets.gradflow import GradientFlowExplorer
from rnncourse.widgets.inspector import GateInspector
from rnncourse.widgets.interpret import InterpretableCellViewer

__all__ = [
    "AttentionExplorer",
    "CellExplorer",
    "GateInspector",
    "GradientFlowExplorer",
    "InterpretableCellViewer",
]
