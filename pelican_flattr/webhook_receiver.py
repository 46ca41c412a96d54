"""The receiver of Flattr's partner web hooks: a plain WSGI application.

Flattr POSTs each event form-encoded to the one URL a partner registered,
with the event's name in ``_event``. It signs nothing, so the URL carries a
secret token; every request without it gets 404, as if nothing were here.
A ``pendingclickcreate`` (an unclaimed thing received a pending flattr) is
validated and stored; the answer is 2xx only once SQLite has committed it
to the file at the store's path (a store moved away is not written on).
Deliveries may repeat and arrive out of order: an event is keyed on
``thing_id`` and ``thing_clicks_total``, so a repeat is stored once.
Unknown events are kept as ignored, the newest of them and each cut short,
and never counted.

Works under any WSGI server; ``pelican-flattr webhook serve`` runs it on
waitress.
"""

from __future__ import annotations

import codecs
import contextlib
import hmac
import json
import logging
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, unquote_to_bytes, urlsplit, urlunsplit

from .identifiers import (
    ENCODED_WIDE_AT_SIGN,
    MD5_HEX,
    PARTNER_NAMESPACE,
    REFERENCED_AT_SIGN,
    IdentifierError,
    holds_at_sign,
    invisible_character,
    parse_owner,
    redact_around,
    redact_encoded_references,
    redact_referenced_addresses,
    twitter_owner_as_written,
)
from .identifiers import redact_encoded_addresses as redact
from .notice import claim_url_problem
from .store import (
    MAX_CLICKS,
    StoreError,
    check_writable,
    journal_paths,
    migrated_notice,
    open_store,
    schema_version,
    sqlite_problem,
    write_transaction,
)
from .thing import check_thing_url

MAX_BODY = 64 * 1024
IGNORED_BODY_KEPT = 4096  # bytes of an unknown event's body worth keeping
# Unknown events kept, the newest: nothing reads them but an operator
# looking into what Flattr sent, and anyone with the token could fill the
# disk with them. About 5 MB of the store at most.
IGNORED_EVENTS_KEPT = 1000
EVENT_NAME_KEPT = 100
# An event its log line shows bare, as all of Flattr's are: any other is
# quoted, or one holding ' thing_id="1"' would forge a field.
_PLAIN_EVENT = re.compile(r"[a-z0-9_.-]+")
# Characters of a refusal's message in its log line: each of the
# receiver's fits whole (the longest, a parameter's name or an owner
# repeated in it, is under 300), and a line stays one bounded line.
REASON_LOGGED = 300
MAX_CLAIM_URL = 2048  # characters
_DEFAULT_PORTS = {"http": 80, "https": 443}
PENDING_CLICK = "pendingclickcreate"
# What the receiver reads of a pendingclickcreate, besides _event.
PENDING_CLICK_FIELDS = (
    "thing_id",
    "thing_owner_id",
    "thing_clicks_total",
    "flattrer_username",
    "claim_url",
)
ROUTE_PREFIX = "/hooks/"
MIN_TOKEN_LENGTH = 32
# URL-safe, so that the registered URL needs no escaping.
TOKEN_PATTERN = re.compile(rf"[A-Za-z0-9_-]{{{MIN_TOKEN_LENGTH},}}")
TOKEN_RULE = f"at least {MIN_TOKEN_LENGTH} characters of letters, digits, '-' and '_'"

logger = logging.getLogger("pelican_flattr.webhook")
# Importing Pelican makes every logger created afterwards drop a message it
# has logged before (its LimitFilter): two deliveries of the same event
# answered in the same time would leave one log line. Every request has its
# line here.
for _filter in list(logger.filters):
    logger.removeFilter(_filter)

_BROKEN_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
# C0 and C1 controls and DEL: never part of an id, a username or a URL, and
# they would reach terminals (``pending``) and author pages (claim URLs).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The line and paragraph separators (Zl, Zp): a terminal or a log reader
# may end a line at either, as at a newline.
_SEPARATOR = re.compile("[\u2028\u2029]")
# Characters that show as a blank without being a space: the Hangul
# fillers (letters) and the braille blank (a symbol).
# None is in Flattr's ids, usernames or URLs, and in a claim URL each hides
# what follows a real-looking host ("https://flattr.com\u3164.evil.example").
_SHOWN_AS_BLANK = re.compile("[\u115f\u1160\u3164\uffa0\u2800]")
# The owner identifiers Flattr sends: it knows an email owner by the hash
# alone, and a thing of a Flattr user is never pending.
DELIVERED_OWNER_FORMS = "twitter:user:id:NUMBER, email:MD5HEX or partner:NAMESPACE:ID"
# A partner's owner as Flattr sends it: the namespace Flattr gave the
# partner, and an ID of the partner's. One web hook URL serves all of the
# partner's tools, whose IDs need not fit the rule the plugin publishes its
# own by (identifiers._PARTNER): any that `pending` can list as sent.
_DELIVERED_PARTNER = re.compile(rf"(?ai:partner):({PARTNER_NAMESPACE}):(.+)")
MAX_PARTNER_ID = 200  # characters, as a thing_id
# An address in a form body, its "@" as it is or percent-encoded (once
# more for each "%25"), or a full-width or small "@" percent-encoded: runs
# of anything but separators around such a sign.
_BODY_AT_SIGN = re.compile(r"@|%(?:25)*40|" + ENCODED_WIDE_AT_SIGN)
_BODY_ADDRESS_RUN = re.compile(r"[^&=@\s]+")
# A count of flattrs, from 1 (a pendingclickcreate tells of a flattr, so a
# total of 0 is no flattr at all) to MAX_CLICKS (see store.py), in ASCII
# digits. Leading zeros write the same number, and refusing them would
# lose a delivery for its spelling: they are read past.
_CLICKS = re.compile(r"0*([1-9][0-9]{0,9})")
_DIGITS = re.compile(r"[0-9]+")
_FORM_TYPE = "application/x-www-form-urlencoded"
# What a form body may be declared in: UTF-8, which is also what a body
# without a charset is read as, and its ASCII subset.
_CHARSETS = ("utf-8", "ascii")  # as codecs.lookup() names them


class Refusal(Exception):
    """A request answered with an error status; nothing is stored.

    ``event`` is the ``_event`` of a body refused once it was read, for the
    log line: a delivery of Flattr's own event that fails validation must
    stand out from a probe without one.
    """

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        event: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.event = event


@dataclass
class _Delivery:
    """What one request turned out to hold, as far as it was read."""

    event: str | None = None  # the body's _event
    # A pendingclickcreate's "stored" or "duplicate", as the answer says:
    # the log line tells a repeat from a new flattr.
    outcome: str | None = None
    # Why no build links to its claim URL, for the log line: stored all the
    # same, but the operator may look into who sent it.
    unlinked: str | None = None
    # A pendingclickcreate's fields that tell which flattr it is, each that
    # passed its own check: of a delivery lost, the log line is all that
    # is left to tell Flattr or the author.
    thing: dict[str, str | int] = field(default_factory=dict)
    # The fields in which a duplicate differs from the event stored: a
    # retry differs in none, another sender's delivery may.
    differs: list[str] = field(default_factory=list)
    # Whether a delivery stored names another owner than the thing had
    # (``_names_other_owner``): its owner changed at Flattr, or a sender erred.
    other_owner: bool = False


@dataclass(frozen=True)
class PendingClick:
    """``pendingclickcreate``: an unclaimed thing received a pending flattr."""

    thing_id: str
    thing_clicks_total: int
    thing_owner_id: str
    flattrer_username: str  # empty for an anonymous flattr
    claim_url: str


