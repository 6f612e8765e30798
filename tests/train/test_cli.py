import argparse

import pytest

from rnncourse.train import cli


def run(argv):
    parser = argparse.ArgumentParser(prog="rnncourse")
    sub = parser.add_subparsers(dest="command", required=True)
    cli.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


TINY = ["--hidden-size", "16", "--embed-dim", "8", "--batch-size", "4", "--seq-len", "16",
        "--eval-every", "0", "--sample-every", "0", "--no-progress", "--device", "cpu"]  # fmt: skip


@pytest.fixture
def corpus(tmp_path):
    f = tmp_path / "tiny.txt"
    f.write_text("def add(a, b):\n    return a + b\n\n" * 60)
    return f


def test_help_explains_every_option(capsys):
    for command, must in (("train", "--checkpoint-every"), ("sample", "--temperature")):
        with pytest.raises(SystemExit):
            run([command, "--help"])
        out = capsys.readouterr().out
        assert must in out and "(default:" in out
        actions = [a for a in cli_parser_actions(command) if a.dest != "help"]
        assert actions and all(a.help and len(a.help) > 10 for a in actions)


def cli_parser_actions(command):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    cli.register(sub)
    return sub.choices[command]._actions


def test_train_sample_resume(corpus, tmp_path, capsys):
    ck = tmp_path / "m.pt"
    assert (
        run(["train", "--corpus", str(corpus), "--steps", "4", "--checkpoint", str(ck), *TINY]) == 0
    )
    assert ck.exists()
    out = capsys.readouterr().out
    assert "validation" in out and "bits/char" in out
    assert run(["sample", str(ck), "--length", "30", "--prime", "def", "--seed", "1"]) == 0
    first = capsys.readouterr().out
    assert first.startswith("def") and len(first) == 3 + 30 + 1
    run(["sample", str(ck), "--length", "30", "--prime", "def", "--seed", "1"])
    assert capsys.readouterr().out == first
    # resume after the run finished: nothing to do, still succeeds
    assert run(["train", "--corpus", str(corpus), "--resume", "--checkpoint", str(ck), *TINY]) == 0
    assert "resumed" in capsys.readouterr().out


def test_clear_errors(corpus, tmp_path, capsys):
    assert run(["train", "--corpus", str(tmp_path / "missing.txt"), *TINY]) == 2
    assert "missing.txt' does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert run(["train", "--corpus", str(empty), *TINY]) == 2
    assert "is empty" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        run(["train", "--cell", "transformer"])
    assert (
        "unknown model type 'transformer'; choose one of rnn, gru, lstm" in capsys.readouterr().err
    )

    ck = tmp_path / "m.pt"
    run(["train", "--corpus", str(corpus), "--steps", "2", "--checkpoint", str(ck), *TINY])
    other = tmp_path / "other.txt"
    other.write_text("Completely different words, with UPPER case & symbols!\n" * 40)
    assert run(["train", "--corpus", str(other), "--resume", "--checkpoint", str(ck), *TINY]) == 2
    assert "different vocabulary" in capsys.readouterr().err
    assert run(["sample", str(ck), "--prime", "XYZ"]) == 2
    assert "not in the checkpoint's vocabulary" in capsys.readouterr().err
    assert run(["sample", str(tmp_path / "none.pt")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert (
        run(
            [
                "train",
                "--corpus",
                str(corpus),
                "--resume",
                "--checkpoint",
                str(tmp_path / "n.pt"),
                *TINY,
            ]
        )
        == 2
    )
    assert "--resume given but checkpoint" in capsys.readouterr().err


def test_minutes_alone_fits_the_schedule_to_the_time(corpus, tmp_path, capsys):
    from rnncourse.train import load_checkpoint

    ck = tmp_path / "m.pt"
    argv = ["train", "--corpus", str(corpus), "--minutes", "0.03", "--checkpoint", str(ck)]
    assert run([*argv, *TINY]) == 0
    out = capsys.readouterr().out
    assert "validation" in out  # the run reached the end of its schedule: final evaluation
    saved = load_checkpoint(ck)
    steps = saved["step"]
    assert steps > 10 and saved["config"]["max_steps"] == steps  # the schedule ended there
    lrs = saved["history"]["lr"]
    assert lrs[-1] < 0.5 * max(lrs)  # the cosine decay ran down within the time


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_minutes_must_be_positive(corpus, value, capsys):
    with pytest.raises(SystemExit):
        run(["train", "--corpus", str(corpus), "--minutes", value, *TINY])
    assert "--minutes" in capsys.readouterr().err
