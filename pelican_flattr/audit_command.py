"""``pelican-flattr audit``, the command: its arguments, what it reads from
``--settings``, and the report printed (a table and a summary by kind, or
``--json``)."""

from __future__ import annotations

import argparse
import os
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .audit import audit_site
from .audit_output import OutputFolderError
from .audit_report import Problem, problems_by_kind
from .audit_settings import (
    language_manifests_from_settings,
    languages_from_settings,
    manifest_from_settings,
    plain_addresses_from_settings,
    site_from_settings,
    siteurl_not_compared,
    stores_from_settings,
)
from .identifiers import redact_encoded_addresses as redact
from .manifest import ManifestError
from .settings import (
    MANIFEST_NAME,
    SettingsFileError,
    read_settings_file,
    resolved_climb,
)


def add_command(subparsers: Any) -> None:
    """Register ``pelican-flattr audit``."""
    from .cli import path_argument  # cli is loaded: it asks for this

    parser = subparsers.add_parser(
        "audit",
        help="check a built site against its manifest",
        description=(
            "Check every thing of the manifest against the built site: its page, "
            "button, payment link, Open Graph tags and feed entries; and check the "
            "whole output tree for leaked email addresses and unknown buttons."
        ),
        epilog="Exit status: 0 when the site is sound, 1 when problems were "
        "found, 2 when the manifest or output folder cannot be read.",
    )
    parser.add_argument(
        "output", metavar="OUTPUT_DIR", type=path_argument, help="the built site"
    )
    parser.add_argument(
        "--manifest",
        metavar="FILE",
        type=_manifest_argument,
        help=f"the manifest (default: OUTPUT_DIR/{MANIFEST_NAME})",
    )
    parser.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help="read FLATTR_AUTHORS and FLATTR_USERNAME (each language's of "
        "I18N_SUBSITES too) from this settings file to look for their plain "
        "email addresses too, FLATTR_STORE to find the store published, and "
        "FLATTR_MANIFEST (unless --manifest is given)",
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=_row_limit,
        help="list at most N problems of each kind in the table (the summary "
        "by kind counts them all; --json lists them all)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run_audit)


def _manifest_argument(value: str) -> str:
    """``--manifest``'s value: a file's path. One that ends in "/" names a
    folder: read as the file of the folder's name (``Path`` drops the "/"),
    it passed the audit of a manifest that a build, given it so in
    ``FLATTR_MANIFEST``, wrote where the folder was meant."""
    from .cli import path_argument

    value = path_argument(value)
    if value.endswith(("/", os.sep)):
        raise argparse.ArgumentTypeError(
            f"{redact(repr(value))} names a folder; point it at a file, such as "
            f"OUTPUT_DIR/{MANIFEST_NAME}"
        )
    return value


def _row_limit(value: str) -> int:
    """``--limit``'s value: a count of rows, 0 or more."""
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of rows (0 or more)"
        )
    return limit


def _rows_shown(
    problems: list[Problem], limit: int | None
) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """The table's rows of ``problems``, at most ``limit`` of each kind (all
    when None), in the order found; and how many of each kind were left out."""
    rows: list[tuple[str, str, str]] = []
    listed: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for problem in problems:
        listed[problem.kind] = listed.get(problem.kind, 0) + 1
        if limit is not None and listed[problem.kind] > limit:
            left_out[problem.kind] = left_out.get(problem.kind, 0) + 1
            continue
        rows.append((problem.file, problem.problem, problem.expected))
    return rows, left_out


