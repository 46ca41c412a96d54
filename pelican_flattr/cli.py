"""The ``pelican-flattr`` command: one subcommand per job, each in its own module.

Every subcommand module exposes ``add_command(subparsers)``, which adds its
parser and sets ``handler`` to a function taking the parsed arguments and
returning the exit status: 0 on success, 1 when problems were found, 2 for a
usage error, and other codes as each subcommand documents.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute a subcommand, in the order --help lists them.
COMMAND_MODULES: tuple[str, ...] = ()


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="pelican-flattr",
        description="Tools for the Flattr things of a Pelican site.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("pelican-flattr: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
