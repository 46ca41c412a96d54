"""The URL guard's baseline: the file in which a build leaves its thing
URLs for the next build's guard to compare with (``url_guard.py``'s rules),
read a line at a time and written atomically, one thing per line; and the
next baseline a build keeps. The build's guard (``url_guard_build.py``)
reads and writes it, the ``FLATTR_AUTHORS`` checks read its sources, and
``pelican-flattr diff`` takes it as its old manifest.

The baseline holds the URL, source and owner of each thing of the last
build, except that a thing whose URL vanished or passed to another source
without being accepted stays in it with its old URL (and the source that
took it is marked as waiting), so the warning repeats until the operator
pins the old URL (``Flattr_url``) or accepts the change
(``FLATTR_ACCEPT_URL_CHANGES``), and stops when the change is undone. An
accepted URL that no thing has any more stays in it ``released``: Flattr
keeps the thing there with its owner, whom a later thing at that URL with
another owner would give its flattrs to.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import heapq
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from json.encoder import encode_basestring  # json's C encoder for a str
from pathlib import Path
from typing import Any, TypeVar

from .files import NAME_MAX, cut_name
from .lazy_regex import lazy_regex
from .settings import CACHE_FOLDER
from .url_guard import Entry, UrlChange

BASELINE_VERSION = 1
# What ``read_baseline``'s caller makes of an entry.
_Noted = TypeVar("_Noted")
# The header field that marks a language site's baseline (i18n_subsites).
_LANGUAGE_SITE = "language_site"
# The entry field that marks a URL taken from another source while that
# change is unresolved (``waits``). Optional, so version 1 still: an
# earlier version reads it as a plain entry, as it wrote one.
_WAITS = "unresolved"
# The entry field that marks a thing URL let go by FLATTR_ACCEPT_URL_CHANGES
# while no thing of the build has it (``released``). Optional too, so
# version 1 still: an earlier version reads it as a plain entry and reports
# its URL as gone again, until accepted again (which drops the mark). That
# errs loud, never silent, and once: a new version would make an earlier one
# set the whole baseline aside, every change since unreported.
_RELEASED = "released"


class BaselineError(ValueError):
    """A baseline file that cannot be read; the message names the file."""


class BaselineUnreadable(BaselineError):
    """A baseline file the system does not let the build read (its owner
    or mode, a disk error): what it holds may be sound, so unlike a
    damaged one it is never set aside. ``reason`` is the system's words,
    ``denied`` whether they are its refusal (the file's owner or mode)."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.reason = error.strerror or str(error)
        self.denied = error.errno in (errno.EACCES, errno.EPERM)
        super().__init__(f"{path}: cannot read it ({self.reason})")


def baseline_entry(url: str, source: str, owner: str) -> dict[str, str]:
    """What the guard remembers of a thing: the URL and source it compares,
    and the owner, compared for a thing whose URL this build has too
    (``owner_change_warnings``)."""
    return {"url": url, "source": source, "owner": owner}


def _is_entry(value: object) -> bool:
    # An owner may be missing (a baseline of an earlier version kept
    # none), but not damaged: one that is no text would skip the check of
    # the thing's owner unsaid.
    return (
        isinstance(value, dict)
        and isinstance(value.get("url"), str)
        and isinstance(value.get("source"), str)
        and isinstance(value.get("owner", ""), str)
    )


_ENTRY_RULE = (
    'an entry needs a "url" and a "source" text, and an "owner" it has is text'
)


def _entry_problem(value: object) -> str:
    """What keeps ``value`` from being an entry (``_is_entry`` is False):
    the rule, and the field that breaks it, for the operator who wrote the
    file by hand (a list of URLs from Flattr's dashboard has no source)."""
    from .manifest import json_type  # only for a damaged baseline

    if not isinstance(value, dict):
        return f"{_ENTRY_RULE}; this one is of JSON type {json_type(value)}"
    for key in ("url", "source", "owner"):
        if key not in value:
            if key != "owner":
                return f'{_ENTRY_RULE}; its "{key}" is missing'
        elif not isinstance(value[key], str):
            return f'{_ENTRY_RULE}; its "{key}" is of JSON type {json_type(value[key])}'
    return _ENTRY_RULE


def _document_problem(document: object) -> str | None:
    """What keeps a baseline document read whole from being one of this
    version, or None."""
    from .manifest import json_type  # only for a damaged baseline

    if not isinstance(document, dict):
        return f"the file holds JSON type {json_type(document)}, not an object"
    version = document.get("baseline_version")
    # True == 1 in Python, but is no version (nor is 1.0).
    if type(version) is not int or version != BASELINE_VERSION:
        shown = (
            "missing"
            if "baseline_version" not in document
            else json.dumps(version)[:40]
        )
        return f'"baseline_version" is {shown}, not {BASELINE_VERSION}'
    things = document.get("things")
    if not isinstance(things, list):
        shown = (
            "missing"
            if "things" not in document
            else f"of JSON type {json_type(things)}"
        )
        return f'"things" is {shown}, not an array'
    for index, thing in enumerate(things):
        if not _is_entry(thing):
            return f"things[{index}]: {_entry_problem(thing)}"
    return None


def load_baseline(
    path: Path,
    keep: Callable[[Entry], bool] = lambda entry: True,
    sources: set[str] | None = None,
) -> list[dict[str, str]]:
    """Read the guard's baseline, keeping only the entries ``keep`` accepts,
    and adding the source of every entry but a ``released`` one (no source
    of the last build) to ``sources``, when given.

    ``read_baseline``, keeping the entries themselves: ``keep`` must not
    note anything as it goes (see there). Raises BaselineError naming the
    file (BaselineUnreadable when the system refuses to read it).
    """
    return read_baseline(path, lambda entry: entry if keep(entry) else None, sources)


def read_baseline(
    path: Path,
    note: Callable[[Entry], _Noted | None],
    sources: set[str] | None = None,
) -> list[_Noted]:
    """What ``note`` makes of the entries of the guard's baseline, in their
    order, but None; and the source of every entry but a ``released`` one
    (no source of the last build) added to ``sources``, when given.

    Read a line at a time, since the baseline is written one thing per line:
    the guard runs when the build's memory is at its peak, and keeps only
    what it notes of a few entries, never the whole baseline. (Lines laid
    out otherwise, say by a pretty-printer, are parsed as one document.)
    So ``note`` sees an entry before the file is known to be sound: it may
    see those of a file that proves damaged, or each entry twice (a file
    laid out both ways is read again, whole). Only what it returns is
    kept, and only from a read that succeeds: it must record nothing
    itself. Nor is ``sources`` added to by a file that cannot be read.
    Raises BaselineError naming the file (BaselineUnreadable when the
    system refuses to read it).
    """
    if sources:
        # Read into a set of its own, so that a file that cannot be read
        # leaves the caller's as it was.
        found: set[str] = set()
        noted = read_baseline(path, note, found)
        sources |= found
        return noted
    try:
        return _read_baseline(path, note, sources)
    except BaselineError:
        # Filled in place (the guard's: one source per thing of a large
        # site, never held twice), and emptied again.
        if sources is not None:
            sources.clear()
        raise


def _read_baseline(
    path: Path,
    note: Callable[[Entry], _Noted | None],
    sources: set[str] | None,
) -> list[_Noted]:
    """``read_baseline``, adding to ``sources`` (None, or empty) as it
    reads."""
    noted: list[_Noted] = []
    skeleton: list[str] = []
    # The file's number of each line of the skeleton: json counts lines in
    # the text it is given, which lacks the entries' lines.
    skeleton_numbers: list[int] = []
    number = entries_on_lines = 0
    # The skeleton loses the commas of the entries' lines, so they are
    # checked as it goes: two entries' lines with no comma between them
    # were read as sound. ``before`` is the last character of the last line
    # not blank, ``after_entry`` whether that line was an entry's, and
    # ``odd_commas`` whether a comma seemed missing or one too many: then
    # the file is read whole, which says where, or finds it sound after all
    # (a comma laid out on a line of its own).
    before = ""
    after_entry = odd_commas = False
    try:
        # "utf-8-sig": an editor may save UTF-8 with a byte order mark,
        # which json refuses, and the baseline would be moved aside.
        with path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, 1):
                stripped = line.rstrip()
                text = stripped.removesuffix(",")
                if not (text.startswith("    {") and text.endswith("}")):
                    if stripped:  # a blank line says nothing of commas
                        if after_entry and not _may_follow_entry(text, before == ","):
                            odd_commas = True
                        before = stripped[-1]
                        after_entry = False
                    skeleton.append(line)
                    skeleton_numbers.append(number)
                    continue
                # An item of the list follows its "[" or a comma.
                if before != "," and before != "[":
                    odd_commas = True
                before = stripped[-1]
                after_entry = True
                try:
                    entry = json.loads(text)
                except json.JSONDecodeError as error:
                    raise BaselineError(
                        f"{path}: not a readable baseline ({_where(error, number)})"
                    ) from None
                if not _is_entry(entry):
                    raise BaselineError(
                        f"{path}: not a pelican-flattr URL baseline (line "
                        f"{number}: {_entry_problem(entry)})"
                    )
                # Under a UTF-8 locale, only a source whose bytes an earlier
                # version wrote as surrogates, under an ASCII locale.
                if _LOCALE_NAMES or (_POSIX_NAMES and "\\udc" in text):
                    _name_here(entry)
                entries_on_lines += 1
                found = note(entry)
                if found is not None:
                    noted.append(found)
                if sources is not None and not released(entry):
                    sources.add(entry["source"])
        try:
            document = json.loads("".join(skeleton))
        except json.JSONDecodeError as error:
            if not entries_on_lines or '"things"' not in "".join(skeleton):
                raise _skeleton_error(path, error, skeleton_numbers, number) from None
            # Laid out both ways (an entry wrapped by hand among those on
            # lines of their own), the rest keeps the comma after such a
            # line: the whole file is read as one document.
            document = None
        if (
            document is None
            or odd_commas
            or (entries_on_lines and _document_problem(document) is not None)
        ):
            # Read whole, its errors name the file's own lines (a comma
            # missing: "Expecting ',' delimiter"), and a damaged entry its
            # index among all of them. What the lines gave is taken again
            # from the document, once.
            document = _whole_baseline(path)
            noted.clear()
            if sources is not None:
                sources.clear()
    except BaselineError:
        raise
    except OSError as error:
        raise BaselineUnreadable(path, error) from None
    # ValueError: broken JSON, or an integer of 5,000 digits.
    except (UnicodeDecodeError, ValueError) as error:
        from .manifest import json_problem  # only for a damaged baseline

        said = json_problem(error)  # a UnicodeDecodeError is a ValueError
        raise BaselineError(f"{path}: not a readable baseline ({said})") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise BaselineError(
            f"{path}: not a readable baseline (nested too deep)"
        ) from None
    problem = _document_problem(document)
    if problem is not None:
        raise BaselineError(
            f"{path}: not a pelican-flattr URL baseline, version "
            f"{BASELINE_VERSION} ({problem})"
        )
    things = document["things"]
    if _POSIX_NAMES:
        for thing in things:
            _name_here(thing)
    noted.extend(found for found in map(note, things) if found is not None)
    if sources is not None:
        sources.update(thing["source"] for thing in things if not released(thing))
    return noted


