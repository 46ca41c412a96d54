"""The checks of a built page against the manifest: its buttons (which
pay whom, and whether load.js shows an embedded one), its payment links,
and its Open Graph tags.

``check_page`` is given the page's tags as ``audit_tags.scan_page`` read
them; a page no thing of the manifest has (a listing) is checked for links
to things the manifest doesn't know, and for a payment link in its head to
a thing's. What all the pages show together (``PagesSeen``) tells a
manifest older than the pages, or another site's.
"""

from __future__ import annotations

import functools
import ipaddress
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from .audit_report import STALE_FIX, Audit
from .audit_tags import (
    FORM,
    UNREAD,
    PageTags,
    sent_otherwise,
    url_parameters,
    without_scheme,
)
from .html_reader import SPACE
from .markup import (
    BUTTON_CLASS,
    LOADER_URL,
    MULTIPLE_PROPERTIES,
    is_auto_submit_url,
    is_held_back,
    loader_fault,
    loader_options,
    loader_source,
    runs_as_page_loads,
    who_asks_for_loader,
    without_dot_segments,
)
from .thing import AUTO_SUBMIT_BASE

# Those a thing's page must hold exactly once, when the manifest says Open
# Graph was on: a second one is one problem, not two.
_CHECKED_ONCE = ("og:url", "og:title", "og:type")


# How far apart a page of the build that wrote the manifest's pages may be
# written from them: the time that build took, and at least 2 seconds, the
# mtimes a zip file (a CI artifact) keeps and FAT holds. Pelican writes the
# newest article first, before the pages of the things the manifest knows.
_LEAST_SLACK_NS = 2 * 10**9

# What the mtimes tell of a file with a link to a thing of the manifest's
# site that it does not know (``PagesSeen.age``): "unfinished", newer than
# a manifest some of whose pages a later build wrote, and not all.
_OLDER, _NEWER, _EITHER = "older", "newer", "either"
_UNFINISHED = "unfinished"
_OLDER_THAN_ALL = "it is older than the manifest and every page it lists"
_CANNOT_TELL = "its mtime and the manifest's do not tell which is older"


@dataclass
class PagesSeen:
    """What the pages of one audit show together, which no one page tells
    (``audit`` notes it): a manifest older than the pages (new articles
    deployed with the last build's manifest), or another site's (no page
    shows its things).

    Pelican writes every page at each build, and the plugin the manifest
    after them: a page or feed older than the manifest and every page it
    lists is one an earlier build left. The mtimes say the manifest is
    older than the pages only where they look kept (``_kept``): a copy
    that keeps none (rsync without -t, scp, a CI artifact) writes each
    file when it copies it, in the order of their names."""

    # The output folder, where the manifest's pages are, and the audited
    # manifest's mtime. Set before any page is checked, with the mtime of
    # the newest compressed copy of the manifest that differs from it (a
    # later build's, beside an earlier manifest copied back with a new
    # mtime, as cp copies).
    output: Path
    manifest_mtime_ns: int | None = None
    manifest_copy_mtime_ns: int | None = None
    # The files (pages, feeds) whose links name things of the manifest's
    # site that it does not know, newer than the manifest.
    newer_files: set[str] = field(default_factory=set)
    # Whether any page shows a button, payment link or og:url of a thing
    # of the manifest.
    names_a_thing: bool = False
    # The pages that show buttons of things of other sites than the
    # manifest's, and those sites (scheme and host) -> how many show theirs.
    other_site_pages: int = 0
    other_sites: dict[str, int] = field(default_factory=dict)
    # What the mtimes of the manifest's pages tell, read at the first file
    # that asks (a stat of each, only for an output with such a link): why
    # the manifest is older than they are (None: nothing says so), the
    # earliest of them and the manifest's, and how far apart a build may
    # write them.
    manifest_older: str | None = None
    # How many of the pages the manifest lists (of ``pages_listed``) a
    # later build wrote, when it wrote some and not all: a build that did
    # not finish (stopped, or ended by an error) before its manifest.
    pages_after: int = 0
    pages_listed: int = 0
    _earliest_ns: int | None = None
    _slack_ns: int = _LEAST_SLACK_NS
    _read: bool = False
    # The last file asked of, and its answer: a page asks once a link.
    _last: tuple[Path, tuple[str, str]] | None = None
    # Whether each file asked of by ``later_than_manifest`` is newer.
    _later: dict[str, bool] = field(default_factory=dict)

    def age(self, audit: Audit, path: Path) -> tuple[str, str]:
        """What the mtimes tell of the file at ``path`` (a page or feed
        that links a thing of the manifest's site that it does not know):
        ``_OLDER`` (an earlier build left it), ``_NEWER`` (the manifest is
        an earlier build's), ``_UNFINISHED`` (newer than the manifest, as
        some of its pages are: a later build did not finish) or
        ``_EITHER``, and why, in words."""
        if self._last is not None and self._last[0] == path:
            return self._last[1]
        if not self._read:
            self._read_mtimes(audit)
        written = mtime_ns(path)
        if (
            written is not None
            and self._earliest_ns is not None
            and written < self._earliest_ns - self._slack_ns
        ):
            answer = (_OLDER, _OLDER_THAN_ALL)
        elif self.manifest_older:
            answer = (_NEWER, self.manifest_older)
        elif self._after_manifest(written):
            answer = (_UNFINISHED, f"it and {self._pages_after_said()}")
        else:
            answer = (_EITHER, _CANNOT_TELL)
        self._last = (path, answer)
        return answer

    def _read_mtimes(self, audit: Audit) -> None:
        """Read the mtimes of the pages the manifest lists, once, and what
        they tell (see ``age``)."""
        self._read = True
        times = {
            page: mtime
            for page in audit.manifest.by_page
            if page in audit.files
            and (mtime := mtime_ns(self.output / page)) is not None
        }
        manifest = self.manifest_mtime_ns
        if not times:
            self._earliest_ns = manifest
            return
        listed = list(times.values())
        earliest, latest = min(listed), max(listed)
        self._slack_ns = max(latest - earliest, _LEAST_SLACK_NS)
        self._earliest_ns = earliest if manifest is None else min(manifest, earliest)
        if manifest is not None and audit.manifest_in_output is not None:
            times[audit.manifest_in_output] = manifest
        # A copy that kept no mtimes tells nothing of which build wrote what.
        if not _kept(times):
            return
        if manifest is not None and manifest < earliest:
            # A build writes the manifest after its pages: a later one
            # wrote them.
            self.manifest_older = "every page the manifest lists is newer than it"
        elif (self.manifest_copy_mtime_ns or 0) > latest:
            self.manifest_older = (
                "the manifest's compressed copy differs from it and is newer "
                "than every page it lists"
            )
        elif manifest is not None:
            self._count_pages_after(listed, manifest)

    def _count_pages_after(self, listed: list[int], manifest: int) -> None:
        """Set ``pages_after`` when a later build wrote some of the pages
        whose mtimes are ``listed``, and not all, after the manifest's
        (``manifest``): two or more (one may be a page edited by hand),
        the first of them more than ``_LEAST_SLACK_NS`` after it. A build
        begun after the manifest reads its content before it writes a
        page, while a copy that kept no mtimes (cp -r) writes a page right
        after the manifest."""
        after = [mtime for mtime in listed if mtime > manifest]
        if len(after) >= 2 and min(after) - manifest > _LEAST_SLACK_NS:
            self.pages_after, self.pages_listed = len(after), len(listed)

    def _after_manifest(self, written: int | None) -> bool:
        """Whether a file written at ``written`` is newer than the manifest
        where a later build wrote some of its pages (``pages_after``)."""
        return bool(
            self.pages_after
            and written is not None
            and self.manifest_mtime_ns is not None
            and written > self.manifest_mtime_ns
        )

    def _pages_after_said(self) -> str:
        return (
            f"{self.pages_after} of the {self.pages_listed} pages the manifest "
            "lists are newer than it"
        )

    def later_than_manifest(self, relative: str) -> str:
        """What to add to a problem of the file ``relative`` (a feed that
        lacks an entry) when a build that did not finish wrote it after
        the manifest (see ``pages_after``), or "": the entry may be one
        that build's content no longer has, or put out of the feed."""
        if not self.pages_after:
            return ""
        if relative not in self._later:
            self._later[relative] = self._after_manifest(
                mtime_ns(self.output / relative)
            )
        if not self._later[relative]:
            return ""
        return (
            f" (it and {self._pages_after_said()}: a build that did not finish "
            "wrote it after the manifest?)"
        )


