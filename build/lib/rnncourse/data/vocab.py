"""Character- and word-level vocabularies with ``<PAD>``, ``<UNK>`` and ``<EOS>``.

Ids 0, 1, 2 are always ``<PAD>``, ``<UNK>``, ``<EOS>``; the symbols of the corpus follow in a
deterministic order (sorted characters; words by decreasing count, ties alphabetical). A vocabulary
serialises to plain Python types (:meth:`Vocab.to_dict`) so it can live inside a checkpoint that is
loaded with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from rnncourse._validation import check_ids

PAD, UNK, EOS = "<PAD>", "<UNK>", "<EOS>"
SPECIALS: tuple[str, ...] = (PAD, UNK, EOS)
PAD_ID, UNK_ID, EOS_ID = 0, 1, 2

# Words, or single punctuation marks, as separate tokens (the notes treat punctuation as tokens).
_WORD_RE = re.compile(r"\w+|[^\w\s]")


class Vocab:
    """Common base: a list of tokens whose first three entries are the special tokens.

    Parameters
    ----------
    tokens : sequence of str
        Every token including the specials, in id order. Must start with ``<PAD>, <UNK>, <EOS>``
        and contain no duplicates.
    """

    kind = "base"

    def __init__(self, tokens: Sequence[str]) -> None:
        tokens = list(tokens)
        if tuple(tokens[:3]) != SPECIALS:
            raise ValueError(f"tokens must start with {list(SPECIALS)}, got {tokens[:3]}")
        if len(set(tokens)) != len(tokens):
            dup = [t for t, c in Counter(tokens).items() if c > 1][:5]
            raise ValueError(f"tokens must be unique, got duplicates {dup}")
        self.itos: list[str] = tokens
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(tokens)}

    pad_id, unk_id, eos_id = PAD_ID, UNK_ID, EOS_ID

    def __len__(self) -> int:
        return len(self.itos)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.itos == other.itos  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.kind, tuple(self.itos)))

    def __repr__(self) -> str:
        shown = ", ".join(repr(t) for t in self.itos[3:13])
        more = ", ..." if len(self) > 13 else ""
        return f"{type(self).__name__}(size={len(self)}, tokens=[{shown}{more}])"

    def one_hot(self, ids: Any, dtype: Any = np.float32) -> np.ndarray:
        """One-hot encode integer ids.

        Parameters
        ----------
        ids : array_like of int, any shape S
            Token ids in ``[0, V)``.
        dtype : numpy dtype, default float32

        Returns
        -------
        np.ndarray, shape S + (V,)
            ``out[..., k] == 1`` exactly where ``ids == k``.
        """
        arr = check_ids("ids", ids, None, high=len(self))
        return np.eye(len(self), dtype=dtype)[arr]

    def to_dict(self) -> dict[str, Any]:
        """Plain-type description (``{"kind": ..., "tokens": [...], ...}``) for checkpoints."""
        return {"kind": self.kind, "tokens": list(self.itos)}

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Vocab:
        """Inverse of :meth:`to_dict`; returns a :class:`CharVocab` or :class:`WordVocab`."""
        kind = d.get("kind")
        if kind == "char":
            return CharVocab(d["tokens"])
        if kind == "word":
            return WordVocab(d["tokens"], lower=bool(d.get("lower", False)))
        raise ValueError(f"vocabulary kind must be 'char' or 'word', got {kind!r}")


class CharVocab(Vocab):
    """Character-level vocabulary.

    Build it from text with :meth:`from_text`; every character of that text gets an id, so
    ``decode(encode(text)) == text`` exactly. Characters never seen map to ``<UNK>``.

    Examples
    --------
    >>> v = CharVocab.from_text("hello")
    >>> v.encode("hello").tolist()
    [4, 3, 5, 5, 6]
    >>> v.decode(v.encode("hello"))
    'hello'
    """

    kind = "char"

    def __init__(self, tokens: Sequence[str]) -> None:
        super().__init__(tokens)
        chars = self.itos[3:]
        bad = [c for c in chars if len(c) != 1]
        if bad:
            raise ValueError(
                f"CharVocab tokens after the specials must be single characters, got {bad[:5]}"
            )
        # Sorted code points and their ids: encode is a vectorised searchsorted, fast on megabytes.
        cps = np.array([ord(c) for c in chars], dtype=np.int64)
        order = np.argsort(cps)
        self._cps = cps[order]
        self._cp_ids = (order + 3).astype(np.int64)
        self._itos_arr = np.array(self.itos, dtype=object)

    @classmethod
    def from_text(cls, text: str) -> CharVocab:
        """Vocabulary of every distinct character in ``text`` (sorted by code point)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        return cls(list(SPECIALS) + sorted(set(text)))

    def encode(self, text: str, add_eos: bool = False) -> np.ndarray:
        """Map a string to ids.

        Parameters
        ----------
        text : str
            Any string; characters outside the vocabulary become ``<UNK>`` (id 1).
        add_eos : bool, default False
            Append ``<EOS>`` (id 2).

        Returns
        -------
        np.ndarray of int64, shape (L,) or (L + 1,)
        """
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        if len(self._cps) == 0:
            ids = np.full(len(cps), UNK_ID, dtype=np.int64)
        else:
            pos = np.minimum(np.searchsorted(self._cps, cps), len(self._cps) - 1)
            ids = np.where(self._cps[pos] == cps, self._cp_ids[pos], UNK_ID)
        if add_eos:
            ids = np.append(ids, EOS_ID)
        return ids.astype(np.int64)

    def decode(self, ids: Any, skip_special: bool = False) -> str:
        """Map ids back to a string.

        Parameters
        ----------
        ids : array_like of int, shape (L,)
        skip_special : bool, default False
            Drop ``<PAD>``, ``<UNK>``, ``<EOS>`` instead of writing their names.

        Returns
        -------
        str
        """
        arr = check_ids("ids", ids, high=len(self))
        if skip_special:
            arr = arr[arr >= 3]
        return "".join(self._itos_arr[arr].tolist())