def parse_form(body: bytes) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Decode a form-encoded body strictly: ASCII, valid percent escapes,
    UTF-8 values; empty pieces ("a=1&") are skipped, and a name without
    "=" has an empty value. The parameters, each
    with its first value, and the other values of those repeated with
    another text (``refuse_disputed`` refuses those the receiver reads
    otherwise). Raises Refusal(400) naming the parameter at fault, with the
    ``_event`` read before it."""
    form: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    try:
        _read_form(body, form, repeats)
    except Refusal as refusal:
        # A delivery of Flattr's own event broken further on must stand out
        # in the log from a probe without one.
        refusal.event = form.get("_event")
        raise
    return form, repeats


def refuse_disputed(
    form: Mapping[str, str],
    repeats: Mapping[str, list[str]],
    names: Iterable[str],
    read: Callable[[Mapping[str, str]], object],
) -> None:
    """Refusal(400) naming the first of ``names`` that ``parse_form`` found
    repeated with a value that ``read`` (what the receiver makes of the
    form) reads otherwise than the first: which one Flattr meant is
    unknown, and storing either could be wrong. A repeat read alike (007
    for 7, an event's name in other letters) is no dispute: refusing it
    would lose the delivery."""
    for name in names:
        if name not in repeats:
            continue
        first = _reading(read, form)
        for value in repeats[name]:
            if _reading(read, {**form, name: value}) != first:
                raise Refusal(
                    400, f"parameter {name!r} is repeated with different values", name
                )


def _reading(
    read: Callable[[Mapping[str, str]], object], form: Mapping[str, str]
) -> object:
    """What ``read`` makes of ``form``, or None where it refuses it: two
    values refused alike are no dispute, and the first is refused as it is
    once ``refuse_disputed`` lets it by."""
    try:
        return read(form)
    except Refusal:
        return None


def _event_name(form: Mapping[str, str]) -> str:
    """The ``_event`` of ``form`` as the receiver tells events apart:
    trimmed, in lower case."""
    return _told_apart(form.get("_event"))


def _told_apart(event: str | None) -> str:
    """``event``, an ``_event`` as sent, as the receiver tells events
    apart: trimmed, in lower case ("" for none)."""
    return _trimmed(event or "").lower()


def _read_form(
    body: bytes, form: dict[str, str], repeats: dict[str, list[str]]
) -> None:
    for part in body.split(b"&"):
        if not part:
            # As browsers and the WHATWG parser do: "a=1&" or "a=1&&b=2"
            # loses nothing, and refusing it would lose the delivery.
            continue
        # A piece without "=" is a name with an empty value, as browsers
        # and the WHATWG parser read it: refused, it lost the delivery of
        # every other parameter, and what reads the value refuses it empty.
        raw_name, _, raw_value = part.partition(b"=")
        name = _form_text(raw_name, None)
        shown = _shown_name(name)
        if not name:
            raise Refusal(400, "the body has a parameter without a name")
        value = _form_text(raw_value, shown)
        if name not in form:
            form[name] = value
        elif value != form[name]:
            # Kept for refuse_disputed, which compares them as read where
            # the receiver reads them: a repeat of a parameter it never
            # reads, or of a value read alike, changes nothing it stores.
            repeats.setdefault(name, []).append(value)


def _shown_name(name: str) -> str:
    """A parameter's name as an answer or a log line repeats it: without
    addresses or control characters, and short."""
    # Redacted whole before the cut, which could leave half an address.
    return _CONTROL.sub("?", redact_all_addresses(name))[:50]


# An "@" as it is (full-width or small too) or a character reference, and
# the run after it of what a domain holds, its escapes (of a letter, a
# digit, "-", ".", "_", a byte of a UTF-8 character, or another "@")
# included, up to an escape of a byte no domain holds: an escaped
# separator ("%26", "%3D", "%2526"...), which ends the address. The run is
# one that every reading of a domain after such a sign reads whole.
_DOMAIN_BYTE = (
    r"[89A-Fa-f][0-9A-Fa-f]|2[DEde]|3[0-9]|4[0-9A-Fa-f]|6[1-9A-Fa-f]"
    r"|[57][0-9Aa]|5[Ff]"
)
_DOMAIN_BEFORE_ESCAPE = re.compile(
    rf"(?:[@\uff20\ufe6b]|{REFERENCED_AT_SIGN.pattern})"
    rf"(?:[^@\uff20\ufe6b\s'\"<>()\[\],;:/%&?=]|%(?:25)*(?:{_DOMAIN_BYTE}))+"
    # Each "25" taken first: "%2540" is an escaped "@", not a "%".
    rf"(?=%(?:25)*(?!25|{_DOMAIN_BYTE})[0-9A-Fa-f]{{2}})"
)


def redact_all_addresses(text: str) -> str:
    """``text`` without email addresses: their "@" plain, percent-encoded,
    full-width or small, or a character reference, plain or with its "&"
    percent-encoded (``%26%2364%3B``). What the receiver's log
    lines and answers show, and ``pending`` too. An escaped separator after
    an address (``%26``, ``%3D``) is left as it is."""
    if "%" not in text:
        return _redact_all_addresses(text)
    # Read as one, the text after an address's "@" up to the next "/" or
    # space is its domain, escaped separators and what follows them too:
    # cut after each domain, each piece is read alone.
    pieces = []
    start = 0
    for found in _DOMAIN_BEFORE_ESCAPE.finditer(text):
        piece = _redact_all_addresses(text[start : found.end()])
        if not piece.endswith("[address]"):
            # A sign whose local part the address before took, or a
            # locale (sr@latin): read with what follows, its domain was
            # hidden, and it still is.
            piece = _redact_all_addresses(text[start : found.start()]) + "[address]"
        pieces.append(piece)
        start = found.end()
    pieces.append(_redact_all_addresses(text[start:]))
    return "".join(pieces)


def _redact_all_addresses(text: str) -> str:
    text = redact_encoded_references(redact(text))
    if "&" not in text:
        return text
    return redact_referenced_addresses(text)


def _form_text(raw: bytes, field: str | None) -> str:
    """One name or value of a form body, decoded; Refusal(400) names the
    parameter: ``field``, or the name as it came while a name is decoded
    (None)."""
    if not raw.isascii():
        problem = "holds raw non-ASCII bytes (percent-encode them)"
    elif _BROKEN_PERCENT.search(raw):
        problem = "has a broken percent escape"
    else:
        try:
            return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            problem = "is not valid UTF-8"
    if field is None:
        # What cannot be decoded is shown as sent, its other bytes as "?".
        field = _shown_name(raw.decode("ascii", "replace").replace("\ufffd", "?"))
        raise Refusal(400, f"parameter name {field!r} {problem}", field)
    raise Refusal(400, f"parameter {field!r} {problem}", field)


def _trimmed(value: str) -> str:
    """A field's ``value`` without the ASCII whitespace around it (spaces,
    which a form writes as "+" or "%20", tabs and line breaks, which a
    sender's template may leave), which the receiver reads past."""
    # Not str.strip(), which also took the C0 separators (\x1c-\x1f), \x0b,
    # NEL, U+2028 and other spaces, so "ctl-1\x1f" was stored as "ctl-1"
    # where "ctl-2\x1b" was refused. Those are refused anywhere in a
    # pendingclickcreate's field (_no_controls), another space kept as
    # sent; an event's name holding any is another name. A tab or line
    # break is read past, as before: refused, or an event ignored with 202,
    # a delivery Flattr never sends again would be lost.
    return value.strip(_ASCII_WHITESPACE)


# WHATWG's "ASCII whitespace".
_ASCII_WHITESPACE = " \t\n\x0c\r"


def _required(form: Mapping[str, str], name: str) -> str:
    value = _trimmed(form.get(name, ""))
    if not value:
        raise Refusal(400, f"{name} is missing or empty", name)
    _no_controls(name, value)
    return value


def _no_controls(name: str, value: str) -> None:
    """Refusal(400) naming ``name`` when ``value`` holds a character no
    field of Flattr's holds and a reader cannot see or would misread: a
    control, a line or paragraph separator, a format character, or one
    that shows as a blank (a Hangul filler, the braille blank)."""
    if _CONTROL.search(value):
        raise Refusal(400, f"{name} contains a control character", name)
    if _SEPARATOR.search(value):
        raise Refusal(
            400,
            f"{name} contains a line or paragraph separator (U+2028, U+2029)",
            name,
        )
    invisible = _SHOWN_AS_BLANK.search(value)
    if invisible is not None:
        raise Refusal(
            400,
            f"{name} contains {_character_name(invisible[0])}, which shows as a blank",
            name,
        )
    if any(unicodedata.category(character) == "Cf" for character in value):
        # Bidi overrides, zero-width characters: none is part of an id, a
        # username or Flattr's URLs, and a terminal showing `pending` would
        # show a claim URL in another order than the one it links to.
        raise Refusal(
            400,
            f"{name} contains an invisible format character (bidi, zero-width)",
            name,
        )


def _no_address(name: str, value: str) -> None:
    """Refusal(400) for an "@", plain or percent-encoded: Flattr's thing ids
    and usernames never hold one, and the store keeps no address (it keeps
    none of an ignored event's body either)."""
    if holds_at_sign(value):
        raise Refusal(
            400,
            f"{name} holds an email address or an '@' (plain or "
            "percent-encoded); Flattr's never do",
            name,
        )


def _loggable(text: str, limit: int | None) -> str:
    """``text`` cut to ``limit`` (None: whole) with every character that is
    not printable escaped, and without email addresses: as a log line and
    the store show what a request sent."""
    # Redacted whole before the cut, which could leave half an address
    # that no longer looks like one.
    text = redact_all_addresses(text)[:limit]
    if text.isprintable():
        return text
    # Control characters and line separators would let a request forge or
    # split a log line; format characters (a bidi override, a zero-width
    # space) would show it in another order or hide part of it.
    return "".join(
        character if character.isprintable() else _escaped(character)
        for character in text
    )


# A run of URL-safe characters as long as most of a token (TOKEN_PATTERN
# asks for 32 or more): a probe's path rarely holds one, and a token typed
# one character off, or under another prefix, is still nearly all secret.
_TOKEN_LIKE_RUN = re.compile(r"[A-Za-z0-9_-]{24,}")
_NOT_TOKEN_CHARS = re.compile(r"[^A-Za-z0-9_-]+")
# A run of a token's characters as long as a piece of it (_token_pieces).
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]{16,}")