def _kept(times: Mapping[str, int]) -> bool:
    """Whether the mtimes ``times`` (of files, by their names relative to
    the output) are no copy's that wrote each folder's files in the order
    of their names, as rsync without -t does: two files of a folder, the
    one whose name sorts first written later. Pelican writes the newest
    article first, whatever its name."""
    last: dict[str, int] = {}
    for name in sorted(times):
        folder = posixpath.dirname(name)
        if times[name] < last.get(folder, times[name]):
            return True
        last[folder] = times[name]
    return False


def mtime_ns(path: Path) -> int | None:
    """When ``path`` was last written, or None when it cannot be told."""
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def check_page(
    audit: Audit, relative: str, tags: PageTags, path: Path, seen: PagesSeen
) -> None:
    """Check the page ``relative`` (to the output, at ``path``), whose
    Flattr tags are ``tags``: a thing's page for its one button, payment
    link and Open Graph tags; any page for links the manifest doesn't
    know, and one that is no thing's for a payment link in its head to a
    thing's. What all pages show together goes to ``seen``.

    One helper for each job, called in the order their problems are
    said: the buttons (``_check_buttons``), those in ``<noscript>``, a
    load.js no embedded button needs, the payment links; then a listing's
    head and body, or a thing's page's own button, payment link and Open
    Graph tags."""
    thing = audit.manifest.by_page.get(relative)
    site_link = audit.manifest.site_payment_link
    buttons = _things_buttons(tags, site_link)
    # A thing's page whose one button, or one payment link in its head,
    # links what the manifest doesn't know: one problem says it, and
    # what the link sends otherwise, not a second the page's count of
    # its own ("has 1 payment links", expected one: a contradiction).
    lone_button = (
        thing is not None and len(buttons) == 1 and _unknown(audit, _url(buttons[0]))
    )
    links = [link.get("href", "") for link in tags.payment_links]
    # The site's own thing's payment link, a theme's "Flattr this site",
    # is known as its button is: on a thing's page it is not the page's
    # own, and said so by the page's count.
    lone_link = (
        thing is not None
        and len(links) == 1
        and tags.payment_links_in_head == 1
        and links[0] not in audit.manifest.by_auto_submit_url
        and links[0] != site_link
    )
    own_hrefs, other_sites = _check_buttons(
        audit, relative, path, seen, tags, thing, buttons, lone_button
    )
    _check_noscript_buttons(audit, relative, tags)
    _check_unneeded_loader(audit, relative, path, seen, tags, thing)
    _check_flattr_requests(audit, relative, tags, thing)
    other_sites.update(
        _check_payment_links(audit, relative, path, seen, thing, links, lone_link)
    )
    _note_whose_things(audit, seen, thing, tags, own_hrefs, links, other_sites)
    if thing is None:
        # scan_page counts a page's payment links in document order, and
        # the head ends once: those in <head> are the first it counts.
        _check_listing_head(audit, relative, links[: tags.payment_links_in_head])
        _check_site_link_in_body(audit, relative, tags, links)
        return
    # Its one button or payment link that the manifest doesn't know is
    # said above, and once.
    if not lone_button:
        _check_own_button(audit, relative, tags, thing, buttons, own_hrefs)
    if not lone_link:
        _check_own_payment_link(audit, relative, tags, thing, links)
    if audit.manifest.open_graph:
        _check_open_graph(audit, relative, tags, thing["url"])
    _check_open_graph_repeats(audit, relative, tags)


def _things_buttons(tags: PageTags, site_link: str | None) -> list[Mapping[str, str]]:
    """The buttons of the page whose tags are ``tags`` that may be a
    thing's: a link written by hand to the site's own thing
    (``site_link``, FLATTR_USERNAME's, which the feeds carry) is a theme's
    "Flattr this site": known, and no thing's button. The plugin writes
    none."""
    return [
        button
        for button in tags.buttons
        if button.get("href") != site_link
        or _is_embedded(button)
        or BUTTON_CLASS in button.get("class", "").split()
    ]


