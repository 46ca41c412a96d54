"""The build now running: its state, its start and end, and its problems.

Pelican runs builds one after another in one process (``pelican
--autoreload``), and i18n_subsites runs each language's site from inside
the main site's build. So everything a build learns lives in one
``BuildState``, ``current``, replaced when a build starts; a build started
inside another sets the outer one's aside in ``outer_builds`` and gives it
back when it ends. Other modules read ``build.current`` each time, never a
copy of it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import posixpath
import sys
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn
from urllib.parse import urlsplit

from pelican.contents import Article, Page
from pelican.log import LimitFilter
from pelican.urlwrappers import Author

from .manifest import UrlSpool, manifest_chunks
from .manifest_removal import FAILED, NO_THINGS, remove_manifest
from .resolve import (
    ContentThing,
    default_image_warning,
    default_language_warnings,
    default_owner_warning,
    settings_metadata_problems,
    unknown_setting_field_warnings,
)
from .settings import (
    FlattrSettings,
    backslash_warnings,
    baseline_path_setting,
    failed_build_manifest_path,
    has_plugin,
    kept_files_about_to_be_deleted,
    manifest_path_setting,
    read_settings,
    shown_author,
    strict_build,
    unknown_settings,
)
from .thing import Thing

if TYPE_CHECKING:
    from .notice import PendingNotice
    from .privacy import OwnerSource

logger = logging.getLogger("pelican_flattr")

# The name this plugin is loaded by (``pelican_flattr``): the first part of
# its modules' names, as ``settings.has_plugin`` reads a plugin's.
_THIS_PLUGIN = __name__.split(".")[0]


class FlattrBuildError(SystemExit):
    """Ends a strict build that found problems, with exit status 1.

    A SystemExit rather than an Exception on purpose: Pelican logs any
    Exception with its traceback, and a user's mistake deserves one clear
    line. Code that runs Pelican itself catches it by its name (``except
    FlattrBuildError``, or ``except SystemExit``): ``except Exception``
    does not, and the program ends with status 1.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = 1
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(eq=False, repr=False)
class PageRender:
    """What the template helpers put into the page being rendered.

    Reset as each top-level template starts rendering (pages are rendered
    one at a time), read by ``complete_page`` when it ends.
    """

    # id() of a ContentThing flattr_head() printed for -> the
    # open_graph_marks of what it printed.
    heads: dict[int, int] = field(default_factory=dict)
    # (helper, id() of a ContentThing) -> the templates that hold its calls
    # (base.html, an include's, a macro's), for reports of where it prints.
    callers: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    buttons: set[int] = field(default_factory=set)
    # id() of a ContentThing -> the style its button was shown in, when a
    # template asked for another than the configured one.
    styles: dict[int, str] = field(default_factory=dict)
    # flattr_button() rendered an embedded button (printed or not: the
    # page tells).
    needs_loader: bool = False
    # The page holds flattr_script()'s mark, and so its load.js is settled.
    has_loader: bool = False
    # The page's template, for messages about a helper called wrongly.
    template: str | None = None
    # What Pelican renders the page with (None outside a page's rendering):
    # flattr_site_head() reads there whether the page is a thing's.
    context: Mapping[str, Any] | None = None
    # How often the page holds the site's payment link where
    # flattr_site_head() printed its mark (see templates.complete_page).
    site_heads: int = 0

    def complete_for(self, content_thing: ContentThing) -> bool:
        """True when the helpers already gave the page all it needs."""
        key = id(content_thing)
        return (
            key in self.heads
            and key in self.buttons
            and (self.has_loader or not self.needs_loader)
        )


class SiteInside(NamedTuple):
    """A build that ran inside this one (a language's site of
    i18n_subsites), as the main site's check of ``FLATTR_AUTHORS`` keys
    that name no author needs it (``author_keys._things_left_behind``): an
    author may write in that language alone, and their things left behind
    are in its baseline, which its guard has rewritten by then."""

    settings: FlattrSettings
    generators: list[Any]
    # BuildState.guard.left_by_guard of that build; None for a baseline to
    # read.
    left_by_guard: dict[str, str] | None
    # BuildState.guard.released_by_guard of that build.
    released_by_guard: dict[str, str]


@dataclass(eq=False, repr=False)
class FeedLinks:
    """The feeds' payment links, and which feed file carries which thing.

    ``start_build`` notes whether Pelican writes a feed; ``attach`` fills in
    the things and the site's payment URL as it resolves the articles;
    ``plugin.add_payment_links_to_feed`` and ``plugin.record_feed`` read and
    add to them as Pelican writes each feed, before the pages; ``templates``
    takes each article page's auto-submit URL from ``payment_hrefs``, and
    ``finish.write_manifest`` the feeds of each thing from ``by_source``.
    """

    # article.url (as feeds.feed_key spells it) -> its thing.
    things_by_content_url: dict[str, ContentThing] = field(default_factory=dict)
    # Source -> the feed files that carry its thing.
    by_source: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The payment links' hrefs (quoted auto-submit URLs) of the things feeds
    # carry, by article.url: at most FEED_MAX_ITEMS per feed, most of them
    # in several feeds. Pelican writes an article generator's feeds before
    # its pages, so each article page takes its auto-submit URL from here
    # instead of building it again.
    payment_hrefs: dict[str, str] = field(default_factory=dict)
    # The auto-submit URL of the site's own thing, when the feeds offer it
    # (see BuildState.offers_site_thing).
    site_payment_url: str | None = None
    # The feed being written and the keys of its tagged items: Pelican
    # writes each feed right after handing it to plugins.
    being_written: tuple[Any, list[str]] | None = None
    # Whether Pelican writes a feed, which carries the site's own thing.
    pelican_writes: bool = False
    # The key of the link a feed holds for an article whose URL changed
    # after its thing was keyed -> that key (see plugin._moved_keys):
    # worked out at the build's first feed.
    moved_keys: dict[str, str] | None = None


@dataclass(eq=False, repr=False)
class AuthorKeys:
    """What the build learns of its ``FLATTR_AUTHORS`` keys: which name an
    author of the content read, for the warning about those that name
    nobody (``author_keys.warn_about_unknown_authors``, once the builds run
    inside this one have ended), and which are a language's own, for the
    messages that name a key where it is set.

    ``attach`` notes the keys and the content's authors as it attaches
    things (``author_keys.classify_author_keys``,
    ``author_keys.note_authors_of_refused_site``);
    ``start_build`` works out ``own_author_entries``; ``end_build`` adds
    those of a build run inside this one (a language's site of
    i18n_subsites) to this one's, as an author is unknown only when no site
    of the run knows them.
    """

    # FLATTR_AUTHORS keys that name no author of this build's content, and
    # those that do, with the builds run inside it (see end_build); and the
    # keys already warned about.
    unknown_authors: set[str] = field(default_factory=set)
    known_authors: set[str] = field(default_factory=set)
    warned_authors: set[str] = field(default_factory=set)
    # Whether any content read (of this build, or one run inside it) names
    # an author: with none, every key is unknown, misspelt or not.
    content_names_authors: bool = False
    # Whether any content was read at all (drafts and hidden ones too).
    content_read: bool = False
    # The authors, by name, of the files Pelican skipped as this build read
    # them ('Status: skip'), which are in no generator's lists
    # (``author_keys.note_authors_of_skipped``).
    skipped_authors: dict[str, Any] = field(default_factory=dict)
    # The names and slugs of the authors of the content read by this build
    # and the ones run inside it: a key of one site's settings that names
    # one of them is no typo, though that site has none of their content.
    # With i18n_subsites: a language's own key for an author who writes in
    # another language, or any key where a site's settings were refused
    # (such a site checks no keys, and its authors are known to no other).
    run_authors: set[str] = field(default_factory=set)
    # The names and slugs of the content's authors that no key names: what
    # a misspelt key most likely meant, suggested in the warning about it.
    unmapped_authors: set[str] = field(default_factory=set)
    # FLATTR_AUTHORS keys that the outermost build's settings lack -> the
    # language labels (see language_label) of the builds run inside it
    # whose own settings map them: messages name the key where it is set.
    own_author_keys: dict[str, list[str]] = field(default_factory=dict)
    # The FLATTR_AUTHORS keys of this build, a language's site of
    # i18n_subsites, that are the language's own (see _own_entry_label):
    # worked out once, as messages name many keys.
    own_author_entries: frozenset[str] = frozenset()


