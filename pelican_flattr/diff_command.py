"""``pelican-flattr diff``, the command: an old manifest (or the URL
guard's baseline) and a new one compared with the guard's rules
(``url_guard.py``), and each change listed with its fix, in a table with a
closing line that counts each kind, or ``--json``. With ``--settings``, the
new build's content is read as the build read it, with Pelican's readers
(imported only then): its pages, and what the guard's fixes name of a
source (an opt-out, its slug, a draft, an empty save_as, a pin a setting
gives), so that each change gets the build's fix.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import terminal
from .files import why_unreachable
from .url_baseline import (
    BaselineError,
    baseline_language,
    load_baseline,
    released,
    waits,
)
from .url_guard import (
    Entry,
    ManifestDiff,
    Move,
    OwnerChange,
    SharedCauses,
    UrlChange,
    accepted_live_warning,
    compare_manifests,
    file_name_in,
    in_folder,
    live_accepted,
    near_miss_warnings,
    near_misses,
    old_owner_keeps,
    owner_change_fix,
    shared_causes,
    slug_may_have_changed,
    told_by_content,
    unknown,
    unresolved_changes,
    verify_command,
)

# The kinds of diff's rows, in the order its table lists them and its
# closing line and JSON document count them: the build's summary's order
# (changed, gone, still there without a thing), then what strands nothing.
_KINDS = ("URL changed", "disappeared", "no thing", "owner changed", "new", "moved")


def add_command(subparsers: Any) -> None:
    """Register ``pelican-flattr diff``."""
    # cli is loaded: it asks for this; row_limit as audit's --limit.
    from .cli import path_argument, row_limit

    parser = subparsers.add_parser(
        "diff",
        help="compare two manifests and say which changes leave flattrs at an old "
        "URL or pass them to another source file",
        description=(
            "Compare an old and a new manifest: things that disappeared, things "
            "whose URL changed for the same source file, URLs that passed to "
            "another source file, source files moved or renamed with their URL, "
            "owner changes and new things. Flattr keys a thing on its exact URL, "
            "so the flattrs given to a changed or vanished URL stay with that URL, "
            "and a URL that passes to another source passes its flattrs with it."
        ),
        epilog="Rows come by kind: " + ", ".join(_KINDS) + ". Where five or more "
        "URLs changed alike, a line above them names the shape and its likely "
        "cause, as the build's summary does. The closing line counts the rows "
        "of each kind. Exit status: 0 when no flattrs would be orphaned or "
        "passed to another source, 1 when some would, 2 when a manifest or the "
        "settings file cannot be read, 70 when a bug of pelican-flattr stopped "
        "it, 130 when interrupted (Ctrl-C), 143 when stopped by SIGTERM.",
    )
    parser.add_argument(
        "old",
        metavar="OLD_MANIFEST",
        type=path_argument,
        help="a copy of an earlier build's flattr-manifest.json, or the URL "
        "guard's baseline (FLATTR_URL_BASELINE), which keeps the old URL of "
        "every change a build warned of until it is resolved; - for standard "
        "input",
    )
    parser.add_argument(
        "new",
        metavar="NEW_MANIFEST",
        type=path_argument,
        help="the manifest of the newer build; - for standard input",
    )
    parser.add_argument(
        "--content",
        metavar="DIR",
        type=path_argument,
        help=(
            "the content folder of the new build (Pelican's PATH), to follow "
            "the URL guard's rule: a source file still there is never taken "
            "for moved (a manifest lists only content with a thing)"
        ),
    )
    parser.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help=(
            "the settings file of the new build: its content folder (PATH, "
            "unless --content is given) is checked as with --content, a "
            "page without a thing while FLATTR_PAGES is off is named so, and "
            "the old URLs FLATTR_ACCEPT_URL_CHANGES names are released (left out "
            "of the comparison), as the URL guard does"
        ),
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=row_limit,
        help="list at most N rows of each kind, 0 for the summary alone (the "
        "closing line counts them all; --json lists them all whatever N: a "
        "script's document is whole)",
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON for scripts")
    output.add_argument(
        "--old-urls",
        action="store_true",
        help="print only the old URL of each URL change (the 'URL changed' "
        "rows, all of them whatever --limit), one a line, for "
        "FLATTR_ACCEPT_URL_CHANGES: a deliberate change of many URLs accepted "
        "without the other changes; exits 0, as a list is no check",
    )
    output.add_argument(
        "--gone-urls",
        action="store_true",
        help="print only the old URL of each thing that disappeared (the "
        "'disappeared' rows: no thing at its source now, and no other source "
        "at its URL; with --content or --settings, sources still there, such "
        "as drafts, left out), one a line, for FLATTR_ACCEPT_URL_CHANGES once "
        "the deletions are meant; exits 0",
    )
    parser.set_defaults(handler=run_diff)


def _old_things(path: Path) -> list[Entry]:
    """The things of ``diff``'s OLD_MANIFEST: a manifest's, or, given the URL
    guard's baseline, the entries the guard compares (not a URL it let go,
    nor one waiting for its change to be resolved). After a build, the
    baseline still holds the old URL of every change the build warned of
    and nobody resolved: the list a site whose old manifest went with its
    output can still get. Raises ManifestError or BaselineError naming the
    file."""
    from .manifest import BaselineGivenError, ManifestError, load_manifest

    def compared(entry: Entry) -> bool:
        return not released(entry) and not waits(entry)

    try:
        return load_manifest(path)["things"]
    except BaselineGivenError:
        return load_baseline(Path(path), keep=compared)
    except ManifestError:
        # A damaged baseline is no JSON: said as one, with its line.
        if not _opens_as_baseline(Path(path)):
            raise
        return load_baseline(Path(path), keep=compared)


def _opens_as_baseline(path: Path) -> bool:
    """Whether ``path`` is a regular file that opens as the guard writes a
    baseline, whatever follows (it may be damaged)."""
    from .manifest import not_a_file_of

    try:
        return path.is_file() and (
            not_a_file_of(path, "baseline_version", "a baseline") is None
        )
    except OSError:
        return False


_NOTHING_SHARED = SharedCauses(None, ())


class _Refused(Exception):
    """What is wrong with diff's command line or the files it names, said
    as a usage error (exit status 2)."""


@dataclasses.dataclass(frozen=True)
class _Compared:
    """What ``diff`` found, as its table and its JSON document give it."""

    diff: ManifestDiff
    # The content folder checked for sources still there, else None.
    content: str | None
    # The settings file read (--settings), else None: the pages it gives
    # were then checked.
    settings: str | None
    # The URL changes FLATTR_ACCEPT_URL_CHANGES lets go, left out of diff.
    accepted: tuple[UrlChange, ...] = ()
    # (url, source) of each accepted URL the new build's things hold.
    live: tuple[tuple[str, str], ...] = ()
    # What to say of those, as the build says it.
    live_warning: str | None = None
    # What to say of each entry that names a changed URL loosely, as the
    # build says it (``near_misses``).
    near_misses: tuple[str, ...] = ()
    # What the changes share, as the build's summary says it.
    causes: SharedCauses = _NOTHING_SHARED
    # What to say when the manifests share no thing (``_unrelated``).
    unrelated: str | None = None

    @property
    def thing_urls(self) -> frozenset[str]:
        """Every thing URL the diff names, which it shows as it is wherever
        it hides addresses (``_without_addresses``)."""
        diff = self.diff
        return frozenset(
            url
            for url in (
                *(c.old_url for c in (*diff.url_changes, *self.accepted)),
                *(c.new_url for c in diff.url_changes),
                *(c.url for c in diff.owner_changes),
                *(e["url"] for e in diff.added),
                *(m.url for m in diff.moves),
                *(url for url, _ in self.live),
            )
            if url
        )

    @property
    def status(self) -> int:
        """diff's exit status: 1 when flattrs would be orphaned, else 0."""
        return 1 if self.diff.orphans_flattrs else 0


