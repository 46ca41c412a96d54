"""``pelican-flattr audit``: check a built site against its manifest.

For every thing of the manifest: its page exists and carries exactly one
button, one payment link and (unless the manifest says Open Graph was off)
one set of Open Graph tags, all pointing at the manifest's URLs; every feed
entry of a thing carries exactly its payment link, and every feed the
manifest names carries it, unless the manifest says the build put payment
links in no feed (FLATTR_FEEDS off): then no entry may carry one. Across
the whole output tree:
no plain email address of an email owner (in a file's or folder's name
neither, which its URL publishes), no button (a link to Flattr's
auto-submit URL is one, whatever its class) or payment link
pointing at a URL the manifest doesn't know, and embedded buttons with the
thing's owner and a load.js beside them that shows them, both read as
Flattr's loader reads them. And the manifest's own fields of each thing
must say what its auto_submit_url sends to Flattr.

Pages are read tag by tag as a browser reads them (comments, quoted
attribute values and the text of a <title> or <script> hold no tag), with
the build's own reader, for the few tags that matter, not parsed whole: an
audit must stay cheaper than the build it checks.
Only HTML pages and feeds are read whole; other files are scanned for
addresses in chunks, and not at all when they look binary.
"""

from __future__ import annotations

import argparse
import errno
import filecmp
import functools
import gzip
import os
import posixpath
import re
import shlex
import stat
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_to_bytes, urljoin, urlsplit

from .addresses import (
    address_index,
    addresses_in,
    as_seen,
    candidate_addresses,
    plain_addresses_in,
    with_entities_decoded,
    with_escapes_read,
)
from .feeds import as_feed_writes
from .identifiers import (
    IdentifierError,
    hash_email,
    parse_owner,
)
from .identifiers import redact_encoded_addresses as redact
from .manifest import (
    ManifestError,
    file_holds,
    load_manifest,
    not_a_manifest,
    portable_path,
)
from .markup import (
    _SPACE,
    BUTTON_CLASS,
    HEAD_ELEMENTS,
    LOADER_URL,
    MULTIPLE_PROPERTIES,
    _attribute_values,
    _tags,
    is_auto_submit_url,
    is_flattr_url,
    loader_fault,
)
from .settings import (
    MANIFEST_NAME,
    SettingsFileError,
    named_sites,
    path_setting,
    read_settings_file,
)
from .store import WAL_ENDS
from .thing import check_thing_url, is_development_url

# The elements of a page the audit reads the attributes of.
_ELEMENTS = frozenset({"a", "link", "meta", "script"})
# Those a thing's page must hold exactly once, when the manifest says Open
# Graph was on: a second one is one problem, not two.
_CHECKED_ONCE = ("og:url", "og:title", "og:type")
HTML_SUFFIXES = (".html", ".htm")
FEED_SUFFIXES = (".xml", ".atom", ".rss")

# Files other than pages and feeds are scanned in chunks of this size, each
# with the end of the one before, so that an address across two is seen.
CHUNK_SIZE = 1 << 20
CHUNK_OVERLAP = 1024
# A gzip file is decompressed up to this many times its own size, and at
# least GZIP_LEAST_READ bytes: text takes a tenth of its size or more, but
# deflate packs a thousand bytes in one, and a small file (a bomb) that
# holds gigabytes would hold the audit up for hours. The floor is small: a
# tiny file of 64 MiB of "a@b.c" took the address search over a minute.
GZIP_MOST_RATIO = 100
GZIP_LEAST_READ = CHUNK_SIZE


class OutputFolderError(ValueError):
    """The output folder cannot be listed, or its files opened: none of
    them can be checked."""


