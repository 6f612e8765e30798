"""Parity of rnncourse.nn with torch.nn: outputs, final states and every gradient, over random
configurations (layers, directions, batch_first, bias, initial states, packed lengths)."""

from __future__ import annotations

import random
import zlib

import pytest
import torch
from _nn_helpers import DEVICES, close, forward_backward, make_inputs

import rnncourse.nn as rnn

KINDS = ["RNN", "GRU", "LSTM"]


def _configs(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        out.append(
            dict(
                kind=KINDS[k % 3],
                num_layers=rng.choice([1, 2, 3]),
                bidirectional=rng.random() < 0.5,
                batch_first=rng.random() < 0.5,
                bias=rng.random() < 0.75,
                init=rng.random() < 0.6,
                packed=rng.random() < 0.4,
                fused=rng.random() < 0.7,
                relu=rng.random() < 0.3,
                T=rng.randint(1, 6),
                N=rng.randint(1, 4),
                D=rng.randint(1, 5),
                H=rng.randint(1, 5),
            )
        )
    return out


CONFIGS = _configs(48, seed=2026)


def _pair(cfg: dict, dtype, device):
    kw = dict(
        num_layers=cfg["num_layers"],
        bias=cfg["bias"],
        batch_first=cfg["batch_first"],
        bidirectional=cfg["bidirectional"],
        dtype=dtype,
        device=device,
    )
    if cfg["kind"] == "RNN":
        kw["nonlinearity"] = "relu" if cfg["relu"] else "tanh"
    theirs = getattr(torch.nn, cfg["kind"])(cfg["D"], cfg["H"], **kw)
    ours = getattr(rnn, cfg["kind"])(cfg["D"], cfg["H"], fused=cfg["fused"], **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _ids(cfg: dict) -> str:
    names = ("bidirectional", "batch_first", "bias", "init", "packed", "fused")
    flags = [k for k in names if cfg[k]]
    return f"{cfg['kind']}-L{cfg['num_layers']}-T{cfg['T']}N{cfg['N']}-" + "-".join(flags)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("cfg", CONFIGS, ids=_ids)
def test_layer_matches_torch(cfg, dtype, device):
    gen = torch.Generator().manual_seed(zlib.crc32(_ids(cfg).encode()))
    ours, theirs = _pair(cfg, dtype, device)
    x, hx, lengths = make_inputs(cfg, gen, dtype, device)
    got = forward_backward(ours, x, hx, lengths, cfg)
    want = forward_backward(theirs, x, hx, lengths, cfg)
    assert got.keys() == want.keys()
    for name in want:
        close(got[name], want[name], dtype, name)


@pytest.mark.parametrize("kind", KINDS)
def test_fused_and_autograd_paths_agree(kind):
    """The hand-written backward and plain autograd over the same step functions."""
    cfg = dict(
        kind=kind,
        batch_first=True,
        packed=False,
        init=True,
        bidirectional=True,
        num_layers=2,
        T=7,
        N=3,
        D=4,
        H=5,
    )
    gen = torch.Generator().manual_seed(1)
    fused = getattr(rnn, kind)(
        4, 5, num_layers=2, batch_first=True, bidirectional=True, dtype=torch.float64
    )
    plain = getattr(rnn, kind)(
        4, 5, num_layers=2, batch_first=True, bidirectional=True, dtype=torch.float64, fused=False
    )
    plain.load_state_dict(fused.state_dict())
    x, hx, _ = make_inputs(cfg, gen, torch.float64, "cpu")
    a = forward_backward(fused, x, hx, None, cfg)
    b = forward_backward(plain, x, hx, None, cfg)
    for name in a:
        close(a[name], b[name], torch.float64, name)


@pytest.mark.parametrize("kind", KINDS)
def test_fused_function_gradcheck(kind):
    """torch.autograd.gradcheck of the hand-written backward against finite differences."""
    torch.manual_seed(0)
    m = getattr(rnn, kind)(3, 2, bidirectional=True, dtype=torch.float64)
    x = torch.randn(4, 2, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 2, 2, dtype=torch.float64, requires_grad=True)
    hx = (h0, torch.randn_like(h0).requires_grad_()) if kind == "LSTM" else h0
    params = tuple(m.parameters())

    def f(x, *args):
        n_state = 2 if kind == "LSTM" else 1
        states, ps = args[:n_state], args[n_state:]
        out, state = torch.func.functional_call(
            m,
            dict(zip([n for n, _ in m.named_parameters()], ps, strict=True)),
            (x, states if kind == "LSTM" else states[0]),
        )
        return (out, *(state if isinstance(state, tuple) else (state,)))

    states = hx if isinstance(hx, tuple) else (hx,)
    inputs = (x, *states, *(p.detach().clone().requires_grad_() for p in params))
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
def test_cell_matches_torch(kind, dtype):
    torch.manual_seed(3)
    theirs = getattr(torch.nn, kind + "Cell")(4, 3, dtype=dtype)
    ours = getattr(rnn, kind + "Cell")(4, 3, dtype=dtype)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(5, 4, dtype=dtype)
    h = torch.randn(5, 3, dtype=dtype)
    hx = (h, torch.randn(5, 3, dtype=dtype)) if kind == "LSTM" else h
    results = []
    for m in (ours, theirs):
        xi = x.clone().requires_grad_()
        out = m(xi, hx)
        outs = out if isinstance(out, tuple) else (out,)
        weights = [torch.arange(o.numel(), dtype=dtype).view_as(o).cos() for o in outs]
        sum((o * w).sum() for o, w in zip(outs, weights, strict=True)).backward()
        results.append([*outs, xi.grad, *(p.grad for p in m.parameters())])
    for k, (a, b) in enumerate(zip(*results, strict=True)):
        close(a, b, dtype, f"item {k}")
    # Unbatched input and no initial state, as torch.nn allows.
    a, b = ours(x[0]), theirs(x[0])
    for u, v in zip(
        a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple) else (b,), strict=True
    ):
        assert u.shape == v.shape == (3,)
        close(u.detach(), v.detach(), dtype, "unbatched")


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_sequence_matches_torch(kind):
    torch.manual_seed(4)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, dtype=torch.float64)
    ours = getattr(rnn, kind)(3, 4, num_layers=2, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(6, 3, dtype=torch.float64)
    h0 = torch.randn(2, 4, dtype=torch.float64)
    hx = (h0, h0.flip(0)) if kind == "LSTM" else h0
    (o1, s1), (o2, s2) = ours(x, hx), theirs(x, hx)
    assert o1.shape == o2.shape == (6, 4)
    close(o1.detach(), o2.detach(), torch.float64, "output")
    for a, b in zip(s1 if kind == "LSTM" else (s1,), s2 if kind == "LSTM" else (s2,), strict=True):
        assert a.shape == b.shape == (2, 4)
        close(a.detach(), b.detach(), torch.float64, "state")


@pytest.mark.parametrize("kind", KINDS)
def test_state_dict_loads_both_ways(kind):
    torch.manual_seed(5)
    ours = getattr(rnn, kind)(3, 4, num_layers=2, bidirectional=True, bias=False)
    theirs = getattr(torch.nn, kind)(3, 4, num_layers=2, bidirectional=True, bias=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (n1, p1), (n2, p2) in zip(ours.named_parameters(), theirs.named_parameters(), strict=True):
        assert n1 == n2
        assert p1.shape == p2.shape
    theirs.load_state_dict(ours.state_dict())  # ours -> torch
    x = torch.randn(5, 2, 3)
    close(ours(x)[0].detach(), theirs(x)[0].detach(), torch.float32, "ours -> torch")
    fresh = getattr(rnn, kind)(3, 4, num_layers=2, bidirectional=True, bias=False)
    fresh.load_state_dict(theirs.state_dict())  # torch -> ours
    close(fresh(x)[0].detach(), theirs(x)[0].detach(), torch.float32, "torch -> ours")


def test_dropout_between_layers_matches_torch_draws():
    """Same RNG draws as torch.nn (dropout on each layer's output but the last)."""
    torch.manual_seed(6)
    theirs = torch.nn.LSTM(3, 4, num_layers=3, dropout=0.5, dtype=torch.float64)
    ours = rnn.LSTM(3, 4, num_layers=3, dropout=0.5, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(5, 2, 3, dtype=torch.float64)
    torch.manual_seed(7)
    a = theirs(x)[0]
    torch.manual_seed(7)
    b = ours(x)[0]
    close(b.detach(), a.detach(), torch.float64, "train-mode output")
    ours.eval()
    theirs.eval()
    close(ours(x)[0].detach(), theirs(x)[0].detach(), torch.float64, "eval-mode output")
    assert not torch.equal(ours(x)[0], b)  # dropout really acted in training mode


def test_no_grad_inference_matches():
    torch.manual_seed(8)
    theirs = torch.nn.GRU(3, 4, batch_first=True)
    ours = rnn.GRU(3, 4, batch_first=True)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 6, 3)
    with torch.no_grad():
        (o1, h1), (o2, h2) = ours(x), theirs(x)
    close(o1, o2, torch.float32, "output")
    close(h1, h2, torch.float32, "h_n")
    assert o1.is_contiguous()
    assert o1.shape == (2, 6, 4)


def test_repr_and_torch_compat_attributes():
    m = rnn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)
    assert repr(m) == "LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True)"
    m.flatten_parameters()
    assert len(m.all_weights) == 4
    assert len(m.all_weights[0]) == 4
    assert rnn.RNN(2, 3, 1, "relu").nonlinearity == "relu"  # torch's positional order


def test_double_backward_on_the_autograd_path():
    """fused=False runs under plain autograd, so second derivatives work (as with torch.nn)."""
    torch.manual_seed(9)
    theirs = torch.nn.GRU(2, 3, dtype=torch.float64)
    ours = rnn.GRU(2, 3, dtype=torch.float64, fused=False)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(4, 1, 2, dtype=torch.float64)
    grads = []
    for m in (ours, theirs):
        xi = x.clone().requires_grad_()
        (g,) = torch.autograd.grad(m(xi)[0].pow(2).sum(), xi, create_graph=True)
        (gg,) = torch.autograd.grad(g.pow(2).sum(), xi)
        grads.append(gg)
    close(grads[0], grads[1], torch.float64, "second derivative")
