"""Who owns a Flattr thing: a Flattr username or a community partner identifier.

Flattr accepts two kinds of owner on an auto-submit URL or button:

* ``user_id``: the username of a registered Flattr user;
* ``owner``: for community partners, an identifier of someone without a
  Flattr account, who claims the thing later. The supported forms are
  ``twitter:user:id:<number>``, ``email:<md5 hex>`` and
  ``partner:<namespace>:<id>``.

A site operator may write an email owner as ``email:alice@example.org``; it
is hashed here (MD5 of the trimmed, lower-cased address) so that the plain
address never leaves the configuration. Nothing in this module imports
Pelican.

What finds an address must also hide one, so the redaction every message
and log line goes through lives here too: ``redact_addresses`` and
``redact_encoded_addresses`` (an address however spelt, percent-encoded
too). How a message shows a value or lists names is ``wording``'s.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal, get_args

from .lazy_regex import lazy_regex

OwnerKind = Literal["flattr_user", "twitter", "email", "partner"]
_OWNER_KINDS: tuple[str, ...] = get_args(OwnerKind)
# The one form an email owner holds: the MD5 of the address, never the
# address itself.
_EMAIL_OWNER = lazy_regex(r"email:[0-9a-f]{32}")

# Flattr usernames were short ASCII handles; a colon would make a value
# ambiguous with an owner identifier, so it is never allowed.
_USERNAME = lazy_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# The keywords of an identifier in any letter case, as "email:" is read:
# written in lower case, as Flattr's documentation spells them. An earlier
# build published any id of this shape, which the web hook receiver and
# verify take as written (twitter_owner_as_written).
_TWITTER_OWNER = lazy_regex(r"(?ai:twitter:user:id:)([0-9]{1,20})")
# The same with any number of digits, for a message on one that is too long.
_TWITTER_OWNER_ANY_LENGTH = lazy_regex(r"(?ai:twitter:user:id:)([0-9]+)")
# Twitter's account ids are unsigned 64-bit numbers.
_LARGEST_TWITTER_ID = 2**64 - 1
# What an account's id is, as the messages about one that is none say it.
_TWITTER_IDS = f"those are whole numbers from 1 to {_LARGEST_TWITTER_ID}"


def _is_an_accounts_id(number: int) -> bool:
    """Whether ``number`` may be a Twitter account's id."""
    return 0 < number <= _LARGEST_TWITTER_ID


def _twitter_number(digits: str) -> int:
    """The number ``digits`` writes, or one above any account's id where
    it has more digits than any (Python refuses to read thousands, leading
    zeros included)."""
    significant = digits.lstrip("0")
    if len(significant) > len(str(_LARGEST_TWITTER_ID)):
        return _LARGEST_TWITTER_ID + 1
    return int(significant or "0")


MD5_HEX = lazy_regex(r"[0-9a-fA-F]{32}")
# One "@", a local part and a dotted domain, without the punctuation that
# surrounds an address in text ("mailto:", "<...>", a trailing ","): such a
# value would be hashed into an owner nobody can claim. Not a validation of
# mail delivery.
# (A regular expression class body; the audit looks for addresses by it too.)
NOT_IN_ADDRESS = r"\s@<>()\[\]\\,;:\""
_EMAIL_ADDRESS = lazy_regex(
    rf"[^{NOT_IN_ADDRESS}]+@[^{NOT_IN_ADDRESS}.]+(?:\.[^{NOT_IN_ADDRESS}.]+)+"
)
# The namespace is assigned by Flattr; ids are the partner's own. Neither may
# hold ";" or whitespace, which would break load.js's rel/rev syntax, nor "@":
# an id that is an email address would be published in every button.
PARTNER_NAMESPACE = r"[A-Za-z0-9_.-]{1,64}"
_PARTNER = lazy_regex(
    rf"(?ai:partner):({PARTNER_NAMESPACE}):([A-Za-z0-9_.+-]{{1,128}})"
)
# Anything shaped like an address, in text that repeats what someone wrote:
# a run of these characters on each side of an "@". Before it, read
# backwards from the "@": a quoted local part ("jo smith"@example.org), or a
# run that may hold an apostrophe (o'brien@) but not start with one, which
# is a message's quote ('bob@example.org'). After it: a domain literal
# (bob@[192.0.2.1]), or a run.
# The full-width and the small "@" of Unicode (U+FF20, U+FE6B) count too:
# a reader takes either for one, and NFKC (as IDNA applies it to hosts)
# makes one of either.
_WIDE_AT_SIGNS = "\uff20\ufe6b"
_AT_SIGN = lazy_regex(f"[@{_WIDE_AT_SIGNS}]")
_LOCAL_PART_BACKWARDS = lazy_regex(
    rf"\"[^\"\n]{{0,64}}\"|[^@{_WIDE_AT_SIGNS}\s\"<>()\[\],;:/]*"
    rf"[^@{_WIDE_AT_SIGNS}\s'\"<>()\[\],;:/]"
)
_DOMAIN = lazy_regex(rf"\[[^\]\s]{{1,255}}\]|[^@{_WIDE_AT_SIGNS}\s'\"<>()\[\],;:/]+")
# A whole address with a quoted local part, which may hold an "@" itself
# ("@"@example.org, "jo@home"@example.org): read from the sign outwards, the
# local part before such a sign would cross the sign inside the quotes. Its
# local part is at most 66 characters, so one search over the text is
# linear, and runs before the search from each sign.
_QUOTED_ADDRESS = lazy_regex(
    rf"\"[^\"\n]{{0,64}}\"[@{_WIDE_AT_SIGNS}](?:{_DOMAIN.pattern})"
)