def run_diff(args: Any) -> int:
    """The ``diff`` subcommand."""
    try:
        with _streams_read(args) as readable:
            compared = _compare(readable)
    except _Refused as refused:
        return terminal.usage_error(str(refused))
    if args.json:
        _print_diff_json(compared)
    elif args.old_urls or args.gone_urls:
        changes = compared.diff.url_changes
        changed = [c.old_url for c in changes if c.new_url is not None]
        # Not one another source has now: accepting it hands that source
        # the URL's flattrs, a decision of its own (the table says it).
        gone = [
            c.old_url
            for c in changes
            if c.new_url is None and not c.still_there and c.taken_by is None
        ]
        # Thing URLs, to paste into FLATTR_ACCEPT_URL_CHANGES: as they are
        # (public: in the pages, the feeds, the manifest), never "[address]".
        terminal.print_lines(gone if args.gone_urls else changed)
        if compared.unrelated is not None:
            print(
                "pelican-flattr: diff: "
                + terminal.shown(
                    _without_addresses(compared.unrelated, compared.thing_urls)
                ),
                file=sys.stderr,
            )
        if args.old_urls and gone:
            # A site that deleted hundreds got an empty list, and no word.
            print(
                f"pelican-flattr: diff: {terminal.counted(len(gone), 'thing')} "
                "disappeared too, not listed here: --gone-urls lists their old "
                "URLs",
                file=sys.stderr,
            )
        # A list to accept, not a check: its status 1 stopped a script
        # under `set -e` right after it wrote the list.
        return 0
    else:
        _print_diff_table(compared, args.limit)
    return compared.status


