"""Email addresses found in published text, however it spells them.

A built page, a feed or a published source may hold an address as written,
percent-encoded (``carol%40example.org``), behind character references
(``carol&#64;example.org``), with reStructuredText's backslash escapes
(``carol\\@example.org``), or with characters a reader does not see in it.
The audit reads every file of a site with these functions; the build reads
a few texts with them (``privacy``), to warn of what the audit would find.
Neither Pelican nor any other module of the plugin's is needed here but
``identifiers``, whose rule says what an address may hold.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from .identifiers import NOT_IN_ADDRESS

# An address as FLATTR_AUTHORS may hold one (identifiers' rule): a local
# part of anything but spaces and the punctuation that surrounds an address
# in text (so "o'brien" and "josé" too), and a domain of letters, digits
# and hyphens, non-ASCII (or percent-encoded) ones included. Each side is
# matched from an "@" found first, so that a long run of text without
# spaces (minified code) is never matched position by position.
_SEPARATORS = (b"@", b"%40")
# 64 characters, each perhaps percent-encoded UTF-8 ("%C3%A9"): 192 bytes.
_LOCAL_PART = re.compile(rb"[^%s]{1,192}\Z" % NOT_IN_ADDRESS.encode())
# A label's escapes are those of UTF-8's bytes ("%C3%A4": ä) and of
# letters, digits and "-"; a "." between labels may be escaped too ("%2E").
# "%2C", "%20" or "%40" after a domain ends it ("mailto:a%40b.org%2Cc%40d").
_DOMAIN_ESCAPE = rb"%(?:[89A-Fa-f][0-9A-Fa-f]|2[dD]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa])"
_DOMAIN_LABEL = rb"(?:[A-Za-z0-9\x80-\xff-]|" + _DOMAIN_ESCAPE + rb"){1,63}"
# At most 127 labels, as in DNS: every shorter domain is tried in turn.
_DOMAIN = re.compile(
    _DOMAIN_LABEL + rb"(?:(?:\.|%2[eE])" + _DOMAIN_LABEL + rb"){1,126}"
)
# A character reference to "@", with or without its ";" (a browser reads
# "&#64" too), perhaps escaped again ("&amp;#64;" in a feed). It starts
# with "&", a literal the regular expression engine scans for quickly.
_AT_REFERENCE = re.compile(rb"&(?:amp;)*(?i:#0*64(?![0-9])|#x0*40(?![0-9a-f])|commat;)")
# What a reader does not see inside a word, in UTF-8: a soft hyphen, the
# combining grapheme joiner, zero-width spaces and joiners, direction marks,
# embeddings and isolates, the word joiner and invisible operators,
# variation selectors, a zero-width no-break space; and <wbr>.
# "car&shy;ol@example.org" shows the address whole.
_UNSEEN = re.compile(
    rb"\xc2\xad|\xcd\x8f|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xa4\xa6-\xa9]"
    rb"|\xef\xb8[\x80-\x8f]|\xef\xbb\xbf|<wbr(?:\s[^>]*)?/?>",
    re.IGNORECASE,
)
# Where a domain's last label may end, its letters read as a word of the
# text around it (see ``candidate_addresses``).
_LABEL = re.compile(r"[\w-]+")
_ALNUM = re.compile(r"[^\W_]+")
_ASCII_LABEL = re.compile(r"[a-z0-9-]+")


def with_entities_decoded(data: bytes, times: int = 1) -> list[bytes]:
    """``data``, and the text it shows when an address in it may be spelt
    with character references: an "@" as one (as Markdown hides the address
    of an autolink), or an "@" beside any reference ("c&#x61;rol@",
    "o&#39;brien@"). ``times`` over for text escaped more than once (HTML
    in a feed)."""
    texts = [data]
    for _ in range(times):
        # Any "@" it may hold, however many times escaped.
        if b"&" not in data or (b"@" not in data and not _AT_REFERENCE.search(data)):
            break
        data = html.unescape(data.decode("utf-8", "replace")).encode()
        texts.append(data)
    return texts


# A backslash escape of reStructuredText: a backslash and whitespace (a
# line break, and the indentation after it) are dropped, a backslash before
# any other character is.
_REST_ESCAPE = re.compile(rb"\\(?:\s+|(.))", re.DOTALL)


def without_rest_escapes(text: bytes) -> bytes:
    """``text`` as reStructuredText reads it once escaped: ``\\@`` is "@",
    and ``exa\\`` at the end of a line, followed by ``mple.org``, is
    ``example.org``, in the owner the reader gives the plugin."""
    return _REST_ESCAPE.sub(lambda escape: escape.group(1) or b"", text)


def with_escapes_read(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks``, each followed, where it holds a backslash and an "@", by
    the text reStructuredText reads in it: a published source
    (OUTPUT_SOURCES) holds an owner as ``alice\\@example.org``, which its
    reader gives the plugin as the address (and the build warns of)."""
    for chunk in chunks:
        yield chunk
        if b"\\" in chunk and b"@" in chunk:
            yield without_rest_escapes(chunk)