@dataclass(eq=False, repr=False)
class BuildsInside:
    """What the builds run inside this one (with i18n_subsites, each
    language's site, run from the main site's ``get_writer``) leave to it.

    ``end_build`` adds an inner build's things, site and baselines as that
    build ends; an inner build's URL guard adds to ``guarded``, ``held``
    and ``waiting`` of every build it runs inside as it runs
    (``url_guard_build._guarded_here``, ``url_guard_build._hold_for_outer``).
    Read by this build's URL guard (``url_guard_build.guard_thing_urls``),
    by the check (``author_keys``) of the ``FLATTR_AUTHORS`` keys that name
    no author, and by ``thing_elsewhere_in_run`` for a build run later
    inside the same one.
    """

    # Source file -> its thing in a build that ran inside this one: with
    # i18n_subsites, one article published by two languages' sites.
    things: dict[str, Thing] = field(default_factory=dict)
    # Each build run inside this one (see SiteInside).
    sites: list[SiteInside] = field(default_factory=list)
    # The URL baselines the builds run inside this one used; None when one
    # of them had its settings refused, so that its path is unknown.
    baselines: set[Path] | None = field(default_factory=set)
    # The sources whose thing URLs the guard of a build run inside this one
    # compared: each site guards what it publishes
    # (url_guard_build.guard_thing_urls).
    guarded: set[str] = field(default_factory=set)
    # The sources whose move out of a build run inside this one (to this
    # site's thing) that build's guard said, and keeps the old URL of until
    # resolved: this site leaves them out of its baseline meanwhile.
    held: set[str] = field(default_factory=set)
    # The (url, source) of this site's things whose URL the guard of a build
    # run inside this one said is still another source's thing at Flattr
    # (kept in its baseline until resolved): this site's baseline marks them
    # waiting (``url_baseline.waits``), as one site's own baseline would.
    waiting: set[tuple[str, str]] = field(default_factory=set)


@dataclass(eq=False, repr=False)
class OtherSites:
    """With i18n_subsites, the other languages' sites of the run, as this
    build leaves them the content in their language.

    ``start_build`` works them out from the settings; read by
    ``generator_contents.published`` (hidden content in another site's
    language is that site's) and by ``attach`` (a copy whose own
    language's site runs later gets its thing there,
    ``attach._left_to_its_languages_site``).
    """

    # The languages that have a site other than this one: see
    # generator_contents.contents().
    languages: frozenset[str] = frozenset()
    # On a language's site, those of ``languages`` whose site this run
    # builds after this one (i18n_subsites builds each inside the one
    # before it) with this plugin, each with whether that site gives pages
    # things (FLATTR_PAGES): see attach._left_to_its_languages_site.
    later_languages: Mapping[str, bool] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class GuardNotes:
    """What this build's URL guard is told of the content, and what it
    leaves of the baseline it read.

    ``attach`` notes the sources it refused a thing (``_note_why_not``),
    which the guard (``url_guard_build``) of this build and of the builds
    run inside it says in one line; the guard of a language's site of
    i18n_subsites notes what it left of its baseline, which ``end_build``
    hands to the build it runs inside (``SiteInside``) for the check of
    ``FLATTR_AUTHORS`` keys that name no author (``author_keys``).
    """

    # The sources that got no thing for a problem the build said of them
    # (attach._note_why_not): a refused field value, an unusable entry of
    # their author, no owner. Neither an opt-out nor a warning that left
    # the thing alone (a misspelt field): the URL guard says these sources
    # in one line, where the others keep their own reason and fix.
    refused_sources: set[str] = field(default_factory=set)
    # Source -> owner: the entries of this build's URL baseline, as the
    # guard read them, whose source no longer has its URL, or whose thing
    # changed owner (a language's site only: see SiteInside). None where
    # the guard did not compare (skipped on a development URL, or nothing
    # changed): the baseline is as the last build left it, and read as it
    # is.
    left_by_guard: dict[str, str] | None = None
    # Source -> owner of the entries of URLs let go earlier
    # (FLATTR_ACCEPT_URL_CHANGES), as the guard read them (those no thing has
    # now, and those another owner's thing has), beside left_by_guard.
    released_by_guard: dict[str, str] = field(default_factory=dict)
    # Source -> what Pelican's readers made of a file the guard read again
    # (``url_guard_build._skipped``): its SkipStub when Pelican skips it,
    # else None. The guard asks for the contents of changed sources more
    # than once, and a file is read again only once.
    read_again: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class BuildProgress:
    """How far this build got, and the manifests it wrote, so that a
    strict build that fails takes back what it wrote and says what did
    not run.

    ``finish`` notes the pages written (at ``finalized``) and each manifest
    written (``write_manifest``), and the URL guard
    (``url_guard_build.guard_thing_urls``) that it ran; ``end_build``
    hands the manifests of a build run inside this one to it. Read by
    ``fail_if_strict`` (``_remove_manifests_of_failed_run``,
    ``_checks_not_run``), on this build and the builds it runs inside.
    """

    # The manifests this build and the builds run inside it wrote: removed
    # when a strict build fails after writing them (see fail_if_strict).
    manifests_written: list[Path] = field(default_factory=list)
    # Each URL guard baseline this build and the builds run inside it
    # replaced -> the link kept to the one it replaced: put back when the
    # run fails, removed when it passes (see ``keep_old_baseline``).
    baselines_replaced: dict[Path, Path] = field(default_factory=dict)
    # Whether Pelican has written this build's pages (it sends finalized).
    pages_written: bool = False
    # Whether the URL guard ran (or was skipped as the settings say): a
    # strict build that fails before says that more problems may follow.
    guard_reached: bool = False


@dataclass(eq=False, repr=False)
class Messages:
    """What a build has said, and the problems counted against it, so that
    a message is said once however many builds of a run (the sites of
    i18n_subsites) or tries of a failed run (``pelican --autoreload``)
    would repeat it.

    Written and read by ``report``, ``first_in_run`` (``warn_once``) and
    ``fail_if_strict``, on this build and the builds it runs inside;
    ``start_build`` hands what a failed try said to the retry, and
    ``end_build`` the problems of a build run inside this one to it.
    """

    # The problems of this build: a strict build fails with any.
    problems: list[str] = field(default_factory=list)
    # Warnings said once in a run (see warn_once).
    said: set[str] = field(default_factory=set)
    # Problems logged by the builds run inside this one (see report).
    reported_inside: set[str] = field(default_factory=set)
    # Kept on a run's outermost build: the problems it logged, or held back
    # as said by the try before (see report); those of that try, when this
    # run retries one that failed; and those it held back.
    errors_said: set[str] = field(default_factory=set)
    errors_said_before: frozenset[str] = frozenset()
    held_back: list[str] = field(default_factory=list)
    # The same for the plugin's warnings, by the text logged (see
    # _HoldBackRepeats); both held back are said once a try completes.
    warnings_said: set[str] = field(default_factory=set)
    warnings_said_before: frozenset[str] = frozenset()
    warnings_held_back: list[str] = field(default_factory=list)
    # (source, problem) of each content problem this build said, alone or
    # among others (attach's ``_say_problems``): a language's site of
    # i18n_subsites publishing the same file leaves it to this one.
    content_problems: set[tuple[str, str]] = field(default_factory=set)
    # A problem said for the first of many pages (``first_of_many``) ->
    # the pages that had it, and the text around that count of the line
    # that says it at the build's end (``say_page_counts``).
    page_counts: dict[str, list[Any]] = field(default_factory=dict)
    # The message that names the one cause many of the problems share (the
    # URL guard's summary of URLs changed alike), for the last word of a
    # strict build whose log shows no error (``_unseen_problem``).
    shared_cause: str | None = None


