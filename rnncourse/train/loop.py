"""The training loop of :class:`~rnncourse.train.LMTrainer`: :func:`fit`.

It runs updates until the schedule ends, a time budget runs out or the user presses Ctrl-C (with
``handle_signals``: the step in progress finishes, a checkpoint is written, the loop returns), and
in between evaluates, samples, keeps the best checkpoint, logs metrics and draws a progress bar
whose total and ETA also hold under a time budget. A non-finite step raises
:class:`~rnncourse.train.lm.NonFiniteError` before any write, so the last checkpoint stays good.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rnncourse.data import convert_loss


class _StopFlag:
    """Set by SIGINT / SIGTERM while :func:`fit` runs; a second signal interrupts at once."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: Any) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt  # asked twice: stop now, without a checkpoint
        self.signum = signum


def progress_bar_class() -> type:
    """Return tqdm's notebook bar inside a running Jupyter kernel, its text bar everywhere else.

    ``tqdm.auto`` decides once, when it is first imported, from whether ``ipykernel.zmqshell`` has
    been imported: a plain process that merely imported ipykernel (the JupyterLab contents manager
    does) then draws every later bar as a widget on stdout, and stderr gets no bar. This asks, at
    each call, whether an IPython kernel is actually running in this process.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and "IPKernelApp" in getattr(shell, "config", {}):
        from tqdm.notebook import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm


@contextmanager
def _signals_caught(flag: _StopFlag, enabled: bool):
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, flag) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def fit(
    trainer: Any,
    max_steps: int | None = None,
    time_budget: float | None = None,
    checkpoint_path: str | os.PathLike | None = None,
    progress: bool = True,
    print_samples: bool = False,
    callback: Callable[[Any], None] | None = None,
    fit_schedule: bool = False,
    best_path: str | os.PathLike | None = None,
    log: Any = None,
    handle_signals: bool = False,
    print_evals: bool = False,
) -> dict[str, list]:
    """Train ``trainer`` until ``config.max_steps`` (or an earlier stop).

    Parameters
    ----------
    trainer : LMTrainer
    max_steps : int or None
        Stop once ``step`` reaches this (default ``config.max_steps``); the schedule still
        spans ``config.max_steps``, so stopping early and resuming equals one long run.
    time_budget : float or None
        Also stop after this many seconds.
    fit_schedule : bool
        With ``time_budget``: fit the learning-rate schedule to the time instead of to
        ``config.max_steps``. Every 10 updates ``config.max_steps`` is re-estimated as the
        number of updates the whole budget allows at the speed measured so far, so the cosine
        decay reaches its floor when the time runs out; at the end ``max_steps`` is the number
        of updates done (the final evaluation and checkpoint then happen). Such a run's length
        depends on the machine's speed, so it is not bit-reproducible.
    checkpoint_path : path or None
        Where checkpoints go (every ``config.checkpoint_every`` steps, at the end, and when a
        signal stops the run).
    progress : bool
        Show a tqdm bar (loss, bpc, training chars/s, last validation bpc and how long that
        evaluation took).
    print_samples : bool
        Write each periodic sample below the bar.
    callback : callable or None
        Called as ``callback(trainer)`` after every update.
    best_path : path or None
        Also write the checkpoint here whenever the validation bpc is the best so far.
    log : MetricsLog or None
        Receives one row per update and one per evaluation (rank 0 only).
    handle_signals : bool
        Catch SIGINT (Ctrl-C) and SIGTERM: finish the step, write the checkpoint, return
        (``trainer.stop_reason == "signal"``). A second signal interrupts at once.
    print_evals : bool
        Print a line per evaluation (for runs without the bar).

    Returns
    -------
    dict of lists
        ``trainer.history``.

    Raises
    ------
    NonFiniteError
        From a step whose loss or gradient is not finite; nothing is written.
    """
    tqdm = progress_bar_class()
    cfg, main = trainer.config, trainer.rank == 0
    if fit_schedule and time_budget is None:
        raise ValueError("fit_schedule=True needs a time_budget (seconds)")
    if fit_schedule and max_steps is not None:
        raise ValueError("fit_schedule=True takes its length from time_budget, not max_steps")
    stop = min(cfg.max_steps, max_steps if max_steps is not None else cfg.max_steps)
    if fit_schedule:
        stop = 10**12  # the budget ends the run
    run = _Run(trainer, checkpoint_path, best_path, log, print_samples, print_evals)
    bar = tqdm(
        total=cfg.max_steps if fit_schedule else stop,
        initial=trainer.step,
        disable=not (progress and main),
        unit="step",
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
    )
    run.bar = bar
    flag = _StopFlag()
    start, start_step = time.perf_counter(), trainer.step
    trainer.train_seconds, trainer.train_chars, trainer.stop_reason = 0.0, 0, "steps"
    with _signals_caught(flag, handle_signals):
        try:
            while trainer.step < stop:
                elapsed = time.perf_counter() - start
                done_here = trainer.step - start_step
                # rank 0 decides when to stop and how long the schedule is; all processes agree
                proposal = 0.0
                if main and fit_schedule and done_here >= 5 and done_here % 10 == 0:
                    left = int((time_budget - elapsed) * done_here / elapsed)
                    proposal = trainer.step + max(1, left)
                out_of_time = main and time_budget is not None and elapsed > time_budget
                signalled = flag.signum is not None
                if trainer.world == 1 and (signalled or out_of_time):
                    trainer.stop_reason = "signal" if signalled else "time"
                    break  # before starting another step
                # several processes learn a stop in the step's all-reduce, so all stop after it
                t0 = time.perf_counter()
                loss, signalled, timed_out, new_max = trainer._step(
                    [float(signalled), float(out_of_time), proposal]
                )
                trainer.train_seconds += time.perf_counter() - t0
                trainer.train_chars += trainer.chars_per_step
                if new_max:
                    cfg.max_steps = int(new_max)
                    bar.total = cfg.max_steps
                bar.update(1)
                if log is not None and main:
                    log.write(
                        dict(
                            step=trainer.step,
                            loss=loss,
                            bpc=convert_loss(loss, "bits"),
                            lr=trainer.history["lr"][-1],
                            grad_norm=trainer.history["grad_norm"][-1],
                            seconds=round(time.perf_counter() - start, 6),  # µs (GPU steps: ~10 ms)
                        )
                    )
                run.periodic()
                if callback is not None:
                    callback(trainer)
                bar.set_postfix(run.postfix(loss), refresh=False)
                if signalled or timed_out:
                    trainer.stop_reason = "signal" if signalled else "time"
                    break
        finally:
            bar.close()
    if fit_schedule and trainer.stop_reason != "signal":
        cfg.max_steps = max(trainer.step, 1)  # the schedule ended here
    done = trainer.step == cfg.max_steps
    if (
        done
        and trainer.valid_ids is not None
        and trainer.history["val_step"][-1:] != [trainer.step]
    ):
        run.evaluate()  # the final score (an interrupted run gets it when it finishes)
    if checkpoint_path is not None:
        trainer.save(checkpoint_path)
    return trainer.history


class _Run:
    """The periodic work of one :func:`fit` call: evaluation, samples, checkpoints, best model."""

    def __init__(
        self,
        trainer: Any,
        checkpoint_path: Any,
        best_path: Any,
        log: Any,
        print_samples: bool,
        print_evals: bool,
    ) -> None:
        self.tr, self.checkpoint_path, self.best_path, self.log = (
            trainer,
            checkpoint_path,
            best_path,
            log,
        )
        self.print_samples, self.print_evals = print_samples, print_evals
        self.main = trainer.rank == 0
        vals = trainer.history["val_bpc"]
        self.best = min(vals) if vals else float("inf")
        self.eval_seconds = 0.0
        self.bar: Any = None

    def periodic(self) -> None:
        tr, cfg, s = self.tr, self.tr.config, self.tr.step
        if cfg.eval_every and s % cfg.eval_every == 0 and tr.valid_ids is not None:
            self.evaluate()
        if cfg.sample_every and s % cfg.sample_every == 0:
            text = tr.sample(cfg.sample_len)
            tr.history["sample_step"].append(s)
            tr.history["samples"].append(text)
            if self.print_samples and self.main:
                self.bar.write(f"--- sample at step {s} ---\n{text}\n---")
        if cfg.checkpoint_every and s % cfg.checkpoint_every == 0 and self.checkpoint_path:
            tr.save(self.checkpoint_path)

    def evaluate(self) -> None:
        """Score the validation text (every process: same weights, same answer, no messages)."""
        tr = self.tr
        t0 = time.perf_counter()
        bpc = tr.evaluate()
        self.eval_seconds = time.perf_counter() - t0
        tr.history["val_step"].append(tr.step)
        tr.history["val_bpc"].append(bpc)
        if bpc < self.best:
            self.best = bpc
            if self.best_path is not None:
                tr.save(self.best_path)
        if not self.main:
            return
        if self.log is not None:
            self.log.write(
                dict(step=tr.step, val_bpc=bpc, eval_seconds=round(self.eval_seconds, 3))
            )
        if self.print_evals:
            train = sum(tr.history["bpc"][-20:]) / max(1, len(tr.history["bpc"][-20:]))
            print(
                f"step {tr.step}/{tr.config.max_steps}: train {train:.3f}, validation "
                f"{bpc:.3f} bits/char (evaluation {self.eval_seconds:.1f} s), "
                f"{tr.chars_per_second:,.0f} training chars/s",
                flush=True,
            )

    def postfix(self, loss: float) -> dict[str, str]:
        h = self.tr.history
        out = {
            "loss": f"{loss:.3f}",
            "bpc": f"{convert_loss(loss, 'bits'):.3f}",
            "chars/s": f"{self.tr.chars_per_second:,.0f}",
        }
        if h["val_bpc"]:
            out["val_bpc"] = f"{h['val_bpc'][-1]:.3f}"
            out["eval"] = f"{self.eval_seconds:.1f}s"
        return out


def best_path_for(checkpoint: str | os.PathLike) -> Path:
    """Where ``--keep best`` writes the best-validation checkpoint: ``NAME.best.pt`` beside it."""
    p = Path(checkpoint)
    return p.with_name(p.stem + ".best" + (p.suffix or ".pt"))
