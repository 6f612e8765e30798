"""Options of the tiny model the command-line tests train (a few steps take well under 1 s)."""

TINY = [
    "--hidden-size",
    "16",
    "--embed-dim",
    "8",
    "--batch-size",
    "4",
    "--seq-len",
    "16",
    "--eval-every",
    "0",
    "--sample-every",
    "0",
    "--no-progress",
    "--device",
    "cpu",
]
