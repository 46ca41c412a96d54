"""``pelican-flattr audit``, the command: its arguments, what it reads from
``--settings``, and the report printed (a table and a summary by kind with
each kind's fix on a terminal, the summary first and a line a problem in a
log, or ``--json``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import terminal
from .audit import audit_site
from .audit_output import OutputFolderError
from .audit_report import (
    FIXES_IN_FULL,
    PROBLEM_FIXES,
    AuditReport,
    Problem,
    problems_by_kind,
    with_output_emptied,
    with_output_retained,
)
from .audit_settings import (
    audit_settings,
    climbs_out,
    plugin_not_listed,
    siteurl_not_compared,
)
from .identifiers import redact_encoded_addresses as redact
from .manifest import ManifestError
from .settings import (
    MANIFEST_NAME,
    SettingsFileError,
    read_settings_file,
)
from .wording import command_line


def add_command(subparsers: Any) -> None:
    """Register ``pelican-flattr audit``."""
    from .cli import path_argument, row_limit  # cli is loaded: it asks for this

    parser = subparsers.add_parser(
        "audit",
        help="check a built site against its manifest",
        description=(
            "Check every thing of the manifest against the built site: its page, "
            "button, payment link, Open Graph tags and feed entries; and check the "
            "whole output tree for leaked email addresses and unknown buttons."
        ),
        epilog="On a terminal, the report is a table (file, kind, problem, "
        "expected), the problems counted by kind below it; piped or written "
        "to a file (a CI log), the totals and the count by kind come first, "
        "then one line a problem: FILE: KIND: "
        "PROBLEM; expected: EXPECTED. Each kind, and what to do about it: "
        '"What the audit reports" in docs/manifest.md of pelican-flattr\'s '
        "source. Exit status: 0 when the site is sound, 1 when problems were "
        "found, 2 when the manifest or output folder cannot be read, 70 when a "
        "bug of pelican-flattr stopped it, 130 when interrupted (Ctrl-C), 143 "
        "when stopped by SIGTERM.",
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
        type=row_limit,
        help="list at most N problems of each kind, 0 for the summary alone "
        "(the summary by kind counts them all; --json lists them all whatever "
        "N: a script's document is whole)",
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


def _rows_shown(
    problems: list[Problem], limit: int | None
) -> tuple[list[Problem], dict[str, int]]:
    """The ``problems`` listed, at most ``limit`` of each kind (all when
    None), in the order found; and how many of each kind were left out."""
    rows: list[Problem] = []
    listed: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for problem in problems:
        listed[problem.kind] = listed.get(problem.kind, 0) + 1
        if limit is not None and listed[problem.kind] > limit:
            left_out[problem.kind] = left_out.get(problem.kind, 0) + 1
            continue
        rows.append(problem)
    return rows, left_out


def run_audit(args: argparse.Namespace) -> int:
    """The ``audit`` subcommand."""
    output = Path(args.output)
    settings: Mapping[str, Any] = {}
    given = None
    try:
        if args.settings:
            settings = read_settings_file(args.settings, needs_content=False)
            given = audit_settings(
                settings,
                args.settings,
                output,
                manifest_given=args.manifest is not None,
            )
        with terminal.progress("Auditing", enabled=not args.json) as advance:
            report = audit_site(output, args.manifest, settings=given, progress=advance)
    except (ManifestError, OutputFolderError, SettingsFileError) as error:
        return terminal.usage_error(redact(str(error)))
    status = 0 if report.ok else 1
    fixes = PROBLEM_FIXES
    if _empties_output(settings):
        # Not "set DELETE_OUTPUT_DIRECTORY = True" to settings that do.
        fixes, report.problems = _for_emptied_output(
            report.problems, redact(Path(args.settings).name), settings
        )
    by_kind = problems_by_kind(report.problems)
    # What the settings file tells of the whole output, first: the plugin
    # not run (the likely cause of every problem). Buttons that name a
    # local address on a public site are a problem the audit reports
    # (thing-url-local).
    cause = plugin_not_listed(settings, args.settings) if given else None
    causes = [] if cause is None else [redact(cause)]
    notes = [*causes, *report.notes]
    if given is not None and given.site is None:
        note = siteurl_not_compared(settings, args.settings, report.siteurl)
        if note is not None:
            notes.append(redact(note))
    if args.json:
        terminal.print_json(
            {
                "ok": report.ok,
                # As after a usage error (2) or Ctrl-C (130): a script reads
                # one field, however the audit ended.
                "exit_status": status,
                # As given, but for an address in a folder's name, which
                # pending's and every usage error's paths hide too.
                "output": redact(str(output)),
                "things": report.things,
                "files": report.files,
                # Folder names as the text report shows them: an address
                # that names one is [address].
                "other_sites": [redact(folder) for folder in report.other_sites],
                "other_site_manifests": {
                    redact(folder): redact(manifest)
                    for folder, manifest in report.other_site_manifests.items()
                },
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
        # Said before the summary's fixes for each kind, which the plugin
        # not run makes beside the point.
        _print_report(report, by_kind, causes, notes[len(causes) :], args, fixes)
    return status


def _print_report(
    report: AuditReport,
    by_kind: dict[str, int],
    cause: list[str],
    notes: list[str],
    args: argparse.Namespace,
    fixes: Mapping[str, str],
) -> None:
    """The report for people. On a terminal: the table of problems, then
    the summary by kind, each kind's fix, and the totals, where the screen
    ends. Into a log or a file (CI): the totals and the summary first, then
    one line a problem, unpadded, and the totals again for the log's tail.
    ``cause``: a note that explains every problem (the plugin did not run),
    said before the summary; ``notes``: the others, after it. ``fixes``:
    what to do about each kind (``PROBLEM_FIXES``, or as the settings file
    read makes it).
    """
    rows, left_out = _rows_shown(report.problems, args.limit)
    problems = terminal.counted(len(report.problems), "problem")
    title = problems
    if left_out:
        title += f", {len(rows)} listed (--limit {args.limit} of each kind)"
    totals = (
        f"{terminal.counted(report.things, 'thing')}, "
        f"{terminal.counted(report.files, 'file')} checked: "
        + ("no problems" if report.ok else problems)
    )
    summary = _summary(by_kind, left_out, fixes)
    others = _other_sites(report, args) + notes
    if terminal.stdout_is_a_terminal():
        # Each row with its kind, as a log's line has it: the summary's
        # fix for it, printed below the table, is found by it.
        terminal.print_table(
            title,
            ("file", "kind", "problem", "expected"),
            [(p.file, p.kind, p.problem, _expected(p, fixes)) for p in rows],
        )
        for line in [*cause, *summary, totals, *others]:
            terminal.print_line(line)
        return
    for line in [*cause, totals, *summary, *others]:
        terminal.print_line(line)
    if rows:
        terminal.print_line(f"{title}:")
        terminal.print_lines(
            f"{p.file}: {p.kind}: {p.problem}; expected: {_expected(p, fixes)}"
            for p in rows
        )
        terminal.print_line(totals)


def _summary(
    by_kind: dict[str, int], left_out: dict[str, int], fixes: Mapping[str, str]
) -> list[str]:
    """The summary by kind: the overview a table of 20,000 rows of one fault
    does not give, with what to do about each kind (``fixes``), and where
    to read more.
    """
    if not by_kind:
        return []
    lines = ["Problems by kind:"]
    for kind, count in by_kind.items():
        unlisted = left_out.get(kind, 0)
        lines.append(
            f"  {kind}: {terminal.counted(count, 'problem')}"
            + (f" ({unlisted} not listed)" if unlisted else "")
        )
        lines.append(f"    what to do: {fixes[kind]}")
    return [*lines, FIXES_IN_FULL]


def _empties_output(settings: Mapping[str, Any]) -> bool:
    """Whether a build with ``settings`` empties its output first, as
    Pelican does with DELETE_OUTPUT_DIRECTORY. (Not an output folder that
    holds the content folder, which Pelican spares: the audit reads the
    settings without their content folder, and no site keeps its sources
    in what it publishes.)"""
    return bool(settings.get("DELETE_OUTPUT_DIRECTORY"))


def _for_emptied_output(
    problems: list[Problem], settings_file: str, settings: Mapping[str, Any]
) -> tuple[dict[str, str], list[Problem]]:
    """What to do about each kind, and ``problems``, for a site whose
    ``settings`` (read from ``settings_file``) empty the output before a
    build: a file an earlier build left there is one OUTPUT_RETENTION
    keeps, or one a build with other settings or a deploy left."""
    retention = {str(name) for name in settings.get("OUTPUT_RETENTION") or ()}
    fixes = {
        kind: with_output_emptied(fix, settings_file, bool(retention))
        for kind, fix in PROBLEM_FIXES.items()
    }

    def told(text: str, file: str) -> str:
        top = file.split("/", 1)[0]
        if top in retention:
            return with_output_retained(text, settings_file, top)
        return with_output_emptied(text, settings_file, bool(retention))

    return fixes, [
        replace(p, problem=told(p.problem, p.file), expected=told(p.expected, p.file))
        for p in problems
    ]


def _expected(problem: Problem, fixes: Mapping[str, str]) -> str:
    """A problem's "expected", or what to do about its kind (``fixes``)
    where it has none (a feed that is not XML expects nothing but to be
    mended)."""
    return problem.expected or fixes[problem.kind]


def _other_sites(report: AuditReport, args: argparse.Namespace) -> list[str]:
    """A line for each folder that holds another site, and how to audit it."""
    lines = []
    for folder, own in report.other_site_manifests.items():
        command = _other_site_command(Path(args.output, folder), own, args.settings)
        holds = (
            # A language's FLATTR_MANIFEST ("../m.json") put it beside.
            f"is the site of a language, whose manifest is {terminal.shown(own)} "
            "from there"
            if climbs_out(own)
            else "holds a manifest of its own"
        )
        line = (
            # A line break in the folder's name would start a line.
            f"{terminal.shown(folder)}/ {holds}: it is another "
            "site's output. This audit checks it only for the owners' addresses, "
            "which no file may publish. To check the rest, audit it on its own: "
            f"{terminal.shown(command)}"
        )
        # The command names the output folder as given, which an address
        # may name (as --json's "output" and usage errors show it).
        lines.append(redact(line))
    return lines


def _other_site_command(folder: Path, manifest: str, settings: str | None) -> str:
    """The command that audits the other site in ``folder``, whose manifest
    is ``manifest`` in it, with the settings file this audit was given."""
    command = ["pelican-flattr", "audit", str(folder)]
    # Given --settings, its FLATTR_MANIFEST would win over the default name.
    if manifest != MANIFEST_NAME or settings:
        command += ["--manifest", os.path.normpath(folder / manifest)]
    if settings:
        command += ["--settings", settings]
    return command_line(command)