def _path_for_log(path: str) -> str:
    """``path`` with whatever follows the route prefix (in any case), and
    any other run that could be most of a token, hidden."""
    at = path.lower().find(ROUTE_PREFIX)
    if at >= 0:
        path = path[: at + len(ROUTE_PREFIX)] + "***"
    return _TOKEN_LIKE_RUN.sub("***", path)


def _as_sent(path: str) -> str:
    """A WSGI path (PEP 3333: its bytes decoded as Latin-1) as its client
    wrote it, in UTF-8 as clients percent-encode it; a byte that is not
    UTF-8 shown as ``\\xNN``."""
    if path.isascii():
        return path
    try:
        sent = path.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded it already
        return path
    # Read as Latin-1, a full-width "@" (EF BC A0) is no "@" to the
    # redactor, and "café" is logged as "cafÃ©".
    return sent.decode("utf-8", "backslashreplace")


def _escaped(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def parse_pending_click(form: Mapping[str, str]) -> PendingClick:
    """Validate a ``pendingclickcreate``; Refusal(400) names the bad field.

    The form's ``_event`` must name that event (trimmed, in any case), as
    the reference asks of every receiver: the fields of another event are
    not a pending flattr's.
    """
    if _event_name(form) != PENDING_CLICK:
        raise Refusal(
            400,
            f"_event is {_loggable(form.get('_event', ''), EVENT_NAME_KEPT)!r}, "
            f"not {PENDING_CLICK}",
            "_event",
        )
    thing_id = _thing_id(form)
    owner = _thing_owner(form)
    clicks = _thing_clicks_total(form)
    claim_url = _required(form, "claim_url")
    if holds_at_sign(claim_url):
        # Flattr's claim URLs never hold the owner's address: whoever sends
        # an email owner the link appends it privately. Stored, it would be
        # published on author pages.
        raise Refusal(
            400,
            "claim_url holds an email address or an '@' (plain or "
            "percent-encoded); Flattr's claim URLs never do",
            "claim_url",
        )
    # check_thing_url would repeat urllib's message, and with it the URL's
    # host or port, which may be anything: said in the receiver's words.
    part = "host part"
    try:
        parts = urlsplit(claim_url)  # raises for a host that NFKC changes
        _ = parts.hostname
        part = "port"
        _ = parts.port
    except ValueError:
        raise Refusal(
            400, f"claim_url is not a valid URL: its {part} cannot be read", "claim_url"
        ) from None
    if len(claim_url) > MAX_CLAIM_URL:
        raise Refusal(
            400, f"claim_url is longer than {MAX_CLAIM_URL:,} characters", "claim_url"
        )
    # Each problem says what is wrong in words that follow the field's name:
    # the scheme is blamed only when it is at fault.
    problem = check_thing_url(claim_url)
    if problem:
        raise Refusal(400, f"claim_url {problem}", "claim_url")
    _claim_host_as_read(parts.netloc)
    flattrer = _trimmed(form.get("flattrer_username", ""))
    _no_controls("flattrer_username", flattrer)
    _no_address("flattrer_username", flattrer)
    if len(flattrer) > 200:
        raise Refusal(
            400, "flattrer_username is longer than 200 characters", "flattrer_username"
        )
    return PendingClick(thing_id, clicks, owner, flattrer, claim_url)


def _thing_id(form: Mapping[str, str]) -> str:
    thing_id = _required(form, "thing_id")
    if len(thing_id) > 200:
        raise Refusal(400, "thing_id is longer than 200 characters", "thing_id")
    _no_address("thing_id", thing_id)
    return thing_id


def _thing_owner(form: Mapping[str, str]) -> str:
    raw_owner = _required(form, "thing_owner_id")
    if holds_at_sign(raw_owner):
        # Flattr only ever knew the hash; a plain address here is not Flattr.
        # Checked first: the identifier parser would advise email:ADDRESS,
        # which a configuration may hold but a delivery may not.
        raise Refusal(
            400,
            "thing_owner_id holds an '@' (plain or percent-encoded): Flattr sends "
            "an email owner as email:MD5HEX, never as an address",
            "thing_owner_id",
        )
    return _delivered_owner(raw_owner)


def _thing_clicks_total(form: Mapping[str, str]) -> int:
    total = _CLICKS.fullmatch(_required(form, "thing_clicks_total"))
    clicks = int(total.group(1)) if total else 0
    if not 0 < clicks <= MAX_CLICKS:
        raise Refusal(
            400,
            f"thing_clicks_total must be a whole number from 1 to {MAX_CLICKS:,} "
            "in ASCII digits (a pendingclickcreate tells of a flattr)",
            "thing_clicks_total",
        )
    return clicks


# What a pendingclickcreate's log line names of it, each read as it is
# stored: which flattr it told of.
_NAMING_FIELDS = (
    ("thing_id", _thing_id),
    ("thing_clicks_total", _thing_clicks_total),
    ("thing_owner_id", _thing_owner),
)


def _named(form: Mapping[str, str], repeats: Mapping[str, list[str]]) -> dict:
    """The fields of a pendingclickcreate's ``form`` that tell which
    flattr it told of, each that passed its own check (so none holds an
    address) and was not repeated with another value: of one refused, as
    many as can be told."""
    named = {}
    for name, read in _NAMING_FIELDS:
        with contextlib.suppress(Refusal):
            refuse_disputed(form, repeats, [name], read)
            named[name] = read(form)
    return named


def _delivered_owner(raw: str) -> str:
    """``thing_owner_id`` as stored. Refusal(400) names only the forms a
    delivery holds, where FLATTR_AUTHORS would take more: a Flattr
    username, email:ADDRESS."""
    scheme, colon, rest = raw.partition(":")
    twitter = twitter_owner_as_written(raw)
    if twitter is not None:
        # As sent, though a build now refuses it (twitter:user:id:00783214):
        # an earlier build published it, it is Flattr's name for the
        # thing's owner, and refused, the flattr would be lost.
        return twitter.value
    partner = _DELIVERED_PARTNER.fullmatch(raw)
    if partner is not None:
        _check_partner_id(partner[2])
        return f"partner:{partner[1]}:{partner[2]}"
    if not colon:
        problem = (
            f"{_shown_value(raw)} is no owner identifier (a delivery never "
            "names a Flattr user); expected " + DELIVERED_OWNER_FORMS
        )
    elif scheme.lower() == "email" and not MD5_HEX.fullmatch(rest.strip()):
        # Not shown: whatever follows "email:" may be part of an address.
        problem = (
            "holds an email owner that is not email:MD5HEX (32 hexadecimal "
            "digits); expected " + DELIVERED_OWNER_FORMS
        )
    else:
        try:
            return parse_owner(raw, DELIVERED_OWNER_FORMS).value
        except IdentifierError as error:
            problem = str(error)
    raise Refusal(400, f"thing_owner_id {problem}", "thing_owner_id")


def _check_partner_id(partner_id: str) -> None:
    """Refusal(400) for a partner's ID that `pending` could not list as
    sent, or an overlong one. Control, format and separator characters
    were refused with the whole field (``_no_controls``), an "@" too."""
    if len(partner_id) > MAX_PARTNER_ID:
        raise Refusal(
            400,
            f"thing_owner_id's partner ID is longer than {MAX_PARTNER_ID} characters",
            "thing_owner_id",
        )
    # `pending` separates an owner from its claim URL with spaces, and a
    # character that does not show makes two owners read as one.
    hidden = " " if " " in partner_id else invisible_character(partner_id)
    if hidden is not None:
        raise Refusal(
            400,
            f"thing_owner_id holds {_character_name(hidden)} in its partner ID: "
            "a space, or a character that does not show, which `pending` could "
            "not list as sent",
            "thing_owner_id",
        )


def _shown_value(value: str) -> str:
    """A value with no '@' in an answer: quoted, escaped where it is not
    printable, and short."""
    return repr(value if len(value) <= 60 else value[:57] + "...")


def _claim_host_as_read(netloc: str) -> None:
    """Refusal(400) for a claim URL whose host browsers read otherwise than
    it is written, or that holds a combining mark. ``netloc`` is one that
    check_thing_url accepted, without credentials."""
    if netloc.startswith("["):
        return  # an IPv6 address, which check_thing_url read whole
    host = netloc.partition(":")[0]
    if "%" in host:
        # A browser decodes them first: https://flattr.com%2eevil.example/c
        # opens flattr.com.evil.example, yet reads as a flattr.com URL where
        # `pending` prints it. Flattr's claim URLs hold none.
        raise Refusal(
            400,
            "claim_url holds percent-escapes in its host name, which browsers "
            "decode into another name than the one shown; Flattr's claim URLs "
            "never do",
            "claim_url",
        )
    # As check_thing_url reads a host name, and browsers do (UTS 46).
    read = unicodedata.normalize("NFKC", host).replace("\u3002", ".")
    if read != host:
        raise Refusal(
            400,
            "claim_url holds characters in its host name that browsers read as "
            "others (full-width forms, an ideographic full stop...); Flattr's "
            "claim URLs never do",
            "claim_url",
        )
    mark = next((c for c in host if unicodedata.category(c).startswith("M")), None)
    if mark is not None:
        # Drawn over the character before it, or as nothing: a host name
        # that reads as another. Flattr's host names have none.
        raise Refusal(
            400,
            f"claim_url holds {_character_name(mark)}, a combining mark, in "
            "its host name; Flattr's claim URLs never do",
            "claim_url",
        )
    unassigned = next(
        (c for c in host if unicodedata.category(c) in ("Co", "Cn")), None
    )
    if unassigned is not None:
        # Many terminals draw a private-use or unassigned character as a
        # blank, where `pending` prints the URL.
        raise Refusal(
            400,
            f"claim_url holds {_character_name(unassigned)}, a private-use or "
            "unassigned character, in its host name; Flattr's claim URLs never do",
            "claim_url",
        )


def _character_name(character: str) -> str:
    """``U+3164 (HANGUL FILLER)``: a character named in an answer, where it
    would show as nothing."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def now_utc() -> str:
    """The current time as stored: UTC ISO 8601, second precision."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def store_pending_click(
    connection: sqlite3.Connection, event: PendingClick, received_at: str
) -> bool:
    """Store ``event``; False when the same event was stored before.

    With the connection in autocommit mode, the INSERT is committed (and,
    with synchronous=FULL, on disk) when this returns; in a transaction (as
    the receiver writes), at its COMMIT.
    """
    cursor = connection.execute(
        "INSERT OR IGNORE INTO pending_flattrs (thing_id, thing_clicks_total, "
        "thing_owner_id, flattrer_username, claim_url, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (
            event.thing_id,
            event.thing_clicks_total,
            event.thing_owner_id,
            event.flattrer_username,
            event.claim_url,
            received_at,
        ),
    )
    return cursor.rowcount == 1