# The kind of each problem the audit reports: a short code, stable across
# versions, by which a script (``--json``) or a reader of the summary groups
# 20,000 rows of one fault (a theme that drops the button) into one line.
# docs/manifest.md documents each (tests compare the two lists).
PROBLEM_KINDS: tuple[str, ...] = (
    "page-missing",
    "feed-missing",
    "button-missing",
    "button-extra",
    "button-unknown",
    "button-wrong-href",
    "button-hidden",
    "button-owner",
    "payment-link-missing",
    "payment-link-extra",
    "payment-link-unknown",
    "payment-link-wrong-thing",
    "open-graph",
    "address-published",
    "store-published",
    "manifest-field",
    "other-manifest",
    "compressed-copy",
    "not-well-formed",
    "unreadable",
    "link-outside",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the built site; ``kind`` is one of
    ``PROBLEM_KINDS``."""

    file: str
    problem: str
    expected: str = ""
    kind: str = field(default="", kw_only=True)


def problems_by_kind(problems: Iterable[Problem]) -> dict[str, int]:
    """How many of ``problems`` there are of each kind, the most frequent
    first, then by name: the order of the audit's summary."""
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class AuditReport:
    """What an audit looked at and what it found."""

    things: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Folders with a manifest of their own (a language's site that
    # i18n_subsites writes inside the main one), audited on their own ->
    # that manifest, relative to the folder: flattr-manifest.json, or where
    # the one audited lies in this output (FLATTR_MANIFEST =
    # "feeds/flattr-manifest.json").
    other_site_manifests: dict[str, str] = field(default_factory=dict)
    # The site the manifest records ("siteurl"), without its last "/".
    siteurl: str = ""

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def other_sites(self) -> list[str]:
        """The folders of ``other_site_manifests``, in the order found."""
        return list(self.other_site_manifests)


@dataclass
class _PageTags:
    buttons: list[dict[str, str]] = field(default_factory=list)
    payment_links: list[dict[str, str]] = field(default_factory=list)
    payment_links_in_head: int = 0
    # The attributes of each <script> whose src names a load.js on
    # flattr.com: Flattr's loader, or what passes for it.
    loaders: list[dict[str, str]] = field(default_factory=list)
    # Open Graph and article: property -> every content given for it.
    open_graph: dict[str, list[str]] = field(default_factory=dict)
    # What needs scripts but stands in a <noscript>: embedded buttons, and
    # how many load.js <script>s (none of them ever runs).
    noscript_buttons: list[dict[str, str]] = field(default_factory=list)
    noscript_loaders: int = 0


_HIDING = frozenset({"template", "/template"})
# The elements whose href may name Flattr without saying "flattr"
# (``_may_hide_a_name``): a hand-written button, and a payment link, whose
# rel="Payment" does not say "payment" as written either.
_LINKING = frozenset({"a", "link"})
_NOSCRIPT = frozenset({"noscript", "/noscript"})


# A tag's one href attribute and its value, as written.
_HREF = re.compile(
    r"href[\t\n\f\r ]*=[\t\n\f\r ]*(\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*)", re.I
)


def _may_hide_a_name(raw: str) -> bool:
    """Whether a tag's href may spell a name in a way a browser reads as
    plain letters (``markup.flattr_path``): by character references,
    percent-encoding, a tab or newline inside it, or non-ASCII letters
    (full-width ones): a link to Flattr that does not say "flattr".

    Its href alone is looked at, where a tag names it once: a title in
    another script, or attributes on lines of their own, are no reason to
    read the whole tag (most links of a site with non-ASCII titles)."""
    hrefs = raw.lower().count("href")
    if hrefs != 1:
        return hrefs > 1  # none: no link; more: read as a browser reads them
    found = _HREF.search(raw)
    if found is None:
        return True
    value = found.group(1)
    return (
        "&" in value
        or "%" in value
        or "\t" in value
        or "\n" in value
        or "\r" in value
        or not value.isascii()
    )


def scan_page(data: bytes) -> _PageTags:
    """The Flattr-related tags of one HTML page."""
    tags = _PageTags()
    # Read in one pass as a browser reads it, as the build reads it: a "<!--"
    # in a <title> or a "<script>" in an attribute value starts nothing.
    # A byte order mark is no text of the page: a browser drops it.
    page = data.decode("utf-8-sig", "replace")
    # Where the head ends: at "</head>", or where the body starts when a
    # minifier left out the optional "</head>" (any tag a head cannot hold).
    head_limit = -1
    # Inside a <template>, inert, nothing counts. A <noscript>'s content
    # does, for crawlers and readers without scripts, but for what needs
    # scripts: where they run, a browser reads it as text, up to the first
    # "</noscript>".
    hidden = 0
    noscript = False
    for name, raw, start in _tags(page, len(page)):
        if head_limit < 0 and (
            name == "/head" or (name[0] != "/" and name not in HEAD_ELEMENTS)
        ):
            head_limit = start
        if name in _HIDING:
            hidden = max(hidden + (-1 if name[0] == "/" else 1), 0)
            continue
        if name in _NOSCRIPT:
            noscript = name[0] != "/"
            continue
        if (
            hidden
            or name not in _ELEMENTS
            or (
                "payment" not in raw
                and "og:" not in raw
                and "article:" not in raw
                and "flattr" not in raw.lower()
                and (name not in _LINKING or not _may_hide_a_name(raw))
            )
        ):
            continue
        attributes = _attribute_values(raw)
        if name == "script":
            src = attributes.get("src", "").lower()
            if "flattr.com/js/" in src and "/load.js" in src:
                if noscript:
                    tags.noscript_loaders += 1
                else:
                    tags.loaders.append(attributes)
        elif name == "a":
            classes = attributes.get("class", "").split()
            if noscript and "FlattrButton" in classes:
                tags.noscript_buttons.append(attributes)
            elif (
                BUTTON_CLASS in classes
                or "FlattrButton" in classes
                or is_auto_submit_url(attributes.get("href", ""))
            ):
                # A link to the auto-submit URL is a button whatever its
                # class: one written by hand pays whom it names as surely
                # as the plugin's plain button does.
                tags.buttons.append(attributes)
        elif name == "link":
            # rel="payment" is for any service (Liberapay, Patreon...): only
            # the links to Flattr are this plugin's.
            if _is_payment(attributes.get("rel", "")) and is_flattr_url(
                attributes.get("href", "")
            ):
                tags.payment_links.append(attributes)
                tags.payment_links_in_head += head_limit < 0  # not ended yet
        elif attributes.get("property", "").startswith(("og:", "article:")):
            tags.open_graph.setdefault(attributes["property"], []).append(
                attributes.get("content", "")
            )
    return tags


# What RFC 4287 (4.2.7.2) makes the same relation as "payment".
_PAYMENT_RELATIONS = frozenset(
    {"payment", "http://www.iana.org/assignments/relation/payment"}
)


def _is_payment(rel: str) -> bool:
    """Whether a page's or a feed's link with ``rel`` is a payment link.

    rel is a list of tokens in any letter case: a reader takes
    rel="Payment" or rel="payment me" for one, so the audit must too, or
    such a link to someone else's thing passes unseen; and so is the
    relation's IANA URI, which Atom makes the same as "payment".
    """
    return not _PAYMENT_RELATIONS.isdisjoint(rel.lower().split())


@functools.lru_cache(maxsize=256)  # a feed has few, read at every element
def _local_name(name: str) -> str:
    """An element's or attribute's name without its namespace, in lower
    case, as feedparser matches names."""
    return name[name.rfind("}") + 1 :].lower()


_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_ENTRIES = frozenset({"entry", "item"})
_ADDRESSES = frozenset({"href", "url", "uri"})  # feedparser takes each for href


def _read_feed(root: ET.Element) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The Flattr payment hrefs of an Atom or RSS feed (its parsed
    ``root``) itself, the site's thing's, and (entry link, payment hrefs)
    for each of its entries, in the order written.

    As feed readers (feedparser) take them: a payment link is a <link> in
    any namespace or none (an RSS <link rel="payment"> without "atom:"),
    at any depth (inside another module's element), its names in any
    letter case, its href resolved against xml:base; one outside every
    entry is the feed's. Read only as the build writes them (atom:link
    straight in the entry), others passed unseen, on an entry opted out
    too.
    """
    own: list[str] = []
    entries: list[tuple[str, list[str]]] = []
    if _local_name(root.tag) not in ("feed", "rss"):
        return own, entries  # no feed ("<feedback>", which a first look took for one)
    # Each element still to read, the xml:base around it, and the list its
    # payment links go to. A stack, not recursion: a feed nested deeper
    # than Python's recursion limit is still well-formed XML.
    base = root.get(_XML_BASE, "")
    stack = [(child, base, own) for child in reversed(root)]
    while stack:
        element, base, payments = stack.pop()
        given = element.get(_XML_BASE)
        if given is not None:
            base = _resolved(base, given)
        name = _local_name(element.tag)
        if name in _ENTRIES:
            payments = []
            entries.append((_entry_link(element), payments))
        elif name == "link":
            payments.extend(_payment_hrefs(element, base))
        if len(element):
            stack.extend([(child, base, payments) for child in reversed(element)])
    return own, entries


def _link_attributes(link: ET.Element) -> tuple[list[str], list[str]]:
    """The rels and the addresses (href, url, uri) of a feed's ``link``,
    each in any namespace and letter case, as feedparser reads them."""
    rels, addresses = [], []
    for key, value in link.attrib.items():
        name = _local_name(key)
        if name == "rel":
            rels.append(value)
        elif name in _ADDRESSES:
            addresses.append(value)
    return rels, addresses


def _payment_hrefs(link: ET.Element, base: str) -> list[str]:
    """The Flattr addresses of a feed's ``link`` (resolved against
    ``base``, its xml:base) when it is a payment link. Every address of a
    link that has several: a reader follows one, the audit cannot tell
    which."""
    rels, addresses = _link_attributes(link)
    if not any(map(_is_payment, rels)):
        return []
    if base:
        addresses = [_resolved(base, href) for href in addresses]
    return [href for href in addresses if is_flattr_url(href)]


def _resolved(base: str, href: str) -> str:
    """``href`` resolved against ``base``, as a feed reader resolves it; as
    written when it is absolute (joining would respell it, and it is
    compared with the manifest's as written) or no URL at all."""
    try:
        return href if urlsplit(href).scheme else urljoin(base, href)
    except ValueError:  # "http://[": not well-formed XML's fault
        return href


def _entry_link(entry: ET.Element) -> str:
    """An entry's link: the href of its first <link> whose rel is alternate
    (Atom's; rel left out says so), or the text of its first <link>
    without an address (RSS's); "" when it has neither. A payment link
    written before it is neither: read as the entry's link, it left an
    opted-out entry to be taken for its payment link's thing."""
    for child in entry:
        if _local_name(child.tag) != "link":
            continue
        rels, addresses = _link_attributes(child)
        if not addresses:
            return (child.text or "").strip()
        if (rels[0] if rels else "alternate").strip(_SPACE).lower() == "alternate":
            return addresses[0]
    return ""


# The auto-submit parameter of an owner of each kind (Owner.parameter).
_OWNER_PARAMETER = {"flattr_user": "user_id"}


def _button_parameters(
    button: Mapping[str, str],
) -> tuple[str | None, dict[str, str]]:
    """The parameters load.js 0.6 reads from an embedded button (its
    attributes), and the rel or rev it read them from, as written
    (``rel="flattr;uid:alice;"``), or None for its data-flattr-*
    attributes.

    As Flattr documented the loader (and tests/fixtures/load.js mirrors
    it): a rel (or, without one, a rev) that starts with "flattr" is read
    as "key:value" pairs after "flattr;", and then the data attributes are
    not read at all, so an owner added there pays someone else whatever
    they say.
    """
    attribute = "rel" if button.get("rel") else "rev"
    relation = button.get(attribute, "")
    if not relation.startswith("flattr"):
        return None, {
            name[len("data-flattr-") :]: value
            for name, value in button.items()
            if name.startswith("data-flattr-")
        }
    parameters = {}
    for pair in relation.removeprefix("flattr").removeprefix(";").split(";"):
        key, colon, value = pair.partition(":")
        if colon and key:
            parameters[key.strip()] = value
    return f"{attribute}={relation!r}", parameters


# The types with which a browser runs a <script> (the HTML standard's
# JavaScript MIME type essences, and "module"): any other, "text/plain"
# say, makes it a data block that never runs.
# The fields of a thing, by the auto-submit parameter that sends each.
_PARAMETER_FIELDS = {
    "url": "thing URL",
    "user_id": "owner",
    "owner": "owner",
    "title": "title",
    "description": "description",
    "category": "category",
    "language": "language",
    "tags": "tags",
    "hidden": "hidden",
}


def _sent_otherwise(href: str, auto: str) -> str:
    """The fields of a thing the auto-submit URL ``href`` sends otherwise
    than ``auto`` ("owner", "owner, title and tags"), or "" when none."""
    sent, own = _query(href), _query(auto)
    names = list(
        dict.fromkeys(
            _PARAMETER_FIELDS.get(key, key)
            for key in [*own, *sent]
            if sent.get(key) != own.get(key)
        )
    )
    return " and ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def _query(url: str) -> dict[str, list[str]]:
    """Each parameter of ``url``'s query -> its values, in order."""
    values: dict[str, list[str]] = {}
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        values.setdefault(key, []).append(value)
    return values


def _is_embedded(button: Mapping[str, str]) -> bool:
    """True for an embedded button, which load.js turns into Flattr's and
    which links its thing URL; a plain one links the auto-submit URL."""
    return "FlattrButton" in button.get("class", "").split()


def _without_scheme(href: str) -> str:
    """What to add to a problem of ``href`` when it has no scheme."""
    if not href.strip().startswith("//"):
        return ""
    return (
        ": a URL without its scheme, as a minifier shortens them, which Flattr "
        "and readers of payment links cannot take for the auto-submit URL; keep "
        "the minifier from shortening URLs"
    )


def _sent_instead(href: str, thing: Mapping[str, Any] | None) -> str:
    """What to add to a problem of an auto-submit URL ``href`` the manifest
    doesn't know, told apart from ``thing`` (``compared_thing``): what it
    sends otherwise than the thing's own ("another owner"), which a reader
    of the long URLs would have to find by eye."""
    if thing is None or not is_auto_submit_url(href):
        return ""
    otherwise = _sent_otherwise(href, thing["auto_submit_url"])
    return f": it sends another {otherwise} than the manifest's" if otherwise else ""


# A button not of the plugin's class, and why it is one.
_HAND_WRITTEN = "a link to Flattr's auto-submit URL (a button, whatever its class)"


def _own_button(thing: Mapping[str, Any]) -> str:
    """What a thing's page must show: its one button, by the href its kind
    needs."""
    href = thing["auto_submit_url"] if thing["button"] == "plain" else thing["url"]
    return f"exactly one {thing['button']} button with href {href}"


def _own_payment_link(thing: Mapping[str, Any]) -> str:
    """What a thing's page must hold: its one payment link, in its head."""
    return f'one <link rel="payment" href="{thing["auto_submit_url"]}"> in <head>'


class _Auditor:
    def __init__(
        self,
        output: Path,
        manifest: Mapping[str, Any],
        plain_addresses: Mapping[str, str],
        files: Collection[str],
        unchecked_folders: Collection[str] = (),
        manifest_in_output: str | None = None,
    ) -> None:
        self.output = output
        self.files = files  # every file of the site, relative to output
        self.manifest_in_output = manifest_in_output
        # Those whose files were not read, each said once (relative to
        # output, "" for output itself), and the files that could not be
        # read: what they may hold is not reported missing.
        self.unchecked_folders = unchecked_folders
        self.unread: set[str] = set()
        self.things = manifest["things"]
        # Manifests of older versions hold no open_graph: they always had it.
        self.open_graph = manifest.get("open_graph", True)
        # Nor feed_payment_links: they always put payment links in feeds.
        self.feed_payment_links = manifest.get("feed_payment_links", True)
        self.site_payment_link = manifest.get("site_payment_link")
        self.siteurl = as_feed_writes(manifest["siteurl"].rstrip("/"))
        self.by_page = {thing["page"]: thing for thing in self.things}
        # Feeds write each entry's link percent-encoded where it is not
        # plain ASCII: both sides are compared in that form.
        self.by_page_link = {
            as_feed_writes(f"{self.siteurl}/{thing['page']}"): thing
            for thing in self.things
        }
        self.by_url_link = {as_feed_writes(t["url"]): t for t in self.things}
        self.by_auto_submit_url = {t["auto_submit_url"]: t for t in self.things}
        self.by_url = {thing["url"]: thing for thing in self.things}
        # A feed the manifest names is one, however long its prolog.
        self.feed_files = {feed for thing in self.things for feed in thing["feeds"]}
        # An email owner's hash -> the URLs of its things, to say whose
        # address a file holds (not which thing: any file may hold it).
        self.email_owners: dict[str, list[str]] = {}
        for thing in self.things:
            if thing["owner"]["kind"] == "email":
                digest = thing["owner"]["value"][len("email:") :]
                self.email_owners.setdefault(digest, []).append(thing["url"])
        # The site's own thing (FLATTR_USERNAME's) is no thing of the list,
        # but its owner's address is as private, and FLATTR_TAGS or a
        # description may put it in every page.
        if self.site_payment_link:
            sent = _query(self.site_payment_link)
            owner = sent.get("owner", [""])[0]
            if owner.startswith("email:"):
                url = sent.get("url", [self.siteurl])[0]
                self.email_owners.setdefault(owner[len("email:") :], []).append(url)
        # Lower-cased address (and its percent-encoded form) -> whose it is
        # ("author 'Carol' (from FLATTR_AUTHORS)"), and the owner's hash, by
        # which an email owner's address is found.
        self.plain_addresses = address_index(
            {
                form: (name, hash_email(address))
                for address, name in plain_addresses.items()
                for form in (address.encode(), address.replace("@", "%40").encode())
            }
        )
        # bytes.lower() leaves non-ASCII capitals ("JOSÉ@"): a text with
        # them is read decoded when an address may hold such a letter.
        self.unicode_addresses = not all(map(str.isascii, plain_addresses))
        self.feeds_seen: set[tuple[str, str]] = set()
        self.report = AuditReport(
            things=len(self.things), siteurl=manifest["siteurl"].rstrip("/")
        )

    def problem(self, kind: str, file: str, problem: str, expected: str = "") -> None:
        """Report ``problem`` of ``file``, of ``kind`` (one of
        ``PROBLEM_KINDS``), and what was ``expected``."""
        if kind not in PROBLEM_KINDS:
            raise ValueError(f"no such kind of problem: {kind!r}")
        # A file may be named by an address too (mail-carol@example.org.html):
        # check_names reports it, and no report repeats it.
        self.report.problems.append(
            Problem(redact(file), redact(problem), redact(expected), kind=kind)
        )

    def check_manifest_fields(self, manifest: str) -> None:
        """Say so where a thing's field in the manifest (named ``manifest``
        in the report) is not what its auto_submit_url sends to Flattr.

        The manifest records what was sent (docs/manifest.md): a field
        edited by hand, an owner say, no page shows, and ``diff`` would
        then report an owner change that never happened.
        """
        for index, thing in enumerate(self.things):
            owner = thing["owner"]
            fields = {
                "url": ("url", thing["url"]),
                _OWNER_PARAMETER.get(owner["kind"], "owner"): ("owner", owner["value"]),
                "title": ("title", thing["title"]),
                "description": ("description", thing["description"]),
                "category": ("category", thing["category"]),
                "language": ("language", thing["language"]),
                "tags": ("tags", ",".join(thing["tags"])),
                "hidden": ("hidden", "1" if thing["hidden"] else ""),
            }
            sent = _query(thing["auto_submit_url"])
            for key in [*fields, *(key for key in sent if key not in fields)]:
                # Another owner's parameter (user_id beside owner) is the
                # owner's field too.
                name, value = fields.get(key, ("owner", ""))
                if sent.get(key, []) == ([value] if value else []):
                    continue
                said = ", ".join(f"{key}={each!r}" for each in sent.get(key, []))
                recorded = owner["value"] if name == "owner" else thing[name]
                self.problem(
                    "manifest-field",
                    manifest,
                    f"things[{index}].{name} of {thing['url']} is {recorded!r}, "
                    f"but its auto_submit_url sends {said or f'no {key}'}",
                    "the fields its auto_submit_url sends to Flattr: a manifest "
                    "edited by hand? Build the site again",
                )

    def check_file(
        self, path: Path, relative: str, addresses_only: bool = False
    ) -> None:
        """Check the file at ``path`` (``relative`` to the output); with
        ``addresses_only`` (another site's, in a folder of this output) for
        the owners' addresses alone."""
        suffix = path.suffix.lower()
        self.report.files += 1
        try:
            with path.open("rb") as stream:
                start = stream.read(CHUNK_SIZE)
                # A thing's page is one whatever its name ends with.
                is_page = suffix in HTML_SUFFIXES or relative in self.by_page
                if (
                    is_page
                    or relative in self.feed_files
                    or (
                        suffix in FEED_SUFFIXES
                        and (b"<feed" in start[:4096] or b"<rss" in start[:4096])
                    )
                ):
                    data = start + stream.read()
                    if is_page:
                        self.check_privacy(relative, with_entities_decoded(data))
                        if not addresses_only:
                            self.check_page(relative, scan_page(data))
                    else:
                        # A feed escapes the HTML it carries once more.
                        decoded = with_entities_decoded(data, times=2)
                        self.check_privacy(relative, decoded)
                        if not addresses_only:
                            self.check_feed(relative, data)
                elif b"\0" not in start[:8192]:  # not binary, by git's rule
                    # A published source: reStructuredText's escapes read.
                    chunks = with_escapes_read(_chunks(start, stream))
                    self.check_privacy(relative, chunks)
        except OSError as error:
            self.unread.add(relative)
            self.problem(
                "unreadable", relative, f"cannot be read ({error.strerror or error})"
            )

    def check_compressed_copy(
        self, path: Path, relative: str, addresses_only: bool = False
    ) -> None:
        """Say so when ``path`` (``page.html.gz``) is no copy of the page,
        feed or manifest beside it as built now, and which owners' addresses
        it holds when it is not (``addresses_only``: whether it is not
        checked, see ``check_file``).

        A server that sends precompressed files (nginx's ``gzip_static``)
        sends the copy in its place: an earlier build's, left by
        pelican-precompress (which keeps an existing copy by default) in an
        output folder Pelican does not empty, still shows the old buttons,
        owners or an address. Only those files are compared: a site may
        publish other archives beside what they hold. Those (and a copy
        that is not the file as built) are read for addresses all the same:
        pelican-precompress compresses robots.txt and search.json too, and
        nginx sends what they hold. (Brotli and zstd files are not read: the
        standard library cannot.)
        """
        if relative in self.unread:
            return
        if addresses_only or not self._is_copy_as_built(path, relative):
            self.check_privacy(relative, self._gzipped_text(path, relative))

    def _is_copy_as_built(self, path: Path, relative: str) -> bool:
        """Whether ``path`` is a gzip copy of the page, feed or manifest
        beside it as built; say so when it is one of another."""
        original = relative.removesuffix(path.suffix)
        suffix = Path(original).suffix.lower()
        if not (
            suffix in HTML_SUFFIXES
            or suffix in FEED_SUFFIXES
            or original in self.by_page
            or original in self.feed_files
            or original == self.manifest_in_output
            or posixpath.basename(original) == MANIFEST_NAME
        ):
            return False
        if original not in self.files:
            if not self.not_checked(original):
                self.problem(
                    "compressed-copy",
                    relative,
                    f"is a compressed copy of {original}, which the site does not "
                    "have: a server that sends precompressed files (nginx's "
                    f"gzip_static) sends it at {original}'s address",
                    "no copy of a file the site does not have: delete it",
                )
            return False
        if original in self.unread:
            return False  # said: "cannot be read"
        try:
            # Read no further than the original: no gzip bomb holds it up.
            if file_holds(path.with_suffix(""), _gunzipped(path)):
                return True
            why = "is not a compressed copy of it as built"
        except (OSError, EOFError, zlib.error) as error:
            why = (
                f"cannot be decompressed ({getattr(error, 'strerror', None) or error})"
            )
        self.problem(
            "compressed-copy",
            relative,
            f"{why} ({original}): an earlier build's? A server that sends "
            "precompressed files (nginx's gzip_static) sends it in its place",
            f"a copy of {original} as built: delete it, or compress again "
            "(pelican-precompress: PRECOMPRESS_OVERWRITE = True)",
        )
        return False

    def _gzipped_text(self, path: Path, relative: str) -> Iterator[bytes]:
        """The text the gzip file at ``path`` holds, in chunks as
        ``_chunks`` gives them, up to where it cannot be decompressed
        (``_is_copy_as_built`` says so where it matters); none when it is
        binary (a .tar.gz), as for any file. A gzip bomb is read up to its
        limit (see GZIP_MOST_RATIO), and a problem says the rest was not."""
        try:
            limit = max(GZIP_LEAST_READ, GZIP_MOST_RATIO * path.stat().st_size)
            with gzip.open(path, "rb") as stream:
                limited = _Limited(stream, limit)
                start = limited.read(CHUNK_SIZE)
                if b"\0" in start[:8192]:
                    return
                yield from with_escapes_read(_chunks(start, limited))
                if not stream.read(1):
                    return
        except (OSError, EOFError, zlib.error):
            return
        self.problem(
            "unreadable",
            relative,
            f"decompresses to more than {limit:,} bytes, the most the audit "
            f"reads of a gzip file of its size ({GZIP_MOST_RATIO} times it, at "
            f"least {GZIP_LEAST_READ:,}): a gzip bomb? The rest is not checked",
            "a compressed file no larger than what it holds allows: delete it",
        )

    def check_privacy(self, relative: str, chunks: Iterable[bytes]) -> None:
        for leak in self._leaks(chunks):
            self.problem(
                "address-published",
                relative,
                f"holds {leak}",
                "only email:<md5> may be published",
            )

    def check_names(self, names: Iterable[str]) -> None:
        """Report each file or folder of ``names`` (the site's files,
        relative to the output) whose own name holds an email owner's
        address: a web server publishes it in the URL, and an index of the
        folder lists it. A folder is reported once, not with each file."""
        checked: set[str] = set()
        for name in names:
            if "@" not in name and "%40" not in name:  # as_seen's test, cheaper
                continue
            parts = name.split("/")
            for depth in range(1, len(parts) + 1):
                path = "/".join(parts[:depth])
                if path in checked:
                    continue
                checked.add(path)
                own = parts[depth - 1].encode()
                for leak in self._leaks([own]):
                    self.problem(
                        "address-published",
                        path,
                        f"is named with {leak}: its URL publishes it",
                        "a name without the address (only email:<md5> may be "
                        "published): rename it (a page: its slug or save_as)",
                    )

    def _leaks(self, chunks: Iterable[bytes]) -> list[str]:
        """Whose plain email addresses ``chunks`` hold, each said once, as a
        problem says it ("the plain email address of ...")."""
        names, digests = set(), set()
        for chunk in as_seen(chunks):
            names.update(plain_addresses_in(chunk.lower(), self.plain_addresses))
            # Every address-shaped text is decoded to find the owners' by
            # hash. The settings' addresses, known as written, need only
            # those spelt otherwise: without email owners, only an "@"
            # with a "%" (or a non-ASCII letter) beside it is read further.
            if self.email_owners:
                found_in = addresses_in(chunk)
            elif self.spelt_otherwise(chunk):
                found_in = addresses_in(chunk, near=self.spelt_otherwise)
            else:
                continue
            for found in found_in:
                if self.spelt_otherwise(found):
                    decoded = unquote_to_bytes(found).decode("utf-8", "replace")
                    names.update(
                        plain_addresses_in(
                            decoded.lower().encode(), self.plain_addresses
                        )
                    )
                if not self.email_owners:
                    continue
                for address in candidate_addresses(found):
                    digest = hash_email(address)
                    if digest in self.email_owners:
                        digests.add(digest)
        leaks = []
        for name, digest in sorted(names):
            # Found by its hash too: one address, one problem.
            behind = (
                f", behind owner {self._owner_of_things(digest)}"
                if digest in digests
                else ""
            )
            digests.discard(digest)
            leaks.append(f"the plain email address of {name}{behind}")
        leaks += [
            f"the plain email address behind owner {self._owner_of_things(digest)}"
            for digest in sorted(digests)
        ]
        return leaks

    def spelt_otherwise(self, text: bytes) -> bool:
        """Whether ``text`` may hold an address of the settings spelt
        otherwise than ``plain_addresses_in`` reads it, plain or with
        "%40": percent-encoded further (``zed%2Ehidden%40example%2Ecom``),
        or in non-ASCII capitals (``JOSÉ@``) when an address has such
        letters. A percent sign not of "%40" ("100%") is taken for an
        escape: a false guess costs a closer look, never a miss."""
        return bool(self.plain_addresses) and (
            text.count(b"%") > text.count(b"%40")
            or (self.unicode_addresses and not text.isascii())
        )

    def _owner_of_things(self, digest: str) -> str:
        """An email owner, named by its hash and its things."""
        urls = self.email_owners[digest]
        things = f"thing {urls[0]}" if len(urls) == 1 else f"{len(urls)} things"
        return f"email:{digest} (the owner of {things})"

    def _unknown(self, href: str) -> bool:
        """Whether a button's ``href`` is no thing's of the manifest."""
        return href not in self.by_auto_submit_url and href not in self.by_url

    def compared_thing(
        self, href: str, thing: Mapping[str, Any] | None
    ) -> Mapping[str, Any] | None:
        """The thing whose auto-submit URL ``href``, unknown to the
        manifest, on the page of ``thing`` (None: a page without one) is
        told apart from: that thing, or on a listing the one its url
        parameter names, so that a link there that pays another owner says
        so as one on the thing's page does."""
        if thing is not None:
            return thing
        urls = _query(href).get("url")
        return self.by_url.get(urls[0]) if urls else None

    def check_page(self, relative: str, tags: _PageTags) -> None:
        thing = self.by_page.get(relative)
        # A link written by hand to the site's own thing (FLATTR_USERNAME's,
        # which the feeds carry) is a theme's "Flattr this site": known,
        # and no thing's button. The plugin writes none.
        buttons = [
            button
            for button in tags.buttons
            if button.get("href") != self.site_payment_link
            or _is_embedded(button)
            or BUTTON_CLASS in button.get("class", "").split()
        ]
        # A thing's page whose one button, or one payment link in its head,
        # links what the manifest doesn't know: one problem says it, and
        # what the link sends otherwise, not a second the page's count of
        # its own ("has 1 payment links", expected one: a contradiction).
        lone_button = (
            thing is not None
            and len(buttons) == 1
            and self._unknown(buttons[0].get("href", ""))
        )
        links = [link.get("href", "") for link in tags.payment_links]
        lone_link = (
            thing is not None
            and len(links) == 1
            and tags.payment_links_in_head == 1
            and links[0] not in self.by_auto_submit_url
        )
        own_hrefs = []  # of the buttons that link what their kind needs
        for button in buttons:
            href = button.get("href", "")
            embedded = _is_embedded(button)
            if self._unknown(href):
                # The plugin's, or a link written by hand (a theme's, an
                # article's), which no earlier build left.
                ours = embedded or BUTTON_CLASS in button.get("class", "").split()
                if lone_button:
                    expected = _own_button(thing)
                elif ours:
                    expected = (
                        "the auto-submit URL or thing URL of a manifest thing (a "
                        "page an earlier build left, after a slug changed? delete "
                        "it, or set DELETE_OUTPUT_DIRECTORY = True)"
                    )
                else:
                    expected = (
                        "the auto-submit URL of a manifest thing, as "
                        "flattr_button() writes it, or no link to it"
                    )
                self.problem(
                    "button-unknown",
                    relative,
                    ("a Flattr button" if ours else _HAND_WRITTEN)
                    + f" points at {href!r}, which the manifest doesn't know"
                    + _sent_instead(href, self.compared_thing(href, thing))
                    + _without_scheme(href),
                    expected,
                )
            elif embedded and href not in self.by_url:
                self.problem(
                    "button-wrong-href",
                    relative,
                    f"an embedded Flattr button (class FlattrButton) points at "
                    f"the auto-submit URL {href!r}",
                    "its thing URL, which load.js reads",
                )
            elif not embedded and href not in self.by_auto_submit_url:
                # A link to the article itself, or an embedded button that
                # lost its class, which load.js then leaves hidden.
                self.problem(
                    "button-wrong-href",
                    relative,
                    f"a plain Flattr button (no class FlattrButton) points at "
                    f"the thing URL {href!r}: it leads to the article, not Flattr",
                    "the thing's auto-submit URL",
                )
            else:
                own_hrefs.append(href)
                if embedded:
                    self.check_embedded_button(relative, button, tags)
        for button in tags.noscript_buttons:
            self.problem(
                "button-hidden",
                relative,
                "an embedded Flattr button (class FlattrButton) to "
                f"{button.get('href', '')!r} is inside <noscript>, where no reader "
                "sees it: where scripts run, load.js cannot find it there; where "
                "they do not, it stays hidden",
                "the button outside <noscript> (a plain one, which needs no "
                "script, may stand in it)",
            )
        for href in links:
            if href not in self.by_auto_submit_url:
                self.problem(
                    "payment-link-unknown",
                    relative,
                    f"a payment link points at {href!r}, which the manifest "
                    "doesn't know"
                    + _sent_instead(href, self.compared_thing(href, thing))
                    + _without_scheme(href),
                    _own_payment_link(thing)
                    if lone_link
                    else "the auto-submit URL of a manifest thing",
                )
        if thing is None:
            return
        auto, url = thing["auto_submit_url"], thing["url"]
        # A template may render another style than FLATTR_BUTTON
        # (flattr_button(article, style="compact")): either href is its own,
        # on the kind of button that works with it.
        own = own_hrefs.count(auto) + own_hrefs.count(url)
        # Its button moved into a <noscript> is said above, and once.
        in_noscript = any(b.get("href") == url for b in tags.noscript_buttons)
        if own != 1 and not lone_button and not (own == 0 and in_noscript):
            self.problem(
                "button-missing" if own == 0 else "button-extra",
                relative,
                f"has {own} Flattr buttons for its thing ({len(buttons)} in all)",
                _own_button(thing),
            )
        if not lone_link and (links != [auto] or tags.payment_links_in_head != 1):
            if not tags.payment_links_in_head:
                kind = "payment-link-missing"  # none, or only in the body
            elif len(links) > 1:
                kind = "payment-link-extra"
            else:  # one, in <head>, to a thing the manifest knows
                kind = "payment-link-wrong-thing"
            self.problem(
                kind,
                relative,
                f"has {len(links)} payment links ({tags.payment_links_in_head} "
                "in <head>)",
                _own_payment_link(thing),
            )
        if self.open_graph:
            self.check_open_graph(relative, tags, url)
        for prop, values in sorted(tags.open_graph.items()):
            if self.open_graph and prop in _CHECKED_ONCE:
                continue  # check_open_graph() has said it
            if len(values) > 1 and prop not in MULTIPLE_PROPERTIES:
                self.problem(
                    "open-graph",
                    relative,
                    f"has {len(values)} {prop} tags (two sets of Open Graph tags?)",
                    f"at most one {prop}",
                )

    def check_embedded_button(
        self,
        relative: str,
        button: Mapping[str, str],
        tags: _PageTags,
    ) -> None:
        """A js or compact button: load.js on its page to show it (it is
        hidden until then), and its thing's owner as load.js reads it, or a
        flattr would create the thing for someone else."""
        thing = self.by_url.get(button.get("href", ""))
        if thing is None:  # one pointing at an auto-submit URL: no owner here
            return
        of = f"the Flattr button of {thing['url']}"
        owner = thing["owner"]
        name = "uid" if owner["kind"] == "flattr_user" else "owner"
        relation, parameters = _button_parameters(button)
        given = parameters.get(name)
        if relation is None and given != owner["value"]:
            self.problem(
                "button-owner",
                relative,
                f"{of} has data-flattr-{name} {given!r}",
                f'data-flattr-{name}="{owner["value"]}", the owner in the manifest',
            )
        elif relation is not None and given != owner["value"]:
            self.problem(
                "button-owner",
                relative,
                f"{of} has {relation}, which load.js reads in place of its "
                f"data-flattr-* attributes: {name} {given!r}",
                f'no {relation.partition("=")[0]} starting with "flattr" (the '
                f'plugin writes none): data-flattr-{name}="{owner["value"]}", '
                "the owner in the manifest",
            )
        if "uid" in parameters and "owner" in parameters:
            where = relation or "data-flattr-uid and data-flattr-owner"
            self.problem(
                "button-owner",
                relative,
                f"{of} gives both uid and owner ({where}): Flattr says never to "
                "send both, and which one it pays is not said",
                f"{name} alone, {owner['value']}, the owner in the manifest",
            )
        faults = [loader_fault(each, self.siteurl) for each in tags.loaders]
        if None in faults:
            return
        if faults:
            why = f"the page's load.js <script> {faults[0]}"
        elif tags.noscript_loaders:
            why = "the page's load.js <script> is inside <noscript>: it never runs"
        else:
            why = "no load.js on the page"
        self.problem(
            "button-hidden",
            relative,
            f"{of} is hidden: {why}",
            f'<script src="{LOADER_URL}" async></script>',
        )

    def check_open_graph(self, relative: str, tags: _PageTags, url: str) -> None:
        og_urls = tags.open_graph.get("og:url", [])
        if og_urls != [url]:
            self.problem(
                "open-graph",
                relative,
                f"has og:url {og_urls!r}",
                f"exactly one og:url {url}",
            )
        for prop in ("og:title", "og:type"):
            if len(tags.open_graph.get(prop, [])) != 1:
                count = len(tags.open_graph.get(prop, []))
                self.problem(
                    "open-graph",
                    relative,
                    f"has {count} {prop} tags",
                    f"exactly one {prop}",
                )

    def check_feed(self, relative: str, data: bytes) -> None:
        try:
            own, entries = _read_feed(ET.fromstring(data))
        # LookupError: an encoding Python does not know, as in
        # <?xml encoding="x-mac-roman"?>.
        except (ET.ParseError, LookupError, ValueError) as error:
            # Said once: not again for each entry it was to carry.
            self.unread.add(relative)
            self.problem(
                "not-well-formed", relative, f"is not well-formed XML ({error})"
            )
            return
        # The feed's own payment link, the site's thing's: one edited,
        # doubled or added (to another owner) passed unseen. Asked of the
        # feeds the build tagged (a feed copied from elsewhere, a static
        # podcast.xml, has none of its own), and of every feed when the
        # build tagged none.
        site_link = self.site_payment_link if self.feed_payment_links else None
        tagged = relative in self.feed_files or not self.feed_payment_links
        if tagged and own != ([site_link] if site_link else []):
            self.check_feed_own_links(relative, own, site_link)
        elif not tagged:
            # Needing none, such a feed may still not pay a stranger: no
            # payment link in the site does.
            for href in own:
                if href != site_link and href not in self.by_auto_submit_url:
                    self.problem(
                        "payment-link-unknown",
                        relative,
                        f"has a payment link of its own to {href!r}, which the "
                        "manifest doesn't know",
                        f"none, or the site's, {site_link}" if site_link else "none",
                    )
        for link, payments in entries:
            bare = as_feed_writes(link.removesuffix("?ref=feed"))
            thing = self.entry_thing(bare)
            # Pelican writes entry links from SITEURL, which FLATTR_SITEURL or
            # a pinned Flattr_url may not match: the payment link tells.
            known = {
                self.by_auto_submit_url[href]["url"]
                for href in payments
                if href in self.by_auto_submit_url
            }
            if thing is None and len(known) == 1:
                # Unless the entry's link serves another page of this site:
                # trusted whatever it linked, a thing's link pasted into
                # another article's entry vouched for itself.
                candidate = self.by_url[next(iter(known))]
                if self.entry_page(bare) in (None, candidate["page"]):
                    thing = candidate
            if thing is not None and self.feed_payment_links:
                if payments == [thing["auto_submit_url"]]:
                    self.feeds_seen.add((thing["url"], relative))
                else:
                    self.check_entry_link(relative, link, payments, thing)
                continue
            for href in payments:
                if href not in self.by_auto_submit_url:
                    self.problem(
                        "payment-link-unknown",
                        relative,
                        f"the entry {link} has a payment link to {href!r}, which "
                        "the manifest doesn't know",
                        "the auto-submit URL of a manifest thing",
                    )
            if not self.feed_payment_links:
                # No entry needs a payment link. One to a thing is a problem
                # all the same, though it points at the right thing today:
                # the build wrote it into no feed, so it is a feed left by a
                # build with FLATTR_FEEDS on or another plugin's, which no
                # build keeps up to date (a new owner or title leaves it
                # behind); the manifest lists no feed for the thing; and the
                # operator switched feed links off. Links the manifest
                # doesn't know were reported above.
                if known:
                    self.problem(
                        "payment-link-extra",
                        relative,
                        f"the entry {link} has {len(payments)} payment links, "
                        "though the manifest says the build put none in feeds",
                        "no payment link: FLATTR_FEEDS is off (a feed left "
                        "from an earlier build?)",
                    )
                continue
            if known:
                # Readers of this entry would pay another article's owner.
                self.problem(
                    "payment-link-wrong-thing",
                    relative,
                    f"the entry {link} has a payment link to the thing of "
                    f"{sorted(known)[0]}, which is not this entry's",
                    "no payment link to another article's thing",
                )

    def check_feed_own_links(
        self, relative: str, own: list[str], site_link: str | None
    ) -> None:
        """Say, in one problem, what is wrong with the payment links ``own``
        of the feed ``relative`` itself, which must be ``site_link`` alone
        (none when it is None): a link among them that the manifest doesn't
        know named, as ``check_entry_link`` does for an entry's."""
        unknown = [
            href
            for href in own
            if href != site_link and href not in self.by_auto_submit_url
        ]
        # An unknown link, which may pay a stranger, names the kind before
        # the count does: one added beside the site's is no mere extra, as
        # it is none in a page or an entry.
        if not own:
            kind = "payment-link-missing"
        elif unknown:
            kind = "payment-link-unknown"
        elif len(own) > 1 or not site_link:
            kind = "payment-link-extra"
        else:
            kind = "payment-link-wrong-thing"  # a thing's, not the site's
        said = f"has {len(own)} payment links of its own (the site's)"
        if len(own) == 1:
            said += f", to {own[0]!r}"
        if unknown and len(own) == 1:
            said += ", which the manifest doesn't know"
            if site_link and is_auto_submit_url(own[0]):
                otherwise = _sent_otherwise(own[0], site_link)
                if otherwise:
                    said += f": it sends another {otherwise} than the manifest's"
            said += _without_scheme(own[0])
        elif unknown:
            named = ", ".join(map(repr, dict.fromkeys(unknown)))
            said += f", {len(unknown)} of them unknown to the manifest: {named}"
        self.problem(
            kind,
            relative,
            said,
            f"exactly one, to {site_link}"
            if site_link
            else "none: the manifest names no site payment link (FLATTR_"
            "USERNAME unset, or FLATTR_FEEDS off)",
        )

    def check_entry_link(
        self, relative: str, link: str, payments: list[str], thing: Mapping[str, Any]
    ) -> None:
        """Say, in one problem, what is wrong with the payment links
        ``payments`` of the entry ``link`` of ``thing`` in the feed
        ``relative``: an unknown link said apart from a wrong count read as
        a contradiction ("has 1 payment links", expected "exactly one")."""
        auto = thing["auto_submit_url"]
        unknown = [href for href in payments if href not in self.by_auto_submit_url]
        # An unknown link, which may pay a stranger, names the kind first.
        kind = "payment-link-unknown" if unknown else "payment-link-wrong-thing"
        if not payments:
            said = "has no payment link"
            kind = "payment-link-missing"
        elif len(payments) > 1:
            said = f"has {len(payments)} payment links" + (
                f", {len(unknown)} of them unknown to the manifest" if unknown else ""
            )
            kind = "payment-link-unknown" if unknown else "payment-link-extra"
        elif unknown:
            href = payments[0]
            said = f"has a payment link to {href!r}, which the manifest doesn't know"
            otherwise = _sent_otherwise(href, auto)
            if otherwise:
                said += f": it sends another {otherwise} than the manifest's"
            said += _without_scheme(href)
        else:
            said = (
                "has a payment link to the thing of "
                f"{self.by_auto_submit_url[payments[0]]['url']}, not its own"
            )
        # The manifest names each feed the build wrote the thing's entry
        # into: an entry in another is one the build did not write. Pelican
        # leaves a feed it no longer writes (an author's, once their last
        # article has another author) unless it empties the output.
        leftover = (
            ""
            if relative in thing["feeds"]
            else " (the manifest lists no entry of it in this feed: one an "
            "earlier build left? delete it, or set DELETE_OUTPUT_DIRECTORY = True)"
        )
        self.problem(
            kind,
            relative,
            f"the entry {link} {said}",
            f"exactly one, to {auto}{leftover}",
        )
        # Said: not again as a feed that "does not carry" its link.
        self.feeds_seen.add((thing["url"], relative))

    def entry_thing(self, link: str) -> dict[str, Any] | None:
        """The thing whose feed entry links to ``link`` (as feeds write it),
        or None."""
        thing = self.by_page_link.get(link)
        if thing is not None:
            return thing
        # Its thing URL: the page's own with pretty URLs ("first/"), or one
        # pinned with Flattr_url, which may be the page of an article with
        # no thing (Flattr: no), whose entry needs no payment link.
        thing = self.by_url_link.get(link)
        if thing is not None and self.page_at(link) not in (None, thing["page"]):
            return None
        return thing

    def page_at(self, link: str) -> str | None:
        """The file of the site that ``link`` serves (a folder's index.html
        for a link to the folder), or None."""
        if not link.startswith(f"{self.siteurl}/"):
            return None
        path = unquote(link[len(self.siteurl) + 1 :])
        for name in (path, posixpath.join(path, "index.html")):
            if name in self.files:
                return name
        return None

    def entry_page(self, link: str) -> str | None:
        """The file of the site a feed entry's ``link`` serves, or None: as
        ``page_at``, and for a link from another base (``SITEURL``, when
        things are under ``FLATTR_SITEURL``; a relative one), the longest
        ending of its path that names a file of the site."""
        page = self.page_at(link)
        if page is not None or link.startswith(f"{self.siteurl}/"):
            return page
        parts = unquote(urlsplit(link).path).strip("/").split("/")
        for start in range(len(parts)):
            path = "/".join(parts[start:])
            for name in (path, posixpath.join(path, "index.html")):
                if name in self.files:
                    return name
        return None

    def not_checked(self, relative: str) -> bool:
        """Whether ``relative`` could not be read, or lies in a folder that
        was not: a problem says so already."""
        if relative in self.unread:
            return True
        folder = relative
        while folder:
            folder = posixpath.dirname(folder)
            if folder in self.unchecked_folders:
                return True
        return False

    def finish(self) -> AuditReport:
        missing_feeds: dict[str, int] = {}
        for thing in self.things:
            if thing["page"] not in self.files and not self.not_checked(thing["page"]):
                self.problem(
                    "page-missing",
                    thing["page"],
                    "is missing",
                    f"the page of {thing['url']}",
                )
            for feed in thing["feeds"]:
                if (thing["url"], feed) in self.feeds_seen or self.not_checked(feed):
                    continue
                if feed not in self.files:  # said once, below
                    missing_feeds[feed] = missing_feeds.get(feed, 0) + 1
                    continue
                self.problem(
                    "payment-link-missing",
                    feed,
                    f"does not carry the payment link of {thing['url']}",
                    "the entry named in the manifest, with its payment link",
                )
        for feed, count in sorted(missing_feeds.items()):
            self.problem(
                "feed-missing",
                feed,
                "is missing",
                f"the feed the manifest lists, with {count} payment "
                f"link{'' if count == 1 else 's'}",
            )
        return self.report


def _gunzipped(path: Path) -> Iterator[bytes]:
    """The bytes a gzip file holds, a block at a time."""
    with gzip.open(path, "rb") as stream:
        while block := stream.read(CHUNK_SIZE):
            yield block


class _Limited:
    """A stream of which no more than ``limit`` bytes are read."""

    def __init__(self, stream: Any, limit: int) -> None:
        self.stream, self.left = stream, limit

    def read(self, size: int) -> bytes:
        data = self.stream.read(min(size, self.left))
        self.left -= len(data)
        return data


def _chunks(start: bytes, stream: Any) -> Iterator[bytes]:
    """``start`` and the rest of ``stream``, in chunks of CHUNK_SIZE that
    each begin with the last CHUNK_OVERLAP bytes of the one before."""
    chunk = start
    while chunk:
        yield chunk
        more = stream.read(CHUNK_SIZE)
        chunk = chunk[-CHUNK_OVERLAP:] + more if more else b""


def site_files(
    output: Path,
    unreadable: list[Path] | None = None,
    other_sites: dict[Path, str] | None = None,
    manifest: Path | None = None,
    own_folders: Collection[str] = (),
    manifest_in_output: str | None = None,
    linked_outside: dict[Path, str] | None = None,
    other_sites_files: list[Path] | None = None,
    other_manifests: Collection[str] = (),
) -> list[Path]:
    """Every regular file of the output tree, in a stable order.

    Links to files are followed, as a web server serving the tree follows
    them; a link to a file this user may not reach (in a folder it may not
    enter) is listed all the same, for ``check_file`` to say so. Links to
    folders are not walked: one to a folder of the tree is walked under that
    folder's own name, and one to a folder outside it (which may be the
    whole file system) is added to ``linked_outside``, with the folder it
    resolves to. Anything else is skipped, never opened: a broken link
    cannot be read, and reading a FIFO would wait for ever. Folders that
    cannot be listed, or whose files cannot be reached (mode r--), are
    added to ``unreadable``. With ``other_sites``, a
    folder below ``output`` that holds a manifest of its own is another
    site's output, added to it (with the path of that manifest in it), its
    files left out and added to ``other_sites_files`` (sorted), unless it
    holds ``manifest``, the one audited (FLATTR_MANIFEST may put it in
    feeds/), or is one of ``own_folders`` (relative to ``output``, as
    ``site_folders`` gives them): both are this site's. See
    ``_own_manifest`` for what its own manifest is (``other_manifests``:
    the paths the languages' sites name their own).
    """
    files = []
    try:
        audited = None if manifest is None else os.stat(manifest)
    except OSError:
        audited = None

    def on_error(error: OSError) -> None:
        if unreadable is not None:
            unreadable.append(Path(error.filename))

    top = os.fspath(output)
    real_output: str | None = None
    # The folders of other sites, each with os.sep after it.
    others: tuple[str, ...] = ()
    for folder, folders, names in _walk(top, on_error):
        # One inside another site is that site's, whatever it holds: its
        # own audit says what its manifest is.
        inside = folder.startswith(others) if others else False
        own = (
            _own_manifest(
                Path(folder), names, manifest_in_output, audited, other_manifests
            )
            if other_sites is not None and folder != top and not inside
            else None
        )
        if (
            own is not None
            # A manifest that a build with another FLATTR_MANIFEST left
            # among this site's pages or feeds makes them no other site's.
            and portable_path(Path(folder).relative_to(output).as_posix())
            not in own_folders
        ):
            other_sites[Path(folder)] = own
            others += (os.path.join(folder, ""),)
            inside = True
        linked = [name for name in folders if os.path.islink(Path(folder, name))]
        if linked:
            # Not walked (see above); only those outside are reported.
            folders[:] = [name for name in folders if name not in linked]
            real_output = real_output or os.path.realpath(output)
            for name in linked:
                target = os.path.realpath(Path(folder, name))
                if not _within(target, real_output) and linked_outside is not None:
                    linked_outside[Path(folder, name)] = target
        try:
            found = [
                path
                for path in (Path(folder, name) for name in names)
                if _is_file_to_check(path)
            ]
        except _NotEntered as error:
            on_error(PermissionError(error.errno, error.strerror, folder))
            folders[:] = []
            continue
        if not inside:
            files += found
        elif other_sites_files is not None:
            # Checked for owners' addresses only (see audit_site).
            other_sites_files += found
    if other_sites_files is not None:
        other_sites_files.sort()
    return sorted(files)


def _walk(
    top: str, on_error: Callable[[OSError], None]
) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, onerror=on_error)``, top-down, that does not recurse:
    before Python 3.12 os.walk calls itself for each level, and a tree a
    thousand folders deep (which anyone who writes to the output may make)
    ended the audit with a RecursionError. As there, the caller may prune
    the folders listed before they are walked; they are walked depth first,
    in the order listed."""
    stack = [top]
    while stack:
        folder = stack.pop()
        folders, names = [], []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        is_folder = entry.is_dir()
                    except OSError:  # as os.walk: then it is no folder
                        is_folder = False
                    (folders if is_folder else names).append(entry.name)
        except OSError as error:
            on_error(error)
            continue
        yield folder, folders, names
        stack += [os.path.join(folder, name) for name in reversed(folders)]


def _within(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (both real paths)."""
    try:
        return os.path.commonpath((path, folder)) == folder
    except ValueError:  # on another drive, on Windows
        return False


class _NotEntered(PermissionError):
    """A folder that can be listed, but whose files cannot be reached."""


def _is_file_to_check(path: Path) -> bool:
    """Whether ``path`` is a regular file, or may be one this user cannot
    reach (a link into a folder it may not enter), which check_file then
    reports; not a broken link, a FIFO or a device."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as error:
        # No target, or a link to itself. (Not Path.is_file(): Python
        # versions differ on EACCES, raised or taken for "no file".)
        if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            return False
    try:
        os.lstat(path)
    except PermissionError as error:  # the folder holding it: one problem
        raise _NotEntered(error.errno, error.strerror, path) from None
    except OSError:
        pass
    return True


def _own_manifest(
    folder: Path,
    names: Collection[str],
    relative: str | None,
    audited: os.stat_result | None,
    other_manifests: Collection[str] = (),
) -> str | None:
    """The path in ``folder`` (whose files are ``names``) of a manifest of
    its own, other than the one audited, or None.

    That is a pelican-flattr manifest at ``relative``, the audited one's
    path relative to the output (a language's site of i18n_subsites writes
    its own there: ``de/feeds/flattr-manifest.json``), else one at a path of
    ``other_manifests`` (a language's own FLATTR_MANIFEST, relative to its
    folder), else a ``flattr-manifest.json``. The first wins: a
    ``flattr-manifest.json`` there may be a leftover of a build with
    another FLATTR_MANIFEST.
    """
    for path in (relative, *other_manifests):
        if _holds_manifest_at(folder, path, audited):
            return path
    if MANIFEST_NAME in names and _is_other_manifest(folder / MANIFEST_NAME, audited):
        return MANIFEST_NAME
    return None


def _holds_manifest_at(
    folder: Path, relative: str | None, audited: os.stat_result | None
) -> bool:
    """Whether ``folder`` holds, at ``relative`` (the audited manifest's
    path in the output, when it is not the default one), a pelican-flattr
    manifest other than the one audited."""
    if relative is None or relative == MANIFEST_NAME:
        return False  # the default: _own_manifest looks for it by name
    return _is_other_manifest(folder / relative, audited)


def _is_other_manifest(path: Path, audited: os.stat_result | None) -> bool:
    """Whether ``path`` is a pelican-flattr manifest other than the one
    audited: a folder that merely holds a file of that name (a web app's
    manifest.json, an empty flattr-manifest.json) is no other site, and
    its pages are audited with this one's."""
    try:
        return (
            path.is_file()
            and not _is_file(path, audited)
            and not_a_manifest(path) is None
        )
    except OSError:
        return False


def _path_in(output: Path, manifest: Path) -> str | None:
    """The path of ``manifest`` relative to ``output``, ``/``-separated,
    when it lies in it (as a relative FLATTR_MANIFEST puts it), else None."""
    for resolved in (os.path.abspath, os.path.realpath):
        relative = os.path.relpath(resolved(manifest), resolved(output))
        if relative.split(os.sep)[0] not in (os.curdir, os.pardir):
            return Path(relative).as_posix()
    return None


def site_folders(manifest: Mapping[str, Any]) -> frozenset[str]:
    """Every folder that holds a page or feed of ``manifest``'s things, or
    holds one that does, relative to the output as the manifest names
    them: the folders of the site it describes."""
    folders: set[str] = set()
    for thing in manifest["things"]:
        for name in (thing["page"], *thing["feeds"]):
            folder = posixpath.dirname(name)
            while folder and folder not in folders:
                folders.add(folder)
                folder = posixpath.dirname(folder)
    return frozenset(folders)


def _is_earlier_manifest(path: Path, audited: Path) -> bool:
    """Whether ``path`` is a pelican-flattr manifest other than ``audited``
    and no copy of it."""
    try:
        return (
            not os.path.samefile(path, audited)
            and not_a_manifest(path) is None
            and not filecmp.cmp(path, audited, shallow=False)
        )
    except OSError:
        return False  # check_file says what is wrong with it


# A language's part of a file name, as build.own_path adds it: ".de",
# ".pt-BR", ".zh_Hans"; two letters, as Pelican's DEFAULT_LANG has them,
# so that a copy kept as ".old", ".bak" or ".new" is still reported.
_LANGUAGE_PART = re.compile(r"\.[a-z]{2}(?:[-_][A-Za-z0-9]+)*$")


def _is_language_sibling(path: Path, audited: Path) -> bool:
    """Whether ``path`` is the manifest of another language's site of the
    same build: i18n_subsites writes each beside ``audited`` when
    FLATTR_MANIFEST is absolute, named for its language
    (``manifest.de.json`` beside ``manifest.json``, or the other way)."""
    if path.suffix != audited.suffix or os.path.abspath(path.parent) != os.path.abspath(
        audited.parent
    ):
        return False
    return _LANGUAGE_PART.sub("", path.stem) == _LANGUAGE_PART.sub("", audited.stem)


def _is_file(path: Path, status: os.stat_result | None) -> bool:
    """True when ``path`` is the file ``status`` was taken of, however each
    is spelt (a relative --manifest, a link)."""
    try:
        return status is not None and os.path.samestat(os.stat(path), status)
    except OSError:
        return False


def _check_output_folder(output: Path) -> None:
    """Raise OutputFolderError unless this user may list ``output`` and
    open its files: before the manifest in it is looked for, which would
    seem missing."""
    action = "list its files"
    try:
        os.scandir(output).close()
        # Listed is not entered (mode r--): "." in it is reached as its
        # files are.
        action = "open its files"
        os.stat(os.path.join(output, os.curdir))
    except NotADirectoryError:
        what = "is a file, not an" if output.exists() else "no such"
        raise OutputFolderError(f"{output}: {what} output folder") from None
    except FileNotFoundError:
        raise OutputFolderError(f"{output}: no such output folder") from None
    except OSError as error:
        raise OutputFolderError(
            f"{output}: the output folder cannot be read "
            f"({error.strerror or error}): this user may not {action}"
        ) from None


def audit_site(
    output: str | Path,
    manifest_path: str | Path | None = None,
    plain_addresses: Mapping[str, str] | None = None,
    progress: Any = None,
    site: tuple[tuple[str, ...], str] | None = None,
    stores: Collection[str] = (),
    language_manifests: Collection[str] = (),
    settings_given: bool = False,
) -> AuditReport:
    """Audit the built site in ``output`` against its manifest.

    ``plain_addresses`` maps lower-cased email addresses that must never be
    published to whose they are, as the report names them. ``progress``, if given, is
    called with (done, total) as files are checked. ``site``, when the
    settings file gives it, is the site's base URLs and what names the
    first ("FLATTR_SITEURL of pelicanconf.py"; see ``site_from_settings``).
    ``stores``: the file names of the operator's store (FLATTR_STORE), any
    file so named being one published (see ``stores_from_settings``).
    ``language_manifests``: the paths of the manifests the languages' sites
    write in their folders, by their own FLATTR_MANIFEST (see
    ``language_manifests_from_settings``): a folder holding one is theirs.
    ``settings_given``: whether a settings file was read (so a missing
    manifest is not met with advice to give one).
    Raises ManifestError (for a manifest of another site too), and
    OutputFolderError when this user may not list ``output`` or open its
    files.
    """
    output = Path(output)
    _check_output_folder(output)
    # "" is a path given (and refused), not the default.
    manifest_path = (
        output / MANIFEST_NAME if manifest_path is None else Path(manifest_path)
    )
    if manifest_path == output / MANIFEST_NAME and not os.path.lexists(manifest_path):
        # Where the build writes it: it wrote none, or removed it.
        raise ManifestError(
            f"{manifest_path}: no such manifest: build the site with PLUGINS = "
            "['pelican_flattr'] and no error from pelican-flattr in the build's "
            "log (a build whose settings it refused, or a strict build that "
            "failed, removes the manifest); "
            + (
                "if the build wrote it elsewhere, give --manifest"
                if settings_given
                else "with FLATTR_MANIFEST set, give --settings or --manifest"
            )
        )
    manifest = load_manifest(manifest_path, pages_and_feeds=True)
    if site is not None:
        _check_manifest_site(manifest_path, manifest["siteurl"], *site)
    unreadable: list[Path] = []
    other_sites: dict[Path, str] = {}
    other_sites_files: list[Path] = []
    linked_outside: dict[Path, str] = {}
    # Where the manifest lies in the output: each language's site of
    # i18n_subsites writes its own at the same path in its own folder.
    in_output = _path_in(output, manifest_path)
    files = site_files(
        output,
        unreadable,
        other_sites,
        manifest_path,
        site_folders(manifest),
        in_output,
        linked_outside,
        other_sites_files,
        language_manifests,
    )

    def name_in_output(path: Path) -> str:
        # Escaped as the manifest records a name that is not UTF-8.
        return portable_path(path.relative_to(output).as_posix())

    names = [name_in_output(path) for path in files]
    other_names = [name_in_output(path) for path in other_sites_files]
    unchecked = {name_in_output(folder) for folder in [*unreadable, *linked_outside]}
    auditor = _Auditor(
        output,
        manifest,
        plain_addresses or {},
        frozenset(names),
        {"" if folder == "." else folder for folder in unchecked},
        in_output,
    )
    for path, relative in zip(files, names, strict=True):
        # Any JSON file: FLATTR_MANIFEST may have named it otherwise.
        if (
            (path.name == MANIFEST_NAME or path.suffix.lower() == ".json")
            and not _is_language_sibling(path, manifest_path)
            and _is_earlier_manifest(path, manifest_path)
        ):
            # Published with the site, it would describe things and owners
            # the site no longer has, at a URL readers may still fetch.
            auditor.problem(
                "other-manifest",
                relative,
                f"is a manifest other than the one audited ({manifest_path}): "
                "one left by a build with another FLATTR_MANIFEST?",
                "the site's own manifest only: delete this one and its "
                "compressed copies (or audit with it: --manifest, or --settings "
                "for FLATTR_MANIFEST)",
            )
    auditor.check_manifest_fields(in_output or str(manifest_path))
    if stores:
        # Binary, so never read for addresses, though its claim URLs hold
        # them; a static path or an OUTPUT_PATH around it publishes it.
        published = {store + end for store in stores for end in ("", *WAL_ENDS)}
        for relative in sorted([*names, *other_names]):
            if posixpath.basename(relative) in published:
                auditor.problem(
                    "store-published",
                    relative,
                    "is the operator's private store (FLATTR_STORE), published",
                    "no store in the output: delete it, and make FLATTR_STORE a "
                    "path outside OUTPUT_PATH and every static path (its claim "
                    "URLs hold owners' addresses)",
                )
    auditor.check_names([*names, *other_names])
    for folder in sorted(unreadable):
        auditor.problem(
            "unreadable",
            name_in_output(folder),
            "cannot be read: its files are not checked",
        )
    for link, target in sorted(linked_outside.items()):
        auditor.problem(
            "link-outside",
            name_in_output(link),
            f"is a link to {portable_path(target)}, a folder outside the output "
            "folder: its files are not checked",
            "its files in the output itself: a deploy may copy a link as a "
            "link, or all it points at",
        )
    auditor.report.other_site_manifests = {
        portable_path(folder.relative_to(output).as_posix()): own
        for folder, own in other_sites.items()
    }
    # Another site's files are that site's audit's to check, but for the
    # addresses of this one's owners: no file of the output may publish
    # them, and a folder that merely holds a manifest (an old deploy kept
    # for reference, with its pages) must not hide one from this audit.
    checked = [
        *((path, relative, False) for path, relative in zip(files, names, strict=True)),
        *(
            (path, relative, True)
            for path, relative in zip(other_sites_files, other_names, strict=True)
        ),
    ]
    for done, (path, relative, addresses_only) in enumerate(checked, 1):
        auditor.check_file(path, relative, addresses_only)
        if path.suffix == ".gz":
            auditor.check_compressed_copy(path, relative, addresses_only)
        if progress is not None:
            progress(done, len(checked))
    return auditor.finish()


def _check_manifest_site(
    path: Path, recorded: str, siteurls: tuple[str, ...], named: str
) -> None:
    """ManifestError when the manifest at ``path`` records another site
    than those of ``siteurls``: each of its pages, feed entries and buttons
    would be reported, and none would say why."""
    if _is_one_of(recorded, siteurls):
        return
    raise ManifestError(
        f"{path}: is the manifest of {recorded.rstrip('/')}, but {named} is "
        f"{siteurls[0]}: the manifest of another site, or a site built with "
        "other settings? Audit with the settings file the site was built with, "
        "or its own manifest"
    )


def _is_one_of(recorded: str, siteurls: Iterable[str]) -> bool:
    """Whether the site URL a manifest records is one of ``siteurls`` (each
    without its last "/"): one of them, or below one, as a language's site
    of i18n_subsites lies under the site's URL, or at one of its own."""
    recorded = recorded.rstrip("/")
    return any(
        url and (recorded == url or recorded.startswith(url + "/")) for url in siteurls
    )


def site_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> tuple[tuple[str, ...], str] | None:
    """The base URLs the settings file at ``path`` gives its things (the
    site's first, then those of its languages' sites in ``I18N_SUBSITES``),
    and what names the first, for the audit: None when the site's is not
    the public one (a relative or development SITEURL, as a pelicanconf.py
    for ``pelican --listen`` has it), which the audit then does not compare.
    """
    urls = [_public_siteurl(each) for each in _sites(settings)]
    if urls[0] is None:
        return None
    return tuple(
        url for url in urls if url is not None
    ), f"{_source(settings)} of {path}"


def siteurl_not_compared(
    settings: Mapping[str, Any], path: str | Path, recorded: str
) -> str | None:
    """What to tell the operator when the settings file at ``path`` gives
    no public URL to compare the manifest's (``recorded``) with, as
    ``site_from_settings`` found; None when it gives one, or when the
    manifest's is one of the URLs it gives (a site built with those
    settings, or a language's site of it).

    A pelicanconf.py for ``pelican --listen`` beside a publishconf.py is the
    usual case: its FLATTR_AUTHORS serve the address check, but a manifest
    copied from another site would pass unseen, so the audit says so.
    """
    if _public_siteurl(settings) is not None or _is_one_of(
        recorded, map(_siteurl, _sites(settings))
    ):
        return None
    source = _source(settings)
    return (
        f"The manifest's site, {recorded.rstrip('/')}, was not compared with "
        f"{source} of {path}: that is {str(settings.get(source) or '')!r}, not a "
        "public site's URL. To compare them, audit with the settings file the "
        "site was published with (for a site made by pelican-quickstart, "
        "publishconf.py)"
    )


def _sites(settings: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The settings of the site, then of each of its languages' sites in
    ``I18N_SUBSITES`` (i18n_subsites)."""
    return [each for _, each in named_sites(settings)]


def _source(settings: Mapping[str, Any]) -> str:
    """The setting that gives the site's URL."""
    return "FLATTR_SITEURL" if settings.get("FLATTR_SITEURL") else "SITEURL"


def _siteurl(settings: Mapping[str, Any]) -> str:
    """``FLATTR_SITEURL``, else ``SITEURL``, of ``settings``, without its
    last "/"; "" when neither is given."""
    return str(settings.get(_source(settings)) or "").rstrip("/")


def _public_siteurl(settings: Mapping[str, Any]) -> str | None:
    """``_siteurl`` of ``settings`` when it is an absolute URL of a public
    site."""
    value = _siteurl(settings)
    if not value or check_thing_url(value + "/") is not None:
        return None
    return None if is_development_url(value) else value


def manifest_from_settings(
    settings: Mapping[str, Any], path: str | Path, output: Path
) -> Path | None:
    """The manifest ``FLATTR_MANIFEST`` of the settings file at ``path``
    names, for the audit of ``output``: a relative path is taken in
    ``output``, as the build takes it in its OUTPUT_PATH. None when unset.
    When ``output`` is named as a language of ``I18N_SUBSITES`` (its folder,
    as i18n_subsites names it) that sets its own, that language's, unless
    it is not there and the site's is (the folder may be the site's, named
    alike). The site's beside the language's is one a build left before
    the language set its own (Pelican deletes no output).

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    value = _path_from_settings(settings, "FLATTR_MANIFEST", path)
    main = output / (MANIFEST_NAME if value is None else value)
    for where, each in named_sites(settings)[1:]:
        if where == f"I18N_SUBSITES[{output.name!r}] ":
            own = _path_from_settings(each, "FLATTR_MANIFEST", path, where)
            if own is not None and (
                os.path.lexists(output / own) or not os.path.lexists(main)
            ):
                return output / own
    return None if value is None else main


def language_manifests_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> list[str]:
    """The relative paths the languages' sites of ``I18N_SUBSITES`` name
    their manifests by in the settings file at ``path``, where one sets its
    own ``FLATTR_MANIFEST``: each writes it in its own folder, which the
    main site's audit then knows for another site's.

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    found = []
    for where, each in named_sites(settings)[1:]:
        value = _path_from_settings(each, "FLATTR_MANIFEST", path, where)
        if value is not None and not os.path.isabs(value):
            found.append(Path(value).as_posix())
    return found


def stores_from_settings(settings: Mapping[str, Any], path: str | Path) -> set[str]:
    """The file names of ``FLATTR_STORE`` (the site's, and each language's
    of ``I18N_SUBSITES``) in the settings file at ``path``: the operator's
    private store, which no output may hold, under its name or copied by a
    static path (where it lies is no matter: the name tells it).

    Raises SettingsFileError, naming the file and setting, for a value that
    is no path.
    """
    names = set()
    for where, each in named_sites(settings):
        value = _path_from_settings(each, "FLATTR_STORE", path, where)
        if value is not None and os.path.basename(os.fspath(value)):
            names.add(os.path.basename(os.fspath(value)))
    return names


def _path_from_settings(
    settings: Mapping[str, Any], name: str, path: str | Path, where: str = ""
) -> Any:
    """The path setting ``name`` of ``settings`` (``where`` names them: a
    language's of I18N_SUBSITES), None when unset; SettingsFileError, naming
    the file at ``path`` and the setting, for a value that is no path."""
    problems: list[str] = []
    value = path_setting(settings, name, problems)
    if problems:
        raise SettingsFileError(f"{path}: {where}{problems[0]}")
    return value


def plain_addresses_from_settings(
    settings: Mapping[str, Any], path: str | Path
) -> dict[str, str]:
    """Lower-cased plain email addresses of ``FLATTR_AUTHORS`` (and of
    ``FLATTR_USERNAME``) -> whose they are, for the report: the site's, and
    those each language's site of ``I18N_SUBSITES`` sets for itself (an
    address is private whichever site maps it, in every file of the tree).
    Where two name one address, the site's own settings name it.

    An entry the build refuses (a bare ``carol@example.org``, one written
    ``email:<carol@example.org>``) still names an address to look for.
    Raises SettingsFileError, naming the settings file at ``path`` and the
    setting, when one holds no dict in FLATTR_AUTHORS; the error never
    repeats an address.
    """
    found: dict[str, str] = {}
    for where, each in named_sites(settings):
        authors = each.get("FLATTR_AUTHORS") or {}
        if not isinstance(authors, Mapping):
            raise SettingsFileError(
                f"{path}: {where}FLATTR_AUTHORS must be a dict keyed by author "
                f"name, not {type(authors).__name__}"
            )
        owners = [
            (f"author {str(name)!r} (from {where}FLATTR_AUTHORS)", value)
            for name, value in authors.items()
        ]
        owners.append(
            (f"the site ({where}FLATTR_USERNAME)", each.get("FLATTR_USERNAME"))
        )
        own = {}
        for name, value in owners:
            address = _address_of(value)
            if address is not None:
                own[address] = name
        found = own | found
    return found


def _address_of(owner: object) -> str | None:
    """The lower-cased address an owner value names, usable or not: with or
    without ``email:``, ``mailto:`` and ``<>`` around it."""
    if not isinstance(owner, str) or "@" not in owner:
        return None
    text = owner.strip()
    for prefix in ("email:", "mailto:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :].strip()
    text = text.strip("<>,;. ")
    try:
        parse_owner(f"email:{text}")
    except IdentifierError:
        return None
    return text.lower()


def add_command(subparsers: Any) -> None:
    """Register ``pelican-flattr audit``."""
    from .cli import path_argument  # cli is loaded: it asks for this

    parser = subparsers.add_parser(
        "audit",
        help="check a built site against its manifest",
        description=(
            "Check every thing of the manifest against the built site: its page, "
            "button, payment link, Open Graph tags and feed entries; and check the "
            "whole output tree for leaked email addresses and unknown buttons."
        ),
        epilog="Exit status: 0 when the site is sound, 1 when problems were "
        "found, 2 when the manifest or output folder cannot be read.",
    )
    parser.add_argument(
        "output", metavar="OUTPUT_DIR", type=path_argument, help="the built site"
    )
    parser.add_argument(
        "--manifest",
        metavar="FILE",
        type=path_argument,
        help=f"the manifest (default: OUTPUT_DIR/{MANIFEST_NAME})",
    )
    parser.add_argument(
        "--settings",
        metavar="PELICANCONF",
        type=path_argument,
        help="read FLATTR_AUTHORS and FLATTR_USERNAME (each language's of "
        "I18N_SUBSITES too) from this settings file to look for their plain "
        "email addresses too, FLATTR_STORE to find the store published, and "
        "FLATTR_MANIFEST (unless --manifest is given)",
    )
    parser.add_argument(
        "--limit",
        metavar="N",
        type=_row_limit,
        help="list at most N problems of each kind in the table (the summary "
        "by kind counts them all; --json lists them all)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.set_defaults(handler=run_audit)


def _row_limit(value: str) -> int:
    """``--limit``'s value: a count of rows, 0 or more."""
    try:
        limit = int(value)
    except ValueError:
        limit = -1
    if limit < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of rows (0 or more)"
        )
    return limit


def _rows_shown(
    problems: list[Problem], limit: int | None
) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """The table's rows of ``problems``, at most ``limit`` of each kind (all
    when None), in the order found; and how many of each kind were left out."""
    rows: list[tuple[str, str, str]] = []
    listed: dict[str, int] = {}
    left_out: dict[str, int] = {}
    for problem in problems:
        listed[problem.kind] = listed.get(problem.kind, 0) + 1
        if limit is not None and listed[problem.kind] > limit:
            left_out[problem.kind] = left_out.get(problem.kind, 0) + 1
            continue
        rows.append((problem.file, problem.problem, problem.expected))
    return rows, left_out


def run_audit(args: argparse.Namespace) -> int:
    """The ``audit`` subcommand."""
    from . import cli

    output = Path(args.output)
    manifest = args.manifest
    addresses: dict[str, str] = {}
    settings: Mapping[str, Any] = {}
    site = None
    stores: set[str] = set()
    language_manifests: list[str] = []
    try:
        if args.settings:
            settings = read_settings_file(args.settings, needs_content=False)
            addresses = plain_addresses_from_settings(settings, args.settings)
            site = site_from_settings(settings, args.settings)
            stores = stores_from_settings(settings, args.settings)
            language_manifests = language_manifests_from_settings(
                settings, args.settings
            )
            if manifest is None:
                manifest = manifest_from_settings(settings, args.settings, output)
        with cli.progress("Auditing", enabled=not args.json) as advance:
            report = audit_site(
                output,
                manifest,
                addresses,
                advance,
                site,
                stores,
                language_manifests,
                settings_given=bool(args.settings),
            )
    except (ManifestError, OutputFolderError, SettingsFileError) as error:
        return cli.usage_error(redact(str(error)))
    status = 0 if report.ok else 1
    by_kind = problems_by_kind(report.problems)
    notes = []
    if args.settings and site is None:
        note = siteurl_not_compared(settings, args.settings, report.siteurl)
        if note is not None:
            notes.append(redact(note))
    if args.json:
        cli.print_json(
            {
                "ok": report.ok,
                # As after a usage error (2) or Ctrl-C (130): a script reads
                # one field, however the audit ended.
                "exit_status": status,
                "output": str(output),
                "things": report.things,
                "files": report.files,
                "other_sites": report.other_sites,
                "other_site_manifests": report.other_site_manifests,
                "problems": [
                    {
                        "file": p.file,
                        "problem": p.problem,
                        "expected": p.expected,
                        "kind": p.kind,
                    }
                    for p in report.problems
                ],
                # Each kind's count (print_json sorts an object's keys: by
                # name here, most frequent first in the text summary).
                "problems_by_kind": by_kind,
                # What was not checked, said in words (see the text output).
                "notes": notes,
            }
        )
    else:
        total = len(report.problems)
        rows, left_out = _rows_shown(report.problems, args.limit)
        title = cli.counted(total, "problem")
        if left_out:
            title += f", {len(rows)} listed (--limit {args.limit} of each kind)"
        cli.print_table(title, ("file", "problem", "expected"), rows)
        if by_kind:
            # The overview a table of 20,000 rows of one fault does not give.
            cli.print_line("Problems by kind:")
            for kind, count in by_kind.items():
                unlisted = left_out.get(kind, 0)
                cli.print_line(
                    f"  {kind}: {cli.counted(count, 'problem')}"
                    + (f" ({unlisted} not listed)" if unlisted else "")
                )
        cli.print_line(
            f"{cli.counted(report.things, 'thing')}, "
            f"{cli.counted(report.files, 'file')} checked: "
            + ("no problems" if report.ok else cli.counted(total, "problem"))
        )
        for folder, own in report.other_site_manifests.items():
            command = _other_site_command(Path(output, folder), own, args.settings)
            cli.print_line(
                # A line break in the folder's name would start a line.
                f"{cli.shown(folder)}/ holds a manifest of its own: another site's "
                f"output, not checked here (audit it on its own: {cli.shown(command)})"
                ", but for the owners' addresses, which no file may publish"
            )
        for note in notes:
            cli.print_line(note)
    return status


def _other_site_command(folder: Path, manifest: str, settings: str | None) -> str:
    """The command that audits the other site in ``folder``, whose manifest
    is ``manifest`` in it, with the settings file this audit was given."""
    command = ["pelican-flattr", "audit", str(folder)]
    # Given --settings, its FLATTR_MANIFEST would win over the default name.
    if manifest != MANIFEST_NAME or settings:
        command += ["--manifest", str(folder / manifest)]
    if settings:
        command += ["--settings", settings]
    return shlex.join(command)
