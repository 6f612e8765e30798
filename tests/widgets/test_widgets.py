"""Widgets without a browser: construction, control changes, values against independent
computations (reference step functions, GateRecorder, torch autograd), and bad-input messages.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

import rnncourse.nn as rnn
from rnncourse import reference as ref
from rnncourse.analysis import (
    gradient_flow_problem,
    hidden_state_gradients,
    indentation,
    inside_string,
    line_position,
    rank_units,
)
from rnncourse.data import CharVocab
from rnncourse.widgets import (
    CellExplorer,
    GateInspector,
    GradientFlowExplorer,
    InterpretableCellViewer,
)
from rnncourse.widgets._base import decode_array, encode_array

CODE = "def f(x):\n    s = 'a#b'  # c\n    if x:\n        return \"q\"\n"
VOCAB = CharVocab.from_text(CODE + "xyz")


def _payload(widget) -> dict:
    """The JSON the browser view receives, read back from the text/html output."""
    html = widget._repr_mimebundle_()["text/html"]
    m = re.search(r'<script type="application/json" class="rnnw-data">(.*?)</script>', html, re.S)
    assert m, "no data in the HTML view"
    return json.loads(m.group(1).replace("<\\/", "</"))


def _find(widget, cls):
    """All descendants of the live ipywidgets view that are instances of ``cls``."""
    out, stack = [], [widget.live_view()]
    while stack:
        w = stack.pop()
        if isinstance(w, cls):
            out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


# --------------------------------------------------------------------------- encoding
def test_encode_decode_roundtrip_within_quantisation():
    a = np.random.default_rng(0).normal(size=(7, 5)) * 3
    for bits in (8, 16):
        enc = encode_array(a, bits)
        back = decode_array(enc)
        step = (a.max() - a.min()) / (2**bits - 1)
        assert back.shape == a.shape
        assert np.max(np.abs(back - a)) <= step / 2 + 1e-12


# --------------------------------------------------------------------------- cell explorer
def _lstm_ref(p, x, h, c):
    hn, cn, _ = ref.lstm_step_forward(
        np.array([[x]]), np.array([[h]]), np.array([[c]]), p["Wx"], p["Wh"], p["b"]
    )
    return float(hn[0, 0]), float(cn[0, 0])


def test_cell_explorer_lstm_matches_reference_and_reacts_to_weights():
    w = CellExplorer("lstm")
    assert w.error is None
    data = _payload(w)
    assert data["axis_names"] == ["x", "h", "c", "b"]
    for x, h, c, bf in [(1.0, 0.5, 1.0, 1.5), (-2.0, -1.0, 2.0, -3.0), (0.5, 0.25, -1.5, 0.0)]:
        vals = w.at(x, h, c, forget_bias=bf)
        hn, cn = _lstm_ref(w.params(forget_bias=bf), x, h, c)
        assert vals["h"] == pytest.approx(hn, abs=1e-12)
        assert vals["c"] == pytest.approx(cn, abs=1e-12)
        assert vals["c"] == pytest.approx(vals["f"] * c + vals["i"] * vals["g"], abs=1e-12)
    # what the browser shows is the same grid up to 16-bit quantisation
    shown = decode_array(data["grid"]["h"])
    assert np.allclose(shown, w.values["h"], atol=1e-4)
    before = w.at(1.0, 0.5, 1.0)["i"]
    slider = w.live_view() and w._sliders[("wx", "i")]
    slider.value = -2.0  # a Python control of the live view
    after = w.at(1.0, 0.5, 1.0)
    assert w.weights["wx"]["i"] == -2.0
    assert after["i"] < before
    hn, cn = _lstm_ref(w.params(), 1.0, 0.5, 1.0)
    assert after["h"] == pytest.approx(hn, abs=1e-12)
    assert after["c"] == pytest.approx(cn, abs=1e-12)
    assert w._output.value.startswith("<iframe")


def test_cell_explorer_gru_matches_reference():
    w = CellExplorer("gru", weights={"wx": {"z": 0.5}})
    assert w.error is None
    assert w.weights["wx"]["z"] == 0.5
    for x, h, bz in [(1.0, 0.5, 0.0), (-1.5, -0.75, 3.0)]:
        p = w.params(forget_bias=bz)
        hn, _ = ref.gru_step_forward(
            np.array([[x]]), np.array([[h]]), p["Wx"], p["Wh"], p["b"], p["bh"]
        )
        vals = w.at(x, h, forget_bias=bz)
        assert vals["h"] == pytest.approx(float(hn[0, 0]), abs=1e-12)
        assert vals["h"] == pytest.approx((1 - vals["z"]) * vals["n"] + vals["z"] * h, abs=1e-12)


def test_cell_explorer_bad_input_is_a_message():
    w = CellExplorer("rnn")
    assert "cell must be 'lstm' or 'gru'" in w.error
    html = w._repr_mimebundle_()["text/html"]
    assert "Cannot show this widget" in html
    assert "rnnw-data" not in html
    with pytest.raises(ValueError, match="x_values"):
        CellExplorer("lstm", x_values=[1.0])


# --------------------------------------------------------------------------- gate inspector
def test_inspector_values_equal_gate_recorder():
    torch.manual_seed(0)
    model = rnn.LSTM(len(VOCAB), 6, batch_first=True)
    w = GateInspector(model, CODE, VOCAB)
    assert w.error is None
    x = torch.tensor(VOCAB.one_hot(VOCAB.encode(CODE)), dtype=torch.float32)[None]
    with rnn.GateRecorder(model) as rec:
        model(x)
    g = rec.gates()
    assert sorted(w.gates) == ["c", "f", "g", "h", "i", "o"]
    for k in w.gates:
        # float32 rounding: the fused path computes tanh(a) as 2σ(2a) - 1 (a few ulp apart)
        np.testing.assert_allclose(w.gates[k], g[k][0].double().numpy(), rtol=0, atol=1e-6)
    data = _payload(w)
    assert data["T"] == len(CODE)
    assert data["H"] == 6
    assert data["tokens"] == list(CODE)
    np.testing.assert_allclose(decode_array(data["arrays"]["f"]), w.gates["f"], atol=1e-4)


def test_inspector_reference_params_and_live_text_box():
    rng = np.random.default_rng(1)
    H, D = 5, len(VOCAB)
    p = {
        "Wx": rng.normal(size=(D, 3 * H)),
        "Wh": rng.normal(size=(H, 3 * H)) / 2,
        "b": rng.normal(size=3 * H),
        "bh": rng.normal(size=3 * H),
    }
    w = GateInspector(p, "def f", VOCAB)
    assert w.error is None
    assert sorted(w.gates) == ["h", "n", "r", "z"]
    x = VOCAB.one_hot(VOCAB.encode("def f"), dtype=np.float64)[None]
    h_ref, _ = ref.gru_forward(x, np.zeros((1, H)), p["Wx"], p["Wh"], p["b"], p["bh"])
    np.testing.assert_allclose(w.gates["h"], h_ref[0], atol=1e-12)
    import ipywidgets

    box = _find(w, ipywidgets.Textarea)[0]
    box.value = "x = 'y'"  # the reader types new input
    x2 = VOCAB.one_hot(VOCAB.encode("x = 'y'"), dtype=np.float64)[None]
    h2, _ = ref.gru_forward(x2, np.zeros((1, H)), p["Wx"], p["Wh"], p["b"], p["bh"])
    assert w.gates["h"].shape == (7, H)
    np.testing.assert_allclose(w.gates["h"], h2[0], atol=1e-12)
    box.value = ""
    assert w.error == "text is empty: give at least one character"
    assert "text is empty" in w._output.value


def test_inspector_numbers_and_torch_layer_and_charlm():
    from rnncourse.train.models import CharLM

    torch.manual_seed(0)
    layer = torch.nn.RNN(3, 4, batch_first=True).double()
    xs = np.random.default_rng(0).normal(size=(9, 3))
    w = GateInspector(layer, xs)
    out, _ = layer(torch.tensor(xs)[None])
    np.testing.assert_allclose(w.gates["h"], out[0].detach().numpy(), atol=1e-12)
    assert _payload(w)["tokens"] is None
    lm = CharLM(len(VOCAB), 8, num_layers=2, cell="gru")
    w2 = GateInspector(lm, "if x:", VOCAB, layer=1)
    assert w2.error is None
    assert w2.gates["z"].shape == (5, 8)


@pytest.mark.parametrize(
    ("model", "text", "message"),
    [
        ("lstm", "", "text is empty"),
        ("lstm", "déf €", "2 character(s) outside the vocabulary: 'é', '€'"),
        (torch.nn.Linear(3, 3), "def", "model must be reference parameters"),
        (
            {"Wx": np.zeros((3, 8)), "Wh": np.zeros((4, 8)), "b": np.zeros(8)},
            "def",
            "k = 1 (RNN), 3 (GRU) or 4 (LSTM)",
        ),
        ("lstm", np.zeros((4, 2)), "numbers must be (T, D) or (1, T, D) with D = "),
        ("lstm3", "def", "model takes D = 3 input features but the vocabulary has V ="),
    ],
)
def test_inspector_bad_input_messages(model, text, message):
    if isinstance(model, str):
        model = rnn.LSTM(3 if model == "lstm3" else len(VOCAB), 4, batch_first=True)
    w = GateInspector(model, text, VOCAB)
    assert w.error is not None
    assert message in w.error
    html = w._repr_mimebundle_()["text/html"]
    assert "Cannot show this widget" in html
    assert "Traceback" not in html


# --------------------------------------------------------------------------- gradient flow
def _direct_curve(cell, x, params, g):
    """mean_n ||dL/d(state_t)|| with torch's own cells (independent of rnncourse.analysis).

    The state is h_t, and (h_t, c_t) for the LSTM: the quantity of chapter 7's static figure.
    """
    N, T, D = x.shape
    H = params["Wh"].shape[0]
    mod = {"rnn": torch.nn.RNNCell, "lstm": torch.nn.LSTMCell, "gru": torch.nn.GRUCell}[cell]
    c = mod(D, H).double()
    with torch.no_grad():
        c.weight_ih.copy_(torch.tensor(params["Wx"].T))
        c.weight_hh.copy_(torch.tensor(params["Wh"].T))
        c.bias_ih.copy_(torch.tensor(params["b"]))
        c.bias_hh.copy_(torch.tensor(params.get("bh", np.zeros_like(params["b"]))))
    xt = torch.tensor(x)
    h = torch.zeros(N, H, dtype=torch.float64, requires_grad=True)
    cs = [torch.zeros(N, H, dtype=torch.float64, requires_grad=True)]
    s = (h, cs[0]) if cell == "lstm" else h
    hs = [h]
    for t in range(T):
        s = c(xt[:, t], s)
        h = s[0] if cell == "lstm" else s
        h.retain_grad()
        hs.append(h)
        if cell == "lstm":
            # a copy of c_t that only the next step reads: its gradient is dL/dc_t with h_t held
            # fixed, the c half of the state gradient d(h_t, c_t) (not the path through h_t)
            s = (h, s[1] * 1.0)
            s[1].retain_grad()
            cs.append(s[1])
    loss = (h * torch.tensor(g)).sum()
    loss.backward()
    # torch keeps two biases; for RNN/LSTM both get the same gradient, which is db once
    names = ["weight_ih", "weight_hh", "bias_ih"] + (["bias_hh"] if cell == "gru" else [])
    grad_norm = torch.sqrt(sum((getattr(c, n).grad ** 2).sum() for n in names))
    sq = [hh.grad.norm(dim=1) ** 2 for hh in hs]
    if cell == "lstm":  # c_T does not reach the loss: its gradient is zero, not None
        sq = [
            q + (cc.grad.norm(dim=1) ** 2 if cc.grad is not None else 0)
            for q, cc in zip(sq, cs, strict=True)
        ]
    curve = np.array([q.sqrt().mean().item() for q in sq])
    return curve, float(grad_norm)


def test_gradient_flow_curves_equal_direct_autograd():
    w = GradientFlowExplorer(
        [0.6, 1.4], T=12, hidden_size=5, input_size=3, batch_size=2, taus=[0.5, 100.0]
    )
    assert w.error is None
    for cell in ("rnn", "lstm", "gru"):
        for i, radius in enumerate([0.6, 1.4]):
            x, params, g = w.setup(cell, radius)
            curve, gnorm = _direct_curve(cell, x, params, g)
            np.testing.assert_allclose(w.curves[cell][i], curve, rtol=1e-9)
            assert w.grad_norms[cell][i] == pytest.approx(gnorm, rel=1e-9)
            data = _payload(w)
            assert data["clip_scale"][cell][i][0] == pytest.approx(min(1.0, 0.5 / gnorm))
    # the same quantity, scale and axis labels as chapter 7's static figure
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnncourse.figures.curves import FLOW_XLABEL, FLOW_YLABEL, plot_gradient_flow

    x, params, g = w.setup("lstm", 1.4)
    flow = hidden_state_gradients(x, None, params, "lstm", dL_dhT=g)
    ax = plot_gradient_flow({"lstm": flow})
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == (data["xlabel"], data["ylabel"])
    assert (FLOW_XLABEL, FLOW_YLABEL) == (data["xlabel"], data["ylabel"])
    np.testing.assert_allclose(ax.lines[0].get_ydata(), w.curves["lstm"][1], rtol=1e-12)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), np.arange(13)[::-1])  # T - t
    plt.close("all")
    assert w.rates["lstm"][1] == pytest.approx(flow.decay_rate("state"))
    # the explorer draws analysis.gradient_flow's problem, not a copy of it
    settings = dict(T=12, hidden_size=5, input_size=3, batch_size=2, forget_bias=w.forget_bias)
    want_params, want_x, want_g = gradient_flow_problem("gru", spectral_radius=0.6, **settings)
    x, params, g = w.setup("gru", 0.6)
    np.testing.assert_array_equal(x, want_x)
    np.testing.assert_array_equal(g, want_g)
    for key in ("Wx", "Wh", "b", "bh"):
        np.testing.assert_array_equal(params[key], want_params[key])
    # vanishing below radius 1, and the tanh RNN's early gradient grows with the radius
    assert w.rates["rnn"][0] < 0.8
    assert w.curves["rnn"][1][0] > w.curves["rnn"][0][0]


def test_gradient_flow_live_setting_and_bad_input():
    w = GradientFlowExplorer([0.9], T=8, hidden_size=4, input_size=2, batch_size=1)
    w.live_view()
    w._sliders["T"].value = 20
    assert w.T == 20
    assert w.curves["rnn"].shape == (1, 21)
    bad = GradientFlowExplorer([-1.0], T=5)
    assert "radii must hold 1 to 41 positive numbers" in bad.error
    assert "Cannot show" in bad._repr_mimebundle_()["text/html"]


# --------------------------------------------------------------------------- interpretable cells
def test_features_on_code():
    s = inside_string(CODE)
    inside = "".join(ch for ch, v in zip(CODE, s, strict=True) if v)
    assert inside == "'a#b'\"q\""  # the '#' inside the string is not a comment
    ind = indentation(CODE)
    assert ind[CODE.index("return")] == 2.0
    assert ind[0] == 0.0
    pos = line_position(CODE)
    assert pos[CODE.index("return")] == 8
    assert pos[CODE.index("s =")] == 4


def test_rank_units_finds_a_planted_unit():
    rng = np.random.default_rng(0)
    feat = line_position(CODE)
    acts = rng.normal(size=(len(CODE), 6))
    acts[:, 4] = -0.1 * feat + 0.01 * rng.normal(size=len(CODE))
    ranking = rank_units(acts, feat, top_k=3)
    assert ranking[0][0] == 4
    assert ranking[0][1] < -0.99
    assert len(ranking) == 3


def test_interpretable_viewer_values_and_messages():
    from rnncourse.train.models import CharLM

    torch.manual_seed(0)
    lm = CharLM(len(VOCAB), 8, num_layers=2, cell="lstm")
    w = InterpretableCellViewer(lm, CODE, VOCAB, what="c", feature="indentation")
    assert w.error is None
    with rnn.GateRecorder(lm) as rec:
        lm(torch.tensor(VOCAB.encode(CODE))[None])
    c_top = rec.gates(layer=1)["c"][0].double().numpy()
    np.testing.assert_allclose(w.acts, np.tanh(c_top), atol=1e-7)
    data = _payload(w)
    best = rank_units(w.acts, indentation(CODE), 1)[0][0]
    assert data["unit"] == best
    assert data["features"]["indentation"]["ranking"][0][0] == best
    np.testing.assert_allclose(decode_array(data["acts"]), w.acts, atol=np.ptp(w.acts) / 255)
    gru = CharLM(len(VOCAB), 4, cell="gru")
    assert "what='c' needs an LSTM" in InterpretableCellViewer(gru, CODE, VOCAB, what="c").error
    assert "outside the vocabulary" in InterpretableCellViewer(lm, "λ", VOCAB).error
    assert "model must be" in InterpretableCellViewer(object(), CODE, VOCAB).error
    small = CharLM(5, 4, cell="lstm")  # embeds fewer tokens than VOCAB has
    assert (
        "use the vocabulary the model was trained with"
        in InterpretableCellViewer(small, CODE, VOCAB).error
    )
    assert "vocab must be a vocabulary" in InterpretableCellViewer(lm, CODE, list("abc")).error


def test_mimebundle_has_live_and_static_views():
    w = CellExplorer("gru")
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert "window.rnnw.mount" in html
    assert "http" not in html.split("rnnw-data")[0]
    assert not re.search(r"src=\"https?://", html)


def test_short_string_feature_and_saturation():
    from rnncourse.analysis import gate_saturation, inside_short_string

    text = 'x = """doc\n""" + \'a\'\n'
    marked = "".join(ch for ch, v in zip(text, inside_short_string(text), strict=True) if v)
    assert marked == "'a'"
    gate = np.array([[0.05, 0.5], [0.95, 0.5], [0.99, 0.01], [0.5, 0.5]])
    shut, open_ = gate_saturation(gate)
    np.testing.assert_allclose(shut, [0.25, 0.25])
    np.testing.assert_allclose(open_, [0.5, 0.0])
    with pytest.raises(ValueError, match="low < high"):
        gate_saturation(gate, 0.9, 0.1)


def test_batched_unit_activations_equal_single_runs():
    from rnncourse.analysis import search_units, unit_activations, unit_correlation
    from rnncourse.train.models import CharLM

    torch.manual_seed(1)
    lm = CharLM(len(VOCAB), 6, cell="lstm")
    texts = [CODE, CODE[:17]]
    acts = unit_activations(lm, texts, VOCAB, what="c")
    for text, a in zip(texts, acts, strict=True):
        single = InterpretableCellViewer(lm, text, VOCAB, what="c").acts
        np.testing.assert_allclose(a, single, atol=1e-6)
    ranks = search_units(acts[0], CODE, top_k=2)
    unit, r = ranks["line_position"][0]
    assert unit_correlation(acts[0], CODE, "line_position", unit) == pytest.approx(r)
    with pytest.raises(ValueError, match="needs an LSTM"):
        unit_activations(CharLM(len(VOCAB), 4, cell="gru"), texts, VOCAB, what="c")


def test_pretrained_model_loads_and_runs():
    from rnncourse.experiments import pretrained_charlm, pretrained_charlm_info

    model, vocab = pretrained_charlm()
    info = pretrained_charlm_info()
    assert info["steps"] > 0
    assert info["train_bpc"] < 2.5
    ids = torch.tensor(vocab.encode("def f(x):\n    return x\n"))[None]
    logits, _ = model(ids)
    assert logits.shape == (1, ids.shape[1], len(vocab))
    assert torch.isfinite(logits).all()


def test_inside_figures_draw():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnncourse.figures import inside

    rng = np.random.default_rng(0)
    gates = {k: rng.uniform(size=(30, 4)) for k in "ifo"}
    ax = inside.draw_gate_saturation(gates)
    assert len(ax.collections) == 3
    ax = inside.draw_unit_trace(
        CODE, rng.uniform(-1, 1, (len(CODE), 3)), line_position(CODE), 1, "column"
    )
    assert ax.lines
    # the trace fills the whole height: its legend must sit outside the plotting area
    ax.figure.canvas.draw()
    box, legend = ax.get_window_extent(), ax.get_legend().get_window_extent()
    assert legend.y1 <= box.y0 or legend.x0 >= box.x1, (legend, box)
    inside.draw_correlation_bars({"a": 0.5}, {"a": 0.1})
    with pytest.raises(ValueError, match="keys must name"):
        inside.draw_gate_saturation(gates, keys=("z",))
    plt.close("all")


def test_clamped_unit_bits_baseline_and_intervention():
    from rnncourse.analysis import clamped_unit_bits
    from rnncourse.train.models import CharLM

    torch.manual_seed(2)
    lm = CharLM(len(VOCAB), 5, cell="lstm").eval()
    ids = torch.tensor(VOCAB.encode(CODE))[None]
    logits, _ = lm(ids)
    direct = torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:], reduction="none")
    base = clamped_unit_bits(lm, CODE, VOCAB)
    np.testing.assert_allclose(base, direct.detach().numpy() / np.log(2), rtol=1e-5)
    clamped = clamped_unit_bits(lm, CODE, VOCAB, unit=2, value=3.0)
    assert clamped.shape == base.shape
    assert not np.allclose(clamped, base)
    assert clamped[0] == pytest.approx(base[0])  # the first prediction precedes any clamping
    with pytest.raises(ValueError, match="one-layer LSTM"):
        clamped_unit_bits(CharLM(len(VOCAB), 4, cell="gru"), CODE, VOCAB)