def _may_follow_entry(text: str, comma: bool) -> bool:
    """Whether ``text``, the first line not blank after an entry's line,
    may follow it as far as commas go: the end of the list ("]") when the
    entry had no ``comma`` after it, anything else when it had one."""
    return comma != text.lstrip().startswith("]")


def _whole_baseline(path: Path) -> object:
    """The baseline at ``path`` read as one JSON document. Raises
    BaselineError naming the line of its error."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as error:
        raise BaselineError(
            f"{path}: not a readable baseline ({_where(error, error.lineno)})"
        ) from None


def _skeleton_error(
    path: Path, error: json.JSONDecodeError, numbers: list[int], last: int
) -> BaselineError:
    """The error of a baseline whose lines but its entries' (their file
    line ``numbers``) are no JSON document: at the file's line of the
    error, or past the skeleton's last line (an empty file, or one of
    entries alone) at its last line, ``last``."""
    number = numbers[error.lineno - 1] if error.lineno <= len(numbers) else max(last, 1)
    return BaselineError(f"{path}: not a readable baseline ({_where(error, number)})")


def _where(error: json.JSONDecodeError, line: int) -> str:
    """A JSON error at ``line`` of the file, for the operator who repairs
    it: "line 5, column 31: Expecting ',' delimiter"."""
    return f"line {line}, column {error.colno}: {error.msg}"


def _baseline_chunks(things: Iterable[Entry], language: str | None) -> Iterator[str]:
    from .manifest import json_lines

    lines = (_baseline_line(entry) for entry in things)
    header: dict[str, object] = {"baseline_version": BASELINE_VERSION}
    if language:
        header[_LANGUAGE_SITE] = language
    return json_lines(header, "things", lines, items_are_json=True)


_ENTRY_KEYS = {"owner", "source", "url"}
# A lone surrogate, and what str.splitlines() ends a line at that json
# writes as it is (U+0085, U+2028, U+2029: a source's name may hold one).
_ESCAPED = lazy_regex("[\ud800-\udfff\x85\u2028\u2029]")
# On POSIX, Python names a file by its bytes as the locale's encoding reads
# them, a byte it cannot read a lone surrogate: under an ASCII locale (the C
# locale without Python's UTF-8 mode) every byte past ASCII. The baseline
# holds a source as its bytes read as UTF-8, as a UTF-8 locale names the
# file, so that builds under either locale sharing it find the same file.
_POSIX_NAMES = sys.getfilesystemencodeerrors() == "surrogateescape"
_LOCALE_NAMES = _POSIX_NAMES and sys.getfilesystemencoding() != "utf-8"


def _source_as_utf8(source: str) -> str:
    """A source of this build as the baseline holds it: its file name's
    bytes read as UTF-8, a byte that is not UTF-8 a lone surrogate still."""
    try:
        return os.fsencode(source).decode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # no name this process read: kept as it is
        return source


def _name_here(entry: dict[str, Any]) -> None:
    """Give the baseline's ``entry`` its source as this process names the
    file (``_source_as_utf8`` undone)."""
    source = entry["source"]
    if not source.isascii():
        with contextlib.suppress(UnicodeEncodeError):  # a surrogate by hand
            entry["source"] = os.fsdecode(source.encode("utf-8", "surrogateescape"))


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def _baseline_line(entry: Entry) -> str:
    """``json.dumps(entry, sort_keys=True, ensure_ascii=False)``, put
    together directly for an entry of ``baseline_entry``'s shape: every
    build compares (or writes) one per thing.

    A lone surrogate, which is what Python makes of a file name that is not
    UTF-8, is written as a ``\\uXXXX`` escape: UTF-8 cannot encode it, and
    json reads the escape back as the same surrogate, so that the source
    still matches the file's name in the next build. So are U+0085, U+2028
    and U+2029, so that the entry stays on one line for every reader.
    """
    url, source, owner = entry.get("url"), entry.get("source"), entry.get("owner")
    if _LOCALE_NAMES and isinstance(source, str) and not source.isascii():
        source = _source_as_utf8(source)
        entry = {**entry, "source": source}
    if (
        entry.keys() == _ENTRY_KEYS
        and isinstance(url, str)
        and isinstance(source, str)
        and isinstance(owner, str)
    ):
        line = (
            f'{{"owner": {encode_basestring(owner)}, '
            f'"source": {encode_basestring(source)}, "url": {encode_basestring(url)}}}'
        )
    else:
        line = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    # isascii() is a flag lookup: the search costs only non-ASCII lines.
    return line if line.isascii() else _ESCAPED.sub(_escape, line)


def write_baseline(
    path: Path, things: Iterable[Entry], language: str | None = None
) -> None:
    """Write the baseline atomically, one thing per line; ``language``
    marks the baseline of a language's site of i18n_subsites (see
    ``unused_language_baselines``)."""
    from .manifest import write_atomically

    write_atomically(path, _baseline_chunks(things, language))


def set_aside(path: Path, why: str = "unreadable") -> Path:
    """Rename a baseline to ``NAME.unreadable`` (or another ``why``) beside
    it, or ``NAME.unreadable-2`` and on, never over an earlier one, and
    return its new path, so that the next baseline does not destroy it.

    Behind a link, the file the link names is renamed beside itself, an
    empty one left in its place, and the link stays, to be written through
    (``write_atomically``, which writes through none to a missing file):
    moved aside, the link brought back by a CI that keeps it named the
    damaged file again at every build; copied beside the link, the only
    copy went with a workspace the CI throws away, and the next job,
    finding no baseline, passed a strict build with the changes since
    unsaid.
    """
    linked = path.is_symlink()
    path = kept_file(path)
    stem = _aside_stem(path.name, why)
    aside = path.with_name(f"{stem}.{why}")
    number = 1
    while os.path.lexists(aside):
        number += 1
        aside = path.with_name(f"{stem}.{why}-{number}")
    path.rename(aside)
    if linked:
        made = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        os.close(os.open(path, made, stat.S_IMODE(aside.stat().st_mode)))
    return aside


def _aside_stem(name: str, why: str) -> str:
    """The start of the name ``set_aside`` gives the baseline ``name``:
    the name itself, but for one so long that ``.unreadable-99`` would make
    it longer than a file's may be."""
    return cut_name(name, NAME_MAX - len(f".{why}-99"))