SUPPORTED_FORMS = (
    "a Flattr username, twitter:user:id:NUMBER, email:ADDRESS, email:MD5HEX "
    "or partner:NAMESPACE:ID"
)
# Those of them that name someone without a Flattr account.
PARTNER_FORMS = (
    "twitter:user:id:NUMBER, email:ADDRESS, email:MD5HEX or partner:NAMESPACE:ID"
)
# The one form where an account, not an owner, is named (verify's
# --username, its CSV's username column, FLATTR_VERIFIED_ACCOUNTS).
USERNAME_FORM = "a Flattr username"

# What stands for an address in an owner that could not be hashed, in the
# settings and metadata Pelican's content cache pickles (see
# settings.scrubbed_owner). Alone, it was a plain address.
HIDDEN_ADDRESS = "[address hidden]"


# What Pelican's metadata and settings take for yes or no. An owner that
# reads as one was meant as a switch ("Flattr_owner: false", for no button),
# and made the Flattr user of that name the owner without a word.
SWITCH_WORDS = frozenset({"yes", "no", "true", "false", "on", "off", "none", "0", "1"})


def reads_as_switch(value: object) -> bool:
    """Whether ``value`` is text that reads as a yes or no (or none)."""
    return isinstance(value, str) and value.strip().lower() in SWITCH_WORDS


# Why an owner that reads as a yes or no is refused, as messages say it.
SWITCH_OWNER = "reads as a yes or no, not a Flattr username"


def parse_owner_setting(value: object) -> Owner:
    """``parse_owner`` for an owner that settings give (``FLATTR_USERNAME``,
    a ``FLATTR_AUTHORS`` entry): one that reads as a yes or no was meant
    as a switch, and raises IdentifierError, so that the build and every
    command that reads the settings refuse it alike."""
    if reads_as_switch(value):
        raise _refused(str(value).strip(), SWITCH_OWNER)
    return parse_owner(value)


class IdentifierError(ValueError):
    """A value that is neither a Flattr username nor a supported identifier.

    The message never repeats an email address: it is safe to log.
    ``reason`` is the message without the value: alike for values refused
    alike, so that a bulk import's hundreds can be said once.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


def _refused(text: str, reason: str) -> IdentifierError:
    """The error for ``text`` (shown as ``_describe`` shows it), refused
    for ``reason``."""
    return IdentifierError(f"{_describe(text)} {reason}", reason)


@dataclass(frozen=True)
class Owner:
    """The owner of a thing, in the form Flattr receives it.

    ``value`` is the username for a Flattr user, or the whole identifier
    (``twitter:user:id:123``, ``email:<md5>``, ``partner:ns:id``) otherwise.
    An email owner only ever holds the hash.
    """

    kind: OwnerKind
    value: str

    def __post_init__(self) -> None:
        # parse_owner makes owners from what people write; one made by hand,
        # by a program reusing this module, could hold a plain address,
        # which every output (the button, the manifest) would publish.
        if self.kind not in _OWNER_KINDS:
            # _describe, not wording.shown_value: wording hides addresses
            # with this module's rules, and importing it here would be a cycle.
            kinds = ", ".join(repr(kind) for kind in _OWNER_KINDS)
            raise IdentifierError(
                f"an owner's kind is {_describe(str(self.kind))}, not one of {kinds}"
            )
        if self.kind == "email" and not _EMAIL_OWNER.fullmatch(self.value):
            raise IdentifierError(
                "an email owner's value (not shown: it may hold an email "
                "address) must be email:MD5HEX, the hash of the address; "
                "make the owner with parse_owner('email:ADDRESS')"
            )

    @property
    def parameter(self) -> str:
        """The auto-submit parameter that carries this owner."""
        return "user_id" if self.kind == "flattr_user" else "owner"

    @property
    def button_parameter(self) -> str:
        """The embedded button's name for this owner (``uid`` or ``owner``)."""
        return "uid" if self.kind == "flattr_user" else "owner"

    @property
    def is_partner_identifier(self) -> bool:
        """True for owners without a Flattr account, who claim things later."""
        return self.kind != "flattr_user"


# The invisible characters isprintable() takes for printable: Unicode's
# default-ignorable code points of the categories Lo and Mn (a combining
# grapheme joiner, the Hangul fillers, the variation selectors...). A
# reader sees none of them either.
_PRINTABLE_INVISIBLE = lazy_regex(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164"
    "\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]"
)


def invisible_character(text: str) -> str | None:
    """The first character of ``text`` that a reader cannot see or that no
    identifier holds (a control, format such as U+200B or U+202E,
    separator, private-use or unassigned one, or a default-ignorable one),
    or None. Text pasted from a page or a chat often carries one, and an
    address holding one is hashed into an owner nobody can claim."""
    if text.isprintable():  # one C loop for the usual value
        found = _PRINTABLE_INVISIBLE.search(text)
        return None if found is None else found[0]
    return next(character for character in text if not character.isprintable())


