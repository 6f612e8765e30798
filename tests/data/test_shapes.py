"""The shapes captioning set: captions describe the drawn image, the split is by scene."""

import numpy as np
import pytest

from rnncourse.data.shapes import (
    CAPTION_VOCAB,
    CELL,
    COLOURS,
    GRID,
    Scene,
    all_scenes,
    caption,
    draw_scene,
    sample_batch,
    split_scenes,
)


def _read_image(image: np.ndarray) -> list[tuple[str, str, int]]:
    """Recover (colour, shape, cell) of every object from the pixels alone, in cell order."""
    found = []
    for cell in range(GRID * GRID):
        r, c = divmod(cell, GRID)
        patch = image[:, r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL]
        on = patch.max(axis=0) > 0
        if not on.any():
            continue
        rows = np.flatnonzero(on.any(axis=1))
        colour = next(k for k, v in COLOURS.items() if np.allclose(patch[:, on].T, v))
        top, bottom = on[rows[0]].sum(), on[rows[-1]].sum()
        shape = {(7, 7): "square", (1, 1): "circle", (1, 7): "triangle"}[(top, bottom)]
        found.append((colour, shape, cell))
    return found


def _relation_from_pixels(image: np.ndarray, cell_a: int, cell_b: int) -> str:
    """The relation of two objects from the centroids of their pixels."""
    centres = []
    for cell in (cell_a, cell_b):
        r, c = divmod(cell, GRID)
        on = np.zeros(image.shape[1:], dtype=bool)
        on[r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL] = True
        ys, xs = np.nonzero(on & (image.max(axis=0) > 0))
        centres.append((ys.mean(), xs.mean()))
    (ya, xa), (yb, xb) = centres
    if abs(xa - xb) > CELL / 2:
        return "left of" if xa < xb else "right of"
    return "above" if ya < yb else "below"


def test_captions_match_the_drawn_images():
    train, _ = split_scenes()
    batch = sample_batch(train, 200, np.random.default_rng(3))
    assert batch["images"].shape == (200, 3, 32, 32)
    assert batch["images"].dtype == np.float32
    for image, scene, text in zip(batch["images"], batch["scenes"], batch["captions"], strict=True):
        assert _read_image(image) == sorted(scene.objects, key=lambda o: o[2])
        words = text.split()
        objects = [(o[0], o[1]) for o in scene.objects]
        assert (words[1], words[2]) == objects[0]
        if len(objects) == 2:
            assert (words[-2], words[-1]) == objects[1]
            relation = " ".join(words[3:-3])
            assert relation == _relation_from_pixels(
                image, scene.objects[0][2], scene.objects[1][2]
            )
        else:
            assert len(words) == 3


def test_caption_examples_and_ids():
    assert caption(Scene((("red", "square", 0), ("blue", "circle", 5)))) == (
        "a red square left of a blue circle"
    )
    assert caption(Scene((("red", "square", 3), ("blue", "circle", 4)))) == (
        "a red square right of a blue circle"
    )
    assert caption(Scene((("yellow", "triangle", 2), ("red", "circle", 14)))) == (
        "a yellow triangle above a red circle"
    )
    assert caption(Scene((("green", "circle", 3),))) == "a green circle"
    batch = sample_batch(all_scenes(), 50, np.random.default_rng(0))
    for row, text in zip(batch["tgt"], batch["captions"], strict=True):
        n = len(text.split())
        assert row[n] == CAPTION_VOCAB.eos_id
        assert not row[n + 1 :].any()
        assert CAPTION_VOCAB.decode(row[:n]) == text


def test_split_is_disjoint_seeded_and_complete():
    train, held = split_scenes(seed=0)
    assert len(train) + len(held) == len(all_scenes()) == 12 * 16 + 144 * 16 * 15 // 2
    assert not set(train) & set(held)
    assert abs(len(held) / (len(train) + len(held)) - 0.2) < 1e-3
    assert split_scenes(seed=0)[1][:20] == held[:20] != split_scenes(seed=1)[1][:20]
    batch = sample_batch(held, 100, np.random.default_rng(0))
    assert set(batch["scenes"]) <= set(held)
    assert 0.6 < np.mean([len(s.objects) == 2 for s in batch["scenes"]]) < 0.95


def test_draw_without_rng_is_deterministic_and_jitter_moves_by_one_pixel():
    scene = Scene((("red", "square", 5),))
    image = draw_scene(scene)
    ys, xs = np.nonzero(image[0])
    assert (ys.min(), xs.min(), ys.max(), xs.max()) == (8, 8, 14, 14)
    for seed in range(5):
        ys, xs = np.nonzero(draw_scene(scene, np.random.default_rng(seed))[0])
        assert ys.min() in (8, 9)
        assert xs.min() in (8, 9)
        assert ys.max() - ys.min() == 6


@pytest.mark.parametrize(
    ("scene", "match"),
    [
        (Scene(()), "1 or 2 objects"),
        (Scene((("pink", "square", 0),)), "colour"),
        (Scene((("red", "square", 16),)), "cell"),
        (Scene((("red", "square", 3), ("red", "circle", 3))), "distinct cells"),
        (Scene((("red", "square", 5), ("red", "circle", 3))), "reading order"),
    ],
)
def test_bad_scenes_are_named(scene, match):
    with pytest.raises(ValueError, match=match):
        caption(scene)


def test_bad_arguments():
    with pytest.raises(ValueError, match="held_out_fraction"):
        split_scenes(held_out_fraction=1.0)
    with pytest.raises(TypeError, match="rng"):
        sample_batch(all_scenes()[:3], 2, rng="0")
    with pytest.raises(ValueError, match="n must be"):
        sample_batch(all_scenes()[:3], 0, np.random.default_rng(0))
