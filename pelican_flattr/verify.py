"""``pelican-flattr verify``: link partner identifiers to Flattr accounts.

One identity (``--identity ID [--username NAME]``) or a whole site
(``--from FILE``, a CSV of ``username,identity`` or the site's pelicanconf,
which ``--settings`` names too). The settings file's ``FLATTR_STORE`` is the
store, for ``--identity`` too: the one the build and ``pending`` read.
Every identity is checked with the plugin's identifier rules before anything
is sent, and an ``email:ADDRESS`` is hashed first: a plain address is never
sent, printed or stored. Each success is recorded in the operator's SQLite
store (the one the web hook receiver writes), one transaction per success,
so that a rerun skips what is done and an interrupted run resumes.

A batch spends Flattr's hourly rate budget with care: when a response leaves
no request, or Flattr answers ``rate_limit_exceeded``, it waits for the reset
and goes on. A batch stops at the first answer that says Flattr cannot be
reached, or at a refusal every later identity would get too (a token
without the scope, a rate limit still hit after waiting); any other refusal
of one identity does not stop it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import terminal
from .api import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    TIMEOUT_RULE,
    CouldNotReachFlattr,
    FlattrClient,
    RateLimit,
    RateLimitExceeded,
    RefusedByFlattr,
    UnusableEnvironment,
    check_base_url,
    check_token,
    check_username,
    local_time,
    verify_url,
)
from .identifiers import (
    EARLIER_FLATTRS,
    IdentifierError,
    parse_owner_setting,
    parse_partner_identifier,
    redact_addresses,
    unpublished_twitter_id,
)
from .settings import (
    SettingsFileError,
    author_meant,
    keys_not_names,
    named_sites,
    shown_author,
)
from .store import (
    DEFAULT_STORE,
    EMPTY_FILE,
    OTHER_APIS_SINCE,
    StoreError,
    check_can_be_made,
    check_writable,
    configured_store,
    existing_store,
    is_empty_file,
    migrated_notice,
    one_batch_at_a_time,
    open_store,
    open_store_read_only,
    published_with_site,
    schema_version,
    site_settings,
    sqlite_problem,
    store_argument,
    write_transaction,
)
from .wording import listed

TOKEN_ENV = "FLATTR_TOKEN"
API_URL_ENV = "FLATTR_API_URL"
# The username recorded for ``POST /user/verify``, whose account is the
# token's own and has no name the command knows.
OWN_ACCOUNT = ""

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130  # what the command returns on Ctrl-C (see cli.main)

# Refusals that would repeat for every identity of a batch: stop at once
# rather than spend the budget on answers known in advance. A rate limit
# that outlasted the waits stops it too, whatever its code (see _send).
_STOP_CODES = frozenset({"invalid_scope", "insufficient_scope", "rate_limit_exceeded"})

# The outcomes of a request that went out to Flattr.
_SENT = frozenset({"verified", "refused", "not reached"})

# The clock and the sleep of the pacing; tests replace them so that waiting
# for a rate limit reset takes no time.
clock: Callable[[], float] = time.time
sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Request:
    """One identity to verify, in the form Flattr receives it.

    ``username`` is None for the token's own account. ``source`` says where
    it came from (``people.csv:3``, ``FLATTR_AUTHORS['Carol']``, ``--identity``).
    """

    identity: str
    username: str | None
    source: str


@dataclass(frozen=True)
class Skipped:
    """An entry of FILE that needs no request, and why. ``shared`` is the
    reason as one line says it of many entries, where ``reason`` names
    something of this entry's own (its Flattr user, the entry it repeats);
    empty where ``reason`` says it of any."""

    source: str
    identity: str | None
    reason: str
    shared: str = ""


@dataclass(frozen=True)
class Plan:
    """What FILE asks for: requests, skipped entries, and problems that
    forbid sending anything. ``store`` is the store the file names, if any;
    ``settings`` the site's settings read, if any, to check the store
    against where the site is published."""

    requests: tuple[Request, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    problems: tuple[str, ...] = ()
    store: Path | None = None
    settings: Mapping[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Outcome:
    """What became of one request.

    ``status`` is one of ``verified``, ``already verified``, ``would send``,
    ``refused``, ``not reached`` and ``not sent`` (the batch stopped first).
    ``stops`` is True for a refusal that stopped a batch: one every later
    identity would get too. ``answer`` is what Flattr answered a refusal
    (``401 unauthorized: Not logged in``), to tell refusals alike.
    ``unrecorded`` is True for a success the store does not hold (it
    failed, or Ctrl-C came first): a rerun sends that identity again.
    """

    request: Request
    status: str
    message: str = ""
    code: str | None = None
    stops: bool = False
    unrecorded: bool = False
    answer: str = ""


@dataclass
class _Tally:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)


# -- reading FILE -----------------------------------------------------------


def read_plan(path: str | Path, store_given: bool = False) -> Plan:
    """Read ``--from FILE``: a ``.csv`` of ``username,identity`` or a ``.py``
    Pelican settings file. Every entry is checked; nothing is sent."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return read_csv(path)
    if path.suffix.lower() == ".py":
        return read_pelicanconf(path, store_given)
    return Plan(
        problems=(
            f"{_shown_path(path)}: expected a .csv file (username,identity) or a "
            "Pelican settings file (.py)",
        )
    )


def _shown_path(path: Path) -> str:
    # FILE may be an identity given by mistake (--from email:ADDRESS), or in
    # a folder named by an address: shown in problems and in each source.
    return redact_addresses(str(path))


def read_csv(path: Path) -> Plan:
    """A CSV whose header names the columns ``username`` and ``identity``.

    Problems name the file, the line and the column; they never repeat an
    email address.
    """
    shown = _shown_path(path)
    if os.path.exists(path) and not os.path.isfile(path):
        # A FIFO or a device would be read until it ends, perhaps never.
        return Plan(problems=(f"{shown}: not a regular file",))
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            # (first line, last line, row): a quoted field may span lines.
            rows: list[tuple[int, int, list[str]]] = []
            end = 0
            for row in reader:
                rows.append((end + 1, reader.line_num, row))
                end = reader.line_num
    except FileNotFoundError:
        return Plan(problems=(f"{shown}: no such file",))
    except UnicodeDecodeError:
        return Plan(problems=(f"{shown}: not UTF-8 text",))
    except (OSError, csv.Error) as error:
        return Plan(
            problems=(f"{shown}: cannot be read: {redact_addresses(str(error))}",)
        )

    rows = [entry for entry in rows if any(cell.strip() for cell in entry[2])]
    if not rows:
        return Plan(
            problems=(f"{shown}: is empty; expected a header username,identity",)
        )
    header_line, _, header = rows[0]
    names = [cell.strip().lower() for cell in header]
    if "username" not in names or "identity" not in names:
        return Plan(
            problems=(
                f"{shown}:{header_line}: the first line must be the header "
                "username,identity",
            )
        )
    for name in ("username", "identity"):
        if names.count(name) > 1:
            # Taking the first would silently leave out the other's values.
            return Plan(
                problems=(
                    f"{shown}:{header_line}: the header names the column {name} "
                    "more than once; keep one",
                )
            )
    columns = {"username": names.index("username"), "identity": names.index("identity")}

    entries = []
    problems = []
    for line, last_line, row in rows[1:]:
        where = f"{shown}:{line}"
        if last_line > line:
            # An identity or a username never holds a line break: a quote
            # left open swallowed the lines after it.
            problems.append(
                f"{where}: a quoted field runs from this line to line {last_line} "
                "(a quote left open?); each row of username,identity is one line"
            )
            continue
        if any(cell.strip() for cell in row[len(header) :]):
            # A cell no column names: a comma inside a value, most likely
            # ("carol,partner:ns:1,2"), which taking the named cells would
            # cut short without a word.
            problems.append(
                f"{where}: the row has {len(row)} cells, the header names "
                f"{len(header)}; quote a value that holds a comma"
            )
            continue
        cells = {
            name: row[index].strip() if index < len(row) else ""
            for name, index in columns.items()
        }
        row_ok = True
        username = identity = ""
        if not cells["username"]:
            problems.append(f"{where}: column username is empty")
            row_ok = False
        else:
            try:
                username = check_username(cells["username"])
            except IdentifierError as error:
                problems.append(f"{where}: column username {error}")
                row_ok = False
        if not cells["identity"]:
            problems.append(f"{where}: column identity is empty")
            row_ok = False
        else:
            try:
                identity = parse_partner_identifier(cells["identity"]).value
            except IdentifierError as error:
                problems.append(f"{where}: column identity {error}")
                row_ok = False
        if row_ok:
            entries.append(Request(identity, username, where))
    return _deduplicated(entries, [], problems, store=None)


