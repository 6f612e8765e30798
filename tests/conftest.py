"""Fixtures for every test directory. Imports no torch: the reference's tests run without it."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    # One thread: bit-for-bit reproducible sums, and the shared 2-core machine stays usable
    # (pytest-xdist already runs two workers). Only where the test's module has imported torch.
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


@pytest.fixture(scope="session")
def torch_bf16_lstm() -> bool:
    """Whether torch.nn.LSTM runs under CPU bfloat16 autocast on this machine.

    oneDNN's bfloat16 LSTM needs AVX-512 (or AMX); on an older CPU torch raises "could not create a
    primitive descriptor for the LSTM forward propagation primitive". Tests that compare with
    torch.nn's own bfloat16 run skip that comparison there; ours still runs and is checked.
    """
    import torch

    lstm = torch.nn.LSTM(4, 4)
    try:
        with torch.autocast("cpu", torch.bfloat16):
            lstm(torch.zeros(2, 1, 4))
    except RuntimeError:
        return False
    return True


#: CONTRIBUTING: a test that takes seconds is marked slow. A quick run (``-m "not slow"``, as
#: ``make test-quick`` runs it) lists the unmarked tests it ran that took longer than this: a
#: report for the developer (it depends on the machine's load), never a failure.
UNMARKED_SLOW_S = 2.0
_unmarked_slow: list[tuple[float, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if (
        report.when == "call"
        and report.duration > UNMARKED_SLOW_S
        and "slow" not in report.keywords
    ):
        _unmarked_slow.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    if "not slow" not in (config.option.markexpr or "") or not _unmarked_slow:
        return
    terminalreporter.write_sep("-", f"not marked slow, took over {UNMARKED_SLOW_S:g} s")
    for duration, nodeid in sorted(_unmarked_slow, reverse=True):
        terminalreporter.write_line(f"{duration:6.1f} s  {nodeid}")