def _character_name(character: str) -> str:
    """``U+200B (ZERO WIDTH SPACE)``: a character named in a message,
    where it would show as nothing."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X}" + (f" ({name})" if name else "")


def hash_email(address: str) -> str:
    """Flattr's email hash: MD5 of the trimmed, lower-cased address, as hex."""
    return hashlib.md5(address.strip().lower().encode("utf-8")).hexdigest()


# A locale as gettext and glibc name one, with a modifier after a plain "@"
# (sr@latin, ca_ES@valencia, be-BY@latin): a language code, perhaps a
# script and a territory, and a word. Nothing follows the "@" but lower-case
# letters, never a dot, so it is neither an address an owner may have
# (parse_owner takes only one with a dotted domain) nor one mail reaches on
# the Internet: a message that names a language shows it as it is.
_LOCALE = r"[a-z]{2,3}(?:[_-](?:[A-Za-z]{4}|[A-Za-z]{2}|[0-9]{3}))*@[a-z]{3,}"
_LOCALE_WITH_MODIFIER = lazy_regex(_LOCALE)
# Such a locale at the end of a file name, as Pelican names a translation's
# page or feed (ARTICLE_LANG_SAVE_AS: hello-world-sr@latin.html): a file
# name's extension is no domain of the Internet's either, and a message
# that names a page must name it as it is, for its fix to be followed.
_FILE_EXTENSIONS = r"(?:\.(?:html?|xml|atom|rss|json))"
_LOCALE_IN_FILE_NAME = lazy_regex(
    rf"{_LOCALE}{_FILE_EXTENSIONS}*|.*[-_.]{_LOCALE}{_FILE_EXTENSIONS}+"
)


def is_locale_with_modifier(text: str) -> bool:
    """Whether ``text`` is a gettext locale with a modifier (``sr@latin``),
    whose "@" is no address's."""
    return _LOCALE_WITH_MODIFIER.fullmatch(text.strip()) is not None


def redact_addresses(text: str) -> str:
    """``text`` with everything shaped like an email address replaced by
    ``[address]``: for log lines and messages that repeat what a settings
    file, a request or a server said. A locale with a modifier (sr@latin),
    as it is or ending a file name (hello-sr@latin.html), is kept."""
    if "@" not in text and not any(sign in text for sign in _WIDE_AT_SIGNS):
        return text
    return redact_around(
        text,
        _AT_SIGN,
        _LOCAL_PART_BACKWARDS,
        _DOMAIN,
        _LOCALE_IN_FILE_NAME,
        _QUOTED_ADDRESS if '"' in text else None,
    )


# An address percent-encoded in a URL or a form, as in
# owner=email%3Acarol%40example.org, perhaps encoded again ("%2540"): runs of
# these around the encoded "@".
# The full-width and the small "@", as their UTF-8 bytes percent-encoded
# however many times, in either case.
ENCODED_WIDE_AT_SIGN = r"(?i:%(?:25)*EF%(?:25)*(?:BC%(?:25)*A0|B9%(?:25)*AB))"
_ENCODED_AT_SIGN = lazy_regex("%(?:25)*40|" + ENCODED_WIDE_AT_SIGN)
_ENCODED_LOCAL_PART = lazy_regex(r"[^\s'\"<>()\[\],;:/&?=]+")
# The domain, with its escapes: a non-ASCII one (bob%40%C3%BCber.de is
# bob@über.de) is escapes from its first character, and any may be written
# as one (%62%6F%62.de), encoded once or more ("%25C3"). Only escapes of what
# a domain holds (letters, digits, "-", ".", "_" and the bytes of UTF-8
# characters): a separator after it, plain or encoded ("&", "%26", "%3D"),
# or a broken escape ("%ZZ") starts the text that follows, left as it is;
# so does a "/" or ":", as after a plain "@" (a message naming the file
# "carol%40example.org/notes.md: ..." keeps "/notes.md:").
_ENCODED_DOMAIN = lazy_regex(
    r"(?:[^\s'\"<>&?=%/:]"
    r"|%(?:25)*(?:[89A-Fa-f][0-9A-Fa-f]|2[DEde]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]"
    r"|5[Ff]))+"
)


# An "@" written otherwise: percent-encoded however many times, as an HTML
# character reference, or as a full-width or small "@" of Unicode, as it is
# or percent-encoded.
_AT_SIGN_WRITTEN_OTHERWISE = lazy_regex(
    "%(?:25)*40|&(?:#0*64(?![0-9])|#[xX]0*40(?![0-9A-Fa-f])|commat;)|[\uff20\ufe6b]|"
    + ENCODED_WIDE_AT_SIGN
)


def holds_at_sign(text: str) -> bool:
    """True when ``text`` holds an "@", as it is or written otherwise
    (percent-encoded however many times, as a character reference, as a
    full-width or small "@", plain or percent-encoded, or as a character
    reference whose "&" is percent-encoded): a URL or a value that may
    carry an address, never to be published."""
    return (
        "@" in text
        or _AT_SIGN_WRITTEN_OTHERWISE.search(text) is not None
        or ("%" in text and _ENCODED_REFERENCED_AT_SIGN.search(text) is not None)
    )