@contextlib.contextmanager
def _streams_read(args: Any) -> Iterator[Any]:
    """``args`` with an OLD_MANIFEST or NEW_MANIFEST that is standard input
    ("-") or a pipe (bash's ``<(curl -sS URL)``, the published manifest)
    read first into a temporary file, which the readers then read as any:
    they refuse a file that is not a regular one (the audit's manifest in
    an output folder is never waited on). A message names it as given."""
    given = {"old": args.old, "new": args.new}
    streams = {side: name for side, name in given.items() if _is_stream(name)}
    if not streams:
        yield args
        return
    if list(streams.values()).count("-") > 1:
        raise _Refused(
            "OLD_MANIFEST and NEW_MANIFEST are both '-' (standard input): give "
            "one of them as a file"
        )
    with tempfile.TemporaryDirectory(prefix="pelican-flattr-diff-") as folder:
        copies = {}
        for side, name in streams.items():
            shown = "standard input" if name == "-" else name
            copy = Path(folder) / f"{side}.json"
            try:
                size = _copy_stream(name, copy)
            except OSError as error:
                raise _Refused(f"{shown}: cannot be read ({error.strerror})") from None
            if not size:
                raise _Refused(f"{shown}: empty: nothing was written to it")
            if size > STREAM_LIMIT:
                raise _Refused(
                    f"{shown}: more than {STREAM_LIMIT >> 20} MiB, which no "
                    "manifest holds (20,000 things take about 20 MiB): is it the "
                    "manifest? Save it to a file to compare one this large"
                )
            copies[side] = (str(copy), shown)
        try:
            yield argparse.Namespace(
                **{**vars(args), **{side: c for side, (c, _) in copies.items()}}
            )
        except _Refused as refused:
            said = str(refused)
            for copy, shown in copies.values():
                said = said.replace(copy, shown)
            raise _Refused(said) from None


# The most diff reads of a manifest from a pipe. Read whole, ``/dev/zero``
# or ``yes |`` took all the memory there was, deaf to SIGTERM until then.
STREAM_LIMIT = 256 << 20
_CHUNK = 1 << 20


def _copy_stream(name: str, copy: Path) -> int:
    """Copy what standard input ("-") or the pipe ``name`` holds into the
    file ``copy``, a chunk at a time, and return its size: to its end, or
    past ``STREAM_LIMIT`` (a size above it), or the first chunk alone when
    that cannot start a JSON object (NUL bytes, ``yes``), which the reader
    then refuses as it refuses such a file. A named pipe nobody writes to
    is waited on, as ``cat`` waits (Ctrl-C ends the wait)."""
    size = 0
    if name == "-" and sys.stdin is None:  # started with it closed (<&-)
        raise _Refused("standard input is closed: nothing can be read from it")
    with contextlib.ExitStack() as stack:
        source = (
            sys.stdin.buffer if name == "-" else stack.enter_context(open(name, "rb"))
        )
        target = stack.enter_context(copy.open("wb"))
        while chunk := source.read(_CHUNK):
            target.write(chunk)
            size += len(chunk)
            if size > STREAM_LIMIT or not _may_start_json(chunk, size):
                break
    return size


def _may_start_json(chunk: bytes, size: int) -> bool:
    """Whether a stream whose first ``size`` bytes ended with ``chunk`` may
    still be a manifest: past its first chunk, yes; of that, when what
    follows a BOM and white space is "{" (or nothing yet)."""
    if size != len(chunk) or b"\xef\xbb\xbf".startswith(chunk):  # a BOM cut short
        return True
    start = chunk.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    return start[:1] in (b"", b"{")


def _is_stream(name: str) -> bool:
    """Whether diff's manifest argument ``name`` is standard input ("-") or
    a pipe or character device (``/dev/fd/63``, ``/dev/stdin``)."""
    if name == "-":
        return True
    try:
        mode = os.stat(name).st_mode
    except (OSError, ValueError):
        return False  # the reader says what is wrong with it
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)


