"""What the commands print, escaped for the terminal: lines, tables, JSON
documents, progress bars and usage errors, on stdout and stderr.

Every subcommand prints through these, and ``cli`` ends each run with what
they say of it (``json_run``): whether a ``--json`` document is out, and the
problems a document printed in its place lists. rich is imported only as a
command prints.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import json
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .lazy_regex import lazy_regex

if TYPE_CHECKING:
    from rich.console import Console


@dataclasses.dataclass
class JsonRun:
    """A run of a command given ``--json``: whether its document is out,
    and the usage errors said, which the document printed in its place
    lists (see ``cli._print_missing_document``)."""

    wanted: bool = False
    printed: bool = False
    problems: list[str] = dataclasses.field(default_factory=list)
    # Tokens the command read from a settings file, which a crash's
    # traceback hides as it hides those of the command line and the
    # environment (``cli._crashed``).
    secrets: list[str] = dataclasses.field(default_factory=list)


# The run under way, which ``cli`` starts anew for each command line
# (``start_run``): tests and scripts call its ``main`` more than once in one
# process.
json_run = JsonRun()


def start_run(wants_json: bool) -> None:
    """Forget the last run: no document printed yet, no problem said."""
    global json_run
    json_run = JsonRun(wanted=wants_json)


def usage_error(message: str) -> int:
    """Say what is wrong with the command line or its files; exit status 2.
    With ``--json``, the document printed in place of the command's lists
    it too. An email address in it (a folder named by one, in a path the
    message names), however spelt, is shown as ``[address]``."""
    from .webhook_receiver import redact_all_addresses

    # Here, for every command: one that named a path as given printed the
    # address in it whole.
    message = redact_all_addresses(message)
    print(to_journal(f"pelican-flattr: {shown(message, lines=True)}"), file=sys.stderr)
    json_run.problems.append(message)
    return 2


def stderr_is_journal() -> bool:
    """Whether stderr is the stream systemd connected to its journal: the
    device and inode JOURNAL_STREAM names, as systemd asks a program to
    check before it writes to it as to the journal (a child whose stderr
    was redirected inherits the variable)."""
    try:
        found = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it
        return False
    return os.environ.get("JOURNAL_STREAM") == f"{found.st_dev}:{found.st_ino}"


def journal_priority(level: int) -> str:
    """The syslog priority that journald reads at the start of a line, for
    a line of logging's ``level`` ("<4>" for a warning)."""
    priority = next(p for least, p in _PRIORITIES if level >= least)
    return f"<{priority}>"


# Syslog's priorities (RFC 5424), from the least level that takes each.
_PRIORITIES = (
    (logging.CRITICAL, 2),
    (logging.ERROR, 3),
    (logging.WARNING, 4),
    (logging.INFO, 6),
    (logging.NOTSET, 7),
)


def to_journal(text: str, level: int = logging.ERROR) -> str:
    """``text`` for stderr: each line begun with the journald priority of
    ``level`` when stderr is systemd's journal, which otherwise takes every
    line for information (``journalctl -p err`` found no receiver that
    would not start); as it is elsewhere."""
    return with_priority(text, level) if stderr_is_journal() else text


def with_priority(text: str, level: int) -> str:
    """Each line of ``text`` begun with the journald priority of ``level``
    (none after a last line break, which starts no line)."""
    return _LINE_START.sub(journal_priority(level), text)


# Where a line starts: at the text's start and after each line break, but
# not at its very end.
_LINE_START = lazy_regex(r"^(?!\Z)", re.M)


def print_json(document: Any) -> None:
    """One JSON document on stdout, for scripts."""
    document = _printable(document)
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True)
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except UnicodeEncodeError:
        # A stdout that cannot write a character (PYTHONIOENCODING=ascii, a
        # C locale) gets the document in ASCII: JSON escapes read back the
        # same, where a traceback would leave half a document.
        text = json.dumps(document, indent=2, ensure_ascii=True, sort_keys=True)
    if not text.isascii():
        # JSON escapes only C0 controls: a C1 control (U+009B is CSI), a
        # bidi override or a line separator in a source or URL reached the
        # terminal of whoever reads the document, as text reports never do.
        text = _UNSAFE_IN_JSON.sub(_json_escape, text)
    # Set first: an interrupt while it is written must not print another.
    json_run.printed = True
    _write_all(text + "\n")


def _write_all(text: str) -> None:
    """Write ``text`` to stdout whole, or raise (BrokenPipeError: 141).

    Under ``python -u`` (PYTHONUNBUFFERED) stdout writes straight to the
    file, and one write to a pipe whose reader has just gone can write part
    of the text and report no error: the command would end with 0.
    """
    stream = sys.stdout
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase):
        stream.write(text)
        return
    stream.flush()
    view = memoryview(text.encode(stream.encoding, stream.errors or "strict"))
    while view:  # os.write raises where the raw write would return None
        view = view[os.write(raw.fileno(), view) :]


