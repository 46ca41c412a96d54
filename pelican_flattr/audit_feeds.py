"""The checks of a built feed against the manifest: the payment link of
each entry of a thing, and the feed's own (the site's thing's).

``check_feed`` reads the feed with ``audit_tags.read_feed``, as feed
readers read it, and finds each entry's thing by its link (or, where
Pelican's SITEURL is not the things', by its payment link); which feeds
carried which thing is kept in ``Audit.feeds_seen``, for the feeds the
manifest names that do not.
"""

from __future__ import annotations

import functools
import posixpath
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

from .audit_pages import (
    PagesSeen,
    age_advice,
    is_unrecorded_site_link,
    unknown_link_age,
)
from .audit_report import STALE_FIX, Audit, Thing
from .audit_tags import read_feed, sent_otherwise, without_scheme
from .feeds import as_feed_writes
from .markup import is_auto_submit_url

# The encoding an XML declaration names, in the bytes of a document in one
# of the encodings that write ASCII as ASCII.
_DECLARED_ENCODING = re.compile(
    rb"""\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']"""
)


def _parse(data: bytes) -> ET.Element:
    """The XML document ``data``, parsed; one in a multi-byte encoding
    expat cannot read is decoded first, by the encoding it declares."""
    try:
        return ET.fromstring(data)
    except ValueError:
        # Expat reads UTF-8 and UTF-16 only of the multi-byte encodings: a
        # well-formed Shift_JIS, EUC-JP, GBK or Big5 feed (a podcast's,
        # copied in) was reported as not well-formed, its links unchecked.
        declared = _DECLARED_ENCODING.match(data)
        if declared is None:
            raise
        return ET.fromstring(data.decode(declared.group(1).decode("ascii")))