def kept_file(path: Path) -> Path:
    """The file the baseline at ``path`` is kept in: the one a link there
    names (there or not), else ``path`` itself."""
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def set_aside_beside(path: Path, why: str = "unreadable") -> list[Path]:
    """The files ``set_aside`` made of the baseline at ``path`` (with
    ``why``) that still lie beside it, or beside the file a link there
    names, in the order it made them."""
    kept = kept_file(path)
    stem = kept.with_name(_aside_stem(kept.name, why))
    found = glob.glob(f"{glob.escape(str(stem))}.{glob.escape(why)}*")
    # NAME.unreadable, then NAME.unreadable-2, ..., -10: shorter first.
    return [Path(name) for name in sorted(found, key=lambda name: (len(name), name))]


def baseline_language(path: Path) -> str | None:
    """The language whose site of i18n_subsites wrote the baseline at
    ``path`` (``write_baseline``'s mark, in its first lines), or None: the
    main site's, another site's, or no baseline at all."""
    try:
        with path.open(encoding="utf-8-sig") as stream:
            head = [stream.readline(4096) for _ in range(3)]
    except (OSError, UnicodeDecodeError):
        return None
    prefix = f"  {json.dumps(_LANGUAGE_SITE)}: "
    for line in head:
        if line.startswith(prefix):
            try:
                language = json.loads(line.removeprefix(prefix).rstrip().rstrip(","))
            except ValueError:
                return None
            return language if isinstance(language, str) and language else None
    return None