def read_pelicanconf(path: Path, store_given: bool = False) -> Plan:
    """The author mapping of a Pelican settings file.

    ``FLATTR_AUTHORS`` maps an author to a Flattr username or an owner
    identifier; ``FLATTR_VERIFIED_ACCOUNTS`` maps the same author to the
    Flattr account that claimed the identifier. Authors with a username need
    no verify; authors with an identifier but no account are skipped. Each
    language's own FLATTR_AUTHORS and FLATTR_USERNAME in ``I18N_SUBSITES``
    count too, named as ``I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob']``.
    ``FLATTR_STORE`` names the store (a relative path is taken from the
    current folder, as the build takes it), unless ``store_given`` (--store).
    """
    shown = _shown_path(path)
    try:
        settings = site_settings(path)
    except SettingsFileError as error:
        return Plan(problems=(str(error),))
    problems: list[str] = []
    # Each language's site of I18N_SUBSITES may map its authors for itself
    # (the build gives its articles those owners), with the site's
    # FLATTR_VERIFIED_ACCOUNTS: an account is a person's, whatever the
    # language. Only None is unset: an empty list where a dict belongs is a
    # mistake the build refuses too, not "nothing to verify".
    sites = named_sites(settings)
    accounts = settings.get("FLATTR_VERIFIED_ACCOUNTS")
    accounts = {} if accounts is None else accounts
    mappings = [
        (f"{where}FLATTR_AUTHORS", each.get("FLATTR_AUTHORS")) for where, each in sites
    ]
    for name, value in [*mappings, ("FLATTR_VERIFIED_ACCOUNTS", accounts)]:
        if value is not None and not isinstance(value, Mapping):
            problems.append(
                f"{shown}: {name} must be a dict keyed by author name, not "
                f"{type(value).__name__}"
            )
    store_path = None
    if not store_given:  # --store wins, whatever FLATTR_STORE says
        try:
            store_path = configured_store(settings, path)
        except ValueError as error:
            # It names the settings file, and perhaps the folder it is in.
            problems.append(redact_addresses(str(error)))
    if problems:
        return Plan(problems=tuple(problems))

    entries: list[Request] = []
    skipped: list[Skipped] = []
    plan = (shown, entries, skipped, problems)
    named: set[object] = set()
    for where, each in sites:
        authors = each.get("FLATTR_AUTHORS") or {}
        not_names = [key for key in authors if not isinstance(key, str)]
        if not_names:  # refused as the build refuses them
            problems.append(
                f"{shown}: "
                + keys_not_names(f"{where}FLATTR_AUTHORS", not_names, left_out=False)
            )
        named.update(authors)
        for author, value in authors.items():
            if not isinstance(author, str):
                continue
            where_author = f"{where}FLATTR_AUTHORS[{shown_author(author)}]"
            _plan_owner(where_author, value, author, accounts, plan)
        site_owner = each.get("FLATTR_USERNAME")
        if site_owner not in (None, ""):  # empty is unset, as the build reads it
            # The owner of every thing nobody else owns, whose flattrs wait
            # as an author's do (``pending`` lists them); a Flattr user goes
            # unsaid.
            named.add(SITE_OWNER_KEY)
            _plan_owner(
                f"{where}{SITE_OWNER_KEY}",
                site_owner,
                SITE_OWNER_KEY,
                accounts,
                plan,
                say_flattr_user=False,
            )
    for author in accounts:
        if author in named:
            continue
        where_account = f"FLATTR_VERIFIED_ACCOUNTS[{shown_author(author)}]"
        if author == SITE_OWNER_KEY:
            skipped.append(
                Skipped(where_account, None, "FLATTR_USERNAME is not set; ignored")
            )
            continue
        # A misspelt key ('Fay Fo' for 'Fay Foo') left the author's identity
        # unverified with exit 0: a mistake, refused as a bad entry is.
        authors = {
            str(name).casefold(): name for name in named if name != SITE_OWNER_KEY
        }
        problems.append(
            f"{shown}: {where_account} names no author of FLATTR_AUTHORS"
            f"{author_meant(str(author), authors)}; write the author's key as "
            "FLATTR_AUTHORS writes it, or remove the entry"
        )
    for where, each in sites[1:]:
        if each.get("FLATTR_VERIFIED_ACCOUNTS") is not None:
            # Read from the site's settings alone: said, not left unseen.
            skipped.append(
                Skipped(
                    f"{where}FLATTR_VERIFIED_ACCOUNTS",
                    None,
                    "ignored: name every account in the site's "
                    "FLATTR_VERIFIED_ACCOUNTS",
                )
            )

    plan = _deduplicated(entries, skipped, problems, store=store_path)
    return replace(plan, settings=settings)


# The key of FLATTR_VERIFIED_ACCOUNTS that names the account which claimed
# FLATTR_USERNAME's identifier: the site's own owner is no author.
SITE_OWNER_KEY = "FLATTR_USERNAME"


def _plan_owner(
    where: str,
    value: object,
    key: str,
    accounts: Mapping[str, object],
    plan: tuple[str, list[Request], list[Skipped], list[str]],
    say_flattr_user: bool = True,
) -> None:
    """Add to ``plan`` (the settings file as shown, and the requests,
    skipped identities and problems so far) the verify of the owner
    ``value`` that ``where`` sets, for the account ``accounts[key]``."""
    shown, entries, skipped, problems = plan
    try:
        owner = parse_owner_setting(value)
    except IdentifierError as error:
        problems.append(f"{shown}: {where} {error}")
        return
    if owner.kind == "flattr_user":
        if say_flattr_user:
            skipped.append(
                Skipped(
                    where,
                    None,
                    f"is the Flattr user {owner.value}: nothing to verify",
                    shared="are Flattr users: nothing to verify",
                )
            )
        return
    account = f"FLATTR_VERIFIED_ACCOUNTS[{shown_author(key)}]"
    if key not in accounts:
        skipped.append(
            Skipped(
                where,
                owner.value,
                "not yet claimed by a Flattr account, skipped (name the account "
                + (
                    "in FLATTR_VERIFIED_ACCOUNTS once the author has one)"
                    if key != SITE_OWNER_KEY
                    else f"as {account} once there is one)"
                ),
            )
        )
        return
    try:
        username = check_username(accounts[key])
    except IdentifierError as error:
        problems.append(f"{shown}: {account} {error}")
        return
    entries.append(Request(owner.value, username, where))