def _compare(args: Any) -> _Compared:
    """The manifests diff's ``args`` name compared, as the URL guard
    compares them (with --settings, as the new build's content tells each
    change). Raises _Refused when a manifest, the settings file or the
    content folder cannot be read."""
    old, new = _manifests(args)
    settings: dict[str, Any] | None = None
    content = args.content
    if args.settings is not None:
        try:
            settings, pages, accepted_urls = _diff_settings(
                args.settings, needs_content=content is None
            )
        except ValueError as error:
            raise _Refused(str(error)) from None
        if content is None:
            content = _settings_content(settings, args.settings)
    source_exists = unknown if content is None else _source_exists(content, args)
    diff = compare_manifests(old, new, source_exists)
    unrelated = _unrelated(old, new, args.old)
    if settings is None:
        causes = shared_causes(diff.url_changes)
        return _Compared(diff, content, None, causes=causes, unrelated=unrelated)
    compared = _as_the_build_tells(
        diff, new, content, settings, args, pages, accepted_urls
    )
    compared = dataclasses.replace(compared, unrelated=unrelated)
    # As the build's summary: its SITEURL names the old one after a move,
    # and its SLUGIFY_SOURCE tells slugs made of file names.
    siteurl = settings.get("FLATTR_SITEURL") or settings.get("SITEURL") or ""
    causes = shared_causes(
        compared.diff.url_changes,
        str(siteurl).rstrip("/"),
        settings.get("SLUGIFY_SOURCE", "title"),
    )
    return dataclasses.replace(compared, causes=causes)


def _unrelated(old: list[Entry], new: list[Entry], old_path: str) -> str | None:
    """What to say when the manifests share no thing, by URL or by source:
    most likely two sites' (a language's of i18n_subsites and the main
    one's), whose every thing diff would call gone and new; else None."""
    if not old or not new:
        return None
    urls = {entry["url"] for entry in old}
    sources = {entry["source"] for entry in old}
    if any(e["url"] in urls or e["source"] in sources for e in new):
        return None
    language = baseline_language(Path(old_path))
    if language is not None:
        return (
            "The two manifests share no thing, by URL or by source file: "
            "OLD_MANIFEST is the URL guard's baseline of the language site "
            f"{language!r} (i18n_subsites); compare it with that site's manifest"
        )
    return (
        "The two manifests share no thing, by URL or by source file: if they "
        "are two sites' (with i18n_subsites, each language's site has its own "
        "manifest and baseline), compare each with its own; if one site moved "
        "and renamed every file, the rows say what to do"
    )


def _manifests(args: Any) -> tuple[list[Entry], list[Entry]]:
    """The things of diff's OLD_MANIFEST and NEW_MANIFEST (see
    ``_old_things``); _Refused, saying why, when either cannot be read."""
    from .manifest import (
        NO_MANIFEST_WRITTEN,
        BaselineGivenError,
        ManifestError,
        load_manifest,
    )

    try:
        old = _old_things(args.old)
        unreachable = why_unreachable(args.new)
        if unreachable is not None:
            raise _Refused(f"{args.new}: {unreachable}")
        if not os.path.lexists(args.new):
            # Most often the output of a build that failed, not a wrong path.
            raise _Refused(
                f"{args.new}: no such manifest: {NO_MANIFEST_WRITTEN}; if the "
                "build wrote it elsewhere (FLATTR_MANIFEST), give that path as "
                "NEW_MANIFEST"
            )
        return old, load_manifest(args.new)["things"]
    except BaselineGivenError as error:
        raise _Refused(
            f"{error} as NEW_MANIFEST, the newer build's (the baseline is read "
            "as OLD_MANIFEST only)"
        ) from None
    except (ManifestError, BaselineError) as error:
        raise _Refused(str(error)) from None


def _settings_content(settings: Mapping[str, Any], path: str) -> str:
    """The content folder of the settings file at ``path`` (its PATH, made
    absolute by Pelican); _Refused when it sets none."""
    if settings["PATH"] == os.curdir:
        # Pelican's default, the folder the command runs in: the content
        # folder is given to `pelican` on its command line.
        raise _Refused(
            f"{path}: PATH is not set in it, so the content folder is not "
            "known: give it with --content"
        )
    return settings["PATH"]


def _source_exists(content: str, args: Any) -> Callable[[str, str | None], bool]:
    """Whether a source is in the content folder ``content`` (--content's,
    else the settings' PATH); _Refused, naming which gave it, when it is
    no folder, or one this user cannot read."""
    given = "--content" if args.content is not None else f"{args.settings}: PATH"
    if not os.path.isdir(content):
        what = (
            "is a file, not a folder" if os.path.exists(content) else "no such folder"
        )
        raise _Refused(f"{given} {content}: {what}")
    try:
        # Read as empty, a folder this user cannot list told of every
        # source in it that it was gone: a URL to let go, wrongly.
        os.scandir(content).close()
        os.stat(os.path.join(content, os.curdir))
    except OSError as error:
        raise _Refused(
            f"{given} {content}: cannot be read ({error.strerror}): its sources "
            "cannot be told from ones that are gone"
        ) from None
    return in_folder(content)