def _check_buttons(
    audit: Audit,
    relative: str,
    path: Path,
    seen: PagesSeen,
    tags: PageTags,
    thing: Mapping[str, Any] | None,
    buttons: list[Mapping[str, str]],
    lone_button: bool,
) -> tuple[list[str], set[str | None]]:
    """Check each of ``buttons`` of the page ``relative`` (at ``path``) of
    ``thing`` (None: a listing), whose tags are ``tags``: it links what
    the manifest knows, by the URL its kind needs, and an embedded one
    shows, for its owner. ``lone_button``: the thing's page's one button,
    unknown. Return the hrefs of those that link what their kind needs,
    and the sites whose things the unknown ones name (None: the
    manifest's)."""
    own_hrefs = []  # of the buttons that link what their kind needs
    other_sites = set()  # whose things the unknown links name
    for button in buttons:
        href = _url(button)
        embedded = _is_embedded(button)
        if FORM in button and (UNREAD in button or _unknown(audit, href)):
            # A form written by hand: the plugin writes none.
            if UNREAD not in button:
                other_sites.add(_other_site(audit, href))
            _report_unknown_form(audit, relative, button, thing, lone_button)
        elif _rewritten_href(audit, relative, button, href):
            # Said: its thing is the manifest's, but Flattr gets another.
            own_hrefs.append(button["href"])
            _check_embedded_button(audit, relative, button, tags, button["href"])
        elif _unknown(audit, href):
            # The plugin's, or a link written by hand (a theme's, an
            # article's), which no earlier build left. Flattr's own
            # FlattrButton class alone is a hand-written one, as the build
            # reads it (``markup.shows_other_button``): an old theme's,
            # whose advice to delete the page an earlier build left was
            # advice to delete a live article.
            ours = BUTTON_CLASS in button.get("class", "").split()
            other_sites.add(_other_site(audit, href))
            _report_unknown_button(
                audit, relative, path, seen, href, thing, lone_button, ours, embedded
            )
        elif embedded and href not in audit.manifest.by_url:
            audit.problem(
                "button-wrong-href",
                relative,
                f"an embedded Flattr button (class FlattrButton) points at "
                f"the auto-submit URL {href!r}",
                "its thing URL, which load.js reads",
            )
        elif not embedded and href not in audit.manifest.by_auto_submit_url:
            # A link to the article itself, or an embedded button that
            # lost its class, which load.js then leaves hidden.
            audit.problem(
                "button-wrong-href",
                relative,
                f"a plain Flattr button (no class FlattrButton) points at "
                f"the thing URL {href!r}: it leads to the article, not Flattr",
                "the thing's auto-submit URL",
            )
        else:
            own_hrefs.append(href)
            if embedded:
                _check_embedded_button(audit, relative, button, tags, href)
    return own_hrefs, other_sites


def _report_unknown_button(
    audit: Audit,
    relative: str,
    path: Path,
    seen: PagesSeen,
    href: str,
    thing: Mapping[str, Any] | None,
    lone_button: bool,
    ours: bool,
    embedded: bool,
) -> None:
    """Report the button to ``href`` of the page ``relative`` (at
    ``path``) of ``thing`` (None: a listing), which the manifest doesn't
    know: ``ours``, one of the plugin's class (else a link written by
    hand: ``embedded``, of load.js's class); ``lone_button``, the page's
    one button."""
    age = (
        unknown_link_age(audit, href, path, seen)
        if (ours or embedded) and not lone_button
        else None
    )
    if embedded and not ours and age and age[0] != _OLDER:
        # Written by hand on a page this build wrote: its theme's or its
        # text's, not an earlier build's leftover.
        age = None
    if lone_button:
        expected = _own_button(thing)
    elif age:
        # A page of a later build than the manifest is its new
        # article, not one to delete.
        expected = "the auto-submit URL or thing URL of a manifest thing"
        expected += age_advice(age, relative, seen)
    elif ours:
        expected = (
            "the auto-submit URL or thing URL of a manifest thing (a "
            "page an earlier build left, after a slug changed? delete "
            f"it, {STALE_FIX})"
        )
    elif embedded:
        # A snippet from before the plugin, in the theme or an article's
        # text (where the build names the file).
        expected = (
            "no button written by hand: take the old snippet out of the theme "
            "(or of the article that holds it), and print the plugin's with "
            "flattr_button()"
        )
    else:
        expected = (
            "the auto-submit URL of a manifest thing, as "
            "flattr_button() writes it, or no link to it"
        )
    written = _HAND_WRITTEN_EMBEDDED if embedded else _HAND_WRITTEN
    audit.problem(
        "button-unknown",
        relative,
        ("a Flattr button" if ours else written)
        + f" points at {href!r}, which the manifest doesn't know"
        + _sent_instead(href, _compared_thing(audit, href, thing))
        + without_scheme(href),
        expected,
    )


def _report_unknown_form(
    audit: Audit,
    relative: str,
    button: Mapping[str, str],
    thing: Mapping[str, Any] | None,
    lone_button: bool,
) -> None:
    """Report the form that submits to Flattr's auto-submit URL,
    ``button``, of the page ``relative`` of ``thing`` (None: a listing),
    whose request the manifest doesn't know, or the audit cannot read
    (``UNREAD``); ``lone_button``, the page's one button."""
    written = f"a form that submits to Flattr's auto-submit URL ({button[FORM]})"
    href = button["href"]
    if UNREAD in button:
        said = f"{written} sends what the audit cannot read: {button[UNREAD]}"
    else:
        said = (
            f"{written} sends {href!r}, which the manifest doesn't know"
            + _sent_instead(href, _compared_thing(audit, href, thing))
            + without_scheme(href)
        )
    audit.problem(
        "button-unknown",
        relative,
        said,
        _own_button(thing)
        if lone_button
        else (
            "a link to the auto-submit URL of a manifest thing, as "
            "flattr_button() writes it, in place of the form, or no form to it"
        ),
    )


def _check_noscript_buttons(audit: Audit, relative: str, tags: PageTags) -> None:
    """Report each embedded button of the page ``relative`` (whose tags
    are ``tags``) inside ``<noscript>``, which no reader sees."""
    for button in tags.noscript_buttons:
        audit.problem(
            "button-hidden",
            relative,
            "an embedded Flattr button (class FlattrButton) to "
            f"{button.get('href', '')!r} is inside <noscript>, where no reader "
            "sees it: where scripts run, load.js cannot find it there; where "
            "they do not, it stays hidden",
            "the button outside <noscript> (a plain one, which needs no "
            "script, may stand in it)",
        )


