"""``GateRecorder``: per-time-step gate activations and states from the model's own forward pass.

While the context is active, each recurrent module of ``rnncourse.nn`` inside the model hands the
gates its step function computed (the same tensors the output is made of; the fused path also
keeps them for its backward) to the recorder, detached and copied. Nothing is recomputed.

Example
-------
>>> lstm = LSTM(3, 4, batch_first=True)
>>> with GateRecorder(lstm) as rec:
...     out, (h_n, c_n) = lstm(torch.randn(2, 5, 3))
>>> g = rec.gates(layer=0, direction=0)
>>> sorted(g), tuple(g["i"].shape)
(['c', 'f', 'g', 'h', 'i', 'o'], (2, 5, 4))
"""

from __future__ import annotations

from types import TracebackType

import torch
from torch import Tensor, nn


def _recordable() -> tuple[type, ...]:
    from rnncourse.nn._base import RNNBase
    from rnncourse.nn.cells import RNNCellBase

    return (RNNBase, RNNCellBase)


class GateRecorder:
    """Record the gates of every ``rnncourse.nn`` recurrent module in ``model``.

    Parameters
    ----------
    model : nn.Module
        An ``rnncourse.nn`` RNN/GRU/LSTM (or cell), or any module containing some.

    Notes
    -----
    Keys of :meth:`gates`: LSTM ``"i", "f", "g", "o", "c", "h"``; GRU ``"r", "z", "n", "h"``;
    RNN ``"pre", "h"`` (the pre-activation). Each value is (N, T, H), batch first, detached, in the
    caller's batch order. For PackedSequence input, positions past a sequence's length are zero.
    Several forward calls inside one context (e.g. generating one character at a time with the
    state carried over) are concatenated along T; pick one with ``call=``. A cell contributes one
    time step per call.
    """

    def __init__(self, model: nn.Module) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        kinds = _recordable()
        self._named = [(n, m) for n, m in model.named_modules() if isinstance(m, kinds)]
        if not self._named:
            raise ValueError(
                f"model ({type(model).__name__}) contains no rnncourse.nn RNN/GRU/LSTM module "
                "or cell to record (torch.nn's own modules cannot be recorded)"
            )
        self._calls: dict[int, list[dict[tuple[int, int], dict[str, Tensor]]]] = {}

    # ------------------------------------------------------------------ context management
    def __enter__(self) -> GateRecorder:
        for _, m in self._named:
            m._gate_recorders.append(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for _, m in self._named:
            if self in m._gate_recorders:
                m._gate_recorders.remove(self)

    # Hooks called by the modules during their forward pass.
    def _begin_call(self, module: nn.Module) -> None:
        self._calls.setdefault(id(module), []).append({})

    def _add(self, module: nn.Module, layer: int, direction: int, gates: dict[str, Tensor]) -> None:
        self._calls[id(module)][-1][(layer, direction)] = gates

    # -------------------------------------------------------------------------- reading
    @property
    def module_names(self) -> list[str]:
        """Names (as in ``model.named_modules()``) of the recorded modules; ``""`` is the model."""
        return [n for n, _ in self._named]

    def clear(self) -> None:
        """Forget everything recorded so far."""
        self._calls.clear()

    def num_calls(self, module: str | nn.Module | None = None) -> int:
        """How many forward calls of ``module`` were recorded."""
        return len(self._calls.get(id(self._pick(module)), []))

    def gates(
        self,
        layer: int = 0,
        direction: int = 0,
        *,
        module: str | nn.Module | None = None,
        call: int | None = None,
    ) -> dict[str, Tensor]:
        """Return the recorded gates of one layer and direction.

        Parameters
        ----------
        layer : int
            0-based layer index (0 for cells).
        direction : int
            0 forward, 1 backward (bidirectional layers).
        module : str or nn.Module, optional
            Which recorded module, by name or object; needed only when the model has several.
        call : int, optional
            Only this forward call (negative counts from the end); default all, concatenated on T.

        Returns
        -------
        dict of str to Tensor, each (N, T, H)
        """
        m = self._pick(module)
        calls = self._calls.get(id(m), [])
        if not calls:
            raise ValueError("no forward pass was recorded: call the model inside the `with` block")
        if call is not None:
            if not -len(calls) <= call < len(calls):
                raise ValueError(f"call must be in [-{len(calls)}, {len(calls)}), got {call}")
            calls = [calls[call]]
        key = (layer, direction)
        if key not in calls[0]:
            have = sorted(calls[0])
            raise ValueError(f"(layer, direction) must be one of {have} for this module, got {key}")
        parts = [c[key] for c in calls]
        if len(parts) == 1:
            return dict(parts[0])
        sizes = {p["h"].shape[0] for p in parts}
        if len(sizes) > 1:
            raise ValueError(
                f"recorded calls have different batch sizes N {sorted(sizes)}; pick one with call="
            )
        return {k: torch.cat([p[k] for p in parts], dim=1) for k in parts[0]}

    def _pick(self, module: str | nn.Module | None) -> nn.Module:
        if module is None:
            if len(self._named) > 1:
                raise ValueError(
                    f"the model has {len(self._named)} recurrent modules {self.module_names}; "
                    "choose one with module="
                )
            return self._named[0][1]
        for n, m in self._named:
            if module is m or module == n:
                return m
        raise ValueError(f"module must be one of {self.module_names}, got {module!r}")
