"""Options of CharLM / TrainConfig for regularisation, clipping and partitioning."""

import pytest
import torch
from _tiny_cli import tiny

from rnncourse.nn.regularize import LayerNormLSTM
from rnncourse.train import LMTrainer
from rnncourse.train.models import CharLM


def test_tied_weights_are_one_shared_parameter():
    m = CharLM(30, 16, embed_dim=16, tie_weights=True)
    assert m.head.weight is m.embed.weight
    names = [n for n, _ in m.named_parameters()]
    assert "head.weight" not in names
    assert "embed.weight" in names
    untied = CharLM(30, 16, embed_dim=16)
    assert (
        sum(p.numel() for p in untied.parameters()) - sum(p.numel() for p in m.parameters())
        == 30 * 16
    )
    logits, _ = m(torch.randint(0, 30, (2, 5)))
    logits.sum().backward()
    assert m.embed.weight.grad is not None
    assert m.embed.weight.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="embed_dim == hidden_size"):
        CharLM(30, 16, embed_dim=8, tie_weights=True)


def test_locked_dropout_masks_constant_over_time_in_model():
    torch.manual_seed(0)
    m = CharLM(20, 8, embed_dim=8, dropout=0.5, locked_dropout=True)
    emb = m.drop_in(torch.ones(3, 10, 8))
    assert torch.equal(emb, emb[:, :1].expand_as(emb))
    m2 = CharLM(20, 8, embed_dim=8, dropout=0.5)
    emb2 = m2.drop_in(torch.ones(3, 10, 8))
    assert not torch.equal(emb2, emb2[:, :1].expand_as(emb2))


def test_layer_norm_option():
    m = CharLM(20, 8, embed_dim=4, layer_norm=True)
    assert isinstance(m.rnn, LayerNormLSTM)
    logits, (h, c) = m(torch.randint(0, 20, (2, 5)))
    assert logits.shape == (2, 5, 20)
    assert h.shape == (1, 2, 8)
    with pytest.raises(ValueError, match="cell='lstm'"):
        CharLM(20, 8, cell="gru", layer_norm=True)


def test_clip_by_value_bounds_every_entry(small_texts):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(clip=1e-4, clip_mode="value", lr=1e-9))
    tr.train_step()
    grads = torch.cat([p.grad.flatten() for p in tr.model.parameters()])
    assert grads.abs().max() <= 1e-4 + 1e-12
    assert tr.history["grad_norm"][0] > 1e-3  # the norm reported is the one before clipping
    tn = LMTrainer(train, valid, tiny(clip=1e-4, clip_mode="norm", lr=1e-9))
    tn.train_step()
    norm = torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in tn.model.parameters()]))
    assert norm == pytest.approx(1e-4, rel=1e-3)
    with pytest.raises(ValueError, match="clip_mode"):
        tiny(clip_mode="both")


def test_random_partition_resets_state_and_draws_random_windows(small_texts):
    train, valid = small_texts
    only_updates = dict(eval_every=0, sample_every=0)  # every forward pass is a training step
    config = tiny(partition="random", **only_updates)
    tr = LMTrainer(train, valid, config)
    x0, y0 = tr._random_windows(0)
    x1, _ = tr._random_windows(1)
    assert x0.shape == (config.batch_size, config.seq_len)
    assert torch.equal(x0[:, 1:], y0[:, :-1])
    assert not torch.equal(x0, x1)
    tr = LMTrainer(train, None, config)  # no final evaluation
    seen = []
    tr.model.register_forward_pre_hook(lambda mod, args: seen.append(args[1]))
    tr.fit(progress=False)
    assert seen == [None] * config.max_steps  # every update starts from a zero state
    seq = LMTrainer(train, None, tiny(**only_updates))
    seen.clear()
    seq.model.register_forward_pre_hook(lambda mod, args: seen.append(args[1]))
    seq.fit(progress=False)
    assert seen[0] is None
    assert all(s is not None for s in seen[1:])
    with pytest.raises(ValueError, match="partition"):
        tiny(partition="shuffled")


def test_evaluate_carry_state_changes_the_score(small_texts):
    train, valid = small_texts
    tr = LMTrainer(train, valid, tiny(max_steps=30))
    tr.fit(progress=False)
    carried = tr.evaluate(batch_size=2, seq_len=16)
    reset = tr.evaluate(batch_size=2, seq_len=16, carry_state=False)
    assert carried != reset
    # with one window per stream the two are the same computation
    assert tr.evaluate(batch_size=2, seq_len=1000) == tr.evaluate(
        batch_size=2, seq_len=1000, carry_state=False
    )
