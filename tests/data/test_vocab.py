import numpy as np
import pytest

from rnncourse.data import CharVocab, Vocab, WordVocab


def test_char_roundtrip_exact_and_layout():
    text = "def f(x):\n\treturn x * 2  # ünïcode ✓\n"
    v = CharVocab.from_text(text)
    assert v.itos[:3] == ["<PAD>", "<UNK>", "<EOS>"]
    assert v.itos[3:] == sorted(set(text))
    ids = v.encode(text)
    assert ids.dtype == np.int64
    assert ids.shape == (len(text),)
    assert v.decode(ids) == text
    assert [v.itos[i] for i in ids] == list(text)


def test_char_hello_example():
    v = CharVocab.from_text("hello")
    assert len(v) == 3 + 4
    assert v.encode("hello").tolist() == [4, 3, 5, 5, 6]
    assert v.encode("hex", add_eos=True).tolist() == [4, 3, 1, 2]
    assert v.decode([4, 3, 1, 2]) == "he<UNK><EOS>"
    assert v.decode([0, 4, 3, 1, 2], skip_special=True) == "he"


def test_one_hot():
    v = CharVocab.from_text("abc")
    ids = np.array([[3, 5], [0, 4]])
    oh = v.one_hot(ids)
    assert oh.shape == (2, 2, 6)
    assert oh.dtype == np.float32
    assert np.array_equal(oh.argmax(-1), ids)
    assert np.array_equal(oh.sum(-1), np.ones((2, 2)))
    with pytest.raises(
        ValueError, match=r"ids must hold indices in \[0, 6\), got values in \[6, 6\]"
    ):
        v.one_hot([6])
    with pytest.raises(TypeError, match="ids must be an integer array, got dtype float64"):
        v.one_hot([1.5])


def test_word_vocab_frequency_order_unk_and_roundtrip():
    text = "the cat sat on the mat. The cat!"
    v = WordVocab.from_text(text)
    assert v.itos[3:5] == ["cat", "the"]  # count 2 each, ties alphabetical
    assert v.tokenize("cat, sat!") == ["cat", ",", "sat", "!"]
    ids = v.encode(text)
    assert v.decode(ids) == " ".join(v.tokenize(text))
    small = WordVocab.from_text(text, max_size=5)
    assert len(small) == 5
    assert small.decode(small.encode("the dog")) == "the <UNK>"
    lower = WordVocab.from_text(text, lower=True)
    assert lower.itos[3] == "the"
    assert "The" not in lower.stoi


def test_serialisation_roundtrip_and_equality():
    for v in (CharVocab.from_text("xyz\n"), WordVocab.from_text("a b b", lower=True)):
        d = v.to_dict()
        assert all(isinstance(t, str) for t in d["tokens"])
        w = Vocab.from_dict(d)
        assert w == v
        assert type(w) is type(v)
    assert CharVocab.from_text("ab") != CharVocab.from_text("abc")


def test_bad_inputs():
    with pytest.raises(ValueError, match="must start with"):
        CharVocab(["a", "b"])
    with pytest.raises(TypeError, match="text must be str"):
        CharVocab.from_text("a").encode(b"a")
    with pytest.raises(ValueError, match=r"ids must have 1 dimension\(s\) \(L,\), got 2"):
        CharVocab.from_text("a").decode([[3]])
    with pytest.raises(ValueError, match="kind must be"):
        Vocab.from_dict({"kind": "bpe", "tokens": []})
