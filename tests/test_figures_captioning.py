"""Figures of the captioning page: one panel per generated word, titled with that word."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from rnncourse.figures import attention as att_fig


def test_one_attention_panel_per_word_and_eos():
    image = np.zeros((3, 32, 32))
    w = np.full((4, 4, 4), 1 / 16)
    w[1] = 0
    w[1, 2, 3] = 1.0
    axes = att_fig.plot_caption_attention(image, ["a", "red", "square"], w)
    assert [ax.get_title() for ax in axes] == ["image", "a", "red", "square", "<EOS>"]
    # the panel of "red" shows its weights: 1.00 in row 2, column 3, zeros elsewhere
    labels = [t.get_text() for t in axes[2].texts]
    assert labels[2 * 4 + 3] == "1.00"
    assert labels.count("0.00") == 15
    plt.close("all")
    with pytest.raises(ValueError, match="T_out = 3"):
        att_fig.plot_caption_attention(image, ["a", "red", "square"], w[:2])


def test_examples_are_titled_with_their_captions():
    images = np.zeros((2, 3, 32, 32))
    axes = att_fig.plot_caption_examples(images, ["a red square", "a red square left of a circle"])
    assert [ax.get_title() for ax in axes] == ["a red square", "a red square left\nof a circle"]
    plt.close("all")
    with pytest.raises(ValueError, match="len\\(captions\\) = 1"):
        att_fig.plot_caption_examples(images, ["a red square"])
