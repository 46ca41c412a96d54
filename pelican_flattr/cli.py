"""The ``pelican-flattr`` command: one subcommand per job, each in its own module.
This module parses the command line and runs the command; what the commands
print is ``terminal``'s.

Every subcommand module exposes ``add_command(subparsers)``, which adds its
parser and sets ``handler`` to a function taking the parsed arguments and
returning the exit status: 0 on success, 1 when problems were found, 2 for a
usage error, 130 when interrupted (Ctrl-C), 143 when stopped by SIGTERM, 141
when stdout was closed early (as by ``| head``), 70 when a bug of
pelican-flattr stopped it (an unexpected exception), and other codes as each
subcommand documents.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import re
import shlex
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NoReturn

from . import terminal

# The exit statuses of a command stopped by a signal: 128 and the signal's
# number, as a shell reports a process the signal ended.
EXIT_INTERRUPTED = 130  # SIGINT: Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM: timeout(1), systemd, a job scheduler
# An exception nothing expected: a bug of pelican-flattr. EX_SOFTWARE of
# sysexits.h, as 1 says problems found (audit, diff) or a refusal by Flattr
# (verify), which a script would act on.
EXIT_CRASHED = 70


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is as Ctrl-C raises
    KeyboardInterrupt: every ``except KeyboardInterrupt`` of the commands
    stops on it as on Ctrl-C (``verify`` says what it recorded, a --json
    document is printed), and the command ends with 143, not 130."""


def interrupted_status(interrupt: KeyboardInterrupt) -> int:
    """The exit status of a command stopped by ``interrupt``: 143 for
    SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(interrupt, Terminated) else EXIT_INTERRUPTED


# Modules that contribute a subcommand, in the order --help lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "pelican_flattr.audit_command",
    "pelican_flattr.diff_command",
    "pelican_flattr.verify",
    "pelican_flattr.webhook_command",
)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors never repeat a secret.

    argparse quotes what it could not parse: ``--tokne SECRET`` (a typo) or
    ``--t=SECRET`` (an abbreviation that is ambiguous) would put a token on
    a terminal or in a CI log. Subparsers are made of the same class.
    """

    hidden: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        note = ""
        if message.startswith(prefix):
            # Arguments nothing expected, such as a token pasted without its
            # option ("serve SECRET", "-- token SECRET"), or the rest of a
            # path that holds spaces: what cannot be a token is shown, to
            # say what went wrong, and no value that may be one.
            words = message[len(prefix) :].split(" ")
            shown, note = self._extras_shown(words)
            message = prefix + shown
        # "pelican-flattr SECRET": argparse quotes it as an invalid command.
        message = _INVALID_CHOICE.sub(_choice_shown, message)
        # "-hSECRET", "--json=SECRET": a flag given a value, which argparse
        # quotes; a flag's value is never worth showing.
        message = _IGNORED_VALUE.sub("ignored explicit argument '[hidden]'", message)
        # The note after the secrets are hidden: a one-letter secret ("a")
        # would otherwise be hidden in its words too.
        message = _without_secrets(message, self.hidden) + note
        # A value an option's type refused ("--limit carol@example.org")
        # is quoted as given: no address reaches the terminal or a log.
        from .identifiers import redact_every_address

        message = redact_every_address(message)
        terminal.json_run.problems.append(message)
        super().error(message)

    def _extras_shown(self, words: Sequence[str]) -> tuple[str, str]:
        """The unrecognized ``words`` as a usage error shows them, each
        that may be a token as "[hidden]"; and the note that says how many
        are hidden and why, and what may have split a path."""
        from .identifiers import redact_every_address

        shown = [_extra_shown(word, self.hidden) for word in words]
        note = ""
        hidden = shown.count("[hidden]")
        if hidden:
            note = (
                " (1 extra argument, not shown as it may be a secret)"
                if hidden == 1
                else f" ({hidden} extra arguments, not shown as one may be a secret)"
            )
        # Words where an option was expected, after the command's own
        # arguments: most often the rest of an unquoted path ("audit my
        # site/output" passes "my" and "site/output").
        takes_paths = any(
            not action.option_strings
            and not isinstance(action, argparse._SubParsersAction)
            for action in self._actions
        )
        # A hidden word with a "/" may be the rest of such a path too.
        pieces_of_paths = all(
            "/" in word
            for word, said in zip(words, shown, strict=True)
            if said == "[hidden]"
        )
        if (
            takes_paths
            and pieces_of_paths
            and not any(word.startswith(tuple(_DASHES)) for word in words)
        ):
            note += "; quote a path that holds spaces"
        # An address percent-encoded or as a character reference too: a
        # --json report's reader may show the text in a page.
        return redact_every_address(" ".join(shown)), note

    def _print_message(self, message: str, file: IO[str] | None = None) -> None:
        # argparse drops an error writing --help, and the command would end
        # with 0 and no help: it goes to _run, which says it (141 for a
        # reader gone, 2 for a full disk), as for any other output.
        if message and file is not None and file is sys.stdout:
            file.write(message)
            return
        # Only a usage error goes to stderr: under systemd, an error's.
        super()._print_message(terminal.to_journal(message), file)