@dataclass(eq=False, repr=False)
class PrivacyChecks:
    """What ``privacy`` needs to keep owners' plain email addresses out of
    Pelican's caches and out of what the build publishes, or to warn of
    one published.

    ``start_build`` notes whether Pelican publishes the content sources,
    ``privacy.note_readers`` each generator's readers, ``attach`` the
    sources and texts that may hold an owner's address as it attaches
    things; privacy's receivers read the readers as each file is read, and
    its warnings at ``finalized`` (``warn_about_published_addresses``,
    ``warn_about_addresses_in_things``) the rest.
    """

    # Pelican's readers of this build, one per generator: their caches keep
    # each file's metadata as read (see privacy.hide_address_in_reader_caches).
    readers: list[Any] = field(default_factory=list)
    # OUTPUT_SOURCES_EXTENSION when Pelican publishes the sources, else None.
    published_sources: str | None = None
    # Whether Pelican copies the content sources in its static paths
    # (STATIC_EXCLUDE_SOURCES off).
    copies_static_sources: bool = False
    # With either, the content with an email owner whose source Pelican
    # publishes: see warn_about_published_addresses().
    owner_sources: list[OwnerSource] = field(default_factory=list)
    # Source -> what only its page's Open Graph tags publish that holds an
    # "@" (see resolve.Resolution.open_graph_texts).
    open_graph_texts: dict[str, tuple[tuple[str, str], ...]] = field(
        default_factory=dict
    )
    # Source -> its title's and Summary's HTML, where it may hold an address
    # (see privacy.markup_that_may_hold_addresses).
    markup_texts: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    # Source -> the hashes of the plain addresses in the owner fields its
    # text starts with, which Pelican read as text (resolve.fields_read_as_text):
    # published in the page and in the thing's description.
    owners_read_as_text: dict[str, frozenset[str]] = field(default_factory=dict)
    # Source -> those owner fields' values, as the description shows them:
    # what moving the fields into the header takes out of it.
    owner_values_read_as_text: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(eq=False, repr=False)
class BuildState:
    """Everything one ``run()`` learns; replaced at the start of the next.

    What the pages read as Pelican writes each (the settings, the page being
    rendered, the spool of auto-submit URLs...) is held here, one attribute
    away, as is what many concerns read (whether the plugin is on, or
    strict; the things); what one concern of the build keeps is grouped in
    a holder of its own: ``feeds``, ``author_keys``, ``inside``,
    ``other_sites``, ``guard``, ``progress``, ``messages``, ``privacy``.
    """

    settings: FlattrSettings | None = None
    pelican: Any = None  # the Pelican whose run() this is
    generators: list[Any] = field(default_factory=list)
    # Read apart from the other settings: it must hold when they are unusable.
    strict: bool = False
    # False when the running Pelican did not load this plugin.
    active: bool = False
    # Whether the run reached its end (``end_build``): one that failed on
    # the way (a template's error) is run again at once by pelican
    # --autoreload, which must not repeat every warning on each try.
    finished: bool = False
    content_things: list[ContentThing] = field(default_factory=list)
    page: PageRender = field(default_factory=lambda: PageRender())
    # Author name -> flattrs waiting for them (FLATTR_STORE).
    pending_notices: dict[str, PendingNotice] = field(default_factory=dict)
    # Thing URL -> the button style its page shows, where a template chose
    # another than the configured one, for the manifest.
    shown_styles: dict[str, str] = field(default_factory=dict)
    # The auto-submit URL each page used, for the manifest.
    url_spool: UrlSpool = field(default_factory=UrlSpool)
    # id() -> ContentThing of each whose own page Pelican wrote while none
    # of its pages was completed (the URL spool holds the things whose page
    # complete_page completed): one still there at the end was rendered by
    # a template the plugin never prepared (see
    # finish.warn_about_pages_not_completed).
    written_not_completed: dict[int, ContentThing] = field(default_factory=dict)
    # Whether a content's body loads Flattr's load.js on a site of plain
    # buttons: listings that show its text are not the theme's fault (see
    # templates._report_unneeded_loader).
    loader_in_a_body: bool = False
    # Pelican's PATH, absolute, with a trailing "/": see source_of().
    content_root: str = ""
    # (content class, in the default language) -> whether Pelican's URL and
    # SAVE_AS settings for it are the same: see attach._save_as_is_url().
    save_as_is_url: dict[tuple[type, bool], bool] = field(default_factory=dict)
    feeds: FeedLinks = field(default_factory=FeedLinks)
    author_keys: AuthorKeys = field(default_factory=AuthorKeys)
    inside: BuildsInside = field(default_factory=BuildsInside)
    other_sites: OtherSites = field(default_factory=OtherSites)
    guard: GuardNotes = field(default_factory=GuardNotes)
    progress: BuildProgress = field(default_factory=BuildProgress)
    messages: Messages = field(default_factory=Messages)
    privacy: PrivacyChecks = field(default_factory=PrivacyChecks)

    @property
    def offers_site_thing(self) -> bool:
        """Whether this build offers the site's own thing (``FLATTR_USERNAME``'s):
        only its feeds do, so without a feed written, or with ``FLATTR_FEEDS``
        off, no built file carries it, and Flattr never hears of it."""
        settings = self.settings
        return (
            settings is not None
            and settings.username is not None
            and settings.feeds
            and self.feeds.pelican_writes
        )


current = BuildState()


# The builds that a build now running was started from inside (see
# start_build), innermost last.
outer_builds: list[BuildState] = []


# Pelican's URL setting for each content class: the class's own, or for a
# translation its LANG_ one. Each has its SAVE_AS twin (ARTICLE_SAVE_AS...).
URL_SETTINGS = {
    (Article, True): "ARTICLE_URL",
    (Article, False): "ARTICLE_LANG_URL",
    (Page, True): "PAGE_URL",
    (Page, False): "PAGE_LANG_URL",
}


def url_setting(content: Any) -> str | None:
    """The name of Pelican's URL setting for ``content`` (``URL_SETTINGS``);
    None for a subclass of Pelican's own, whose settings are unknown."""
    return URL_SETTINGS.get((type(content), getattr(content, "in_default_lang", None)))


def save_as_setting(url_setting: str) -> str:
    """The SAVE_AS twin of Pelican's ``url_setting``: ARTICLE_SAVE_AS of
    ARTICLE_URL."""
    return url_setting.removesuffix("URL") + "SAVE_AS"


def save_as_is_url(settings: Mapping[str, Any], key: tuple[type, bool]) -> bool:
    """Whether Pelican's ``settings`` give content of ``key`` (its class,
    and whether it is in the default language) the same URL and SAVE_AS
    settings: its ``save_as`` is then its ``url``, unless its metadata
    overrides either."""
    setting = URL_SETTINGS.get(key)
    return setting is not None and settings.get(setting) == settings.get(
        save_as_setting(setting)
    )


# Pelican's settings for the feeds it writes.
_FEED_SETTINGS = (
    "FEED_ATOM",
    "FEED_RSS",
    "FEED_ALL_ATOM",
    "FEED_ALL_RSS",
    "CATEGORY_FEED_ATOM",
    "CATEGORY_FEED_RSS",
    "AUTHOR_FEED_ATOM",
    "AUTHOR_FEED_RSS",
    "TAG_FEED_ATOM",
    "TAG_FEED_RSS",
    "TRANSLATION_FEED_ATOM",
    "TRANSLATION_FEED_RSS",
)


def start_build(pelican: Any) -> None:
    """Forget the previous run's things; read and validate the settings.

    A build run from inside another (i18n_subsites runs each language's
    site from the main build's ``get_writer``) keeps the outer build's state
    aside, and ``end_build`` gives it back: the outer build's feeds, pages
    and manifest are written after the inner one ends.
    """
    _start_state(pelican)
    if not loaded_by(pelican):
        # Blinker keeps receivers connected for the life of the process, so
        # a later Pelican without this plugin still calls them: stay idle.
        current.strict = False
        return
    current.active = True
    _keep_what_no_build_makes_again(pelican)
    _note_pelican_settings(current, pelican.settings)
    subsites = i18n_subsites(pelican)
    current.other_sites = _other_sites(pelican, subsites)
    flattr_settings, problems = _read_flattr_settings(pelican)
    current.settings = flattr_settings
    said = _report_settings_problems(pelican, problems)
    _warn_about_settings(pelican)
    # Each language's site of i18n_subsites may set either of its own.
    if flattr_settings is not None and flattr_settings.open_graph:
        _warn_about_a_second_open_graph(pelican)
    if flattr_settings is None and any(said):
        _say_no_buttons(pelican, subsites)


