"""Pending flattrs per owner, read from the operator's store at build time.

The web hook receiver stores each ``pendingclickcreate`` Flattr sends. A
build that is given the store (``FLATTR_STORE``) tells each author how many
flattrs wait for them and how to claim them, on their author page. What a
build publishes here never holds an email address: the claim URL of an
``email:`` owner only works with the plain address appended, so it is left
out entirely and the notice says to ask the site's editors instead. Nor
does it link to a claim URL that is not Flattr's own (``claim_url_problem``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from .identifiers import Owner, holds_at_sign
from .store import MAX_CLICKS
from .thing import check_thing_url
from .wording import shown_value

if TYPE_CHECKING:
    import sqlite3

_Read = TypeVar("_Read")


@dataclass(frozen=True)
class PendingTotals:
    """What waits for one owner identifier (the key it is read under)."""

    things: int  # things with flattrs not yet handed over (see _TOTALS)
    # Sum over those things of their highest flattr count less the count
    # handed over at verification, each capped at MAX_CLICKS.
    flattrs: int
    latest: str  # UTC ISO 8601 time of the newest event not handed over
    claim_url: str  # from the newest event; private for email owners


@dataclass(frozen=True)
class PendingNotice:
    """What an author page may show: safe to publish."""

    things: int
    flattrs: int
    latest: str
    owner_kind: str
    claim_url: str | None  # None for email owners: see the module docstring


# Deliveries may repeat and arrive out of order: a thing counts once, with
# the highest total seen (capped: see MAX_CLICKS). Once an identity is
# verified (``pelican-flattr verify`` against Flattr's own API, recorded in
# the same store; a rehearsal server's verifications are kept apart, in
# verified_at_other_apis), Flattr hands its pending things to the account:
# what arrived until then no longer waits, and a thing counts only the
# flattrs beyond the highest total it had by then. A total no higher than
# that, arriving late, is an old flattr's delivery. A total of 0, which
# older versions stored, is no flattr. julianday() reads both stored forms
# of a UTC time ("Z", "+00:00").
# A thing whose deliveries name two owners (its owner changed at Flattr)
# counts once, under the owner of its highest total: its claim URL claims
# the thing with all its flattrs, and counted for each owner, a thing
# flattred 3 times counted 5. A total stored as no integer (a store edited
# by hand: text compares above every number) is no flattr either.
# An owner, thing id or time stored as a BLOB (a store edited by hand:
# SQLite keeps what it is given) is read as the text it holds, as the
# claim URL is: counted with its text, matched to its verification, and
# never handed to a reader as bytes, which `pending` crashed on. Its claim
# URL is looked up under the owner either way it may be stored, each way
# found by the index. A BLOB that is no UTF-8 makes the store unreadable,
# its column named (sqlite_problem).
_WAITING = f"""
    SELECT thing_owner_id AS owner, thing_id,
           MIN(MAX(thing_clicks_total), {MAX_CLICKS})
           - MIN(MAX(CASE WHEN handed THEN thing_clicks_total ELSE 0 END),
                 {MAX_CLICKS})
           AS clicks,
           MAX(CASE WHEN handed THEN NULL ELSE received_at END) AS latest
      FROM (SELECT CAST(event.thing_owner_id AS TEXT) AS thing_owner_id,
                   CAST(event.thing_id AS TEXT) AS thing_id, thing_clicks_total,
                   CAST(event.received_at AS TEXT) AS received_at, EXISTS (
                   SELECT 1 FROM verified_identities AS verified
                    WHERE verified.identity = CAST(event.thing_owner_id AS TEXT)
                      AND julianday(CAST(event.received_at AS TEXT))
                          <= julianday(verified.verified_at)) AS handed
              FROM pending_flattrs AS event
             WHERE thing_clicks_total > 0
               AND typeof(thing_clicks_total) = 'integer'
               AND event.thing_owner_id = (
                   SELECT top.thing_owner_id FROM pending_flattrs AS top
                    WHERE top.thing_id = event.thing_id
                      AND typeof(top.thing_clicks_total) = 'integer'
                    ORDER BY top.thing_clicks_total DESC LIMIT 1))
     GROUP BY thing_owner_id, thing_id
    HAVING clicks > 0
"""
_TOTALS = f"""
    SELECT owner, COUNT(*), SUM(clicks), MAX(latest),
           (SELECT CAST(claim_url AS TEXT) FROM pending_flattrs AS newest
             WHERE newest.thing_owner_id IN (owner, CAST(owner AS BLOB))
               AND thing_clicks_total > 0
               AND typeof(thing_clicks_total) = 'integer'
             ORDER BY CAST(received_at AS TEXT) DESC, thing_clicks_total DESC
             LIMIT 1)
           AS claim_url
      FROM ({_WAITING})
     GROUP BY owner
