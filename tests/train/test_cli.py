"""``rnncourse train / sample / eval`` as a user runs them: exit codes, one-line messages, files.

Most cases call :func:`rnncourse.cli.main` in-process (cheap); the ones where the process itself
matters (exit status of the real command, a signal, bytes of a checkpoint after a failed run) run
``python -m rnncourse`` in a subprocess.
"""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _tiny_cli import TINY

from rnncourse.cli import main
from rnncourse.train import TrainConfig, load_checkpoint
from rnncourse.train.cli_options import flag_of

ROOT = Path(__file__).resolve().parents[2]


def cli(capsys, *argv):
    """(exit status, stdout, stderr) of ``rnncourse ARGV`` run in this process."""
    try:
        rc = main([str(a) for a in argv])
    except SystemExit as e:  # argparse
        rc = e.code
    out, err = capsys.readouterr()
    return rc, out, err


def subprocess_cli(*argv, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rnncourse", *map(str, argv)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        **kw,
    )


@pytest.fixture
def corpus(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("def add(a, b):\n    return a + b\n\n" * 60)
    return f


@pytest.fixture
def trained(corpus, tmp_path, capsys):
    """A finished 4-step run: (checkpoint path, its bytes)."""
    ck = tmp_path / "m.pt"
    rc, _, err = cli(capsys, "train", "--corpus", corpus, "--steps", 4, "--checkpoint", ck, *TINY)
    assert rc == 0, err
    return ck, ck.read_bytes()


def test_every_config_field_is_an_option_with_its_default_printed_once(capsys):
    rc, out, _ = cli(capsys, "train", "--help")
    assert rc == 0
    assert "(default: None)" not in out
    # one block per option: the lines from "  --flag" to the next option
    blocks = {
        " ".join(b.split()).split()[0].rstrip(","): " ".join(b.split())
        for b in re.split(r"\n  (?=-)", out[out.index("options:") :])[1:]
    }
    assert all(b.count("(default:") <= 1 for b in blocks.values())
    for f in dataclasses.fields(TrainConfig):
        block = blocks[flag_of(f)]
        assert block.count("(default:") == 1, block
        assert f"(default: {f.default})" in block, block
    for command, must in (("sample", "--temperature"), ("eval", "--corpus")):
        rc, out, _ = cli(capsys, command, "--help")
        assert rc == 0
        assert must in out


def test_train_sample_eval(trained, corpus, capsys):
    ck, _ = trained
    rc, out, _ = cli(capsys, "sample", ck, "--length", 30, "--prime", "def", "--seed", 1)
    assert rc == 0
    assert out.startswith("def")
    assert len(out) == 3 + 30 + 1
    assert cli(capsys, "sample", ck, "--length", 30, "--prime", "def", "--seed", 1)[1] == out
    rc, out, _ = cli(capsys, "eval", ck, "--corpus", corpus)
    from rnncourse.train import LMTrainer

    tr = LMTrainer.from_checkpoint(ck, *_split(corpus))
    assert rc == 0
    assert out.startswith(f"{tr.evaluate(corpus.read_text()):.4f} bits/char")


def _split(path):
    from rnncourse.data.corpus import split_text

    return split_text(path.read_text(), 0.1)


@pytest.mark.parametrize("value", ["inf", "nan", "1e400", "0", "-1"])
def test_lr_must_be_finite_and_positive(corpus, value, capsys):
    rc, out, err = cli(capsys, "train", "--corpus", corpus, f"--lr={value}", *TINY)
    assert rc == 2
    assert not out
    assert err.strip().count("\n") == 0
    assert "argument --lr: lr must be" in err


def test_real_command_refuses_inf_and_binary_in_one_line(corpus, tmp_path):
    # both refused before torch is imported: cheap
    r = subprocess_cli("train", "--corpus", corpus, "--lr", "inf")
    assert r.returncode == 2
    assert r.stderr.startswith("rnncourse train: error: argument --lr")
    assert r.stderr.count("\n") == 1
    assert "Traceback" not in r.stderr
    binary = tmp_path / "prog"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8)
    r = subprocess_cli("train", "--corpus", binary, "--checkpoint", tmp_path / "b.pt")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert "is a binary file (a NUL byte at offset 7)" in r.stderr
    assert not (tmp_path / "b.pt").exists()


