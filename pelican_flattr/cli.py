"""The ``pelican-flattr`` command: one subcommand per job, each in its own module.

Every subcommand module exposes ``add_command(subparsers)``, which adds its
parser and sets ``handler`` to a function taking the parsed arguments and
returning the exit status: 0 on success, 1 when problems were found, 2 for a
usage error, 130 when interrupted, 141 when stdout was closed early (as by
``| head``), and other codes as each subcommand documents.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import functools
import importlib
import importlib.metadata
import io
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

# Modules that contribute a subcommand, in the order --help lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "pelican_flattr.audit_command",
    "pelican_flattr.diff_command",
    "pelican_flattr.verify",
    "pelican_flattr.webhook_command",
)


@dataclasses.dataclass
class _JsonRun:
    """A run of a command given ``--json``: whether its document is out,
    and the usage errors said, which the document printed in its place
    lists (see ``_print_missing_document``)."""

    wanted: bool = False
    printed: bool = False
    problems: list[str] = dataclasses.field(default_factory=list)


_json_run = _JsonRun()


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors never repeat a secret.

    argparse quotes what it could not parse: ``--tokne SECRET`` (a typo) or
    ``--t=SECRET`` (an abbreviation that is ambiguous) would put a token on
    a terminal or in a CI log. Subparsers are made of the same class.
    """

    hidden: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            # Arguments nothing expected, such as a token pasted without its
            # option ("serve SECRET", "-- token SECRET"): the options among
            # them are shown, to say what went wrong, and no value.
            words = message[len(prefix) :].split(" ")
            message = prefix + " ".join(_option_only(word) for word in words)
        # "pelican-flattr SECRET": argparse quotes it as an invalid command.
        message = _INVALID_CHOICE.sub(_choice_shown, message)
        # "-hSECRET", "--json=SECRET": a flag given a value, which argparse
        # quotes; a flag's value is never worth showing.
        message = _IGNORED_VALUE.sub("ignored explicit argument '[hidden]'", message)
        for secret in self.hidden:
            # Only where argparse quotes it whole: a short value ("a") must
            # not turn every "a" of the message into "[hidden]".
            whole = rf"(?<![^\s'=]){re.escape(secret)}(?![^\s',])"
            message = re.sub(whole, "[hidden]", message)
        _json_run.problems.append(message)
        super().error(message)

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        # argparse drops an error writing --help, and the command would end
        # with 0 and no help: it goes to _run, which says it (141 for a
        # reader gone, 2 for a full disk), as for any other output.
        if message and file is not None and file is sys.stdout:
            file.write(message)
            return
        super()._print_message(message, file)


# What an option's name looks like; a token can start with "-" too
# (secrets.token_urlsafe), but is longer.
_OPTION_NAME = re.compile(r"(?:-|--|[\u2014\u2013\u2010\u2212])[A-Za-z][\w-]{0,19}")
# What argparse quotes with %r: in single quotes, or in double quotes when
# the text holds one, up to the list of choices or the end of the message.
_INVALID_CHOICE = re.compile(r"invalid choice: (.*?)(?= \(choose from |$)")
_IGNORED_VALUE = re.compile(r"ignored explicit argument .*")


def _option_only(word: str) -> str:
    """An unrecognized argument as a usage error shows it: an option's name
    (its value hidden), and nothing of a value."""
    name, equals, _ = word.partition("=")
    if not _OPTION_NAME.fullmatch(name):
        return "[hidden]"
    return f"{name}=[hidden]" if equals else name


def _choice_shown(found: re.Match[str]) -> str:
    """A mistyped command is short and worth showing; a secret is not."""
    shown = re.fullmatch(r"'[\w-]{1,20}'", found[1])
    return found[0] if shown else "invalid choice: '[hidden]'"


# What people write for "--": the ASCII hyphen, and the dashes a document or
# a word processor puts in its place (em, en, hyphen, minus), which argparse
# takes for no option at all.
_DASHES = "-\u2014\u2013\u2010\u2212"


