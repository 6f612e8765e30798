"""Attention explorer: pick (or type) a date, see each model's output and its attention matrix.

The decoding runs in Python (:func:`rnncourse.train.seq2seq.greedy_decode` on the shipped models
of :mod:`rnncourse.experiments.dates`); the browser view switches between the precomputed
examples and models, so it stays interactive in the static book. In live Jupyter a text box decodes
any new input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rnncourse.data.dates import SOURCE_VOCAB, TARGET_VOCAB
from rnncourse.widgets._base import WidgetBase, encode_array

__all__ = ["AttentionExplorer"]


class AttentionExplorer(WidgetBase):
    """Decoded output and attention weights of date translators, for several inputs.

    Parameters
    ----------
    models : mapping of str to rnncourse.nn.seq2seq.Seq2Seq, optional
        Models with attention, by display name. Default: the shipped additive and multiplicative
        models.
    examples : sequence of (source, target) or str, optional
        Inputs to precompute (a target, when given, is shown next to the output). Default: six
        held-out examples with one to three dates.
    max_chars : int
        Longest source accepted (longer ones are refused with a message).

    Attributes
    ----------
    results : list of dict
        Per example: ``source``, ``target`` and, per model, ``output`` and ``weights``
        (T_out + 1, L) as NumPy arrays (the last row is the ``<EOS>`` step).
    """

    kind = "attention"

    def __init__(
        self,
        models: Mapping[str, Any] | None = None,
        examples: Sequence[Any] | None = None,
        max_chars: int = 120,
    ) -> None:
        super().__init__()
        from rnncourse.experiments import dates as exp

        if models is None:
            models = {name: exp.load_model(name) for name in ("additive", "multiplicative")}
        if examples is None:
            sets = exp.held_out_set(per_length=2)
            examples = [pair for k in (1, 2, 3) for pair in sets[k]]
        self.models = dict(models)
        self.examples = [(e, None) if isinstance(e, str) else tuple(e) for e in examples]
        self.max_chars = max_chars
        self.results: list[dict[str, Any]] = []
        self._box = None
        self.refresh()

    def add_input(self, source: str) -> None:
        """Decode a new source with every model and show it first (what the text box calls)."""
        self.examples.insert(0, (source, None))
        self.refresh()

    def _compute(self) -> dict[str, Any]:
        from rnncourse.train.seq2seq import batch_tensors, greedy_decode

        if not self.models:
            raise ValueError("models must hold at least one model with attention")
        for name, model in self.models.items():
            if getattr(model, "attention", None) is None:
                raise ValueError(f"model {name!r} has no attention: nothing to show")
        self.results = []
        for source, target in self.examples:
            if not isinstance(source, str) or not 0 < len(source) <= self.max_chars:
                raise ValueError(
                    f"source must be a string of 1 to {self.max_chars} characters, "
                    f"got {source!r:.60}"
                )
            bad = sorted({c for c in source if SOURCE_VOCAB.encode(c)[0] == 1})
            if bad:
                raise ValueError(f"source has characters the models never saw: {bad}")
            batch = batch_tensors([(source, "")])
            row = {"source": source, "target": target}
            for name, model in self.models.items():
                ids, maps = greedy_decode(model, batch["src"], batch["src_len"])
                row[name] = {"output": TARGET_VOCAB.decode(ids[0]), "weights": maps[0]}
            self.results.append(row)
        return {
            "title": "Attention explorer: output characters (rows) over source characters",
            "models": list(self.models),
            "examples": [
                {
                    "source": r["source"],
                    "target": r["target"],
                    "runs": {
                        m: {"output": r[m]["output"], "w": encode_array(r[m]["weights"], bits=8)}
                        for m in self.models
                    },
                }
                for r in self.results
            ],
            "note": "Darker = more weight. Hover a cell for its value; the last row is the "
            "<EOS> step. Pick an example and a model above.",
        }

    def _controls(self) -> list:
        import ipywidgets as widgets

        self._box = widgets.Text(
            value="",
            placeholder="type a date, e.g. tuesday 05/03/79",
            description="input",
            continuous_update=False,
            layout=widgets.Layout(width="95%"),
        )
        self._box.observe(lambda change: change["new"] and self.add_input(change["new"]), "value")
        return [
            widgets.HTML("Type dates (lower case; join several with ' and '), press Enter."),
            self._box,
        ]