OTHER_OWNER = (
    "an owner other than its thing's until now: pending counts the "
    "thing under the owner of its highest total"
)


def _names_other_owner(connection: sqlite3.Connection, event: PendingClick) -> bool:
    """Whether ``event``, just stored, names another owner than the
    delivery of its thing's highest other total, the owner pending counted
    the thing under until now (one look down the primary key): said once
    at an owner change, not again with every flattr after it."""
    row = connection.execute(
        "SELECT thing_owner_id FROM pending_flattrs WHERE thing_id = ? "
        "AND thing_clicks_total != ? ORDER BY thing_clicks_total DESC LIMIT 1",
        (event.thing_id, event.thing_clicks_total),
    ).fetchone()
    return row is not None and row[0] != event.thing_owner_id


def _differences(connection: sqlite3.Connection, event: PendingClick) -> list[str]:
    """The names of the fields in which ``event``, a duplicate, differs
    from the event stored under its thing_id and total."""
    names = ("thing_owner_id", "claim_url", "flattrer_username")
    stored = connection.execute(
        f"SELECT {', '.join(names)} FROM pending_flattrs "
        "WHERE thing_id = ? AND thing_clicks_total = ?",
        (event.thing_id, event.thing_clicks_total),
    ).fetchone()
    sent = (event.thing_owner_id, event.claim_url, event.flattrer_username)
    return [
        name
        for name, was, now in zip(names, stored, sent, strict=True)
        if was != now
        and (
            name != "claim_url"
            or not isinstance(was, str)  # a store edited by hand: bytes
            or _url_as_read(was) != _url_as_read(now)
        )
    ]


def _url_as_read(url: str) -> str:
    """``url`` with its scheme and host in lower case, which every reader
    of a URL takes in any case, and without a default port written out
    (``:443``, or ``:`` alone), which names the same URL (RFC 3986, 6.2.3):
    a claim URL sent again so is the same. Owners need no such reading:
    each is stored as ``_delivered_owner`` reads it, and Flattr tells apart
    what differs then."""
    try:
        parts = urlsplit(url)  # its scheme in lower case already
        port = parts.port
    except ValueError:  # stored by an earlier version, which read none
        return url
    netloc = parts.netloc.lower()
    if port is not None and port == _DEFAULT_PORTS.get(parts.scheme):
        netloc = netloc[: netloc.rindex(":")]  # no port holds a ":"
    return urlunsplit(parts._replace(netloc=netloc.removesuffix(":")))


def _name_refused(
    body: bytes, codec: str | None, refusal: Refusal, delivery: _Delivery
) -> None:
    """Tell ``delivery`` and ``refusal``, for the log line, what a refused
    ``body`` (declared in ``codec``, None for UTF-8) says of itself as far
    as it reads as a form: its event, unless repeated with another name,
    and which flattr a pendingclickcreate told of. Of a body refused for
    its charset, only the parameters that charset reads as UTF-8 does."""
    form: dict[str, str] = {}
    repeats: dict[str, list[str]] = {}
    with contextlib.suppress(Refusal):
        _read_form(body, form, repeats)
    if codec is not None:
        otherwise = _read_otherwise(body, codec)
        if otherwise is None:
            form, repeats = {}, {}
        for name in otherwise or ():
            form.pop(name, None)
            repeats.pop(name, None)
    if delivery.event is None:
        # As a body read whole is: an event repeated with another name is
        # no event known (a probe's "-", at INFO).
        refusal.event = None
        with contextlib.suppress(Refusal):
            refuse_disputed(form, repeats, ["_event"], _event_name)
            refusal.event = _event_name(form) or None
    if _told_apart(delivery.event or refusal.event) == PENDING_CLICK:
        delivery.thing = _named(form, repeats)


def _read_otherwise(body: bytes, codec: str) -> set[str] | None:
    """The names of the parameters of ``body`` whose value ``codec``, the
    charset declared, reads otherwise than UTF-8 does; None when it reads
    a name otherwise, which may then be any parameter. Read as UTF-8, such
    a value may hide an address: "alice+AEA-example.com" in UTF-7."""
    otherwise = set()
    for part in body.split(b"&"):
        raw_name, _, raw_value = part.partition(b"=")
        name = _read_alike(raw_name, codec)
        if name is None:
            return None
        if _read_alike(raw_value, codec) is None:
            otherwise.add(name)
    return otherwise


