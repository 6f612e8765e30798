import math

import pytest
import torch
from _tiny_cli import tiny

from rnncourse.data import CharVocab
from rnncourse.train import (
    CheckpointError,
    LMTrainer,
    NonFiniteError,
    TrainConfig,
    load_checkpoint,
    load_model,
)
from rnncourse.train.checkpoint import save_checkpoint


def test_loss_decreases_and_history(small_texts):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=60, eval_every=30, sample_every=30))
    h = tr.fit(progress=False)
    assert tr.step == 60
    assert len(h["loss"]) == 60
    assert h["loss"][0] == pytest.approx(
        math.log(len(tr.vocab)), rel=0.1
    )  # untrained: uniform guess
    assert sum(h["loss"][-10:]) / 10 < h["loss"][0] - 1.0
    assert h["val_step"] == [30, 60]
    assert h["val_bpc"][-1] < h["val_bpc"][0] + 0.5
    assert h["val_bpc"][-1] < math.log2(len(tr.vocab))
    assert [len(s) for s in h["samples"]] == [20, 20]
    assert h["sample_step"] == [30, 60]
    assert all(
        b == pytest.approx(l / math.log(2)) for l, b in zip(h["loss"], h["bpc"], strict=True)
    )
    assert tr.chars_per_second > 0


def test_resume_equals_uninterrupted_exactly(small_texts, tmp_path):
    train, valid = small_texts
    cfg = tiny(cell="gru", num_layers=2, dropout=0.1, max_steps=10, checkpoint_every=4)
    full = LMTrainer(train, valid, cfg)
    full.fit(progress=False)

    ck = tmp_path / "run.pt"
    first = LMTrainer(train, valid, cfg)

    def crash(tr):
        if tr.step == 7:
            raise KeyboardInterrupt  # killed between checkpoints: steps 5-7 are lost

    with pytest.raises(KeyboardInterrupt):
        first.fit(checkpoint_path=ck, progress=False, callback=crash)
    torch.manual_seed(12345)  # whatever happens to the global RNG in between must not matter
    resumed = LMTrainer.from_checkpoint(ck, train, valid)
    assert resumed.step == 4
    resumed.fit(checkpoint_path=ck, progress=False)

    assert resumed.history == full.history
    for (name, a), b in zip(
        full.model.state_dict().items(), resumed.model.state_dict().values(), strict=True
    ):
        assert torch.equal(a, b), name


def test_checkpoint_plain_types_atomic_and_errors(small_texts, tmp_path):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=2))
    path = tr.save(tmp_path / "a.pt")
    assert [p.name for p in tmp_path.iterdir()] == ["a.pt"]  # no temporary file left behind
    ck = torch.load(path, weights_only=True)
    assert isinstance(ck["vocab"]["tokens"], list)
    assert isinstance(ck["config"], dict)
    model, vocab, config = load_model(path)
    assert vocab == tr.vocab
    assert config == tr.config
    assert not model.training

    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="could not be read"):
        load_checkpoint(tmp_path / "junk.pt")
    save_checkpoint({"format": "other"}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="not an rnncourse char-LM checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="different vocabulary"):
        LMTrainer.from_checkpoint(path, "completely different text ÄÖÜ")


def test_sampling_reproducible_and_vocab_checks(small_texts):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=3))
    a = tr.sample(50, prime="def ", seed=3)
    assert a == tr.sample(50, prime="def ", seed=3)
    assert len(a) == 50
    assert set(a) <= set(tr.vocab.itos[3:])
    with pytest.raises(ValueError, match="missing from the vocabulary"):
        LMTrainer(train, valid, tiny(), vocab=CharVocab.from_text("abc"))


def test_config_validation_and_schedule():
    with pytest.raises(ValueError, match="cell must be one of 'rnn', 'gru', 'lstm'; got 'transf"):
        TrainConfig(cell="transformer")
    with pytest.raises(ValueError, match="batch_size must be >= 1, got 0"):
        TrainConfig(batch_size=0)
    for bad in (float("inf"), float("nan"), -1.0, 0.0):
        with pytest.raises(ValueError, match="lr must be"):
            TrainConfig(lr=bad)
    with pytest.raises(ValueError, match="dropout must be >= 0.0 and <= 0.99"):
        TrainConfig(dropout=1.0)
    with pytest.raises(ValueError, match="hidden_size must be an integer"):
        TrainConfig(hidden_size=1.5)
    assert TrainConfig(clip=0).clip is None
    assert TrainConfig(clip=None).clip is None
    assert TrainConfig().backend == "torch"  # the fastest correct path by default
    cfg = TrainConfig(lr=1.0, warmup_steps=10, max_steps=110, min_lr_ratio=0.1)
    assert cfg.lr_at(0) == pytest.approx(0.1)
    assert cfg.lr_at(10) == pytest.approx(1.0)
    assert cfg.lr_at(60) == pytest.approx(0.55)
    assert cfg.lr_at(110) == pytest.approx(0.1)