def check_feed(
    audit: Audit, relative: str, data: bytes, path: Path, seen: PagesSeen
) -> None:
    """Check the feed ``relative`` (to the output, at ``path``), whose
    bytes are ``data``: each entry's payment link, and the feed's own. A
    feed newer than the manifest goes to ``seen``, as its pages do."""
    try:
        own, entries = read_feed(_parse(data))
    # LookupError: an encoding Python does not know, as in
    # <?xml encoding="x-mac-roman"?>; ValueError: bytes its encoding
    # cannot decode.
    except (ET.ParseError, LookupError, ValueError) as error:
        # Said once: not again for each entry it was to carry.
        audit.unread.add(relative)
        audit.problem("not-well-formed", relative, f"is not well-formed XML ({error})")
        return
    # The feed's own payment link, the site's thing's: one edited,
    # doubled or added (to another owner) passed unseen. Asked of the
    # feeds the build tagged (a feed copied from elsewhere, a static
    # podcast.xml, has none of its own), and of every feed when the
    # build tagged none.
    site_link = (
        audit.manifest.site_payment_link if audit.manifest.feed_payment_links else None
    )
    tagged = (
        relative in audit.manifest.feed_files or not audit.manifest.feed_payment_links
    )
    if site_link is None and audit.manifest.feed_payment_links:
        # No site link recorded though the build put payment links in
        # feeds: a manifest of a version before site_payment_link, whose
        # feeds carried the site's link all the same? Which link is the
        # site's, the feeds it lists tell once all are read (one build
        # writes one into every feed: a listed feed with none lacks it).
        # A feed it does not list has no say: beside the manifest of a
        # build that wrote no feed, an earlier build left it.
        listed = relative in audit.manifest.feed_files
        if listed and len(own) == 1 and is_unrecorded_site_link(audit, own[0]):
            audit.site_link_votes.setdefault(own[0], []).append(relative)
        check = functools.partial(
            _check_own_links, audit, relative, own, tagged=tagged, path=path, seen=seen
        )
        audit.feeds_awaiting_site_link.append((own, check))
    else:
        _check_own_links(
            audit, relative, own, site_link, tagged=tagged, path=path, seen=seen
        )
    for link, payments in entries:
        bare = as_feed_writes(link.removesuffix("?ref=feed"))
        thing = _entry_thing(audit, bare)
        # Pelican writes entry links from SITEURL, which FLATTR_SITEURL or
        # a pinned Flattr_url may not match: the payment link tells.
        known = {
            audit.manifest.by_auto_submit_url[href]["url"]
            for href in payments
            if href in audit.manifest.by_auto_submit_url
        }
        if thing is None and len(known) == 1:
            # Unless the entry's link serves another page of this site:
            # trusted whatever it linked, a thing's link pasted into
            # another article's entry vouched for itself.
            candidate = audit.manifest.by_url[next(iter(known))]
            if _entry_page(audit, bare) in (None, candidate["page"]):
                thing = candidate
        if thing is not None and audit.manifest.feed_payment_links:
            if payments == [thing["auto_submit_url"]]:
                audit.feeds_seen.add((thing["url"], relative))
            else:
                _check_entry_link(audit, relative, link, payments, thing)
            continue
        for href in payments:
            if href not in audit.manifest.by_auto_submit_url:
                # A new article's entry, in a feed of a later build than
                # the manifest, is told as its page is: not to be deleted.
                age = unknown_link_age(audit, href, path, seen)
                audit.problem(
                    "payment-link-unknown",
                    relative,
                    f"the entry {link} has a payment link to {href!r}, which "
                    "the manifest doesn't know",
                    "the auto-submit URL of a manifest thing"
                    + (age_advice(age, relative, seen, feed=True) if age else ""),
                )
        if not audit.manifest.feed_payment_links:
            # No entry needs a payment link. One to a thing is a problem
            # all the same, though it points at the right thing today:
            # the build wrote it into no feed, so it is a feed left by a
            # build with FLATTR_FEEDS on or another plugin's, which no
            # build keeps up to date (a new owner or title leaves it
            # behind); the manifest lists no feed for the thing; and the
            # operator switched feed links off. Links the manifest
            # doesn't know were reported above.
            if known:
                audit.problem(
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
            audit.problem(
                "payment-link-wrong-thing",
                relative,
                f"the entry {link} has a payment link to the thing of "
                f"{sorted(known)[0]}, which is not this entry's",
                "no payment link to another article's thing",
            )


def _check_own_links(
    audit: Audit,
    relative: str,
    own: list[str],
    site_link: str | None,
    carried: int = 0,
    *,
    tagged: bool,
    path: Path,
    seen: PagesSeen,
) -> None:
    """Check the payment links ``own`` of the feed ``relative`` itself (at
    ``path``) against the site's, ``site_link`` (None: none), which
    ``carried`` other feeds carry where the manifest records none.
    ``tagged``: whether the build put payment links in this feed; one it
    did not may carry the site's link, or none."""
    if tagged and own != ([site_link] if site_link else []):
        _check_feed_own_links(audit, relative, own, site_link, carried)
    elif not tagged:
        # Needing none, such a feed may still not pay a stranger: no
        # payment link in the site does.
        for href in own:
            if href != site_link and href not in audit.manifest.by_auto_submit_url:
                # One to a thing of this site that the manifest does not
                # know: a feed an earlier build left (beside the manifest
                # of a build that wrote no feed), as the mtimes tell.
                age = unknown_link_age(audit, href, path, seen)
                audit.problem(
                    "payment-link-unknown",
                    relative,
                    f"has a payment link of its own to {href!r}, which the "
                    "manifest doesn't know",
                    (f"none, or the site's, {site_link}" if site_link else "none")
                    + (age_advice(age, relative, seen, feed=True) if age else ""),
                )


def report_unrecorded_site_link(audit: Audit, manifest: str) -> None:
    """Say once, of the manifest (named ``manifest`` in the report), that
    it records no site_payment_link though feeds carry the site's: one of
    a pelican-flattr before it recorded the field, which a build with this
    version writes. First each feed whose own links wait for the site's
    (see ``check_feed``), and each listing's link to the site's thing
    (``audit_pages.check_page``), is checked against the link taken for
    it: the one most feeds the manifest lists carry. No more can be
    checked without the field."""
    votes = audit.site_link_votes
    # One build writes one site link: the one most of the feeds the
    # manifest lists carry (on a tie, the first feed's by name), whatever
    # order the feeds were read in; a feed carrying another is told which.
    site_link = min(
        votes, key=lambda link: (-len(votes[link]), min(votes[link])), default=None
    )
    awaiting = audit.feeds_awaiting_site_link
    feeds = sum(own == [site_link] for own, _ in awaiting)
    for own, check in awaiting:
        if own != [site_link]:
            check(site_link, feeds)
    # A listing's head may hold the link the feeds carry (flattr_site_head()
    # prints it), as with a manifest that records it.
    for href, report in audit.listings_awaiting_site_link:
        if href != site_link:
            report()
    if not feeds:
        return
    # Without --settings, no owner is known to compare the link's with.
    checked = (
        "Only its thing URL and owner (FLATTR_USERNAME) were checked"
        if audit.site_owners is not None
        else "Only its thing URL was checked (give --settings to check its "
        "owner, FLATTR_USERNAME, too)"
    )
    audit.problem(
        "manifest-field",
        manifest,
        f"names no site_payment_link, though {feeds} feed"
        f"{' carries' if feeds == 1 else 's carry'} the site's own payment link "
        f"(to {audit.report.siteurl}/): a manifest written by an earlier "
        "pelican-flattr, which did not record it (or the field was removed). "
        + checked,
        "site_payment_link, which a build with this version writes: build the "
        "site again, and deploy it with its manifest",
    )


def _check_feed_own_links(
    audit: Audit, relative: str, own: list[str], site_link: str | None, carried: int
) -> None:
    """Say, in one problem, what is wrong with the payment links ``own``
    of the feed ``relative`` itself, which must be ``site_link`` alone
    (none when it is None; where the manifest records none, the link
    ``carried`` other feeds carry): a link among them that the manifest
    doesn't know named, as ``_check_entry_link`` does for an entry's."""
    recorded = site_link == audit.manifest.site_payment_link
    unknown = [
        href
        for href in own
        if href != site_link and href not in audit.manifest.by_auto_submit_url
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
            otherwise = sent_otherwise(own[0], site_link)
            if otherwise:
                whose = "the manifest's" if recorded else "the other feeds'"
                said += f": it sends another {otherwise} than {whose}"
        said += without_scheme(own[0])
    elif unknown:
        named = ", ".join(map(repr, dict.fromkeys(unknown)))
        said += f", {len(unknown)} of them unknown to the manifest: {named}"
    if site_link is None:
        expected = _no_site_link(audit)
    elif recorded:
        expected = f"exactly one, to {site_link}"
    else:
        expected = (
            f"exactly one, to {site_link}: the site's own payment link, which "
            f"{carried} other feed{' carries' if carried == 1 else 's carry'} "
            "(the manifest, written by an earlier pelican-flattr, records none)"
        )
    audit.problem(kind, relative, said, expected)


def _no_site_link(audit: Audit) -> str:
    """What a feed's own payment links should be where the manifest names
    no site payment link, and no feed's was taken for it: none, unless
    the settings give the site's thing an owner (FLATTR_USERNAME) though
    the manifest says the build put payment links in feeds."""
    owners = audit.site_owners
    if not owners or not audit.manifest.feed_payment_links:
        return (
            "none: the manifest names no site payment link (FLATTR_USERNAME "
            "unset, or FLATTR_FEEDS off)"
        )
    # Owners as auto-submit URLs send them: a hash, never an address.
    named = " or ".join(f"{key}={value}" for key, value in sorted(owners))
    return (
        "exactly one, to the site's own payment link: the auto-submit URL of "
        f"{audit.report.siteurl}/ with {named} (FLATTR_USERNAME), which the "
        "manifest does not record: one written by an earlier pelican-flattr, or "
        "by a build with other settings? build the site again"
    )


def _check_entry_link(
    audit: Audit,
    relative: str,
    link: str,
    payments: list[str],
    thing: Thing,
) -> None:
    """Say, in one problem, what is wrong with the payment links
    ``payments`` of the entry ``link`` of ``thing`` in the feed
    ``relative``: an unknown link said apart from a wrong count read as
    a contradiction ("has 1 payment links", expected "exactly one")."""
    auto = thing["auto_submit_url"]
    unknown = [
        href for href in payments if href not in audit.manifest.by_auto_submit_url
    ]
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
        otherwise = sent_otherwise(href, auto)
        if otherwise:
            said += f": it sends another {otherwise} than the manifest's"
        said += without_scheme(href)
    else:
        said = (
            "has a payment link to the thing of "
            f"{audit.manifest.by_auto_submit_url[payments[0]]['url']}, not its own"
        )
    # The manifest names each feed the build wrote the thing's entry
    # into: an entry in another is one the build did not write. Pelican
    # leaves a feed it no longer writes (an author's, once their last
    # article has another author) unless it empties the output.
    if relative in thing["feeds"]:
        leftover = ""
    elif relative in audit.manifest.feed_files:
        leftover = (
            " (the manifest lists no entry of it in this feed: one an earlier "
            f"build left? delete it, {STALE_FIX})"
        )
    else:
        # A feed the manifest lists for no thing, the build wrote no link
        # into: one it left, or a template's (TEMPLATE_PAGES: a podcast),
        # which no build adds links to. Both look alike; advice to build
        # with the plugin's feeds cannot help the second.
        leftover = (
            " (the build wrote payment links into no entry of this feed, and "
            "adds them only to the feeds Pelican writes. One an earlier build "
            f"left? delete it, {STALE_FIX}. A "
            "template's (TEMPLATE_PAGES)? give each entry its link there, "
            "inside {% if article.flattr %}: in an Atom feed "
            '<link rel="payment" type="text/html" '
            'href="{{ article.flattr.auto_submit_url|e }}"/>, in RSS the same '
            "as <atom:link>, with xmlns:atom declared on <rss>; docs/feeds.md "
            "shows it)"
        )
    audit.problem(
        kind,
        relative,
        f"the entry {link} {said}",
        f"exactly one, to {auto}{leftover}",
    )
    # Said: not again as a feed that "does not carry" its link.
    audit.feeds_seen.add((thing["url"], relative))


def _entry_thing(audit: Audit, link: str) -> Thing | None:
    """The thing whose feed entry links to ``link`` (as feeds write it),
    or None."""
    thing = audit.manifest.by_page_link.get(link)
    if thing is not None:
        return thing
    # Its thing URL: the page's own with pretty URLs ("first/"), or one
    # pinned with Flattr_url, which may be the page of an article with
    # no thing (Flattr: no), whose entry needs no payment link.
    thing = audit.manifest.by_url_link.get(link)
    if thing is not None and _page_at(audit, link) not in (None, thing["page"]):
        return None
    return thing


def _page_at(audit: Audit, link: str) -> str | None:
    """The file of the site that ``link`` serves (a folder's index.html
    for a link to the folder), or None."""
    if not link.startswith(f"{audit.manifest.siteurl}/"):
        return None
    path = unquote(link[len(audit.manifest.siteurl) + 1 :])
    for name in (path, posixpath.join(path, "index.html")):
        if name in audit.files:
            return name
    return None


def _entry_page(audit: Audit, link: str) -> str | None:
    """The file of the site a feed entry's ``link`` serves, or None: as
    ``_page_at``, and for a link from another base (``SITEURL``, when
    things are under ``FLATTR_SITEURL``; a relative one), the longest
    ending of its path that names a file of the site."""
    page = _page_at(audit, link)
    if page is not None or link.startswith(f"{audit.manifest.siteurl}/"):
        return page
    parts = unquote(urlsplit(link).path).strip("/").split("/")
    for start in range(len(parts)):
        path = "/".join(parts[start:])
        for name in (path, posixpath.join(path, "index.html")):
            if name in audit.files:
                return name
    return None