def _as_the_build_tells(
    diff: ManifestDiff,
    new: list[Entry],
    content: str,
    settings: Mapping[str, Any],
    args: Any,
    pages: bool,
    accepted_urls: frozenset[str],
) -> _Compared:
    """``diff`` as the new build (its things ``new``, its ``settings`` read
    from the file --settings names, its content folder ``content``) tells
    it: the URLs FLATTR_ACCEPT_URL_CHANGES (``accepted_urls``) lets go left
    out, a page without a thing while FLATTR_PAGES (``pages``) is off, and
    each change's fix as the build gives it. Raises _Refused when
    Pelican cannot read the content with the settings."""
    from .settings import listed_old_hosts

    # As the build warns: an accepted URL that the new build's things
    # hold again would let a later change of that thing go unsaid.
    # A language's site of i18n_subsites lists the main site's thing on
    # its copy of an article the main site publishes too: the main
    # site guards it, and says (as its diff does) to take it out.
    shown = _main_sites_things(settings, args.settings, args.new)
    new_sources = {
        thing["url"]: thing["source"]
        for thing in new
        if (thing["source"], thing["url"]) not in shown
    }
    # Listed once, when first asked: each content read needs its kind.
    page_files = functools.cache(functools.partial(pages_in, settings, content))
    read = functools.partial(contents_in, settings, content, page_files)
    try:
        changes = unresolved_changes(
            diff.url_changes, accepted_urls, pages, page_files, read
        )
        # The build's fixes: a draft, an empty save_as, a pin a setting
        # gives, a slug, named as its guard names them.
        changes = told_by_content(
            changes,
            read,
            settings.get("EXTRA_PATH_METADATA"),
            listed_old_hosts(settings),
        )
    except Exception as error:  # Pelican's code, given the user's settings
        from .identifiers import redact_addresses

        raise _Refused(
            f"{args.settings}: Pelican cannot list the pages of {content}: "
            f"{type(error).__name__}: {redact_addresses(str(error))}"
        ) from None
    return _Compared(
        dataclasses.replace(diff, url_changes=tuple(changes)),
        content,
        args.settings,
        accepted=tuple(c for c in diff.url_changes if c.old_url in accepted_urls),
        live=tuple(live_accepted(accepted_urls, new_sources)),
        live_warning=accepted_live_warning(accepted_urls, new_sources, in_diff=True),
        near_misses=tuple(near_miss_warnings(near_misses(changes, accepted_urls))),
    )


def _print_diff_json(compared: _Compared) -> None:
    """diff's document for scripts: every change, whatever --limit, counted
    by kind as the table's closing line counts them."""
    diff = compared.diff
    fix = functools.partial(_fix, pages_checked=compared.settings is not None)
    # The settings file given names the store the old owner's holder
    # verifies into: verify reads its FLATTR_STORE, and says what is wrong.
    owner_fix = functools.partial(_owner_fix, settings=compared.settings)
    counts = dict.fromkeys(_KINDS, 0)
    for c in diff.url_changes:
        counts[_change_kind(c)] += 1
    counts.update(
        {
            "owner changed": len(diff.owner_changes),
            "new": len(diff.added),
            "moved": len(diff.moves),
        }
    )
    terminal.print_json(
        _without_addresses(
            {
                # As audit's and verify's: a script reads one field.
                "ok": compared.status == 0,
                "exit_status": compared.status,
                "orphans_flattrs": diff.orphans_flattrs,
                "counts": counts,
                "likely_causes": _causes_said(compared.causes),
                # Both kinds without a new URL, told apart as the table
                # tells them (still_there alone told them before).
                "disappeared": [
                    {
                        "kind": _change_kind(c),
                        "source": c.source,
                        "url": c.old_url,
                        "taken_by": c.taken_by,
                        "kept_owner": c.kept_owner,
                        "still_there": c.still_there,
                        "pages_off": c.pages_off,
                        "opted_out": c.opted_out is not None,
                        "fix": fix(c),
                    }
                    for c in diff.url_changes
                    if c.new_url is None
                ],
                "url_changed": [
                    {
                        "source": c.source,
                        "old_url": c.old_url,
                        "new_url": c.new_url,
                        "taken_by": c.taken_by,
                        "kept_owner": c.kept_owner,
                        "fix": fix(c),
                    }
                    for c in diff.url_changes
                    if c.new_url is not None
                ],
                "owner_changed": [
                    {
                        "url": c.url,
                        "source": c.source,
                        "old_owner": c.old_owner,
                        "new_owner": c.new_owner,
                        "fix": owner_fix(c),
                    }
                    for c in diff.owner_changes
                ],
                "new": [{"source": e["source"], "url": e["url"]} for e in diff.added],
                "moved": [
                    {"source": m.source, "url": m.url, "to": m.to} for m in diff.moves
                ],
                "accepted": [
                    {"source": c.source, "url": c.old_url} for c in compared.accepted
                ],
                "accepted_still_live": [
                    {"source": source, "url": url} for url, source in compared.live
                ],
                "content_checked": compared.content is not None,
                "pages_checked": compared.settings is not None,
                "unrelated": compared.unrelated,
            },
            compared.thing_urls,
        )
    )