def _secrets_in(argv: Sequence[str], known: frozenset[str]) -> tuple[str, ...]:
    """The values in ``argv`` that may be secrets: the value given to what
    argparse could take for ``--token`` (an abbreviation such as ``--tok``),
    and to anything written as an option that is not in ``known``: a
    misspelling (``--tokne``), one dash (``-token``) or a dash pasted from a
    document (``\u2014token``). The values of known options, such as
    ``--timeout abc``, stay shown."""
    secrets = []
    for index, argument in enumerate(argv):
        if not argument.startswith(tuple(_DASHES)) or argument in ("-", "--"):
            continue
        name, equals, value = argument.partition("=")
        # argparse takes a long option's unique abbreviation for it.
        means = [option for option in known if option.startswith(name)]
        if len(name) > 2 and "--token" in means:
            pass  # the token, or an abbreviation that may stand for it
        elif name in known or (name.startswith("--") and len(means) == 1):
            continue
        if equals:
            secrets.append(value)
        elif index + 1 < len(argv):
            secrets.append(argv[index + 1])
    # The longest first, so that a secret holding another is hidden whole.
    return tuple(sorted({s for s in secrets if s}, key=len, reverse=True))


def _option_names(parser: argparse.ArgumentParser) -> frozenset[str]:
    """Every option string (``--token``, ``-h``) of ``parser`` and of its
    subcommands."""
    names: set[str] = set()
    for action in parser._actions:
        names.update(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                names |= _option_names(subparser)
    return frozenset(names)


def row_limit(value: str) -> int:
    """``--limit``'s value (audit's, diff's): a count of rows, 0 or more."""
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of rows (0 or more)"
        )
    return limit