def _printable(value: Any) -> Any:
    """``value`` with every file name that is not UTF-8 escaped (see
    ``portable_path``): a UTF-8 stdout cannot write it as it is, and would
    stop half-way through a document with a traceback."""
    from .manifest import portable_path

    if isinstance(value, str):
        return portable_path(value)
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(item) for item in value]
    return value


# C0 and C1 control characters and DEL. A terminal, or a CI log that
# renders ANSI escapes, acts on them: a file name of the output holding
# "\x1b[2J" would clear the screen and could print a clean result instead.
# And the characters that make a line read otherwise than it is: the bidi
# marks, overrides and isolates (a name with U+202E shows the rest of the
# line reversed), and the line and paragraph separators.
# Past C0, the ones json.dumps writes as they are (it escapes C0 alone):
# escaped as \uXXXX in a JSON document, the same string to its reader.
_UNSAFE_PAST_C0 = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = r"\x00-\x1f" + _UNSAFE_PAST_C0
_CONTROL = lazy_regex(f"[{_UNSAFE}]")
_UNSAFE_IN_JSON = lazy_regex(f"[{_UNSAFE_PAST_C0}]")
_CONTROL_BUT_NEWLINE = lazy_regex(f"(?!\n)[{_UNSAFE}]")
# A log line keeps its tabs too: Pelican's own messages indent with "\n\t".
_CONTROL_BUT_LAYOUT = lazy_regex(f"(?![\t\n])[{_UNSAFE}]")


def shown(text: str, lines: bool = False) -> str:
    """``text`` as it is printed for people: every control character and
    bidi control escaped (``\\x1b``, ``\\u202e``), as a byte of a file name
    that is not UTF-8 is (``\\xff``, see ``_printable``); line breaks too,
    unless ``lines`` (text of the command's own, in several lines). JSON
    escapes them itself."""
    return _escaped(text, _CONTROL_BUT_NEWLINE if lines else _CONTROL)


def shown_in_log(text: str) -> str:
    """``shown(text, lines=True)`` for a log record's message, whose tabs
    are kept as well."""
    return _escaped(text, _CONTROL_BUT_LAYOUT)


def _escaped(text: str, pattern: re.Pattern[str]) -> str:
    if not text.isascii():  # nearly every text: no call (20,000 rows)
        text = _printable(text)
    if text.isprintable():  # nearly every text: no search
        return text
    return pattern.sub(_escape, text)


def _json_escape(found: re.Match[str]) -> str:
    return f"\\u{ord(found[0]):04x}"


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def console(stderr: bool = False, width: int | None = None) -> Console:
    """A rich Console on stdout (or stderr), for every output of the command;
    ``width`` columns wide, else as wide as the terminal (80 columns when
    the stream is no terminal)."""
    out = _console_class()(stderr=stderr, emoji=False, width=width)
    if width is None and out.width <= 0:
        # rich takes COLUMNS=0 as a width of 0, and prints nothing: every
        # line of a report went missing. As the shell, read it as unset.
        width = shutil.get_terminal_size().columns
    if width is not None:
        # rich keeps 80 columns on a "dumb terminal" (TERM=dumb or unknown,
        # which FORCE_COLOR makes of a CI log) unless told the height too.
        out.size = (width, out.height)
    return out


@functools.cache
def _console_class() -> type[Console]:
    from rich.console import Console  # not before a command prints

    class PipeAwareConsole(Console):
        """rich ends the process with status 1 when its stream is closed
        early, the status by which ``verify`` says Flattr refused an
        identity: this one lets the error through, for ``main`` to end
        with 141 as documented."""

        def on_broken_pipe(self) -> None:
            self.quiet = True  # leaving a Progress must not write again
            raise BrokenPipeError

    return PipeAwareConsole


def _is_a_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # replaced, or closed
        return False


def stdout_is_a_terminal() -> bool:
    """Whether stdout is a terminal, not a log, a pipe or a file. The
    stream itself is asked, not rich's is_terminal, which FORCE_COLOR (set
    by many CI systems for coloured logs) makes true."""
    return _is_a_terminal(sys.stdout)


