"""Gradient-flow explorer (chapter 7).

How much gradient reaches step t from a loss on the last state, for a tanh RNN whose recurrent
matrix has a chosen spectral radius, next to an LSTM and a GRU.

The curves are :func:`rnncourse.analysis.hidden_state_gradients` (exact, autograd, float64); the
parameter-gradient norms used for clipping come from the NumPy reference's backward passes
(:mod:`rnncourse.reference`) and :func:`rnncourse.reference.clip_by_global_norm`'s rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse._validation import check_int
from rnncourse.figures.curves import CELL_LABELS
from rnncourse.widgets._base import WidgetBase

__all__ = ["GradientFlowExplorer"]


class GradientFlowExplorer(WidgetBase):
    r"""‖∂L/∂h_t‖ against steps back T − t (log scale), loss on h_T only, several spectral radii.

    The loss is :math:`L = \sum_n g_n^\top h_T^{(n)}` with random unit vectors :math:`g_n`, so
    :math:`\partial L/\partial h_t = g_n^\top\,\partial h_T/\partial h_t`: the curve is the
    size of :math:`\partial h_T/\partial h_t` along the direction BPTT actually carries back,
    averaged over the batch.

    Parameters
    ----------
    radii : array_like or None
        Spectral radii of every recurrent (H, H) block (all cells), one slider position each
        (default 0.5 to 1.5 in steps of 0.1).
    T : int
        Sequence length.
    hidden_size, input_size, batch_size : int
        H, D, N.
    cells : sequence of str
        Subset of ``("rnn", "lstm", "gru")``.
    forget_bias : float
        Bias of the LSTM forget gate and GRU z gate (the gate that keeps the old state).
    input_scale : float
        Standard deviation of the random inputs (small keeps tanh near its linear range).
    taus : array_like or None
        Clipping thresholds offered for the global norm of the parameter gradient.
    seed : int

    Attributes
    ----------
    curves : dict
        cell -> ndarray (len(radii), T+1): mean over the batch of ‖∂L/∂h_t‖, t = 0..T.
    grad_norms : dict
        cell -> ndarray (len(radii),): global norm of ∂L/∂(Wx, Wh, b[, bh]).
    rates : dict
        cell -> ndarray (len(radii),): fitted per-step factor (< 1 vanishing, > 1 exploding).
    """

    kind = "gradflow"

    def __init__(
        self,
        radii: Any = None,
        *,
        T: int = 60,
        hidden_size: int = 32,
        input_size: int = 8,
        batch_size: int = 4,
        cells: Any = ("rnn", "lstm", "gru"),
        forget_bias: float = 2.0,
        input_scale: float = 0.1,
        taus: Any = None,
        start_radius: float = 1.0,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.radii = np.round(np.arange(0.5, 1.51, 0.1), 2) if radii is None else radii
        self.taus = np.array([0.1, 1.0, 10.0]) if taus is None else taus
        self.T, self.hidden_size, self.input_size = T, hidden_size, input_size
        self.batch_size, self.cells, self.forget_bias = batch_size, tuple(cells), forget_bias
        self.input_scale, self.start_radius, self.seed = input_scale, start_radius, seed
        self.curves: dict[str, np.ndarray] = {}
        self.grad_norms: dict[str, np.ndarray] = {}
        self.rates: dict[str, np.ndarray] = {}
        self._sliders: dict[str, Any] = {}
        self.refresh()

    # ------------------------------------------------------------------ computation
    def setup(self, cell: str, radius: float) -> tuple[np.ndarray, dict, np.ndarray]:
        """Draw inputs x (N, T, D), parameters and upstream unit vectors g (N, H) for one curve.

        The draws are :func:`rnncourse.analysis.gradient_flow_problem`'s: the same seed gives the
        same x and g for every cell and radius, and the same random direction of the weights
        (only their scale changes with the radius).
        """
        from rnncourse.analysis import gradient_flow_problem

        params, x, g = gradient_flow_problem(
            cell,
            spectral_radius=radius,
            T=self.T,
            hidden_size=self.hidden_size,
            input_size=self.input_size,
            batch_size=self.batch_size,
            forget_bias=self.forget_bias,
            input_scale=self.input_scale,
            seed=self.seed,
        )
        return x, params, g

    def _validate(self) -> None:
        radii = np.asarray(self.radii, dtype=np.float64).reshape(-1)
        if radii.size < 1 or radii.size > 41 or np.any(~np.isfinite(radii)) or np.any(radii <= 0):
            raise ValueError(f"radii must hold 1 to 41 positive numbers, got {self.radii!r}")
        taus = np.asarray(self.taus, dtype=np.float64).reshape(-1)
        if taus.size < 1 or np.any(~np.isfinite(taus)) or np.any(taus <= 0):
            raise ValueError(f"taus must hold positive numbers, got {self.taus!r}")
        bad = [c for c in self.cells if c not in CELL_LABELS]
        if bad or not self.cells:
            raise ValueError(
                f"cells must be a non-empty subset of {list(CELL_LABELS)}, got {self.cells}"
            )
        for name in ("T", "hidden_size", "input_size", "batch_size"):
            check_int(name, getattr(self, name), 1, maximum=1000)
        self.radii, self.taus = radii, taus

    def _compute(self) -> dict[str, Any]:
        from rnncourse.analysis import hidden_state_gradients
        from rnncourse.figures.curves import FLOW_XLABEL, FLOW_YLABEL

        self._validate()
        self.curves, self.grad_norms, self.rates = {}, {}, {}
        for cell in self.cells:
            curves, norms, rates = [], [], []
            for radius in self.radii:
                x, params, g = self.setup(cell, float(radius))
                res = hidden_state_gradients(x, None, params, cell, dL_dhT=g)
                # the whole state (LSTM: h and c), as in chapter 7's static figure
                curves.append(res.mean_state_norms)
                rates.append(res.decay_rate("state"))
                norms.append(_param_grad_norm(cell, x, params, g))
            self.curves[cell] = np.array(curves)
            self.grad_norms[cell] = np.array(norms)
            self.rates[cell] = np.array(rates)
        every = np.concatenate([c.ravel() for c in self.curves.values()])
        finite = every[np.isfinite(every) & (every > 0)]
        lo = max(float(finite.min()) if finite.size else 1e-10, 1e-10)
        hi = min(float(finite.max()) if finite.size else 1.0, 1e12)
        ylim = [10 ** np.floor(np.log10(lo)), 10 ** np.ceil(np.log10(max(hi, 10 * lo)))]
        scale = {
            c: [
                [float(min(1.0, tau / n)) if n > 0 else 1.0 for tau in self.taus]
                for n in self.grad_norms[c]
            ]
            for c in self.cells
        }
        start = int(np.argmin(np.abs(self.radii - self.start_radius)))
        return {
            "title": f"Gradient reaching h_t from a loss on h_T (T = {self.T}, "
            f"H = {self.hidden_size})",
            "T": self.T,
            "radii": [float(r) for r in self.radii],
            "start": start,
            "cells": list(self.cells),
            "names": {c: CELL_LABELS[c] for c in self.cells},
            "curves": {
                c: [[_finite(v) for v in row] for row in self.curves[c]] for c in self.cells
            },
            "rates": {c: [_finite(v) for v in self.rates[c]] for c in self.cells},
            "grad_norm": {c: [_finite(v) for v in self.grad_norms[c]] for c in self.cells},
            "taus": [float(t) for t in self.taus],
            "clip_start": min(1, len(self.taus) - 1),
            "clip_scale": scale,
            "ylim": ylim,
            "xlabel": FLOW_XLABEL,
            "ylabel": FLOW_YLABEL,
            "note": (
                f"Every recurrent block (all three cells) is scaled to the spectral radius ρ; "
                f"LSTM forget / GRU z bias = {self.forget_bias:g}; inputs N(0, "
                f"{self.input_scale:g}²); mean over {self.batch_size} sequences. Clipping "
                "rescales the whole gradient by min(1, τ/‖∇θ L‖): it caps an exploding update "
                "but leaves the shape of the curve, and so a vanishing gradient, unchanged."
            ),
        }

    # ------------------------------------------------------------------ live controls
    def _controls(self) -> list:
        import ipywidgets as widgets

        specs = {"T": (10, 200, 10), "hidden_size": (4, 128, 4)}
        row = []
        for name, (lo, hi, step) in specs.items():
            s = widgets.IntSlider(
                value=getattr(self, name),
                min=lo,
                max=hi,
                step=step,
                description=name,
                continuous_update=False,
            )
            s.observe(self._setter(name), names="value")
            self._sliders[name] = s
            row.append(s)
        kb = widgets.FloatSlider(
            value=self.forget_bias,
            min=-2,
            max=5,
            step=0.5,
            description="keep bias",
            continuous_update=False,
        )
        kb.observe(self._setter("forget_bias"), names="value")
        self._sliders["forget_bias"] = kb
        return [widgets.HBox([*row, kb])]

    def _setter(self, name: str):
        def callback(change: dict) -> None:
            self.set(**{name: change["new"]})

        return callback

    def set(self, **settings: Any) -> None:
        """Change settings (T, hidden_size, forget_bias, input_scale, seed, ...) and recompute."""
        for name, value in settings.items():
            if not hasattr(self, name) or name.startswith("_") or name in ("data", "error"):
                raise ValueError(f"unknown setting {name!r}")
            setattr(self, name, value)
        self.refresh()


def _finite(v: float) -> float:
    """JSON has no inf/NaN: map them to the largest float (drawn off the top of the plot)."""
    v = float(v)
    return v if np.isfinite(v) else 1.0e300


def _param_grad_norm(cell: str, x: np.ndarray, params: dict, g: np.ndarray) -> float:
    """Global norm of dL/dθ for L = sum_n g_n · h_T^(n), by the reference backward pass."""
    from rnncourse import reference as ref

    N, T, _ = x.shape
    H = params["Wh"].shape[0]
    h0 = np.zeros((N, H))
    dh = np.zeros((N, T, H))
    dh[:, -1] = g
    if cell == "rnn":
        _, cache = ref.rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
        grads = ref.rnn_backward(dh, cache)[2:]
    elif cell == "lstm":
        _, cache = ref.lstm_forward(x, h0, params["Wx"], params["Wh"], params["b"])
        grads = ref.lstm_backward(dh, cache)[2:]
    else:
        _, cache = ref.gru_forward(x, h0, params["Wx"], params["Wh"], params["b"], params["bh"])
        grads = ref.gru_backward(dh, cache)[2:]
    return float(np.sqrt(sum(float(np.sum(np.square(d))) for d in grads)))