def path_argument(value: str) -> str:
    """A command's file or folder argument: an empty one (a variable left
    unset in ``--manifest "$MANIFEST"``) would quietly mean the folder the
    command runs in, and the message would name "." instead of the option.
    """
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty: give a path")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The whole command line, with every subcommand registered."""
    parser = _Parser(
        prog="pelican-flattr",
        description="Tools for the Flattr things of a Pelican site.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(subparsers)
    return parser


def _version() -> str:
    """``pelican-flattr VERSION``, as installed: the one place it is kept is
    pyproject.toml, which the package's metadata carries."""
    try:
        return f"pelican-flattr {importlib.metadata.version('pelican-flattr')}"
    except importlib.metadata.PackageNotFoundError:
        # Imported from a source tree that was never installed.
        return "pelican-flattr (version unknown: not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    if sys.stdout is None:
        # Started with stdout closed (``>&-``): Python has no stream to give
        # the command, whose report would be lost, and says so only with a
        # traceback at its first write.
        if sys.stderr is not None:
            print("pelican-flattr: standard output is closed", file=sys.stderr)
        return 2
    with _stdout_escapes_what_it_cannot_write():
        return _run(argv)


@contextlib.contextmanager
def _stdout_escapes_what_it_cannot_write() -> Iterator[None]:
    """While a command runs, a character stdout cannot encode is written as
    a backslash escape (``\\xe9``), and strict encoding is back afterwards.

    An author's name, a claim URL or an error description from Flattr may
    hold any character, and a stdout that cannot write one
    (PYTHONIOENCODING=ascii, a C locale) would end the command half-way with
    a traceback: ``verify`` would stop a batch before its remaining
    identities were sent, and exit with 1, which says Flattr refused one.
    """
    stdout = sys.stdout
    if getattr(stdout, "errors", None) != "strict" or not hasattr(
        stdout, "reconfigure"
    ):
        yield
        return
    stdout.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        # A caller that runs main() in its own process keeps its stdout as
        # it was; a stdout already closed or gone (``| head``) is left alone.
        with contextlib.suppress(OSError, ValueError):
            stdout.reconfigure(errors="strict")


def _run(argv: Sequence[str] | None) -> int:
    global _json_run
    parser = build_parser()
    arguments = sys.argv[1:] if argv is None else list(argv)
    _Parser.hidden = _secrets_in(arguments, _option_names(parser))
    _json_run = _JsonRun(wanted=_asks_for_json(parser, arguments))
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:
            # argparse printed --help (status 0) or said a usage error: a
            # stdout that cannot take the help is said here, as for any other
            # output; the flush at exit would fail without a word.
            if stop.code != 0:
                _print_missing_document(2)
            sys.stdout.flush()
            raise
        _json_run.wanted = bool(getattr(args, "json", False))
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return 2
        status = _status_of(handler, args)
        _print_missing_document(status)
        sys.stdout.flush()  # so that a closed pipe shows here, not at exit
        return status
    except KeyboardInterrupt:
        print("pelican-flattr: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader has gone (``| head``): stop quietly, as a filter does.
        _drop_unwritten_output()
        return 141  # 128 + SIGPIPE, as the shell reports a process it killed
    except OSError as error:
        # Stdout itself (a full disk), or an error that names no file: one
        # line that says it, not a traceback. (_status_of says those of a
        # file the command needs, before the --json document.)
        status = usage_error(_describe_os_error(error))
        try:
            sys.stdout.flush()
        except OSError:  # stdout's own error, which the flush meets again
            _drop_unwritten_output()
        return status


def _status_of(handler: Callable[[argparse.Namespace], int], args: Any) -> int:
    """The exit status of the command: what ``handler`` returns, 130 when
    Ctrl-C stopped it, or 2 when a file it needs was refused in a way its own
    checks did not foresee (a folder it may not enter, a name too long); an
    error of stdout itself is raised, as no document can follow it."""
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("pelican-flattr: interrupted", file=sys.stderr)
        return 130
    except OSError as error:
        if error.filename is None or isinstance(error, BrokenPipeError):
            raise  # stdout's own: a full disk, a reader that has gone
        return usage_error(_describe_os_error(error))


def _asks_for_json(parser: argparse.ArgumentParser, arguments: Sequence[str]) -> bool:
    """Whether ``arguments`` give ``--json`` (or an abbreviation argparse
    takes for it) to a command that takes it: read before argparse, whose
    usage errors end such a run with a document too."""
    words = list(arguments)
    if "--" in words:
        words = words[: words.index("--")]
    command = next((word for word in words if not word.startswith("-")), None)
    chosen = None
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(command or "")
    if chosen is None or "--json" not in _option_names(chosen):
        return False
    return any(
        len(name) > 2 and "--json".startswith(name)
        for name in (word.partition("=")[0] for word in words)
    )


def _print_missing_document(status: int) -> None:
    """With ``--json``, the document of a run that printed none (a usage
    error, Ctrl-C), in the shape of verify's: ``exit_status``, the
    ``problems`` said on stderr, and ``"interrupted": true`` after Ctrl-C.
    A script reads one document on stdout however the command ends."""
    if not _json_run.wanted or _json_run.printed:
        return
    document: dict[str, Any] = {
        "ok": status == 0,
        "exit_status": status,
        "problems": list(_json_run.problems),
    }
    if status == 130:
        document["interrupted"] = True
    print_json(document)


def _drop_unwritten_output() -> None:
    """Point stdout at /dev/null, once it cannot be written: Python flushes
    it again at exit, and would end with "Exception ignored" and status 120
    for what it still holds."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _describe_os_error(error: OSError) -> str:
    from .identifiers import redact_addresses

    where = error.filename
    if where is None and error.errno == errno.ENOSPC:
        # Every file the commands write is named in its error: one without
        # a name is the output they print (stdout on /dev/full, a full disk).
        where = "standard output"
    text = f"{where}: {error.strerror}" if where and error.strerror else str(error)
    return redact_addresses(text)


def usage_error(message: str) -> int:
    """Say what is wrong with the command line or its files; exit status 2.
    With ``--json``, the document printed in place of the command's lists
    it too. An email address in it (a folder named by one, in a path the
    message names), however spelt, is shown as ``[address]``."""
    from .webhook_receiver import redact_all_addresses

    # Here, for every command: one that named a path as given printed the
    # address in it whole.
    message = redact_all_addresses(message)
    print(f"pelican-flattr: {shown(message, lines=True)}", file=sys.stderr)
    _json_run.problems.append(message)
    return 2


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
    # Set first: an interrupt while it is written must not print another.
    _json_run.printed = True
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
_UNSAFE = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_UNSAFE}]")
_CONTROL_BUT_NEWLINE = re.compile(f"(?!\n)[{_UNSAFE}]")
# A log line keeps its tabs too: Pelican's own messages indent with "\n\t".
_CONTROL_BUT_LAYOUT = re.compile(f"(?![\t\n])[{_UNSAFE}]")


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
    text = _printable(text)
    if text.isprintable():  # nearly every text: no search
        return text
    return pattern.sub(_escape, text)


def _escape(found: re.Match[str]) -> str:
    code = ord(found[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def console(stderr: bool = False, width: int | None = None) -> Console:
    """A rich Console on stdout (or stderr), for every output of the command;
    ``width`` columns wide, else as wide as the terminal (80 columns when
    the stream is no terminal)."""
    return _console_class()(stderr=stderr, emoji=False, width=width)


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
    """A line for people on stdout."""
    console().print(
        shown(text, lines=True), markup=False, highlight=False, soft_wrap=True
    )


def print_lines(lines: Iterable[str]) -> None:
    """Lines for a log on stdout, each whole on one line (a line break in
    one is shown escaped) and as written: no table, no padding, no wrap,
    for 20,000 of them to read and grep."""
    # In chunks: one write of a 20 MB report would hold it all twice.
    chunk: list[str] = []
    for line in lines:
        chunk.append(shown(line))
        if len(chunk) == 1000:
            _write_all("\n".join(chunk) + "\n")
            chunk = []
    if chunk:
        _write_all("\n".join(chunk) + "\n")


def print_table(
    title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """A table for people on stdout; nothing when there are no rows."""
    if not rows:
        return
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title or None, show_lines=False, expand=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    # A cell is one line: a line break in a file name would start a row.
    cells = [[shown(str(cell)) for cell in row] for row in rows]
    for row in cells:
        # Text, not markup: cells hold data (claim URLs from web hooks) in
        # which "[...]" must show as written.
        table.add_row(*(Text(cell) for cell in row))
    out = console()
    widest = [
        max(cell_len(line) for cell in cells_of for line in cell.splitlines() or [""])
        for cells_of in zip(columns, *cells, strict=True)
    ]
    needed = sum(widest) + 3 * len(widest) + 1
    if not stdout_is_a_terminal():
        # A log or a file: folded at 80 columns, no URL or advice ("add
        # 'Flattr_url: ...'") was left whole to copy or to search for. Each
        # row keeps to one line there.
        out = console(width=max(out.width, needed))
    elif needed > out.width:
        # A terminal too narrow for the table folds every cell to its
        # column, URLs and advice included: one block per row instead,
        # each value on lines of its own, which the terminal wraps (a
        # wrapped line copies whole).
        _print_records(out, title, columns, cells)
        return
    out.print(table)


def _print_records(
    out: Console, title: str, columns: Sequence[str], cells: list[list[str]]
) -> None:
    """The rows of a table as blocks: the first cell, then each other
    ``column: value``, the value's further lines indented."""
    from rich.text import Text

    lines = [title, ""] if title else []
    for row in cells:
        lines.append(row[0])
        for column, cell in zip(columns[1:], row[1:], strict=True):
            value = "\n    ".join(cell.splitlines())
            lines.append(f"  {column}: {value}")
        lines.append("")
    out.print(Text("\n".join(lines[:-1])), soft_wrap=True)


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


if __name__ == "__main__":
    # As ``python -m pelican_flattr.cli``: the subcommands import
    # pelican_flattr.cli, a module other than this one, which holds the
    # run's state (whether its --json document is out).
    from pelican_flattr.cli import main as imported_main

    sys.exit(imported_main())