# What an option's name looks like; a token can start with "-" too
# (secrets.token_urlsafe), but is longer.
_OPTION_NAME = re.compile(r"(?:-|--|[\u2014\u2013\u2010\u2212])[A-Za-z][\w-]{0,19}")
# What argparse quotes with %r: in single quotes, or in double quotes when
# the text holds one, up to the list of choices or the end of the message.
_INVALID_CHOICE = re.compile(r"invalid choice: (.*?)(?= \(choose from |$)")
_IGNORED_VALUE = re.compile(r"ignored explicit argument .*")


# How long a secret is, at least, to be hidden inside a word of a crash's
# traceback: the web hook token's rule asks for more, an OAuth token has
# more, and a short value ("a") could be part of any word.
_LONG_SECRET = 16


def _without_secrets(text: str, secrets: Sequence[str]) -> str:
    """``text`` with each of ``secrets`` shown as ``[hidden]``, where it
    stands whole, as argparse or Python quotes it: a short value ("a") must
    not turn every "a" of the text into "[hidden]"."""
    for secret in secrets:
        whole = rf"(?<![^\s'=]){re.escape(secret)}(?![^\s',])"
        text = re.sub(whole, "[hidden]", text)
    return text


# A run of a token's characters as long as a secret is, at least: a
# bearer token (api._TOKEN_CHARS) or a web hook token holds one. "/" and
# "." do not count, so that a path ("site/output", "flattr-manifest.json")
# shows, as does a number or any short word.
_TOKEN_RUN = re.compile(rf"[A-Za-z0-9_~+=-]{{{_LONG_SECRET},}}")


def _extra_shown(word: str, secrets: Sequence[str]) -> str:
    """An unrecognized argument as a usage error shows it: an option's name
    (its value hidden), a word that cannot be a token as it is, and
    "[hidden]" for one that may be, or that was given to an option that
    may be --token (``secrets``), or is a token of the environment's."""
    if word in secrets or word in _environment_tokens():
        return "[hidden]"
    name, equals, _ = word.partition("=")
    if _OPTION_NAME.fullmatch(name):
        return f"{name}=[hidden]" if equals else name
    if _TOKEN_RUN.search(word):
        return "[hidden]"
    # A bearer token may hold "/" and "." (RFC 6750): one made only of its
    # characters, as long as a secret is, is shown only as the path it is.
    if (
        len(word) >= _LONG_SECRET
        and _BEARER_WORD.fullmatch(word)
        and not os.path.lexists(word)
    ):
        return "[hidden]"
    return word


# A word made only of a bearer token's characters (api._TOKEN_CHARS).
_BEARER_WORD = re.compile(r"[A-Za-z0-9._~+/-]+=*")


def _environment_tokens() -> set[str]:
    """The tokens of the environment the commands read (FLATTR_TOKEN,
    FLATTR_WEBHOOK_TOKEN) and those a --json run keeps hidden."""
    return {
        *filter(None, map(os.environ.get, _TOKEN_VARIABLES)),
        *terminal.json_run.secrets,
    }


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


def _command_names(parser: argparse.ArgumentParser) -> str:
    """The commands ``parser`` knows, as a message lists them."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return ", ".join(action.choices)
    return ""


def _version() -> str:
    """``pelican-flattr VERSION``, as installed: the one place it is kept is
    pyproject.toml, which the package's metadata carries."""
    # Imported here: it takes as long as the rest of this module's imports,
    # before main() runs, a moment in which Ctrl-C is a traceback still.
    import importlib.metadata

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
    with (
        _stderr_or_nowhere(),
        _stdout_escapes_what_it_cannot_write(),
        _sigterm_interrupts(),
    ):
        return _run(argv)