def _deduplicated(
    entries: Iterable[Request],
    skipped: list[Skipped],
    problems: list[str],
    store: Path | None,
) -> Plan:
    """One request per identity; an identity given for two accounts is a
    problem, since an identifier belongs to one person."""
    first: dict[str, Request] = {}
    kept = []
    for entry in entries:
        earlier = first.get(entry.identity)
        if earlier is None:
            first[entry.identity] = entry
            kept.append(entry)
        elif earlier.username == entry.username:
            skipped.append(
                Skipped(
                    entry.source,
                    entry.identity,
                    f"same as {earlier.source}",
                    shared="each the same as an entry before it",
                )
            )
        else:
            problems.append(
                f"{entry.source}: the identity {entry.identity} is also given for "
                f"another Flattr user at {earlier.source}; an identity belongs to "
                "one account"
            )
    return Plan(tuple(kept), tuple(skipped), tuple(problems), store)


# -- the store --------------------------------------------------------------


# Flattr's API as a fully qualified name writes it: the same server.
_FLATTRS_API_QUALIFIED = DEFAULT_BASE_URL.replace(".com/", ".com./", 1)


def recorded_api(base_url: str) -> str:
    """The API a verification against ``base_url`` (as ``check_base_url``
    gives it) is recorded as: ``DEFAULT_BASE_URL`` for Flattr's own, however
    written, else ``base_url``."""
    return DEFAULT_BASE_URL if base_url == _FLATTRS_API_QUALIFIED else base_url


def is_recorded(connection: sqlite3.Connection, request: Request, api_url: str) -> bool:
    """True when the store holds this identity verified for this account
    by the API at ``api_url``."""
    if api_url == DEFAULT_BASE_URL:
        row = connection.execute(
            "SELECT 1 FROM verified_identities WHERE identity = ? AND username = ?",
            (request.identity, _stored_username(request)),
        ).fetchone()
    else:
        row = connection.execute(
            "SELECT 1 FROM verified_at_other_apis "
            "WHERE identity = ? AND username = ? AND api_url = ?",
            (request.identity, _stored_username(request), api_url),
        ).fetchone()
    return row is not None


def record(
    connection: sqlite3.Connection, request: Request, when: float, api_url: str
) -> None:
    """Record one success of the API at ``api_url`` in its own committed
    transaction, so that an interruption right after it loses nothing.

    Only Flattr's own API hands an identity's pending flattrs over
    (``verified_identities``, which the pending report reads); another,
    such as a rehearsal server on this machine, is recorded apart with its
    URL.
    """
    verified_at = datetime.fromtimestamp(when, tz=timezone.utc).isoformat(
        timespec="seconds"
    )
    with write_transaction(connection):
        if api_url == DEFAULT_BASE_URL:
            connection.execute(
                "INSERT OR REPLACE INTO verified_identities "
                "(identity, username, verified_at) VALUES (?, ?, ?)",
                (request.identity, _stored_username(request), verified_at),
            )
        else:
            connection.execute(
                "INSERT OR REPLACE INTO verified_at_other_apis "
                "(identity, username, api_url, verified_at) VALUES (?, ?, ?, ?)",
                (request.identity, _stored_username(request), api_url, verified_at),
            )


def _stored_username(request: Request) -> str:
    return OWN_ACCOUNT if request.username is None else request.username


# -- sending ----------------------------------------------------------------


def run_requests(
    requests: Sequence[Request],
    client: FlattrClient | None,
    connection: sqlite3.Connection | None,
    *,
    api_url: str,
    batch: bool,
    on_outcome: Callable[[Outcome], None] = lambda outcome: None,
    on_wait: Callable[[int], None] | None = None,
    advance: Callable[[int, int], None] = lambda done, total: None,
    on_retry: Callable[[int, str], None] | None = None,
    token_from: str = f"{TOKEN_ENV} or --token",
    on_interrupt: Callable[[frozenset[Request]], None] = lambda held: None,
) -> list[Outcome]:
    """Send each request in turn; without a client, say what would be sent.

    A batch skips what the store already holds verified by the API at
    ``api_url`` (where successes are recorded as that API's), waits out the rate limit
    and stops at the first answer that says Flattr cannot be reached, or
    at a refusal every later request would get too (``_STOP_CODES``, a
    rate limit still hit after waiting, a token Flattr does not accept:
    see _stopping); after a stop, the requests the store holds are still
    ``already verified``, the others ``not sent``. A single request
    (``batch=False``) is always sent, and never waits. ``token_from`` names
    where the token came from, for the message that stops a batch whose
    token Flattr does not accept.

    ``on_outcome`` is given each outcome as it comes; the outcome of a
    success that Ctrl-C (or SIGTERM) interrupted as it was being recorded
    or reported is given before the interrupt goes on, even when
    ``on_outcome`` already had it: it must keep the first it gets of a
    request. On Ctrl-C, a batch then gives ``on_interrupt`` those of the
    requests not reached yet that the store holds: they are ``already
    verified``, not left to send.
    """
    outcomes: list[Outcome] = []
    stopped = ""
    # The request Flattr verified whose outcome on_outcome may not have
    # yet: from the moment its success is being recorded until it was
    # reported, Ctrl-C (or SIGTERM, cli.Terminated) must not lose it.
    unreported: Request | None = None
    try:
        for done, request in enumerate(requests, 1):
            if (
                batch
                and connection is not None
                and is_recorded(connection, request, api_url)
            ):
                # Looked up after a stop too: an identity the store holds is
                # not left to send, and listing it "not sent" made a refusal
                # at the last one left exit 3 ("run again") on every rerun.
                outcome = _already_verified(request)
            elif stopped:
                outcome = Outcome(request, "not sent", stopped)
            elif client is None:
                outcome = Outcome(request, "would send")
            else:
                outcome = _send(client, request, batch, on_wait, on_retry)
                if outcome is None:
                    unreported = request
                    outcome = _record_success(connection, request, api_url)
                if batch:
                    outcome = _stopping(outcome, outcomes, token_from)
                if outcome.status == "not reached" or outcome.stops:
                    stopped = "not sent: the run stopped at an earlier identity"
            outcomes.append(outcome)
            on_outcome(outcome)
            unreported = None
            advance(done, len(requests))
    except NotRecorded as failure:
        outcomes.append(failure.outcome)
        on_outcome(failure.outcome)
        raise
    except KeyboardInterrupt:
        if unreported is not None:
            # Ctrl-C as the success was being recorded (before or after
            # COMMIT: what the store holds says which), or once recorded,
            # before the report had it. on_outcome keeps the first outcome
            # it is given for a request, should it have had it already.
            late = _interrupted_success(connection, unreported, api_url)
            if not outcomes or outcomes[-1].request is not unreported:
                outcomes.append(late)
            on_outcome(late)
        elif outcomes:
            # Ctrl-C may have come before on_outcome had the last outcome
            # (an identity the store holds, above all): it keeps the first.
            on_outcome(outcomes[-1])
        if batch and connection is not None:
            # Looked up as the loop would have: the identities the store
            # holds were listed "not sent" after Ctrl-C, as if a rerun
            # would send them.
            on_interrupt(_held(connection, requests[len(outcomes) :], api_url))
        raise
    return outcomes