def _print_diff_table(compared: _Compared, limit: int | None) -> None:
    """diff's table for people, its rows by kind (``_KINDS``), at most
    ``limit`` of each (all when None), under what the changes share; then
    what the settings let go and its closing line."""
    diff = compared.diff
    fix = functools.partial(_fix, pages_checked=compared.settings is not None)
    owner_fix = functools.partial(_owner_fix, settings=compared.settings)
    alike = compared.causes.alike
    rows = [
        (
            _change_kind(c),
            c.source,
            (c.old_url if c.new_url is None else f"{c.old_url} -> {c.new_url}")
            + ("" if c.taken_by is None else f" (old URL now {c.taken_by}'s)"),
            # A change of the shape said above keeps its own fix, not what
            # that line says for each: 281 of one category repeated it.
            f"{c.advice(brief=True)} (see the line above the table)"
            if alike is not None and alike.holds(c)
            else fix(c),
        )
        for c in sorted(diff.url_changes, key=lambda c: _KINDS.index(_change_kind(c)))
    ]
    rows += [
        (
            "owner changed",
            c.source,
            c.url,
            f"{c.old_owner} -> {c.new_owner}: {owner_fix(c)}",
        )
        for c in diff.owner_changes
    ]
    rows += [("new", e["source"], e["url"], "") for e in diff.added]
    rows += [
        ("moved", m.source, m.url, _move_note(m, compared.content)) for m in diff.moves
    ]
    urls = compared.thing_urls
    rows = _without_addresses(rows, urls)
    listed, by_kind = _rows_listed(rows, limit)
    title = ""
    if len(listed) < len(rows):
        title = (
            f"{len(rows)} changes, {len(listed)} listed (--limit {limit} of each kind)"
        )
    for line in _without_addresses(_causes_above_rows(compared.causes), urls):
        terminal.print_line(line)
    terminal.print_table(title, ("change", "source", "thing URL", "note"), listed)
    if compared.accepted:
        terminal.print_line(
            f"{terminal.counted(len(compared.accepted), 'old thing URL')} left out: "
            f"FLATTR_ACCEPT_URL_CHANGES in {compared.settings} releases "
            f"{'them' if len(compared.accepted) > 1 else 'it'}"
        )
    if compared.live_warning is not None:
        terminal.print_line(_without_addresses(compared.live_warning, urls))
    for warning in compared.near_misses:
        terminal.print_line(_without_addresses(warning, urls))
    if compared.unrelated is not None:
        terminal.print_line(_without_addresses(compared.unrelated, urls))
    notes = any(row[3] for row in listed)
    terminal.print_line(_closing_line(by_kind, len(diff.url_changes), notes))


def _causes_said(causes: SharedCauses) -> list[str]:
    """What the changes share, as the build's summary says each cause."""
    alike = [] if causes.alike is None else [causes.alike.said()]
    return [*alike, *causes.others]


def _causes_above_rows(causes: SharedCauses) -> list[str]:
    """The lines above diff's table: each cause the changes share, and for
    URLs that changed alike, once, what their rows' fixes leave out (how a
    pin serves the page, how to accept them all)."""
    alike = causes.alike
    if alike is None:
        return list(causes.others)
    them = (
        "them"
        if alike.count == alike.changed
        else f"the old URLs of all {alike.changed} URL changes"
    )
    return [
        f"{alike.said()}, or, if the change is deliberate, add their old URLs to "
        f"FLATTR_ACCEPT_URL_CHANGES (this diff with --old-urls prints {them}, one "
        "a line). Each of their rows gives the pin that keeps its thing alone at "
        "its old URL: its page's og:url and button then name the old URL, which "
        "the web server must redirect to the page.",
        *causes.others,
    ]


def _rows_listed(
    rows: Sequence[Sequence[str]], limit: int | None
) -> tuple[list[Sequence[str]], dict[str, tuple[int, int]]]:
    """The ``rows`` of diff's table listed, at most ``limit`` of each kind
    (the first cell; all when None); and each kind's count of rows and of
    those left out, in the order the kinds come."""
    listed = []
    by_kind: dict[str, tuple[int, int]] = {}
    for row in rows:
        count, left_out = by_kind.get(row[0], (0, 0))
        shown = limit is None or count < limit
        by_kind[row[0]] = (count + 1, left_out + (not shown))
        if shown:
            listed.append(row)
    return listed, by_kind


