"""A plain PyTorch character-level LSTM language model, written without rnncourse.

The independent baseline of ``benchmarks/cli_speed.py``: what a short training script does,
nothing more. It reads a text file, holds out its last tenth (cut at a line boundary) for
validation, and trains ``Embedding -> torch.nn.LSTM -> Linear`` with Adam, a linear warm-up then a
cosine learning rate, global-norm gradient clipping and truncated BPTT: the text is cut into
``--batch-size`` contiguous streams, read in windows of ``--seq-len`` characters, and the hidden
state is carried from window to window (reset when the streams start over). Every
``--eval-every`` steps and at the end it prints the validation bits per character; at the end it
saves the weights. The defaults are those of ``rnncourse train``.

    python benchmarks/plain_charlm.py --corpus FILE --steps 300

It prints the training throughput (characters per second of the training steps, evaluation
excluded) and, with ``--log FILE``, appends one JSON line per step.
"""

import argparse
import json
import math
import time

import torch
from torch import nn


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> linear read-out to the vocabulary."""

    def __init__(self, vocab_size, embed_dim, hidden_size, num_layers):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstm = nn.LSTM(embed_dim, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, x, state=None):
        """Return the logits (N, T, V) for ids x (N, T) and the final state."""
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def learning_rate(step, args):
    """Return the rate at ``step``: linear warm-up from lr / 10, then cosine to lr * floor."""
    if step < args.warmup_steps:
        return args.lr * (0.1 + 0.9 * step / args.warmup_steps)
    progress = min((step - args.warmup_steps) / max(args.steps - args.warmup_steps, 1), 1.0)
    floor = args.min_lr_ratio
    return args.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))


def streams(ids, n):
    """Return inputs and targets, each (n, L): n contiguous streams of the text."""
    length = (len(ids) - 1) // n
    x = ids[: n * length].view(n, length)
    y = ids[1 : n * length + 1].view(n, length)
    return x, y


@torch.no_grad()
def bits_per_char(model, ids, batch_size=64, seq_len=256):
    """Mean cross-entropy in bits of every next-character prediction, state carried."""
    model.eval()
    n = max(1, min(batch_size, (len(ids) - 1) // seq_len))
    x, y = streams(ids, n)
    total, count, state = 0.0, 0, None
    for start in range(0, x.shape[1], seq_len):
        logits, state = model(x[:, start : start + seq_len], state)
        target = y[:, start : start + seq_len]
        total += nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), target.reshape(-1), reduction="sum"
        ).item()
        count += target.numel()
    model.train()
    return total / count / math.log(2)


def train_step(model, opt, x, y, state, lr, args):
    """One update on inputs x and targets y (N, T); return the loss (a float) and the new state."""
    for group in opt.param_groups:
        group["lr"] = lr
    with torch.autocast(x.device.type, torch.bfloat16, enabled=args.amp == "bf16"):
        logits, state = model(x, state)
    logits = logits.float()
    loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), args.clip)
    opt.step()
    state = tuple(s.detach() for s in state)
    return loss.item(), state  # .item() waits for the step (on a GPU too)


def parser():
    """Return the parser of the options (the defaults are those of ``rnncourse train``)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--hidden-size", type=int, default=128)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--embed-dim", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--min-lr-ratio", type=float, default=0.05)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--eval-chars", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save", default="plain_charlm.pt")
    p.add_argument("--amp", choices=["none", "bf16"], default="none")
    p.add_argument("--device", default="auto")
    p.add_argument("--log", default=None, help="append one JSON line per step to this file")
    return p


def main():
    """Train, evaluate, save; print the throughput."""
    args = parser().parse_args()

    text = open(args.corpus, encoding="utf-8").read()
    cut = text.rfind("\n", 0, int(len(text) * 0.9)) + 1
    train_text, valid_text = text[:cut], text[cut:]
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    auto = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(auto if args.device == "auto" else args.device)
    train_ids = torch.tensor([index[c] for c in train_text], device=device)
    valid_ids = torch.tensor([index[c] for c in valid_text[: args.eval_chars + 1]], device=device)

    torch.manual_seed(args.seed)
    model = CharLSTM(len(chars), args.embed_dim, args.hidden_size, args.layers).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    x_all, y_all = streams(train_ids, args.batch_size)
    windows = x_all.shape[1] // args.seq_len
    log = open(args.log, "a") if args.log else None

    state, train_seconds, T = None, 0.0, args.seq_len
    for step in range(args.steps):
        t0 = time.perf_counter()
        k = step % windows
        if k == 0:
            state = None
        x, y = x_all[:, k * T : (k + 1) * T], y_all[:, k * T : (k + 1) * T]
        loss, state = train_step(model, opt, x, y, state, learning_rate(step, args), args)
        train_seconds += time.perf_counter() - t0
        if log:
            log.write(json.dumps({"step": step + 1, "loss": loss}) + "\n")
            log.flush()
        if (step + 1) % args.eval_every == 0 or step + 1 == args.steps:
            print(f"step {step + 1}: validation {bits_per_char(model, valid_ids):.3f} bits/char")
    torch.save(model.state_dict(), args.save)
    chars_per_s = args.steps * args.batch_size * T / train_seconds
    print(
        f"{args.steps * args.batch_size * T:,} characters in {train_seconds:.1f} s of "
        f"training: {chars_per_s:,.0f} chars/s"
    )


if __name__ == "__main__":
    main()