class WordVocab(Vocab):
    """Word-level vocabulary; punctuation marks are tokens of their own.

    Built with :meth:`from_text` keeping the ``max_size`` most frequent words (ties broken
    alphabetically) that occur at least ``min_count`` times; the rest map to ``<UNK>``.
    ``decode`` joins tokens with single spaces, so ``decode(encode(s)) == " ".join(tokenize(s))``
    for text whose words are all known.
    """

    kind = "word"

    def __init__(self, tokens: Sequence[str], lower: bool = False) -> None:
        super().__init__(tokens)
        self.lower = bool(lower)

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` into words and single punctuation marks (lower-cased if ``lower``)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        return _WORD_RE.findall(text.lower() if self.lower else text)

    @classmethod
    def from_text(
        cls,
        text: str | Iterable[str],
        max_size: int | None = None,
        min_count: int = 1,
        lower: bool = False,
    ) -> WordVocab:
        """Build from a string (or an iterable of strings).

        Parameters
        ----------
        text : str or iterable of str
        max_size : int or None
            Largest vocabulary size V including the three specials (>= 3); None for no limit.
        min_count : int, default 1
            Words seen fewer times become ``<UNK>``.
        lower : bool, default False
            Lower-case before tokenising.
        """
        if max_size is not None and max_size < 3:
            raise ValueError(f"max_size must be >= 3 (the specials), got {max_size}")
        if min_count < 1:
            raise ValueError(f"min_count must be >= 1, got {min_count}")
        probe = cls(list(SPECIALS), lower=lower)
        texts = [text] if isinstance(text, str) else list(text)
        counts: Counter[str] = Counter()
        for t in texts:
            counts.update(probe.tokenize(t))
        for s in SPECIALS:
            counts.pop(s, None)
        words = sorted(
            (w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w)
        )
        if max_size is not None:
            words = words[: max_size - 3]
        return cls(list(SPECIALS) + words, lower=lower)

    def encode(self, text: str, add_eos: bool = False) -> np.ndarray:
        """Tokenise and map to ids (unknown words to ``<UNK>``); returns int64 (L,) (+1 if EOS)."""
        ids = [self.stoi.get(w, UNK_ID) for w in self.tokenize(text)]
        if add_eos:
            ids.append(EOS_ID)
        return np.array(ids, dtype=np.int64)

    def decode(self, ids: Any, skip_special: bool = False) -> str:
        """Tokens joined by single spaces; ``skip_special`` drops ``<PAD>``/``<UNK>``/``<EOS>``."""
        arr = check_ids("ids", ids, high=len(self))
        if skip_special:
            arr = arr[arr >= 3]
        return " ".join(self.itos[i] for i in arr.tolist())

    def to_dict(self) -> dict[str, Any]:
        """Return the plain-type description, with the ``lower`` setting."""
        d = super().to_dict()
        d["lower"] = self.lower
        return d
