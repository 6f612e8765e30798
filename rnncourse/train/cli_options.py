"""Command-line options generated from :class:`~rnncourse.train.config.TrainConfig`.

Each dataclass field becomes one option (``--hidden-size``; a field's metadata may name another
flag, e.g. ``--steps`` for ``max_steps``) whose help is the field's help followed by its default,
printed once. The option's parser checks the value with the field's own check
(:func:`rnncourse.train.config.check_field`), so ``--lr inf`` is refused by the same code that
refuses ``TrainConfig(lr=float("inf"))``. Options the user did not give are absent from the parsed
namespace (``argparse.SUPPRESS``), which tells a resumed run what the user asked to change.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Any

from rnncourse.train.config import TrainConfig, check_field, field_kind

#: Namespace attribute prefix of generated options (keeps them apart from run options).
PREFIX = "config_"


class HelpFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` once, and only for a real default (not None, False or absent)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        help = action.help or ""
        default = action.default
        if "(default" in help or default in (None, False, argparse.SUPPRESS):
            return help
        return help + " (default: %(default)s)"


def fail(command: str, message: str) -> int:
    """Print ``rnncourse COMMAND: error: MESSAGE`` (rank 0 only under torchrun); return 2."""
    if os.environ.get("RANK", "0") == "0":
        print(f"rnncourse {command}: error: {message}", file=sys.stderr)
    return 2


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` report a bad command line in one line.

    The line is ``PROG: error: MESSAGE (see PROG --help)``, exit status 2, instead of the usage
    block plus the message.
    """

    def error(message: str) -> None:
        parser.exit(2, f"{parser.prog}: error: {message} (see {parser.prog} --help)\n")

    parser.error = error  # type: ignore[method-assign]
    return parser


def flag_of(f: dataclasses.Field) -> str:
    """Return the command-line flag of a config field."""
    return f.metadata.get("flag") or "--" + f.name.replace("_", "-")


def config_field(name: str) -> dataclasses.Field:
    """Return the :class:`TrainConfig` field called ``name``."""
    return {f.name: f for f in dataclasses.fields(TrainConfig)}[name]


def value_parser(f: dataclasses.Field, name: str | None = None) -> Any:
    """Return an argparse ``type`` for field ``f``: parse the string, then apply the field's check.

    ``name`` is the value's name in messages (default the field's).
    """
    kind = field_kind(f)

    def parse(text: str) -> Any:
        if f.metadata.get("optional") and text.lower() == "none":
            return None
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
            ) from None
        try:
            return check_field(f, value, name)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """Add one option per :class:`TrainConfig` field, in field order."""
    group = parser.add_argument_group(
        "model and training (TrainConfig fields; stored in the checkpoint)"
    )
    for f in dataclasses.fields(TrainConfig):
        help = f.metadata.get("help", f.name.replace("_", " "))
        shown = f.default if f.default is not None else "none"
        help = f"{help} (default: {shown})".replace("%", "%%")
        kwargs: dict[str, Any] = dict(dest=PREFIX + f.name, default=argparse.SUPPRESS, help=help)
        if field_kind(f) is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = value_parser(f)
            kwargs["metavar"] = (
                "{" + ",".join(f.metadata["choices"]) + "}"
                if f.metadata.get("choices")
                else f.name.split("_")[-1].upper()
            )
        group.add_argument(flag_of(f), **kwargs)


def given_config(args: argparse.Namespace) -> dict[str, Any]:
    """Return the config fields the user set on the command line, by field name."""
    return {k[len(PREFIX) :]: v for k, v in vars(args).items() if k.startswith(PREFIX)}
