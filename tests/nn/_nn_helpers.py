"""Helpers of the rnncourse.nn tests: run a module forward + backward and collect everything."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

TOL = {torch.float64: 1e-10, torch.float32: 1e-5}

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def close(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype, what: str) -> None:
    """Agreement to the dtype's tolerance, relative to the size of the values (≥ 1)."""
    tol = TOL[dtype]
    scale = max(1.0, b.abs().max().item())
    err = (a - b).abs().max().item()
    assert err <= tol * scale, f"{what}: max abs error {err:.3e} > {tol:.0e} * {scale:.2f}"


def make_inputs(cfg: dict, gen: torch.Generator, dtype, device):
    """Input, initial states (or None) and lengths (or None) for one random configuration."""
    T, N, D, H = cfg["T"], cfg["N"], cfg["D"], cfg["H"]
    L = cfg["num_layers"] * (2 if cfg["bidirectional"] else 1)
    shape = (N, T, D) if cfg["batch_first"] else (T, N, D)
    x = torch.randn(shape, generator=gen, dtype=dtype).to(device)
    hx = None
    if cfg["init"]:
        h0 = torch.randn(L, N, H, generator=gen, dtype=dtype).to(device)
        c0 = torch.randn(L, N, H, generator=gen, dtype=dtype).to(device)
        hx = (h0, c0) if cfg["kind"] == "LSTM" else h0
    lengths = None
    if cfg["packed"]:
        lengths = torch.randint(1, T + 1, (N,), generator=gen)
        lengths[torch.randint(0, N, (1,), generator=gen)] = T  # at least one full-length sequence
    return x, hx, lengths


def forward_backward(module, x, hx, lengths, cfg, weights_seed: int = 123):
    """Forward, a random linear loss on every output and final state, backward.

    Returns a dict name -> tensor: outputs, final states, gradients of the input, the initial
    states and every parameter (by name).
    """
    x = x.detach().clone().requires_grad_()
    if hx is not None:
        hx = (
            tuple(s.detach().clone().requires_grad_() for s in hx)
            if isinstance(hx, tuple)
            else hx.detach().clone().requires_grad_()
        )
    inp = x
    if lengths is not None:
        inp = pack_padded_sequence(x, lengths, batch_first=cfg["batch_first"], enforce_sorted=False)
    out, state = module(inp, hx)
    out_t = out.data if isinstance(out, PackedSequence) else out
    states = state if isinstance(state, tuple) else (state,)
    gen = torch.Generator().manual_seed(weights_seed)
    loss = 0
    for t in (out_t, *states):
        w = torch.randn(t.shape, generator=gen, dtype=t.dtype).to(t.device)
        loss = loss + (w * t).sum()
    loss.backward()
    res = {"output": out_t.detach()}
    for k, s in enumerate(states):
        res[f"state{k}"] = s.detach()
    res["d_input"] = x.grad
    if hx is not None:
        for k, s in enumerate(hx if isinstance(hx, tuple) else (hx,)):
            res[f"d_hx{k}"] = s.grad
    for name, p in module.named_parameters():
        res[f"d_{name}"] = p.grad
    return res
