"""Shared machinery of the widgets: one JavaScript view, two ways to drive it.

Every widget computes its data in Python (from :mod:`rnncourse.nn`'s GateRecorder,
:mod:`rnncourse.analysis` and :mod:`rnncourse.reference`) and hands it, as JSON, to a small
browser-side renderer shipped as package data in ``assets/rnnw.js``. The renderer owns the controls
whose whole scope can be precomputed (time step, unit, spectral radius, slider grids), so those keep
working in the static book where no kernel runs. In live Jupyter the widget also shows ipywidgets
controls with Python callbacks (new text, new weights, ...) that recompute the data and redraw the
same view.

``_repr_mimebundle_`` returns two renderings of the same view:

- ``application/vnd.jupyter.widget-view+json``: an ipywidgets ``VBox`` holding an ``HTML`` widget
  whose value is an ``<iframe srcdoc>`` with the view (an iframe runs its scripts even where HTML is
  inserted with ``innerHTML``), followed by the Python controls. This is what JupyterLab shows, and
  what the static book shows by default (myst-nb prefers widget views; the html-manager renders the
  embedded widget state, and the iframe stays interactive; the Python controls need a kernel).
- ``text/html``: the same view inline (data, JavaScript and CSS in the output, nothing fetched from
  elsewhere), for front ends without a widget manager, or for a book configured to prefer
  ``text/html`` (``nb_mime_priority_overrides``), which hides the kernel-only controls.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from rnncourse._validation import check_choice

__all__ = ["WidgetBase", "encode_array", "decode_array", "error_html"]

_COUNTER = itertools.count()


@cache
def _asset(name: str) -> str:
    """Text of a file in ``rnncourse/widgets/assets`` (package data)."""
    return resources.files("rnncourse.widgets").joinpath("assets", name).read_text("utf-8")


def encode_array(arr: np.ndarray, bits: int = 16) -> dict[str, Any]:
    """Quantise an array to unsigned integers and base64-encode it for the page.

    Parameters
    ----------
    arr : np.ndarray
        Any shape, finite values.
    bits : int
        8 or 16: levels ``2**bits`` spread evenly over ``[arr.min(), arr.max()]``.

    Returns
    -------
    dict
        ``{"shape", "lo", "hi", "bits", "b64"}``; the JavaScript ``rnnw.decode`` and
        :func:`decode_array` invert it up to ``(hi - lo) / (2**bits - 1) / 2``.
    """
    check_choice("bits", bits, (8, 16))
    a = np.asarray(arr, dtype=np.float64)
    a = np.where(np.isfinite(a), a, 0.0)
    lo = float(a.min()) if a.size else 0.0
    hi = float(a.max()) if a.size else 0.0
    levels = 2**bits - 1
    scale = (hi - lo) / levels if hi > lo else 1.0
    q = np.rint((a - lo) / scale).clip(0, levels)
    dtype = np.uint8 if bits == 8 else np.dtype("<u2")
    raw = q.astype(dtype).tobytes()
    return {
        "shape": list(a.shape),
        "lo": lo,
        "hi": hi,
        "bits": bits,
        "b64": base64.b64encode(raw).decode("ascii"),
    }


def decode_array(enc: dict[str, Any]) -> np.ndarray:
    """Inverse of :func:`encode_array` (what the browser shows), as float64."""
    dtype = np.uint8 if enc["bits"] == 8 else np.dtype("<u2")
    q = np.frombuffer(base64.b64decode(enc["b64"]), dtype=dtype).astype(np.float64)
    levels = 2 ** enc["bits"] - 1
    scale = (enc["hi"] - enc["lo"]) / levels if enc["hi"] > enc["lo"] else 1.0
    return (enc["lo"] + q * scale).reshape(enc["shape"])


def error_html(message: str) -> str:
    """Return the box a widget shows instead of its view when its input is unusable."""
    return (
        '<div class="rnnw-error" role="alert"><b>Cannot show this widget:</b> '
        f"{html.escape(message)}</div>"
    )


def _json_for_script(data: Any) -> str:
    """JSON safe to put inside a ``<script type="application/json">`` element."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


