"""``torchrun -m rnncourse train``: DistributedDataParallel on 2 CPU processes (gloo).

Two processes with N / 2 streams each and DDP's gradient averaging take the same steps as one
process with all N streams: the same global batch, the same mean gradient. The losses then agree
up to float rounding (the mean over N streams is summed in a different order), which after a few
Adam steps stays far below 1e-4 relative; a wrong sharding (both processes on the same streams,
or no gradient averaging) moves them by more than 1e-2.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _tiny_cli import TINY

from rnncourse.cli import main
from rnncourse.train import distributed, load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-4
OPTS = [*TINY, "--checkpoint-every", "0", "--lr", "0.01", "--warmup-steps", "2"]


def losses(log):
    return [r["loss"] for r in map(json.loads, Path(log).read_text().splitlines()) if "loss" in r]


@pytest.mark.slow  # torchrun: two training processes, then resumed
def test_two_processes_match_one_and_resume_across_world_sizes(tmp_path, capsys):
    import torch

    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(f"line {i}: the value is {i * i % 97}\n" for i in range(400)))
    common = ["train", "--corpus", str(corpus), *OPTS]
    one_ck, two_ck = tmp_path / "one.pt", tmp_path / "two.pt"
    # one process, all 4 streams, 6 steps
    assert (
        main(
            [
                *common,
                "--steps",
                "6",
                "--checkpoint",
                str(one_ck),
                "--log",
                str(tmp_path / "one.jsonl"),
            ]
        )
        == 0
    )
    # two processes, 2 streams each, same global batch
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc-per-node",
            "2",
            "-m",
            "rnncourse",
            *common,
            "--steps",
            "6",
            "--checkpoint",
            str(two_ck),
            "--log-file",  # torchrun reads --log as its own --log-dir
            str(tmp_path / "two.jsonl"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.count("new run") == 1  # rank 0 prints
    assert "2 processes" in r.stdout
    one, two = losses(tmp_path / "one.jsonl"), losses(tmp_path / "two.jsonl")
    assert len(two) == 6
    assert two == pytest.approx(one, rel=TOL)  # rank 0 logs the mean over both processes
    assert abs(two[-1] - two[0]) > 100 * TOL * two[0]  # the curve moved: a real comparison
    # the 2-process checkpoint holds the carried state of all 4 streams, in stream order
    a, b = load_checkpoint(one_ck), load_checkpoint(two_ck)
    assert [tuple(t.shape) for t in b["carried_state"]] == [(1, 4, 16), (1, 4, 16)]
    for x, y in zip(a["carried_state"], b["carried_state"], strict=True):
        torch.testing.assert_close(y, x, rtol=TOL, atol=TOL)
    # so one process resumes it: both checkpoints extended to 10 steps give the same curve
    for ck in (one_ck, two_ck):
        assert (
            main(
                [
                    *common,
                    "--resume",
                    "--steps",
                    "10",
                    "--checkpoint",
                    str(ck),
                    "--log",
                    str(ck.with_suffix(".more.jsonl")),
                ]
            )
            == 0
        )
    more_one, more_two = losses(tmp_path / "one.more.jsonl"), losses(tmp_path / "two.more.jsonl")
    assert len(more_two) == 4
    assert more_two == pytest.approx(more_one, rel=TOL)
    capsys.readouterr()


def test_streams_must_divide_among_processes(monkeypatch):
    monkeypatch.setattr(distributed, "rank_and_world", lambda: (1, 2))
    assert distributed.shard(4) == slice(2, 4)
    monkeypatch.setattr(distributed, "rank_and_world", lambda: (0, 3))
    with pytest.raises(ValueError, match="N = 4 streams must be divisible by the number of proc"):
        distributed.shard(4)