def redact_encoded_addresses(text: str) -> str:
    """``text`` with every email address, plain or percent-encoded (once or
    more), replaced by ``[address]``: for what repeats a URL or a request."""
    text = redact_addresses(text)
    if "%" not in text:
        return text
    return redact_around(text, _ENCODED_AT_SIGN, _ENCODED_LOCAL_PART, _ENCODED_DOMAIN)


def _plain_or_encoded(characters: str) -> str:
    """A pattern for ``characters``, each as it is or percent-encoded
    however many times (``#``, ``%23``, ``%2523``...)."""
    return "".join(
        rf"(?:{re.escape(character)}|%(?:25)*(?i:{ord(character):02X}))"
        for character in characters
    )


_ENCODED_ZEROS = f"(?:{_plain_or_encoded('0')})*"
_ENCODED_SEMICOLON = _plain_or_encoded(";")
# An "@" as a character reference (&#64;, &#x40;, &commat;) with any of
# its characters percent-encoded, once or more ("%26%2364%3B",
# "%2526%252364%253B", and "&%2364;", whose "&" a decoding already
# reached): a page that decodes it that many times shows an "@". A digit
# after the number makes another character (&#640;), as in
# _AT_SIGN_WRITTEN_OTHERWISE.
_ENCODED_REFERENCED_AT_SIGN = lazy_regex(
    r"(?:&|%(?:25)*26)(?:"
    + _plain_or_encoded("#")
    + _ENCODED_ZEROS
    + _plain_or_encoded("64")
    + rf"(?![0-9]|%(?:25)*3[0-9])(?:{_ENCODED_SEMICOLON})?"
    + "|"
    + _plain_or_encoded("#")
    + r"(?:[xX]|%(?:25)*(?i:78|58))"
    + _ENCODED_ZEROS
    + _plain_or_encoded("40")
    + rf"(?![0-9A-Fa-f]|%(?:25)*(?i:3[0-9]|4[1-6]|6[1-6]))(?:{_ENCODED_SEMICOLON})?"
    + "|"
    + _plain_or_encoded("commat;")
    + ")"
)


def redact_encoded_references(text: str) -> str:
    """``text`` with every email address whose "@" is a character reference
    with percent-encoded characters (``carol%26%2364%3Bexample.org``,
    ``carol&%2364;example.org``, encoded once or more) replaced by
    ``[address]``: what a path or a value decoded once more, or a page,
    would show as an address."""
    if "%" not in text:
        return text
    return redact_around(
        text, _ENCODED_REFERENCED_AT_SIGN, _ENCODED_LOCAL_PART, _ENCODED_DOMAIN
    )


# An "@" as an HTML character reference (&#64;, &#x40;, &commat;), as a
# path or a value decoded once spells "%26%2364%3B": any page that shows
# it shows an "@". The runs around it may hold references too.
# Escaped again ("&amp;#64;") too, as a text that escapes each "&" shows it.
REFERENCED_AT_SIGN = lazy_regex(
    r"&(?:amp;)*(?:#0*64(?![0-9]);?|#[xX]0*40(?![0-9A-Fa-f]);?|commat;)"
)
_REFERENCED_DOMAIN = lazy_regex(r"(?:&#?[0-9A-Za-z]+;|[^\s/?&;=@'\"<>])+")
# Read backwards, as redact_around reads a local part.
_REFERENCED_LOCAL_PART = lazy_regex(r"(?:;[0-9A-Za-z]+#?&|[^\s/?&;=@'\"<>])+")


def redact_referenced_addresses(text: str) -> str:
    """``text`` with every email address whose "@" is a character reference
    (``carol&#64;example.org``, ``&#x40;``, ``&commat;``) replaced by
    ``[address]``: what a page that shows the text shows as an address."""
    if "&" not in text:
        return text
    return redact_around(
        text, REFERENCED_AT_SIGN, _REFERENCED_LOCAL_PART, _REFERENCED_DOMAIN
    )


def redact_every_address(text: str) -> str:
    """``text`` with every address hidden, plain, percent-encoded or as a
    character reference, its characters escaped or not
    (``carol%26%2364%3Bexample.org``, ``carol&#64;example.org``): for what
    repeats a page's URL or a word typed on a command line."""
    return redact_referenced_addresses(
        redact_encoded_references(redact_encoded_addresses(text))
    )