def unused_language_baselines(
    path: Path, used: Collection[Path]
) -> list[tuple[Path, str]]:
    """The baselines of language sites that no build of this run used,
    with their language: a language taken out of ``I18N_SUBSITES`` (or
    i18n_subsites itself), whose articles the main site now publishes at
    other URLs. ``path`` is the main site's baseline.

    Looked for where language sites keep them: beside ``path``, named for
    their language (``url-baseline.de.json``), and, for the default path in
    ``CACHE_PATH``, in each language's ``CACHE_PATH/LANG``. Only a baseline
    a language site marked with that language counts: another build's (a
    preview's own ``CACHE_PATH`` below this one, another site's baseline
    named for its own languages beside this one, one set aside) is none of
    this site's business, nor one behind a link the build would not write
    through (``link_refused``): planted, it had another site's baseline
    compared with this one's and moved aside.
    """
    # Each candidate with the language its name gives it: a baseline is a
    # language site's only where that site would have kept it.
    candidates = [
        (
            candidate,
            candidate.name[len(path.stem) + 1 : len(candidate.name) - len(path.suffix)],
        )
        for candidate in path.parent.glob(
            f"{glob.escape(path.stem)}.*{glob.escape(path.suffix)}"
        )
    ]
    if path.parent.name == CACHE_FOLDER:
        candidates += [
            (candidate, candidate.parent.parent.name)
            for candidate in path.parent.parent.glob(
                f"*/{CACHE_FOLDER}/{glob.escape(path.name)}"
            )
        ]
    taken = {os.path.abspath(each) for each in (path, *used)}
    return [
        (candidate, named)
        for candidate, named in sorted(candidates)
        if os.path.abspath(candidate) not in taken
        and _own_file(candidate)
        and baseline_language(candidate) == named
    ]


