"""The benchmark script runs end to end (on a tiny shape; no timing is asserted)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
COMPARE = SCRIPT.with_name("compare_nn.py")
STEP_AB = SCRIPT.with_name("cli_step_ab.py")


@pytest.fixture
def bench(monkeypatch):
    spec = importlib.util.spec_from_file_location("rnncourse_bench_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "SHAPES", {"tiny": (2, 3, 4, 5)})
    monkeypatch.setattr(module, "PEAK_SIZE", 32)
    return module


def test_benchmark_script_prints_every_implementation(bench, capsys):
    assert bench.main(["--quick", "--device", "cpu", "--cells", "lstm", "gru"]) == 0
    out = capsys.readouterr().out
    assert "measured GEMM peak" in out
    for cell in ("LSTM", "GRU"):
        assert f"{cell} fwd+bwd, tiny (N=2, T=3, D=4, H=5)" in out
    rows = [line for line in out.splitlines() if "float32" in line or "float64" in line]
    rows = [r for r in rows if not r.startswith("measured")]
    assert len(rows) == 2 * 5  # torch.nn, ours, ours fused=False, NumPy f32, NumPy f64
    assert sum(r.split()[-3] == "1.00" for r in rows if r.lstrip().startswith("torch.nn")) == 2


def test_flop_count(bench):
    # LSTM forward: 2·T·N·(D+H)·4H, backward twice that.
    assert bench.model_flops("lstm", 2, 3, 4, 5) == 3 * 2 * 3 * 2 * (4 + 5) * 4 * 5


def test_compare_script_times_an_exported_base(tmp_path, monkeypatch, capsys):
    # The GPU route: the base package written out first (no git needed where it runs).
    spec = importlib.util.spec_from_file_location("rnncourse_bench_compare", COMPARE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "SHAPES", {"tiny": (2, 3, 4, 5)})
    assert module.main(["--export-base", "HEAD", str(tmp_path)]) == 0
    assert (tmp_path / "_nn_base" / "_fused.py").is_file()
    argv = ["--base-dir", str(tmp_path), "--cells", "lstm", "--shapes", "tiny", "--repeats", "1"]
    assert module.main(argv) == 0
    out = capsys.readouterr().out
    assert "LSTM fwd+bwd tiny (N=2, T=3, D=4, H=5)" in out
    assert "now / base:" in out


def test_cli_step_script_runs_both_steps_in_alternating_rounds(tmp_path, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("rnncourse_bench_step_ab", STEP_AB)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    corpus = tmp_path / "c.txt"
    corpus.write_text("def add(a, b):\n    return a + b\n\n" * 200)
    result = module.main(["--rounds", "2", "--steps", "1", "--corpus", str(corpus)])
    assert result["updates"] == {"cli": 3, "plain": 3}  # warm-up + 2 rounds, 1 step each
    assert len(result["throughput_cli_over_plain"]) == 2
    assert all(r > 0 for r in result["throughput_cli_over_plain"])
    assert "throughput CLI / plain:" in capsys.readouterr().out


def _load_script(name, monkeypatch):
    monkeypatch.syspath_prepend(str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location(f"rnncourse_bench_{name}", SCRIPT.parent / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nn_vs_plain_prints_a_ratio_per_implementation(monkeypatch, capsys):
    module = _load_script("nn_vs_plain.py", monkeypatch)
    monkeypatch.setattr(module, "SHAPES", {"tiny": (2, 3, 4, 5)})
    module.main(["--cells", "lstm", "--shapes", "tiny", "--repeats", "1"])
    out = capsys.readouterr().out
    assert "load average" in out
    rows = [line for line in out.splitlines() if " ratio x" in line]
    assert len(rows) == 3  # plain script, default, fused=False
    assert "x 1.00 (1.00-1.00)" in rows[0]


def test_compiled_probe_chunk_is_the_book_step_equal_to_torch_nn(monkeypatch):
    # The chunk the probe compiles, run eagerly (no compile: cheap), in float64 against torch.nn:
    # outputs and the gradients autograd derives through it.
    probe = _load_script("nn_compiled_probe.py", monkeypatch)
    torch.manual_seed(0)
    N, T, D, H = 2, 5, 3, 4
    ref = torch.nn.LSTM(D, H).double()
    x = torch.randn(T, N, D, dtype=torch.float64)
    h0, c0 = (torch.randn(N, H, dtype=torch.float64, requires_grad=True) for _ in range(2))
    ax = torch.addmm(ref.bias_ih_l0 + ref.bias_hh_l0, x.reshape(-1, D), ref.weight_ih_l0.t())
    out, h, c = probe._chunk(ax.view(T, N, 4 * H), h0, c0, ref.weight_hh_l0.t())
    want, (h_n, c_n) = ref(x, (h0[None], c0[None]))
    torch.testing.assert_close(out, want)
    torch.testing.assert_close((h, c), (h_n[0], c_n[0]))
    ours = torch.autograd.grad(out.sum(), (h0, ref.weight_hh_l0))
    theirs = torch.autograd.grad(want.sum(), (h0, ref.weight_hh_l0))
    torch.testing.assert_close(ours, theirs)