def _already_verified(request: Request) -> Outcome:
    """The outcome of a batch's ``request`` that the store holds."""
    return Outcome(request, "already verified", "recorded in the store")


def _held(
    connection: sqlite3.Connection, requests: Sequence[Request], api_url: str
) -> frozenset[Request]:
    """Those of ``requests`` the store holds verified by the API at
    ``api_url``; none when it cannot be read (they are then said to be
    left to send, and a rerun skips them all the same)."""
    try:
        return frozenset(
            request for request in requests if is_recorded(connection, request, api_url)
        )
    except sqlite3.Error:
        return frozenset()


def _send(
    client: FlattrClient,
    request: Request,
    batch: bool,
    on_wait: Callable[[int], None] | None,
    on_retry: Callable[[int, str], None] | None = None,
) -> Outcome | None:
    """Send one request: None when Flattr verified it, else its outcome."""
    try:
        if batch:
            client.verify_paced(
                request.identity,
                request.username,
                on_wait=on_wait,
                on_retry=on_retry,
            )
        else:
            client.verify(request.identity, request.username)
    except RateLimitExceeded as error:
        # Still limited after every wait: the next identity would wait as
        # long for the same answer. A gateway's 429 carries its own code
        # (too_many_requests, or none), so the type says it, not the code.
        return Outcome(
            request, "refused", error.message, error.code, stops=batch,
            answer=_answer(error),
        )  # fmt: skip
    except RefusedByFlattr as error:
        return Outcome(
            request, "refused", error.message, error.code, answer=_answer(error)
        )
    except CouldNotReachFlattr as error:
        return Outcome(request, "not reached", error.message)
    return None


def _record_success(
    connection: sqlite3.Connection | None, request: Request, api_url: str
) -> Outcome:
    """Record what Flattr verified. Raises NotRecorded when the store fails."""
    if connection is not None:
        try:
            record(connection, request, clock(), api_url)
        except (sqlite3.Error, StoreError) as error:
            raise NotRecorded(
                Outcome(
                    request,
                    "verified",
                    "verified at Flattr, but the store could not record it "
                    f"({error}): a rerun sends it again, which is harmless",
                    unrecorded=True,
                ),
                error,
            ) from error
    return Outcome(request, "verified")


def _interrupted_success(
    connection: sqlite3.Connection | None, request: Request, api_url: str
) -> Outcome:
    """The outcome of an identity Flattr verified when Ctrl-C stopped the
    run as its success was being recorded: recorded or not, as the store
    now says (COMMIT may have run just before the interrupt)."""
    try:
        held = connection is None or is_recorded(connection, request, api_url)
    except sqlite3.Error:
        held = False  # unreadable: say it may be sent again, which is harmless
    if held:
        return Outcome(request, "verified")
    return Outcome(
        request,
        "verified",
        "verified at Flattr, but the run was interrupted before the store "
        "recorded it: a rerun sends it again, which is harmless",
        unrecorded=True,
    )


class NotRecorded(Exception):
    """Flattr verified an identity and the store failed to record it: the
    run stops, and the outcome is still reported."""

    def __init__(self, outcome: Outcome, error: Exception) -> None:
        super().__init__(str(error))
        self.outcome = outcome
        self.error = error


def _answer(error: RefusedByFlattr) -> str:
    said = f"{error.status} {error.code}"
    return said + (f": {error.description}" if error.description else "")


def _stopping(outcome: Outcome, earlier: Sequence[Outcome], token_from: str) -> Outcome:
    """``outcome`` of a batch, marked ``stops`` when it must stop the batch:
    a refusal every later identity would get too (``_STOP_CODES``), or the
    second of two ``unauthorized`` refusals alike that open the run."""
    if outcome.status != "refused":
        return outcome
    if outcome.code in _STOP_CODES:
        return replace(outcome, stops=True)
    sent = [each for each in earlier if each.status in _SENT]
    # Flattr answers 401 unauthorized to verify for a token it does not
    # accept, and also for one identifier it will not verify: one such
    # refusal says nothing of the token, but two alike before anything
    # succeeded are what a wrong or expired token gets for every identity,
    # 20,000 requests and lines for 20,000 rows.
    if (
        outcome.code != "unauthorized"
        or len(sent) != 1
        or (sent[0].code, sent[0].answer) != (outcome.code, outcome.answer)
    ):
        return outcome
    return replace(
        outcome,
        stops=True,
        message=(
            f"Flattr refused it as it refused {sent[0].request.identity} "
            f"({outcome.answer}), as it refuses every identity when it does not "
            "accept the token, so the run stops here: check the token (from "
            f"{token_from}), and get a new one if it expired or was revoked; "
            "then run the same command again. If the token is good, "
            "Flattr will not verify these two identities themselves (not "
            "identifiers it accepts, or not the token's account's to verify): "
            "remove them to verify the others"
        ),
    )


def exit_status(outcomes: Sequence[Outcome]) -> int:
    """3 when identities are left to send (a rerun resumes): Flattr could
    not be reached, or a refusal stopped the batch before its end; else 1
    when it refused anything."""
    statuses = {outcome.status for outcome in outcomes}
    # A refusal that stops a batch at the last identity the store does not
    # hold leaves nothing for a rerun to send: that is a refusal (1), as
    # for a single --identity.
    if "not reached" in statuses or "not sent" in statuses:
        return EXIT_UNREACHABLE
    if "refused" in statuses:
        return EXIT_REFUSED
    return EXIT_OK


# -- the command ------------------------------------------------------------

EPILOG = f"""\
The token: set the environment variable {TOKEN_ENV} (preferred: an option
shows up in the process list and the shell history), or pass --token. It is
sent only in the Authorization header, and never printed.

FILE: a .csv file with the header username,identity, or the site's Pelican
settings file (.py), whose FLATTR_AUTHORS (and FLATTR_USERNAME) give the
identities and FLATTR_VERIFIED_ACCOUNTS the Flattr account of each author
(and, under the key "FLATTR_USERNAME", the site owner's). An email:ADDRESS
is hashed before anything is sent, printed or stored.

Store: each success is recorded in the SQLite store given by --store, else by
FLATTR_STORE in the settings file (--settings, or --from pelicanconf.py),
else in ./{DEFAULT_STORE}; the output names it. Give the site's settings
file with --identity too (--settings pelicanconf.py), or its verification
goes to another store than the build and `pending` read. A batch skips
identities recorded there, so a rerun resumes where a run stopped.
--identity always sends.

Rehearsal: a run against an API other than Flattr's own (a local stub) is a
rehearsal: its verifications are recorded apart from Flattr's, count only
for later runs against that API, and hand no pending flattrs over; the
output says so.

Exit status:
    0  every identity verified (or already recorded, or skipped)
    1  Flattr refused an identity (a 4xx answer: unauthorized, not_found...)
    2  usage error: bad arguments, an invalid identity, an unreadable FILE or
       store, a store another batch is sending from; nothing is sent
    3  identities left to send, a rerun resumes: could not reach Flattr
       (connection failure, timeout, 5xx, or an answer that is not
       Flattr's), or the batch stopped before its end at a refusal every
       identity would get (a rate limit that outlasted the waits, a token
       Flattr does not accept or without the scope)
   70  a bug of pelican-flattr stopped the run (a traceback follows a
       line saying so, for a bug report)
  130  interrupted (Ctrl-C), after saying what was recorded
  143  stopped by SIGTERM, as by Ctrl-C
A failed run also says what failed, and what its status means, in one line
on stderr; the report stays on stdout (with --quiet, only its problems).
"""