def redact_around(
    text: str,
    sign: re.Pattern[str],
    before: re.Pattern[str],
    after: re.Pattern[str],
    kept: re.Pattern[str] | None = None,
    whole: re.Pattern[str] | None = None,
) -> str:
    """``text`` with every run of ``before`` characters, a ``sign`` and a
    run of ``after`` characters replaced by ``[address]``, but one that
    ``kept`` matches as a whole; and every match of ``whole``, an address
    that cannot be read from a sign outwards, where none starts earlier.

    Each run is found from a sign outwards. One regular expression for the
    whole would try every start of a long run that has no sign, in time
    quadratic in its length, and the text can be a megabyte a server sent.
    ``before`` must not match across a sign: each local part is looked for
    only after the previous one, which keeps the whole pass linear.
    ``whole`` must be bounded before its sign, as a quoted local part is.
    """
    pieces: list[str] = []
    done = searched = 0
    # The next match of ``whole`` at or after ``done``: the two kinds are
    # taken in the order they start, as one expression reading from the
    # left would take them (an address whose domain literal holds a quoted
    # one, a@["b"@c], is one address).
    pending = whole.search(text) if whole is not None else None
    for found in sign.finditer(text):
        at = found.start()
        while at >= done:
            # The local part, read backwards from the sign.
            local = before.match(text[max(done, searched) : at][::-1])
            domain = None if local is None else after.match(text, found.end())
            start = at if domain is None else at - local.end()
            if pending is None or pending.start() > start:
                break
            pieces += (text[done : pending.start()], "[address]")
            done = pending.end()
            pending = whole.search(text, done)
        else:
            continue
        searched = found.end()
        if domain is None:
            continue
        if kept is not None and kept.fullmatch(text, start, domain.end()):
            continue
        pieces += (text[done:start], "[address]")
        done = domain.end()
        if pending is not None and pending.start() < done:
            pending = whole.search(text, done)
    while pending is not None:
        pieces += (text[done : pending.start()], "[address]")
        done = pending.end()
        pending = whole.search(text, done)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _describe(value: str) -> str:
    """A printable stand-in for a rejected value that cannot leak an address."""
    # An "@" percent-encoded too: the value is cut below, and an address
    # cut before its "%40" would no longer look like one to redact.
    if (
        holds_at_sign(value) and not holds_no_address(value)
    ) or value.lower().startswith("email:"):
        return "the value (not shown: it may hold an email address)"
    shown = value if len(value) <= 80 else value[:77] + "..."
    return repr(shown)


# A handle as people write it for Twitter (or a username, by mistake): no
# address, which has something before its "@", nor a domain, which has a dot.
_HANDLE = lazy_regex(r"@[A-Za-z0-9_-]{1,64}")
# The same where a Twitter id goes: after "twitter:", perhaps "user:" and
# "id:", keywords alone before its "@".
_TWITTER_HANDLE = lazy_regex(r"(?ai:twitter:(?:user:)?(?:id:)?)@([A-Za-z0-9_-]{1,64})")
# A Twitter id written short: twitter:783214, twitter:id:783214.
_TWITTER_NUMBER = lazy_regex(r"(?ai:twitter:(?:user:)?(?:id:)?)([0-9]+)")
# The same in any script's decimal digits (Unicode's \d).
_TWITTER_OTHER_DIGITS = lazy_regex(r"(?i:twitter:(?:user:)?(?:id:)?)\d+")
# A Flattr profile's address, as Flattr wrote it first (flattr.com/profile/
# NAME) or later (flattr.com/@NAME), with or without its scheme: only a host
# before its "@", and a username after it.
_FLATTR_PROFILE = lazy_regex(
    r"(?ai:(?:https?://)?(?:www\.)?flattr\.com/(?:profile/|@)?)"
    r"([A-Za-z0-9][A-Za-z0-9_.-]{0,63})/?"
)
# A profile's web address (mastodon.social/@bob, https://medium.com/@bob):
# its one "@" starts a part of the path, after a host, so no address's,
# which has a name before its "@" (https://bob@example.org/ is hidden).
_PROFILE_ADDRESS = lazy_regex(
    r"(?ai:(?:https?://)?[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::[0-9]+)?"
    r"(?:/[^\s@/?#]+)*/@[a-z0-9_.-]{1,64}/?)"
)
# Any other web address: http(s)'s scheme, or a host name and a path, as
# one is copied from a browser's address bar without its scheme.
_WEB_ADDRESS = lazy_regex(r"(?ai:https?:|www\.|[a-z0-9-]+(?:\.[a-z0-9-]+)+/)")
# Two words or more, of letters (Anne-Marie O'Neil, J. Smith): a name.
_NAME_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?"
_PERSON_NAME = lazy_regex(rf"{_NAME_WORD}(?:\s+{_NAME_WORD})+")
# A list, as metadata writes one (Tags: a, b): a separator, then a space.
_OWNER_LIST = lazy_regex(r"[,;]\s")
# Quotes around a value, as YAML and Python write text: Pelican's metadata
# keeps them, and no owner holds one at its start or end. Around it only:
# "john doe"@example.org is an address, for the address's advice.
_QUOTES = "\"'“”‘’«»"
_IN_QUOTES = "is in quotes, which would be part of the owner: write it without them"
# Quotation marks of any script, which pasted text brings around an
# address ("“carol@example.org”") and no mailbox's name holds.
QUOTATION_MARKS = frozenset(_QUOTES + "`„‚‹›「」『』")

# Why a person's name is refused as an owner (resolve adds the way out
# that the metadata field has).
PERSON_NAME = (
    "looks like a person's name, not an owner: write their Flattr username or "
    "owner identifier"
)


def _person_name(expected: str) -> str:
    """Why a person's name is refused where ``expected`` forms are taken:
    the advice names only forms that are, or following it would be
    refused in turn."""
    if expected == SUPPORTED_FORMS:
        return PERSON_NAME
    if expected == USERNAME_FORM:
        return "looks like a person's name, not a username: write their Flattr username"
    return (
        "looks like a person's name, not an owner: write their owner identifier "
        f"({expected})"
    )


