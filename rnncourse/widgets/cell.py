"""Single-cell explorer: one LSTM or GRU step, one input and one hidden unit, every valve visible.

The browser view moves over a precomputed grid of inputs ``x_t``, previous states ``h_{t-1}``
(``c_{t-1}``) and the bias of the gate that keeps the old state (LSTM forget gate f, GRU gate z);
in live Jupyter, sliders for the remaining weights and biases recompute that grid. Every number is
recorded by :class:`rnncourse.nn.GateRecorder` from an ``rnncourse.nn`` layer holding the
parameters (``D = H = 1``, one time step, the whole grid as one batch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse.analysis.recording import as_recordable, recorded_gates
from rnncourse.reference.cells import BLOCKS, KEEP, SQUASH
from rnncourse.widgets._base import WidgetBase, encode_array

__all__ = ["CellExplorer"]

_GATES = {cell: BLOCKS[cell] for cell in ("lstm", "gru")}  # the cells this explorer draws
#: Default weights, chosen so that every gate visibly moves across the slider ranges.
_DEFAULTS = {
    "lstm": {
        "wx": {"i": 2.0, "f": -1.0, "g": 1.5, "o": 1.0},
        "wh": {"i": 1.0, "f": 1.5, "g": -1.0, "o": 2.0},
        "b": {"i": 0.0, "f": 1.0, "g": 0.0, "o": 0.0},
    },
    "gru": {
        "wx": {"r": 1.0, "z": -1.5, "n": 2.0},
        "wh": {"r": 2.0, "z": 1.0, "n": 1.5},
        "b": {"r": 0.0, "z": 0.0, "n": 0.0},
    },
}


class CellExplorer(WidgetBase):
    """One step of an LSTM or GRU cell with scalar input and state, shown on a diagram of the cell.

    Parameters
    ----------
    cell : {"lstm", "gru"}
    weights : dict or None
        ``{"wx": {gate: float}, "wh": {gate: float}, "b": {gate: float}}`` for the gates
        (LSTM i, f, g, o; GRU r, z, n); missing entries take the defaults. For the GRU, ``b`` is the
        input-side bias and the hidden-side bias is zero.
    x_values, h_values, c_values : array_like or None
        Grid of ``x_t``, ``h_{t-1}`` and (LSTM) ``c_{t-1}`` the sliders move over
        (defaults: 9 points on [-2, 2], [-1, 1], [-2, 2]).
    bias_values : array_like or None
        Grid of the keep-gate bias (``b_f`` or ``b_z``), default ``[-3, -1.5, 0, 1.5, 3]``; the
        value in ``weights`` is added to it if missing.

    Attributes
    ----------
    data : dict
        What the view draws; ``data["grid"][name]`` holds the encoded values over the grid of
        shape (len(x), len(h)[, len(c)], len(bias)).
    values : dict of ndarray
        The same grid values unencoded (float64), keys: the gates, ``"c"``, ``"tc"`` (tanh c)
        and ``"h"`` (LSTM) or the gates and ``"h"`` (GRU).
    """

    kind = "cell"

    def __init__(
        self,
        cell: str = "lstm",
        weights: dict | None = None,
        x_values: Any = None,
        h_values: Any = None,
        c_values: Any = None,
        bias_values: Any = None,
    ) -> None:
        super().__init__()
        self.cell = cell
        self.weights = _merge_weights(cell, weights)
        self.axes = {
            "x": _axis(x_values, np.linspace(-2, 2, 9), "x_values"),
            "h": _axis(h_values, np.linspace(-1, 1, 9), "h_values"),
        }
        if cell == "lstm":
            self.axes["c"] = _axis(c_values, np.linspace(-2, 2, 9), "c_values")
        keep = KEEP.get(cell, "f")
        default_b = np.array([-3.0, -1.5, 0.0, 1.5, 3.0])
        self.axes["b"] = _axis(bias_values, default_b, "bias_values")
        if not np.any(np.isclose(self.axes["b"], self.weights["b"][keep])):
            self.axes["b"] = np.sort(np.append(self.axes["b"], self.weights["b"][keep]))
        self.values: dict[str, np.ndarray] = {}
        self._sliders: dict[tuple[str, str], Any] = {}
        self.refresh()

    # ------------------------------------------------------------------ computation
    def params(self, forget_bias: float | None = None) -> dict[str, np.ndarray]:
        """Reference-layout parameters (D = H = 1) for the current weights.

        Returns
        -------
        dict
            ``Wx`` (1, kH), ``Wh`` (1, kH), ``b`` (kH,) with k = 4 (LSTM) or 3 (GRU) and H = 1;
            the GRU also gets ``bh`` (3,) = 0.
        """
        gates = _GATES[self.cell]
        b = {g: self.weights["b"][g] for g in gates}
        if forget_bias is not None:
            b[KEEP[self.cell]] = forget_bias
        p = {
            "Wx": np.array([[self.weights["wx"][g] for g in gates]]),
            "Wh": np.array([[self.weights["wh"][g] for g in gates]]),
            "b": np.array([b[g] for g in gates]),
        }
        if self.cell == "gru":
            p["bh"] = np.zeros(3)
        return p

    def _compute(self) -> dict[str, Any]:
        if self.cell not in _GATES:
            raise ValueError(f"cell must be 'lstm' or 'gru', got {self.cell!r}")
        names = ["x", "h", "c", "b"] if self.cell == "lstm" else ["x", "h", "b"]
        mesh = np.meshgrid(*[self.axes[n] for n in names[:-1]], indexing="ij")
        flat = [m.reshape(-1) for m in mesh]  # the grid without the bias axis, as one batch
        per_bias = [self._step(flat, bias) for bias in self.axes["b"]]
        shape = [len(self.axes[n]) for n in names]
        # stack the bias axis last, matching the C-order index the view computes
        self.values = {
            k: np.stack([pb[k] for pb in per_bias], axis=-1).reshape(shape) for k in per_bias[0]
        }
        keep = KEEP[self.cell]
        labels = {"x": "x_t", "h": "h_{t−1}", "c": "c_{t−1}", "b": f"bias b_{keep}"}
        start = {
            n: int(np.argmin(np.abs(self.axes[n] - _start(n, self.axes[n], self.weights, keep))))
            for n in names
        }
        table = [
            [g, f"{g} ({'σ' if SQUASH[g] == 'sigmoid' else 'tanh'})"] for g in _GATES[self.cell]
        ]
        table += (
            [["c", "c_t"], ["tc", "tanh(c_t)"], ["h", "h_t"]]
            if self.cell == "lstm"
            else [["h", "h_t"]]
        )
        return {
            "cell": self.cell,
            "title": f"One {self.cell.upper()} step (D = H = 1): move the inputs, watch the gates",
            "axis_names": names,
            "axis_labels": [labels[n] for n in names],
            "axes": {n: [float(v) for v in self.axes[n]] for n in names},
            "start": start,
            "grid": {k: encode_array(v, bits=16) for k, v in self.values.items()},
            "table": table,
            "squash": {g: SQUASH[g] for g in _GATES[self.cell]},  # how the view fills each gate
            "weights": self.weights,
            "note": _note(self.cell, self.weights),
        }

    def _step(self, flat: list[np.ndarray], bias: float) -> dict[str, np.ndarray]:
        """Record one step for every grid point (one batch) at keep-gate bias ``bias``."""
        rec = as_recordable(self.params(forget_bias=float(bias)))
        x = flat[0][:, None, None]  # (M, T=1, D=1)
        h0 = flat[1][None, :, None]  # (layers=1, M, H=1)
        c0 = flat[2][None, :, None] if self.cell == "lstm" else None
        out = _record_with_state(rec, x, h0, c0)
        if self.cell == "lstm":
            out["tc"] = np.tanh(out["c"])
        return out

    # ------------------------------------------------------------------ values at a point
    def at(
        self, x: float, h_prev: float, c_prev: float | None = None, forget_bias: float | None = None
    ) -> dict[str, float]:
        """Values shown for the grid point nearest to the given inputs (what the sliders select)."""
        if self.error is not None:
            raise ValueError(self.error)
        point = {
            "x": x,
            "h": h_prev,
            "c": c_prev,
            "b": self.weights["b"][KEEP[self.cell]] if forget_bias is None else forget_bias,
        }
        names = self.data["axis_names"]
        idx = tuple(int(np.argmin(np.abs(self.axes[n] - point[n]))) for n in names)
        return {k: float(v[idx]) for k, v in self.values.items()}

    # ------------------------------------------------------------------ live controls
    def _controls(self) -> list:
        import ipywidgets as widgets

        if self.cell not in _GATES:
            return []
        keep = KEEP[self.cell]
        rows = []
        for g in _GATES[self.cell]:
            row = []
            for part in ("wx", "wh", "b"):
                if part == "b" and g == keep:
                    continue  # the keep-gate bias is an axis of the browser view
                s = widgets.FloatSlider(
                    value=self.weights[part][g],
                    min=-4.0,
                    max=4.0,
                    step=0.25,
                    description=f"{part}[{g}]",
                    continuous_update=False,
                    layout=widgets.Layout(width="240px"),
                )
                s.observe(self._on_slider(part, g), names="value")
                self._sliders[(part, g)] = s
                row.append(s)
            rows.append(widgets.HBox(row))
        head = widgets.HTML("<b>Weights of each gate</b> (the view above recomputes)")
        return [head, *rows]

    def _on_slider(self, part: str, gate: str):
        def callback(change: dict) -> None:
            self.set_weight(part, gate, float(change["new"]))

        return callback

    def set_weight(self, part: str, gate: str, value: float) -> None:
        """Change one weight (``part`` in "wx", "wh", "b") and recompute the view."""
        if part not in ("wx", "wh", "b") or gate not in _GATES.get(self.cell, ()):
            raise ValueError(f"no weight {part}[{gate}] in a {self.cell} cell")
        self.weights[part][gate] = float(value)
        self.refresh()


def _record_with_state(rec, x, h0, c0) -> dict[str, np.ndarray]:
    """Gate recording for M one-step sequences with given initial states (M, 1, H) each."""
    import torch

    state = torch.as_tensor(h0)
    if c0 is not None:
        state = (state, torch.as_tensor(c0))
    gates = recorded_gates(rec, torch.as_tensor(x), state)
    return {k: gates[k][:, 0, 0].double().numpy() for k in rec.keys}


def _merge_weights(cell: str, weights: dict | None) -> dict[str, dict[str, float]]:
    if cell not in _DEFAULTS:
        return {"wx": {}, "wh": {}, "b": {"f": 0.0}}  # refresh() reports the bad cell
    merged = {part: dict(vals) for part, vals in _DEFAULTS[cell].items()}
    for part, vals in (weights or {}).items():
        if part not in merged:
            raise ValueError(f"weights keys must be 'wx', 'wh', 'b', got {part!r}")
        for g, v in vals.items():
            if g not in merged[part]:
                raise ValueError(
                    f"weights[{part!r}] gates must be in {list(merged[part])}, got {g!r}"
                )
            merged[part][g] = float(v)
    return merged


def _axis(values: Any, default: np.ndarray, name: str) -> np.ndarray:
    arr = default if values is None else np.asarray(values, dtype=np.float64).reshape(-1)
    if arr.size < 2 or arr.size > 41 or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold 2 to 41 finite numbers, got {np.size(arr)}")
    return np.sort(arr)


def _start(name: str, axis: np.ndarray, weights: dict, keep: str) -> float:
    if name == "b":
        return weights["b"][keep]
    return {"x": 1.0, "h": 0.5, "c": 1.0}.get(name, 0.0)


def _note(cell: str, w: dict) -> str:
    gates = _GATES[cell]
    ws = "; ".join(f"{g}: wx={w['wx'][g]:g}, wh={w['wh'][g]:g}, b={w['b'][g]:g}" for g in gates)
    if cell == "lstm":
        eq = "c_t = f·c_{t−1} + i·g, h_t = o·tanh(c_t)"
    else:
        eq = "h_t = (1 − z)·n + z·h_{t−1}, n = tanh(wx_n·x + r·(wh_n·h_{t−1}))"
    return f"{eq}. Weights: {ws} (bias of the keep gate set by its slider)."