def _keep_what_no_build_makes_again(pelican: Any) -> None:
    """Stop the build before Pelican's ``DELETE_OUTPUT_DIRECTORY`` deletes
    a file the plugin keeps across builds (get_generators comes just before
    it), strict or not: a strict build's failure comes too late for them."""
    reasons = kept_files_about_to_be_deleted(pelican.settings, i18n_subsites(pelican))
    if not reasons:
        return
    for reason in reasons:
        logger.error("pelican-flattr: %s", reason)
    failed = (
        "pelican-flattr: build stopped before DELETE_OUTPUT_DIRECTORY deleted "
        "what the plugin keeps across builds"
    )
    reloading, stop_queue = _pelican_autoreload()
    logger.critical(
        "%s%s",
        failed,
        "; pelican --autoreload stops here: mend it and start it again"
        if reloading
        else "",
    )
    _stop_failed_build(failed, stop_queue)


def run_is_idle() -> bool:
    """Whether neither the running Pelican nor any build it runs inside
    loaded the plugin (a later run in the same process, without it): what
    the plugin left connected then leaves everything as it finds it."""
    return not current.active and not any(each.active for each in outer_builds)


def _start_state(pelican: Any) -> None:
    """Make a fresh ``BuildState`` current for the build of ``pelican``.

    The state now current is set aside in ``outer_builds`` when this build
    runs inside its build, else that build's run is over: its spool is
    closed, and what its messages said is forgotten, or, when this build
    retries it, kept from being said again.
    """
    global current
    outer = current.pelican
    # Not the same Pelican: `pelican --autoreload` runs one instance again.
    inner = outer is not None and outer is not pelican and _still_running(outer)
    # The last run's outermost build: a run that failed inside a language's
    # site of i18n_subsites left that site's state current.
    previous = current if inner else _outermost()
    if inner:
        outer_builds.append(current)
    else:
        current.url_spool.close()  # a previous run that ended early
        outer_builds.clear()
    current = BuildState(strict=strict_build(pelican.settings), pelican=pelican)
    # At the outermost build (a language's site logs in the same run): a
    # retry of a run that failed on the way says again neither the warnings
    # (_HoldBackRepeats) nor the errors (report) the last try said, until
    # it completes (say_held_back). Pelican retries one at once, without
    # waiting for a change, many times a second, and the messages already
    # said would bury the error it retries for.
    if not inner and previous.pelican is pelican and not previous.finished:
        messages, before = current.messages, previous.messages
        messages.errors_said_before = frozenset(before.errors_said)
        messages.warnings_said_before = frozenset(before.warnings_said)
    if not inner:
        _forget_logged_warnings()


def _note_pelican_settings(state: BuildState, settings: Mapping[str, Any]) -> None:
    """Note in ``state`` what Pelican's own ``settings`` tell the plugin's
    checks: where the content is, whether Pelican publishes the sources
    and writes feeds, and which content's URL is its SAVE_AS."""
    state.content_root = os.path.join(os.path.abspath(settings["PATH"]), "")
    if settings.get("OUTPUT_SOURCES"):
        # As Pelican names the copy: an empty extension is no extension.
        extension = settings.get("OUTPUT_SOURCES_EXTENSION", ".text")
        state.privacy.published_sources = str(extension)
    state.privacy.copies_static_sources = not settings.get(
        "STATIC_EXCLUDE_SOURCES", True
    )
    state.feeds.pelican_writes = any(settings.get(name) for name in _FEED_SETTINGS)
    state.save_as_is_url = {key: save_as_is_url(settings, key) for key in URL_SETTINGS}


def _other_sites(pelican: Any, subsites: Mapping[str, Any]) -> OtherSites:
    """The other languages' sites of the run (see ``OtherSites``), for the
    build of ``pelican`` with i18n_subsites' ``subsites`` (none without
    the plugin)."""
    if not subsites:
        return OtherSites()
    # Each language's site is a build of its own, the main site's
    # outermost; each overrides DEFAULT_LANG with its language.
    main = outer_builds[0].pelican if outer_builds else pelican
    languages = {*subsites, main.settings.get("DEFAULT_LANG")}
    others = frozenset(languages - {pelican.settings.get("DEFAULT_LANG")})
    if not outer_builds:
        # Left empty on the main site, whose copy of any article takes its
        # thing.
        return OtherSites(languages=others)
    # The sites started so far (the main one first) are the builds this
    # one runs inside: none has ended yet.
    started = {o.pelican.settings.get("DEFAULT_LANG") for o in outer_builds}
    later = others - started
    return OtherSites(
        languages=others,
        later_languages=_sites_giving_things(
            main.settings, {lang: subsites[lang] for lang in later & subsites.keys()}
        ),
    )


def _read_flattr_settings(pelican: Any) -> tuple[FlattrSettings | None, list[str]]:
    """Read and check the plugin's settings in ``pelican``'s: the settings
    of its site (see ``_this_sites_settings``), None when refused, and the
    problems found."""
    flattr_settings, problems = read_settings(_own_flattr_siteurl(pelican.settings))
    # Values Pelican gives every article: a bad one is said once, here, and
    # leaves every article without a button, as it would one by one.
    default_problems = settings_metadata_problems(
        pelican.settings.get("DEFAULT_METADATA")
    )
    if default_problems:
        return None, problems + default_problems
    if flattr_settings is None:
        return None, problems
    return _this_sites_settings(flattr_settings, pelican), problems


def _this_sites_settings(
    flattr_settings: FlattrSettings, pelican: Any
) -> FlattrSettings:
    """``flattr_settings`` as the site ``pelican`` builds uses them: with
    its authors' slugs, its ``FLATTR_AUTHORS`` named where it is set, and,
    on a language's site of i18n_subsites, files of its own.

    Notes the ``FLATTR_AUTHORS`` keys that are that language's own, which
    every message naming a key reads (``_own_entry_label``).
    """
    own_entries, authors_setting = _languages_own_authors(pelican)
    current.author_keys.own_author_entries = own_entries
    return dataclasses.replace(
        flattr_settings,
        author_slugs=_author_slugs(flattr_settings, pelican),
        authors_setting=authors_setting,
        # Said with each of its author's articles: named where it is set.
        unusable_authors={
            key: f"{_own_entry_label(key)}{reason}"
            for key, reason in flattr_settings.unusable_authors.items()
        },
        url_baseline_path=own_path(
            flattr_settings.url_baseline_path,
            _outer_paths("url_baseline_path", baseline_path_setting),
            pelican,
        ),
        manifest_path=own_path(
            flattr_settings.manifest_path,
            _outer_paths("manifest_path", manifest_path_setting),
            pelican,
        ),
        pin_hosts=_with_outer_pin_hosts(flattr_settings.pin_hosts),
    )


def _with_outer_pin_hosts(pin_hosts: frozenset[str] | None) -> frozenset[str] | None:
    """``pin_hosts`` with those of the builds this one runs inside: a
    language's site of i18n_subsites on a domain of its own knows the main
    site's host from them alone. None stays None (pins are not compared)."""
    if pin_hosts is None:
        return None
    for outer in outer_builds:
        if outer.settings is not None and outer.settings.pin_hosts is not None:
            pin_hosts |= outer.settings.pin_hosts
    return pin_hosts


def _say_no_buttons(pelican: Any, subsites: Mapping[str, Any]) -> None:
    """Say that the build of ``pelican``, its settings refused, has no
    buttons, and on which sites of i18n_subsites' ``subsites``."""
    if outer_builds:
        # The main site built with its buttons, or said it did not.
        logger.error(
            "pelican-flattr: %s: no Flattr buttons on this language's site (see above)",
            language_label(pelican),
        )
    elif subsites:
        # A language's site whose own settings mend the refused values
        # builds its buttons all the same; one that takes them from the
        # main site is refused with it, and says nothing of its own.
        logger.error(
            "pelican-flattr: no Flattr buttons on the main site, nor on a "
            "language's site that takes the refused values from it (see above)"
        )
    else:
        logger.error("pelican-flattr: no Flattr buttons this build (see above)")


def language_label(pelican: Any) -> str:
    """How messages name the language's own settings of the i18n_subsites
    site that ``pelican`` builds: ``I18N_SUBSITES['de']``."""
    return f"I18N_SUBSITES[{pelican.settings.get('DEFAULT_LANG')!r}]"


def site_label() -> str:
    """How a message each site of a run says for itself names the site now
    building: ``"I18N_SUBSITES['de']: "`` on a language's site of
    i18n_subsites, "" on the main site (or a site without languages)."""
    return f"{language_label(current.pelican)}: " if outer_builds else ""