def _read_alike(raw: bytes, codec: str) -> str | None:
    """A form's name or value ``raw`` as text, when ``codec`` reads its
    bytes as UTF-8 does; else None."""
    data = unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        text = data.decode("utf-8")
        return text if data.decode(codec) == text else None
    except (ValueError, LookupError):  # UnicodeError too ("undefined")
        return None


def store_ignored(
    connection: sqlite3.Connection, event: str, body: bytes, received_at: str
) -> None:
    """Keep a bounded copy of an event this receiver does not process,
    without the email addresses it may carry, its name escaped as a log
    line shows it; only the newest ``IGNORED_EVENTS_KEPT`` are kept."""
    # Found from each sign outwards: one regular expression for the whole
    # would take time quadratic in a run without one. Redacted whole (at
    # most MAX_BODY) before the cut, which could leave the start of an
    # address ("carol.chen@") that no longer looks like one.
    kept = _without_referenced_addresses(
        redact_around(
            body.decode("latin-1"),
            _BODY_AT_SIGN,
            _BODY_ADDRESS_RUN,
            _BODY_ADDRESS_RUN,
        )
    ).encode("latin-1")[:IGNORED_BODY_KEPT]
    added = connection.execute(
        "INSERT INTO ignored_events (event, raw_body, received_at) VALUES (?, ?, ?)",
        (_loggable(event, EVENT_NAME_KEPT), kept, received_at),
    ).lastrowid
    # SQLite gives a row the highest id yet, plus one, and only the oldest
    # go: the ids of the newest are the last IGNORED_EVENTS_KEPT numbers.
    # The pages freed take the next rows, so the file stops growing.
    connection.execute(
        "DELETE FROM ignored_events WHERE id <= ?",
        (added - IGNORED_EVENTS_KEPT,),
    )


_ENCODED_AMPERSAND = re.compile(r"%(?:25)*26")


def _without_referenced_addresses(body: str) -> str:
    """A form ``body`` without the addresses whose "@" its values write as
    a character reference (``&#64;``, ``&#x40;``, ``&commat;``), its "&"
    percent-encoded or not, as the log and the answers show those values:
    each name or value holding one is decoded, redacted and encoded again."""
    # A plain "&" separates parameters: a reference's comes percent-encoded,
    # once more for each "%25" (a value that holds "%26%2364%3B").
    if not _ENCODED_AMPERSAND.search(body):
        return body
    pieces = body.split("&")
    for number, piece in enumerate(pieces):
        if _ENCODED_AMPERSAND.search(piece):
            name, equals, value = piece.partition("=")
            pieces[number] = (
                _reference_redacted(name) + equals + _reference_redacted(value)
            )
    return "&".join(pieces)


def _reference_redacted(raw: str) -> str:
    text = unquote(raw.replace("+", " "), errors="surrogateescape")
    shown = redact_all_addresses(text)
    if shown == text:
        return raw  # as it came, when it holds no address
    return quote(shown, safe="[]", errors="surrogateescape")


def _check_content_encoding(value: str) -> None:
    """Refusal(415) for a body sent in any coding but identity."""
    # A list (RFC 9110), whose empty members count for nothing: a server
    # joins two headers of "identity" into one ("identity, identity").
    codings = [coding.strip() for coding in value.split(",") if coding.strip()]
    coding = next((c for c in codings if c.lower() != "identity"), "")
    if coding:
        # A compressed body would be parsed as if plain: its bytes refused
        # for the wrong cause, or read as a form nobody sent.
        raise Refusal(
            415,
            f"Content-Encoding {_loggable(coding, 40)!r} is not supported: send "
            "the body uncompressed, without a Content-Encoding",
        )


def _check_content_type(value: str) -> str | None:
    """Refusal(415) unless ``value`` is the form type in a charset Python
    knows; the charset's codec when it is not UTF-8's (or ASCII's)."""
    media_type, *parameters = value.split(";")
    if media_type.strip().lower() != _FORM_TYPE:
        raise Refusal(415, f"the body must be {_FORM_TYPE}")
    charsets = set()
    for parameter in parameters:
        name, _, charset = parameter.partition("=")
        if name.strip().lower() != "charset":
            continue
        charset = charset.strip()
        if len(charset) >= 2 and charset[0] == charset[-1] == '"':
            charset = charset[1:-1]
        if not charset:
            continue  # said nothing: UTF-8, as without the parameter
        try:  # Python's codec names know the aliases ("utf8", "latin1")
            charsets.add(codecs.lookup(charset).name)
        except (LookupError, ValueError):  # unknown, or a NUL in the name
            raise Refusal(415, _CHARSET_RULE) from None
    if len(charsets) > 1:  # which one to believe?
        raise Refusal(415, _CHARSET_RULE)
    codec = charsets.pop() if charsets else None
    return None if codec in _CHARSETS else codec


_CHARSET_RULE = (
    "the Content-Type's charset parameter must be utf-8 or us-ascii "
    "(or left out, which means utf-8), or one in which the body reads as "
    "it does in UTF-8"
)


def _check_charset(body: bytes, codec: str) -> None:
    """Refusal(415) unless the body, percent-decoded, reads in ``codec`` as
    it reads in UTF-8, as it is then stored: so for a body of plain ASCII
    in most charsets (some clients always declare ISO-8859-1), and never
    in UTF-16, UTF-7 or ISO-2022, whose bytes mean other text."""
    raw = unquote_to_bytes(body)
    try:
        same = raw.decode(codec) == raw.decode("utf-8")
    except (ValueError, LookupError):  # UnicodeError too ("undefined")
        same = False
    if not same:
        raise Refusal(415, _CHARSET_RULE)


_NOT_JSON = (
    f"the body must be form-encoded ({_FORM_TYPE}: "
    "_event=pendingclickcreate&thing_id=...), not JSON"
)


def _looks_like_json(body: bytes) -> bool:
    """Whether ``body`` is shaped as a JSON object or array (``{...}``,
    ``[...]``). Asked only of a body refused as a form: a form whose first
    name starts with "{" is read as any other."""
    body = body.strip()
    return body[:1] + body[-1:] in (b"{}", b"[]")


