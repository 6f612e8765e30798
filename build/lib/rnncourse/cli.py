"""The ``rnncourse`` command line: ``rnncourse train``, ``rnncourse sample``, ``rnncourse grade``.

Each subpackage that owns commands exposes ``register(subparsers)``, which adds its sub-commands and
sets ``func`` (called with the parsed namespace, returning an exit status). Heavy imports (torch)
happen inside those functions, so ``rnncourse --help`` is fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute sub-commands, in the order they appear in ``--help``.
COMMAND_MODULES = ("rnncourse.train.cli", "rnncourse.grading.cli")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``rnncourse`` parser with one subcommand per registered tool."""
    parser = argparse.ArgumentParser(
        prog="rnncourse",
        description="Companion tools of the rnncourse book: train and sample language models, "
        "grade exercise notebooks.",
    )
    parser.add_argument("--version", action="version", version="%(prog)s " + _version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version() -> str:
    from rnncourse import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``rnncourse`` command on ``argv``; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
