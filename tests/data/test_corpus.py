import pytest

from rnncourse.data import CharVocab, load_corpus, split_text, stdlib_files


def test_stdlib_split_is_by_file_and_deterministic():
    train, valid = set(stdlib_files("train")), set(stdlib_files("valid"))
    assert len(train) > 100
    assert len(valid) > 5
    assert not train & valid
    assert stdlib_files("all") == tuple(sorted(train | valid))
    assert not any(p.split("/")[0] in {"encodings", "site-packages"} for p in train | valid)


def test_stdlib_corpus_loads_capped_and_same_each_time():
    small = load_corpus("stdlib", max_chars=200_000)
    assert 50_000 < len(small) <= 200_000
    assert small == load_corpus("stdlib", max_chars=200_000)
    assert small.isascii()
    assert "def " in small
    assert "import " in small
    valid = load_corpus("stdlib", split="valid", max_chars=100_000)
    assert valid
    assert valid not in small
    # a validation file's text never appears in the training corpus
    assert valid[:2000] not in load_corpus("stdlib")
    assert len(CharVocab.from_text(small)) < 110


def test_user_file(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("line one\nline two\n" * 20)
    text = load_corpus(f, split="all")
    assert text == f.read_text()
    tr, va = load_corpus(f, "train"), load_corpus(f, "valid")
    assert tr + va == text
    assert tr.endswith("\n")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_corpus(tmp_path / "missing.txt")
    (tmp_path / "e.txt").write_text("  \n")
    with pytest.raises(ValueError, match="is empty"):
        load_corpus(tmp_path / "e.txt")


def test_split_text_cuts_at_line():
    tr, va = split_text("aaaa\nbbbb\ncccc\ndddd\n", 0.3)
    assert tr + va == "aaaa\nbbbb\ncccc\ndddd\n"
    assert tr.endswith("\n")
    assert va == "dddd\n"


def test_fold_lines_breaks_only_long_lines_and_round_trips():
    from rnncourse.data import fold_lines

    text = "def f(x):\n    " + "y" * 200 + "\n\n  short  \n" + "z" * 80
    folded = fold_lines(text, width=80)
    lines = folded.split("\n")
    assert max(len(line) for line in lines) == 80
    assert lines[0] == "def f(x):"  # short lines untouched
    assert lines[-1] == "z" * 80  # exactly width: untouched
    assert lines[1] == "    " + "y" * 75 + "↩"  # indentation kept, marker counted in the width
    assert folded.replace("↩\n", "") == text
    assert fold_lines(text, 20, marker="") == "\n".join(
        piece
        for line in text.split("\n")
        for piece in ([line] if not line else [line[i : i + 20] for i in range(0, len(line), 20)])
    )
    with pytest.raises(ValueError, match="width must exceed"):
        fold_lines("abc", width=1)
