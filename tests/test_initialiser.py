"""The one initialiser: every caller draws exactly (bit for bit) what its old formula drew.

The book and the graders assert numbers computed from these draws, so moving the three
initialisers (reference, ``analysis.init_params``, ``grading.lm.init_lm_params``) into
:mod:`rnncourse.reference.init` must not change one bit. Each ``_old_*`` function below is the
formula as it stood before the move, written out in full; the tests compare with
``np.array_equal`` and the dtype, over cells, seeds, radii, biases and dtypes.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse import analysis as an
from rnncourse.grading.lm import init_lm_params
from rnncourse.reference import init_output_params, init_rnn_params
from rnncourse.reference.init import SCHEMES

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def _old_scale(W, radius):
    current = float(np.max(np.abs(np.linalg.eigvals(W))))
    return (W * (radius / current)).astype(W.dtype, copy=False)


def _old_analysis_init(cell, D, H, spectral_radius, keep_bias, rng, dtype):
    """``rnncourse.analysis.spectral.init_params`` before the move."""
    G = GATES[cell]
    Wx = rng.standard_normal((D, G * H)) / np.sqrt(D)
    Wh = rng.standard_normal((H, G * H)) / np.sqrt(H)
    if spectral_radius is not None:
        for k in range(G):
            Wh[:, k * H : (k + 1) * H] = _old_scale(Wh[:, k * H : (k + 1) * H], spectral_radius)
    b = np.zeros(G * H)
    if cell in ("lstm", "gru"):
        b[H : 2 * H] = keep_bias
    params = {"Wx": Wx, "Wh": Wh, "b": b}
    if cell == "gru":
        params["bh"] = np.zeros(G * H)
    return {k: v.astype(dtype) for k, v in params.items()}


def _old_lm_init(V, H, rng, scale=0.1):
    """``rnncourse.grading.lm.init_lm_params`` before the move."""
    return {
        "Wx": rng.standard_normal((V, H)) * scale,
        "Wh": rng.standard_normal((H, H)) * scale,
        "b": np.zeros(H),
        "Wy": rng.standard_normal((H, V)) * scale,
        "by": np.zeros(V),
    }


def _old_reference_init(D, H, cell, seed, scheme, forget_bias):
    """``rnncourse.reference.init_rnn_params`` (float64) before the move."""
    gen = np.random.default_rng(seed)
    k = GATES[cell]
    if scheme == "torch":
        bound = 1.0 / np.sqrt(H)
        p = {
            "Wx": gen.uniform(-bound, bound, (D, k * H)),
            "Wh": gen.uniform(-bound, bound, (H, k * H)),
            "b": gen.uniform(-bound, bound, k * H),
        }
        if cell == "gru":
            p["bh"] = gen.uniform(-bound, bound, k * H)
    else:
        bx, bh_ = np.sqrt(6.0 / (D + H)), np.sqrt(6.0 / (2 * H))
        Wx = np.concatenate([gen.uniform(-bx, bx, (D, H)) for _ in range(k)], axis=1)
        if scheme == "xavier":
            Wh = np.concatenate([gen.uniform(-bh_, bh_, (H, H)) for _ in range(k)], axis=1)
        else:
            blocks = []
            for _ in range(k):
                q, r = np.linalg.qr(gen.standard_normal((H, H)))
                blocks.append(q * np.sign(np.diag(r)))
            Wh = np.concatenate(blocks, axis=1)
        p = {"Wx": Wx, "Wh": Wh, "b": np.zeros(k * H)}
        if cell == "gru":
            p["bh"] = np.zeros(k * H)
    if cell == "lstm":
        p["b"][H : 2 * H] += forget_bias
    return p


def _assert_identical(new, old):
    assert list(new) == list(old)
    for key in old:
        assert new[key].dtype == old[key].dtype, key
        assert np.array_equal(new[key], old[key]), key


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("radius", [None, 0.0, 0.9, 3.0])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_analysis_init_params_is_bit_identical(cell, radius, dtype):
    for seed in (0, 1, 12345):
        for keep_bias in (0.0, 1.0, 2.0):
            new = an.init_params(
                cell,
                8,
                32,
                spectral_radius=radius,
                keep_bias=keep_bias,
                rng=np.random.default_rng(seed),
                dtype=dtype,
            )
            rng = np.random.default_rng(seed)
            _assert_identical(new, _old_analysis_init(cell, 8, 32, radius, keep_bias, rng, dtype))
    # rng=None meant the seed 0
    old = _old_analysis_init(cell, 3, 5, radius, 1.0, np.random.default_rng(0), dtype)
    _assert_identical(an.init_params(cell, 3, 5, spectral_radius=radius, dtype=dtype), old)


def test_analysis_init_params_leaves_the_generator_where_the_old_code_did():
    new_rng, old_rng = np.random.default_rng(4), np.random.default_rng(4)
    an.init_params("lstm", 4, 6, spectral_radius=0.9, rng=new_rng)
    _old_analysis_init("lstm", 4, 6, 0.9, 1.0, old_rng, np.float64)
    assert np.array_equal(new_rng.standard_normal(5), old_rng.standard_normal(5))


@pytest.mark.parametrize(("V", "H", "scale"), [(27, 50, 0.1), (10, 8, 0.01), (5, 3, 1.0)])
def test_init_lm_params_is_bit_identical(V, H, scale):
    for seed in (0, 1, 7):
        new_rng, old_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        _assert_identical(init_lm_params(V, H, new_rng, scale), _old_lm_init(V, H, old_rng, scale))
        assert new_rng.random() == old_rng.random()  # same number of draws
    _assert_identical(
        init_lm_params(27, 50, np.random.default_rng(0)),
        _old_lm_init(27, 50, np.random.default_rng(0)),
    )


@pytest.mark.parametrize("scheme", ["torch", "xavier", "orthogonal"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_reference_schemes_are_bit_identical(scheme, cell):
    for seed in (0, 3):
        forget_bias = 1.0 if cell == "lstm" else 0.0
        new = init_rnn_params(3, 7, cell, seed, scheme=scheme, forget_bias=forget_bias)
        _assert_identical(new, _old_reference_init(3, 7, cell, seed, scheme, forget_bias))


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