def test_non_utf8_refused_with_offset_unless_encoding_given(tmp_path, capsys):
    latin = tmp_path / "latin.txt"
    latin.write_bytes(
        ("a cafe and a bar\n" * 80).encode() + "caf\xe9 cr\xe8me\n".encode("latin-1") * 9
    )
    offset = 17 * 80 + 3
    ck = tmp_path / "l.pt"
    rc, _, err = cli(capsys, "train", "--corpus", latin, "--checkpoint", ck, *TINY)
    assert rc == 2
    assert f"not valid utf-8: byte 0xe9 at offset {offset} (line 81, column 4)" in err
    assert "--encoding" in err
    assert not ck.exists()
    rc, _, err = cli(
        capsys,
        "train",
        "--corpus",
        latin,
        "--encoding",
        "latin-1",
        "--steps",
        2,
        "--checkpoint",
        ck,
        *TINY,
    )
    assert rc == 0, err
    assert "é" in load_checkpoint(ck)["vocab"]["tokens"]


def test_non_finite_training_stops_and_keeps_the_checkpoint(trained, corpus):
    ck, good = trained
    r = subprocess_cli(
        "train", "--corpus", corpus, "--lr", "1e38", "--overwrite", "--checkpoint", ck, *TINY
    )
    assert r.returncode == 2, r.stderr
    assert re.fullmatch(
        r"rnncourse train: error: stopped: step \d+: the training (loss|gradient norm) is "
        r"(nan|inf).*keeps its last good state.*\n",
        r.stderr,
    ), r.stderr
    assert ck.read_bytes() == good
    assert sorted(p.name for p in ck.parent.iterdir()) == ["m.pt", "tiny.txt"]


def test_errors_found_before_training(trained, corpus, tmp_path, capsys):
    ck, good = trained
    short = tmp_path / "short.txt"
    short.write_text("abcdefghij" * 20 + "\nx")
    weights_only = tmp_path / "w.pt"
    full = load_checkpoint(ck)
    from rnncourse.train.checkpoint import save_checkpoint

    save_checkpoint({k: full[k] for k in ("format", "config", "vocab", "model")}, weights_only)
    cases = [
        (["train", "--corpus", corpus, "--checkpoint", tmp_path], "is a directory"),
        (
            ["train", "--corpus", short, "--checkpoint", tmp_path / "s.pt"],
            "validation text (the last 10% of",
        ),
        (
            ["train", "--corpus", corpus, "--device", "foo", "--checkpoint", tmp_path / "d.pt"],
            "device 'foo' is not a device name",
        ),
        (["train", "--corpus", corpus, "--checkpoint", ck], "already exists; pass --resume"),
        (
            ["train", "--corpus", corpus, "--checkpoint", ck, "--resume"],
            "has finished its 4 steps; to extend it",
        ),
        (
            ["train", "--corpus", corpus, "--checkpoint", ck, "--resume", "--steps", 3],
            "--steps 3: the checkpoint is at step 4 already",
        ),
        (
            ["train", "--corpus", corpus, "--checkpoint", ck, "--resume", "--hidden-size", 32],
            "--hidden-size 32 differs from the checkpoint's 16",
        ),
        (
            ["train", "--corpus", corpus, "--checkpoint", weights_only, "--resume", "--steps", 9],
            "holds the weights only",
        ),
        (
            ["train", "--corpus", corpus, "--checkpoint", tmp_path / "n.pt", "--resume"],
            "--resume given but checkpoint",
        ),
        (["train", "--corpus", tmp_path / "missing.txt"], "missing.txt' does not exist"),
        (
            [
                "train",
                "--corpus",
                corpus,
                "--batch-size",
                64,
                "--seq-len",
                64,
                "--checkpoint",
                tmp_path / "b.pt",
            ],
            "one update needs --batch-size x --seq-len + 1",
        ),
        (
            [
                "train",
                "--corpus",
                corpus,
                "--keep",
                "best",
                "--valid-fraction",
                0,
                "--checkpoint",
                tmp_path / "k.pt",
            ],
            "--keep best needs validation text",
        ),
        (["train", "--cell", "transformer"], "cell must be one of 'rnn', 'gru', 'lstm'"),
        (["train", "--minutes", "0"], "argument --minutes: minutes must be > 0.0"),
        (["sample", ck, "--temperature", "nan"], "temperature must be a finite number"),
        (["sample", ck, "--temperature", "inf"], "temperature must be a finite number"),
        (["sample", ck, "--temperature", "0"], "temperature must be > 0.0"),
        (["sample", ck, "--top-k", "0"], "argument --top-k: top_k must be >= 1, got 0"),
        (["train", "--max-chars", "0"], "argument --max-chars: max_chars must be >= 1, got 0"),
        (["sample", ck, "--prime", "XYZ"], "not in the checkpoint's vocabulary"),
        (["sample", ck, "--device", "foo"], "device 'foo' is not a device name"),
        (["sample", corpus], "not a checkpoint written by 'rnncourse train'"),
        (["sample", tmp_path / "none.pt"], "does not exist"),
        (["eval", ck, "--corpus", tmp_path], "is not a regular file"),
    ]
    for argv, message in cases:
        # the case's own options come last, so they win over TINY's
        rc, out, err = cli(capsys, argv[0], *(TINY if argv[0] == "train" else []), *argv[1:])
        assert rc == 2, (argv, out, err)
        assert message in err, (argv, err)
        assert err.count("\n") == 1, (argv, err)
        assert "weights_only" not in err
        assert "Traceback" not in err
        assert "new run" not in out
        assert "resumed" not in out
    assert ck.read_bytes() == good
    other = tmp_path / "other.txt"
    other.write_text("Completely different words, with UPPER case & symbols!\n" * 40)
    rc, _, err = cli(
        capsys, "train", "--corpus", other, "--resume", "--steps", 9, "--checkpoint", ck, *TINY
    )
    assert rc == 2
    assert "different vocabulary" in err
    assert ck.read_bytes() == good


