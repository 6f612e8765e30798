import math

import numpy as np
import pytest
import torch

from rnncourse import analysis as an
from rnncourse import experiments as ex
from rnncourse.experiments import _cache


def test_cache_is_keyed_by_configuration(tmp_path, monkeypatch):
    monkeypatch.setattr(_cache, "RESULTS_DIR", tmp_path)
    config = {"T": 100, "cells": ["rnn", "lstm"], "lr": 0.01}
    result = {"config": config, "curve": [1 / 3, 2 / 3], "source": "live"}
    path = _cache._save_cached("demo", result)
    assert path == tmp_path / "demo.json"
    hit = _cache._load_cached("demo", dict(config))
    assert hit["source"] == "cache (demo.json)"
    assert hit["config"] == config
    assert hit["curve"] == [0.33333, 0.66667]  # rounded to 5 significant digits
    assert {"torch", "numpy", "python"} <= set(hit["versions"])
    assert _cache._load_cached("demo", dict(config, lr=0.02)) is None  # another configuration
    assert _cache._load_cached("other", config) is None
    # a variant stored beside the default answers for its own configuration only
    variant = dict(config, T=50)
    _cache._save_cached("demo.t50", {"config": variant, "curve": [0.5], "source": "live"})
    assert _cache._load_cached("demo", variant)["source"] == "cache (demo.t50.json)"
    assert _cache._load_cached("demo", config)["source"] == "cache (demo.json)"
    assert _cache._load_cached("demo", dict(config, T=20)) is None


def test_shipped_adding_result_is_the_default_configuration():
    r = ex.adding_problem_curves()
    assert r["source"] == "cache (adding_problem.json)"
    assert r["config"] == dict(ex.ADDING_DEFAULTS, cells=list(ex.ADDING_DEFAULTS["cells"]))
    seeds = r["config"]["seeds"]
    assert len(set(seeds)) == len(seeds) >= 3  # a comparison rests on at least three seeds
    for cell in ("rnn", "gru", "lstm"):
        c = r["curves"][cell]
        assert len(c["mse"]) == len(c["final_mse"]) == len(c["train_loss"]) == len(seeds)
        assert [m[-1] for m in c["mse"]] == c["final_mse"]
        assert all(len(m) == len(c["step"]) for m in c["mse"])
        assert all(len(loss) == r["config"]["steps"] for loss in c["train_loss"])
        assert len({tuple(m) for m in c["mse"]}) == len(seeds)  # different runs, not copies
    with pytest.raises(TypeError, match="unknown adding_problem_curves options"):
        ex.adding_problem_curves(hidden=3)
    with pytest.raises(ValueError, match="seeds and cells"):
        ex.adding_problem_curves(seeds=[])
    with pytest.raises(ValueError, match="workers must be >= 1"):
        ex.adding_problem_curves(workers=0)


def test_adding_summary_over_seeds():
    base = 1 / 6
    result = {
        "baseline": base,
        "config": {"seeds": [0, 1, 2]},
        "curves": {
            "gru": {
                "step": [0, 50, 100],
                "mse": [[1.0, 0.05, 0.01], [1.0, 0.2, 0.04], [1.0, 0.1, 0.1]],
                "final_mse": [0.01, 0.04, 0.1],
            },
            "rnn": {"step": [0, 50], "mse": [[1.0, 0.17]], "final_mse": [0.17]},
        },
    }
    s = ex.adding_summary(result)
    assert s["gru"]["final"] == [0.01, 0.04, 0.1]
    assert s["gru"]["mean"] == pytest.approx(0.05)
    assert (s["gru"]["min"], s["gru"]["max"]) == (0.01, 0.1)
    # first step below half the baseline (0.0833): 50, 100, never -> 100 (0.1 is not below)
    assert s["gru"]["exit_step"] == [50, 100, None]
    assert s["rnn"]["exit_step"] == [None]
    assert ex.adding_summary(result, fraction=0.7)["gru"]["exit_step"] == [50, 100, 50]
    with pytest.raises(ValueError, match="fraction"):
        ex.adding_summary(result, fraction=1.5)