def _own_file(candidate: Path) -> bool:
    """Whether ``candidate`` is a file, and, behind a link, one the build
    would write through (a CI's link to a folder it keeps)."""
    from .manifest import link_refused

    if candidate.is_symlink():
        return link_refused(candidate) is None
    return candidate.is_file()


def holds_baseline(
    path: Path,
    things: Iterable[Entry],
    language: str | None = None,
    urls: Callable[[], Collection[str]] | None = None,
) -> bool:
    """Whether ``path`` holds, byte for byte, the baseline of ``things``
    (as ``write_baseline`` writes it), but for ``released`` entries at the
    end of its list, none of whose URL is one of ``urls()`` (the build's:
    asked only when there are such entries; without it, any makes the
    baseline another).

    The common case, a build with the same things as the last: then no URL
    vanished, and the baseline need be neither parsed nor written again.
    Compared chunk by chunk, never held whole; the released entries, which
    ``next_baseline`` puts last, are read together, and only when the file
    goes on where the things end.
    """
    blocks = (chunk.encode("utf-8") for chunk in _baseline_chunks(things, language))
    try:
        with path.open("rb") as stream:
            for block in blocks:
                got = stream.read(len(block))
                if got == block:
                    continue
                # Only where the list of things ends (its last key) may the
                # file go on, with released entries: nothing more is asked
                # of a build with none. An empty list opens where it ends.
                opens = _RELEASED_AFTER.get(block)
                if opens is None or urls is None or got[:2] != opens:
                    return False
                return _only_released(
                    got + stream.read(), _LIST_END + b"".join(blocks), urls
                )
            return stream.read(1) == b""
    except OSError:
        return False