@contextlib.contextmanager
def _stderr_or_nowhere() -> Iterator[None]:
    """While a command runs started with stderr closed (``2>&-``), its
    messages go nowhere: Python's ``print(file=None)`` writes to stdout,
    where they corrupted a --json document and a report, and
    ``sys.stderr.isatty()`` ended a command in a traceback. Started with a
    stderr that cannot be written (``2>/dev/full``), they go nowhere once
    it fails: the error of a message about an error ended the command with
    status 1, and without the --json document."""
    stderr = sys.stderr
    if stderr is not None:
        wrapped = sys.stderr = _StderrOrNowhere(stderr)
        try:
            yield
        finally:
            sys.stderr = stderr
            wrapped.close_nowhere()
        return
    with open(os.devnull, "w", encoding="utf-8") as nowhere:
        sys.stderr = nowhere
        try:
            yield
        finally:
            sys.stderr = None


class _StderrOrNowhere:
    """``stream`` (stderr), which gives way to os.devnull at its first
    write that fails: the command's messages are not worth its exit status
    and its --json document. All else is the stream's own until then, and
    os.devnull's after (``isatty()`` is False: no progress bar)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._nowhere: IO[str] | None = None

    def write(self, text: str) -> int:
        try:
            self._stream.write(text)
        except OSError:
            self._give_up()
        return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            self._give_up()

    def _give_up(self) -> None:
        # Closed, the stream drops what its buffer holds: flushed again as
        # Python exits, it would fail again and make the exit status 120.
        with contextlib.suppress(OSError, ValueError):
            self._stream.close()
        # Closed by close_nowhere(), when the command ends.
        self._nowhere = self._stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

    def close_nowhere(self) -> None:
        """Close os.devnull, where the messages went once stderr failed."""
        if self._nowhere is not None:
            self._nowhere.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While a command runs, SIGTERM stops it as Ctrl-C does (see
    ``Terminated``), and the signal's own handling is back afterwards.

    timeout(1), systemd and job schedulers stop a command with SIGTERM,
    whose default ends the process at once: no line on stderr, no --json
    document, and ``verify`` did not say which identities it had recorded.
    A SIGTERM ignored by whoever started the command, or handled by a
    program that calls main(), is left so; ``webhook serve`` sets its own.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield  # Python sets a signal's handler in the main thread alone
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated


@contextlib.contextmanager
def _stdout_escapes_what_it_cannot_write() -> Iterator[None]:
    """While a command runs, a character stdout cannot encode is written as
    a backslash escape (``\\xe9``), and stdout's own error handler is back
    afterwards.

    An author's name, a claim URL or an error description from Flattr may
    hold any character, and a stdout that cannot write one
    (PYTHONIOENCODING=ascii, a C locale) would end the command half-way with
    a traceback: ``verify`` would stop a batch before its remaining
    identities were sent, and exit with 1, which says Flattr refused one.
    """
    stdout = sys.stdout
    errors = getattr(stdout, "errors", None)
    if errors in _NEVER_RAISE or not hasattr(stdout, "reconfigure"):
        yield
        return
    stdout.reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        # A caller that runs main() in its own process keeps its stdout as
        # it was; a stdout already closed or gone (``| head``) is left alone.
        with contextlib.suppress(OSError, ValueError):
            stdout.reconfigure(errors=errors)


# The error handlers that write every character somehow, and never raise.
# Any other raises for a character its encoding lacks: "strict", and also
# "surrogateescape", which Python gives stdout in a C or POSIX locale
# without UTF-8 mode (LC_ALL=C PYTHONUTF8=0, as cron may run a command), and
# which writes back only the bytes a file name could not decode.
_NEVER_RAISE = frozenset(
    {"backslashreplace", "replace", "xmlcharrefreplace", "namereplace", "ignore"}
)


def _run(argv: Sequence[str] | None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    # Read from the words alone until the parser is made: making it imports
    # every command's module, a moment in which Ctrl-C may come too, and a
    # script that asked for a document still reads one.
    terminal.start_run(wants_json=_asks_for_json(None, arguments))
    # Until the parser tells the options apart: every option's value, which
    # a report of a crash as the parser is made must not show.
    _Parser.hidden = _secrets_in(arguments, frozenset())
    try:
        try:
            status = _parse_and_run(argv, arguments)
        except KeyboardInterrupt as interrupt:
            # At any moment: as the parser is made, as the command works or
            # as its help is written.
            status = _interrupted(interrupt)
        except OSError:
            raise  # one of stdout's, said below
        except Exception as error:
            status = _crashed(error, arguments)
        _print_missing_document(status)
        sys.stdout.flush()  # so that a closed pipe shows here, not at exit
        return status
    except KeyboardInterrupt as interrupt:  # again, as the document was written
        return _interrupted(interrupt)
    except BrokenPipeError:
        # The reader has gone (``| head``): stop quietly, as a filter does.
        _drop_unwritten_output()
        return 141  # 128 + SIGPIPE, as the shell reports a process it killed
    except OSError as error:
        # Stdout itself (a full disk), or an error that names no file: one
        # line that says it, not a traceback. (_status_of says those of a
        # file the command needs, before the --json document.)
        status = terminal.usage_error(_describe_os_error(error))
        try:
            sys.stdout.flush()
        except OSError:  # stdout's own error, which the flush meets again
            _drop_unwritten_output()
        return status


def _parse_and_run(argv: Sequence[str] | None, arguments: list[str]) -> int:
    """Parse ``arguments`` (``argv`` as given to ``main``) and run the
    command they name; its exit status. ``_run`` prints the document a run
    given ``--json`` did not print."""
    parser = build_parser()
    _Parser.hidden = _secrets_in(arguments, _option_names(parser))
    terminal.json_run.wanted = _asks_for_json(parser, arguments)
    if (
        terminal.json_run.wanted
        and _command_word(arguments) is None
        and not {"-h", "--help", "--version"} & set(_before_separator(arguments))
    ):
        # argparse would call --json itself the mistake ("unrecognized
        # arguments: --json"), where the command is what is missing.
        return terminal.usage_error(
            f"a command is needed before --json: one of {_command_names(parser)}"
        )
    arguments = _json_after_command(parser, arguments)
    try:
        args, extra = parser.parse_known_args(arguments)
        if extra:
            # Said with the usage of the command named before the first of
            # them (`audit DIR --bogus`), as argparse says a missing
            # argument: the top-level usage named no option of the command,
            # and "--bogus audit" is the top level's mistake.
            first = arguments.index(extra[0]) if extra[0] in arguments else None
            before = arguments[:first]
            _command_parser(parser, before).error(
                f"unrecognized arguments: {' '.join(extra)}"
            )
    except SystemExit as stop:
        # argparse printed --help (status 0) or said a usage error: a
        # stdout that cannot take the help is said here, as for any other
        # output; the flush at exit would fail without a word.
        if stop.code != 0:
            _print_missing_document(2)
        sys.stdout.flush()
        raise
    terminal.json_run.wanted = bool(getattr(args, "json", False))
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return _status_of(handler, args)


def _interrupted(interrupt: KeyboardInterrupt) -> int:
    """Say that the command was interrupted, and by SIGTERM when it was;
    its exit status (see ``interrupted_status``)."""
    by = " by SIGTERM" if isinstance(interrupt, Terminated) else ""
    print(f"pelican-flattr: interrupted{by}", file=sys.stderr)
    return interrupted_status(interrupt)


def _crashed(error: Exception, arguments: Sequence[str]) -> int:
    """Say that a bug of pelican-flattr stopped the command, with what a
    report of it needs: the version, the command line and the traceback,
    an email address in them shown as ``[address]`` and a token as
    ``[hidden]``; exit status 70. With ``--json``, the document printed in
    place of the command's lists the first line."""
    from .webhook_receiver import redact_all_addresses

    # A token given to the command line, or in the environment, which an
    # exception's message may repeat.
    secrets = [
        *_Parser.hidden,
        *filter(None, map(os.environ.get, _TOKEN_VARIABLES)),
        *terminal.json_run.secrets,
    ]
    # Each argument alone, where a secret stands whole ("--token=SECRET").
    shown = [_without_secrets(argument, secrets) for argument in arguments]
    command = shlex.join(["pelican-flattr", *shown])
    said = (
        f"a bug of {_version()} stopped the command: report it to "
        f"pelican-flattr's maintainers, with the command ({command}) and "
        "the traceback below"
    )
    trace = "".join(traceback.format_exception(error)).rstrip("\n")
    trace = _without_secrets(redact_all_addresses(trace), secrets)
    for secret in secrets:
        # A token inside a word ("/hooks/TOKEN" in a URL): one this long
        # stands for nothing else wherever it is found.
        if len(secret) >= _LONG_SECRET:
            trace = trace.replace(secret, "[hidden]")
    said = terminal.shown(redact_all_addresses(said))
    print(
        terminal.to_journal(
            f"pelican-flattr: {said}\n{terminal.shown(trace, lines=True)}"
        ),
        file=sys.stderr,
    )
    terminal.json_run.problems.append(said)
    return EXIT_CRASHED