def _check_unneeded_loader(
    audit: Audit,
    relative: str,
    path: Path,
    seen: PagesSeen,
    tags: PageTags,
    thing: Mapping[str, Any] | None,
) -> None:
    """Report the page ``relative`` (whose tags are ``tags``) of ``thing``,
    whose button is plain, or a listing (None) of a site whose things' are
    all plain (``ManifestIndex.plain_only``), that loads Flattr's load.js
    though it shows no embedded button (a theme's from before the plugin,
    kept in base.html): each reader's browser asks Flattr for it before
    any click. The plugin adds load.js only where an embedded button
    needs it.

    A load.js held back for consent is none (docs/privacy.md allows it on
    every page), nor one no browser runs; one in a comment, a
    ``<template>`` or a ``<noscript>`` is not in ``tags.loaders``. An
    embedded button in a ``<noscript>`` is one too: ``button-hidden``
    says to move it out, where it needs load.js. A site with embedded
    buttons may load load.js on its listings itself (docs/settings.md,
    FLATTR_INJECT): only a plain site's are checked."""
    if not tags.loaders:  # the usual page: nothing more to look at
        return
    if not _promises_no_request(audit, tags, thing):
        return
    running = [script for script in tags.loaders if runs_as_page_loads(script)]
    if not running:
        return
    src = running[0].get("src", "")
    which = (
        f"Flattr's load.js ({src!r})"
        if len(running) == 1
        else f"Flattr's load.js {len(running)} times (the first {src!r})"
    )
    asks = who_asks_for_loader(src, audit.manifest.siteurl)
    expected = (
        "no load.js <script> that runs: take it out of the theme (or the content "
        "that holds it), as the plugin adds load.js where an embedded button "
        "needs it; where one must stay, hold it back for consent "
        '(type="text/plain"), as docs/privacy.md writes it'
    )
    if thing is None:
        # A listing no build writes now (a category renamed): the theme may
        # hold no load.js any more, and the page is what to delete.
        verdict, why = seen.age(audit, path)
        if verdict == _OLDER:
            expected = (
                f"no page here ({why}: a page an earlier build left? delete it, "
                f"{STALE_FIX})"
            )
    audit.problem(
        "loader-unneeded",
        relative,
        f"loads {which} though no embedded button on it needs it: {asks}, which "
        "the plain button exists to avoid",
        expected,
    )


def _promises_no_request(
    audit: Audit, tags: PageTags, thing: Mapping[str, Any] | None
) -> bool:
    """Whether the page of ``thing`` (whose tags are ``tags``), or a
    listing (None), makes the plain button's promise: no request to
    Flattr before a click. A thing's page whose button is plain, or a
    listing of a site whose things' are all plain
    (``ManifestIndex.plain_only``), that shows no embedded button (in a
    ``<noscript>`` too: ``button-hidden`` says to move it out, where it
    needs load.js). A site with embedded buttons may load load.js on its
    listings itself (docs/settings.md, FLATTR_INJECT)."""
    plain = (
        thing["button"] == "plain" if thing is not None else audit.manifest.plain_only
    )
    return (
        plain
        and not tags.noscript_buttons
        and not any(_is_embedded(button) for button in tags.buttons)
    )


def _check_flattr_requests(
    audit: Audit, relative: str, tags: PageTags, thing: Mapping[str, Any] | None
) -> None:
    """Report what on the page ``relative`` (whose tags are ``tags``) of
    ``thing`` (None: a listing) makes a browser ask a flattr.com host for
    something as the page opens, where the plain button promises no
    request to Flattr before a click (``_promises_no_request``): Flattr's
    badge image or an iframe of Flattr's, a <link> that preconnects to or
    preloads from it, Flattr's async loader snippet. A theme's, kept from
    before the plugin. A load.js <script> is ``loader-unneeded``'s; a link
    (<a href>) asks nothing before a click."""
    if not tags.flattr_requests or not _promises_no_request(audit, tags, thing):
        return
    first = tags.flattr_requests[0]
    which = (
        first
        if len(tags.flattr_requests) == 1
        else f"{len(tags.flattr_requests)} things (the first: {first})"
    )
    audit.problem(
        "flattr-request",
        relative,
        f"makes each reader's browser ask Flattr for something as the page opens, "
        f"before any click, which the plain button exists to avoid: {which}",
        "nothing from a flattr.com host that a browser fetches as the page opens: "
        "take it out of the theme (or the content that holds it): the plain "
        "button's badge is inline, and needs no image, connection or script of "
        "Flattr's",
    )


def _check_payment_links(
    audit: Audit,
    relative: str,
    path: Path,
    seen: PagesSeen,
    thing: Mapping[str, Any] | None,
    links: list[str],
    lone_link: bool,
) -> set[str | None]:
    """Report each of ``links`` (the hrefs of the payment links of the
    page ``relative``, at ``path``, of ``thing``, None for a listing) that
    the manifest doesn't know; ``lone_link``: the page's one, in its head.
    Return the sites whose things they name (None: the manifest's)."""
    site_link = audit.manifest.site_payment_link
    other_sites = set()
    for href in links:
        if href not in audit.manifest.by_auto_submit_url and href != site_link:
            other_sites.add(_other_site(audit, href))
            if thing is None and is_unrecorded_site_link(audit, href):
                # A listing's "Flattr this site" beside a manifest that
                # records no site link: known if the feeds carry it, as
                # they tell once all are read (see audit_feeds).
                report = functools.partial(
                    _report_unknown_payment_link, audit, relative, path, seen, href
                )
                audit.listings_awaiting_site_link.append((href, report))
                continue
            _report_unknown_payment_link(
                audit, relative, path, seen, href, thing, lone_link
            )
    return other_sites


def _report_unknown_payment_link(
    audit: Audit,
    relative: str,
    path: Path,
    seen: PagesSeen,
    href: str,
    thing: Mapping[str, Any] | None = None,
    lone_link: bool = False,
) -> None:
    """Report the payment link to ``href`` of the page ``relative`` (at
    ``path``) of ``thing`` (None: a listing), which the manifest doesn't
    know; ``lone_link``: the page's one payment link, in its head."""
    if lone_link:
        expected = _own_payment_link(thing)
    else:
        # As the page's button says: the two go with one page.
        age = unknown_link_age(audit, href, path, seen)
        expected = "the auto-submit URL of a manifest thing"
        expected += age_advice(age, relative, seen) if age else ""
    audit.problem(
        "payment-link-unknown",
        relative,
        f"a payment link points at {href!r}, which the manifest doesn't know"
        + _sent_instead(href, _compared_thing(audit, href, thing))
        + without_scheme(href),
        expected,
    )


