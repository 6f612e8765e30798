"""The shared machinery of the sequence layers :class:`~rnncourse.nn.RNN`, ``GRU``, ``LSTM``.

How a layer runs:

1. the input side of every time step in ONE product, ``x W_ih^T + b`` for all (T·N) rows;
2. the recurrence, one ``(N, H) @ (H, kH)`` product plus the gate equations per step, either inside
   a hand-written autograd Function (``fused=True``, the default; :mod:`rnncourse.nn._fused`) or
   under plain autograd (``fused=False``, and always for PackedSequence input and the LSTM
   variants), the step maths being :mod:`rnncourse.nn.functional`;
3. layers are stacked, with ``dropout`` on the outputs of every layer but the last in training
   (as torch.nn); a bidirectional layer runs a second pass from the last step to the first and
   concatenates ``[forward; backward]`` on the feature axis.

Inside ``torch.autocast`` the layers behave like torch.nn's (see :mod:`rnncourse.nn._precision`).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from rnncourse.nn import _checks, _precision
from rnncourse.nn._init import init_uniform_
from rnncourse.nn._loop import time_loop
from rnncourse.reference.cells import NUM_BLOCKS, RECORDED


class RNNBase(nn.Module):
    """Shared machinery of :class:`RNN`, :class:`GRU` and :class:`LSTM` (not used directly).

    Parameters
    ----------
    kind : {"rnn", "gru", "lstm"}
    input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, proj_size,
    device, dtype
        As in ``torch.nn.RNNBase``. ``proj_size`` must be 0.
    fused : bool
        Use the hand-written backward (faster; no double backward). ``False`` runs the same
        forward under plain autograd.
    """

    def __init__(
        self,
        kind: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
        *,
        fused: bool = True,
        blocks: int | None = None,
    ) -> None:
        super().__init__()
        _checks.check_config(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, proj_size
        )
        self.kind = kind
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        self.fused = fused
        self._gate_recorders: list = []
        gate_size = (blocks or NUM_BLOCKS[kind]) * hidden_size
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * self.num_directions
            for d in range(self.num_directions):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = {"weight_ih": (gate_size, layer_in), "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                shapes.update(self._extra_param_shapes())
                for name, shape in shapes.items():
                    self.register_parameter(name + sfx, nn.Parameter(torch.empty(shape, **factory)))
                    self._flat_weights_names.append(name + sfx)
        self.reset_parameters()

    # ----------------------------------------------------------------- torch.nn compatibility
    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def _flat_weights(self) -> list[Tensor]:
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[Tensor]]:
        per = len(self._flat_weights_names) // (self.num_layers * self.num_directions)
        w = self._flat_weights
        return [w[i : i + per] for i in range(0, len(w), per)]

    def flatten_parameters(self) -> None:
        """No-op, kept so code written for torch.nn (cuDNN weight flattening) runs unchanged."""

    def _extra_param_shapes(self) -> dict[str, tuple[int, ...]]:
        return {}

    def reset_parameters(self) -> None:
        """Uniform(-1/√H, 1/√H) for every parameter, as torch.nn does."""
        init_uniform_(self.parameters(), self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    def layer_params(self, layer: int, direction: int) -> dict[str, Tensor | None]:
        """Return the parameters of one layer and direction by short name (``weight_ih``, ...)."""
        if not 0 <= layer < self.num_layers:
            raise ValueError(f"layer must be in [0, {self.num_layers}), got {layer}")
        if direction not in range(self.num_directions):
            raise ValueError(f"direction must be in [0, {self.num_directions}), got {direction}")
        sfx = f"_l{layer}" + ("_reverse" if direction else "")
        names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh", *self._extra_param_shapes()]
        return {n: getattr(self, n + sfx, None) for n in names}

    # ------------------------------------------------------------------------------ forward
    def forward(self, input, hx=None):  # torch.nn's argument name
        """Run the layer over a sequence.

        Parameters
        ----------
        input : Tensor, (T, N, D) or (N, T, D) if batch_first, (T, D) unbatched; or PackedSequence
        hx : Tensor (L·dirs, N, H) for RNN/GRU; tuple ``(h0, c0)`` of those for LSTM;
            or None (zeros)

        Returns
        -------
        output : Tensor, (T, N, dirs·H) (or (N, T, dirs·H)); PackedSequence if the input was packed
        h_n : Tensor, (L·dirs, N, H); for LSTM a tuple ``(h_n, c_n)``
        """
        lowp = _precision.autocast_dtype(self.weight_ih_l0)
        if lowp is None:
            return self._forward(input, hx, None)
        # Inside torch.autocast (mixed precision): like torch.nn, accept float32 or lowp input and
        # state and return lowp. The LSTM runs its products in lowp and keeps its state float32
        # (see _run_direction); what has no mixed-precision path runs in float32.
        with torch.autocast(self.weight_ih_l0.device.type, enabled=False):
            output, hidden = self._forward(input, hx, lowp)
        hidden = tuple(s.to(lowp) for s in hidden) if isinstance(hidden, tuple) else hidden.to(lowp)
        return output.to(lowp), hidden

    def _forward(self, input, hx, lowp):
        ref = self.weight_ih_l0
        if isinstance(input, PackedSequence):
            x, batch_sizes, sorted_idx, unsorted_idx = input
            x = _precision.from_autocast(x, lowp, ref)
            _checks.check_like("input", x, ref, "the module's parameters")
            _checks.check_input("input.data", x, self.input_size, (2,), "(sum of lengths, D)")
            steps = batch_sizes.tolist()
            N, unbatched = steps[0], False
        else:
            x = _checks.check_tensor("input", input)
            symbols = "(N, T, D) or (T, D)" if self.batch_first else "(T, N, D) or (T, D)"
            _checks.check_input("input", x, self.input_size, (2, 3), symbols)
            x = _precision.from_autocast(x, lowp, ref)
            _checks.check_like("input", x, ref, "the module's parameters")
            unbatched = x.dim() == 2
            x = x.unsqueeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
            steps, sorted_idx, unsorted_idx = None, None, None
            N = x.shape[1]
        h0, c0 = self._initial_state(hx, N, unbatched, sorted_idx, ref, lowp)
        for rec in self._gate_recorders:
            rec._begin_call(self)
        out, h_n, c_n = self._run_layers(x, steps, h0, c0, unsorted_idx, lowp)
        if unsorted_idx is not None:
            h_n = h_n.index_select(1, unsorted_idx)
            c_n = None if c_n is None else c_n.index_select(1, unsorted_idx)
        if steps is not None:
            output = PackedSequence(out, batch_sizes, sorted_idx, unsorted_idx)
        elif unbatched:
            output, h_n = out.squeeze(1), h_n.squeeze(1)
            c_n = None if c_n is None else c_n.squeeze(1)
        else:
            output = out.transpose(0, 1).contiguous() if self.batch_first else out
        return output, (h_n if c_n is None else (h_n, c_n))

    def _initial_state(self, hx, N, unbatched, sorted_idx, ref, lowp=None):
        L, H = self.num_layers * self.num_directions, self.hidden_size
        want_c = self.kind == "lstm"
        if hx is None:
            z = ref.new_zeros(L, N, H)
            return z, (z if want_c else None)
        states = []
        for name, s in _checks.named_states(hx, want_c, ("h0", "c0"), "LSTM"):
            s = _precision.from_autocast(_checks.check_tensor(name, s), lowp, ref)
            if unbatched:
                _checks.check_shape(name, s, (L, H), "(L*dirs, H)", " for unbatched input")
                s = s.unsqueeze(1)
            else:
                _checks.check_shape(name, s, (L, N, H), "(L*dirs, N, H)")
            _checks.check_like(name, s, ref, "the module's parameters")
            if sorted_idx is not None:  # states come in the caller's order; packed data is sorted
                s = s.index_select(1, sorted_idx)
            states.append(s)
        return states[0], (states[1] if want_c else None)

    def _run_layers(self, x, steps, h0, c0, unsorted_idx, lowp=None):
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(self.num_directions):
                k = layer * self.num_directions + d
                out, h, c = self._run_direction(
                    x, steps, h0[k], None if c0 is None else c0[k], layer, d, unsorted_idx, lowp
                )
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            x = outs[0] if len(outs) == 1 else torch.cat(outs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = nn.functional.dropout(x, self.dropout, training=True)
        return x, torch.stack(h_n), (None if c0 is None else torch.stack(c_n))

    def _run_direction(self, x, steps, h0, c0, layer, d, unsorted_idx, lowp=None):
        """Run one layer and direction.

        ``x`` is (T, N, D_k) or packed data (sum B_t, D_k); ``lowp``: the autocast dtype, used where
        a mixed-precision path exists.
        """
        p = self.layer_params(layer, d)
        lowp = _precision.product_dtype(self, lowp, x.shape[1], packed=steps is not None)
        a_x = self._input_side(x, p, lowp)
        reverse = d == 1
        recording = bool(self._gate_recorders)
        if steps is None:
            fused = self.fused and self._fusable() and (torch.is_grad_enabled() or bool(lowp))
            if fused:
                out, h, c, gates = self._apply_fused(a_x, h0, c0, p, reverse, recording, lowp)
                if recording:
                    self._emit(layer, d, gates, None, None)
                return out, h, c
            chunks = a_x.unbind(0)
        else:
            chunks = a_x.split(steps)
        step = self._make_step(p)
        outs, h, c, gates = time_loop(step, chunks, h0, c0, reverse=reverse, keep_gates=recording)
        out = torch.stack(outs) if steps is None else torch.cat(outs)
        if recording:
            names = RECORDED[self.kind]
            cols = [list(col) for col in zip(*gates, strict=True)] + [outs]
            self._emit(layer, d, dict(zip(names, cols, strict=True)), steps, unsorted_idx)
        return out, h, c

    def _input_side(self, x: Tensor, p: dict, lowp: torch.dtype | None = None) -> Tensor:
        """Compute ``x W_ih^T + b`` for every time step in one product (both biases for RNN/LSTM).

        Computed and returned in ``lowp`` when given (mixed precision).
        """
        b, W = p["bias_ih"], p["weight_ih"]
        if b is not None and self.kind != "gru":
            b = b + p["bias_hh"]
        flat = x.reshape(-1, x.shape[-1])
        if lowp is not None:
            flat, W, b = flat.to(lowp), W.to(lowp), None if b is None else b.to(lowp)
        a = flat.mm(W.t()) if b is None else torch.addmm(b, flat, W.t())
        return a.view(*x.shape[:-1], a.shape[-1])

    def _fusable(self) -> bool:
        return True

    def _emit(self, layer, d, gates, steps, unsorted_idx) -> None:
        """Hand one layer/direction's gates to the active GateRecorders.

        Time-major lists or stacked tensors; packed steps are padded with zeros and put back in
        caller order.
        """
        out = {}
        for name, g in gates.items():
            if isinstance(g, list):
                if steps is not None:
                    N = g[0].shape[0]
                    g = [torch.nn.functional.pad(s, (0, 0, 0, N - s.shape[0])) for s in g]
                g = torch.stack(g)
            if unsorted_idx is not None:
                g = g.index_select(1, unsorted_idx)
            # A copy: the fused path's gates are also saved for its backward.
            out[name] = g.detach().transpose(0, 1).clone(memory_format=torch.contiguous_format)
        for rec in self._gate_recorders:
            rec._add(self, layer, d, out)

    def _make_step(self, p):
        raise NotImplementedError

    def _apply_fused(self, a_x, h0, c0, p, reverse, record, lowp=None):
        """``(out, h_n, c_n or None, gates or None)`` from the layer's autograd Function."""
        raise NotImplementedError
