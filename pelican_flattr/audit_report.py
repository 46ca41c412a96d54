"""What an audit finds, and the state one audit's checks share.

``PROBLEM_KINDS``, ``Problem`` and ``AuditReport`` are what
``pelican-flattr audit`` reports; ``ManifestIndex`` is the manifest's
things by each name a page, feed or link gives them; ``Audit`` is one
audit under way (that index, the site's files, what was found so far),
passed to the plain functions of ``audit_pages``, ``audit_feeds`` and
``audit``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .feeds import as_feed_writes
from .identifiers import redact_every_address as redact

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
    "loader-unneeded",
    "flattr-request",
    "payment-link-missing",
    "payment-link-extra",
    "payment-link-unknown",
    "payment-link-wrong-thing",
    "open-graph",
    "address-published",
    "store-published",
    "thing-url-local",
    "manifest-field",
    "other-manifest",
    "compressed-copy",
    "not-well-formed",
    "unreadable",
    "link-outside",
    "language-removed",
    "language-manifest-missing",
)

# What to do about each kind, one line for the summary by kind: a report of
# 20,000 rows of one fault says it once. docs/manifest.md's "what to do"
# column, as plain text (one longer than a line by its first clauses); a
# test keeps the two in step, so change the docs first.
_REBUILD = (
    "build the site again into this output, or deploy the whole of it; "
    "audit with the manifest of this build"
)
# How a file an earlier build left is kept from the output, in every
# row and fix that tells one to delete it: ``with_output_emptied`` finds
# it there, for settings that already empty the output.
STALE_FIX = "or set DELETE_OUTPUT_DIRECTORY = True"
PROBLEM_FIXES: dict[str, str] = {
    "page-missing": _REBUILD,
    "feed-missing": _REBUILD,
    "button-missing": "call flattr_button(article) in the theme's article "
    "template (or leave FLATTR_INJECT on), outside comments, <template> and "
    "<noscript>",
    "button-extra": "keep one: a loop of other articles' buttons (a sidebar) "
    "that shows the page's own too leaves it out ({% for a in articles if a != "
    "article %}); a second style is flattr_button(article, style=...) in place "
    "of the first",
    "button-unknown": f"a page older than the manifest: delete it ({STALE_FIX}); "
    "one newer: deploy the manifest of the build that wrote it, or build again "
    "to the end; a hand-written "
    "link or form: write it with flattr_button(); the problem says what it "
    "sends otherwise",
    "button-wrong-href": "print the button with flattr_button(), which gives "
    "each kind its URL (an embedded one its data-flattr-url); do not edit its "
    "class; build again a page an earlier version wrote",
    "button-hidden": "call flattr_script() in the theme after the buttons, "
    "before </body> (as README says), outside comments and <noscript>; keep "
    "the button out of <noscript>; where a consent manager holds load.js "
    "back, correct the held-back <script> as docs/privacy.md writes it",
    "button-owner": "print the button with flattr_button(), add no rel or rev "
    "starting with flattr, and load load.js as the plugin does, with mode=auto "
    "alone",
    "loader-unneeded": "take the load.js <script> out of the theme (or the "
    "content that holds it): the plugin adds load.js where an embedded button "
    "needs it; where one must stay, hold it back for consent "
    '(type="text/plain"), as docs/privacy.md writes it',
    "flattr-request": "take what fetches from a flattr.com host (Flattr's badge "
    "image, a <link> that preconnects or preloads, Flattr's async snippet) out "
    "of the theme (or the content that holds it): the plain button's badge is "
    "inline, and needs nothing of Flattr's",
    "payment-link-missing": "call flattr_head(article) (for a listing's site "
    "link, flattr_site_head()) in the theme's <head>, "
    "before any text or element a head cannot hold, such as text a theme "
    "prints unescaped or a skip link; for feeds, build with the "
    "plugin's feeds and FLATTR_FEEDS on",
    "payment-link-extra": "keep the plugin's one: call flattr_head() or "
    "flattr_site_head() once on a page; delete a feed an earlier "
    f"build left ({STALE_FIX})",
    "payment-link-unknown": f"a file older than the manifest: delete it ({STALE_FIX}); "
    "one newer: deploy the manifest of the build that wrote it, or build again "
    "to the end; a hand-written "
    "link: delete it; the problem says what the link sends otherwise",
    "payment-link-wrong-thing": "let the plugin write the links: a template's "
    "flattr_head() for the right article, only in the template of its own "
    "page (never in a listing's loop), no link copied between entries; a "
    "listing's head may hold the site's own link (FLATTR_USERNAME's, "
    "flattr_site_head()) alone",
    "open-graph": "none: call flattr_head(article) in the theme's <head> (or "
    "set FLATTR_INJECT = True); two: keep one set, the plugin's, or the "
    "theme's or another plugin's with FLATTR_OPEN_GRAPH = False",
    "address-published": "remove it from the content, theme or static file; "
    "rename the file (a page: its slug or save_as)",
    "store-published": "delete it, and keep FLATTR_STORE outside OUTPUT_PATH "
    "and every static path",
    "thing-url-local": "set FLATTR_SITEURL to the site's public address (or "
    "leave it out), build again, and deploy that build",
    "manifest-field": "build the site again",
    "other-manifest": "delete it and its compressed copies, or audit with it",
    "compressed-copy": "the file and all its compressed copies as one build "
    "wrote them: deploy them again from the build's output, or build again "
    "with PRECOMPRESS_OVERWRITE = True (pelican-precompress), which compresses "
    "them all again (not the file alone, which may be the one cut short)",
    "not-well-formed": "build it again (an upload cut short?), or fix the "
    "template that writes it",
    "unreadable": "make it readable to the user who audits, or delete it",
    "link-outside": "put its files in the output itself",
    "language-removed": f"delete the folder ({STALE_FIX}), or put the language "
    "back in I18N_SUBSITES (i18n_subsites back in PLUGINS)",
    "language-manifest-missing": "deploy the language's whole output, its "
    "manifest with it (or build again: a failed strict build removes every "
    "language's manifest), then audit it too, with the same --settings, which "
    "names its manifest",
}


def with_output_emptied(text: str, settings_file: str, retention: bool) -> str:
    """``text``, a problem or its fix, for a site whose ``settings_file``
    sets DELETE_OUTPUT_DIRECTORY already: no build with it leaves a file
    in the output (but for the names OUTPUT_RETENTION keeps, when
    ``retention``), so what left one is a build with other settings (a
    pelicanconf.py without it), or a deploy that deletes nothing."""
    but = " (except the names OUTPUT_RETENTION keeps)" if retention else ""
    return text.replace(
        STALE_FIX,
        "where the site is served too: DELETE_OUTPUT_DIRECTORY, on in "
        f"{settings_file}, empties the output{but} before a build, so a build "
        "with other settings, or a deploy that deletes nothing (rsync without "
        "--delete), left it",
    )


def with_output_retained(text: str, settings_file: str, kept: str) -> str:
    """``text``, a problem or its fix, for a file below ``kept``, a name
    that ``settings_file``'s OUTPUT_RETENTION keeps when its
    DELETE_OUTPUT_DIRECTORY empties the output: only a hand deletes it."""
    return text.replace(
        STALE_FIX,
        f"by hand: OUTPUT_RETENTION, in {settings_file}, keeps {kept!r} when "
        "DELETE_OUTPUT_DIRECTORY empties the output",
    )


# Where the report sends a reader for the rest: the heading of that table.
FIXES_IN_FULL = (
    'Each kind in full, and what to do: "What the audit reports" in '
    "docs/manifest.md (pelican-flattr's source)"
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
    # What the audit could not decide, said in words: no problem.
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    @property
    def other_sites(self) -> list[str]:
        """The folders of ``other_site_manifests``, in the order found."""
        return list(self.other_site_manifests)


Thing = Mapping[str, Any]  # one of the manifest's things, as loaded


@dataclass(frozen=True)
class ManifestIndex:
    """A manifest's things, by each name a page, feed or link gives them,
    and what the manifest says the build did."""

    things: list[Thing]
    # The site's URL without its last "/", as feeds write it.
    siteurl: str
    # Manifests of older versions hold no open_graph: they always had it.
    open_graph: bool
    # Nor feed_payment_links: they always put payment links in feeds.
    feed_payment_links: bool
    # The site's own thing's auto-submit URL (FLATTR_USERNAME's), or None.
    site_payment_link: str | None
    # Whether the manifest lists things and each one's page shows the plain
    # button: a site that promises no request to Flattr before a click,
    # whose listings are held to it too (audit_pages._check_unneeded_loader).
    plain_only: bool
    by_page: dict[str, Thing]
    # Feeds write each entry's link percent-encoded where it is not plain
    # ASCII: both sides are compared in that form.
    by_page_link: dict[str, Thing]
    by_url_link: dict[str, Thing]
    by_auto_submit_url: dict[str, Thing]
    by_url: dict[str, Thing]
    # A feed the manifest names is one, however long its prolog.
    feed_files: frozenset[str]


def index_manifest(manifest: Mapping[str, Any]) -> ManifestIndex:
    """The ``ManifestIndex`` of a loaded ``manifest``."""
    things = manifest["things"]
    siteurl = as_feed_writes(manifest["siteurl"].rstrip("/"))
    return ManifestIndex(
        things=things,
        siteurl=siteurl,
        open_graph=manifest.get("open_graph", True),
        feed_payment_links=manifest.get("feed_payment_links", True),
        site_payment_link=manifest.get("site_payment_link"),
        plain_only=bool(things) and all(t["button"] == "plain" for t in things),
        by_page={thing["page"]: thing for thing in things},
        by_page_link={
            as_feed_writes(f"{siteurl}/{thing['page']}"): thing for thing in things
        },
        by_url_link={as_feed_writes(t["url"]): t for t in things},
        by_auto_submit_url={t["auto_submit_url"]: t for t in things},
        by_url={thing["url"]: thing for thing in things},
        feed_files=frozenset(feed for thing in things for feed in thing["feeds"]),
    )


@dataclass
class Audit:
    """One audit under way: the manifest's things, the site's files, and
    what was found so far. The checks are plain functions given it."""

    manifest: ManifestIndex
    # Every file of the site, relative to the output.
    files: Collection[str]
    # The folders whose files were not read, each said once (relative to
    # the output, "" for the output itself): what they may hold is not
    # reported missing.
    unchecked_folders: Collection[str]
    # Where the audited manifest lies in the output, or None.
    manifest_in_output: str | None
    report: AuditReport
    # The files that could not be read (or parsed), said once.
    unread: set[str] = field(default_factory=set)
    # (thing URL, feed) for each feed entry found carrying its payment link,
    # or said wrong: either way not reported as one that "does not carry" it.
    feeds_seen: set[tuple[str, str]] = field(default_factory=set)
    # Compressed copies the audit cannot read that are older than what they
    # copy, noted together at the end (see audit._is_copy_by_age).
    unread_older_copies: list[str] = field(default_factory=list)
    # The owners FLATTR_USERNAME gives the site's thing, as auto-submit
    # parameters ("user_id", "community"), when --settings gives them.
    site_owners: frozenset[tuple[str, str]] | None = None
    # Where the manifest records no site_payment_link though the build put
    # payment links in feeds (one of an earlier pelican-flattr), a link to
    # the site's own thing is taken for its link only once every feed is
    # read (see audit_feeds.report_unrecorded_site_link): each such link
    # -> the feeds the manifest lists that carry it alone, and the own
    # links of each feed that has some, with what checks them against the
    # link taken (and how many feeds carry that).
    site_link_votes: dict[str, list[str]] = field(default_factory=dict)
    feeds_awaiting_site_link: list[
        tuple[list[str], Callable[[str | None, int], None]]
    ] = field(default_factory=list)
    # The listings' links to the site's own thing waiting so, each with
    # what reports it unless it is the link taken.
    listings_awaiting_site_link: list[tuple[str, Callable[[], None]]] = field(
        default_factory=list
    )

    def problem(self, kind: str, file: str, problem: str, expected: str = "") -> None:
        """Report ``problem`` of ``file``, of ``kind`` (one of
        ``PROBLEM_KINDS``), and what was ``expected``."""
        if kind not in PROBLEM_KINDS:
            raise ValueError(f"no such kind of problem: {kind!r}")
        # A file may be named by an address too (mail-carol@example.org.html):
        # audit._check_names reports it, and no report repeats it.
        self.report.problems.append(
            Problem(redact(file), redact(problem), redact(expected), kind=kind)
        )

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
