"""Payment links in feeds, where feed readers and podcast apps look for Flattr.

Pelican hands each feed to plugins (``feed_generated``) after its items are
added and before it is written, but has no per-item hook. feedgenerator,
though, serializes every item through ``add_item_elements(handler, item)``.
So each item of an owned article is tagged with its auto-submit URL, and the
feed object is given a subclass of its own class whose ``add_item_elements``
(and ``add_root_elements``) add one ``rel="payment"`` link, written through
feedgenerator's own XML handler as the element it would write, escaped
once, still well formed.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import urljoin
from xml.sax.saxutils import quoteattr

from feedgenerator import Rss201rev2Feed
from feedgenerator.django.utils.encoding import iri_to_uri

from .lazy_regex import lazy_regex

# The key this plugin adds to feedgenerator's feed and item dicts.
FEED_PAYMENT_KEY = "flattr_payment_url"
# What Pelican's FEED_APPEND_REF appends to each item's link: taken off
# again to find the item's thing (``item_key``).
REF_SUFFIX = "?ref=feed"
# The item's payment URL quoted as an XML attribute value, as written.
_ITEM_HREF_KEY = "flattr_payment_href"
_PAYMENT_ATTRIBUTES = 'rel="payment" type="text/html"'


def payment_href(url: str) -> str:
    """``url`` quoted as the value of an XML attribute, quotes included:
    the payment link's ``href`` as the feeds write it."""
    return quoteattr(url)


def url_of_href(href: str) -> str:
    """The URL that ``payment_href`` quoted.

    Only the quoted form is kept for the pages, a kilobyte less per thing
    the feeds carry: an auto-submit URL escapes nothing but its ``&``
    separators (its values are percent-encoded), which one ``replace``
    restores.
    """
    quoted = href[1:-1]
    if href[0] == '"' and quoted.count("&") == quoted.count("&amp;"):
        return quoted.replace("&amp;", "&")
    return html.unescape(quoted)


class _PaymentLinks:
    """Mixed in front of a feedgenerator feed class."""

    def _payment_link(self, handler: Any, href: str) -> None:
        """Write the payment link; ``href`` is already quoted (quoteattr)."""
        # RSS has no link element with attributes of its own; the Atom one is
        # used, and Rss201rev2Feed already declares xmlns:atom on <rss>.
        name = "atom:link" if isinstance(self, Rss201rev2Feed) else "link"
        # What addQuickElement(name, None, attributes) writes, attributes
        # sorted as feedgenerator sorts them, but quoted once per thing: its
        # generic path took ~13 µs per entry for an ~800-character URL, and
        # a site's feeds hold thousands of entries. ignorableWhitespace() is
        # the SAX handler's way to write text as it is, after the pending tag.
        handler.ignorableWhitespace(f"<{name} href={href} {_PAYMENT_ATTRIBUTES}/>")

    def add_root_elements(self, handler: Any) -> None:
        super().add_root_elements(handler)  # type: ignore[misc]
        url = self.feed.get(FEED_PAYMENT_KEY)  # type: ignore[attr-defined]
        if url:
            self._payment_link(handler, payment_href(url))

    def add_item_elements(self, handler: Any, item: Mapping[str, Any]) -> None:
        super().add_item_elements(handler, item)  # type: ignore[misc]
        href = item.get(_ITEM_HREF_KEY)
        if href:
            self._payment_link(handler, href)


_PAYMENT_CLASSES: dict[type, type] = {}


def with_payment_links(feed: Any) -> None:
    """Make ``feed`` write the payment links its items were tagged with."""
    cls = type(feed)
    if issubclass(cls, _PaymentLinks):
        return
    if cls not in _PAYMENT_CLASSES:
        _PAYMENT_CLASSES[cls] = type(cls.__name__, (_PaymentLinks, cls), {})
    feed.__class__ = _PAYMENT_CLASSES[cls]


# What iri_to_uri() leaves as it is: a URL made only of these needs no call.
_URI_AS_IS = lazy_regex(r"[A-Za-z0-9_.~/#%\[\]=:;$&()+,!?*@'-]*")


def as_feed_writes(url: str) -> str:
    """``url`` as feedgenerator writes it in a feed: percent-encoded where
    it is not plain ASCII (a slug with "å" or a space), as an item's link.

    Applying it twice changes nothing: ``%`` is left as it is.
    """
    return url if _URI_AS_IS.fullmatch(url) else iri_to_uri(url)


def feed_key(content_url: str) -> str:
    """The key of content whose ``url`` is ``content_url`` among a feed's
    items (see ``item_key``): ``as_feed_writes`` it, without leading
    slashes, which a URL such as ``/posts/x/`` (an ``ARTICLE_URL`` or a
    ``URL:`` field) has and the item's link loses."""
    key = as_feed_writes(content_url).lstrip("/")
    return _without_dot_segments(key) if _has_dot_segment(key) else key


def _has_dot_segment(path: str) -> bool:
    """Whether ``path`` may hold a "." or ".." segment: two searches, which
    nearly every URL fails."""
    return "./" in path or path.endswith(("/.", "/.."))