def _note_whose_things(
    audit: Audit,
    seen: PagesSeen,
    thing: Mapping[str, Any] | None,
    tags: PageTags,
    own_hrefs: list[str],
    links: list[str],
    other_sites: set[str | None],
) -> None:
    """Note in ``seen`` whether the page (of ``thing``, None for a
    listing) shows a thing of the manifest (a button among ``own_hrefs``,
    a payment link among ``links``, its og:url), and the ``other_sites``
    whose things its unknown links name (None: the manifest's own)."""
    # Once one page names a thing, the manifest is this site's: no more
    # look per page.
    if not seen.names_a_thing:
        seen.names_a_thing = bool(
            own_hrefs
            or any(link in audit.manifest.by_auto_submit_url for link in links)
            or (thing is not None and thing["url"] in tags.open_graph.get("og:url", ()))
        )
    other_sites.discard(None)
    if other_sites:
        seen.other_site_pages += 1
        for site in other_sites:
            seen.other_sites[site] = seen.other_sites.get(site, 0) + 1


def _check_own_button(
    audit: Audit,
    relative: str,
    tags: PageTags,
    thing: Mapping[str, Any],
    buttons: list[Mapping[str, str]],
    own_hrefs: list[str],
) -> None:
    """Report a page of ``thing`` (``relative``, whose tags are ``tags``)
    whose ``buttons`` do not hold exactly one of its own (the hrefs of
    those that link what their kind needs are ``own_hrefs``)."""
    auto, url = thing["auto_submit_url"], thing["url"]
    # A template may render another style than FLATTR_BUTTON
    # (flattr_button(article, style="compact")): either href is its own,
    # on the kind of button that works with it.
    own = own_hrefs.count(auto) + own_hrefs.count(url)
    # Its button moved into a <noscript> is said above, and once.
    in_noscript = any(b.get("href") == url for b in tags.noscript_buttons)
    if own != 1 and not (own == 0 and in_noscript):
        audit.problem(
            "button-missing" if own == 0 else "button-extra",
            relative,
            f"has {own} Flattr buttons for its thing ({len(buttons)} in all)",
            _own_button(thing),
        )


def _check_own_payment_link(
    audit: Audit,
    relative: str,
    tags: PageTags,
    thing: Mapping[str, Any],
    links: list[str],
) -> None:
    """Report a page of ``thing`` (``relative``, whose tags are ``tags``)
    whose payment links (their hrefs ``links``) are not its own one, in
    its head."""
    if links == [thing["auto_submit_url"]] and tags.payment_links_in_head == 1:
        return
    if not tags.payment_links_in_head:
        kind = "payment-link-missing"  # none, or only in the body
    elif len(links) > 1:
        kind = "payment-link-extra"
    else:  # one, in <head>, to a thing the manifest knows
        kind = "payment-link-wrong-thing"
    audit.problem(
        kind,
        relative,
        f"has {len(links)} payment links ({tags.payment_links_in_head} in <head>)",
        _own_payment_link(thing),
    )


def _check_open_graph_repeats(audit: Audit, relative: str, tags: PageTags) -> None:
    """Report each Open Graph property the thing's page ``relative``
    (whose tags are ``tags``) holds more than once, but those that may
    repeat and those ``_check_open_graph`` checks."""
    for prop, values in sorted(tags.open_graph.items()):
        if audit.manifest.open_graph and prop in _CHECKED_ONCE:
            continue  # _check_open_graph() has said it
        if len(values) > 1 and prop not in MULTIPLE_PROPERTIES:
            audit.problem(
                "open-graph",
                relative,
                f"has {len(values)} {prop} tags (two sets of Open Graph tags?)",
                f"at most one {prop}",
            )


def _named_url(href: str) -> str:
    """The thing URL a button's or payment link's ``href`` names: an
    auto-submit URL's url parameter; any other (an embedded button's
    thing URL) itself."""
    if not is_auto_submit_url(href):
        return href
    return url_parameters(href).get("url", [""])[0]


def _other_site(audit: Audit, href: str) -> str | None:
    """The site (scheme and host) of the thing an unknown button's or
    payment link's ``href`` names, when it is not the manifest's site; else
    None (and for a URL with no host, which names no site)."""
    url = _named_url(href)
    siteurl = audit.report.siteurl
    if url == siteurl or url.startswith(siteurl + "/"):
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def unknown_link_age(
    audit: Audit, href: str, path: Path, seen: PagesSeen
) -> tuple[str, str] | None:
    """What the mtimes tell of the page or feed at ``path``, whose link
    ``href`` (a plugin's button, a payment link) the manifest does not
    know, when the thing it names is of the manifest's site (a new
    article's, not a stranger's): see ``PagesSeen.age``. Else None."""
    url = _named_url(href)
    if not url.startswith(audit.report.siteurl + "/") or url in audit.manifest.by_url:
        return None
    return seen.age(audit, path)


def is_unrecorded_site_link(audit: Audit, href: str) -> bool:
    """Whether ``href`` may be the site's own payment link where the
    manifest records none though the build put payment links in feeds (a
    manifest of a pelican-flattr before site_payment_link): the
    auto-submit URL, as the build writes it, of the site's thing URL (the
    manifest's siteurl and "/"), for one owner, FLATTR_USERNAME's where
    --settings gives it."""
    manifest = audit.manifest
    if manifest.site_payment_link or not manifest.feed_payment_links:
        return False
    if not href.startswith(f"{AUTO_SUBMIT_BASE}?"):
        return False
    sent = url_parameters(href)
    owners = {
        (key, value) for key in ("user_id", "owner") for value in sent.get(key, ())
    }
    return (
        sent.get("url") == [f"{audit.report.siteurl}/"]
        and len(owners) == 1
        and (audit.site_owners is None or owners <= audit.site_owners)
    )