def _seconds(text: str) -> float:
    """An argparse type: a number of seconds (its range is checked later,
    with the other values, so that one message names every mistake)."""
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds"
        ) from None


def add_command(subparsers: Any) -> None:
    """Register ``pelican-flattr verify``."""
    from .cli import path_argument  # cli is loaded: it asks for this

    parser = subparsers.add_parser(
        "verify",
        help="link partner identifiers to Flattr accounts (REST API v2)",
        description=(
            "Tell Flattr that a Flattr account owns a partner identifier, so\n"
            "that the account can claim every pending thing of the identifier\n"
            "at once. One identity with --identity, or many with --from FILE\n"
            "or --settings PELICANCONF."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Not required: --settings alone is a batch too (see _arguments_problem).
    what = parser.add_mutually_exclusive_group()
    what.add_argument(
        "--identity",
        metavar="ID",
        help="the identity to verify: twitter:user:id:NUMBER, email:ADDRESS, "
        "email:MD5HEX or partner:NAMESPACE:ID",
    )
    what.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        type=path_argument,
        help="verify every identity of a CSV (username,identity) or of a "
        "pelicanconf.py (FLATTR_AUTHORS, FLATTR_USERNAME and "
        "FLATTR_VERIFIED_ACCOUNTS; the same as --settings pelicanconf.py)",
    )
    parser.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help="the site's settings file: its FLATTR_STORE is the store, with "
        "--identity and --from a CSV too; given alone, verify its authors (as "
        "--from pelicanconf.py, which earlier versions took)",
    )
    parser.add_argument(
        "--username",
        metavar="NAME",
        help="with --identity: the Flattr account that owns it (default: the "
        "token's own account, POST /user/verify)",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help=f"the OAuth bearer token (prefer the environment variable {TOKEN_ENV})",
    )
    parser.add_argument(
        "--api-url",
        metavar="URL",
        help="the REST API base URL (default: the environment variable "
        f"{API_URL_ENV}, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        type=store_argument,
        help="the SQLite store that records successes (default: FLATTR_STORE of "
        f"--settings or --from pelicanconf.py, else ./{DEFAULT_STORE})",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"how long to wait for each answer (default: {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would be sent, and send nothing",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    # --quiet drops the skipped lines that --verbose asks to lengthen: given
    # both, one was silently ignored.
    talk = parser.add_mutually_exclusive_group()
    talk.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="list each entry skipped on a line of its own (without it, the "
        "entries of a reason more than five share are one line)",
    )
    talk.add_argument(
        "--quiet",
        action="store_true",
        help="print only problems: the identities refused, not reached or not "
        "sent, and the line on stderr that sums up a failed run; nothing when "
        "all went well (for a cron job, which mails any output)",
    )
    parser.set_defaults(handler=run_verify)


def _recorded_so_far(path: Path, api_url: str) -> sqlite3.Connection | None:
    """The store at ``path`` opened read-only for a dry run, or None when it
    holds nothing recorded yet of the API at ``api_url`` (no file, no
    tables, or a store older than the table of other APIs' verifications).
    Raises StoreError, for a store the run that sends would refuse too."""
    try:
        if not existing_store(path):
            # The run that sends would stop here when it cannot make one.
            check_can_be_made(path)
            return None
        connection = open_store_read_only(path)
    except sqlite3.Error as error:
        raise StoreError(path, sqlite_problem(path, error, writing=False)) from None
    # A dry run never migrates: it reads each version's tables as they are.
    version = schema_version(connection, path)
    if version < (1 if api_url == DEFAULT_BASE_URL else OTHER_APIS_SINCE):
        connection.close()
        return None
    return connection


def _all_recorded(requests: Sequence[Request], path: Path, api_url: str) -> bool:
    """Whether the store at ``path`` already holds every one of ``requests``
    verified by the API at ``api_url`` (True for none): a batch that then
    sends nothing reads the store, and leaves its schema as it is."""
    if not requests:
        return True
    try:
        connection = _recorded_so_far(path, api_url)
    except StoreError:
        return False  # said by the open that follows
    if connection is None:
        return False
    try:
        return all(is_recorded(connection, request, api_url) for request in requests)
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def run_verify(args: argparse.Namespace) -> int:
    """The ``verify`` subcommand."""
    report = _Report(args)
    try:
        return _verify(args, report)
    except KeyboardInterrupt as interrupt:
        # Ctrl-C (or SIGTERM, cli.Terminated) at any moment: while reading
        # --from, or opening a store another process holds locked (SQLite
        # waits out its busy timeout) as much as during the batch. With
        # --json the document is still printed (cli.main then ends with
        # status 130, or 143).
        from .cli import interrupted_status

        report.interrupted(interrupted_status(interrupt))
        raise