def author_entry(key: str) -> str:
    """How a message names the ``FLATTR_AUTHORS`` entry ``key`` of the build
    now running: ``FLATTR_AUTHORS['Bob']``, or, where it is a language's
    own (see ``_own_entry_label``), ``I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob']``."""
    return f"{_own_entry_label(key)}FLATTR_AUTHORS[{shown_author(key)}]"


def _own_entry_label(key: str) -> str:
    """``"I18N_SUBSITES['de'] "`` when the ``FLATTR_AUTHORS`` entry ``key``
    of the build now running, a language's site of i18n_subsites, is that
    language's own: the main site's settings lack the key, or give it
    another value. Else "": the main site's entry, which the main site
    names (as ``_report_settings_problems`` tells the two apart)."""
    if key not in current.author_keys.own_author_entries:
        return ""
    return f"{language_label(current.pelican)} "


def _languages_own_authors(pelican: Any) -> tuple[frozenset[str], str]:
    """For the build of ``pelican``: the keys of its ``FLATTR_AUTHORS``
    whose entries are its own, a language's site of i18n_subsites whose
    main site's settings lack the key or give it another value (none for
    the main site); and how messages about content whose authors it lacks
    name the setting: ``I18N_SUBSITES['de'] FLATTR_AUTHORS`` where the
    language's own value replaces the main site's, which may map an author
    it lacks, else ``FLATTR_AUTHORS``. Worked out once per build."""
    if not outer_builds or not outer_builds[0].active:
        return frozenset(), "FLATTR_AUTHORS"
    own = _author_entries(pelican.settings)
    main = _author_entries(outer_builds[0].pelican.settings)
    own_keys = frozenset(
        key for key, value in own.items() if key not in main or main[key] != value
    )
    if own == main:
        return own_keys, "FLATTR_AUTHORS"
    return own_keys, f"{language_label(pelican)} FLATTR_AUTHORS"


def _author_entries(settings: Mapping[str, Any]) -> dict[str, Any]:
    """``FLATTR_AUTHORS`` of Pelican's ``settings`` by its keys as text (as
    ``FlattrSettings`` keeps them); {} when it is no mapping."""
    authors = settings.get("FLATTR_AUTHORS")
    if not isinstance(authors, Mapping):
        return {}
    return {str(key): value for key, value in authors.items()}


def _report_settings_problems(pelican: Any, problems: list[str]) -> list[bool]:
    """``report`` each of the problems of ``pelican``'s settings; return
    whether each was logged now.

    A language's site of i18n_subsites has the main site's settings with
    its own from ``I18N_SUBSITES`` over them: a problem of its own value is
    said naming its language, where an operator would look for it. One of
    the main site's values, which the main site said (with this site's
    SITEURL, below the main one's, as another value), is counted and not
    said again. A main site without the plugin said nothing: its values are
    said as any site's are.
    """
    if not problems or not outer_builds or not outer_builds[0].active:
        return [report(f"settings: {problem}") for problem in problems]
    main = outer_builds[0].pelican.settings
    # As i18n_subsites sets a language's SITEURL that its settings leave out.
    below = posixpath.join(
        main.get("SITEURL") or "/", str(pelican.settings.get("DEFAULT_LANG"))
    )
    _, inherited = read_settings(_own_flattr_siteurl(dict(main, SITEURL=below)))
    inherited += settings_metadata_problems(main.get("DEFAULT_METADATA"))
    label = language_label(pelican)
    return [
        report(f"settings: {problem}", log=False)
        if problem in inherited
        else report(f"settings: {label}: {problem}")
        for problem in problems
    ]


def _warn_about_settings(pelican: Any) -> None:
    """Warn, once for the setting, of what in ``pelican``'s settings every
    article would otherwise repeat, or nothing would say: a misspelt
    ``FLATTR_*`` name or field, a default owner that hides
    ``FLATTR_AUTHORS``; a region Flattr has no code with, a default
    ``Og_image`` no page can use (these fail no strict build, as the field
    in a file fails none).

    A language's site of i18n_subsites has the main site's settings with
    its own from ``I18N_SUBSITES`` over them: it says only what its own
    change, naming its language; the main site said the rest.
    """
    strict, lenient = _settings_warnings(current)
    if outer_builds:
        main_strict, main_lenient = _settings_warnings(outer_builds[0])
        language = language_label(pelican)
        strict = [f"{language}: {m}" for m in strict if m not in main_strict]
        lenient = [f"{language}: {m}" for m in lenient if m not in main_lenient]
    for message in strict:
        warn(message)
    for message in lenient:
        logger.warning("pelican-flattr: %s", message)


def _settings_warnings(state: BuildState) -> tuple[list[str], list[str]]:
    """The warnings of ``_warn_about_settings`` for the build ``state``:
    those a strict build fails for, and those it does not."""
    settings = state.pelican.settings
    strict = (
        unknown_settings(settings)
        + unknown_setting_field_warnings(settings)
        + backslash_warnings(settings)
    )
    owner_warning = default_owner_warning(settings)
    if owner_warning is not None:
        strict.append(owner_warning)
    lenient = default_language_warnings(settings)
    image_warning = (
        None
        if state.settings is None
        else default_image_warning(settings, state.settings)
    )
    if image_warning is not None:
        lenient.append(image_warning)
    return strict, lenient


def _warn_about_a_second_open_graph(pelican: Any) -> None:
    """Warn when pelican-seo's Open Graph enhancer is on: it adds its own
    tags to each article's and page's page once written, where the plugin
    cannot see them, and each would have two og:title, og:url..., which the
    audit refuses and readers of the tags must choose between."""
    settings = pelican.settings
    if (
        loaded_by(pelican, "seo")
        and settings.get("SEO_ENHANCER")
        and settings.get("SEO_ENHANCER_OPEN_GRAPH")
    ):
        warn_once(
            "settings: pelican-seo's SEO_ENHANCER_OPEN_GRAPH writes Open Graph "
            "tags into every article's and page's page too, so each would have "
            "two og:title, og:url and og:type (the audit refuses them): set "
            "FLATTR_OPEN_GRAPH = False (the payment link and the button stay) "
            "or SEO_ENHANCER_OPEN_GRAPH = False"
        )


def _sites_giving_things(
    settings: Mapping[str, Any], subsites: Mapping[str, Any]
) -> dict[str, bool]:
    """The languages of ``subsites`` (some of ``I18N_SUBSITES``) whose site,
    with the main site's ``settings`` under its own, loads this plugin, each
    with whether it gives pages things (``FLATTR_PAGES``).

    A copy left to a site that gives it no thing (its own PLUGINS without
    this one, or FLATTR_PAGES off there for a page) had none on any site.
    """
    found = {}
    for lang, own in subsites.items():
        if not isinstance(own, Mapping):
            continue  # i18n_subsites builds no site of it
        each = {**settings, **own}
        # Without PLUGINS of its own, the site loads what this one loaded,
        # this plugin included, whatever name its PLUGINS gave it.
        if "PLUGINS" not in own or has_plugin(each["PLUGINS"] or (), _THIS_PLUGIN):
            found[str(lang)] = each.get("FLATTR_PAGES") is True
    return found


def i18n_subsites(pelican: Any) -> dict[str, Any]:
    """``I18N_SUBSITES`` when the i18n_subsites plugin builds them, else {}:
    the setting left in a site's settings without the plugin builds no
    other language's site, and must not take that site's content from it."""
    subsites = pelican.settings.get("I18N_SUBSITES")
    if not isinstance(subsites, dict) or not loaded_by(pelican, "i18n_subsites"):
        return {}
    return subsites


