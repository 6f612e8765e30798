"""Measurements that explain what a recurrent network does (chapters 4, 7, 9 and 12).

``rnncourse.analysis.spectral``
    Spectral radius and singular values of recurrent matrices; initial parameters with a
    chosen radius.
``rnncourse.analysis.gradients``
    Exact gradients of a last-step loss with respect to every earlier state (vanishing and
    exploding gradients).
``rnncourse.analysis.bptt``
    Backpropagation through time step by step, with every step's share of the gradient.
``rnncourse.analysis.recording``
    Gate recordings of a reference, ``rnncourse.nn`` or ``torch.nn`` model on one sequence.
``rnncourse.analysis.features``
    Per-character features of source text (inside a string, indentation, ...).
``rnncourse.analysis.units``
    Search for interpretable units and the effect of clamping one.
:mod:`~rnncourse.analysis.lstm_belt`
    Why an LSTM's gradient survives: the cell path alone against the whole per-step Jacobian.

Every public name is importable from ``rnncourse.analysis`` directly.
"""

from rnncourse.analysis._recurrence import ACTIVATIONS, CELLS
from rnncourse.analysis.bptt import BPTTContributions, bptt_contributions
from rnncourse.analysis.features import (
    FEATURES,
    gate_saturation,
    indentation,
    inside_short_string,
    inside_string,
    line_position,
    rank_units,
)
from rnncourse.analysis.gradients import (
    HiddenGradients,
    gradient_flow,
    gradient_flow_problem,
    hidden_state_gradients,
)
from rnncourse.analysis.lstm_belt import (
    BeltAnalysis,
    belt_gradients,
    fitted_factor,
    forget_bias_sweep,
    lstm_belt_analysis,
    step_jacobians,
)
from rnncourse.analysis.recording import Recordable, as_recordable, encode_text, record
from rnncourse.analysis.spectral import (
    init_params,
    scale_to_spectral_radius,
    spectral_radius,
    spectral_radius_of_blocks,
)
from rnncourse.analysis.units import (
    clamped_unit_bits,
    search_units,
    unit_activations,
    unit_correlation,
)

__all__ = [
    "CELLS",
    "ACTIVATIONS",
    "HiddenGradients",
    "spectral_radius",
    "scale_to_spectral_radius",
    "spectral_radius_of_blocks",
    "init_params",
    "hidden_state_gradients",
    "gradient_flow",
    "gradient_flow_problem",
    "BPTTContributions",
    "bptt_contributions",
    "Recordable",
    "as_recordable",
    "encode_text",
    "record",
    "FEATURES",
    "inside_string",
    "inside_short_string",
    "indentation",
    "line_position",
    "rank_units",
    "gate_saturation",
    "unit_activations",
    "search_units",
    "unit_correlation",
    "clamped_unit_bits",
    "BeltAnalysis",
    "belt_gradients",
    "fitted_factor",
    "forget_bias_sweep",
    "lstm_belt_analysis",
    "step_jacobians",
]