def _verify(args: argparse.Namespace, report: _Report) -> int:
    problem = _arguments_problem(args)
    if problem is not None:
        return report.usage([problem])

    store_given = bool(args.store)
    if args.identity is not None:
        plan, problems = _single_plan(args.identity, args.username)
        if problems:
            return report.usage(problems)
    elif args.from_file is not None:
        plan = read_plan(args.from_file, store_given=store_given)
    else:
        plan = read_pelicanconf(Path(args.settings), store_given)
    # With --identity or --from a CSV, the settings file names the store
    # alone; --store wins, as over --from's FLATTR_STORE.
    names_store_alone = args.identity is not None or args.from_file is not None
    if args.settings and names_store_alone and not plan.problems:
        plan = _with_store_of(plan, Path(args.settings), store_given)
    if plan.problems:
        return report.usage(list(plan.problems), plan)
    report.plan = plan

    api_url, api_url_source = _api_url(args)
    try:
        base_url = check_base_url(api_url)
    except ValueError as error:
        return report.usage([f"{api_url_source}: {error}"])
    report.api_url = base_url
    recorded_as = recorded_api(base_url)
    if not 0 < args.timeout <= MAX_TIMEOUT:
        return report.usage([f"--timeout: {TIMEOUT_RULE}"])

    token, source = _token(args)
    report.token_source = source
    if token is not None:
        try:
            token = check_token(token)
        except ValueError as error:
            return report.usage([f"{source}: {error}"])
    elif not args.dry_run:
        return report.usage(
            [f"no token: set the environment variable {TOKEN_ENV} (or pass --token)"]
        )

    store_path = Path(args.store) if args.store else plan.store or Path(DEFAULT_STORE)
    # For messages: the settings file whose FLATTR_STORE names the store.
    named_by = (
        _shown_path(Path(args.settings or args.from_file))
        if not args.store and plan.store
        else None
    )
    report.store = store_path
    if plan.settings is not None:
        # As serve refuses it: the next build deletes the verifications
        # with the output, or publishes them with the site. A dry run too,
        # though it only reads: a rehearsal fails where the run would.
        settings_file = _shown_path(Path(args.settings or args.from_file))
        published = published_with_site(
            plan.settings, store_path, settings_file, option=store_given
        )
        if published is not None:
            return report.usage([published])
    # Looked at before it is opened, which writes its first page: a
    # failed restore would then be a store like any other.
    empty = is_empty_file(store_path)
    batch = args.identity is None
    connection = None
    batch_lock = contextlib.ExitStack()
    try:
        # A dry run reads an existing store, even one this user may not
        # write, and never creates one; so does a batch with nothing to
        # send, which must not migrate the store under an older receiver
        # still running. A run that sends needs one it can write, known
        # before anything is sent.
        reads_only = args.dry_run or (
            batch and _all_recorded(plan.requests, store_path, recorded_as)
        )
        if reads_only:
            connection = _recorded_so_far(store_path, recorded_as)
        else:
            connection = open_store(store_path, on_migrate=report.migrated)
            check_writable(connection, store_path)
            if batch:
                batch_lock.enter_context(one_batch_at_a_time(store_path))
    except StoreError as error:
        if connection is not None:
            connection.close()
        return report.usage([redact_addresses(error.message(named_by))])
    except BaseException:  # Ctrl-C while waiting for a lock, above all
        if connection is not None:
            connection.close()
        raise
    if empty:
        # Said as pending and serve say it, and not refused: a store made
        # ahead for its mode is one too.
        said = StoreError(store_path, f"is {EMPTY_FILE}").message(named_by)
        if not reads_only:
            # Once this run writes it, nothing says it was empty again, and
            # the backup restored as advised lacks what this run records.
            said += (
                "; this run records its verifications in it all the same: "
                "after restoring the backup, run the same command again"
            )
        _say(f"pelican-flattr: verify: {redact_addresses(said)}")

    report.start()
    client = None
    try:
        if not args.dry_run:
            try:
                client = FlattrClient(
                    token,
                    base_url,
                    timeout=args.timeout,
                    clock=clock,
                    sleep=sleep,
                    base_url_from=None
                    if api_url_source == DEFAULT_SOURCE
                    else api_url_source,
                    timeout_from="--timeout",
                )
            except UnusableEnvironment as error:
                return report.usage([str(error)])
            report.client = client
        with _progress(args, batch) as advance:
            outcomes = run_requests(
                plan.requests,
                client,
                connection,
                api_url=recorded_as,
                batch=batch,
                on_outcome=report.outcome,
                on_wait=report.waiting,
                advance=advance,
                on_retry=report.retrying,
                token_from=report.token_source or TOKEN_ENV,
                on_interrupt=report.held_at_interrupt,
            )
    except NotRecorded as failure:
        return report.stopped_by_store(
            redact_addresses(
                f"store {store_path}: {failure.error}; the run stopped after "
                f"{failure.outcome.request.identity}, which Flattr verified but "
                "the store could not record (a rerun sends it again, which is "
                "harmless)"
            ),
            "not sent: the run stopped at an earlier identity, whose success "
            "the store could not record",
        )
    except (sqlite3.Error, StoreError) as error:
        return report.stopped_by_store(
            redact_addresses(f"store {store_path}: {error}; the run stopped"),
            "not sent: the run stopped when the store failed",
        )
    finally:
        if client is not None:
            client.close()
        if connection is not None:
            connection.close()
        batch_lock.close()
    status = exit_status(outcomes)
    report.finish(outcomes, status)
    return status


def _arguments_problem(args: argparse.Namespace) -> str | None:
    """What the options given cannot mean together, or None."""
    if args.identity is None and args.from_file is None and args.settings is None:
        return "give --identity, --from or --settings: what to verify"
    if args.username is not None and args.identity is None:
        return "--username goes with --identity; a batch's file names the accounts"
    if (
        args.settings is not None
        and args.from_file is not None
        and Path(args.from_file).suffix.lower() == ".py"
    ):
        return (
            f"--from {_shown_path(Path(args.from_file))} and --settings "
            f"{_shown_path(Path(args.settings))} are both settings files: give "
            "the site's once, with --settings"
        )
    return None


def _with_store_of(plan: Plan, path: Path, store_given: bool) -> Plan:
    """``plan`` with the settings file at ``path`` and the store that its
    ``FLATTR_STORE`` names (none when unset, or with ``store_given``,
    --store), or with the problem that keeps the file or the setting from
    being read."""
    try:
        settings = site_settings(path)
        store = None if store_given else configured_store(settings, path)
        return replace(plan, store=store, settings=settings)
    except ValueError as error:  # SettingsFileError is one
        # It names the settings file, and perhaps the folder it is in.
        return replace(plan, problems=(redact_addresses(str(error)),))


def _single_plan(identity: str, username: str | None) -> tuple[Plan, list[str]]:
    problems = []
    sent = None
    try:
        sent = parse_partner_identifier(identity).value
    except IdentifierError as error:
        problems.append(f"--identity {error}")
    if username is not None:
        try:
            username = check_username(username)
        except IdentifierError as error:
            problems.append(f"--username {error}")
    if problems or sent is None:
        return Plan(), problems
    return Plan(requests=(Request(sent, username, "--identity"),)), []


# Where the API base URL comes from when neither --api-url nor FLATTR_API_URL
# sets it: nothing for the operator to change, so messages name no source.
DEFAULT_SOURCE = "the default API URL"


def _api_url(args: argparse.Namespace) -> tuple[str, str]:
    """The API base URL, and where it came from (for messages)."""
    if args.api_url is not None:
        return args.api_url, "--api-url"
    value = os.environ.get(API_URL_ENV)
    if value:
        return value, API_URL_ENV
    return DEFAULT_BASE_URL, DEFAULT_SOURCE


def _token(args: argparse.Namespace) -> tuple[str | None, str | None]:
    if args.token is not None:
        return args.token, "--token"
    value = os.environ.get(TOKEN_ENV)
    if value is not None and value != "":
        return value, TOKEN_ENV
    return None, None


def _progress(args: argparse.Namespace, batch: bool):
    enabled = batch and not args.json and sys.stdout.isatty()
    return terminal.progress("Verifying", enabled=enabled)