def run_audit(args: argparse.Namespace) -> int:
    """The ``audit`` subcommand."""
    from . import cli

    output = Path(args.output)
    manifest = args.manifest
    addresses: dict[str, str] = {}
    settings: Mapping[str, Any] = {}
    site = None
    stores: set[str] = set()
    language_manifests: list[str] = []
    languages = None
    try:
        if args.settings:
            settings = read_settings_file(args.settings, needs_content=False)
            addresses = plain_addresses_from_settings(settings, args.settings)
            site = site_from_settings(settings, args.settings)
            stores = stores_from_settings(settings, args.settings)
            language_manifests = language_manifests_from_settings(
                settings, args.settings
            )
            if manifest is None:
                manifest = manifest_from_settings(settings, args.settings, output)
                # Named as the build names it: "output/../private/m.json"
                # is where it lies.
                manifest = manifest and resolved_climb(manifest)
            languages = languages_from_settings(settings, args.settings)
        with cli.progress("Auditing", enabled=not args.json) as advance:
            report = audit_site(
                output,
                manifest,
                addresses,
                advance,
                site,
                stores,
                language_manifests,
                settings_given=bool(args.settings),
                manifest_given=args.manifest is not None,
                languages=languages,
            )
    except (ManifestError, OutputFolderError, SettingsFileError) as error:
        return cli.usage_error(redact(str(error)))
    status = 0 if report.ok else 1
    by_kind = problems_by_kind(report.problems)
    notes = list(report.notes)
    if args.settings and site is None:
        note = siteurl_not_compared(settings, args.settings, report.siteurl)
        if note is not None:
            notes.append(redact(note))
    if args.json:
        cli.print_json(
            {
                "ok": report.ok,
                # As after a usage error (2) or Ctrl-C (130): a script reads
                # one field, however the audit ended.
                "exit_status": status,
                "output": str(output),
                "things": report.things,
                "files": report.files,
                "other_sites": report.other_sites,
                "other_site_manifests": report.other_site_manifests,
                "problems": [
                    {
                        "file": p.file,
                        "problem": p.problem,
                        "expected": p.expected,
                        "kind": p.kind,
                    }
                    for p in report.problems
                ],
                # Each kind's count (print_json sorts an object's keys: by
                # name here, most frequent first in the text summary).
                "problems_by_kind": by_kind,
                # What was not checked, said in words (see the text output).
                "notes": notes,
            }
        )
    else:
        total = len(report.problems)
        rows, left_out = _rows_shown(report.problems, args.limit)
        title = cli.counted(total, "problem")
        if left_out:
            title += f", {len(rows)} listed (--limit {args.limit} of each kind)"
        cli.print_table(title, ("file", "problem", "expected"), rows)
        if by_kind:
            # The overview a table of 20,000 rows of one fault does not give.
            cli.print_line("Problems by kind:")
            for kind, count in by_kind.items():
                unlisted = left_out.get(kind, 0)
                cli.print_line(
                    f"  {kind}: {cli.counted(count, 'problem')}"
                    + (f" ({unlisted} not listed)" if unlisted else "")
                )
        cli.print_line(
            f"{cli.counted(report.things, 'thing')}, "
            f"{cli.counted(report.files, 'file')} checked: "
            + ("no problems" if report.ok else cli.counted(total, "problem"))
        )
        for folder, own in report.other_site_manifests.items():
            command = _other_site_command(Path(output, folder), own, args.settings)
            cli.print_line(
                # A line break in the folder's name would start a line.
                f"{cli.shown(folder)}/ holds a manifest of its own: another site's "
                f"output, not checked here (audit it on its own: {cli.shown(command)})"
                ", but for the owners' addresses, which no file may publish"
            )
        for note in notes:
            cli.print_line(note)
    return status


def _other_site_command(folder: Path, manifest: str, settings: str | None) -> str:
    """The command that audits the other site in ``folder``, whose manifest
    is ``manifest`` in it, with the settings file this audit was given."""
    command = ["pelican-flattr", "audit", str(folder)]
    # Given --settings, its FLATTR_MANIFEST would win over the default name.
    if manifest != MANIFEST_NAME or settings:
        command += ["--manifest", str(folder / manifest)]
    if settings:
        command += ["--settings", settings]
    return shlex.join(command)