def test_resume_extends_a_finished_run_on_the_documented_schedule(trained, corpus, capsys):
    ck, _ = trained
    rc, out, err = cli(
        capsys, "train", "--corpus", corpus, "--resume", "--steps", 10, "--checkpoint", ck, *TINY
    )
    assert rc == 0, err
    assert "resumed" in out, err
    saved = load_checkpoint(ck)
    cfg = TrainConfig.from_dict(saved["config"])
    assert saved["step"] == 10
    assert cfg.max_steps == 10
    lrs = saved["history"]["lr"]
    assert lrs[:4] == [
        TrainConfig.from_dict({**saved["config"], "max_steps": 4}).lr_at(s) for s in range(4)
    ]
    assert lrs[4:] == [cfg.lr_at(s) for s in range(4, 10)]  # the 10-step cosine from step 4
    assert lrs[4] > lrs[3]  # the warm restart the help describes


def test_keep_best_valid_file_and_logs(corpus, tmp_path, capsys):
    ck, log, valid = tmp_path / "r.pt", tmp_path / "m.jsonl", tmp_path / "valid.txt"
    valid.write_text("def sub(a, b):\n    return a - b\n" * 5)
    argv = [
        "train",
        "--corpus",
        corpus,
        "--valid",
        valid,
        "--steps",
        9,
        "--checkpoint",
        ck,
        "--keep",
        "best",
        "--log",
        log,
        *TINY,
        "--eval-every",
        3,
        "--lr",
        "0.05",
    ]
    rc, out, err = cli(capsys, *argv)
    assert rc == 0, err
    assert out.count("validation") >= 3  # --no-progress: one line per evaluation
    h = load_checkpoint(ck)["history"]
    best = load_checkpoint(tmp_path / "r.best.pt")
    i = h["val_bpc"].index(min(h["val_bpc"]))
    assert best["step"] == h["val_step"][i]
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == list(range(1, 10))
    assert [r["val_bpc"] for r in rows if "val_bpc" in r] == pytest.approx(h["val_bpc"])
    csv_log = tmp_path / "m.csv"
    rc, _, _ = cli(
        capsys,
        "train",
        "--corpus",
        corpus,
        "--valid-fraction",
        0,
        "--steps",
        3,
        "--checkpoint",
        tmp_path / "c.pt",
        "--log",
        csv_log,
        *TINY,
    )
    lines = csv_log.read_text().splitlines()
    assert rc == 0
    assert lines[0].startswith("step,loss,bpc,lr")
    assert len(lines) == 4
    assert load_checkpoint(tmp_path / "c.pt")["history"]["val_bpc"] == []