def is_handle(text: str) -> bool:
    """True for ``@name``: a handle, which holds no email address."""
    return _HANDLE.fullmatch(text.strip()) is not None


def holds_no_address(text: str) -> bool:
    """True for a value whose "@" is no address's, which a message may
    show: a handle (``@name``), after ``twitter:`` or ``twitter:user:id:``
    too, or a profile's web address (``flattr.com/@name``,
    ``mastodon.social/@name``)."""
    text = text.strip()
    return any(
        pattern.fullmatch(text) is not None
        for pattern in (_HANDLE, _TWITTER_HANDLE, _FLATTR_PROFILE, _PROFILE_ADDRESS)
    )


def parse_owner(value: object, expected: str = SUPPORTED_FORMS) -> Owner:
    """Read a Flattr username or an owner identifier.

    A value without a colon is a Flattr username; one with a colon must be a
    supported identifier. ``email:ADDRESS`` comes back hashed.

    Raises IdentifierError with a message that is safe to log, naming the
    forms ``expected`` where the scheme is none of them.
    """
    if not isinstance(value, str):
        raise IdentifierError(
            f"expected text ({expected}), got {type(value).__name__}",
            f"is {type(value).__name__}, not text ({expected})",
        )
    text = value.strip()
    if not text:
        raise IdentifierError(f"is empty; expected {expected}")
    invisible = invisible_character(text)
    if invisible is not None:
        # The value itself is not shown: an address may be what holds it.
        way_out = (
            " (or give an address that truly holds it as email:MD5HEX)"
            if text[:6].lower() == "email:"
            else ""
        )
        raise IdentifierError(
            f"holds {_character_name(invisible)}, an invisible, control or space "
            "character that no owner holds (pasted text often carries one): "
            f"retype the value without it{way_out}"
        )
    # Cheap tests first: every owner of a build is read here.
    if ("," in text or ";" in text) and _OWNER_LIST.search(text):
        raise _refused(text, "names more than one owner, but a thing has one: keep one")
    if text[0] in _QUOTES and text[-1] in _QUOTES:
        # Refused, not taken without them: Pelican keeps quotes in every
        # other field too (a Title: "Hello" shows them).
        raise _refused(text, _IN_QUOTES)
    if ":" not in text:
        if _USERNAME.fullmatch(text):
            return Owner("flattr_user", text)
        raise _not_a_username(text, expected)
    scheme = text.split(":", 1)[0].lower()
    if scheme == "twitter":
        twitter = _TWITTER_OWNER_ANY_LENGTH.fullmatch(text)
        if twitter is None:
            raise _not_a_twitter_id(text)
        _check_twitter_id(text, twitter[1])
        return Owner("twitter", f"twitter:user:id:{twitter[1]}")
    if scheme == "email":
        rest = text[len("email:") :].strip()
        if MD5_HEX.fullmatch(rest):
            return Owner("email", "email:" + rest.lower())
        if in_quotation_marks(rest):
            raise _refused(text, _IN_QUOTES)
        if _EMAIL_ADDRESS.fullmatch(rest):
            why = _why_no_address(rest)
            if why:
                raise _refused(text, why)
            if _LOCALE_IN_FILE_NAME.fullmatch(rest):
                # sr@latin.html: a locale ending a file name, which messages
                # show as it is (redact_addresses), and no address mail reaches.
                raise _refused(
                    text,
                    "is not usable: its domain ends in a file name's extension, "
                    "not in one of the Internet's",
                )
            return Owner("email", "email:" + hash_email(rest))
        raise _refused(text, _NOT_AN_ADDRESS)
    if scheme == "partner":
        partner = _PARTNER.fullmatch(text)
        if partner:
            # The namespace and the id keep their case: they are Flattr's
            # and the partner's, who may tell "A" from "a".
            return Owner("partner", f"partner:{partner[1]}:{partner[2]}")
        if holds_at_sign(text):
            raise _refused(
                text,
                "is not a partner identifier: its ID may not hold an at sign; for "
                "an email address write email:ADDRESS, which is hashed",
            )
        raise _refused(
            text,
            "is not a partner identifier: write partner:NAMESPACE:ID (letters, "
            "digits, '_', '-', '.', and '+' in the ID)",
        )
    web_address = _web_address_refused(text, expected)
    if web_address is not None:
        raise web_address
    # The scheme is what comes before the first ":", which may be an address.
    shown = f" {scheme!r}" if not holds_at_sign(scheme) else ""
    raise _refused(text, f"has an unsupported scheme{shown}; expected {expected}")


# "_" too: no host name holds one, but DNS does, and an owner whose domain
# had one was hashed as written before "/" and "?" were refused.
_ASCII_DOMAIN = lazy_regex(r"[\w-]+(?:\.[\w-]+)+", re.ASCII)


_NOT_AN_ADDRESS = (
    "is not usable: write email:ADDRESS (the address alone, without "
    "'mailto:', '<>', quotes, punctuation or invisible characters around or "
    "in it) or email:MD5HEX (32 hexadecimal digits)"
)


# Unicode's opening, closing and quoting punctuation: brackets and quotation
# marks, which no mailbox's name holds.
_MARKS = frozenset({"Ps", "Pe", "Pi", "Pf"})