def _closing_line(
    by_kind: Mapping[str, tuple[int, int]], lost: int, notes: bool = True
) -> str:
    """diff's last line: the rows of each kind (``by_kind``: each one's
    count, and how many --limit left out), then what ``lost`` thing URLs
    (those that strand their flattrs or pass them on) come to, and where
    their fixes are: the ``notes`` of the table, or, when it shows none
    (--limit 0), a --limit that lists them."""
    counts = ", ".join(
        f"{count} {kind}" + (f" ({left_out} not listed)" if left_out else "")
        for kind, (count, left_out) in by_kind.items()
    )
    if not lost:
        return (
            f"{counts}. No flattrs would be orphaned."
            if counts
            else ("No flattrs would be orphaned.")
        )
    return (
        f"{counts}: {lost} thing URL{'s' if lost > 1 else ''} would leave "
        f"{'their' if lost > 1 else 'its'} flattrs at the old URL or pass them "
        "to another source; "
        + ("see the notes" if notes else "give --limit 1 or more to list their notes")
    )


def _owner_fix(change: OwnerChange, settings: str | None) -> str:
    """The fix of an owner change, as the build's warning gives it: the
    command that claims the old owner's flattrs names ``settings``, the
    settings file given to diff, whose store verify then records in; else
    a placeholder for it, as verify without one records in a store of the
    folder it runs in, which neither the build nor pending reads."""
    old = change.old_owner
    command = verify_command(old, settings=settings)
    if settings is None:
        command += " --settings SETTINGS_FILE"
    return (
        "Flattr keeps the old owner of a thing already flattred: "
        + owner_change_fix(old, old_owner_keeps(old, command))
    )


def _main_sites_things(
    settings: Mapping[str, Any], path: str, manifest: str
) -> set[tuple[str, str]]:
    """The (source, url) of the things of the main site's manifest, when
    ``manifest`` is a language's site's of ``I18N_SUBSITES`` in the
    settings file at ``path``: that site shows the main site's thing on
    its copy of an article the main site publishes too, and leaves it to
    the main site's guard. Empty for any other manifest, or when the main
    site's cannot be read."""
    from .audit_settings import manifest_from_settings
    from .manifest import ManifestError, load_manifest
    from .settings import MANIFEST_NAME, SettingsFileError

    subsites = settings.get("I18N_SUBSITES")
    if not isinstance(subsites, Mapping):
        return set()
    output = Path(str(settings.get("OUTPUT_PATH") or "output")).resolve()
    given = Path(manifest).resolve()
    # i18n_subsites writes each language's site in OUTPUT_PATH/LANG unless
    # the language sets its own.
    if not any(
        given.is_relative_to(
            Path(str(own.get("OUTPUT_PATH") or output / lang)).resolve()
        )
        for lang, own in subsites.items()
        if isinstance(own, Mapping)
    ):
        return set()
    try:
        main = manifest_from_settings(settings, path, output) or output / MANIFEST_NAME
        if main.resolve() == given:
            return set()
        return {
            (thing["source"], thing["url"]) for thing in load_manifest(main)["things"]
        }
    except (OSError, ManifestError, SettingsFileError):
        return set()


def _without_addresses(value: Any, thing_urls: Collection[str] = ()) -> Any:
    """``value`` (the diff's rows or document) with every email address in
    its text hidden but in ``thing_urls``, which stay as they are wherever
    they stand: a source file, folder or slug may be named by an author's
    address (``carol@example.org/notes.md``), while a thing URL is public
    (in the page, the feeds, the manifest), and shown to be pasted into
    FLATTR_ACCEPT_URL_CHANGES or a ``Flattr_url``, or joined by a script
    with the manifest's."""
    if isinstance(value, str):
        return _text_without_addresses(value, thing_urls)
    if isinstance(value, dict):
        return {
            key: _without_addresses(item, thing_urls) for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_without_addresses(item, thing_urls) for item in value)
    return value


def _text_without_addresses(text: str, thing_urls: Collection[str]) -> str:
    """``text`` with every email address hidden but in ``thing_urls``."""
    from .identifiers import redact_encoded_addresses

    hidden = redact_encoded_addresses(text)
    if hidden == text:
        return text  # nearly every text: no URL looked for
    kept = sorted((url for url in thing_urls if url in text), key=len, reverse=True)
    if not kept:
        return hidden
    # Split on the URLs (the longest first, where one holds another):
    # the text between them hidden, each URL as it is.
    pieces = re.split("(" + "|".join(map(re.escape, kept)) + ")", text)
    return "".join(
        piece if index % 2 else redact_encoded_addresses(piece)
        for index, piece in enumerate(pieces)
    )