def age_advice(
    age: tuple[str, str], relative: str, seen: PagesSeen, feed: bool = False
) -> str:
    """What to add, in parentheses, to what a link of the page (or
    ``feed``) ``relative`` should be, by its ``age`` (``PagesSeen.age``):
    delete the file an earlier build left, or deploy the manifest of the
    build that wrote it; both, and that the mtimes do not tell, when they
    do not. A file newer than the manifest goes to ``seen``, for its
    note."""
    verdict, why = age
    kind = "feed" if feed else "page"
    stale = (
        f"a {kind} an earlier build left{'' if feed else ', after a slug changed'}? "
        f"delete it, {STALE_FIX}"
    )
    later = (
        f"the manifest of an earlier build, deployed with this {kind}? deploy the "
        "manifest of the build that wrote it, then audit again; or a build that "
        "stopped after its pages, before its manifest? build the site again, to "
        "its end"
    )
    if verdict == _OLDER:
        return f" ({why}: {stale})"
    if verdict == _UNFINISHED:
        seen.newer_files.add(relative)
        return (
            f" ({why}: a build that did not finish (stopped, or ended by an "
            f"error) wrote this {kind} after the manifest? build the site again, "
            "to its end, then audit again)"
        )
    if verdict == _NEWER:
        seen.newer_files.add(relative)
        return f" ({why}: {later})"
    return f" ({why}: {stale}; or {later})"


def _check_listing_head(audit: Audit, relative: str, head_links: list[str]) -> None:
    """A page that is no thing's (a listing, as a theme that calls
    ``flattr_head()`` in its loop fills it): a payment link in its head
    says whose the page is, to Flattr and to readers, so one to a thing's
    is wrong; the site's own (a theme's "Flattr this site") may stand
    there. One in the body says nothing of the page, and is left as
    buttons are there."""
    site_link = audit.manifest.site_payment_link
    if site_link and head_links.count(site_link) > 1:
        # flattr_site_head() printed twice (which the build reports): one
        # link says whose the site is, a second says nothing more.
        audit.problem(
            "payment-link-extra",
            relative,
            f"has the site's own payment link {head_links.count(site_link)} times "
            "in <head>",
            "it once: print flattr_site_head() once on a page",
        )
    things = [href for href in head_links if href in audit.manifest.by_auto_submit_url]
    if not things:
        return  # none, or the site's own, or unknown ones: said above
    first = things[0]
    audit.problem(
        "payment-link-wrong-thing",
        relative,
        f"has {len(things)} payment links in <head> to things of the manifest "
        f"(the first {first!r}, the payment link of "
        f"{audit.manifest.by_auto_submit_url[first]['url']})",
        "no payment link in <head>"
        + (
            ", or only the site's own (flattr_site_head() prints it)"
            if audit.manifest.site_payment_link
            else ""
        )
        + ": a listing is no thing's page (call flattr_head() only in the "
        "template of an article's or page's own page; a page an earlier build "
        f"left? delete it, {STALE_FIX})",
    )


def _check_site_link_in_body(
    audit: Audit, relative: str, tags: PageTags, links: list[str]
) -> None:
    """A page that is no thing's whose site's own payment link (which
    ``flattr_site_head()`` prints) a browser reads only in the body: called
    outside ``<head>``, or after text that ended it. There it does nothing,
    as a thing's own there does (``payment-link-missing``)."""
    site_link = audit.manifest.site_payment_link
    in_head = tags.payment_links_in_head
    if (
        not site_link
        or site_link not in links[in_head:]
        or site_link in links[:in_head]
    ):
        return
    audit.problem(
        "payment-link-missing",
        relative,
        "has the site's own payment link (FLATTR_USERNAME's, which the feeds "
        "carry) only where a browser reads the body, where it does nothing",
        "the site's own payment link in <head> (call flattr_site_head() inside "
        "<head>, before any text or element a head cannot hold, such as text a theme "
        "prints unescaped or a skip link), or none: a listing "
        "needs none",
    )


def _check_embedded_button(
    audit: Audit,
    relative: str,
    button: Mapping[str, str],
    tags: PageTags,
    url: str,
) -> None:
    """A js or compact button, whose thing URL is ``url``: load.js on its
    page to show it (it is hidden until then), and its thing's owner as
    load.js reads it, or a flattr would create the thing for someone
    else."""
    thing = audit.manifest.by_url.get(url)
    if thing is None:  # one pointing at an auto-submit URL: no owner here
        return
    of = f"the Flattr button of {thing['url']}"
    owner = thing["owner"]
    name = "uid" if owner["kind"] == "flattr_user" else "owner"
    faults = [loader_fault(each, audit.manifest.siteurl) for each in tags.loaders]
    # The load.js that runs reads the buttons with its URL's options.
    options = loader_options(tags.loaders[faults.index(None)]) if None in faults else {}
    relation, parameters = _button_parameters(button, options)
    given = parameters.get(name)
    prefix = options.get("html5-key-prefix") or _DATA_PREFIX
    if relation is None and prefix != _DATA_PREFIX:
        audit.problem(
            "button-owner",
            relative,
            f"{of} is read without its data-flattr-* attributes: the page's "
            f"load.js has html5-key-prefix={prefix!r}, and reads {prefix}-* "
            f"ones in their place: {name} {given!r}",
            f"load.js without html5-key-prefix (the plugin writes none): "
            f'data-flattr-{name}="{owner["value"]}", the owner in the manifest',
        )
    elif relation is None and given != owner["value"]:
        audit.problem(
            "button-owner",
            relative,
            f"{of} has data-flattr-{name} {given!r}",
            f'data-flattr-{name}="{owner["value"]}", the owner in the manifest',
        )
    elif relation is not None and given != owner["value"]:
        audit.problem(
            "button-owner",
            relative,
            f"{of} has {relation}, which load.js reads in place of its "
            f"data-flattr-* attributes: {name} {given!r}",
            f'no {relation.partition("=")[0]} starting with "flattr" (the '
            f'plugin writes none): data-flattr-{name}="{owner["value"]}", '
            "the owner in the manifest",
        )
    if "uid" in parameters and "owner" in parameters:
        where = relation or f"{prefix}-uid and {prefix}-owner"
        prefix_only = {"html5-key-prefix": prefix}
        if "uid" not in _button_parameters(button, prefix_only)[1]:
            # The loader's uid, a default of every button it shows.
            where = relation or f"{prefix}-owner"
            where = f"uid={options['uid']!r} in the page's load.js URL, and {where}"
        audit.problem(
            "button-owner",
            relative,
            f"{of} gives both uid and owner ({where}): Flattr says never to "
            "send both, and which one it pays is not said",
            f"{name} alone, {owner['value']}, the owner in the manifest",
        )
    if None in faults:
        return
    expected = f'<script src="{LOADER_URL}" async></script>'
    if faults:
        why = f"the page's load.js <script> {faults[0]}"
        if is_held_back(tags.loaders[0]):
            # A running one in its place would load before consent.
            attribute = loader_source(tags.loaders[0])[0]
            expected = (
                f'{attribute}="{LOADER_URL}" in the <script> held back for '
                'consent (type="text/plain", without nomodule)'
            )
    elif tags.noscript_loaders:
        why = "the page's load.js <script> is inside <noscript>: it never runs"
    else:
        why = "no load.js on the page"
    audit.problem("button-hidden", relative, f"{of} is hidden: {why}", expected)