def _why_no_address(address: str) -> str:
    """Why ``address`` (an ``email:`` owner's, shaped as one) is no address
    of the mail it names, or "": hashed as written, quotes or a "/" at its
    end make an owner nobody can claim, and one the privacy checks, which
    look for the address itself, never find."""
    local, _, domain = address.rpartition("@")
    quoted = local[0] in QUOTATION_MARKS or any(
        not character.isascii()
        and (character in QUOTATION_MARKS or unicodedata.category(character) in _MARKS)
        for character in local
    )
    if quoted or not _is_domain(domain):
        return _NOT_AN_ADDRESS
    return ""


def _is_domain(domain: str) -> bool:
    """Whether ``domain`` is dotted labels of letters, digits, "-" and "_",
    in any script (an internationalised domain's marks too), as a mail's
    is: not "example.org/" or "example.org?subject=hi"."""
    if domain.isascii():
        return _ASCII_DOMAIN.fullmatch(domain) is not None
    labels = domain.split(".")
    return len(labels) > 1 and all(
        label and all(map(_in_domain_label, label)) for label in labels
    )


def _in_domain_label(character: str) -> bool:
    """Whether ``character`` may be in a label of an internationalised
    domain: an ASCII letter, digit, "-" or "_", or any script's letter,
    mark or digit."""
    if character.isascii():
        return character.isalnum() or character in "-_"
    return unicodedata.category(character)[0] in "LMN"


def in_quotation_marks(text: str) -> bool:
    """Whether ``text`` starts and ends with a quotation mark, of any
    script (``QUOTATION_MARKS``)."""
    return len(text) > 1 and text[0] in QUOTATION_MARKS and text[-1] in QUOTATION_MARKS


def address_written_in(text: str) -> str:
    """The address that ``text``, an address as someone wrote it (after
    ``email:`` or ``mailto:``), holds without what may surround it: quotes
    and brackets before it, and after its domain whatever no domain holds
    ("/", "?subject=hi", a closing quote). ``text`` itself when it holds no
    "@"; what is left may still be no address (``parse_owner`` tells)."""
    local, at, domain = text.strip().rpartition("@")
    if not at:
        return text
    local = local.lstrip("<([{,;. " + "".join(QUOTATION_MARKS))
    end = 0
    while end < len(domain) and (domain[end] == "." or _in_domain_label(domain[end])):
        end += 1
    return f"{local}@{domain[:end].strip('.-')}"


def _not_a_username(text: str, expected: str) -> IdentifierError:
    """Why ``text``, which holds no ":", is no Flattr username, and what to
    write instead."""
    if is_handle(text):
        return IdentifierError(
            f"{text!r} is a handle: write a Flattr username without the '@' "
            f"({text[1:]}), or twitter:user:id:NUMBER for a Twitter account "
            "(its numeric id, not the handle)",
            "is a handle: write a Flattr username without the '@', or "
            "twitter:user:id:NUMBER for a Twitter account (its numeric id, "
            "not the handle)",
        )
    web_address = _web_address_refused(text, expected)  # flattr.com/@name too
    if web_address is not None:
        return web_address
    # The build reads its owners once their addresses are hidden: the
    # marker deserves the advice the address would have had.
    if "@" in text or text == HIDDEN_ADDRESS:
        return IdentifierError(
            "looks like a plain email address; write it as email:ADDRESS "
            "so that it is hashed"
        )
    if _PERSON_NAME.fullmatch(text):
        return _refused(text, _person_name(expected))
    if expected == PARTNER_FORMS:
        # verify's --identity: a username would be refused too.
        return _refused(text, f"is not an owner identifier: expected {expected}")
    return _refused(
        text,
        "is not a valid Flattr username (letters, digits, '_', '-' and '.', "
        "at most 64 characters)",
    )


def _not_a_twitter_id(text: str) -> IdentifierError:
    """Why ``text``, which starts ``twitter:``, is no Twitter owner, and what
    to write instead."""
    handle = _TWITTER_HANDLE.fullmatch(text)
    if (
        handle is not None
        and handle[1].isdigit()
        and _is_an_accounts_id(_twitter_number(handle[1]))
    ):
        # "@783214": most likely the id with an "@" too many, though a
        # handle may be digits alone.
        reason = (
            "has an '@' before a number: if it is the numeric account id, write "
            "it without the '@'; if it is a handle, a Twitter ID lookup gives "
            "its id"
        )
        number = _twitter_number(handle[1])  # without leading zeros
        return IdentifierError(
            f"{text!r} has an '@' before a number: if {number} is the numeric "
            f"account id, write twitter:user:id:{number}; if it is a handle, a "
            "Twitter ID lookup gives its id",
            reason,
        )
    if handle is not None:
        # No address: shown, with where the number is found.
        advice = (
            "is a Twitter handle, but Flattr needs the numeric account id: "
            "write twitter:user:id:NUMBER (a Twitter ID lookup gives it for "
            "the handle "
        )
        return IdentifierError(f"{text!r} {advice}{handle[1]})", f"{advice}NAME)")
    number = _TWITTER_NUMBER.fullmatch(text)
    if number is not None:
        # Said first: the long form advised would be refused for it.
        no_account = _no_accounts_id(text, _twitter_number(number[1]))
        if no_account is not None:
            return no_account
        written_short = "is a Twitter id in a form Flattr does not read: write "
        # Without leading zeros, which the form advised would be refused for.
        return IdentifierError(
            f"{text!r} {written_short}twitter:user:id:{_twitter_number(number[1])}",
            f"{written_short}twitter:user:id:NUMBER",
        )
    if _TWITTER_OTHER_DIGITS.fullmatch(text):
        # '١٢٣' or '１２３': digits, though not a handle, that Flattr, which
        # matches an owner as written, would take for no account's id.
        return _refused(
            text,
            "writes the Twitter id in digits other than 0 to 9: write "
            "twitter:user:id:NUMBER with the digits 0 to 9",
        )
    return _refused(
        text,
        "is not a twitter identifier: write twitter:user:id:NUMBER with the "
        "numeric account id, not the handle",
    )