# The environment variables that hold a token: verify's and webhook serve's
# (verify.TOKEN_ENV, webhook_command.TOKEN_ENV; a crash may come before
# their modules are imported).
_TOKEN_VARIABLES = ("FLATTR_TOKEN", "FLATTR_WEBHOOK_TOKEN")


def _status_of(handler: Callable[[argparse.Namespace], int], args: Any) -> int:
    """The exit status of the command: what ``handler`` returns, or 2 when
    a file it needs was refused in a way its own checks did not foresee (a
    folder it may not enter, a name too long); an error of stdout itself is
    raised, as no document can follow it, and so is Ctrl-C."""
    try:
        return handler(args)
    except OSError as error:
        if error.filename is None or isinstance(error, BrokenPipeError):
            raise  # stdout's own: a full disk, a reader that has gone
        return terminal.usage_error(_describe_os_error(error))


def _asks_for_json(
    parser: argparse.ArgumentParser | None, arguments: Sequence[str]
) -> bool:
    """Whether ``arguments`` give ``--json`` (or an abbreviation argparse
    takes for it) to a command that takes it, or with no known command (a
    mistyped one, none at all): read before argparse, whose usage errors
    end such a run with a document too. A script that asked for one reads
    it whatever the command line it was given. Without ``parser`` (not made
    yet), any command is taken to take it."""
    words = _before_separator(arguments)
    command = _command_word(arguments)
    chosen = None
    for action in parser._actions if parser is not None else ():
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(command or "")
    if chosen is not None and "--json" not in _option_names(chosen):
        return False  # a command without one (webhook) prints no document
    return any(
        len(name) > 2 and "--json".startswith(name)
        for name in (word.partition("=")[0] for word in words)
    )