# An absolute URL's start: a scheme and "//" (read without urlsplit, which
# refuses a host it cannot read, "https://[alice/").
_ABSOLUTE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _check_open_graph(audit: Audit, relative: str, tags: PageTags, url: str) -> None:
    """Report a page of the thing whose URL is ``url`` (``relative``, whose
    tags are ``tags``) without exactly one og:url of it, og:title and
    og:type, as the manifest says Open Graph was on."""
    og_urls = tags.open_graph.get("og:url", [])
    if og_urls != [url]:
        expected = f"exactly one og:url {url}"
        if len(og_urls) == 1:
            # The plugin leaves out its own where the theme (or another
            # plugin) prints one: this one is theirs, and the kind's fix
            # (call flattr_head, keep one set) does not mend it.
            if not _ABSOLUTE.match(og_urls[0].strip()):
                expected += (
                    ": og:url must be absolute, and this one, the theme's, is "
                    "not (a preview build's, under RELATIVE_URLS or an empty "
                    "SITEURL? audit the site built for publishing)"
                )
            expected += (
                "; where the theme prints its own og:url, print the thing URL "
                "there, {% if article.flattr %}{{ article.flattr.url|e }}{% else "
                "%}(the theme's own){% endif %} (page.flattr in page.html), or "
                "leave og:url out for the plugin's"
            )
        audit.problem("open-graph", relative, f"has og:url {og_urls!r}", expected)
    for prop in ("og:title", "og:type"):
        values = tags.open_graph.get(prop, [])
        if len(values) != 1:
            audit.problem(
                "open-graph",
                relative,
                f"has {len(values)} {prop} tags",
                f"exactly one {prop}",
            )
        elif not values[0].strip(SPACE):
            # A theme's {{ article.og_title }} of a field no article sets,
            # or a <meta> with no content: crawlers take the page for one
            # without a title. The build keeps the plugin's in its place.
            audit.problem(
                "open-graph",
                relative,
                f"has an empty {prop} (no content, or a blank one)",
                f"exactly one {prop}, with a value: print the theme's only with "
                "one, or leave it to the plugin",
            )


def _unknown(audit: Audit, href: str) -> bool:
    """Whether a button's ``href`` is no thing's of the manifest."""
    return (
        href not in audit.manifest.by_auto_submit_url
        and href not in audit.manifest.by_url
    )


def _compared_thing(
    audit: Audit, href: str, thing: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """The thing whose auto-submit URL ``href``, unknown to the
    manifest, on the page of ``thing`` (None: a page without one) is
    told apart from: that thing, or on a listing the one its url
    parameter names, so that a link there that pays another owner says
    so as one on the thing's page does."""
    if thing is not None:
        return thing
    urls = url_parameters(href).get("url")
    return audit.manifest.by_url.get(urls[0]) if urls else None


# The attributes of an embedded button load.js reads, but for a loader
# given another html5-key-prefix; and the loader's options that are
# defaults of every button it shows.
_DATA_PREFIX = "data-flattr"
_LOADER_DEFAULTS = ("uid", "button", "language", "category")


def _button_parameters(
    button: Mapping[str, str], options: Mapping[str, str] | None = None
) -> tuple[str | None, dict[str, str]]:
    """The parameters load.js 0.6 reads from an embedded button (its
    attributes), and the rel or rev it read them from, as written
    (``rel="flattr;uid:alice;"``), or None for its data-flattr-*
    attributes.

    As Flattr documented the loader (and tests/fixtures/load.js mirrors
    it): a rel (or, without one, a rev) that starts with "flattr" is read
    as "key:value" pairs after "flattr;", and then the data attributes are
    not read at all, so an owner added there pays someone else whatever
    they say. ``options``, those of the page's load.js URL, give defaults
    (its ``uid`` is sent beside a button's owner) and the prefix of the
    attributes read (``html5-key-prefix``, data-flattr's unless given).
    """
    options = options or {}
    defaults = {key: options[key] for key in _LOADER_DEFAULTS if options.get(key)}
    attribute = "rel" if button.get("rel") else "rev"
    relation = button.get(attribute, "")
    if not relation.startswith("flattr"):
        prefix = (options.get("html5-key-prefix") or _DATA_PREFIX) + "-"
        return None, {
            **defaults,
            **{
                name[len(prefix) :]: value
                for name, value in button.items()
                if name.startswith(prefix)
            },
        }
    parameters = dict(defaults)
    for pair in relation.removeprefix("flattr").removeprefix(";").split(";"):
        key, colon, value = pair.partition(":")
        if colon and key:
            parameters[key.strip()] = value
    return f"{attribute}={relation!r}", parameters


def _url(button: Mapping[str, str]) -> str:
    """The URL a button sends: a plain one's href; an embedded one's as
    load.js 0.6 reads it, its url parameter (``data-flattr-url``, or a
    ``rel``/``rev`` "flattr;url:..." read in its place) over its href, which
    it takes as the browser resolved it (the ``href`` property)."""
    href = button.get("href", "")
    if not _is_embedded(button):
        return href
    return _button_parameters(button)[1].get("url", browser_url(href))


def _rewritten_href(
    audit: Audit, relative: str, button: Mapping[str, str], url: str
) -> bool:
    """Whether ``button`` is an embedded one that load.js reads with
    another URL (``url``) than the manifest's its href spells (an earlier
    build's button, or a theme's own, without ``data-flattr-url``): Flattr
    keys a thing on the exact URL, so it would create another. Said."""
    href = button.get("href", "")
    if (
        url == href
        or not _is_embedded(button)
        or href not in audit.manifest.by_url
        or "url" in _button_parameters(button)[1]  # not read from href
    ):
        return False
    audit.problem(
        "button-wrong-href",
        relative,
        f"an embedded Flattr button (class FlattrButton) links {href!r}, which "
        f"a browser reads as {url!r}: load.js submits that, another URL than "
        "the manifest's",
        f'data-flattr-url="{href}" beside its href, as the plugin writes it '
        "(an earlier build's page? build the site again)",
    )
    return True


# What a browser percent-encodes in an http(s) URL's path, query and
# fragment (WHATWG URL's percent-encode sets, and in the path "|" and "^",
# which Chromium encodes too), beside C0 controls, the space and every
# non-ASCII character (as UTF-8). "%" is kept: an escape stays as written.
_PATH_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in '"#<>?`{}|^')
_QUERY_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in "\"#<>'")
_FRAGMENT_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in '"<>`')
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def browser_url(href: str) -> str:
    """An absolute http(s) ``href`` as a browser gives it back (an anchor's
    ``href`` property): scheme and host in lower case, the host in
    punycode, a default port dropped, the path, query and fragment
    percent-encoded. Any other (relative, another scheme) as written.

    The host is written as browsers write it (``_browser_host``), "."
    and ".." segments resolved, and "|" and "^" encoded in the path, as
    Chromium does; a browser test compares the two.
    """
    url = href.strip("".join(map(chr, range(0x21)))).translate(_TAB_AND_NEWLINES)
    scheme, colon, rest = url.partition(":")
    scheme = scheme.lower()
    if not colon or scheme not in _DEFAULT_PORTS:
        return href
    # A "\\" is a "/" before the query and fragment, not in them.
    cut = min((at for at in map(rest.find, "?#") if at >= 0), default=len(rest))
    rest = rest[:cut].replace("\\", "/") + rest[cut:]
    if not rest.startswith("//"):
        return href  # "https:path" is relative to the page's address
    rest = rest.lstrip("/")
    end = min((at for at in map(rest.find, "/?#") if at >= 0), default=len(rest))
    user, at, host = rest[:end].rpartition("@")
    try:
        if host.startswith("["):
            address, _, port = host[1:].partition("]")
            host = f"[{ipaddress.IPv6Address(address).compressed}]"
            port = port.removeprefix(":")
        else:
            host, _, port = host.partition(":")
            host = _browser_host(unquote(host))
    except (UnicodeError, ValueError):
        return href  # no host a browser reads: nothing to compare
    if port.isdigit():
        port = str(int(port))
    if port == _DEFAULT_PORTS[scheme]:
        port = ""
    rest, hash_mark, fragment = rest[end:].partition("#")
    path, question_mark, query = rest.partition("?")
    path = _without_dot_segments(path)
    return (
        f"{scheme}://{user}{at}{host}{':' if port else ''}{port}"
        f"{quote(path, _PATH_SAFE) or '/'}{question_mark}{quote(query, _QUERY_SAFE)}"
        f"{hash_mark}{quote(fragment, _FRAGMENT_SAFE)}"
    )


