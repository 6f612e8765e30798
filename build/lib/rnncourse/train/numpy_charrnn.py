"""The minimal character-level RNN, trained in NumPy with :mod:`rnncourse.reference`.

The classic recipe: one-hot characters in, a tanh RNN, softmax over the next character, Adagrad,
gradients clipped element-wise, the hidden state carried from one window of T characters to the
next (truncated BPTT), and a sample printed every so often to watch the model learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rnncourse import reference as ref
from rnncourse.data import CharVocab, StreamBatcher, convert_loss


class NumpyCharRNN:
    """Minimal char-RNN language model and its trainer.

    Parameters
    ----------
    text : str
        Training text (its characters define the vocabulary).
    hidden_size : int, default 100
        H.
    seq_len : int, default 25
        T, the truncated-BPTT window.
    batch_size : int, default 1
        N contiguous streams read in parallel (1 = the classic single stream).
    lr : float, default 0.1
        Adagrad learning rate.
    clip : float or None, default 5.0
        Clip every gradient entry to ``[-clip, clip]`` (None: no clipping).
    seed : int, default 0
        Seeds the weights and the samples (``np.random.default_rng``).
    dtype : numpy float dtype, default float64
    valid_text : str or None
        Held-out text for :meth:`evaluate` (characters must occur in ``text``).

    Attributes
    ----------
    params : dict of ndarray
        ``Wx (V, H)``, ``Wh (H, H)``, ``b (H,)``, ``Wy (H, V)``, ``by (V,)`` (reference layout).
    vocab : CharVocab
    h : ndarray (N, H)
        Carried hidden state.
    step : int
    history : dict of lists
        ``"step"``, ``"loss"`` (nats per character of the window), ``"smooth_loss"``
        (exponential moving average, as the classic script prints), ``"bpc"``,
        ``"sample_step"``, ``"samples"``, ``"val_step"``, ``"val_bpc"``.
    """

    def __init__(
        self,
        text: str,
        hidden_size: int = 100,
        seq_len: int = 25,
        batch_size: int = 1,
        lr: float = 0.1,
        clip: float | None = 5.0,
        seed: int = 0,
        dtype: Any = np.float64,
        valid_text: str | None = None,
    ) -> None:
        if not isinstance(text, str) or len(text) < 2:
            raise ValueError("text must be a str with at least 2 characters")
        self.vocab = CharVocab.from_text(text)
        if valid_text:
            missing = sorted(set(valid_text) - set(text))
            if missing:
                raise ValueError(f"valid_text has characters not in text: {missing[:5]}")
        V = len(self.vocab)
        self.batcher = StreamBatcher(self.vocab.encode(text), batch_size, seq_len, drop_last=True)
        self.valid_ids = self.vocab.encode(valid_text) if valid_text else None
        self.rng = np.random.default_rng(seed)
        self.params = ref.init_rnn_params(V, hidden_size, "rnn", self.rng, dtype)
        self.params.update(ref.init_output_params(hidden_size, V, self.rng, dtype))
        self.lr, self.clip, self.dtype = lr, clip, np.dtype(dtype)
        self.h = np.zeros((batch_size, hidden_size), dtype=dtype)
        self.opt_state: dict[str, Any] | None = None
        self.step = 0
        self.history: dict[str, list] = {
            k: []
            for k in (
                "step",
                "loss",
                "smooth_loss",
                "bpc",
                "sample_step",
                "samples",
                "val_step",
                "val_bpc",
            )
        }

    def _forward_backward(self, x_ids: np.ndarray, y_ids: np.ndarray, h0: np.ndarray) -> tuple:
        x = self.vocab.one_hot(x_ids, dtype=self.dtype)
        return ref.rnn_lm_loss(x, y_ids, h0, self.params)

    def train_step(self) -> float:
        """One Adagrad update on the next window; returns the loss in nats per character."""
        k = self.step % len(self.batcher)
        if k == 0:
            self.h = np.zeros_like(self.h)  # a new pass over the text: nothing to carry
        x, y = self.batcher.window(k)
        loss, grads, self.h = self._forward_backward(x, y, self.h)
        if self.clip is not None:
            ref.clip_by_value(grads, self.clip)  # the classic remedy for exploding gradients
        self.opt_state = ref.adagrad(self.params, grads, self.opt_state, lr=self.lr)
        per_char = float(loss) / x.shape[1]  # the reference loss sums over T, averages over N
        hist = self.history
        prev = hist["smooth_loss"][-1] if hist["smooth_loss"] else per_char
        hist["step"].append(self.step)
        hist["loss"].append(per_char)
        hist["smooth_loss"].append(0.99 * prev + 0.01 * per_char)
        hist["bpc"].append(convert_loss(per_char, "bits"))
        self.step += 1
        return per_char

    def sample(
        self,
        length: int = 200,
        prime: str = "\n",
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> str:
        """Generate ``length`` characters after ``prime`` (returned without it).

        Uses :func:`rnncourse.reference.sample` with a generator seeded by ``seed`` (default: a
        draw from the model's own generator, so successive samples differ).
        """
        ids = self.vocab.encode(prime)
        if len(ids) == 0:
            raise ValueError("prime must contain at least one character")
        step_fn = ref.rnn_lm_step(self.params, "rnn")
        state = None
        for t in ids[:-1]:
            _, state = step_fn(int(t), state)
        rng = np.random.default_rng(seed if seed is not None else int(self.rng.integers(2**31)))
        out = ref.sample(step_fn, state, int(ids[-1]), length, temperature, rng=rng)
        return self.vocab.decode(out)

    def evaluate(self, text: str | None = None, seq_len: int = 100) -> float:
        """Bits per character on ``text`` (default the validation text), state carried along."""
        ids = self.valid_ids if text is None else self.vocab.encode(text)
        if ids is None or len(ids) < 2:
            raise ValueError("no validation text: pass valid_text to the constructor or text here")
        p = self.params
        batcher = StreamBatcher(ids, 1, seq_len)
        h = np.zeros((1, self.h.shape[1]), dtype=self.dtype)
        total, count = 0.0, 0
        for x_ids, y_ids in batcher:
            h_seq, _ = ref.rnn_forward(
                self.vocab.one_hot(x_ids, self.dtype), h, p["Wx"], p["Wh"], p["b"]
            )
            scores, _ = ref.temporal_affine_forward(h_seq, p["Wy"], p["by"])
            loss, _ = ref.temporal_softmax_loss(scores, y_ids)
            total += float(loss)
            count += y_ids.shape[1]
            h = h_seq[:, -1]
        return convert_loss(total / count, "bits")

    def fit(
        self,
        steps: int,
        sample_every: int = 0,
        sample_len: int = 200,
        eval_every: int = 0,
        progress: bool = True,
        print_samples: bool = False,
    ) -> dict[str, list]:
        """Run ``steps`` updates with a tqdm bar (loss, bpc, chars/s).

        Parameters
        ----------
        steps : int
        sample_every, eval_every : int
            Period in steps for samples and validation bits per character (0: never).
        sample_len : int
        progress : bool
        print_samples : bool
            Write samples below the bar.

        Returns
        -------
        dict of lists
            :attr:`history`.
        """
        import time

        from tqdm.auto import tqdm

        chars = self.batcher.batch_size * self.batcher.seq_len
        start = time.perf_counter()
        bar = tqdm(range(steps), disable=not progress, unit="step", dynamic_ncols=True)
        for i in bar:
            loss = self.train_step()
            if sample_every and self.step % sample_every == 0:
                text = self.sample(sample_len)
                self.history["sample_step"].append(self.step)
                self.history["samples"].append(text)
                if print_samples:
                    bar.write(f"--- step {self.step} ---\n{text}\n---")
            if eval_every and self.step % eval_every == 0 and self.valid_ids is not None:
                self.history["val_step"].append(self.step)
                self.history["val_bpc"].append(self.evaluate())
            rate = (i + 1) * chars / max(time.perf_counter() - start, 1e-9)
            bpc = convert_loss(loss, "bits")
            bar.set_postfix(
                loss=f"{loss:.3f}", bpc=f"{bpc:.3f}", chars_s=f"{rate:,.0f}", refresh=False
            )
        return self.history