def _json_after_command(
    parser: argparse.ArgumentParser, arguments: list[str]
) -> list[str]:
    """``arguments`` with a ``--json`` given before the command's word
    (``pelican-flattr --json audit out``) moved after it, where argparse
    reads it: every command that prints a document takes it, and the place
    of a flag is no reason to refuse the run."""
    command = _command_word(arguments)
    if command is None or "--json" not in _option_names(
        _command_parser(parser, [command])
    ):
        return arguments
    at = arguments.index(command)
    before = arguments[:at]
    flags = [
        word
        for word in before
        if len(word) > 2 and "--json".startswith(word) and "=" not in word
    ]
    if not flags:
        return arguments
    rest = [word for word in before if word not in flags]
    return [*rest, command, *flags, *arguments[at + 1 :]]


def _before_separator(arguments: Sequence[str]) -> list[str]:
    """``arguments`` up to a ``--``, after which none is an option."""
    words = list(arguments)
    return words[: words.index("--")] if "--" in words else words


def _command_parser(
    parser: argparse.ArgumentParser, arguments: Sequence[str]
) -> argparse.ArgumentParser:
    """The parser of the command ``arguments`` name (``webhook serve``'s,
    within ``webhook``'s), as deep as their words name one; ``parser``
    where they name none."""
    for word in _before_separator(arguments):
        commands = next(
            (
                action.choices
                for action in parser._actions
                if isinstance(action, argparse._SubParsersAction)
            ),
            {},
        )
        if word in commands:
            parser = commands[word]
    return parser


def _command_word(arguments: Sequence[str]) -> str | None:
    """The word of ``arguments`` that names the command, known or not: the
    first that is no option; None when there is none."""
    return next(
        (w for w in _before_separator(arguments) if not w.startswith("-")), None
    )


def _print_missing_document(status: int) -> None:
    """With ``--json``, the document of a run that printed none (a usage
    error, Ctrl-C, a bug), in the shape of verify's: ``exit_status``, the
    ``problems`` said on stderr, and ``"interrupted": true`` after Ctrl-C.
    A script reads one document on stdout however the command ends; after
    SIGTERM, ``"interrupted": true`` too, with ``exit_status`` 143."""
    run = terminal.json_run
    if not run.wanted or run.printed:
        return
    document: dict[str, Any] = {
        "ok": status == 0,
        "exit_status": status,
        "problems": list(run.problems),
    }
    if status in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        document["interrupted"] = True
    terminal.print_json(document)


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


if __name__ == "__main__":
    sys.exit(main())