"""
# Each owner's things in the order of their ids (SQLite compares text as
# UTF-8 bytes, which is the order of code points, as sorted() gives it).
_THINGS = f"SELECT owner, thing_id FROM ({_WAITING}) ORDER BY owner, thing_id"


def pending_totals(connection: sqlite3.Connection) -> dict[str, PendingTotals]:
    """Pending totals of every owner identifier in the store."""
    return {
        row[0]: PendingTotals(row[1], row[2], row[3], row[4])
        for row in connection.execute(_TOTALS)
    }


def pending_things(connection: sqlite3.Connection) -> dict[str, list[str]]:
    """The ids of the things ``pending_totals`` counts, by owner identifier,
    each owner's in order."""
    things: dict[str, list[str]] = {}
    for owner, thing_id in connection.execute(_THINGS):
        things.setdefault(owner, []).append(thing_id)
    return things


def read_pending_totals(path: str | os.PathLike[str]) -> dict[str, PendingTotals]:
    """Open the store at ``path`` (a Path or str) read-only and read the
    totals.

    Raises sqlite3.Error (or OSError) when the store cannot be read, and
    StoreError for one newer than this version understands, whose tables
    may mean something else, and for a database that is no store of this
    program's (see check_store).
    """
    return _read_store(path, pending_totals, {})


def read_pending_report(
    path: str | os.PathLike[str],
) -> tuple[dict[str, PendingTotals], dict[str, list[str]]]:
    """The totals of ``read_pending_totals`` and the things of
    ``pending_things``, read from one state of the store: a delivery stored
    in between would have a thing counted but not listed. Raises as
    ``read_pending_totals``."""

    def read(
        connection: sqlite3.Connection,
    ) -> tuple[dict[str, PendingTotals], dict[str, list[str]]]:
        # Python's sqlite3 begins no transaction for a SELECT: each would
        # read the store as it is then.
        connection.execute("BEGIN")
        try:
            return pending_totals(connection), pending_things(connection)
        finally:
            connection.rollback()

    return _read_store(path, read, ({}, {}))


def _read_store(
    path: str | os.PathLike[str],
    read: Callable[[sqlite3.Connection], _Read],
    empty: _Read,
) -> _Read:
    """``read`` of the store at ``path``, opened read-only; ``empty`` for
    a store without tables."""
    from .store import open_store_read_only, schema_version

    path = Path(path)
    connection = open_store_read_only(path)
    try:
        if schema_version(connection, path) == 0:
            # An empty file, or a database without tables: a store not yet
            # written, which holds no pending flattrs (yet). The tables read
            # here are all of version 1: an older store, which a reader may
            # not migrate, is read as it is.
            return empty
        return read(connection)
    finally:
        connection.close()


# Flattr's claim URLs are pages of its own: https, on flattr.com or a name
# under it. The receiver keeps a delivery whose claim URL is elsewhere, as
# refusing it would lose a flattr Flattr may not send again; but anyone
# holding the web hook token can send one, and a theme's "Claim them on
# flattr.com" would take authors wherever it leads.
_FLATTR_HOST = re.compile(r"(?:[a-z0-9-]+\.)*flattr\.com")


def claim_url_problem(url: str) -> str | None:
    """Why no build links to the claim URL ``url``, in words that follow
    "the claim URL" ("is on 'x.example', not on flattr.com"), or None for
    one it links to: https, on flattr.com or a name under it, without an
    "@" or anything that browsers read otherwise."""
    # A store filled before the receiver refused claim URLs holding an "@",
    # or by hand, may still have one: the URL is never shown.
    if holds_at_sign(url):
        return "holds an email address or an '@'"
    problem = check_thing_url(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    # hostname is in lower case, as browsers read it; check_thing_url
    # refused what they would read as another name (a "\\", escapes).
    # "flattr.com." is the same host, fully qualified.
    if not _FLATTR_HOST.fullmatch((parts.hostname or "").removesuffix(".")):
        return f"is on {shown_value(parts.hostname)}, not on flattr.com"
    if parts.scheme != "https":
        return "is plain http://, not https://"
    return None


def notices_by_author(
    authors: Mapping[str, Owner],
    totals: Mapping[str, PendingTotals],
    unlinked: list[tuple[str, str, str]] | None = None,
) -> dict[str, PendingNotice]:
    """Author name -> the notice for their owner identifier, if any waits.

    A notice whose owner's claim URL no build links to (see
    ``claim_url_problem``) has none; ``unlinked`` gets its (author name,
    owner identifier, problem), for the build to say. An email owner's
    claim URL is never linked, so never said either.
    """
    notices = {}
    for name, owner in authors.items():
        found = totals.get(owner.value)
        if found is None or not owner.is_partner_identifier:
            continue
        problem = None if owner.kind == "email" else claim_url_problem(found.claim_url)
        if problem is not None and unlinked is not None:
            unlinked.append((name, owner.value, problem))
        notices[name] = PendingNotice(
            things=found.things,
            flattrs=found.flattrs,
            latest=found.latest,
            owner_kind=owner.kind,
            claim_url=None
            if owner.kind == "email" or problem is not None
            else found.claim_url,
        )
    return notices
