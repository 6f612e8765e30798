"""Data for the rnncourse book: vocabularies, language-model batching, corpora, synthetic tasks.

Vocabularies
    :class:`CharVocab`, :class:`WordVocab` (ids 0, 1, 2 = ``<PAD>``, ``<UNK>``, ``<EOS>``).
Batching
    :class:`StreamBatcher` / :func:`lm_batches` (N contiguous streams, windows of T).
Corpora
    :func:`load_corpus` (``"stdlib"`` = the running Python's standard library sources, split by
    held-out files; or any text file), :func:`stdlib_files`, :func:`split_text`.
Language-model baselines and units
    :class:`NGramLM` (add-k, Jelinek–Mercer, Witten–Bell, Kneser–Ney), :func:`convert_loss`
    (nats, bits, perplexity), :func:`rank_frequency`, :func:`zipf_fit`; :func:`fold_lines`
    (long sample lines broken for printing).
Time series
    :func:`load_sunspots` (yearly sunspot numbers, ``rnncourse[forecast]``), :func:`split_by_time`,
    :func:`fit_normaliser` (training years only), :func:`make_windows`.
Handwritten digits
    :func:`load_digit_rows` (the 1,797 UCI digits scikit-learn ships, each as 8 rows of 8 pixels,
    ``rnncourse[digits]``), :func:`split_digits` (stratified, seeded).
Translation metric
    :func:`corpus_bleu`, :func:`sentence_bleu` (BLEU as sacrebleu computes it, on token sequences).
Synthetic tasks
    :func:`adding_problem`, :func:`copy_task`, :func:`future_context_task`, :func:`reversal_task`.
"""

from rnncourse.data.batching import StreamBatcher, lm_batches
from rnncourse.data.corpus import (
    fold_lines,
    load_corpus,
    split_text,
    stdlib_files,
    stdlib_root,
)
from rnncourse.data.digits import DigitSplit, load_digit_rows, split_digits
from rnncourse.data.metrics import LOSS_UNITS, convert_loss, rank_frequency, zipf_fit
from rnncourse.data.metrics_bleu import BLEUScore, corpus_bleu, sentence_bleu
from rnncourse.data.ngram import SMOOTHINGS, NGramLM
from rnncourse.data.series import (
    Normaliser,
    SeriesSplit,
    fit_normaliser,
    load_sunspots,
    make_windows,
    split_by_time,
)
from rnncourse.data.tasks import (
    ADDING_BASELINE_MSE,
    adding_problem,
    copy_task,
    future_context_task,
    reversal_task,
)
from rnncourse.data.vocab import EOS, PAD, SPECIALS, UNK, CharVocab, Vocab, WordVocab

__all__ = [
    "DigitSplit",
    "load_digit_rows",
    "split_digits",
    "Normaliser",
    "SeriesSplit",
    "fit_normaliser",
    "load_sunspots",
    "make_windows",
    "split_by_time",
    "ADDING_BASELINE_MSE",
    "BLEUScore",
    "corpus_bleu",
    "sentence_bleu",
    "LOSS_UNITS",
    "SMOOTHINGS",
    "NGramLM",
    "convert_loss",
    "rank_frequency",
    "zipf_fit",
    "EOS",
    "PAD",
    "SPECIALS",
    "UNK",
    "CharVocab",
    "StreamBatcher",
    "Vocab",
    "WordVocab",
    "adding_problem",
    "copy_task",
    "future_context_task",
    "reversal_task",
    "lm_batches",
    "fold_lines",
    "load_corpus",
    "split_text",
    "stdlib_files",
    "stdlib_root",
]