# How json_lines ends a list that has items.
_LIST_END = b"\n  ]"
# Where json_lines ends the list of things (with items, or none): how the
# file goes on there when released entries follow.
_RELEASED_AFTER = {_LIST_END: b",\n", b"[]": b"[\n"}


def _only_released(
    rest: bytes, closing: bytes, urls: Callable[[], Collection[str]]
) -> bool:
    """Whether ``rest`` (what follows a baseline's last thing) is more
    items of its list, each a ``released`` entry whose URL is not in
    ``urls()``, then ``closing``."""
    if not rest.endswith(closing):
        return False
    try:
        entries = json.loads(b"[" + rest[1 : -len(closing)] + b"]")
    except (ValueError, RecursionError):  # damaged: the slow path says so
        return False
    if not entries or not all(_is_entry(e) and released(e) for e in entries):
        return False
    used = urls()
    return not any(entry["url"] in used for entry in entries)


def next_baseline(
    old: Iterable[Entry],
    new: Iterable[Entry],
    unresolved: Iterable[UrlChange],
    released_entries: Iterable[Entry] = (),
) -> Iterator[Entry]:
    """The baseline to keep after a build, sorted by URL and source, then
    the ``released`` entries (``released_entries``, and those of ``old``
    that an unresolved change keeps), sorted so too.

    The new build's things, except that for every unresolved change the old
    entry stays (and the new URL of that source waits), so that the warning
    repeats until the operator pins or accepts. The new URL is not guarded
    while it waits: pinning the old URL back, as the warning advises, must
    silence the guard, even for a whole site that moved and came back
    (a strict build never publishes the new URL). So too a source that took
    the old URL: its entry is marked ``"unresolved"`` (``waits``), as the
    URL is not its own until the change is accepted; written plainly, the
    baseline gave the URL to both sources, and undoing the change was
    reported as the taker's, on every build. ``new`` must come sorted by
    (url, source); it is passed through, not copied. Released entries go
    last, so that ``holds_baseline`` finds them together.
    """
    unresolved = list(unresolved)
    kept_entries = {(change.old_url, change.source) for change in unresolved}
    held_sources = {change.source for change in unresolved if change.new_url}
    taken = {
        (change.old_url, change.taken_by) for change in unresolved if change.taken_by
    }
    kept = sorted(
        (entry for entry in old if (entry["url"], entry["source"]) in kept_entries),
        key=_by_url,
    )
    return itertools.chain(
        heapq.merge(
            (entry for entry in kept if not released(entry)),
            _with_takers_waiting(new, held_sources, taken),
            key=_by_url,
        ),
        sorted(
            [*(entry for entry in kept if released(entry)), *released_entries],
            key=_by_url,
        ),
    )