def _diff_settings(
    path: str, *, needs_content: bool
) -> tuple[dict[str, Any], bool, frozenset[str]]:
    """The Pelican settings of the file at ``path``, its FLATTR_PAGES and
    FLATTR_ACCEPT_URL_CHANGES, read as the build reads them; ValueError
    naming the file when any cannot be read."""
    from .settings import accepted_url_changes, flag_setting, read_settings_file

    # SettingsFileError is a ValueError.
    settings = read_settings_file(path, needs_content=needs_content)
    problems: list[str] = []
    pages = flag_setting(settings, "FLATTR_PAGES", problems)
    accepted = accepted_url_changes(settings, problems)
    if problems:
        raise ValueError(
            f"{path}: {problems[0]} (the build refuses it, and makes no things)"
        )
    return settings, pages, accepted


def _fix(change: UrlChange, pages_checked: bool) -> str:
    """The change's advice; when the settings were not read, for a source
    still there without a thing, what else may be why, and for a URL
    changed in one part, the fix a slug would give."""
    if pages_checked:
        return change.advice()
    if change.still_there:
        # Only the settings tell a page from an article.
        return (
            f"{change.advice()}. A page has none either while FLATTR_PAGES "
            "is off: give --settings to check"
        )
    if slug_may_have_changed(change):
        # Only Pelican's readers, with the settings, give the slug now.
        return (
            f"{change.advice()}. If only its slug changed (a new title gives a "
            "new slug), its old slug written back keeps its page at the old URL "
            "too: give --settings to check"
        )
    return change.advice()


def _change_kind(change: UrlChange) -> str:
    if change.new_url is not None:
        return "URL changed"
    return "no thing" if change.still_there else "disappeared"


def _move_note(move: Move, content: str | None) -> str:
    """Why a move strands nothing, and, unchecked, when it would."""
    if content is not None:
        return f"now {move.to}'s, and {move.source} is gone from {content}"
    return (
        f"now {move.to}'s: a file moved or renamed keeps its flattrs; if "
        f"{move.source} is still there, they go to {move.to} (check with --content)"
    )


def pages_in(settings: Mapping[str, Any], folder: str) -> set[str]:
    """The source files in the content folder ``folder`` that Pelican reads
    as pages with Pelican's ``settings`` (``PAGE_PATHS``, ``PAGE_EXCLUDES``,
    which Pelican extends with ``ARTICLE_PATHS``, ``IGNORE_FILES`` and its
    readers' extensions), named as a manifest names its sources.

    Pelican's own search for page files, not a copy of its rules; a file
    there that Pelican then cannot read is no page of the build, but has
    no thing either.
    """
    from pelican.generators import PagesGenerator

    generator = PagesGenerator(
        context={},
        settings=settings,
        path=folder,
        theme=settings["THEME"],
        output_path=settings["OUTPUT_PATH"],
    )
    # Every extension: the readers a plugin adds (.ipynb, .org) are not
    # loaded here. A source that had a thing was one Pelican could read.
    found = generator.get_files(
        settings["PAGE_PATHS"], exclude=settings["PAGE_EXCLUDES"], extensions=False
    )
    # get_files names a page at the top of the folder "./about.md", as
    # Pelican's relative_source_path (and so a manifest) never does; and,
    # on Windows, one below it "pages\about.md", where a manifest always
    # writes "/". A name that is not UTF-8 with its escapes, as recorded.
    from .manifest import portable_path

    return {
        portable_path(os.path.normpath(name).replace(os.sep, "/")) for name in found
    }


def contents_in(
    settings: Mapping[str, Any],
    folder: str,
    page_files: Callable[[], Collection[str]],
    sources: Collection[str],
) -> Iterator[tuple[str, Any]]:
    """Each of ``sources`` in the content folder ``folder`` that Pelican's
    readers can read with ``settings`` (``DEFAULT_METADATA`` and
    ``EXTRA_PATH_METADATA`` too), with the content they make of it, as the
    build made it: a page (of ``page_files``, ``pages_in``) as a page, else
    an article (an article dated in the future is a draft, and each kind
    has its own save_as setting). ``url_guard.ContentsOf`` for ``pelican-flattr
    diff --settings``.

    A file no reader here can read (a plugin's extension) is left out.
    """
    from pelican.contents import Article, Page
    from pelican.readers import Readers

    readers = Readers(settings)
    pages = page_files()
    for source in sources:
        kind = Page if source in pages else Article
        # A name that is not UTF-8 is read by its bytes, not its escapes.
        name = file_name_in(folder, source) or source
        try:
            content = readers.read_file(folder, name, content_class=kind)
        except Exception:  # Pelican's code, given any file: said by the build
            continue
        if getattr(content, "settings", None) is None:
            # A file Pelican skips (SkipStub) keeps none: the guard looks
            # up the setting that may have skipped it.
            content.settings = settings
        yield source, content
