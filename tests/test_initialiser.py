"""The one initialiser, :mod:`rnncourse.reference.init`: golden values of every scheme.

The book and the graders assert numbers computed from these draws, so a change that moves one
bit of them must be deliberate. The values below were drawn at the commit that merged the three
former initialisers (reference, ``analysis.init_params``, ``grading.lm.init_lm_params``) into this
one, where each was checked bit for bit against its old formula; the tests compare exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse import analysis as an
from rnncourse.grading.lm import init_lm_params
from rnncourse.reference import init_output_params, init_rnn_params
from rnncourse.reference.init import SCHEMES

#: (scheme, cell) -> Wx[0, 0], Wh[-1, -1], sum(b), sum(bh) of init_rnn_params(3, 2, cell, 0, ...)
GOLDEN = {
    ("torch", "rnn"): (0.19369307573550387, 0.6152853223351966, -0.2565495771429478, 0.0),
    ("torch", "lstm"): (0.19369307573550387, -0.20110796144863097, 1.94038887356679, 0.0),
    ("torch", "gru"): (
        0.19369307573550387,
        0.21278154908278613,
        1.6740933500707234,
        0.7927531492643489,
    ),
    ("xavier", "rnn"): (0.30006802263971943, 1.0657054394359542, 0.0, 0.0),
    ("xavier", "lstm"): (0.30006802263971943, -0.34832920703563197, 2.0, 0.0),
    ("xavier", "gru"): (0.30006802263971943, 0.36854845392459645, 2.0, 0.0),
    ("orthogonal", "rnn"): (0.30006802263971943, -0.8800252246352127, 0.0, 0.0),
    ("orthogonal", "lstm"): (0.30006802263971943, 0.6404824968081939, 2.0, 0.0),
    ("orthogonal", "gru"): (0.30006802263971943, 0.8515622807615782, 2.0, 0.0),
    ("normal", "rnn"): (0.07259037699354179, -0.8947881032357201, 0.0, 0.0),
    ("normal", "lstm"): (0.07259037699354179, 1.0560152900207915, 2.0, 0.0),
    ("normal", "gru"): (0.07259037699354179, 0.15570146498988102, 2.0, 0.0),
}


@pytest.mark.parametrize(("scheme", "cell"), sorted(GOLDEN))
def test_schemes_draw_their_golden_values(scheme, cell):
    forget_bias = 0.0 if cell == "rnn" else 1.0
    p = init_rnn_params(3, 2, cell, 0, scheme=scheme, forget_bias=forget_bias)
    bh = p.get("bh", np.zeros(1))
    got = (float(p["Wx"][0, 0]), float(p["Wh"][-1, -1]), float(p["b"].sum()), float(bh.sum()))
    assert got == GOLDEN[scheme, cell]
    assert sorted(p) == sorted(["Wx", "Wh", "b"] + (["bh"] if cell == "gru" else []))


def test_the_wrappers_draw_their_golden_values():
    p = an.init_params(
        "lstm", 3, 2, spectral_radius=0.9, forget_bias=2.0, rng=np.random.default_rng(0)
    )
    assert (float(p["Wx"][0, 0]), float(p["Wh"][-1, -1]), float(p["b"].sum())) == (
        0.07259037699354179,
        0.9424890145344831,
        4.0,
    )
    q = init_lm_params(4, 3, np.random.default_rng(0))
    assert (float(q["Wx"][0, 0]), float(q["Wy"][-1, -1])) == (
        0.01257302210933933,
        -0.015922500991447774,
    )
    assert sorted(q) == ["Wh", "Wx", "Wy", "b", "by"]


def test_normal_scheme_options():
    p = init_rnn_params(6, 5, "gru", 0, scheme="normal", forget_bias=2.0, spectral_radius=0.5)
    np.testing.assert_array_equal(p["b"], np.r_[np.zeros(5), np.full(5, 2.0), np.zeros(5)])
    assert not p["bh"].any()
    for k in range(3):
        assert np.isclose(an.spectral_radius(p["Wh"][:, 5 * k : 5 * (k + 1)]), 0.5, rtol=1e-12)
    # std replaces 1/sqrt(fan_in): the same draw, rescaled
    z = np.random.default_rng(1).standard_normal((6, 5))
    q = init_rnn_params(6, 5, "rnn", 1, scheme="normal", std=0.3)
    assert np.array_equal(q["Wx"], z * 0.3)
    r = init_rnn_params(6, 5, "rnn", 1, scheme="normal")
    assert np.array_equal(r["Wx"], z / np.sqrt(6))
    # spectral_radius works with every scheme
    for scheme in SCHEMES:
        t = init_rnn_params(4, 6, "lstm", 2, scheme=scheme, spectral_radius=1.5)
        radii = an.spectral_radius_of_blocks(t["Wh"], 6)
        np.testing.assert_allclose(radii, 1.5, rtol=1e-12)
    out = init_output_params(4, 9, rng=0, scheme="normal")
    assert np.array_equal(out["Wy"], np.random.default_rng(0).standard_normal((4, 9)) / 2.0)


def test_init_option_errors():
    with pytest.raises(ValueError, match="std applies to scheme='normal' only, got scheme='torch'"):
        init_rnn_params(3, 4, std=0.1)
    with pytest.raises(ValueError, match="std must be a finite number > 0, got -0.1"):
        init_rnn_params(3, 4, scheme="normal", std=-0.1)
    with pytest.raises(ValueError, match="spectral_radius must be a finite number >= 0, got -1"):
        init_rnn_params(3, 4, spectral_radius=-1.0)
    with pytest.raises(ValueError, match="scheme must be one of 'torch', 'normal'; got 'xavier'"):
        init_output_params(3, 4, scheme="xavier")
    with pytest.raises(ValueError, match="input_size must be an integer >= 1, got 0"):
        an.init_params("rnn", 0, 4)
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'gru', 'lstm'; got 'tanh'"):
        an.init_params("tanh", 3, 4)
