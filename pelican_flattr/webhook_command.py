"""``pelican-flattr webhook serve|token`` and ``pelican-flattr pending``.

``serve`` runs the web hook receiver on waitress, a production-grade
pure-Python WSGI server, on 127.0.0.1 by default (put a TLS-terminating
proxy that buffers requests in front of it for Flattr: see
docs/webhooks.md). ``pending`` is the operator's private
report of what waits for each owner, with the claim URLs to pass on;
for an ``email:`` owner the claim URL only works with the plain address
appended, so that full URL is built here, from the author mapping, and
nowhere else.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import secrets
import select
import signal
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from . import terminal
from .identifiers import (
    EARLIER_FLATTRS,
    IdentifierError,
    Owner,
    holds_at_sign,
    parse_owner_setting,
    unpublished_twitter_id,
)
from .notice import claim_url_problem, read_pending_report
from .settings import SettingsFileError, backslash_warnings, named_sites
from .store import (
    DEFAULT_STORE,
    EMPTY_FILE,
    StoreError,
    configured_store,
    existing_store,
    is_empty_file,
    migrated_notice,
    published_with_site,
    site_settings,
    sqlite_problem,
    store_argument,
)
from .webhook_receiver import (
    MAX_BODY,
    ROUTE_PREFIX,
    TOKEN_PATTERN,
    TOKEN_RULE,
    WebhookApp,
    redact_all_addresses,
)

TOKEN_ENV = "FLATTR_WEBHOOK_TOKEN"
# Seconds waitress keeps a connection that sends nothing, and between its
# looks for such connections: waitress's 120 and 30 let 100 connections
# that never finish a request (its connection_limit) shut out Flattr's
# deliveries for two minutes and more. A delivery is a few hundred bytes,
# sent at once; a slow client is refused sooner. Any byte restarts the
# time, so this only shortens the attack: a buffering proxy in front is
# what stops it (docs/webhooks.md).
CHANNEL_TIMEOUT = 30
CLEANUP_INTERVAL = 10
# waitress's cap on a request body counts the bytes that came, a chunked
# body's chunk-size lines and CRLFs among them: a body of MAX_BODY bytes
# sent in 1-byte chunks is six times that. Its cap leaves room for such
# framing; the receiver refuses a body over MAX_BODY itself, by the length
# waitress hands it once the chunks are joined.
MAX_RAW_BODY = 8 * MAX_BODY
# The waitress options ``serve`` gives the receiver beyond its threads,
# public for a program that runs ``WebhookApp`` under waitress itself
# (docs/webhooks.md): no "Server:" header, no body held past the cap, no
# connection kept idle.
WAITRESS_OPTIONS: dict[str, Any] = {
    "ident": None,
    "max_request_body_size": MAX_RAW_BODY,
    "channel_timeout": CHANNEL_TIMEOUT,
    "cleanup_interval": CLEANUP_INTERVAL,
}
# What ``pending`` shows among an owner's authors when FLATTR_USERNAME,
# the site's own owner, is that owner.
SITE_OWNER = "FLATTR_USERNAME"
STORE_HELP = (
    f"the SQLite store (default: FLATTR_STORE of --settings, else ./{DEFAULT_STORE})"
)


def _settings(path: str | None) -> dict[str, Any]:
    """--settings, read as ``site_settings`` reads them; no settings
    without it. Raises SettingsFileError."""
    return site_settings(path) if path else {}


def _shown(path: object) -> str:
    """A path as these commands print it: a folder may be named by an
    address, which is never shown (as audit, verify and the settings reader
    show such a path: ``[address]/pelicanconf.py``)."""
    return redact_all_addresses(str(path))


def _store_path(
    args: argparse.Namespace, settings: dict[str, Any]
) -> tuple[Path, str | None]:
    """--store, else FLATTR_STORE of --settings (a relative one taken from the
    current folder, as the build takes it), else the default; and the
    settings file when FLATTR_STORE named it, for messages.

    Raises ValueError for a FLATTR_STORE that is not a path.
    """
    if args.store:
        return Path(args.store), None
    configured = configured_store(settings, args.settings) if args.settings else None
    if configured is not None:
        return configured, args.settings
    return Path(DEFAULT_STORE), None


def _store_backslash(settings: dict[str, Any], named_by: str | None) -> str | None:
    """The build's warning (``backslash_warnings``) for a FLATTR_STORE,
    which named ``store``, written with Windows' backslashes and read
    elsewhere: a receiver started with it makes a new store whose name holds
    them, and ``pending`` finds none. None when --store named the store."""
    if named_by is None:
        return None
    warnings = backslash_warnings({"FLATTR_STORE": settings.get("FLATTR_STORE")})
    return f"{_shown(named_by)}: {warnings[0]}" if warnings else None


def _published_with_site(
    args: argparse.Namespace, settings: dict[str, Any], store: Path
) -> str | None:
    """Why ``serve`` refuses ``store``, and ``pending`` warns of it: the
    build calls it an error (``published_with_site``). None when nothing
    is wrong, or no --settings tells where the site goes."""
    if not args.settings:
        return None
    shown = _shown(args.settings)
    return published_with_site(settings, store, shown, option=bool(args.store))


def _int_in(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            message = f"{text!r} is not a whole number"
            raise argparse.ArgumentTypeError(message) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value

    return read


def add_command(subparsers: Any) -> None:
    """Register ``webhook serve``, ``webhook token`` and ``pending``."""
    from .cli import path_argument  # cli is loaded: it asks for this

    webhook = subparsers.add_parser(
        "webhook",
        help="receive Flattr's partner web hooks",
        description="Receive Flattr's partner web hook callbacks.",
    )
    actions = webhook.add_subparsers(dest="webhook_command", metavar="ACTION")
    serve = actions.add_parser(
        "serve",
        help="run the receiver",
        description=(
            "Run the web hook receiver on waitress. Register "
            f"https://YOUR-HOST{ROUTE_PREFIX}TOKEN with Flattr. Stops cleanly "
            "on SIGTERM, SIGHUP and Ctrl-C."
        ),
        epilog=f"The token comes from --token, ${TOKEN_ENV}, or FLATTR_WEBHOOK_TOKEN "
        "in --settings; the store from --store, FLATTR_STORE in --settings, or "
        f"{DEFAULT_STORE} in the current folder. Exit status 2 for a usage error, "
        "70 when a bug of pelican-flattr stopped it.",
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="default: 127.0.0.1; from the internet, reach it through a reverse "
        "proxy that buffers requests (docs/webhooks.md in the repository)",
    )
    serve.add_argument(
        "--port",
        type=_int_in(0, 65535),
        default=8765,
        help="default: 8765; 0 for any free port",
    )
    serve.add_argument(
        "--store",
        metavar="FILE",
        type=store_argument,
        help=STORE_HELP,
    )
    serve.add_argument("--token", help=f"the URL's secret (prefer ${TOKEN_ENV})")
    serve.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help="read FLATTR_WEBHOOK_TOKEN and FLATTR_STORE from this settings file",
    )
    serve.add_argument("--threads", type=_int_in(1, 1024), default=8, help="default: 8")
    serve.set_defaults(handler=run_serve)
    token = actions.add_parser(
        "token",
        help="print a new secret token",
        description="Print a new random token for the web hook URL.",
    )
    token.set_defaults(handler=run_token)
    webhook.set_defaults(handler=lambda args: _usage(webhook))

    pending = subparsers.add_parser(
        "pending",
        help="what waits for each owner to claim (private: holds claim URLs)",
        description=(
            "One row per owner identifier: things with pending flattrs, total "
            "pending flattrs, the latest event and the claim URL, with the "
            "author it belongs to (FLATTR_USERNAME for the site's own owner). "
            "Claim URLs of email owners get the plain address appended, from "
            "FLATTR_AUTHORS or FLATTR_USERNAME: keep this output private."
        ),
        epilog="Exit status: 0, or 2 when the store or settings cannot be read, "
        "70 when a bug of pelican-flattr stopped it, 130 when interrupted "
        "(Ctrl-C), 143 when stopped by SIGTERM.",
    )
    pending.add_argument(
        "--store",
        metavar="FILE",
        type=store_argument,
        help=STORE_HELP,
    )
    pending.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help="the site's settings file: FLATTR_STORE, and FLATTR_AUTHORS and "
        "FLATTR_USERNAME for the authors and the email owners' claim URLs",
    )
    pending.add_argument("--json", action="store_true", help="print JSON for scripts")
    pending.set_defaults(handler=run_pending)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_token(args: argparse.Namespace) -> int:
    """Print a new token."""
    print(new_token())
    return 0


def new_token() -> str:
    """A random token of 43 URL-safe characters that does not start with
    "-": argparse would take such a value of ``--token`` for an option."""
    while True:
        token = secrets.token_urlsafe(32)
        if not token.startswith("-"):
            return token


# A host followed by ":PORT": a name or an IPv4 address (no ":" in it), or
# an IPv6 address in brackets. "::1" alone is an IPv6 address, no port.
_HOST_AND_PORT = re.compile(r"(\[[^\]]*\]|[^:\[\]]*):([0-9]+)")


def _host_problem(host: str) -> str | None:
    """What is wrong with ``--host``, said so that its fix is plain: a
    host with its port, a URL, or none (waitress says "Invalid host/port
    specified." of each). None: it is shaped as a host (it may still not
    resolve)."""
    if not host:
        return (
            "--host is empty: give a host name or address (127.0.0.1, the "
            "default; ::1; * for every address)"
        )
    if "://" in host:
        try:
            parts = urlsplit(host)
            name, port = parts.hostname, parts.port
        except ValueError:  # a port out of range, a bracket left open
            name, port = None, None
        example = f" (--host {name}{f' --port {port}' if port else ''})"
        return (
            f"--host {host} is a URL: --host takes a host name or address, and "
            f"the port goes in --port{example if name else ''}"
        )
    with_port = _HOST_AND_PORT.fullmatch(host)
    if with_port:
        name, port = with_port[1].strip("[]"), with_port[2]
        return (
            f"--host {host} holds a port: give the port in --port "
            f"(--host {name} --port {port})"
        )
    return None


def listen(app: Any, host: str, port: int, **options: Any) -> Any:
    """A waitress server of ``app`` on ``host``, on ``port`` for every
    address the host has (``options`` are waitress's).

    A host of several addresses ("*": 0.0.0.0 and ::) gets a socket on
    each; with ``port`` 0, waitress gives each a free port of its own, and
    a proxy can point at one port only. The first address's port is then
    taken for every address. Raises what waitress raises: ValueError for a
    host that does not resolve, OSError for a port that cannot be had (that
    port taken on another address meanwhile, which is rare: said as any
    port that cannot be had, whose advice is to give one with --port); a
    failed attempt leaves no socket open.
    """
    from waitress import create_server, wasyncore

    def attempt(at: int) -> Any:
        sockets: dict[Any, Any] = {}
        try:
            return create_server(app, map=sockets, host=host, port=at, **options)
        except BaseException:
            # waitress leaves open the sockets of the addresses it bound
            # before the one that failed.
            wasyncore.close_all(sockets, ignore_all=True)
            raise

    server = attempt(port)
    ports = [each for _, each in _listening_on(server)]
    if port != 0 or len(set(ports)) == 1:
        return server
    server.close()
    return attempt(int(ports[0]))


def _url_host(host: str) -> str:
    """``host`` as a URL writes it: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host else host


def _listening_on(server: Any) -> list[tuple[str, str]]:
    """Every (host, port) that a waitress server listens on."""
    # A host that resolves to several addresses ("*", a "localhost" that is
    # 127.0.0.1 and ::1) gets one socket each (waitress gives each a port of
    # its own when --port is 0, which listen undoes), behind a server that
    # has no address of its own.
    effective = getattr(server, "effective_listen", None)
    if effective is None:
        return [(server.effective_host, str(server.effective_port))]
    return [(host, str(port)) for host, port in effective]


class _TokenHidden(logging.Filter):
    """Rewrites a log record's message as the receiver's own lines show a
    path: without the token or email addresses, escaped (``log_line``)."""

    def __init__(self, app: WebhookApp) -> None:
        super().__init__()
        self._app = app

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._app.log_line(record.getMessage())
        record.args = None
        return True


# Seconds between two of waitress's "Task queue depth" warnings: it says
# one of every request that waits for a server thread, before the token is
# checked. 16 clients on 8 threads made 4,950 such lines of 4,800 requests,
# and anyone could fill the log with them.
QUEUE_WARNING_INTERVAL = 60
_QUEUE_DEPTH = re.compile(r"Task queue depth is ([0-9]+)")


class _QueueDepthSaidSeldom(logging.Filter):
    """Lets one of waitress's "Task queue depth is N" warnings through in
    each ``QUEUE_WARNING_INTERVAL`` seconds, with how many it held back
    since the last and the deepest queue they told of, and what to do."""

    def __init__(self, threads: int) -> None:
        super().__init__()
        self._threads = threads
        self._lock = threading.Lock()  # waitress's threads queue tasks too
        self._said: float | None = None
        self._held = 0
        self._deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        depth = _QUEUE_DEPTH.fullmatch(record.getMessage())
        if depth is None:
            return True
        with self._lock:
            now = time.monotonic()
            self._deepest = max(self._deepest, int(depth[1]))
            if self._said is not None and now - self._said < QUEUE_WARNING_INTERVAL:
                self._held += 1
                return False
            held, deepest = self._held, self._deepest
            self._said, self._held, self._deepest = now, 0, 0
        since = (
            f" ({held:,} more such warnings since the last line, the deepest {deepest})"
            if held
            else ""
        )
        record.msg = (
            f"Task queue depth is {depth[1]}{since}: "
            f"every server thread (--threads {self._threads}) is busy and "
            "requests wait; raise --threads if this lasts (said at most once "
            f"every {QUEUE_WARNING_INTERVAL} s)"
        )
        record.args = None
        return True

    def say_held_back(self) -> None:
        """Log, when the server stops, what was held back since the last
        warning said: a burst shorter than ``QUEUE_WARNING_INTERVAL`` would
        otherwise leave only its first warning, of the shallowest queue."""
        with self._lock:
            held, deepest = self._held, self._deepest
            self._held = self._deepest = 0
        if held:
            logging.getLogger("waitress.queue").warning(
                "Task queue depth: %s more such warnings held back since the "
                "last line, the deepest %d: every server thread (--threads %d) "
                "was busy and requests waited; raise --threads if this recurs",
                f"{held:,}",
                deepest,
                self._threads,
            )


class _LogFormat(logging.Formatter):
    """``serve``'s log lines: the time in UTC, as the store writes it
    (``2026-12-06T01:33:35.123Z``), the level, the message. With
    ``journal`` (stderr is systemd's journal), each line begins with its
    syslog priority (``<3>`` for an error), which journald takes as the
    line's and strips: ``journalctl -p warning`` then finds them."""

    # A line and the store's received_at match by eye; a local time was
    # an hour or more off them, with nothing saying so.
    converter = time.gmtime

    def __init__(self, journal: bool = False) -> None:
        super().__init__(
            "%(asctime)s.%(msecs)03dZ %(levelname)s %(message)s", "%Y-%m-%dT%H:%M:%S"
        )
        self._journal = journal

    def format(self, record: logging.LogRecord) -> str:
        """The line (a traceback's too), each under the journal prefixed."""
        text = super().format(record)
        if not self._journal:
            return text
        # journald reads a priority at the start of each line it gets.
        return terminal.with_priority(text, record.levelno)


def log_to_stderr() -> None:
    """Log to stderr as ``serve`` does: each line from INFO up, the
    receiver's line per request among them, in UTC with its level, under
    systemd with its journald priority. For a program that serves the
    receiver itself."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormat(journal=terminal.stderr_is_journal()))
    logging.basicConfig(level=logging.INFO, handlers=[handler])


def prepare_waitress_logs(app: WebhookApp, threads: int = 8) -> None:
    """Have waitress's own log lines hide the token and email addresses,
    as the receiver's own lines do (some name the request's path: "Client
    disconnected while serving /hooks/<token>"), and keep every one of
    them but its "Task queue depth" warnings: one of those a minute, with a
    count of the others and advice for a server of ``threads`` threads.

    Pelican, once imported (to read a settings file), has a logger class
    that gives every logger made afterwards, waitress's among them, a
    filter that drops a message logged before: a second "Client
    disconnected" would leave no line.
    """
    pelican_log = sys.modules.get("pelican.log")
    limit_filter = getattr(pelican_log, "LimitFilter", None)
    for name in ("waitress", "waitress.queue"):
        log = logging.getLogger(name)
        if limit_filter is not None:
            for dropping in [f for f in log.filters if isinstance(f, limit_filter)]:
                log.removeFilter(dropping)
        if not any(isinstance(f, _TokenHidden) for f in log.filters):
            log.addFilter(_TokenHidden(app))
    # Anew for each server, after the token is hidden: what it counts is
    # this server's.
    queue = logging.getLogger("waitress.queue")
    for seldom in [f for f in queue.filters if isinstance(f, _QueueDepthSaidSeldom)]:
        queue.removeFilter(seldom)
    queue.addFilter(_QueueDepthSaidSeldom(threads))


def _token(
    args: argparse.Namespace, settings: dict[str, Any]
) -> tuple[Any, str | None]:
    """The token, without spaces around it, and where it came from, for
    messages (None: nowhere)."""
    token, source = _given_token(args, settings)
    # An env file leaves spaces after a value, and verify drops them around
    # its own token: none is part of a token.
    return (token.strip() if isinstance(token, str) else token), source


def _given_token(
    args: argparse.Namespace, settings: dict[str, Any]
) -> tuple[Any, str | None]:
    if args.token:
        return args.token, "--token"
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV], f"${TOKEN_ENV}"
    if settings.get(TOKEN_ENV):
        if isinstance(settings[TOKEN_ENV], str):
            terminal.json_run.secrets.append(settings[TOKEN_ENV].strip())
        return settings[TOKEN_ENV], f"{TOKEN_ENV} in {_shown(args.settings)}"
    return "", None


def _quotes_on(token: str) -> str | None:
    """What quotes ``token`` has at its ends, as a message says it ("has
    quotes around it: remove them"), when it is a valid token without
    them: an env file that keeps them, or quotes given twice in a shell.
    None otherwise."""
    unquoted = token.strip("'\"").strip()
    if unquoted == token or not TOKEN_PATTERN.fullmatch(unquoted):
        return None
    if token[0] in "'\"" and token[-1] in "'\"":
        return "has quotes around it (it is not shown): remove them"
    end = "start" if token[0] in "'\"" else "end"
    return f"has a quote at its {end} (it is not shown): remove it"


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGTERM, SIGHUP or Ctrl-C."""
    # Spaces around it, as around the token, are no part of a host.
    host = args.host.strip()
    problem = _host_problem(host)
    if problem is not None:
        return terminal.usage_error(problem)
    try:
        settings = _settings(args.settings)
    except SettingsFileError as error:
        return terminal.usage_error(str(error))
    token, source = _token(args, settings)
    if source is None:
        return terminal.usage_error(
            f"a web hook token of {TOKEN_RULE} is needed "
            f"(--token, ${TOKEN_ENV} or {TOKEN_ENV} in --settings); make one with "
            "'pelican-flattr webhook token'"
        )
    quotes = _quotes_on(token) if isinstance(token, str) else None
    if quotes is not None:
        return terminal.usage_error(f"the web hook token from {source} {quotes}")
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return terminal.usage_error(
            f"the web hook token from {source} must be {TOKEN_RULE} (it is not "
            "shown); make one with 'pelican-flattr webhook token'"
        )
    try:
        store, named_by = _store_path(args, settings)
    except ValueError as error:
        return terminal.usage_error(str(error))
    published = _published_with_site(args, settings, store)
    if published is not None:
        # The receiver would go on writing a new store after the next build:
        # every flattr stored so far lost, and not a word said.
        return terminal.usage_error(f"{published}; the receiver does not start")
    app: WebhookApp | None = None
    stopping = threading.Event()  # SIGTERM, SIGHUP or Ctrl-C came
    hurry = threading.Event()  # a second one came

    def receive(environ: Any, start_response: Any) -> Any:
        # The receiver, made once the server listens: waitress serves no
        # request before the loop runs.
        return app(environ, start_response)  # type: ignore[misc]

    try:
        # waitress buffers a whole body (up to 1 GiB by default) before the
        # app sees the request, even for a wrong token. Capped at
        # MAX_RAW_BODY, 8 times the app's own limit (room for chunked
        # framing), a body that large is refused as it arrives; one under
        # it is still buffered whole before the app refuses it.
        server = listen(
            receive,
            host,
            args.port,
            threads=args.threads,
            **WAITRESS_OPTIONS,
        )
    except ValueError:
        # waitress's for a host it cannot resolve (its shape was checked),
        # whose "Invalid host/port specified." says neither.
        return terminal.usage_error(
            f"cannot listen on {host}:{args.port}: --host did not resolve to "
            "an address here: give a host name this machine resolves, or an "
            "address (127.0.0.1, ::1, * for every address)"
        )
    except OSError as error:  # the port taken, an address not this machine's
        return terminal.usage_error(f"cannot listen on {host}:{args.port}: {error}")
    # Only now the store: opening it creates it, and a port already taken
    # would leave behind an empty store, which pending would then read as
    # one holding nothing (rather than as no store at all).
    # Said when it starts: a receiver started in another folder than usual,
    # without --store or --settings, makes an empty store nobody looks in.
    made = not os.path.exists(store)
    # Looked at before the app opens it, which writes its first page.
    empty = is_empty_file(store)
    whole = _shown(os.path.abspath(store))
    try:
        # Said as the other lines of the start are: the log is set up only
        # once the store is open.
        app = WebhookApp(
            store,
            token,
            on_migrate=lambda old: _say(migrated_notice(whole, old), logging.WARNING),
        )
    except StoreError as error:  # the store's folder, permissions, schema
        server.close()
        return terminal.usage_error(error.message(named_by))
    except Exception as error:
        server.close()
        return terminal.usage_error(f"cannot open the store {store}: {error}")
    log_to_stderr()
    prepare_waitress_logs(app, args.threads)

    def stop(signum: int, frame: Any) -> None:
        # A flag, not an exception: raised in the middle of waitress's
        # loop, one would leave a request read but never queued.
        (hurry if stopping.is_set() else stopping).set()

    stopping_on = [signal.SIGTERM, signal.SIGINT]
    hangup = getattr(signal, "SIGHUP", None)  # none on Windows
    if hangup is not None and signal.getsignal(hangup) is signal.SIG_DFL:
        # SIGHUP (kill -HUP, as a log rotation sends it to reopen logs this
        # receiver does not keep) ended it at once, dropping the requests
        # it had received: it stops as on SIGTERM. One ignored (nohup) is
        # left ignored.
        stopping_on.append(hangup)
    # Put back once it has stopped: a program that called main() kept
    # handlers that only set this run's flag, and Ctrl-C did nothing.
    handlers = {number: signal.signal(number, stop) for number in stopping_on}
    urls = " and ".join(
        f"http://{_url_host(host)}:{port}{ROUTE_PREFIX}***"
        for host, port in _listening_on(server)
    )
    which = f"a new, empty store made at {whole}" if made else f"store {whole}"
    _say(f"listening on {urls} ({which})")
    backslash = _store_backslash(settings, named_by)
    if backslash is not None:
        _say(backslash, logging.WARNING)
    if empty:
        _say(f"store {whole} was {EMPTY_FILE}", logging.WARNING)
    try:
        serve_until(server, stopping, hurry)
    finally:
        close_sockets(server)
        # Closed here, not as the process ends: a store replaced meanwhile
        # must not keep the journal of the file it replaced beside it.
        app.close()
        for number, handler in handlers.items():
            signal.signal(number, handler)
    _say("stopped")
    return 0


# Seconds a stop takes at most, from the signal to closing the sockets:
# the requests received are answered in them (a delivery waiting for the
# store's lock is answered within its busy timeout, 10 s). What is still
# queued then is dropped, as waitress drops it.
STOP_GRACE = 15
# Seconds between two looks at whether to stop, while serving.
_STOP_CHECK = 0.2


def _holds_bytes(request: Any) -> bool:
    """Whether waitress's parser ``request`` has read any byte of a
    request: blank lines before a request line are none (RFC 9112 has a
    server ignore them), though waitress begins a request for them."""
    return (
        request.completed
        or request.body_rcv is not None
        or bool(request.header_plus.lstrip())
    )


def _say(line: str, level: int = logging.INFO) -> None:
    """Write ``serve``'s own ``line`` to stderr; under systemd with the
    journald priority of ``level``, as its log lines have: without it,
    journald takes a warning for information. A line stderr refuses is
    dropped, as logging drops its log lines: the terminal the receiver ran
    in closed (SIGHUP) must not end its stop before the requests it
    received are answered."""
    priority = terminal.journal_priority(level) if terminal.stderr_is_journal() else ""
    # Stamped as the log lines are: in a log file kept a month, "stopped"
    # and "listening on" told of a restart, not when.
    now = datetime.now(timezone.utc)
    stamp = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"
    level_name = logging.getLevelName(level)
    text = f"{priority}{stamp} {level_name} pelican-flattr webhook: {line}"
    with contextlib.suppress(OSError):
        print(text, file=sys.stderr, flush=True)


def _requests(count: int) -> str:
    return f"{count} request{'' if count == 1 else 's'}"


def serve_until(server: Any, stopping: Any, hurry: Any) -> None:
    """Run the waitress ``server`` until ``stopping`` is set; then stop
    listening, answer every request received (or partly received), and
    close each connection once it holds none, until ``hurry`` is set or for
    at most ``STOP_GRACE`` seconds in all, the server's threads stopped
    within them; then close every socket. Says on stderr when the stop
    begins, how many requests it waits for, how many partly received ones
    it dropped, and the queue warnings held back since the last said.

    waitress's own run() drops the requests queued for a thread when it
    stops ("Canceling N pending task(s)"): their clients got a reset
    after sending a whole delivery, and no line was logged of them. Its
    close() of a server of several addresses stops the threads again, for
    5 s more: the sockets are closed here without it.
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    sockets = getattr(server, "map", None) or server._map
    use_poll = server.adj.asyncore_use_poll

    def turn(timeout: float) -> None:
        wasyncore.loop(timeout=timeout, map=sockets, use_poll=use_poll, count=1)

    while not stopping.is_set():
        turn(_STOP_CHECK)
    deadline = time.monotonic() + STOP_GRACE
    for listener in [
        each for each in sockets.values() if isinstance(each, BaseWSGIServer)
    ]:
        # The connections the system took for it first: closed with the
        # socket, their clients would get a reset after sending.
        for _ in range(server.adj.backlog):  # as many as the system holds
            if not select.select([listener.socket], [], [], 0)[0]:
                break
            listener.handle_accept()
        # Its socket alone: a new connection is refused from now on, and its
        # trigger still wakes the loop for the answers to send.
        wasyncore.dispatcher.close(listener)
    turn(0)  # what came on them is read, to be counted
    tasks = server.task_dispatcher

    def channels() -> list[Any]:
        return [each for each in sockets.values() if isinstance(each, HTTPChannel)]

    def partly_received() -> int:
        return sum(
            1
            for channel in channels()
            if channel.request is not None and _holds_bytes(channel.request)
        )

    waiting = sum(len(channel.requests) for channel in channels())
    _say(
        f"stopping: waiting for {_requests(waiting + partly_received())} "
        f"received or partly received to be answered (at most {STOP_GRACE} s; "
        "SIGTERM or Ctrl-C again ends the wait)"
    )

    def in_hand() -> bool:
        """Whether a request is queued or served, or partly read; a
        connection that holds none is closed (its answers all sent), so
        that its client sends its next delivery on a new one, refused."""
        busy = False
        for channel in channels():
            if channel.requests or (
                channel.request is not None and _holds_bytes(channel.request)
            ):
                busy = True
            elif select.select([channel.socket], [], [], 0)[0]:
                busy = True  # a request came: the next turn reads it
            elif not channel.total_outbufs_len:
                channel.handle_close()
        with tasks.lock:
            return busy or bool(tasks.queue) or tasks.active_count > 0

    while in_hand() and not hurry.is_set() and time.monotonic() < deadline:
        turn(min(0.05, max(deadline - time.monotonic(), 0)))
    dropped = partly_received()
    # The time left, once: a thread still serving is not waited for past
    # the bound, nor at all once hurried (waitress logs "N thread(s) still
    # running"). Idle threads end at once, given the moment they take.
    with tasks.lock:
        serving = tasks.active_count > 0
    left = max(deadline - time.monotonic(), 0.0)
    tasks.shutdown(timeout=(0.0 if hurry.is_set() else left) if serving else 1.0)
    if dropped:
        _say(
            f"dropped {_requests(dropped)} partly received when the wait "
            "ended: their clients get no answer",
            logging.WARNING,
        )
    for seldom in logging.getLogger("waitress.queue").filters:
        if isinstance(seldom, _QueueDepthSaidSeldom):
            seldom.say_held_back()


def close_sockets(server: Any) -> None:
    """Close every socket of the waitress ``server``, its connections
    among them, without stopping its threads: server.close() of a server of
    several addresses stops them (again) for up to 5 s."""
    from waitress import wasyncore

    wasyncore.close_all(getattr(server, "map", None) or server._map)


def claim_url_for(stored: str, plain_address: str | None) -> str:
    """The claim URL to hand an owner: for an email owner, Flattr's URL
    with the URL-encoded plain address appended to its path.

    Flattr appends the address as the path's last segment
    (``.../owner/foo%40example.com``): a query or fragment the claim URL
    has (the receiver takes any absolute http(s) URL) stays after it, as it
    came, rather than getting the address inside a query value. The path
    ends at the first "?" or "#", as urlsplit reads it; the URL is cut there
    by hand, not joined again with urlunsplit, which drops an empty "?" or
    "#" and so would hand out a URL other than Flattr's.
    """
    if plain_address is None:
        return stored
    end = min(
        (found for found in (stored.find("?"), stored.find("#")) if found >= 0),
        default=len(stored),
    )
    path_end, after = stored[:end], stored[end:]
    return path_end.rstrip("/") + "/" + quote(plain_address, safe="") + after


def pending_rows(
    store: Path, settings: dict[str, Any], problems: list[str] | None = None
) -> list[dict[str, Any]]:
    """The ``pending`` report, one dict per owner identifier the store
    holds flattrs for, newest first (owners of one time by identifier).

    ``FLATTR_AUTHORS`` and ``FLATTR_USERNAME`` (the site's, and each
    language's own in ``I18N_SUBSITES``) name each row's authors; an owner
    they do not name has a row all the same. ``FLATTR_USERNAME`` owns every
    thing nobody else owns: its row names it among the authors (as
    ``FLATTR_USERNAME``, or ``I18N_SUBSITES['de'] FLATTR_USERNAME``) and
    says ``site_owner``. ``unpublished_note`` is what ``pending`` says below
    the claim URL of an owner a build no longer publishes, or None;
    ``claim_url_note`` what it says below a claim URL no build links to
    (not https on flattr.com), or None; ``claim_url_base`` an email
    owner's claim URL as stored, without the address, or None (another
    owner's, or one no build links to); ``thing_ids`` the things counted,
    in order;
    ``verify_command`` is the command that claims its flattrs for such an
    owner, or for an email owner no entry names, or None. An
    unusable entry of either is left out, and said in ``problems``: the
    report still shows what the store holds. Raises
    StoreError for a store newer than this version understands or a
    database that is no store of this program's, sqlite3.Error for one that
    cannot be read, and ValueError for a ``FLATTR_AUTHORS`` that is not a
    dict.
    """
    authors: dict[str, list[str]] = {}
    addresses: dict[str, str] = {}

    def read_owner(value: object, where: str) -> Owner | None:
        try:
            owner = parse_owner_setting(value)
        except IdentifierError as error:
            if problems is not None:
                problems.append(redact_all_addresses(f"{where} {error}; left out"))
            return None
        text = str(value).strip()
        if owner.kind == "email" and "@" in text:
            # Only this private report completes an email owner's claim URL.
            # The site's own spelling, when a language's repeats it.
            addresses.setdefault(owner.value, text[len("email:") :].strip())
        return owner

    # Each language's site of I18N_SUBSITES may map its authors, and name
    # its own owner, for itself: the build gives its articles those owners.
    site_owners: dict[str, list[str]] = {}
    seen: set[tuple[str, object]] = set()
    for where, each in named_sites(settings):
        mapping = each.get("FLATTR_AUTHORS")
        if mapping is None:
            mapping = {}
        if not isinstance(mapping, dict):
            raise ValueError(
                f"{where}FLATTR_AUTHORS must be a dict keyed by author name"
            )
        for name, value in mapping.items():
            owner = read_owner(value, f"{where}FLATTR_AUTHORS[{str(name)!r}]")
            # Some sites name an author by an address, in any spelling the
            # receiver knows (carol%40example.org, carol&#64;example.org):
            # never shown here. One author in two languages is one name.
            if owner is not None and (owner.value, name) not in seen:
                seen.add((owner.value, name))
                shown = redact_all_addresses(str(name))
                authors.setdefault(owner.value, []).append(shown)
        # The plugin gives every article no author entry claims to
        # FLATTR_USERNAME: its flattrs wait like an author's, and an email
        # owner's claim URL needs its address just the same.
        if each.get("FLATTR_USERNAME") not in (None, ""):
            where_owner = f"{where}{SITE_OWNER}"
            owner = read_owner(each["FLATTR_USERNAME"], where_owner)
            if owner is not None:
                site_owners.setdefault(owner.value, []).append(where_owner)

    rows = []
    pending, things = read_pending_report(store)
    for owner_id, totals in pending.items():
        problem = claim_url_problem(totals.claim_url)
        if not owner_id.startswith("email:"):
            claim_url, complete = totals.claim_url, True
        elif problem is not None:
            # Never completed: the owner's address would go to whoever
            # stored a claim URL that may not be Flattr's.
            claim_url, complete = totals.claim_url, False
        elif owner_id in addresses:
            claim_url = claim_url_for(totals.claim_url, addresses[owner_id])
            complete = True
        else:
            claim_url, complete = None, False
        named = sorted(authors.get(owner_id, [])) + site_owners.get(owner_id, [])
        unpublished = _unpublished_owner(store, owner_id)
        rows.append(
            {
                "owner": owner_id,
                "authors": named,
                "site_owner": owner_id in site_owners,
                "things": totals.things,
                "flattrs": totals.flattrs,
                "latest": totals.latest,
                "claim_url": claim_url,
                "claim_url_complete": complete,
                # For a script that holds the addresses itself: what Flattr
                # sent, without one; never one a build would not link to,
                # as the address appended would go to whoever stored it.
                "claim_url_base": totals.claim_url
                if owner_id.startswith("email:") and problem is None
                else None,
                "thing_ids": [_shown_thing_id(thing) for thing in things[owner_id]],
                "unpublished_note": unpublished,
                "claim_url_note": _claim_url_note(
                    problem, email=owner_id.startswith("email:")
                ),
                # Whoever holds an owner no entry names claims its flattrs by
                # verifying it: the settings cannot complete its claim URL.
                "verify_command": _verify_command(owner_id, store)
                if unpublished or not (complete or named)
                else None,
            }
        )
    # Newest first; owners of one second (a batch of deliveries) in the
    # order of their identifiers, as a reader looks for one.
    rows.sort(key=lambda row: row["owner"])
    rows.sort(key=lambda row: row["latest"], reverse=True)
    return rows


def _shown_thing_id(thing_id: str) -> str:
    """``thing_id`` as ``pending`` shows it: the receiver refuses one that
    holds an address, but a store an older version filled may have one."""
    return redact_all_addresses(thing_id) if holds_at_sign(thing_id) else thing_id


def _no_such_store(args: argparse.Namespace, named_by: str | None) -> str:
    """Why ``pending`` found no store, and, where neither --store nor a
    FLATTR_STORE named the default it looked for, how to name the one the
    receiver keeps."""
    if args.store or named_by is not None:
        return "no such store"
    if args.settings:
        # Its folder may be named by an address, as read_settings_file says.
        settings = redact_all_addresses(str(args.settings))
        return (
            f"no such store, and {settings} sets no FLATTR_STORE: give "
            "--store FILE, or set FLATTR_STORE to the receiver's store"
        )
    return (
        "no such store here: give --store FILE, or --settings pelicanconf.py "
        "whose FLATTR_STORE names the receiver's store"
    )


def _address_unknown(args: argparse.Namespace, store: Path, row: dict[str, Any]) -> str:
    """What ``pending`` says in place of the claim URL of an email owner
    whose address the settings do not hold, and how to have it claimed."""
    if args.settings is None:
        return (
            "(email owner: address unknown; give --settings with "
            "FLATTR_AUTHORS or FLATTR_USERNAME holding its email:ADDRESS)"
        )
    settings = _shown(args.settings)
    if row["authors"]:
        # Named by its hash: the entry is the owner's still.
        return (
            f"(email owner: address unknown; no FLATTR_AUTHORS entry of "
            f"{settings}, nor its FLATTR_USERNAME, holds the address this hash "
            "is of: add the owner's email:ADDRESS there)"
        )
    # Named by no entry: its author may have moved to another owner (a
    # Flattr username), and adding the address would give the old one back.
    # verify --identity reads no settings: it records where pending reads.
    verify = _with_store_said(row["verify_command"], store)
    return (
        f"(email owner: address unknown, and no FLATTR_AUTHORS entry of "
        f"{settings}, nor its FLATTR_USERNAME, names this owner: if its author "
        "moved to another owner, whoever holds it claims these flattrs by "
        f"verifying it for their Flattr account ({verify}); if an author still "
        "has it, give the owner's email:ADDRESS in their entry)"
    )


def _claim_url_note(problem: str | None, *, email: bool) -> str | None:
    """What ``pending`` says below a claim URL that no build links to, as
    Flattr's would be (https, on flattr.com), or None; ``problem`` is
    ``claim_url_problem``'s. Anyone holding the web hook token can have
    stored it: the operator checks it first."""
    if problem is None:
        return None
    # An email owner's URL is shown without the address it needs.
    address = "; the owner's address is not added to it" if email else ""
    return (
        f"this claim URL {problem}: builds show no link to it{address}; make "
        "sure it is Flattr's before passing it on"
    )


def _unpublished_owner(store: Path, owner: str) -> str | None:
    """What ``pending`` says of ``owner`` when a build no longer publishes
    it (``twitter:user:id:00783214``, which an earlier build did), and how
    its flattrs are claimed; None for any other owner. No entry names it,
    as the build refuses it: this says where they go."""
    why = unpublished_twitter_id(owner)
    if why is None:
        return None
    return (
        f"a build no longer publishes this owner: {why}; {EARLIER_FLATTRS}, "
        "and whoever holds it claims them by verifying it as written "
        f"({_with_store_said(_verify_command(owner, store), store)})"
    )


def _verify_command(owner: str, store: Path) -> str:
    """The verify command with which whoever holds ``owner`` claims its
    flattrs into ``store``, as the build's URL guard says it. A path that
    holds an address is never shown: its "[address]" would name another
    store, so the command says STORE."""
    from .url_guard import verify_command

    return verify_command(owner, store if _shown(store) == str(store) else "STORE")


def _with_store_said(command: str, store: Path) -> str:
    """``command`` of ``_verify_command`` as pending's text gives it: with
    why it says STORE, when it does."""
    if _shown(store) == str(store):
        return command
    return (
        f"{command}, STORE being the store's path, not shown as it holds an "
        "email address"
    )


def _claim_lines(
    args: argparse.Namespace, store: Path, rows: list[dict[str, Any]]
) -> Iterator[str]:
    """Each owner's line of ``pending``'s claim URLs, ``OWNER (AUTHORS)
    URL``, and the notes below it."""
    for row in rows:
        authors = ", ".join(row["authors"] or ())
        owner = f"{row['owner']} ({authors})" if authors else row["owner"]
        yield f"{owner}  {row['claim_url'] or _address_unknown(args, store, row)}"
        # Lines of their own: the URL above stays whole, to copy.
        if row["unpublished_note"]:
            yield f"    {row['unpublished_note']}"
        if row["claim_url_note"]:
            yield f"    {row['claim_url_note']}"


def run_pending(args: argparse.Namespace) -> int:
    """The ``pending`` subcommand."""
    try:
        settings = _settings(args.settings)
    except SettingsFileError as error:
        return terminal.usage_error(str(error))
    try:
        store, named_by = _store_path(args, settings)
    except ValueError as error:
        return terminal.usage_error(str(error))
    backslash = _store_backslash(settings, named_by)
    if backslash is not None:
        print(f"pelican-flattr: {terminal.shown(backslash)}", file=sys.stderr)
    problems: list[str] = []
    try:
        if not existing_store(store):
            raise StoreError(store, _no_such_store(args, named_by))
        rows = pending_rows(store, settings, problems)
    except StoreError as error:  # not a store, or a newer one
        return terminal.usage_error(error.message(named_by))
    except sqlite3.Error as error:
        failed = StoreError(store, sqlite_problem(store, error, writing=False))
        return terminal.usage_error(failed.message(named_by))
    except ValueError as error:  # FLATTR_AUTHORS, from the settings file
        return terminal.usage_error(f"{args.settings}: {error}")
    for problem in problems:
        print(
            terminal.shown(
                f"pelican-flattr: {_shown(args.settings)}: {problem}", lines=True
            ),
            file=sys.stderr,
        )
    if is_empty_file(store):
        # Said, not refused (status 0): nothing in it can be read back, and
        # a store made ahead for its mode is one too.
        empty = StoreError(store, f"is {EMPTY_FILE}").message(named_by)
        print(f"pelican-flattr: {terminal.shown(_shown(empty))}", file=sys.stderr)
    published = _published_with_site(args, settings, store)
    if published is not None:
        # Said, not refused as serve and verify refuse it: reading it changes
        # nothing, and shows what the operator is to move out of harm's way.
        print(
            f"pelican-flattr: {terminal.shown(published)}; read all the same: move "
            "it before the next build (with its -wal and -shm files, as "
            'docs/webhooks.md, "The store", says)',
            file=sys.stderr,
        )
    if args.settings is None:
        # No settings were read: whose authors an owner is, or whether it is
        # the site's own, is unknown here, which is not the same as unmapped;
        # so is whether an entry names an email owner, whose verify command
        # is then not given (an owner no build publishes keeps its own).
        for row in rows:
            row["authors"] = row["site_owner"] = None
            if row["unpublished_note"] is None:
                row["verify_command"] = None
    if args.json:
        settings_shown = None if args.settings is None else _shown(args.settings)
        terminal.print_json(
            {
                # As audit's, verify's and diff's, and a usage error's: a
                # script reads one field, however the command ended.
                "ok": True,
                "exit_status": 0,
                "store": _shown(store),
                "settings": settings_shown,
                "owners": rows,
            }
        )
        return 0
    unmapped = (
        "(no --settings given)"
        if args.settings is None
        else "(neither in FLATTR_AUTHORS nor FLATTR_USERNAME)"
    )
    terminal.print_table(
        "Flattrs waiting to be claimed (private)",
        ("owner", "authors", "things", "flattrs", "latest"),
        [
            (
                row["owner"],
                ", ".join(row["authors"] or ()) or unmapped,
                row["things"],
                row["flattrs"],
                row["latest"],
            )
            for row in rows
        ],
    )
    # Below the table, each on a line of its own: a table cell folds a long
    # URL into pieces that cannot be copied. Its authors beside the owner,
    # for a list of 2,000 to be read without the table; the URL last, to
    # copy.
    if rows:
        terminal.print_line("Claim URLs, to pass on to each owner:")
    terminal.print_lines(_claim_lines(args, store, rows))
    flattrs = terminal.counted(sum(row["flattrs"] for row in rows), "pending flattr")
    # Which store: without --settings or --store it is the one in this
    # folder, perhaps not the site's.
    terminal.print_line(
        f"{terminal.counted(len(rows), 'owner')} with "
        f"{flattrs if rows else 'pending flattrs'} (store {_shown(store)})."
    )
    return 0