class _Report:
    """Everything the command prints: lines for people as it goes, or one
    JSON document at the end. Messages to people about waiting and
    interruptions go to stderr, so that stdout stays one JSON document."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.plan = Plan()
        self.api_url = ""
        self.store: Path | None = None
        self.token_source: str | None = None
        # The budget its latest answer reported, however the run ends.
        self.client: FlattrClient | None = None
        self.done: list[Outcome] = []
        # Whether the requests were started on, and whether the JSON
        # document is out: an interrupt says what was done, and never
        # prints a second document.
        self.started = False
        self.printed = False
        # The requests not done when Ctrl-C came that the store holds: an
        # interrupt lists them as already verified, not left to send.
        self.held: frozenset[Request] = frozenset()

    @property
    def shown_store(self) -> str:
        """The store's absolute path, as messages show it (see _shown_path):
        a relative one does not say which folder it was taken from."""
        if self.store is None:
            return ""
        return _shown_path(Path(os.path.abspath(self.store)))

    @property
    def rate_limit(self) -> RateLimit | None:
        return None if self.client is None else self.client.rate_limit

    # while running

    def start(self) -> None:
        """Say on stderr which identities go out as written though a build
        no longer publishes them."""
        self.started = True
        if self.args.quiet:
            return
        for request in self.plan.requests:
            why = unpublished_twitter_id(request.identity)
            if why is not None:
                # The operator may have meant the account's own owner.
                _say(
                    f"pelican-flattr: verify: note: {request.identity} "
                    f"({request.source}) is sent as written, though a build no "
                    f"longer publishes it: {why}; {EARLIER_FLATTRS}, and "
                    "verifying it claims them"
                )

    def outcome(self, outcome: Outcome) -> None:
        """Report ``outcome``, once: run_requests gives a success again
        when Ctrl-C came as it was being reported, and the first stays."""
        if self.done and self.done[-1].request is outcome.request:
            return
        self.done.append(outcome)
        if self.args.json or (self.args.quiet and not _is_problem(outcome)):
            return
        request = outcome.request
        who = request.username if request.username is not None else "(token's account)"
        if outcome.status == "would send":
            terminal.print_line(
                f"would send  POST {verify_url(self.api_url, request.username)}  "
                f"identity={request.identity}  ({request.source})"
            )
            return
        line = f"{outcome.status:<16}  {request.identity} -> {who}  ({request.source})"
        if outcome.status in ("refused", "not reached") or outcome.unrecorded:
            line += f"\n    {outcome.message}"
        terminal.print_line(line)

    def migrated(self, old: int) -> None:
        """Say on stderr that the run migrated the store from schema version
        ``old``; with --quiet too: it happens once, and from then on an
        earlier version refuses the store (its receiver answers 503)."""
        _say(f"pelican-flattr: verify: {migrated_notice(self.shown_store, old)}")

    def waiting(self, reset: int) -> None:
        if self.args.quiet:  # a wait is no problem: a cron job mails nothing
            return
        left = len(self.plan.requests) - len(self.done)
        print(
            f"pelican-flattr: Flattr's rate limit is used up; waiting until "
            f"{local_time(reset)} for it to reset ({left} to go)",
            file=sys.stderr,
            flush=True,
        )

    def retrying(self, when: int, problem: str) -> None:
        """Say on stderr that an identity is sent again after a failure
        that says it is passing (a 502, 503 or 504, a connection reset, no
        answer within the timeout); not with --quiet, as one that fails for
        good is said with its identity."""
        if not self.args.quiet:
            _say(f"pelican-flattr: {problem}; trying again at {local_time(when)}")

    def held_at_interrupt(self, held: frozenset[Request]) -> None:
        """Take ``held``, the requests not done when Ctrl-C came that the
        store holds, for what ``interrupted`` says is left."""
        self.held = held

    def interrupted(self, status: int) -> None:
        """Say what was done; with --json, still print the document (with
        ``"interrupted": true`` and the exit status ``status``: 130 after
        Ctrl-C, 143 after SIGTERM)."""

        verified = [outcome for outcome in self.done if outcome.status == "verified"]
        missing = [o.request.identity for o in verified if o.unrecorded]
        left = [self._left(request) for request in self.plan.requests[len(self.done) :]]
        if not self.started:
            # Reading FILE or opening the store: no request was made yet.
            said = "pelican-flattr: verify: interrupted before anything was sent"
        elif missing:
            said = (
                f"pelican-flattr: stopped after {len(verified)} new "
                f"verifications, {len(verified) - len(missing)} recorded in "
                f"{self.shown_store}; {', '.join(missing)} verified at Flattr but not "
                "recorded, so a rerun sends it again (harmless); "
                + _resuming(left, sending=True)
            )
        else:
            said = (
                f"pelican-flattr: stopped after {len(verified)} new "
                f"verifications, each recorded in {self.shown_store}; "
                + _resuming(left, sending=False)
            )
        _say(said)
        if self.args.json and not self.printed:
            # The identities not done are listed, as a run the store
            # stopped lists them: a script reads what is left to send
            # (the one in flight too: a rerun sends it again, harmlessly).
            document = self._document([*self.done, *left], status)
            document["interrupted"] = True
            self._print_json(document)

    def _left(self, request: Request) -> Outcome:
        """The outcome of ``request``, not done when Ctrl-C came: already
        verified when the store holds it, as a rerun would find it."""
        if request in self.held:
            return _already_verified(request)
        return Outcome(request, "not sent", "not sent: the run was interrupted first")

    # at the end

    def usage(self, problems: list[str], plan: Plan | None = None) -> int:
        for problem in problems:
            _say(f"pelican-flattr: verify: {problem}")
        if not self.done:
            print(
                "pelican-flattr: verify: nothing was sent", file=sys.stderr, flush=True
            )
        if self.args.json:
            document = self._document(self.done, EXIT_USAGE)
            document["problems"] = problems
            if plan is not None:
                document["skipped"] = [_skipped_json(s) for s in plan.skipped]
            self._print_json(document)
        return EXIT_USAGE

    def stopped_by_store(self, problem: str, reason: str) -> int:
        """The end of a run the store stopped: every identity not done yet
        is listed as ``not sent`` (for ``reason``), with the summary, as a
        run stopped by Flattr lists them; status 2."""
        # The outcomes come in the order of the plan's requests: those
        # after the last one done never went out.
        for request in self.plan.requests[len(self.done) :]:
            self.outcome(Outcome(request, "not sent", reason))
        self.finish(list(self.done), EXIT_USAGE, [problem])
        return EXIT_USAGE

    def finish(
        self, outcomes: list[Outcome], status: int, problems: Sequence[str] = ()
    ) -> None:
        """The summary (or the JSON document) at the end of a run that sent
        what it could; ``problems`` stopped it (a store that failed). A run
        that failed says so in one line on stderr too."""
        for problem in problems:
            _say(f"pelican-flattr: verify: {problem}")
        if problems and not any(o.status in _SENT for o in outcomes):
            print(
                "pelican-flattr: verify: nothing was sent", file=sys.stderr, flush=True
            )
        if self.args.json:
            document = self._document(outcomes, status)
            document["problems"] = list(problems)
            self._print_json(document)
        elif not self.args.quiet:
            self._print_summary(outcomes, problems)
        if status != EXIT_OK:
            _say(self.failure(outcomes, status))

    def failure(self, outcomes: Sequence[Outcome], status: int) -> str:
        """The one line that says a run failed: what failed, how many, and
        what the exit ``status`` means, for a cron job's mail or a script
        that reads stderr (the report, on stdout, may go to a log)."""
        tally = _Tally(list(outcomes))
        unrecorded = sum(1 for outcome in outcomes if outcome.unrecorded)
        parts = [f"{unrecorded} not recorded"] if unrecorded else []
        parts += [
            f"{tally.count(status_)} {status_}"
            for status_ in ("refused", "not reached", "not sent")
            if tally.count(status_)
        ]
        noun = "identity" if len(outcomes) == 1 else "identities"
        return (
            f"pelican-flattr: verify: {', '.join(parts)} of {len(outcomes)} {noun}; "
            f"exit status {status}: {_FAILED[status]}"
        )

    def _print_summary(self, outcomes: list[Outcome], problems: Sequence[str]) -> None:
        """The lines for people after the identities': a batch's summary,
        the store, the rate budget, and how to resume."""
        if self.args.identity is not None:  # one identity: its line said it all
            self._print_recorded(outcomes)
            if not self.args.dry_run:
                terminal.print_line(f"Rate budget: {self.budget(outcomes)}")
            return
        # After the identities', which are what needs doing: 1,500 lines of
        # skipped authors came first.
        terminal.print_lines(_skipped_lines(self.plan.skipped, self.args.verbose))
        tally = _Tally(outcomes)
        parts = [
            f"{tally.count(status_)} {status_}"
            for status_ in (
                "verified",
                "already verified",
                "would send",
                "refused",
                "not reached",
                "not sent",
            )
            if tally.count(status_)
        ]
        if self.plan.skipped:
            parts.append(f"{len(self.plan.skipped)} skipped")
        summary = ", ".join(parts) or "nothing to verify"
        if self.args.dry_run:
            summary += " (dry run: nothing was sent)"
        noun = "identity" if len(outcomes) == 1 else "identities"
        terminal.print_line(f"{len(outcomes)} {noun}: {summary}")
        # Identities left to send, whatever stopped the batch (Flattr out of
        # reach, a rate limit that outlasted the waits, a token without the
        # scope): a rerun sends them. Not when the store stopped it, whose
        # problem says what a rerun does.
        left = tally.count("not reached") + tally.count("not sent")
        resume = bool(left and len(outcomes) > 1 and not problems)
        if not resume and not problems:
            self._print_recorded(outcomes)
        if not self.args.dry_run:
            terminal.print_line(f"Rate budget: {self.budget(outcomes)}")
        if resume:
            terminal.print_line(
                f"Successes are recorded in {self.shown_store}; run the same command "
                "again to resume."
            )

    @property
    def rehearsal(self) -> bool:
        """Whether the API is not Flattr's own (a local stub), whose
        verifications are recorded apart from Flattr's."""
        return bool(self.api_url) and recorded_api(self.api_url) != DEFAULT_BASE_URL

    def _print_recorded(self, outcomes: Sequence[Outcome]) -> None:
        """Name the store that holds the identities verified, if any: the
        operator checks it is the one the build and ``pending`` read. And a
        rehearsal says so, which would otherwise read as Flattr's answer."""
        if not any(
            o.status in ("verified", "already verified") and not o.unrecorded
            for o in outcomes
        ):
            return
        line = f"Recorded in {self.shown_store}"
        if self.rehearsal:
            line += (
                f" as a rehearsal: {self.api_url} is not Flattr's API, so its "
                "verifications are kept apart from Flattr's and hand no pending "
                "flattrs over (pending still lists them)"
            )
        terminal.print_line(f"{line}.")

    def budget(self, outcomes: Sequence[Outcome]) -> str:
        """The rate budget, or why it is unknown: only answers of Flattr's
        that lacked the headers point at a proxy or gateway dropping them."""
        if self.rate_limit is not None:
            return self.rate_limit.describe()
        if not any(outcome.status in _SENT for outcome in outcomes):
            return "unknown (nothing was sent)"
        if self.client is None or not self.client.flattr_answered:
            return "unknown (no answer from Flattr arrived)"
        return "unknown (no answer carried Flattr's rate limit headers)"

    def _print_json(self, document: dict[str, Any]) -> None:
        # Set first: an interrupt while it is written must not print another.
        self.printed = True
        terminal.print_json(document)

    def _document(self, outcomes: list[Outcome], status: int) -> dict[str, Any]:
        results = []
        for outcome in outcomes:
            request = outcome.request
            entry: dict[str, Any] = {
                "source": request.source,
                "identity": request.identity,
                "username": request.username,
                "outcome": outcome.status,
                "error": outcome.code,
                "message": outcome.message,
            }
            if outcome.status == "would send":
                entry["request"] = {
                    "method": "POST",
                    "url": verify_url(self.api_url, request.username),
                    "form": {"identity": request.identity},
                }
            results.append(entry)
        return {
            "ok": status == EXIT_OK,
            "exit_status": status,
            "dry_run": bool(self.args.dry_run),
            "api_url": self.api_url or None,
            "rehearsal": self.rehearsal,
            # As given: the document of earlier versions.
            "store": None if self.store is None else _shown_path(self.store),
            "token_from": self.token_source,
            "results": results,
            "skipped": [_skipped_json(s) for s in self.plan.skipped],
            "problems": [],
            "rate_limit": None
            if self.rate_limit is None
            else self.rate_limit.as_dict(),
        }