def as_seen(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Those of ``chunks`` that hold an "@" (or "%40"), each as written and,
    where it differs, as a reader sees it: without the characters a browser
    does not show (see ``_UNSEEN``). As written too, since a harvester
    reads the source: "foo&#8203;carol@" holds carol's address for it, and
    "anna.<wbr>carol@" is taken for carol's (a false alarm kept).

    A chunk with Unicode's full-width or small "@" (U+FF20, U+FE6B), as it
    is or percent-encoded, is read again with each as "@" ("%40"): a
    reader takes either for one, and the web hook receiver refuses either
    as an address (``identifiers``)."""
    for chunk in chunks:
        read = _with_wide_at_signs_read(chunk)
        for each in (chunk, read) if read is not chunk else (chunk,):
            if b"@" in each or b"%40" in each:
                yield each
                seen = _UNSEEN.sub(b"", each)
                if len(seen) < len(each):
                    yield seen


# Unicode's full-width and small "@" in UTF-8, as they are and
# percent-encoded (as a URL's query carries them: a thing's tags).
_WIDE_AT_SIGNS = re.compile(rb"\xef(?:\xbc\xa0|\xb9\xab)")
_ENCODED_WIDE_AT_SIGNS = re.compile(rb"%ef%(?:bc%a0|b9%ab)", re.IGNORECASE)


def _with_wide_at_signs_read(chunk: bytes) -> bytes:
    """``chunk`` with each wide "@" as "@", each percent-encoded one as
    "%40"; ``chunk`` itself where it holds none (a few searches in C:
    their UTF-8 starts with a byte no ASCII text, nor most letters beyond
    it, holds)."""
    read = chunk
    if b"\xef" in read:
        read = _WIDE_AT_SIGNS.sub(b"@", read)
    if b"%ef" in read or b"%EF" in read or b"%Ef" in read or b"%eF" in read:
        read = _ENCODED_WIDE_AT_SIGNS.sub(b"%40", read)
    return chunk if read == chunk else read


def addresses_in(
    chunk: bytes, near: Callable[[bytes], bool] | None = None
) -> Iterator[bytes]:
    """Each address-shaped text around an "@" (or "%40") of ``chunk``;
    with ``near``, only where it is true of the 192 bytes before the "@"
    and the domain after it.

    The domain is matched first: most "@" in a page have none ("@media",
    "@someone"), and the local part's search is the costly one.
    """
    for at, after in _separators(chunk):
        domain = _DOMAIN.match(chunk, after)
        if domain is None:
            continue
        start = max(0, at - 192)
        if near is not None and not near(chunk[start : domain.end()]):
            continue
        local = _LOCAL_PART.search(chunk, start, at)
        if local:
            yield chunk[local.start() : domain.end()]


def _separators(chunk: bytes) -> list[tuple[int, int]]:
    """Where each "@" and "%40" of ``chunk`` starts and ends, in order.

    Found with bytes.find: a regular expression for either ("@|%40") has no
    literal to skip to, and stepped through a page byte by byte (~10 times
    slower, the larger part of the audit of a page with an "@").
    """
    found = []
    for separator in _SEPARATORS:
        at = chunk.find(separator)
        while at >= 0:
            found.append((at, at + len(separator)))
            at = chunk.find(separator, at + len(separator))
    return sorted(found)


@dataclass(frozen=True)
class _Addresses:
    """The plain addresses of one separator ("@", or "%40" in a URL): by
    domain, then local part, whose each is; with the lengths to slice a
    page at, so that a domain many authors share (the community's own)
    costs a lookup per length, not a comparison per author."""

    by_domain: Mapping[bytes, Mapping[bytes, Any]]
    domain_lengths: frozenset[int]
    local_lengths: Mapping[bytes, frozenset[int]]


# Where a plain address is found in a page: its separator -> its forms.
AddressIndex = dict[bytes, _Addresses]


def address_index(forms: Mapping[bytes, Any]) -> AddressIndex:
    """``forms`` (lower-cased addresses, "@" or "%40" in each) indexed by
    separator, domain and local part, for ``plain_addresses_in``."""
    grouped: dict[bytes, dict[bytes, dict[bytes, Any]]] = {}
    for form, whose in forms.items():
        separator = b"%40" if b"%40" in form else b"@"
        local, _, domain = form.rpartition(separator)
        grouped.setdefault(separator, {}).setdefault(domain, {})[local] = whose
    return {
        separator: _Addresses(
            by_domain,
            frozenset(map(len, by_domain)),
            {
                domain: frozenset(map(len, locals_))
                for domain, locals_ in by_domain.items()
            },
        )
        for separator, by_domain in grouped.items()
    }


def plain_addresses_in(lowered: bytes, index: AddressIndex) -> set[Any]:
    """Whose addresses of ``index`` the lower-cased ``lowered`` holds, as
    ``form in lowered`` for each would find them where the form starts an
    address (see ``_local_part_starts``).

    Read at each separator, not once per address: searching the page for
    each author's address cost (authors x bytes), quadratic on a community
    site whose authors and pages both grow.
    """
    found: set[Any] = set()
    for separator, addresses in index.items():
        at = lowered.find(separator)
        while at >= 0:
            after = at + len(separator)
            for length in addresses.domain_lengths:
                domain = lowered[after : after + length]
                by_local = addresses.by_domain.get(domain)
                if by_local:
                    for size in addresses.local_lengths[domain]:
                        if size <= at and _local_part_starts(lowered, at - size):
                            whose = by_local.get(lowered[at - size : at])
                            if whose is not None:
                                found.add(whose)
            at = lowered.find(separator, after)
    return found


_ESCAPE_BEFORE = re.compile(rb"%[0-9a-f]{2}\Z")


def _local_part_starts(lowered: bytes, start: int) -> bool:
    """Whether an address can start at ``lowered[start]``, as
    ``candidate_addresses`` reads it decoded: after a separator (an escaped
    one too: "?to%3Dcarol%40..."), or after another script's letters where
    ASCII starts; not after a letter or digit, nor after "." "+" "-" "_"
    that follow a letter ("anna.carol", "x%2Bcarol")."""
    before, at = _character_before(lowered, start)
    if not before:
        return True
    if _starts_another_script(before, _character_at(lowered, start)):
        return True  # "请发邮件到dave@...": no space before an address
    if before.isalnum():
        return False
    if before in _JOINS_WORDS:
        return not _character_before(lowered, at)[0].isalpha()
    return True


def _starts_another_script(before: str, first: str) -> bool:
    """Whether an address may start with ``first`` right after ``before``,
    with no space between, as Chinese and Japanese write ("请发邮件到dave@",
    "到émile@"): ASCII after another script's character, or a letter after
    a script written without spaces, of another script."""
    if before.isascii() or not first:
        return False
    if first.isascii():
        return True
    script = _unspaced_script(before)
    return script is not None and first.isalpha() and _unspaced_script(first) != script


# Scripts written without spaces between words, by the first word of their
# characters' Unicode names (Japanese mixes kanji and kana in one word).
_UNSPACED_SCRIPTS = {
    "CJK": "CJK",
    "IDEOGRAPHIC": "CJK",
    "HIRAGANA": "CJK",
    "KATAKANA": "CJK",
    "KATAKANA-HIRAGANA": "CJK",  # "ー", the prolonged sound mark
    "THAI": "THAI",
}


def _unspaced_script(character: str) -> str | None:
    """The script of ``character`` when it is one written without spaces
    ("CJK" for Chinese and Japanese, "THAI"), else None."""
    name = unicodedata.name(character, "").removeprefix("HALFWIDTH ")
    return _UNSPACED_SCRIPTS.get(name.partition(" ")[0])


_ESCAPE_AT = re.compile(rb"(?:%[0-9a-f]{2}){1,4}")


def _character_at(lowered: bytes, start: int) -> str:
    """The character that starts at ``lowered[start]``, decoded from escapes
    ("%c3%a9") or from UTF-8; "" at the end."""
    escaped = _ESCAPE_AT.match(lowered, start)
    if escaped:
        return unquote_to_bytes(escaped[0]).decode("utf-8", "replace")[:1]
    return lowered[start : start + 4].decode("utf-8", "replace")[:1]


def _character_before(lowered: bytes, end: int) -> tuple[str, int]:
    """The character that ends at ``lowered[end]``, decoded from escapes
    ("%2b", "%c3%a9") or from UTF-8, and where it starts; "" at the start."""
    if end <= 0:
        return "", 0
    start = end
    # Up to four escapes: the bytes of one UTF-8 character.
    while end - start < 12 and _ESCAPE_BEFORE.match(lowered, max(start - 3, 0), start):
        start -= 3
        digits = lowered[start + 1 : start + 3]
        if not b"80" <= digits < b"c0":
            break  # an ASCII byte, or the first byte of a character
    if start < end:
        decoded = unquote_to_bytes(lowered[start:end]).decode("utf-8", "replace")
        return decoded[-1:], start
    start = end - 1
    while start > max(end - 4, 0) and 0x80 <= lowered[start] < 0xC0:
        start -= 1  # back to the first byte of a UTF-8 character
    return lowered[start:end].decode("utf-8", "replace")[-1:], start


# The longest local part of an address (RFC 5321), and how many of a
# domain's labels a shorter spelling of it keeps at most: bounds on the
# candidates of one "@", each hashed (a line of dotted words around an
# "@" gave ~12,000, ~15 ms).
_LONGEST_LOCAL_PART = 64
_MOST_LABELS_CUT = 10
# What joins the words of a local part ("anna.carol", "carol+news"), when
# a letter comes before it: Markdown's "_carol@example.org_" is emphasis.
_JOINS_WORDS = "._+-"


def _joins(text: str, at: int) -> bool:
    """Whether ``text[at]`` joins the word before it to the one after: it
    follows a letter, not a digit ("1.carol" in a list, a date's
    "2024-05-01-carol")."""
    return text[at] in _JOINS_WORDS and at > 0 and text[at - 1].isalpha()


def candidate_addresses(found: bytes) -> Iterator[str]:
    """The lower-cased addresses an address-shaped text may be.

    Once decoded, its local part may begin with text that is not part of
    the address ("?to=", a quote), so the whole and every ending of it that
    follows a separator count ("o'brien" and "brien"); not one that follows
    ".", "+", "-" or "_" after a letter, which join a local part's words:
    "anna.carol" is another person's address than "carol". Its domain may
    run into the next sentence or a file name ("carol@example.org.Thanks",
    "carol@example.org.md", "carol@example.org…"), so every shorter domain
    counts too, and the last label cut where its letters end: the address
    is found in "carol@example.org.au" as well, which nothing tells from a
    sentence or a file name.
    """
    address = unquote_to_bytes(found).decode("utf-8", "replace").strip().lower()
    local, _, domain = address.rpartition("@")
    local = local.rpartition(":")[2]  # never in an address: "mailto:" and such
    # Where a local part may start: after a character that is not a letter
    # or digit, or where ASCII follows other letters (Chinese and Japanese
    # put no space before an address: "请发邮件到dave@...").
    local_parts = [
        local[start:]
        for start in range(max(len(local) - _LONGEST_LOCAL_PART, 0), len(local))
        if start == 0
        or not (local[start - 1].isalnum() or _joins(local, start - 1))
        or _starts_another_script(local[start - 1], local[start])
    ]
    labels = domain.split(".")
    domains = set()
    shorter = range(min(len(labels), _MOST_LABELS_CUT), 1, -1)
    for kept in [labels, *(labels[:end] for end in shorter)]:
        domains.add(".".join(kept))
        # "org…" -> "org"; "org--or" (a dash after it) and "org联系我" (no
        # space after it, the next word too: "org或dave.smith") -> "org".
        for pattern in (_LABEL, _ALNUM, _ASCII_LABEL):
            word = pattern.match(kept[-1])
            if word and word.end() < len(kept[-1]):
                domains.add(".".join([*kept[:-1], word.group(0)]))
    for part in local_parts:
        for host in domains:
            yield f"{part}@{host}"