def test_torch_backend_matches_rnncourse(small_texts):
    train, valid = small_texts
    a = LMTrainer(train, valid, tiny(max_steps=3, backend="rnncourse"))
    b = LMTrainer(train, valid, tiny(max_steps=3, backend="torch"))
    b.model.load_state_dict(a.model.state_dict())
    b.optimizer.load_state_dict(a.optimizer.state_dict())
    ha, hb = a.fit(progress=False), b.fit(progress=False)
    assert ha["loss"] == pytest.approx(hb["loss"], rel=1e-4)


@pytest.mark.parametrize("backend", ["torch", "rnncourse"])
def test_bf16_autocast_trains(small_texts, backend, torch_bf16_lstm):
    if backend == "torch" and not torch_bf16_lstm:
        pytest.skip("torch.nn.LSTM has no bfloat16 CPU kernel here (oneDNN needs AVX-512)")
    train, valid = small_texts
    # N * H = 1152 > FLOAT32_MAX_NH: the mixed-precision LSTM path of rnncourse.nn
    cfg = tiny(
        max_steps=30, backend=backend, amp="bf16", eval_every=0, batch_size=16, hidden_size=72
    )
    tr = LMTrainer(train, valid, cfg)
    h = tr.fit(progress=False)
    assert sum(h["loss"][-5:]) / 5 < h["loss"][0] - 0.8
    assert all(s.dtype == torch.bfloat16 for s in tr.state)  # the carried state, as torch.nn
    with pytest.raises(ValueError, match="amp must be"):
        TrainConfig(amp="fp8")


def test_fit_schedule_spans_the_time_budget(small_texts):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=10**6, eval_every=0, sample_every=0))
    h = tr.fit(time_budget=1.5, fit_schedule=True, progress=False)
    assert tr.step > 10
    assert tr.config.max_steps == tr.step
    assert h["lr"][-1] < 0.5 * max(h["lr"])  # decayed towards its floor within the budget
    assert h["val_step"][-1] == tr.step  # the run ended its schedule: final evaluation
    with pytest.raises(ValueError, match="time_budget"):
        tr.fit(fit_schedule=True)
    with pytest.raises(ValueError, match="max_steps"):
        tr.fit(time_budget=1.0, max_steps=5, fit_schedule=True)


def test_non_finite_step_stops_before_any_write(small_texts, tmp_path):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=10, checkpoint_every=4, eval_every=0))
    ck = tmp_path / "run.pt"

    def poison(t):
        if t.step == 6:  # after the checkpoint of step 4: a weight turns NaN
            with torch.no_grad():
                t.model.head.weight[0, 0] = float("nan")

    before = None

    def remember(t):
        nonlocal before
        poison(t)
        if t.step == 4:
            before = ck.read_bytes()

    with pytest.raises(NonFiniteError, match="step 6: the training loss is nan"):
        tr.fit(checkpoint_path=ck, progress=False, callback=remember)
    assert ck.read_bytes() == before  # the last good checkpoint, byte for byte
    assert tr.step == 6
    assert load_checkpoint(ck)["step"] == 4
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temporary file left


def test_weights_only_checkpoint_cannot_resume_but_loads(small_texts, tmp_path):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=2))
    full = tr.state_dict()
    slim = {k: full[k] for k in ("format", "config", "vocab", "model")}
    save_checkpoint(slim, tmp_path / "w.pt")
    with pytest.raises(CheckpointError, match="holds the weights only .* not resumed"):
        LMTrainer.from_checkpoint(tmp_path / "w.pt", train, valid)
    model, vocab, _ = load_model(tmp_path / "w.pt", backend="rnncourse")
    assert vocab == tr.vocab
    assert type(model.rnn).__module__.startswith("rnncourse.nn")
    slim["model"]["head.bias"][0] = float("inf")
    save_checkpoint(slim, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match="non-finite weights in \\['head.bias'\\]"):
        load_model(tmp_path / "bad.pt")


def test_signal_stops_after_the_step_saves_and_resumes_exactly(small_texts, tmp_path):
    import os
    import signal

    train, valid = small_texts
    cfg = tiny(max_steps=9, eval_every=0, sample_every=0)
    full = LMTrainer(train, valid, cfg)
    full.fit(progress=False)
    ck = tmp_path / "run.pt"
    first = LMTrainer(train, valid, cfg)

    def press_ctrl_c(t):
        if t.step == 5:
            os.kill(os.getpid(), signal.SIGINT)

    first.fit(checkpoint_path=ck, progress=False, callback=press_ctrl_c, handle_signals=True)
    assert first.stop_reason == "signal"
    assert load_checkpoint(ck)["step"] == 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    resumed = LMTrainer.from_checkpoint(ck, train, valid)
    resumed.fit(checkpoint_path=ck, progress=False)
    assert resumed.history == full.history
    for a, b in zip(full.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)