def _is_problem(outcome: Outcome) -> bool:
    """Whether ``outcome`` is one that --quiet still prints."""
    return outcome.status in ("refused", "not reached", "not sent") or (
        outcome.unrecorded
    )


def _resuming(left: Sequence[Outcome], sending: bool) -> str:
    """What an interrupted run says of resuming, given the outcomes of the
    identities ``left``: whether a rerun has any to send (it does when
    ``sending``, a success not recorded), and how many the store holds."""
    held = sum(1 for outcome in left if outcome.status == "already verified")
    noun = "identity" if len(left) == 1 else "identities"
    if sending or held < len(left):
        said = "run the same command again to resume"
        if held:
            said += (
                f" (the store already holds {held} of the {len(left)} {noun} "
                "left, which it skips)"
            )
        return said
    if held:
        return f"nothing is left to send (the store holds the {held} {noun} left)"
    return "nothing is left to send"


# What the exit status of a failed run means, as its line on stderr says.
_FAILED = {
    EXIT_REFUSED: "Flattr refused an identity (the report on stdout says why)",
    EXIT_USAGE: "the store failed (said above); a rerun sends what is left",
    EXIT_UNREACHABLE: "identities left to send (Flattr could not be reached, or "
    "the batch stopped at a refusal every identity would get); run the same "
    "command again to resume",
}


def _say(text: str) -> None:
    """A message on stderr, its control characters escaped as every line
    for people is (``terminal.shown``): a problem names the file given, whose
    name may hold a terminal escape."""
    print(terminal.shown(text, lines=True), file=sys.stderr, flush=True)


# How many entries skipped for one reason get a line each before one line
# says it for them all, naming this many: of 2,000 authors, 500 Flattr
# users read as 500 lines.
_SAID_ALONE = 5


def _skipped_lines(skipped: Sequence[Skipped], verbose: bool) -> Iterator[str]:
    """A line for each entry of ``skipped``, in order; but, unless
    ``verbose``, one for the entries of a reason more than ``_SAID_ALONE``
    share, where the first of them is, naming the first few."""
    sharing: dict[str, list[Skipped]] = {}
    for entry in skipped:
        sharing.setdefault(entry.shared or entry.reason, []).append(entry)
    for entry in skipped:
        group = sharing[entry.shared or entry.reason]
        if verbose or len(group) <= _SAID_ALONE:
            shown = f"{entry.identity}  " if entry.identity else ""
            yield f"{'skipped':<16}  {shown}({entry.source}) {entry.reason}"
        elif entry is group[0]:
            sources = listed([each.source for each in group], _SAID_ALONE)
            yield (
                f"{'skipped':<16}  {len(group)} entries ({sources}; -v lists "
                f"each) {entry.shared or entry.reason}"
            )


def _skipped_json(skipped: Skipped) -> dict[str, Any]:
    return {
        "source": skipped.source,
        "identity": skipped.identity,
        "reason": skipped.reason,
    }