def _check_twitter_id(text: str, digits: str) -> None:
    """Raise IdentifierError unless ``digits``, the id of ``text``, is a
    Twitter account's id as Twitter writes it. Flattr matches an owner as
    written: twitter:user:id:00783214 is no account's, and nobody could
    claim its things."""
    number = _twitter_number(digits)
    no_account = _no_accounts_id(text, number)
    if no_account is not None:
        raise no_account
    if digits[0] == "0":
        zeros = (
            "writes the Twitter id with leading zeros, which no account's id "
            "has (Flattr matches an owner as written): write "
        )
        raise IdentifierError(
            f"{text!r} {zeros}twitter:user:id:{number}",
            f"{zeros}twitter:user:id:NUMBER without them",
        )


def _no_accounts_id(text: str, number: int) -> IdentifierError | None:
    """The error for ``text``, whose Twitter id is ``number``, when no
    account has that id; else None."""
    if _is_an_accounts_id(number):
        return None
    return _refused(
        text,
        f"is no Twitter account's id ({_TWITTER_IDS}): write the account's numeric id",
    )


def twitter_owner_as_written(value: str) -> Owner | None:
    """The Twitter owner ``value`` names, as written, whatever its id; None
    for any other value. For what reads an owner Flattr knows (the web hook
    receiver, verify), never for what publishes one (``parse_owner``): an
    earlier build published ids a build now refuses
    (``twitter:user:id:00783214``), and Flattr keeps their flattrs for
    them as written."""
    twitter = _TWITTER_OWNER.fullmatch(value.strip())
    if twitter is None:
        return None
    return Owner("twitter", f"twitter:user:id:{twitter[1]}")


# What a note on such an owner says of its flattrs (verify, pending).
EARLIER_FLATTRS = (
    "the flattrs of the things an earlier build published for it wait for it as written"
)


NO_ACCOUNTS_ID = "its Twitter id is no account's"


def unpublished_twitter_id(identifier: str) -> str | None:
    """Why a build no longer publishes ``identifier``, a Twitter owner
    written with an id of any length, as a note says it; None for one it
    publishes, and for any other owner."""
    # Any length: an id longer than any account's is one no build publishes.
    twitter = _TWITTER_OWNER_ANY_LENGTH.fullmatch(identifier.strip())
    if twitter is None:
        return None
    digits = twitter[1]
    number = _twitter_number(digits)
    if not _is_an_accounts_id(number):
        return f"{NO_ACCOUNTS_ID} ({_TWITTER_IDS})"
    if digits[0] == "0":
        return (
            "its Twitter id has leading zeros, which no account's id has (the "
            f"account's own owner is twitter:user:id:{number})"
        )
    return None


def _web_address_refused(text: str, expected: str) -> IdentifierError | None:
    """The error for a web address given as an owner (a Flattr profile's
    names the username to write), or None when ``text`` is none."""
    profile = _FLATTR_PROFILE.fullmatch(text)
    if profile is not None and expected == PARTNER_FORMS:
        # Where only an owner identifier is taken (verify's --identity), the
        # username the address holds would be refused in turn.
        return _refused(
            text,
            "is a Flattr profile's address, and a Flattr user needs no "
            f"verifying: expected an owner identifier ({expected})",
        )
    if profile is not None:
        alone = "is a Flattr profile's address: write the username alone"
        return IdentifierError(f"{text!r} {alone}: {profile[1]}", alone)
    if _WEB_ADDRESS.match(text):
        return _refused(text, f"is a web address, not an owner: write {expected}")
    return None


def parse_partner_identifier(value: object) -> Owner:
    """Read an identifier that must name someone without a Flattr account.

    Used where Flattr expects ``owner`` forms only: verify, which takes a
    Twitter owner as written (``twitter_owner_as_written``), as the web
    hook receiver stores it. Verifying one a build no longer publishes
    (``twitter:user:id:00783214``) is how whoever holds it claims the
    flattrs an earlier build's things got for it; the account's own id
    (``783214``) is another owner, which claims none of them.
    """
    as_written = twitter_owner_as_written(value) if isinstance(value, str) else None
    if as_written is not None:
        return as_written
    owner = parse_owner(value, PARTNER_FORMS)
    if not owner.is_partner_identifier:
        raise IdentifierError(
            f"{_describe(str(value))} is a Flattr username; expected {PARTNER_FORMS}"
        )
    return owner