_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")


# What UTS 46 maps in a host name beyond NFKC: the ideographic full stops
# are dots, a soft hyphen is nothing.
_HOST_MAPPED = str.maketrans({"\u3002": ".", "\uff61": ".", "\u00ad": None})


def _browser_host(host: str) -> str:
    """``host`` as browsers write it (UTS 46, nontransitional): each label
    in NFKC (full-width letters as ASCII) and lower case, a label beyond
    ASCII in punycode. Python's "idna"
    codec is IDNA 2003, which maps "ß" to "ss" where browsers keep it
    (``faß.example`` is ``xn--fa-hia.example`` to them). Raises
    UnicodeError for a label punycode cannot take."""
    labels = []
    host = host.translate(_HOST_MAPPED)
    for label in unicodedata.normalize("NFKC", host).lower().split("."):
        if not label.isascii():
            label = "xn--" + label.encode("punycode").decode("ascii")
        labels.append(label)
    return ".".join(labels)


# A path segment a browser reads as "." or "..", its dots escaped or not.
_DOT_SEGMENT = re.compile(r"(?:\.|%2e){1,2}", re.IGNORECASE)


def _without_dot_segments(path: str) -> str:
    """``path`` (its escapes kept) with its "." and ".." segments resolved,
    as a browser resolves them: ``/a/./b`` is ``/a/b``, ``/a/%2e%2e/b``
    is ``/b``."""
    segments = path.split("/")
    if not any(_DOT_SEGMENT.fullmatch(segment) for segment in segments):
        return path
    return without_dot_segments(
        "/".join(
            unquote(segment) if _DOT_SEGMENT.fullmatch(segment) else segment
            for segment in segments
        )
    )


def _is_embedded(button: Mapping[str, str]) -> bool:
    """True for an embedded button, which load.js turns into Flattr's and
    which links its thing URL; a plain one links the auto-submit URL."""
    return "FlattrButton" in button.get("class", "").split()


def _sent_instead(href: str, thing: Mapping[str, Any] | None) -> str:
    """What to add to a problem of an auto-submit URL ``href`` the manifest
    doesn't know, told apart from ``thing`` (``_compared_thing``): what it
    sends otherwise than the thing's own ("another owner"), which a reader
    of the long URLs would have to find by eye."""
    if thing is None or not is_auto_submit_url(href):
        return ""
    otherwise = sent_otherwise(href, thing["auto_submit_url"])
    return f": it sends another {otherwise} than the manifest's" if otherwise else ""


# A button not of the plugin's class, and why it is one.
_HAND_WRITTEN = "a link to Flattr's auto-submit URL (a button, whatever its class)"
_HAND_WRITTEN_EMBEDDED = (
    "an embedded Flattr button written by hand (class FlattrButton, without "
    "the plugin's)"
)


def _own_button(thing: Mapping[str, Any]) -> str:
    """What a thing's page must show: its one button, by the href its kind
    needs."""
    href = thing["auto_submit_url"] if thing["button"] == "plain" else thing["url"]
    return f"exactly one {thing['button']} button with href {href}"


def _own_payment_link(thing: Mapping[str, Any]) -> str:
    """What a thing's page must hold: its one payment link, in its head."""
    return f'one <link rel="payment" href="{thing["auto_submit_url"]}"> in <head>'