def test_ctrl_c_saves_and_resumes(corpus, tmp_path):
    ck, log = tmp_path / "i.pt", tmp_path / "i.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rnncourse",
            "train",
            "--corpus",
            corpus,
            "--steps",
            "100000",
            "--checkpoint",
            ck,
            "--log",
            log,
            "--checkpoint-every",
            "0",
            *TINY,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.time() + 90
    while time.time() < deadline and (not log.exists() or log.read_text().count("\n") < 3):
        time.sleep(0.2)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    steps = [json.loads(line)["step"] for line in log.read_text().splitlines()]
    saved = load_checkpoint(ck)
    assert saved["step"] == steps[-1] >= 3  # nothing lost: the step in progress finished
    assert "continue with --resume" in out


@pytest.fixture
def kernel_imported(monkeypatch):
    """This process as the whole suite leaves it: ipykernel imported, tqdm.auto not yet.

    ``tests/test_lab.py`` imports ipykernel (``rnncourse.lab.contents``); ``tqdm.auto``, imported
    after that, picks its notebook bar, which writes nothing to stderr. The fixture forgets tqdm's
    choice (sys.modules is restored afterwards) so that a bar built on ``tqdm.auto`` would fail.
    """
    pytest.importorskip("ipykernel.zmqshell")
    for name in ("tqdm.auto", "tqdm.autonotebook"):
        if name in sys.modules:
            monkeypatch.delitem(sys.modules, name)


def test_the_bar_is_text_on_stderr_after_ipykernel_was_imported(kernel_imported):
    from tqdm.std import tqdm

    from rnncourse.train.loop import progress_bar_class

    assert progress_bar_class() is tqdm


def _tqdm_importers(package):
    """Modules of ``package`` that import tqdm themselves (by AST, function bodies included)."""
    import ast

    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] == "tqdm" for n in names):
                found.append(path.relative_to(package).as_posix())
    return sorted(set(found))


def test_one_progress_bar_every_bar_comes_from_progress_bar_class(tmp_path):
    import rnncourse

    package = Path(rnncourse.__file__).parent
    assert _tqdm_importers(package) == ["train/loop.py"]
    (tmp_path / "x.py").write_text("def f():\n    from tqdm.auto import tqdm\n")
    assert _tqdm_importers(tmp_path) == ["x.py"]  # a planted direct import is found


@pytest.mark.usefixtures("kernel_imported")
def test_minutes_alone_fits_the_schedule_to_the_time(corpus, tmp_path, capsys):
    ck = tmp_path / "m.pt"
    argv = ["train", "--corpus", corpus, "--minutes", "0.03", "--checkpoint", ck, *TINY]
    rc, out, err = cli(capsys, *[a for a in argv if a != "--no-progress"])
    assert rc == 0
    assert "validation" in out
    saved = load_checkpoint(ck)
    steps = saved["step"]
    assert steps > 10
    assert saved["config"]["max_steps"] == steps
    lrs = saved["history"]["lr"]
    assert lrs[-1] < 0.5 * max(lrs)  # the cosine decay ran down within the time
    # the bar had a total (the estimated number of steps) and so an ETA
    totals = [int(t) for t in re.findall(r"\| *\d+/(\d+) \[", err)]
    assert totals
    assert all(t > 1 for t in totals)


def test_tensorboard_without_the_package_is_a_clear_error(corpus, tmp_path, capsys):
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("tensorboard is installed here")
    ck = tmp_path / "t.pt"
    argv = ["train", "--corpus", corpus, "--tensorboard", tmp_path / "tb", "--checkpoint", ck]
    rc, out, err = cli(capsys, *argv, *TINY)
    assert rc == 2
    assert "needs the tensorboard package (pip install tensorboard)" in err
    assert not ck.exists()
    assert "new run" not in out