def test_seed_curves_figure_shows_median_and_range():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rnncourse.figures.curves import plot_seed_curves

    r = ex.adding_problem_curves()
    ax = plot_seed_curves(r)
    assert ax.get_yscale() == "log"
    lstm = np.array(r["curves"]["lstm"]["mse"])
    line = next(ln for ln in ax.lines if ln.get_label() == "LSTM")
    np.testing.assert_allclose(line.get_ydata(), np.median(lstm, axis=0))
    band = ax.collections[2].get_paths()[0].vertices[:, 1]  # the LSTM's fill_between
    assert band.min() == pytest.approx(lstm.min())
    assert band.max() == pytest.approx(lstm.max())
    bad = dict(r, curves={"rnn": dict(r["curves"]["rnn"], mse=[[0.1, 0.2]])})
    with pytest.raises(ValueError, match="must be \\(n_seeds, steps\\)"):
        plot_seed_curves(bad)
    plt.close("all")


@pytest.mark.slow
def test_shipped_model_reproduces_its_recorded_score():
    """The shipped weights, loaded into torch.nn's LSTM, score held-out text as recorded."""
    from rnncourse.experiments import pretrained

    info = ex.pretrained_charlm_info()
    assert info["steps"] == info["config"]["max_steps"] == ex.PRETRAINED_CONFIG["max_steps"]
    model, vocab = ex.pretrained_charlm(backend="torch")
    assert type(model.rnn) is torch.nn.LSTM
    assert model.rnn.hidden_size == 128
    uniform = math.log2(len(vocab))
    assert info["valid_bpc"] < uniform - 4  # it learned a lot
    assert pretrained.held_out_bpc(model, vocab) == pytest.approx(info["valid_bpc"], abs=1e-3)


@pytest.mark.slow
def test_live_adding_run_moves_the_same_way():
    # Short live run (T = 20 so it is quick): the GRU leaves the baseline, the tanh RNN does not.
    small = dict(T=20, steps=150, cells=["rnn", "gru"], eval_size=300)
    r = ex.adding_problem_curves(seeds=[0, 1], workers=2, **small)
    assert r["source"] == "live"
    assert max(r["curves"]["gru"]["final_mse"]) < 0.05
    assert min(r["curves"]["rnn"]["final_mse"]) > 0.1
    # one seed in one process gives the same run as in the pool
    one = ex.adding_problem_curves(seeds=[1], **dict(small, cells=["gru"]))
    assert one["curves"]["gru"]["mse"][0] == r["curves"]["gru"]["mse"][1]


@pytest.mark.slow
def test_clipping_keeps_run_stable():
    r = ex.clipping_experiment(steps=80)
    u, c = r["unclipped"], r["clipped"]
    assert len(u["loss"]) == len(c["loss"]) == 80
    assert u["loss"][0] == c["loss"][0]  # same start
    assert np.nanmax(u["grad_norm"]) > 100 * r["threshold"]
    assert np.nanmax(u["loss"]) > 2 * r["initial_loss"]  # diverges
    assert max(c["loss"][1:]) < r["initial_loss"]  # never worse than a uniform guess again
    assert np.mean(c["loss"][-20:]) < r["initial_loss"] - 1.5
    assert (
        math.isnan(np.mean(u["loss"][-20:]))
        or np.mean(u["loss"][-20:]) > np.mean(c["loss"][-20:]) + 2
    )


@pytest.mark.slow
def test_bidirectional_needs_the_future():
    r = ex.bidirectional_experiment(T=10, steps=60, hidden_size=16, seeds=[0])
    assert r["source"] == "live"
    (future,), (both,), (past,) = (r["runs"][k]["final_accuracy"] for k in r["config"]["settings"])
    assert abs(future - r["chance"]) < 0.1
    assert both > r["chance"] + 0.3
    assert past > r["chance"] + 0.3