def _read_body(environ: Mapping[str, Any]) -> bytes:
    length_text = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length_text:
        # ASCII digits, as HTTP has it: int() also takes "+15", "1_5", " 15 "
        # and other scripts' digits, which another server may pass on.
        if not _DIGITS.fullmatch(length_text):
            raise Refusal(400, "Content-Length is not a whole number of bytes")
        length = int(length_text)
        if length > MAX_BODY:
            raise Refusal(413, f"the body is over {MAX_BODY} bytes")
        body = stream.read(length)
        if len(body) < length:
            # The client went away: what came may parse, cut, as valid.
            raise Refusal(400, "the body is shorter than its Content-Length")
        return body
    if not environ.get("wsgi.input_terminated"):
        # PEP 3333: without a length, such a server's input may be the raw
        # socket, and reading it would wait for the client to hang up. No
        # length and no Transfer-Encoding is a request without a body.
        if environ.get("HTTP_TRANSFER_ENCODING"):
            raise Refusal(
                411, "a body sent chunked needs a Content-Length under this server"
            )
        return b""
    # A terminated input (a chunked body): read one byte past the limit to
    # know it is over.
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY:
        chunk = stream.read(MAX_BODY + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > MAX_BODY:
        raise Refusal(413, f"the body is over {MAX_BODY} bytes")
    return b"".join(chunks)


def _file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the file at ``path``; None when none is."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


StartResponse = Callable[..., Any]
# A file's device and inode.
Identity = tuple[int, int]
# A -wal or -shm file's path, and the identity of the file there once a
# connection opened the store (None when none was).
Journal = tuple[Path, Identity | None]


def _identities(journal: list[Path]) -> list[Journal]:
    """Each of ``journal``'s paths (a store's -wal and -shm) with the
    identity of the file there now."""
    return [(path, _file_identity(path)) for path in journal]


_RESTORE_ADVICE = (
    "Stop the receiver before you restore a store, and start it again after"
)
# Logged when a thread finds the store replaced and the journal of the
# file replaced taken away from beside it.
_RESTORED = (
    "replaced by another file while the receiver ran (a backup restored?): "
    "the -wal and -shm of the file it replaced, which the new one would have "
    "read as its own, were merged into that file and removed; writing to the "
    f"new one now. {_RESTORE_ADVICE}"
)
# Logged when that journal, found left beside the new file (another program
# had the replaced file open: _replaced_but_left), is gone since: that
# program merged it as it let go of the file (a second receiver does), or
# someone removed it.
_RESTORED_ELSEWHERE = (
    "replaced by another file while the receiver ran (a backup restored?): "
    "the -wal and -shm of the file it replaced are no longer beside it; "
    f"writing to the new one now. {_RESTORE_ADVICE}"
)


def _replaced_but_left(left: list[str]) -> str:
    """Why the receiver writes nothing to a store that replaced another
    whose journal (``left``) is still beside it."""
    return (
        f"was replaced by another file while the receiver ran (a backup "
        f"restored?), but {' and '.join(left)} of the file it replaced "
        "stayed beside it, where another program (a receiver, verify) still "
        "has that file open: stop every program that uses the store, then "
        "remove them (or move them beside the file replaced, if it was kept). "
        f"{_RESTORE_ADVICE}"
    )


# What SQLite's errors say of a store it opened read-only, or whose file
# system went read-only under it ("attempt to write a readonly database").
_READ_ONLY = "readonly"


def _read_only_reason(path: Path, error: sqlite3.Error) -> str:
    """Why a delivery was not written to the store at ``path``, which
    SQLite found read-only (``error``), and that it will be once it can."""
    cause = sqlite_problem(path, error)
    if cause == str(error):
        # Writable again by now: what made it read-only is gone.
        cause = f"it was read-only to this user as the delivery came (SQLite: {error})"
    return (
        f"cannot be written: {cause}. Deliveries are stored again as soon as "
        "it can be written, without a restart"
    )


class _Opened:
    """A server thread's connection to the store: the file it opened, and
    that file's journal then. ``lock`` is held while the thread writes, and
    by a thread that closes it because that file left the path."""

    def __init__(
        self, connection: sqlite3.Connection, identity: Identity, journal: list[Journal]
    ) -> None:
        self.connection = connection
        self.identity = identity
        self.journal = journal
        self.lock = threading.Lock()
        self.closed = False


def _merge_journal_away(connection: sqlite3.Connection) -> None:
    """Merge the -wal into the file ``connection`` opened, no longer at its
    path, and remove the -wal and -shm from beside that path, unless
    another connection (another program's) has that file open.

    Closing does neither for a file no longer at its path: the journal of
    a store replaced by a backup stayed beside the backup, which read it
    as its own, corrupted. Leaving WAL mode does both, once the file is
    the connection's alone (else "database is locked", at once), then
    fails to mark the file as out of WAL mode (SQLITE_READONLY_DBMOVED):
    the caller looks whether the journal is still there.
    """
    with contextlib.suppress(sqlite3.Error):
        connection.execute("PRAGMA journal_mode = DELETE")


class WebhookApp:
    """The WSGI application: ``WebhookApp(store_path, token)``.

    It migrates the store as it starts, and logs so (a warning); with
    ``on_migrate``, that call (given the version the store had) says it
    instead, as ``serve`` says its other words at the start."""

    def __init__(
        self,
        store_path: str | Path,
        token: str,
        on_migrate: Callable[[int], object] | None = None,
    ) -> None:
        # None too (no token given): said as a short one is, not a TypeError.
        if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
            raise ValueError(
                f"the web hook token must be {TOKEN_RULE}; make one with: "
                "pelican-flattr webhook token"
            )
        self.store_path = Path(store_path)
        self._route = (ROUTE_PREFIX + token).encode()
        # In any case: a lower-cased token would still give most of it away.
        self._token = re.compile(re.escape(token), re.I)
        # Overlapping sixteenths of it: a path holding one, once its
        # separators are gone, holds a piece of the secret however it was
        # cut ("/x/<first half>/<second half>").
        lowered = token.lower()
        self._token_pieces = tuple(
            lowered[at : at + 16] for at in range(0, len(lowered) - 15, 4)
        )
        self._local = threading.local()
        # Every thread's connection, for a thread that finds the store gone
        # to close them all (SQLite merges a journal only as the last
        # connection to its file closes), and for close(). The lock guards
        # the list and what the receiver knows of the path (_known,
        # _journal_left): one thread at a time looks at the path, lets go
        # of a store gone from it, and opens the one there.
        self._opened: list[_Opened] = []
        self._lock = threading.Lock()
        # Create and migrate it up front, and refuse one that cannot be
        # written before listening rather than answer every delivery 503.
        connection = open_store(
            self.store_path, on_migrate=on_migrate or self._log_migration
        )
        try:
            check_writable(connection, self.store_path)
        finally:
            connection.close()
        # The file the receiver last found at the path (the store it last
        # opened, or the file there once it let go of one), and its journal
        # then (none once closed, unless another program has the store
        # open): a thread that opens the store first lets go of that file if
        # another is at the path now.
        self._known: tuple[Identity | None, list[Journal]] = self._at_path()
        # Whether that file's journal was found left beside the one that
        # replaced it, and every delivery answered 503 for it: once gone,
        # the log says so, as the end of that story.
        self._journal_left = False

    def _at_path(self) -> tuple[Identity | None, list[Journal]]:
        """The file at the store's path now, and its -wal and -shm."""
        journal = journal_paths(self.store_path)
        return _file_identity(self.store_path), _identities(journal)

    def _connection(self) -> _Opened:
        # One connection per server thread: SQLite serialises the writers.
        opened = getattr(self._local, "opened", None)
        if opened is None or opened.closed or self._moved(opened):
            # A thread's first delivery; or its connection writes to the file
            # it opened wherever it went: moved or removed, every delivery
            # would be answered "stored" and lost to the file at the path (a
            # stat costs nothing beside the commit's fsync); or a thread
            # that found that file gone closed it.
            opened = self._open()
        return opened

    def _open(self) -> _Opened:
        """A new connection of this thread's to the store at the path, once
        the receiver let go of the file it knew there, if another is there.

        Under the lock, from one look at the path: a look made before
        another thread let go of the file, or before a backup took its
        place, let a thread open the file there beside the journal of the
        one it replaced, which another thread still had open, and which
        SQLite took for the new file's own.
        """
        with self._lock:
            before = _file_identity(self.store_path)
            while before != self._known[0]:
                # Another file, or none: opening silently would make a new
                # store at the path without a word in the log, the old
                # one's flattrs gone.
                self._let_go_of_moved_store()
                before = _file_identity(self.store_path)
            journal = journal_paths(self.store_path)
            # A backup made before an upgrade, restored while it runs, is
            # migrated here: logged, as the restore is.
            connection = open_store(self.store_path, on_migrate=self._log_migration)
            identity = _file_identity(self.store_path)
            if (
                identity is None
                or before not in (None, identity)
                or journal_paths(self.store_path) != journal
            ):
                # Moved (or a symlinked path pointed elsewhere) between the
                # two: the connection may be to a file no longer at the
                # path, which no later stat would tell.
                connection.close()
                raise StoreError(self.store_path, "was moved or removed as it opened")
            opened = _Opened(connection, identity, _identities(journal))
            self._opened.append(opened)
            self._known = (identity, opened.journal)
        self._local.opened = opened
        return opened

    def _store_line(self, said: str) -> str:
        """A log line about the store: its path as given, which may name a
        folder after an address, shown as the receiver shows what a request
        sent (without addresses, escaped)."""
        return self._for_log(f"store {self.store_path}: {said}", None)

    def _log_migration(self, old: int) -> None:
        shown = redact_all_addresses(os.path.abspath(self.store_path))
        logger.warning("%s", migrated_notice(shown, old))

    def _moved(self, opened: _Opened) -> bool:
        """True when the path no longer names the file ``opened`` is to."""
        return _file_identity(self.store_path) != opened.identity

    def _left_beside(self, journal: list[Journal]) -> list[str]:
        """The names of the files of ``journal`` (a store's -wal and -shm,
        as it was opened) still beside the file the path names now."""
        # Only beside that file: a symlinked store pointed at another leaves
        # the old one's journal beside it, rightly.
        now = journal_paths(self.store_path)
        return [
            path.name
            for path, then in journal
            if then is not None and path in now and _file_identity(path) == then
        ]

    def _close_connections_to(
        self, identity: Identity | None, journal: list[Journal], wait: bool = True
    ) -> list[str]:
        """Close every connection of the receiver's to the file ``identity``;
        the names of its -wal and -shm (``journal``, as it was opened) still
        beside the path then. A connection being written on is waited for,
        or with ``wait`` False left open (closed as the process ends).
        Called with the lock held.

        Another file at the path (a backup restored) would read that
        journal as its own: the last connection to close merges it into the
        file it belongs to, and removes it, first (``_merge_journal_away``).
        """
        closing = [each for each in self._opened if each.identity == identity]
        self._opened = [each for each in self._opened if each not in closing]
        # Each taken once its thread's write ends: that thread then finds the
        # store moved, and answers 503.
        held = [each for each in closing if each.lock.acquire(blocking=wait)]
        try:
            now = _file_identity(self.store_path)
            for each in held:
                if (
                    each is held[-1]
                    and now not in (None, identity)
                    and self._left_beside(journal)
                ):
                    _merge_journal_away(each.connection)
                each.connection.close()
                each.closed = True
        finally:
            for each in held:
                each.lock.release()
        return self._left_beside(journal)

    def _let_go_of_moved_store(self) -> None:
        """Close the receiver's connections to the file it knew at the
        store's path, no longer there, log that it went, and know the file
        there now; raise StoreError while the journal of the file gone is
        still beside the path. Called with the lock held, once for each
        file gone: the threads that find it gone after the first say
        nothing more, as the log has told it."""
        identity, journal = self._known
        had = self._left_beside(journal)
        left = self._close_connections_to(identity, journal)
        replaced = _file_identity(self.store_path) is not None
        told_left, self._journal_left = self._journal_left, bool(left)
        if left and replaced:
            raise StoreError(self.store_path, _replaced_but_left(left))
        if left:
            # SQLite would take them for the journal of a new store at the
            # path, and overwrite what the moved one has not merged yet.
            raise StoreError(
                self.store_path,
                f"was moved or removed while the receiver ran, but "
                f"{' and '.join(left)} stayed beside its path: stop the "
                "receiver, then move them with the store",
            )
        if told_left and replaced:
            said = _RESTORED_ELSEWHERE
        elif had and replaced:
            said = _RESTORED
        else:
            said = (
                "moved or removed while the receiver ran; writing to the store "
                "at that path now (a new one where none is left)"
            )
        logger.warning("%s", self._store_line(said))
        self._known = self._at_path()

    def close(self) -> None:
        """Close every connection to the store, as the server stops. A file
        that another replaced at the path meanwhile, unseen by any delivery,
        has its journal merged and taken from beside the path first, as a
        delivery would (one still being written is left open)."""
        with self._lock:
            files = {each.identity: each.journal for each in self._opened}
            for identity, journal in files.items():
                left = self._close_connections_to(identity, journal, wait=False)
                if left and _file_identity(self.store_path) not in (None, identity):
                    logger.error("%s", self._store_line(_replaced_but_left(left)))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection in a write transaction, committed when
        the block ends; StoreError for a store a newer release migrated, one
        moved away while it was written, or one SQLite found read-only."""
        opened = self._connection()
        try:
            with self._transaction(opened) as connection:
                yield connection
        except sqlite3.Error as error:
            if self._moved(opened):
                # Left to _connection, which lets go of a moved file with
                # every thread's connection to it, its journal merged.
                raise
            # SQLite opens a file it may not write read-only, and never
            # tries again: kept, this thread's connection answered 503 to
            # every delivery after the store could be written again.
            self._drop(opened)
            if _READ_ONLY not in str(error):
                raise
            reason = _read_only_reason(self.store_path, error)
            raise StoreError(self.store_path, reason) from None

    @contextlib.contextmanager
    def _transaction(self, opened: _Opened) -> Iterator[sqlite3.Connection]:
        """``opened``'s connection in a write transaction, as ``_writing``
        describes it."""
        with opened.lock:
            if opened.closed:
                # By a thread that found its file gone since.
                raise StoreError(
                    self.store_path, "was moved or removed while a delivery was written"
                )
            connection = opened.connection
            with write_transaction(connection):
                # Each thread keeps its connection, whose schema was checked
                # when it opened: a newer `pelican-flattr verify` may have
                # migrated the store since, and its tables may mean otherwise.
                # Read under the write lock, the version cannot change before
                # the COMMIT; a pragma costs nothing beside the commit's fsync.
                schema_version(connection, self.store_path)
                yield connection
            if self._moved(opened):
                # Committed to a file no longer at the path: answered 503, so
                # that Flattr may send it again (it never documented whether
                # it does), and the log names its event.
                raise StoreError(
                    self.store_path,
                    "was moved or removed while a delivery was written",
                )

    def _drop(self, opened: _Opened) -> None:
        """Close ``opened``, this thread's connection, that a write failed
        on: its next delivery opens the store again."""
        with self._lock:
            if opened not in self._opened:
                return  # closed by a thread that found its file gone
            self._opened.remove(opened)
            # As _close_connections_to takes it: the lock first, then this.
            with opened.lock:
                opened.connection.close()
                opened.closed = True

    def __call__(
        self, environ: Mapping[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        started = time.monotonic()
        # The event's name, once it was read, whatever the answer: a 503 or
        # a 500 for Flattr's own event is a lost delivery to look into, a
        # 503 with "-" a probe. "-" only when none was read.
        delivery = _Delivery()
        reason = ""
        try:
            status, document = self._handle(environ, delivery)
        except Refusal as refusal:
            status = refusal.status
            delivery.event = delivery.event or refusal.event
            # Refusals may repeat what the request held (a name, an owner,
            # the token sent as a parameter's name: the log hid it, the
            # answer gave it back).
            document = {"error": self._without_secret(redact(refusal.message))}
            if refusal.field:
                document["field"] = self._without_secret(redact(refusal.field))
            # A delivery of Flattr's that these checks wrongly refuse is
            # otherwise lost without a word an operator could act on.
            reason = self._refusal_for_log(document)
        except (sqlite3.Error, StoreError) as error:
            # Locked past the busy timeout, a full disk, a store migrated by
            # a newer release: Flattr may send it again (it never documented
            # whether it does), and the log says why.
            # StoreError's reason, as its path is the receiver's.
            failure = error.reason if isinstance(error, StoreError) else str(error)
            logger.error("%s", self._store_line(failure))
            status, document = 503, {"error": "the store is unavailable; retry later"}
        except Exception:
            # Left to the WSGI server, a traceback would be logged with the
            # request's path, which holds the secret token.
            logger.exception("unexpected error while handling a delivery")
            status, document = 500, {"error": "internal error; retry later"}
        if delivery.unlinked:
            unlinked = f"claim_url {delivery.unlinked}; builds show no link to it"
            reason = ": " + self._for_log(unlinked, REASON_LOGGED)
        outcome = f" {delivery.outcome}" if delivery.outcome else ""
        if delivery.differs:
            outcome += f" (differs: {', '.join(delivery.differs)})"
        if delivery.other_owner:
            outcome += f" ({OTHER_OWNER})"
        # Each value a JSON string in ASCII, the total too: inside one, a
        # quote is escaped, so that name=" only ever starts a field, and a
        # thing_id holding quotes, spaces and "=" forges none. None holds
        # an address.
        named = "".join(
            f" {name}={json.dumps(self._field_for_log(value))}"
            for name, value in delivery.thing.items()
        )
        logger.log(
            _level(status, delivery),
            "%s %s %d %s%s%s %.1fms%s",
            self._for_log(environ.get("REQUEST_METHOD", "-"), 20),
            self._for_log(self.hide_token(environ.get("PATH_INFO", "")), 100),
            status,
            self._event_for_log(delivery.event),
            outcome,
            self._for_log(named, None),
            (time.monotonic() - started) * 1000,
            reason,
        )
        body = json.dumps(document).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]
        if status == 405:
            headers.append(("Allow", "POST"))
        start_response(f"{status} {_REASONS[status]}", headers)
        return [body]

    def hide_token(self, text: str) -> str:
        """``text`` (a log line that may name a request's path, as WSGI
        hands it) read as UTF-8, without this receiver's token, nor
        anything that could be most of it."""
        return self._path_for_log(_as_sent(text))

    def log_line(self, text: str) -> str:
        """``text``, a server's log line that may name a request's path, as
        the receiver's own lines show a path: read as UTF-8, its token
        hidden (see ``hide_token``), without email addresses, and with
        every character that is not printable escaped."""
        return self._for_log(self.hide_token(text), None)

    def _path_for_log(self, path: str) -> str:
        shown = self._token.sub("***", _path_for_log(path))
        return "/***" if self._holds_token(shown) else shown

    def _without_secret(self, text: str) -> str:
        """``text`` (an answer's message) without the token, nor a run of
        the token's characters that holds a piece of it (a name cut short)."""
        text = self._token.sub("***", text)
        return _TOKEN_RUN.sub(
            lambda run: "***" if self._holds_token(run[0]) else run[0], text
        )

    def _holds_token(self, text: str) -> bool:
        """Whether ``text`` holds this receiver's token, or a sixteenth of
        it, however cut by separators ("ab12/cd34", "ab12+cd34")."""
        collapsed = _NOT_TOKEN_CHARS.sub("", text).lower()
        return any(piece in collapsed for piece in self._token_pieces)

    def _without_token(self, body: str) -> str:
        """A form ``body`` with each name or value that holds the token, or
        a piece of it (``_holds_token``, read as a form reads it), as ``***``;
        empty when the token is cut over fields that hold no piece of it
        each: the stored body keeps none of the secret."""
        body = self._token.sub("***", body)
        if not self._holds_token(unquote(body.replace("+", " "))):
            return body
        pairs = []
        for pair in body.split("&"):
            parts = pair.split("=", 1)
            pairs.append(
                "=".join(
                    "***"
                    if self._holds_token(unquote(part.replace("+", " ")))
                    else part
                    for part in parts
                )
            )
        kept = "&".join(pairs)
        # Cut over fields none of which holds a piece: nothing of it kept.
        return "" if self._holds_token(unquote(kept.replace("+", " "))) else kept

    def _refuse_token(self, click: PendingClick) -> None:
        """Refusal(400) naming the first field of ``click`` that holds this
        receiver's token, or a piece of it (``_holds_token``), without
        repeating it."""
        # Refused, as an address is, rather than stored with the token
        # hidden: the fields are stored as sent, and `pending` prints them
        # and author pages link to the claim URL. Flattr's never hold the
        # secret of a partner's URL; whoever sent one holds it already.
        for name in PENDING_CLICK_FIELDS:
            if self._holds_token(str(getattr(click, name))):
                raise Refusal(
                    400,
                    f"{name} holds the web hook token, or a piece of it; "
                    "Flattr's never do",
                    name,
                )

    def _event_for_log(self, event: str | None) -> str:
        """``event`` as its log line shows it: as events are told apart, so
        that a grep for the name finds each; a JSON string in ASCII unless a
        plain name, so that it forges no ``name="`` field; ``-`` for none."""
        told = _told_apart(event)
        if not told:
            return "-"
        if self._holds_token(told):
            # As the answer and the store give it: a name one character off
            # the token showed 42 of its 43 characters.
            return "***"
        shown = redact_all_addresses(told)[:EVENT_NAME_KEPT]
        if shown != "-" and _PLAIN_EVENT.fullmatch(shown):
            return shown
        # Escaped by JSON alone, once: json.dumps also writes each character
        # that is not printable, as _loggable would.
        return json.dumps(shown)

    def _field_for_log(self, value: str | int) -> str:
        """A field of a pendingclickcreate as its log line names it: ``***``
        where it holds the token or a piece of it (``_holds_token``), as an
        event name does. Such a delivery is refused, but its line still
        names the fields that passed their own checks, and a thing_id one
        character off the token showed 42 of its 43 characters."""
        shown = str(value)
        return "***" if self._holds_token(shown) else shown

    def _refusal_for_log(self, document: Mapping[str, str]) -> str:
        """What a refusal's answer says, as its log line ends with it:
        ``": MESSAGE (field NAME)"``, each cut and escaped as the line's
        other values are."""
        said = ": " + self._for_log(document["error"], REASON_LOGGED)
        if "field" in document:
            said += f" (field {self._for_log(document['field'], 50)})"
        return said

    def _for_log(self, text: str, limit: int | None) -> str:
        # The token is hidden wherever it is: a registration with a prefix
        # ("/flattr/hooks/...") or another case gets 404, and its log line
        # must not give the secret away.
        return _loggable(self._token.sub("***", text), limit)

    def _handle(
        self, environ: Mapping[str, Any], delivery: _Delivery
    ) -> tuple[int, dict[str, Any]]:
        """The answer's status and document; ``delivery.event`` is set as soon
        as the body's ``_event`` is known, for the log line."""
        path = environ.get("PATH_INFO", "").encode("latin-1", "replace")
        if not hmac.compare_digest(path, self._route):
            raise Refusal(404, "not found")
        if environ.get("REQUEST_METHOD") != "POST":
            raise Refusal(405, "only POST is accepted")
        _check_content_encoding(environ.get("HTTP_CONTENT_ENCODING", ""))
        codec = _check_content_type(environ.get("CONTENT_TYPE", ""))
        body = _read_body(environ)
        try:
            return self._answer(body, codec, delivery)
        except Refusal as refusal:
            _name_refused(body, codec, refusal, delivery)
            raise

    def _answer(
        self, body: bytes, codec: str | None, delivery: _Delivery
    ) -> tuple[int, dict[str, Any]]:
        """``_handle``'s answer to a request with the receiver's token, once
        its ``body`` (declared in ``codec``, None for UTF-8) was read."""
        if codec is not None:
            _check_charset(body, codec)
        try:
            form, repeats = parse_form(body)
            refuse_disputed(form, repeats, ["_event"], _event_name)
            # Trimmed as every field is: a sender that pads the name (or
            # writes it in capitals) means Flattr's event, and answered 202
            # "ignored" it would never resend what was then never stored.
            event = _trimmed(form.get("_event", ""))
            if not event:
                raise Refusal(400, "_event is missing", "_event")
        except Refusal:
            # Read as a form, JSON gets an answer about a parameter "has no
            # value" or no _event, which says nothing of what is wrong.
            if _looks_like_json(body):
                raise Refusal(400, _NOT_JSON) from None
            raise
        if event.lower() == PENDING_CLICK:
            event = PENDING_CLICK
        delivery.event = event
        received_at = now_utc()
        if event != PENDING_CLICK:
            # A body that names the token (an event named after it, a field
            # holding the URL given to Flattr) left it in the answer and in
            # the store, where `sqlite3` shows it to whoever looks.
            event = "***" if self._holds_token(event) else event
            body = self._without_token(body.decode("latin-1")).encode("latin-1")
            with self._writing() as connection:
                store_ignored(connection, event, body, received_at)
            shown = _loggable(event, EVENT_NAME_KEPT)
            return 202, {"status": "ignored", "event": shown}
        refuse_disputed(form, repeats, PENDING_CLICK_FIELDS, parse_pending_click)
        click = parse_pending_click(form)
        self._refuse_token(click)
        delivery.thing = {
            "thing_id": click.thing_id,
            "thing_clicks_total": click.thing_clicks_total,
            "thing_owner_id": click.thing_owner_id,
        }
        with self._writing() as connection:
            stored = store_pending_click(connection, click, received_at)
            differs = [] if stored else _differences(connection, click)
            other_owner = stored and _names_other_owner(connection, click)
        # Once committed: a delivery answered 503 was neither.
        delivery.outcome = "stored" if stored else "duplicate"
        delivery.differs = differs
        delivery.other_owner = other_owner
        delivery.unlinked = claim_url_problem(click.claim_url)
        # A duplicate is answered as such whatever differs: Flattr documented
        # no answer, and one it took for a failure it may send again and
        # again. The store keeps the first; the log line tells of the other.
        return 200, {"status": delivery.outcome}


def _level(status: int, delivery: _Delivery) -> int:
    """The level of a request's log line: ERROR for a request the receiver
    failed to answer as asked (5xx: a delivery lost if Flattr does not send
    it again); WARNING for a pendingclickcreate refused, or one stored or
    repeated that the operator may look into (a claim URL no build links
    to, a duplicate that differs from the event stored, another owner of
    its thing); else INFO, as a
    probe's 404 is, which would bury the others as a warning."""
    if status >= 500:
        return logging.ERROR
    refused = status >= 400 and _told_apart(delivery.event) == PENDING_CLICK
    if refused or delivery.unlinked or delivery.differs or delivery.other_owner:
        return logging.WARNING
    return logging.INFO


_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    411: "Length Required",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