def _own_flattr_siteurl(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings``, where a build runs inside another with the outermost
    build's ``FLATTR_SITEURL``, with this site's path below that build's
    ``SITEURL`` added to it.

    i18n_subsites gives each language's site the main site's settings and
    its own SITEURL, the main one's with the language below it. The same
    FLATTR_SITEURL in every site would give the articles that share a slug,
    one per language and maybe each by another author, one thing URL.
    """
    base = settings.get("FLATTR_SITEURL")
    if not outer_builds or not isinstance(base, str) or not base:
        return settings
    main = outer_builds[0].pelican.settings
    if base != main.get("FLATTR_SITEURL"):
        return settings  # set for this site
    below = posixpath.relpath(
        urlsplit(str(settings.get("SITEURL") or "")).path or "/",
        urlsplit(str(main.get("SITEURL") or "")).path or "/",
    )
    if below == "." or below.startswith(".."):
        return settings
    return dict(settings, FLATTR_SITEURL=f"{base.rstrip('/')}/{below}")


def _outer_paths(
    field_name: str, setting: Callable[[Mapping[str, Any], list[str]], Path]
) -> set[Path]:
    """The paths the outer builds of this one keep a file at (their
    settings' ``field_name``, or, when their settings were refused, what
    ``setting`` reads in their Pelican settings).

    A refused build keeps its path: it removes the manifest an earlier
    build left there, at its end, after the languages' sites have run;
    and two languages' sites must not share the one it leaves free.
    """
    paths = set()
    for outer in outer_builds:
        if outer.settings is not None:
            paths.add(getattr(outer.settings, field_name))
            continue
        problems: list[str] = []
        path = setting(outer.pelican.settings, problems)
        if not problems:  # refused itself: where it points is not known
            paths.add(path)
    return paths


def own_path(path: Path, taken: set[Path], pelican: Any) -> Path:
    """``path``, or where a build run inside another would write the same
    file as an outer build, the same named for its language
    (``url-baseline.de.json``).

    i18n_subsites gives each language's site the main site's
    FLATTR_URL_BASELINE and FLATTR_MANIFEST: an absolute path would be one
    file for all. Sharing a baseline, each site would take the others'
    things for vanished ones and overwrite it, on every build; sharing a
    manifest, the last site's would stand for all.
    """
    lang = str(pelican.settings.get("DEFAULT_LANG") or "")
    if path not in taken or not lang:
        return path
    return path.with_name(f"{path.stem}.{lang}{path.suffix}")


def _forget_logged_warnings() -> None:
    """Let this build log the plugin's warnings again.

    Pelican's log filter shows a warning once per process, so under
    ``pelican --autoreload`` a URL guard warning, which stands until the
    operator acts, showed on the first build only. Pelican's own messages
    are left as its filter keeps them.
    """
    shown = getattr(LimitFilter, "_raised_messages", None)
    if isinstance(shown, set):
        shown.difference_update(
            [
                key
                for key in shown
                if isinstance(key, tuple)
                and len(key) == 2
                and str(key[1]).startswith("pelican-flattr:")
            ]
        )


class _HoldBackRepeats(logging.Filter):
    """Holds back a warning of the plugin's that the last try of a failed
    run said, as ``report`` holds back an error (see ``_start_state``).

    Not left to Pelican's own log filter, which holds a message back for
    the whole process: the try that completed said none of them, only
    Pelican's "Done", and they came back at the next edit.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Whether ``record`` is to be logged now; note it as said."""
        if record.levelno != logging.WARNING:
            return True
        messages = _outermost().messages
        said = record.getMessage()
        messages.warnings_said.add(said)
        if said in messages.warnings_said_before:
            messages.warnings_held_back.append(said)
            return False
        return True


# Once for the process: the plugin's modules all log through this logger.
logger.addFilter(_HoldBackRepeats())


def say_held_back() -> None:
    """Say what the outermost build held back as said by the failed try
    before it, and hold back nothing more: Pelican has written its pages,
    so this try completes, and the messages that still apply must not be
    left for the next edit to say. Called as the run's build finishes."""
    messages = current.messages
    problems = list(dict.fromkeys(messages.held_back))
    warnings = list(dict.fromkeys(messages.warnings_held_back))
    messages.held_back.clear()
    messages.warnings_held_back.clear()
    messages.errors_said_before = messages.warnings_said_before = frozenset()
    for problem in problems:
        _say(logging.ERROR, problem)
    if problems and current.active and current.settings is None:
        # Said after the settings' problems, which the retry held back.
        _say_no_buttons(current.pelican, i18n_subsites(current.pelican))
    # Pelican's log filter saw them as they were held back: let them by.
    shown = getattr(LimitFilter, "_raised_messages", None)
    for warning in warnings:
        if isinstance(shown, set):
            shown.discard((logging.WARNING, warning))
        logger.warning("%s", warning)


def _pelicans_frames() -> Iterator[FrameType]:
    """The calls of Pelican's own module (``pelican``: its ``main``, its
    ``autoreload`` loop) that this build runs inside, innermost first:
    they hold what Pelican tells no plugin."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_globals.get("__name__") == "pelican":
            yield frame
        frame = frame.f_back


def _pelican_autoreload() -> tuple[bool, Any]:
    """Whether this build runs in ``pelican --autoreload``'s loop, and, with
    ``--listen``, the queue on which that loop tells Pelican's own process
    to stop (None without one). Asked only of a build that stops with a
    failure."""
    for frame in _pelicans_frames():
        if frame.f_code.co_name == "autoreload":
            return True, frame.f_locals.get("excqueue")
    return False, None


def settings_file() -> Path | None:
    """The settings file the ``pelican`` command running this build read
    (its ``-s``, or the ``pelicanconf.py`` of the folder it runs in), made
    absolute; None for a program that runs Pelican itself, or without
    one. Pelican tells no plugin where it is: its ``main`` (and
    ``autoreload``) hold it in their arguments. Asked only of a build that
    finds no URL baseline."""
    for frame in _pelicans_frames():
        given = getattr(frame.f_locals.get("args"), "settings", None)
        if isinstance(given, str):
            return Path(os.path.abspath(given))
    return None


def end_build(pelican: Any) -> None:
    """Give the outer build its state back when a build run from inside it
    ends (see ``start_build``)."""
    global current
    current.finished = True
    if is_inner(pelican):
        current.url_spool.close()
        inner, current = current, outer_builds.pop()
        # Each language's site of i18n_subsites holds only its language's
        # content: an author is unknown when no site of the run knows them.
        keys, inner_keys = current.author_keys, inner.author_keys
        keys.unknown_authors |= inner_keys.unknown_authors
        keys.known_authors |= inner_keys.known_authors
        keys.content_names_authors |= inner_keys.content_names_authors
        keys.content_read |= inner_keys.content_read
        keys.run_authors |= inner_keys.run_authors
        keys.unmapped_authors |= inner_keys.unmapped_authors
        # i18n_subsites runs each language's site from the last one's.
        for key, languages in inner_keys.own_author_keys.items():
            keys.own_author_keys.setdefault(key, []).extend(languages)
        inside, inner_inside = current.inside, inner.inside
        inside.sites += inner_inside.sites
        if inner.settings is not None:
            _note_own_author_keys(inner.pelican, inner.settings)
            inside.sites.append(
                SiteInside(
                    inner.settings,
                    inner.generators,
                    inner.guard.left_by_guard,
                    inner.guard.released_by_guard,
                )
            )
        current.messages.reported_inside |= inner.messages.reported_inside.union(
            inner.messages.problems
        )
        inside.things.update(inner_inside.things)
        inside.things.update((ct.source, ct.thing) for ct in inner.content_things)
        current.progress.manifests_written += inner.progress.manifests_written
        current.progress.baselines_replaced.update(inner.progress.baselines_replaced)
        # A language's site without the plugin keeps no baseline.
        if inner_inside.baselines is None or (inner.active and inner.settings is None):
            inside.baselines = None
        elif inside.baselines is not None:
            inside.baselines |= inner_inside.baselines
            if inner.settings is not None:
                inside.baselines.add(inner.settings.url_baseline_path)


def _note_own_author_keys(pelican: Any, settings: FlattrSettings) -> None:
    """Note the ``FLATTR_AUTHORS`` keys of ``settings``, those of the build
    of ``pelican`` (a language's site of i18n_subsites) that just ended,
    that the main site's settings lack: that language's own, which a
    message must name with it, as the main site's settings have no such
    key to mend."""
    mapped = settings.authors.keys() | settings.unusable_authors.keys()
    main = _outermost().pelican.settings.get("FLATTR_AUTHORS")
    if isinstance(main, Mapping):
        mapped -= {str(key) for key in main}
    label = language_label(pelican)
    own_author_keys = current.author_keys.own_author_keys
    for key in mapped:
        own_author_keys.setdefault(key, []).append(label)


def thing_elsewhere_in_run() -> dict[str, Thing]:
    """Source file -> its thing in another build of this run, the outermost
    first: with i18n_subsites, the main site's, or an earlier language's."""
    found: dict[str, Thing] = {}
    for outer in reversed(outer_builds):  # the outermost wins
        found.update(outer.inside.things)
        found.update((ct.source, ct.thing) for ct in outer.content_things)
    return found


def is_inner(pelican: Any) -> bool:
    """Whether the build of ``pelican`` runs inside another (see
    ``start_build``)."""
    return bool(outer_builds) and current.pelican is pelican


def _still_running(pelican: Any) -> bool:
    """Whether ``pelican``'s ``run()`` is on the call stack: a build started
    now runs inside it. A build that failed is not, whatever its state."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run" and frame.f_locals.get("self") is pelican:
            return True
        frame = frame.f_back
    return False


def _author_slugs(settings: FlattrSettings, pelican: Any) -> dict[str, str]:
    """The slug of each ``FLATTR_AUTHORS`` key, as the site slugifies author
    names, -> the key; the first key wins a slug two of them share (a
    usable entry before an unusable one). ``resolve`` takes it for an author
    spelt as no key; attach warns about such keys. A key of no slug (a
    script with no ASCII letters: Tifinagh, Adlam) is left out: every such
    name slugifies to "", and an author without a key took its owner."""
    slugs: dict[str, str] = {}
    for key in (*settings.authors, *settings.unusable_authors):
        slug = Author(key, pelican.settings).slug
        if slug:
            slugs.setdefault(slug, key)
    return slugs


def loaded_by(pelican: Any, name: str = _THIS_PLUGIN) -> bool:
    """Whether ``pelican`` loaded the plugin ``name`` (its ``PLUGINS``):
    this one unless another is named (``seo`` for ``pelican.plugins.seo``;
    see ``settings.has_plugin``). This one is loaded too where its
    ``register()`` ran as ``pelican`` loaded its plugins, under any name
    (``registered``)."""
    if name == _THIS_PLUGIN and pelican in _registered_by:
        return True
    return has_plugin(getattr(pelican, "plugins", ()), name)


# The Pelicans whose plugins ran register(). A site's own plugin that
# calls it ("site_flattr", whose register() calls pelican_flattr.register())
# loads this one under another name, which the PLUGINS entries do not tell:
# the plugin stayed idle, without a word.
_registered_by: weakref.WeakSet[Any] = weakref.WeakSet()


def registered() -> None:
    """Note the Pelican that ``register()`` runs for: the one whose
    ``init_plugins()`` is up the call stack, as Pelican calls each plugin's
    ``register()`` from there (a site's own plugin that calls this one's
    too). A call from anywhere else, by hand or by a test harness, notes no
    Pelican: one whose plugins do not call it leaves the plugin idle."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "init_plugins":
            pelican = frame.f_locals.get("self")
            if pelican is not None:
                _registered_by.add(pelican)
            return
        frame = frame.f_back


def name_plugin_in_settings(pelican: Any) -> None:
    """At ``initialized``: name this plugin in the ``PLUGINS`` of a Pelican
    that loaded it under another name, as the names of the plugins it
    loaded are: themes ask ``"pelican_flattr" is plugin_enabled``, and
    i18n_subsites gives each language's site these settings."""
    names = pelican.settings.get("PLUGINS")
    if (
        pelican in _registered_by
        and isinstance(names, list)
        and not has_plugin(names, _THIS_PLUGIN)
    ):
        names.append(_THIS_PLUGIN)


def report(problem: str, *, log: bool = True) -> bool:
    """Count ``problem`` against the build and log it (unless ``log`` is
    False: a summary says it); return whether it was logged now.

    A build run inside another that found the same problem leaves it to
    that one's message: i18n_subsites gives each language's site the main
    site's settings, and one mistake logged once per language is noise.
    Nor is a problem logged again in a retry of a failed run that logged
    it (see ``start_build``): only once it is gone from a try, or a run
    has ended, is it said again.
    """
    messages = current.messages
    messages.problems.append(problem)
    if (
        not log
        or problem in messages.reported_inside
        or any(
            problem in outer.messages.problems
            or problem in outer.messages.reported_inside
            for outer in outer_builds
        )
    ):
        return False
    run_messages = _outermost().messages
    run_messages.errors_said.add(problem)
    if problem in run_messages.errors_said_before:
        run_messages.held_back.append(problem)
        return False
    _say(logging.ERROR, problem)
    return True


def _outermost() -> BuildState:
    """The outermost build of the run now going on: ``current``, or the
    one the builds of i18n_subsites' languages' sites run inside."""
    return outer_builds[0] if outer_builds else current


def warn(message: str) -> None:
    """A warning, or under ``FLATTR_STRICT`` a problem that fails the build."""
    if current.strict:
        report(message)
    else:
        _say(logging.WARNING, message)


def _say(level: int, message: str) -> None:
    """Log the plugin's ``message`` at ``level``: a problem, or a warning.

    Pelican's ``--fatal errors`` (or ``warnings``) makes its logger raise
    at the first such message, out of the build: neither ``fail_if_strict``
    nor the build's end runs, and the last build's manifest was left
    beside the pages Pelican had written, for the audit to pass. So a
    message that raises takes back what a failed strict build takes back.
    """
    # Logged by the level's own method: Pelican 4.9's fatal logger raises
    # from error() and warning() alone, not from log().
    log = logger.error if level >= logging.ERROR else logger.warning
    try:
        log("pelican-flattr: %s", message)
    except Exception:
        take_back_manifests()
        raise


def warn_once(message: str) -> None:
    """``warn``, once in a run, however many pages (or the sites of
    i18n_subsites, each a build of its own) would repeat it."""
    if first_in_run(message):
        warn(message)


def first_in_run(key: str) -> bool:
    """Whether neither this build nor one it runs inside has noted ``key``;
    note it. Outer builds attach things before the builds run inside them
    (i18n_subsites runs each language's site from the main build's
    ``get_writer``), so a key noted then is known to all of them."""
    if any(key in each.messages.said for each in (*outer_builds, current)):
        return False
    current.messages.said.add(key)
    return True


def first_of_many(key: str, before: str, after: str) -> bool:
    """``first_in_run`` for a problem said once for the many pages that
    share its cause (a template's), counting them: ``say_page_counts`` says
    ``before``, their count and ``after`` at the build's end, when more
    than the page named had it."""
    counts = current.messages.page_counts
    if key in counts:
        counts[key][0] += 1
        return False
    if not first_in_run(key):
        return False
    counts[key] = [1, before, after]
    return True


def say_page_counts() -> None:
    """Say how many pages had each problem ``first_of_many`` said for one
    of them: a message that names one page read as one page's problem."""
    for count, before, after in current.messages.page_counts.values():
        if count > 1:
            logger.warning(
                "pelican-flattr: %s%s%d%s", site_label(), before, count, after
            )


def source_path(content: Any) -> str:
    """``content``'s source path relative to PATH, as messages name a file:
    ``source_of``'s, else Pelican's."""
    return source_of(content) or content.relative_source_path


def source_of(content: Any) -> str | None:
    """Pelican's ``relative_source_path`` of ``content`` when the source path
    is plainly under PATH (absolute, normalised), or None to ask Pelican:
    its answer costs two ``abspath`` and a ``relpath`` per article."""
    path = getattr(content, "source_path", None)
    root = current.content_root
    if (
        os.sep != "/"
        or not root
        or not isinstance(path, str)
        or not path.startswith(root)
    ):
        return None
    relative = path[len(root) :]
    if relative.startswith(".") or "/." in relative or "//" in relative:
        return None  # ".", ".." or a hidden name: let Pelican normalise it
    return relative if relative and not relative.endswith("/") else None


def remove_earlier_manifest(pelican: Any) -> None:
    """Remove the manifest that an earlier build left where this one, whose
    settings were refused, would have written its own: at its end, or
    before ``fail_if_strict`` stops a strict one.

    This build made no things, and its pages have no buttons: left in
    place, the manifest would describe buttons the site lacks, and a deploy
    would publish it, or an audit take it for this build's. Only a
    pelican-flattr manifest is removed (FLATTR_MANIFEST may name an article
    or a page by mistake), and nothing when FLATTR_MANIFEST is itself
    refused: where it points is not known.
    """
    problems: list[str] = []
    path = manifest_path_setting(pelican.settings, problems)
    if problems:
        return
    # As start_build names it: a language's site of i18n_subsites, given a
    # path an outer build writes, writes its own named for its language.
    path = own_path(path, _outer_paths("manifest_path", manifest_path_setting), pelican)
    remove_manifest(path, NO_THINGS)


def take_back_manifests() -> None:
    """Remove what a build that fails must not leave beside its output: the
    manifest an earlier build left, where this build's settings were
    refused (see ``remove_earlier_manifest``), and the manifests of
    ``_remove_manifests_of_failed_run``. Called by ``fail_if_strict``, and
    where a build stops on an exception (Pelican's ``--fatal``)."""
    if current.settings is None and current.active:
        # Its message may raise too (--fatal warnings): see below.
        with contextlib.suppress(RuntimeError):
            remove_earlier_manifest(current.pelican)
    _remove_manifests_of_failed_run()
    _put_back_old_baselines()


def _remove_manifests_of_failed_run() -> None:
    """Remove the manifests this run wrote, and once Pelican has written
    pages (at ``finalized``: the URL guard found a changed thing URL; or,
    under Pelican's ``--fatal``, as it writes them: a template misused a
    helper) the one where this build writes its own, with their compressed
    copies: with a manifest beside them, a deploy gated on the audit
    published the pages the failed build refused. Without it, the audit
    refuses them."""
    builds = (*outer_builds, current)
    paths = [path for each in builds for path in each.progress.manifests_written]
    for each in builds:
        each.progress.manifests_written.clear()
    # A page rendered through the plugin's templates: Pelican is writing.
    writing = current.progress.pages_written or current.page.context is not None
    if writing and current.settings is not None:
        paths.append(current.settings.manifest_path)
    for path in dict.fromkeys(paths):
        # Under --fatal warnings, the warning that says a removal raises
        # once the files are gone: the other manifests go all the same, and
        # the build fails as it was failing.
        with contextlib.suppress(RuntimeError):
            remove_manifest(path, FAILED)


def keep_old_baseline(path: Path) -> None:
    """Keep the URL guard baseline at ``path`` (the file itself, not a link
    to it), about to be replaced, as a second link to it beside it, until
    the run ends: a run that fails after the guard passed (its manifest
    unwritten, or the main site's guard after a language's site's) puts
    it back, so that a change the guard said once is said again by the
    next build, as one its own failure keeps. None kept where there is
    none, nor where the file system makes no link (said nowhere: the
    build goes on as before)."""
    kept = path.with_name(f"{path.name}{_OLD_BASELINE}")
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(kept)  # a run stopped by a signal left it
        os.link(path, kept)
    except OSError:
        return
    current.progress.baselines_replaced[path] = kept


# What follows a baseline's name in that of the link to the one it replaced.
_OLD_BASELINE = ".before-this-build"


def _put_back_old_baselines() -> None:
    """Put back the baselines this run replaced (``keep_old_baseline``)."""
    for each in (*outer_builds, current):
        replaced = each.progress.baselines_replaced
        for path, kept in replaced.items():
            try:
                os.replace(kept, path)
            except OSError as error:
                logger.warning(
                    "pelican-flattr: cannot put back the URL guard's baseline "
                    "of before this failed build, %s, as %s: %s; the next "
                    "build compares with this build's",
                    kept,
                    path,
                    error,
                )
        replaced.clear()


def forget_old_baselines() -> None:
    """Remove the links to the baselines this run replaced, once it has
    passed (``keep_old_baseline``)."""
    replaced = current.progress.baselines_replaced
    for kept in replaced.values():
        with contextlib.suppress(OSError):
            os.unlink(kept)
    replaced.clear()


def manifest_of_build(settings: FlattrSettings) -> Iterator[str]:
    """The manifest of this build's things, in chunks to write."""
    return manifest_chunks(
        settings.siteurl,
        current.content_things,
        current.feeds.by_source,
        current.url_spool.get,
        open_graph=settings.open_graph,
        shown_styles=current.shown_styles,
        feed_payment_links=settings.feeds,
        site_payment_link=current.feeds.site_payment_url,
    )


def failed_build_manifest(settings: FlattrSettings) -> Path | None:
    """Where this build keeps its manifest if its URL guard fails it
    (``settings.failed_build_manifest_path``): out of its output, and, for
    a language's site of i18n_subsites, out of the outputs of the sites it
    runs inside too."""
    outputs = [each.settings.output_path for each in outer_builds if each.settings]
    return failed_build_manifest_path(settings, outputs)


def development_build(settings: FlattrSettings) -> str:
    """Why the build of ``settings`` is a development build, whose thing
    URLs the URL guard neither compares nor keeps (see
    ``FlattrSettings.development_build``), or "". With i18n_subsites, a
    language's site is one when the main site's build is: on a domain of
    its own, its SITEURL is public, but ``pelican --autoreload`` with the
    development settings builds it all the same."""
    if settings.development_build or not outer_builds:
        return settings.development_build
    main = outer_builds[0].settings
    if main is None or not main.development_build:
        return ""
    return f"the main site's {main.development_build}"


def _unseen_problem(problems: list[str]) -> str:
    """The first of ``problems`` (or the cause many of them share) when the
    log shows no error (``pelican -q`` shows critical messages alone), for
    the build's last message: a CI log said that the build failed, and not
    why."""
    if logger.isEnabledFor(logging.ERROR):
        return ""
    more = " (build without -q to see every one)" if len(problems) > 1 else ""
    # Of a mass URL change, the summary's one fix, not the first file's pin.
    if current.messages.shared_cause is not None:
        return f"; {current.messages.shared_cause}{more}"
    return f"; the first: {problems[0]}{more}"


def _checks_not_run(count: int) -> str:
    """What a build that fails now, with ``count`` problems, did not check,
    for its last message:
    the checks made as Pelican writes the pages, and the URL guard. A
    build that stopped on its metadata gave its count as the whole bill,
    and the changed thing URLs, the flattrs they strand, came to light
    only once every problem counted was mended."""
    settings = current.settings
    if settings is None:
        return ""  # refused settings: the plugin checks nothing
    skipped = []
    guard = (
        settings.url_guard
        and not current.progress.guard_reached
        and not development_build(settings)
    )
    if not current.progress.pages_written:
        skipped.append(
            "neither the checks made as pages are written nor the URL guard ran"
            if guard
            else "the checks made as pages are written did not run"
        )
    elif guard:
        skipped.append("the URL guard did not run")
    # A language's site of i18n_subsites runs before the main site writes
    # its pages: failing, it ends the main site's build too.
    if any(
        each.settings is not None and not each.progress.pages_written
        for each in outer_builds
    ):
        skipped.append(
            "the site this one runs inside wrote no pages: its checks and URL "
            "guard did not run"
        )
    if not skipped:
        return ""
    these = "these are" if count > 1 else "it is"
    return f" ({'; '.join(skipped)}: more problems may follow once {these} mended)"


def fail_if_strict() -> None:
    """End a ``FLATTR_STRICT`` build that has problems, with exit status 1.

    A build whose settings were refused first removes the manifest an
    earlier build left, as a lenient one does at its end: stopped before
    Pelican's ``finalized``, it would otherwise leave it in place.
    """
    if current.strict and current.messages.problems:
        take_back_manifests()
        run_messages = _outermost().messages
        # Said in an earlier try only, above Pelican's exception: the build
        # that fails lists its problems above its last word, as ever.
        for problem in dict.fromkeys(run_messages.held_back):
            logger.error("pelican-flattr: %s", problem)
        run_messages.held_back.clear()
        count = len(current.messages.problems)
        reloading, stop_queue = _pelican_autoreload()
        logger.critical(
            "pelican-flattr: %d problem%s and FLATTR_STRICT is on: build failed%s%s%s",
            count,
            "s" if count > 1 else "",
            _unseen_problem(current.messages.problems),
            "; pelican --autoreload stops here: "
            f"mend {'them' if count > 1 else 'it'} and start it again"
            if reloading
            else "",
            _checks_not_run(count),
        )
        failed = (
            f"pelican-flattr: build failed: {count} problem"
            f"{'s' if count > 1 else ''} (FLATTR_STRICT)"
        )
        _stop_failed_build(failed, stop_queue)


def _stop_failed_build(failed: str, stop_queue: Any) -> NoReturn:
    """End the build with ``failed`` as its last word (exit status 1)."""
    if stop_queue is not None:
        # With --listen, Pelican's own process waits on this queue for a
        # reason to stop its server: the SystemExit below ends only this
        # process, and the server went on serving the failed output while
        # nothing rebuilt it, and said nothing.
        stop_queue.put(failed)
    raise FlattrBuildError(failed)