def test_shipped_chapter_runs_are_their_configurations():
    # chapter 8: the adding problem at T = 50, GRU against the tanh RNN
    short = ex.adding_problem_curves(**ex.ADDING_T50)
    assert short["source"] == "cache (adding_problem.t50.json)"
    assert ex.adding_problem_curves()["source"] == "cache (adding_problem.json)"
    assert short["config"]["T"] == 50
    assert set(short["curves"]) == {"rnn", "gru"}
    # chapter 10: the three tagging runs
    bidi = ex.bidirectional_experiment()
    assert bidi["source"] == "cache (bidirectional.json)"
    assert bidi["config"] == ex.BIDIRECTIONAL_DEFAULTS
    for result, key in ((short, "mse"), (bidi, "accuracy")):
        seeds = result["config"]["seeds"]
        assert len(set(seeds)) == len(seeds) >= 3  # a comparison rests on at least three seeds
        for run in (result.get("curves") or result["runs"]).values():
            assert len(run[key]) == len(seeds)
            assert len({tuple(c) for c in run[key]}) == len(seeds)  # different runs, not copies
            assert all(len(c) == len(run["step"]) for c in run[key])


def test_bidirectional_options_are_checked():
    with pytest.raises(ValueError, match="settings must be one of"):
        ex.bidirectional_experiment(settings=["sideways/future"])
    with pytest.raises(ValueError, match="seeds and settings"):
        ex.bidirectional_experiment(seeds=[])
    with pytest.raises(TypeError, match="unknown bidirectional_experiment options"):
        ex.bidirectional_experiment(layers=2)


@pytest.mark.slow
def test_stored_chapter_runs_are_what_the_code_trains():
    # One run of each stored result, trained again now: the same curve (the store keeps five
    # significant digits; float rounding is identical on one machine and thread count).
    torch.set_num_threads(1)
    stored = ex.adding_problem_curves(**ex.ADDING_T50)["curves"]["gru"]
    live = ex.adding_problem_curves(cached=False, **dict(ex.ADDING_T50, cells=["gru"], seeds=[0]))
    np.testing.assert_allclose(live["curves"]["gru"]["mse"][0], stored["mse"][0], rtol=1e-3)
    np.testing.assert_allclose(
        live["curves"]["gru"]["train_loss"][0], stored["train_loss"][0], rtol=1e-3
    )
    stored = ex.bidirectional_experiment()["runs"]["bidirectional/future"]
    live = ex.bidirectional_experiment(cached=False, settings=["bidirectional/future"], seeds=[0])
    got = live["runs"]["bidirectional/future"]
    np.testing.assert_allclose(got["accuracy"][0], stored["accuracy"][0], atol=1e-4)


@pytest.mark.slow
def test_live_charlm_run_improves():
    r = ex.charlm_progress(
        max_steps=40,
        sample_at=[0, 40],
        max_chars=100_000,
        hidden_size=32,
        batch_size=16,
        seq_len=32,
        eval_chars=5_000,
        backend="rnncourse",
    )
    a, b = r["snapshots"]
    assert r["source"] == "live"
    assert b["val_bpc"] < a["val_bpc"] - 1.0
    assert r["trainer"].step == 40


def test_interpretable_units_ranked_by_correlation():
    text = 'def f(x):\n    s = "hello world"\n    return s\n' * 20
    model, vocab = ex.pretrained_charlm()
    (acts,) = an.unit_activations(model, [text], vocab, what="c")
    rankings = an.search_units(acts, text, top_k=3)
    L, H = len(text), model.hidden_size
    assert acts.shape == (L, H)
    assert np.all(np.abs(acts) <= 1)
    f = an.FEATURES["inside_string"][1](text)
    assert f.shape == (L,)
    assert f[text.index('"') + 1] == 1
    assert f[0] == 0
    corr = [np.corrcoef(acts[:, u], f)[0, 1] for u in range(H)]
    best = int(np.nanargmax(np.abs(corr)))
    assert rankings["inside_string"][0][0] == best
    assert rankings["inside_string"][0][1] == pytest.approx(corr[best])
    assert len(rankings["indentation"]) == 3