def _without_dot_segments(path: str) -> str:
    """``path`` without its "." and ".." segments, as joining it to SITEURL
    resolves them: an ``ARTICLE_URL`` of "./{slug}.html" is linked as
    "{slug}.html" in a feed (where RELATIVE_URLS keeps the "./"). As
    written where a ".." would climb out of the site: that link is no
    page of it, and takes no other page's key."""
    kept: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        if segment not in (".", ".."):
            kept.append(segment)
            continue
        if segment == "..":
            if not kept:
                return path
            kept.pop()
        if index == len(segments) - 1:
            kept.append("")  # "posts/." is the folder: "posts/"
    return "/".join(kept)


def item_key(link: str, feed_link: str) -> str:
    """The ``feed_key`` of the content behind an item's link.

    Pelican builds an item's link by joining SITEURL + "/" and article.url
    as a browser would (without RELATIVE_URLS), plus "?ref=feed" with
    FEED_APPEND_REF; the feed's own link is SITEURL + "/". A URL that
    starts with "/" is joined to the site's host alone: under a SITEURL
    with a path, its link leaves the path out, and is no page of this
    site's (with i18n_subsites, it may be another language's), so it gets
    no payment link.
    """
    if link.endswith(REF_SUFFIX):
        link = link[: -len(REF_SUFFIX)]
    if _has_dot_segment(link):
        # RELATIVE_URLS joins "./{slug}.html" as it is: keyed as the rest.
        link = _without_dot_segments(link)
    if feed_link and _starts_with_site(link, feed_link):
        return link[len(feed_link) :].lstrip("/")
    if link.startswith("/") and feed_link.startswith("/") and feed_link != "/":
        # Under a SITEURL that is a path ("/de", a language's site of
        # i18n_subsites under an empty main SITEURL), a link from the
        # root is outside it: the main site's "/hello.html" is no
        # "hello.html" of the German site's. Kept whole: no key has a "/"
        # first.
        return link
    return link.lstrip("/")  # RELATIVE_URLS: "/posts/x/" as written


def _starts_with_site(link: str, feed_link: str) -> bool:
    """Whether an item's ``link`` starts with its feed's ``feed_link``, the
    scheme compared in any letter case: Pelican's feeds write the items'
    links with it in lower case, and the feed's own as SITEURL has it
    (``HTTPS://``)."""
    if link.startswith(feed_link):
        return True
    scheme, separator, rest = feed_link.partition("://")
    return (
        bool(separator)
        and link[: len(scheme)].lower() == scheme.lower()
        and link.startswith(separator + rest, len(scheme))
    )


# A URL with a scheme, or protocol-relative, given it holds "//": an
# address of its own, as resolve tells one.
_ABSOLUTE = lazy_regex(r"[A-Za-z][A-Za-z0-9+.-]*:|//")


def moved_key(
    content_url: str, site_url: str, feed_link: str, relative_urls: bool = False
) -> str | None:
    """The ``item_key`` of the link Pelican writes into a feed whose own
    link is ``feed_link`` for an article whose ``url`` became
    ``content_url`` after its thing was keyed by ``feed_key``; or None
    for an absolute ``content_url``.

    i18n_subsites points a copy a language's site keeps at the article's
    own language's page once every site's things are attached (the
    Spanish site's copy of an English article at ``../post.html``), and
    Pelican's writer joins that to SITEURL (``site_url``) as a browser
    would, as done here: the link the feed holds,
    ``https://example.org/post.html``, is no ``feed_key``. An absolute
    URL is linked as it is, no page of the site's, and keeps no payment
    link (see ``item_key``).
    """
    if "//" in content_url and _ABSOLUTE.match(content_url):
        return None
    if relative_urls:
        link = posixpath.join(site_url, content_url)
    else:
        link = urljoin(
            site_url if site_url.endswith("/") else f"{site_url}/", content_url
        )
    return item_key(as_feed_writes(link), feed_link)


def tag_feed(
    feed: Any,
    things_by_content_url: Mapping[str, Any],
    site_payment_url: str | None,
    payment_hrefs: MutableMapping[str, str] | None = None,
    moved: Mapping[str, str] | None = None,
) -> list[str]:
    """Tag the feed's items with their payment links; return their keys.

    ``things_by_content_url`` maps ``article.url`` (its ``feed_key``)
    to an object with an
    ``auto_submit_url`` (a ContentThing). ``payment_hrefs``, when given,
    keeps each link's quoted URL, by the same key, for the next feeds: a site's
    feeds share most of their items (atom and RSS, all and by author),
    and building the URL is the costly part. ``moved`` maps the
    ``moved_key`` of an article whose URL changed after its thing was
    keyed to that key. The whole feed gets ``site_payment_url`` when given.
    """
    feed_link = feed.feed.get("link") or ""
    known = {} if payment_hrefs is None else payment_hrefs
    tagged = []
    for item in feed.items:
        key = item_key(item.get("link") or "", feed_link)
        if moved:
            key = moved.get(key, key)
        content_thing = things_by_content_url.get(key)
        if content_thing is not None:
            href = known.get(key)
            if href is None:
                href = known[key] = payment_href(content_thing.auto_submit_url)
            item[_ITEM_HREF_KEY] = href
            tagged.append(key)
    if site_payment_url:
        feed.feed[FEED_PAYMENT_KEY] = site_payment_url
    if tagged or site_payment_url:
        with_payment_links(feed)
    return tagged