class WidgetBase:
    """Base class: subclasses implement ``_compute`` (fill ``self.data``) and ``_controls``.

    Attributes
    ----------
    data : dict or None
        Everything the JavaScript view draws (JSON-serialisable), ``None`` while ``error`` is set.
    error : str or None
        The message shown in the widget instead of the view when the input cannot be used.
    """

    kind: str = ""

    def __init__(self) -> None:
        self.data: dict[str, Any] | None = None
        self.error: str | None = None
        # Names this widget's view across redraws, so the view can restore its own controls.
        self.view_id = f"rnnw-view-{next(_COUNTER)}-{np.random.default_rng().integers(1 << 30)}"
        self._live = None
        self._output = None

    # -- subclasses -------------------------------------------------------------------------
    def _compute(self) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _controls(self) -> list:
        """Return the ipywidgets controls for the live view (Python callbacks); empty by default."""
        return []

    # -- state ------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recompute the data; a ``ValueError``/``TypeError`` becomes the widget's message."""
        try:
            data = self._compute()
        # ValueError/TypeError: our own checks; IndexError/RuntimeError: torch refusing an input
        # that does not fit the model (e.g. token ids beyond its embedding).
        except (ValueError, TypeError, KeyError, IndexError, RuntimeError) as exc:
            self.data, self.error = None, _message(exc)
        else:
            self.data, self.error = data, None
        self._redraw()

    # -- views ------------------------------------------------------------------------------
    def to_html(self) -> str:
        """Self-contained HTML/JS view (no kernel needed; data, script and style inline)."""
        uid = f"rnnw-{next(_COUNTER)}-{np.random.default_rng().integers(1 << 30)}"
        if self.error is not None or self.data is None:
            body = error_html(self.error or "nothing to show")
            style = _asset("rnnw.css")
            return f'<div class="rnnw-root" id="{uid}">{body}</div><style>{style}</style>'
        payload = dict(self.data, kind=self.kind, view_id=self.view_id)
        return (
            f'<div class="rnnw-root" id="{uid}" data-kind="{self.kind}">'
            '<script type="application/json" class="rnnw-data">'
            f"{_json_for_script(payload)}</script>"
            '<div class="rnnw-body">Interactive view: needs JavaScript.</div></div>'
            f"<style>{_asset('rnnw.css')}</style>"
            f"<script>{_asset('rnnw.js')}\nwindow.rnnw.mount({json.dumps(uid)});</script>"
        )

    def to_iframe(self) -> str:
        """Return the view inside an ``<iframe srcdoc>``.

        Its script runs even where HTML is inserted without executing scripts (the ipywidgets
        ``HTML`` widget, live or in the static book).
        """
        doc = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<style>body{margin:0;padding:2px;background:#fff}</style></head><body>"
            f"{self.to_html()}<script>{_asset('fit.js')}</script></body></html>"
        )
        return (
            f'<iframe class="rnnw-frame" title="{html.escape(type(self).__name__)}" '
            f'srcdoc="{html.escape(doc, quote=True)}" '
            'style="width:100%;height:480px;border:0;overflow:hidden"></iframe>'
        )

    def live_view(self):
        """Return the ipywidgets view: the JavaScript view (in an iframe) above the controls."""
        import ipywidgets as widgets

        if self._live is None:
            self._output = widgets.HTML(layout=widgets.Layout(width="100%"))
            children = [self._output]
            controls = self._controls()
            if controls:
                panel = widgets.VBox(controls)
                acc = widgets.Accordion(children=[panel], selected_index=None)
                acc.set_title(0, "More controls (Python; need a running kernel)")
                children.append(acc)
            self._live = widgets.VBox(children)
            self._redraw()
        return self._live

    def _redraw(self) -> None:
        if self._output is not None:
            self._output.value = self.to_iframe()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        bundle = self.live_view()._repr_mimebundle_(include=include, exclude=exclude) or {}
        bundle = dict(bundle)
        bundle["text/html"] = self.to_html()
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        state = f"error={self.error!r}" if self.error else "ok"
        return f"<{type(self).__name__} ({state})>"


def _message(exc: BaseException) -> str:
    text = str(exc)
    # KeyError wraps its message in quotes
    if isinstance(exc, KeyError) and len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1]
    return text or type(exc).__name__