def test_shipped_model_has_interpretable_units():
    from rnncourse.data import load_corpus

    model, vocab = ex.pretrained_charlm()
    text = load_corpus("stdlib", "valid")[:4000]  # held-out stdlib text
    (acts,) = an.unit_activations(model, [text], vocab, what="c")
    best = {name: abs(r[0][1]) for name, r in an.search_units(acts, text).items()}
    assert max(best.values()) > 0.5, best  # at least one unit clearly tracks a text feature


def test_benchmark_record_merges_by_label(tmp_path):
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "train_charlm.py"
    spec = importlib.util.spec_from_file_location("train_charlm", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    path = tmp_path / "record.json"
    mod.record("a", {"chars_per_s": 1}, path)
    mod.record("b", {"chars_per_s": 2}, path)
    mod.record("a", {"chars_per_s": 3}, path)
    import json

    assert json.loads(path.read_text()) == {"a": {"chars_per_s": 3}, "b": {"chars_per_s": 2}}


def test_benchmark_table_and_speedups_follow_the_record():
    from rnncourse.experiments import (
        benchmark_speedups,
        charlm_benchmark,
        format_benchmark,
    )

    runs = charlm_benchmark()
    lines = format_benchmark(runs).splitlines()
    assert len(lines) == len(runs) + 1
    assert lines[0].split()[0] == "layer"
    for line, r in zip(lines[1:], runs.values(), strict=True):
        assert f"{r['chars_per_s']:,}" in line
        assert (f"{r['valid_bpc']:.3f}" in line) == (r["settings"]["minutes"] >= 10)

    # ratios from two hand-made runs: exactly the quotient of their throughputs
    def run(backend, amp, malloc, n, cps):
        s = dict(
            backend=backend,
            amp=amp,
            malloc=malloc,
            batch_size=n,
            seq_len=64,
            hidden_size=256,
            layers=2,
            minutes=2,
        )
        return {"settings": s, "chars_per_s": cps, "valid_bpc": 2.0}

    fake = {
        "a": run("torch", "none", "keep", 64, 300),
        "b": run("torch", "none", "default", 64, 200),
        "c": run("rnncourse", "bf16", "keep", 64, 500),
        "d": run("rnncourse", "none", "keep", 64, 100),
        "e": run("rnncourse", "bf16", "keep", 256, 750),
    }
    assert benchmark_speedups(fake) == {
        "keep_freed_memory": 1.5,
        "bfloat16": 5.0,
        "streams_256": 1.5,
    }
    del fake["b"]
    with pytest.raises(KeyError, match="default"):
        benchmark_speedups(fake)
    assert set(benchmark_speedups(runs)) == {"keep_freed_memory", "bfloat16", "streams_256"}


def test_seed_runs_are_stored_through_the_checkpoint_module(tmp_path):
    from rnncourse.experiments._cache import load_seed_model, save_seed_run
    from rnncourse.train.checkpoint import CheckpointError

    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    save_seed_run(tmp_path, "m", 0, {"config": {"n": 3}}, model.state_dict())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "m_seed0.json"]  # no temp left
    back = load_seed_model(tmp_path, "m", 0, lambda c: torch.nn.Linear(c["n"], 2))
    assert torch.equal(back.weight, model.weight)
    assert not back.training
    (tmp_path / "m.pt").write_bytes(b"not a torch file")  # a damaged file: a clear error
    with pytest.raises(CheckpointError, match="could not be read"):
        load_seed_model(tmp_path, "m", 0, lambda c: torch.nn.Linear(c["n"], 2))
