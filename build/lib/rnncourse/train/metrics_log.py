"""Metrics of a training run, appended to a file as they come (``rnncourse train --log FILE``).

A ``.csv`` file gets one header line and then one row per event with the columns of
``COLUMNS`` (empty where an event has no such value); any other name gets JSON lines, one
object per event. Training steps give ``step, loss, bpc, lr, grad_norm, seconds``; evaluations
give ``step, val_bpc, eval_seconds``. Lines are flushed as written, so ``tail -f`` follows a run,
and a resumed run appends to the same file. With ``tensorboard_dir`` the same scalars also go to
TensorBoard (``torch.utils.tensorboard``, which needs the ``tensorboard`` package).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import Any

COLUMNS = ("step", "loss", "bpc", "lr", "grad_norm", "seconds", "val_bpc", "eval_seconds")


class MetricsLog:
    """Append metric rows to a JSON-lines or CSV file and, optionally, TensorBoard.

    Parameters
    ----------
    path : path or None
        The log file (``.csv``: CSV; otherwise JSON lines). Created with its directory.
    tensorboard_dir : path or None
        Also write TensorBoard scalars here.

    Raises
    ------
    ValueError
        ``tensorboard_dir`` given but the ``tensorboard`` package is not installed.
    """

    def __init__(
        self, path: str | os.PathLike | None, tensorboard_dir: str | os.PathLike | None = None
    ) -> None:
        self.path = Path(path) if path is not None else None
        self._file = self._csv = self._tb = None
        if tensorboard_dir is not None:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                raise ValueError(
                    "--tensorboard needs the tensorboard package (pip install tensorboard)"
                ) from None
            self._tb = SummaryWriter(str(tensorboard_dir))
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fresh = not self.path.exists() or self.path.stat().st_size == 0
            self._file = open(self.path, "a", newline="")  # closed in close()
            if self.path.suffix.lower() == ".csv":
                self._csv = csv.DictWriter(self._file, COLUMNS)
                if fresh:
                    self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        """Append one event (keys from ``COLUMNS``)."""
        if self._csv is not None:
            self._csv.writerow(row)
        elif self._file is not None:
            self._file.write(json.dumps(row) + "\n")
        if self._file is not None:
            self._file.flush()
        if self._tb is not None:
            for key, value in row.items():
                if key != "step":
                    self._tb.add_scalar(key, value, row["step"])

    def close(self) -> None:
        """Close the file and the TensorBoard writer."""
        if self._file is not None:
            self._file.close()
        if self._tb is not None:
            self._tb.close()
