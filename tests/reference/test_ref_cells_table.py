"""The cell table (``rnncourse.reference.cells``) against the reference cells it describes.

The package reads gate names, block counts and squashing functions from this one table, so each
entry is checked here against what the reference forward pass actually computes.
"""

from __future__ import annotations

import numpy as np
import pytest

from rnncourse.reference import cells
from rnncourse.reference.gru import gru_forward
from rnncourse.reference.lstm import lstm_forward
from rnncourse.reference.rnn import rnn_forward


def _gate_values(cell: str) -> dict[str, np.ndarray]:
    """Every gate block of one reference forward pass (N, T, H) each."""
    rng = np.random.default_rng(0)
    N, T, D, H = 8, 5, 3, 4
    k = cells.NUM_BLOCKS[cell]
    x = rng.standard_normal((N, T, D))
    Wx, Wh, b = (rng.standard_normal(s) for s in ((D, k * H), (H, k * H), (k * H,)))
    if cell == "lstm":
        _, cache = lstm_forward(x, None, Wx, Wh, b)
    else:
        _, cache = gru_forward(x, None, Wx, Wh, b)
    return {g: np.stack([getattr(s, g) for s in cache.steps], 1) for g in cells.BLOCKS[cell]}


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_squash_matches_the_reference_gates(cell):
    for gate, values in _gate_values(cell).items():
        kind = cells.SQUASH[gate]
        # a sigmoid gate never goes negative; a tanh candidate does (on some of these inputs)
        assert kind in ("sigmoid", "tanh"), gate
        assert values.max() < 1, gate
        if kind == "sigmoid":
            assert values.min() > 0, gate
        else:
            assert values.min() < -0.5, gate


def test_squash_covers_every_gate_block_but_the_rnn_pre_activation():
    gates = {g for cell, names in cells.BLOCKS.items() if cell != "rnn" for g in names}
    assert set(cells.SQUASH) == gates


@pytest.mark.parametrize("cell", cells.CELLS)
def test_num_blocks_is_what_the_reference_cell_demands(cell):
    # The table's k against the reference's own check: Wx (D, kH) runs, one block more does not.
    forward = {"rnn": rnn_forward, "gru": gru_forward, "lstm": lstm_forward}[cell]
    k, D, H = cells.NUM_BLOCKS[cell], 3, 2
    x = np.zeros((1, 2, D))
    h, _ = forward(x, None, np.zeros((D, k * H)), np.zeros((H, k * H)), np.zeros(k * H))
    assert h.shape == (1, 2, H)
    kH = "H" if k == 1 else f"{k}H"
    with pytest.raises(ValueError, match=rf"Wh must be \(H, {kH}\) = \(2, {k * H}\)"):
        forward(x, None, np.zeros((D, (k + 1) * H)), np.zeros((H, (k + 1) * H)), np.zeros(4 * H))


def test_the_block_count_names_one_cell():
    # CELL_OF_NUM_BLOCKS reads a cell off bare parameters (Wh is (H, kH)): that works only while
    # the wrappers' cells have distinct k. Two with equal k would leave one out of the mapping.
    assert sorted(cells.CELL_OF_NUM_BLOCKS.values()) == sorted(cells.CELLS)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_every_recorded_gate_and_state_is_in_the_reference_step_cache(cell):
    forward = {"gru": gru_forward, "lstm": lstm_forward}[cell]
    k, D, H = cells.NUM_BLOCKS[cell], 3, 2
    _, cache = forward(
        np.ones((1, 2, D)), None, *(np.ones(s) for s in ((D, k * H), (H, k * H), k * H))
    )
    step = cache.steps[0]
    for name in cells.RECORDED[cell]:
        assert getattr(step, name).shape == (1, H), name


def test_block_reads_the_named_columns():
    W = np.arange(2 * 12).reshape(2, 12)  # H = 3, LSTM blocks i f g o
    np.testing.assert_array_equal(cells.block(W, "lstm", "g"), W[:, 6:9])
    np.testing.assert_array_equal(cells.block(W[0], "gru", "n"), W[0, 8:12])


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_keep_gate_carries_the_old_state(cell):
    """Saturating the KEEP gate's bias copies the old state through every step; another won't."""
    rng = np.random.default_rng(1)
    N, T, D, H = 2, 6, 3, 4
    k = cells.NUM_BLOCKS[cell]
    x, h0, c0 = (
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, H)),
        rng.standard_normal((N, H)),
    )
    Wx, Wh = rng.standard_normal((D, k * H)), rng.standard_normal((H, k * H))
    for gate in cells.BLOCKS[cell]:
        b = np.zeros(k * H)
        cells.block(b, cell, gate)[:] = 40.0
        if cell == "lstm":
            cells.block(b, cell, "i")[:] = -40.0  # nothing written: c_t = f * c_{t-1}
            _, cache = lstm_forward(x, h0, Wx, Wh, b, c0)
            old, new = c0, cache.steps[-1].c
        else:
            _, cache = gru_forward(x, h0, Wx, Wh, b)
            old, new = h0, cache.steps[-1].h
        assert np.allclose(new, old, atol=1e-9) == (gate == cells.KEEP[cell]), gate