def _by_url(entry: Entry) -> tuple[str, str]:
    return entry["url"], entry["source"]


def released_entry(entry: Entry) -> dict[str, Any]:
    """``entry`` marked ``released``: its thing URL let go."""
    return {**entry, _RELEASED: True}


def released(entry: Entry) -> bool:
    """Whether a baseline entry is a thing URL that FLATTR_ACCEPT_URL_CHANGES
    let go while no thing of the build had it (a deleted article's, or one
    whose URL changed): its last source and owner, which Flattr keeps for
    the thing at that URL.

    Never compared as a thing of the last build: the URL was accepted. But
    a source that has it later, with another owner, gives its readers'
    flattrs to that owner, which the guard says until accepted again; with
    the same owner it is that source's thing URL, silently.
    """
    return entry.get(_RELEASED) is True


def _with_takers_waiting(
    new: Iterable[Entry],
    held_sources: Collection[str],
    taken: Collection[tuple[str, str]],
) -> Iterator[Entry]:
    """``new`` without the entries of ``held_sources``, and with each
    (url, source) of ``taken`` marked as waiting (see ``waits``)."""
    for entry in new:
        if entry["source"] in held_sources:
            continue
        if (entry["url"], entry["source"]) in taken:
            entry = waiting_entry(entry)
        yield entry


def waiting_entry(entry: Entry) -> dict[str, Any]:
    """``entry`` marked as waiting at its URL (see ``waits``)."""
    return {**entry, _WAITS: True}


def waits(entry: Entry) -> bool:
    """Whether a baseline entry is a URL its source took from another
    source's thing while that change is unresolved (``next_baseline``).

    The URL is still the other source's, so such an entry is never
    compared: the taker giving it up is no change of its own. It still
    makes its source one of the last build's, so that the other source
    deleted later is no move to it.
    """
    return entry.get(_WAITS) is True
