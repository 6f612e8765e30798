"""The tiny model the trainer and command-line tests train (a few steps take well under 1 s)."""

from rnncourse.train import TrainConfig


def tiny(**kw) -> TrainConfig:
    """A TrainConfig of the tiny model; keywords override its fields."""
    base = dict(
        cell="lstm",
        hidden_size=24,
        embed_dim=8,
        batch_size=4,
        seq_len=16,
        lr=1e-2,
        max_steps=8,
        warmup_steps=2,
        eval_every=4,
        sample_every=4,
        sample_len=20,
        eval_chars=1000,
        device="cpu",
    )
    base.update(kw)
    return TrainConfig(**base)


# The same model as command-line options.

TINY = [
    "--hidden-size",
    "16",
    "--embed-dim",
    "8",
    "--batch-size",
    "4",
    "--seq-len",
    "16",
    "--eval-every",
    "0",
    "--sample-every",
    "0",
    "--no-progress",
    "--device",
    "cpu",
]