def counted(count: int, noun: str) -> str:
    """``1 thing``, ``2 things``: a count for people."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def print_line(text: str) -> None:
    """A line for people on stdout, printed as is (rich would otherwise turn
    ``partner:x:1`` into an emoji and colour numbers), through the console
    that ends a command whose reader stopped early with status 141."""
    console().print(
        shown(text, lines=True), markup=False, highlight=False, soft_wrap=True
    )


def print_lines(lines: Iterable[str]) -> None:
    """Lines for a log on stdout, each whole on one line (a line break in
    one is shown escaped) and as written: no table, no padding, no wrap,
    for 20,000 of them to read and grep."""
    _write_lines(shown(line) for line in lines)


def _write_lines(lines: Iterable[str]) -> None:
    """``lines``, already shown, each ended with a line break, written a
    thousand at a time: one write of a 20 MB report would hold it all
    twice."""
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) == 1000:
            _write_all("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        _write_all("\n".join(chunk) + "\n")


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """A table for people on stdout; nothing when there are no rows.

    Printed as rich prints a table whose columns are as wide as their
    widest cells, but a thousand rows at a time: rich's ``Table`` holds
    every row's layout until it prints (660 MB for 96,000 rows).
    """
    if not rows:
        return
    from rich.cells import cell_len

    # Each column as wide as its widest cell, as rich makes it.
    widths = [cell_len(column) for column in columns]
    for row in rows:
        for index, cell in enumerate(_shown_row(row)):
            widths[index] = max(widths[index], cell_len(cell))
    needed = sum(widths) + 3 * len(widths) + 1
    out = console()
    if not stdout_is_a_terminal():
        # A log or a file: folded at 80 columns, no URL or advice ("add
        # 'Flattr_url: ...'") was left whole to copy or to search for. Each
        # row keeps to one line there.
        out = console(width=max(out.width, needed))
    elif needed > out.width:
        # A terminal too narrow for the table folds every cell to its
        # column, URLs and advice included: one block per row instead,
        # each value on a line of its own, which the terminal wraps (a
        # wrapped line copies whole).
        _write_lines(_records(title, columns, rows))
        return
    _print_head(out, title, columns, widths)
    _write_lines(_table_rows(out, rows, widths))


def _shown_row(row: Sequence[Any]) -> list[str]:
    # A cell is one line: a line break in a file name would start a row.
    return [shown(str(cell)) for cell in row]


def _print_head(
    out: Console, title: str, columns: Sequence[str], widths: list[int]
) -> None:
    """The title, the top edge and the header of a table whose columns are
    ``widths`` wide, as rich prints them (centred, styled): a table of no
    rows, less its bottom edge."""
    from rich.segment import Segments
    from rich.table import Table

    head = Table(title=title or None, expand=False)
    for column, width in zip(columns, widths, strict=True):
        head.add_column(column, width=width)
    lines = out.render_lines(head, out.options, pad=False, new_lines=True)
    out.print(Segments(segment for line in lines[:-1] for segment in line))


def _table_rows(
    out: Console, rows: Sequence[Sequence[Any]], widths: list[int]
) -> Iterator[str]:
    """The lines of a table's rows and its bottom edge, drawn with the
    characters rich draws the table's with (ASCII where stdout is). Not
    through rich: cells hold data (claim URLs from web hooks) in which
    "[...]" is no markup."""
    from rich.box import HEAVY_HEAD
    from rich.cells import cell_len

    box = HEAVY_HEAD.substitute(out.options, safe=out.safe_box)
    for index, row in enumerate(rows):
        last = index == len(rows) - 1
        left, divider, right = (
            (box.foot_left, box.foot_vertical, box.foot_right)
            if last
            else (box.mid_left, box.mid_vertical, box.mid_right)
        )
        cells = divider.join(
            f" {cell}{' ' * (width - cell_len(cell))} "
            for cell, width in zip(_shown_row(row), widths, strict=True)
        )
        yield f"{left}{cells}{right}"
    yield box.get_bottom([width + 2 for width in widths])


def _records(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> Iterator[str]:
    """The lines of a table's rows as blocks: the first cell, then each
    other ``column: value``, a blank line between blocks."""
    if title:
        yield from (title, "")
    for index, row in enumerate(rows):
        if index:
            yield ""
        first, *others = _shown_row(row)
        yield first
        for column, cell in zip(columns[1:], others, strict=True):
            yield f"  {column}: {cell}"


@contextlib.contextmanager
def progress(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """Yield ``advance(done, total)``; a progress bar appears on a terminal
    once the work has taken more than a moment."""
    if not enabled or not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.progress import Progress

    started = time.monotonic()
    with Progress(console=console(stderr=True), transient=True) as bar:
        task = None

        def advance(done: int, total: int) -> None:
            nonlocal task
            if task is None:
                if time.monotonic() - started < 0.5:
                    return
                task = bar.add_task(label, total=total)
            bar.update(task, completed=done, total=total)

        yield advance
