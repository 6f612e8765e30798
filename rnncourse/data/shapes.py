"""Coloured shapes and their captions: an image-captioning task made by the package, no download.

An image is 3 x 32 x 32 (RGB in [0, 1], black background) divided into a 4 x 4 grid of 8 x 8
cells. A *scene* puts one or two objects - a shape (square, circle, triangle) in a colour (red,
green, blue, yellow) - in distinct cells, each drawn 7 pixels wide inside its cell at a random
offset of 0 or 1 pixel in x and in y. Its caption comes from a small grammar:

* one object: ``"a red square"``;
* two objects, in reading order (the one whose cell comes first row by row, left to right, is
  named first): ``"a red square left of a blue circle"``, where the relation is ``left of`` /
  ``right of`` when the two cells are in different columns, else ``above``.

So the caption is a function of the image: one image, one right answer.

Split by scene: every scene (objects and cells) goes either to the training side or to the held-out
side (:func:`split_scenes`), so a held-out image never shows a scene seen in training. Ids come from
the fixed word vocabulary :data:`CAPTION_VOCAB` (``<PAD>`` = 0, ``<EOS>`` = 2); an encoded caption
ends with ``<EOS>``, which the decoder also reads as its start token (the ``<START>`` of the notes),
as in :mod:`rnncourse.data.dates`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from rnncourse._validation import as_generator, check_int, check_positive
from rnncourse.data.vocab import PAD_ID, SPECIALS, WordVocab

__all__ = [
    "COLOURS",
    "SHAPES",
    "GRID",
    "IMAGE_SIZE",
    "CAPTION_VOCAB",
    "Scene",
    "caption",
    "draw_scene",
    "all_scenes",
    "split_scenes",
    "sample_batch",
]

COLOURS: dict[str, tuple[float, float, float]] = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
}
SHAPES = ("square", "circle", "triangle")
GRID, CELL = 4, 8  # 4 x 4 cells of 8 x 8 pixels
IMAGE_SIZE = GRID * CELL
_RADIUS = 3  # every shape spans 2 * 3 + 1 = 7 pixels

CAPTION_VOCAB = WordVocab(list(SPECIALS) + ["a", *COLOURS, *SHAPES, "left", "right", "of", "above"])


class Scene(NamedTuple):
    """One or two objects, each ``(colour, shape, cell)`` with ``cell = row * GRID + column``.

    Two objects are listed in reading order: ``objects[0][2] < objects[1][2]``.
    """

    objects: tuple[tuple[str, str, int], ...]


def _relation(cell_a: int, cell_b: int) -> str:
    # cell_a comes first in reading order, so in one column it is always the upper one.
    ca, cb = cell_a % GRID, cell_b % GRID
    if ca != cb:
        return "left of" if ca < cb else "right of"
    return "above"


def caption(scene: Scene) -> str:
    """Return the caption of a scene.

    Examples
    --------
    >>> caption(Scene((("red", "square", 0), ("blue", "circle", 5))))
    'a red square left of a blue circle'
    >>> caption(Scene((("green", "circle", 1), ("green", "triangle", 9))))
    'a green circle above a green triangle'
    """
    _check_scene(scene)
    words = [f"a {colour} {shape}" for colour, shape, _ in scene.objects]
    if len(words) == 1:
        return words[0]
    return f"{words[0]} {_relation(scene.objects[0][2], scene.objects[1][2])} {words[1]}"


def _shape_mask(shape: str) -> np.ndarray:
    # (7, 7) boolean stencil: a full square, a disc, a triangle pointing up.
    y, x = np.mgrid[-_RADIUS : _RADIUS + 1, -_RADIUS : _RADIUS + 1]
    if shape == "square":
        return np.ones_like(x, dtype=bool)
    if shape == "circle":
        return x**2 + y**2 <= _RADIUS**2
    return np.abs(x) <= (y + _RADIUS) / 2  # row k from the top is 2 * (k // 2) + 1 wide


def draw_scene(scene: Scene, rng: np.random.Generator | None = None) -> np.ndarray:
    """Render a scene.

    Parameters
    ----------
    scene : Scene
    rng : numpy.random.Generator, optional
        Offsets each shape by 0 or 1 pixel in x and y; None draws it at the cell's top left.

    Returns
    -------
    ndarray, shape (3, 32, 32), float32
    """
    _check_scene(scene)
    image = np.zeros((3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    for colour, shape, cell in scene.objects:
        row, col = divmod(cell, GRID)
        # A 7-pixel shape fits an 8-pixel cell at offset 0 or 1: one pixel of jitter.
        dy, dx = (0, 0) if rng is None else rng.integers(0, 2, size=2)
        top, left = row * CELL + int(dy), col * CELL + int(dx)
        mask = _shape_mask(shape)
        patch = image[:, top : top + mask.shape[0], left : left + mask.shape[1]]
        patch[:, mask] = np.array(COLOURS[colour], dtype=np.float32)[:, None]
    return image


def all_scenes() -> list[Scene]:
    """Every scene: 12 objects x 16 cells alone, and any two objects in two distinct cells."""
    objects = list(itertools.product(COLOURS, SHAPES))
    scenes = [Scene(((c, s, cell),)) for (c, s) in objects for cell in range(GRID * GRID)]
    for (a, b), (ca, cb) in itertools.product(
        itertools.product(objects, repeat=2), itertools.combinations(range(GRID * GRID), 2)
    ):
        scenes.append(Scene(((*a, ca), (*b, cb))))
    return scenes


def split_scenes(held_out_fraction: float = 0.2, seed: int = 0) -> tuple[list, list]:
    """Split :func:`all_scenes` into training and held-out scenes (disjoint, seeded).

    Returns
    -------
    train, held_out : list of Scene
    """
    check_positive("held_out_fraction", held_out_fraction)
    if not held_out_fraction < 1:
        raise ValueError(f"held_out_fraction must be in (0, 1), got {held_out_fraction}")
    scenes = all_scenes()
    order = np.random.default_rng(seed).permutation(len(scenes))
    n_held = int(round(held_out_fraction * len(scenes)))
    return [scenes[i] for i in order[n_held:]], [scenes[i] for i in order[:n_held]]


def sample_batch(
    scenes: Sequence[Scene],
    n: int,
    rng: np.random.Generator | int | None,
    two_objects: float = 0.8,
) -> dict[str, np.ndarray | list]:
    """Draw ``n`` scenes from ``scenes``, render them and encode their captions.

    Parameters
    ----------
    scenes : sequence of Scene
        One side of :func:`split_scenes`.
    n : int
    rng : numpy.random.Generator, int or None
        Read by :func:`rnncourse._validation.as_generator`: a generator goes on with its stream,
        an int seeds one, None draws fresh entropy.
    two_objects : float
        Probability that a drawn scene has two objects (if ``scenes`` has both kinds).

    Returns
    -------
    dict with
        ``images`` (N, 3, 32, 32) float32; ``tgt`` (N, T) int64, caption ids then ``<EOS>``,
        padded with ``<PAD>`` = 0; ``captions`` list of str; ``scenes`` list of Scene.
    """
    rng = as_generator(rng)
    n = check_int("n", n)
    if len(scenes) == 0:
        raise ValueError("scenes must not be empty")
    pools = [[s for s in scenes if len(s.objects) == k] for k in (1, 2)]
    chosen = []
    for _ in range(int(n)):
        pool = pools[1] if (rng.random() < two_objects or not pools[0]) and pools[1] else pools[0]
        chosen.append(pool[int(rng.integers(len(pool)))])
    texts = [caption(s) for s in chosen]
    ids = [CAPTION_VOCAB.encode(t, add_eos=True) for t in texts]
    tgt = np.full((len(ids), max(len(r) for r in ids)), PAD_ID, dtype=np.int64)
    for i, r in enumerate(ids):
        tgt[i, : len(r)] = r
    images = np.stack([draw_scene(s, rng) for s in chosen])
    return {"images": images, "tgt": tgt, "captions": texts, "scenes": chosen}


def _check_scene(scene: Scene) -> None:
    objs = getattr(scene, "objects", None)
    if not isinstance(objs, tuple) or not 1 <= len(objs) <= 2:
        raise ValueError(f"scene must be a Scene with 1 or 2 objects, got {scene!r}")
    for obj in objs:
        if (
            len(obj) != 3
            or obj[0] not in COLOURS
            or obj[1] not in SHAPES
            or not 0 <= int(obj[2]) < GRID * GRID
        ):
            raise ValueError(
                f"each object must be (colour in {list(COLOURS)}, shape in {list(SHAPES)}, "
                f"cell in 0..{GRID * GRID - 1}), got {obj!r}"
            )
    if len(objs) == 2 and not int(objs[0][2]) < int(objs[1][2]):
        raise ValueError(
            f"two objects must be in distinct cells, listed in reading order "
            f"(first cell < second cell), got {scene!r}"
        )
