"""Pelican wiring: signals in, things attached to content, markup and manifest out.

A build flows through these receivers (see docs/architecture.md):

0. ``hide_addresses`` (``initialized``, once per Pelican object): every
   ``email:ADDRESS`` owner in Pelican's own settings becomes its hash, as
   Pelican's content cache pickles the settings
   (``reserve_flattr_attribute``, on ``content_object_init``, does the same
   for an article's owner metadata).
1. ``start_build`` (``get_generators``, at the start of every ``run()``):
   resets per-build state, so ``pelican --autoreload`` never doubles anything.
2. ``prepare_templates`` and ``attach_things`` (``all_generators_finalized``,
   once every content file is read and before anything is rendered): every
   template finds the helpers ``flattr_head``, ``flattr_button``,
   ``flattr_script`` and ``flattr_pending``, and completes each page it
   renders (``complete_page``) with what the helpers did not put there,
   before Pelican writes it, so no page is read back; and each article (and
   page) is resolved into ``content.flattr``, every problem logged once, a
   strict build failed.
3. ``add_payment_links_to_feed`` and ``record_feed`` (``feed_generated``,
   ``feed_written``): payment links in feeds, and which feed carries what.
4. ``write_manifest`` (``finalized``): writes the manifest, guards URLs.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import posixpath
import re
import stat
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jinja2 import Undefined
from jinja2.utils import missing
from markupsafe import Markup
from pelican import signals
from pelican.contents import Article, Content, Page
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.log import LimitFilter
from pelican.urlwrappers import Author

from . import markup
from .feeds import PaymentLink, as_feed_writes, tag_feed
from .identifiers import HIDDEN_ADDRESS, IdentifierError, parse_owner
from .manifest import (
    UrlSpool,
    manifest_chunks,
    not_a_file_of,
    not_a_manifest,
    portable_path,
    write_atomically,
)
from .resolve import (
    OWNER,
    PINNED_URL,
    ContentThing,
    Resolution,
    open_graph,
    own_thing_url,
    resolve,
)
from .settings import (
    BUTTON_STYLES,
    FlattrSettings,
    read_settings,
    scrub_addresses,
    scrubbed_owner,
    shown_author,
    strict_build,
)
from .thing import (
    Thing,
    is_development_url,
    strip_html,
    thing_description,
    thing_tags,
    thing_title,
)
from .url_guard import (
    BaselineError,
    baseline_entry,
    holds_baseline,
    in_folder,
    load_baseline,
    next_baseline,
    set_aside,
    url_changes,
    write_baseline,
)

if TYPE_CHECKING:
    from .notice import PendingNotice

logger = logging.getLogger("pelican_flattr")


class FlattrBuildError(SystemExit):
    """Ends a strict build that found problems, with exit status 1.

    A SystemExit rather than an Exception on purpose: Pelican logs any
    Exception with its traceback, and a user's mistake deserves one clear
    line. Code that runs Pelican itself can catch it like any exception.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = 1
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class PageRender:
    """What the template helpers put into the page being rendered.

    Reset as each top-level template starts rendering (pages are rendered
    one at a time), read by ``complete_page`` when it ends.
    """

    heads: set[int] = field(default_factory=set)  # id() of ContentThings
    buttons: set[int] = field(default_factory=set)
    # id() of a ContentThing -> the style its button was shown in, when a
    # template asked for another than the configured one.
    styles: dict[int, str] = field(default_factory=dict)
    needs_loader: bool = False  # an embedded button was rendered
    has_loader: bool = False  # flattr_script() printed load.js
    # The page's template, for messages about a helper called wrongly.
    template: str | None = None

    def complete_for(self, content_thing: ContentThing) -> bool:
        """True when the helpers already gave the page all it needs."""
        key = id(content_thing)
        return (
            key in self.heads
            and key in self.buttons
            and (self.has_loader or not self.needs_loader)
        )


@dataclass
class BuildState:
    """Everything one ``run()`` learns; replaced at the start of the next."""

    settings: FlattrSettings | None = None
    pelican: Any = None  # the Pelican whose run() this is
    generators: list[Any] = field(default_factory=list)
    # Read apart from the other settings: it must hold when they are unusable.
    strict: bool = False
    # False when the running Pelican did not load this plugin.
    active: bool = False
    content_things: list[ContentThing] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    page: PageRender = field(default_factory=lambda: PageRender())
    # Feeds: article.url -> its thing, and the feed files that carry it.
    things_by_content_url: dict[str, ContentThing] = field(default_factory=dict)
    feeds_by_source: dict[str, list[str]] = field(default_factory=dict)
    # The payment links of the things feeds carry, by article.url: at most
    # FEED_MAX_ITEMS per feed, most of them in several feeds. Pelican writes
    # an article generator's feeds before its pages, so each article page
    # takes its auto-submit URL from here instead of building it again.
    feed_payment_links: dict[str, PaymentLink] = field(default_factory=dict)
    site_payment_url: str | None = None
    # The feed being written and the keys of its tagged items: Pelican
    # writes each feed right after handing it to plugins.
    feed_being_written: tuple[Any, list[str]] | None = None
    # Author name -> flattrs waiting for them (FLATTR_STORE).
    pending_notices: dict[str, PendingNotice] = field(default_factory=dict)
    # Thing URL -> the button style its page shows, where a template chose
    # another than the configured one, for the manifest.
    shown_styles: dict[str, str] = field(default_factory=dict)
    # The auto-submit URL each page used, for the manifest.
    url_spool: UrlSpool = field(default_factory=UrlSpool)
    # Whether some content's owner metadata held an address: the readers'
    # caches then need it hashed too (see _hide_addresses_in_reader_caches).
    addresses_in_metadata: bool = False
    # Pelican's PATH, absolute, with a trailing "/": see _source().
    content_root: str = ""
    # OUTPUT_SOURCES_EXTENSION when Pelican publishes the sources, else None.
    published_sources: str | None = None
    # With it, the published content with an email owner: see
    # warn_about_published_addresses().
    owner_sources: list[OwnerSource] = field(default_factory=list)
    # Whether Pelican writes a feed, which carries the site's own thing.
    writes_feeds: bool = False
    # FLATTR_AUTHORS keys that name no author of this build's content, and
    # those that do, with the builds run inside it (see end_build); and the
    # keys already warned about.
    unknown_authors: set[str] = field(default_factory=set)
    known_authors: set[str] = field(default_factory=set)
    warned_authors: set[str] = field(default_factory=set)
    # (content class, in the default language) -> whether Pelican's URL and
    # SAVE_AS settings for it are the same: see _save_as_is_url().
    save_as_is_url: dict[tuple[type, bool], bool] = field(default_factory=dict)
    # With i18n_subsites, the languages that have a site other than this
    # one: see _contents().
    other_sites_languages: frozenset[str] = frozenset()


_build = BuildState()
# The builds that a build now running was started from inside (see
# start_build), innermost last.
_outer_builds: list[BuildState] = []

# Pelican's URL setting for each content class: the class's own, or for a
# translation its LANG_ one. Each has its SAVE_AS twin (ARTICLE_SAVE_AS...).
_URL_SETTING = {
    (Article, True): "ARTICLE_URL",
    (Article, False): "ARTICLE_LANG_URL",
    (Page, True): "PAGE_URL",
    (Page, False): "PAGE_LANG_URL",
}

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

# The web hook receiver's secret, which a settings file may hold (see
# webhook_command.TOKEN_ENV; not imported, to keep the build's imports few).
WEBHOOK_TOKEN_SETTING = "FLATTR_WEBHOOK_TOKEN"

# What the duplicate-URL check names as the source of the site's own thing.
_SITE_THING = "the site itself (FLATTR_USERNAME's payment link in every feed)"


def start_build(pelican: Any) -> None:
    """Forget the previous run's things; read and validate the settings.

    A build run from inside another (i18n_subsites runs each language's
    site from the main build's ``get_writer``) keeps the outer build's state
    aside, and ``end_build`` gives it back: the outer build's feeds, pages
    and manifest are written after the inner one ends.
    """
    global _build
    outer = _build.pelican
    # Not the same Pelican: `pelican --autoreload` runs one instance again.
    if outer is not None and outer is not pelican and _still_running(outer):
        _outer_builds.append(_build)
    else:
        _build.url_spool.close()  # a previous run that ended early
        _outer_builds.clear()
    _build = BuildState(strict=strict_build(pelican.settings), pelican=pelican)
    _forget_logged_warnings()
    if not _loaded_by(pelican):
        # Blinker keeps receivers connected for the life of the process, so
        # a later Pelican without this plugin still calls them: stay idle.
        _build.strict = False
        return
    _build.active = True
    _build.content_root = os.path.join(os.path.abspath(pelican.settings["PATH"]), "")
    if pelican.settings.get("OUTPUT_SOURCES"):
        # As Pelican names the copy: an empty extension is no extension.
        extension = pelican.settings.get("OUTPUT_SOURCES_EXTENSION", ".text")
        _build.published_sources = str(extension)
    _build.writes_feeds = any(pelican.settings.get(name) for name in _FEED_SETTINGS)
    _build.save_as_is_url = {
        key: pelican.settings.get(setting)
        == pelican.settings.get(setting.removesuffix("URL") + "SAVE_AS")
        for key, setting in _URL_SETTING.items()
    }
    subsites = _i18n_subsites(pelican)
    if subsites:
        # Each language's site is a build of its own, the main site's
        # outermost; each overrides DEFAULT_LANG with its language.
        main = _outer_builds[0].pelican if _outer_builds else pelican
        languages = {*subsites, main.settings.get("DEFAULT_LANG")}
        _build.other_sites_languages = frozenset(
            languages - {pelican.settings.get("DEFAULT_LANG")}
        )
    flattr_settings, problems = read_settings(_own_flattr_siteurl(pelican.settings))
    if flattr_settings is not None:
        flattr_settings = dataclasses.replace(
            flattr_settings,
            author_slugs=_author_slugs(flattr_settings, pelican),
            url_baseline_path=_own_path(
                flattr_settings.url_baseline_path,
                {o.settings.url_baseline_path for o in _outer_builds if o.settings},
                pelican,
            ),
            manifest_path=_own_path(
                flattr_settings.manifest_path,
                {o.settings.manifest_path for o in _outer_builds if o.settings},
                pelican,
            ),
        )
    _build.settings = flattr_settings
    said = [_report(f"settings: {problem}") for problem in problems]
    if flattr_settings is None and any(said):
        logger.error("pelican-flattr: no Flattr buttons this build (see above)")


def _i18n_subsites(pelican: Any) -> dict[str, Any]:
    """``I18N_SUBSITES`` when the i18n_subsites plugin builds them, else {}:
    the setting left in a site's settings without the plugin builds no
    other language's site, and must not take that site's content from it."""
    subsites = pelican.settings.get("I18N_SUBSITES")
    if not isinstance(subsites, dict) or not any(
        getattr(plugin, "__name__", "").rpartition(".")[2] == "i18n_subsites"
        for plugin in getattr(pelican, "plugins", ())
    ):
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
    if not _outer_builds or not isinstance(base, str) or not base:
        return settings
    main = _outer_builds[0].pelican.settings
    if base != main.get("FLATTR_SITEURL"):
        return settings  # set for this site
    below = posixpath.relpath(
        urlsplit(str(settings.get("SITEURL") or "")).path or "/",
        urlsplit(str(main.get("SITEURL") or "")).path or "/",
    )
    if below == "." or below.startswith(".."):
        return settings
    return dict(settings, FLATTR_SITEURL=f"{base.rstrip('/')}/{below}")


def _own_path(path: Path, taken: set[Path], pelican: Any) -> Path:
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


def finish_build(pelican: Any) -> None:
    """The build's last steps, in this order (blinker calls the receivers
    of one signal in no set order)."""
    try:
        if not _is_inner(pelican):
            _warn_about_unknown_authors()
            _fail_if_strict()  # before the manifest, as when said earlier
        warn_about_published_addresses(pelican)
        write_manifest(pelican)
    finally:
        end_build(pelican)


def end_build(pelican: Any) -> None:
    """Give the outer build its state back when a build run from inside it
    ends (see ``start_build``)."""
    global _build
    if _is_inner(pelican):
        _build.url_spool.close()
        inner, _build = _build, _outer_builds.pop()
        # Each language's site of i18n_subsites holds only its language's
        # content: an author is unknown when no site of the run knows them.
        _build.unknown_authors |= inner.unknown_authors
        _build.known_authors |= inner.known_authors


def _is_inner(pelican: Any) -> bool:
    """Whether the build of ``pelican`` runs inside another (see
    ``start_build``)."""
    return bool(_outer_builds) and _build.pelican is pelican


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
    names, -> the key; the first key wins a slug two of them share."""
    slugs: dict[str, str] = {}
    for key in (*settings.authors, *settings.unusable_authors):
        slugs.setdefault(Author(key, pelican.settings).slug, key)
    return slugs


def hide_addresses(pelican: Any) -> None:
    """Hash every address in the owners of Pelican's own settings, and drop
    the web hook token, before Pelican copies them into the context every
    content object keeps.

    Pelican pickles both with each article it caches (``CACHE_CONTENT``),
    and the cache is a file the build writes.
    """
    if _loaded_by(pelican):
        scrub_addresses(pelican.settings)
        # `webhook serve --settings` reads the token from the file itself;
        # no build needs it.
        pelican.settings.pop(WEBHOOK_TOKEN_SETTING, None)


def _loaded_by(pelican: Any) -> bool:
    return any(
        getattr(plugin, "__name__", "").split(".")[0] == __name__.split(".")[0]
        for plugin in getattr(pelican, "plugins", ())
    )


def _report(problem: str) -> bool:
    """Count ``problem`` against the build and log it; return whether it
    was logged now.

    A build run inside another that found the same problem leaves it to
    that one's message: i18n_subsites gives each language's site the main
    site's settings, and one mistake logged once per language is noise.
    """
    _build.problems.append(problem)
    if any(problem in outer.problems for outer in _outer_builds):
        return False
    logger.error("pelican-flattr: %s", problem)
    return True


def _contents(generators: list[Any], pages: bool) -> list[tuple[Any, bool]]:
    """Published content, articles first: (content, is_article) pairs.

    Drafts never get a thing: their URL is not public and would change.
    Nor does hidden content in the language of another site of
    i18n_subsites, which hides untranslated pages so and keeps hidden
    articles in every site: that site publishes it with its thing, and a
    thing for each hidden copy would split its flattrs.
    """
    elsewhere = _build.other_sites_languages

    def hidden(contents: list[Any]) -> Iterator[Any]:
        return (c for c in contents if getattr(c, "lang", None) not in elsewhere)

    found: list[tuple[Any, bool]] = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            found.extend(
                (article, True)
                for article in chain(
                    generator.articles,
                    generator.translations,
                    hidden(generator.hidden_articles),
                    hidden(generator.hidden_translations),
                )
            )
        elif pages and isinstance(generator, PagesGenerator):
            found.extend(
                (page, False)
                for page in chain(
                    generator.pages,
                    generator.translations,
                    hidden(generator.hidden_pages),
                    hidden(generator.hidden_translations),
                )
            )
    return found


def attach_things(generators: list[Any]) -> None:
    """Give every published article (and page) its thing, or say why not."""
    # Both whatever the settings: a build without buttons writes the
    # readers' cache and publishes the sources all the same.
    if _build.addresses_in_metadata:
        _hide_addresses_in_reader_caches(generators)
    if _build.published_sources is not None:
        _build.owner_sources = _published_content(generators)
    settings = _build.settings
    if settings is None:
        _fail_if_strict()
        return
    # Thing URL -> the content that has it, or _SITE_THING.
    holders: dict[str, Any] = {}
    if settings.username is not None and settings.feeds and _build.writes_feeds:
        # Flattr keeps one thing per URL, and content at the site's root
        # would share the site's: the site keeps it. Every feed has offered
        # the site's thing since FLATTR_USERNAME was set, so on Flattr it
        # most likely exists, owned by FLATTR_USERNAME, and a button on the
        # content would hand its flattrs to that owner; the content can pin
        # another URL, where the site's follows from the settings alone.
        holders[site_thing_url(settings)] = _SITE_THING
    # id() of the things that content found later took the URL of.
    displaced: set[int] = set()
    warned_languages: set[str] = set()
    for content, is_article in _contents(generators, settings.pages):
        content.flattr = None
        outcome = resolve(
            content,
            settings,
            is_article,
            source=_source(content),
            save_as_is_url=_save_as_is_url(content),
            content_url=_content_url(content),
        )
        content_thing = outcome.content_thing
        if content_thing is None:
            _say_why_not(content, outcome)
            continue
        source = content_thing.source
        if outcome.warning:
            logger.warning("pelican-flattr: %s: %s", source, outcome.warning)
        lang = outcome.language_fallback
        if lang and lang not in warned_languages:
            warned_languages.add(lang)
            logger.warning(
                "pelican-flattr: Flattr has no code for language %r (first seen "
                "in %s); its things use %s",
                lang,
                source,
                settings.language,
            )
        holder = holders.setdefault(content_thing.url, content)
        if holder is _SITE_THING and content_thing.thing.owner == settings.username:
            # The site owner's own page at the root: one thing for one owner
            # whichever Flattr keeps, so nothing is lost.
            holders[content_thing.url] = holder = content
        if holder is _SITE_THING:
            _report(
                f"{source}: its thing URL {content_thing.url} is already the "
                f"thing of {_SITE_THING}; Flattr would merge them, so it gets no "
                "Flattr button (pin a different flattr_url)"
            )
            continue
        if holder is not content:
            held = (holder, holder.flattr)
            if not _takes_shared_url(held, (content, content_thing), settings):
                continue
            holders[content_thing.url] = content
            displaced.add(id(_displace(holder)))
        content.flattr = content_thing
        _build.content_things.append(content_thing)
        if is_article:
            key = as_feed_writes(content_thing.content_url)
            _build.things_by_content_url[key] = content_thing
    if displaced:
        _build.content_things = [
            ct for ct in _build.content_things if id(ct) not in displaced
        ]
    _classify_author_keys(generators, settings)
    if not _outer_builds and not _i18n_subsites(_build.pelican):
        # Said now, so that a strict build fails before writing a page;
        # with subsites, once all of them are read (see end_build).
        _warn_about_unknown_authors()
    if settings.username is not None:
        _build.site_payment_url = site_thing(settings).auto_submit_url
    if settings.store_path is not None:
        _build.pending_notices = _read_notices(settings)
    _fail_if_strict()


def _takes_shared_url(
    held: tuple[Any, ContentThing],
    found: tuple[Any, ContentThing],
    settings: FlattrSettings,
) -> bool:
    """Whether content ``found`` takes the thing URL of ``held``, which had
    it first (both are (content, its thing)); the one that goes without a
    thing is reported, with the field to change.

    Content whose thing URL is its own page's keeps it from content that
    pins it (``flattr_url``): a pin must never take another article's thing,
    and its flattrs. Between two that pin it, or two whose pages share it,
    the one dated earlier keeps it, else the source file that sorts first:
    never Pelican's order, in which a new article comes first and would
    take the thing of an older one.
    """
    held_own, found_own = (
        thing.url == own_thing_url(thing.content_url, settings)
        for _, thing in (held, found)
    )
    if held_own != found_own:
        (_, kept), (_, lost) = (held, found) if held_own else (found, held)
        _report(
            f"{lost.source}: metadata '{PINNED_URL}' pins {lost.url}, the URL of "
            f"{kept.source}'s own page, which keeps that thing; Flattr keeps one "
            f"thing per URL, so {lost.source} gets no Flattr button (pin a "
            f"different {PINNED_URL}, or remove it)"
        )
        return not held_own
    keeper, loser, why = _earlier(held, found)
    kept, lost = keeper[1], loser[1]
    if held_own:
        what = (
            f"its thing URL {lost.url} is also the URL of {kept.source}'s page, "
            f"which keeps that thing ({why})"
        )
        fix = f"give one of them another slug or URL, or pin a different {PINNED_URL}"
    else:
        what = (
            f"metadata '{PINNED_URL}' pins {lost.url}, which {kept.source} pins "
            f"too and keeps ({why})"
        )
        fix = f"change the {PINNED_URL} of one of them"
    _report(
        f"{lost.source}: {what}; Flattr keeps one thing per URL, so "
        f"{lost.source} gets no Flattr button ({fix})"
    )
    return keeper is found


def _earlier(
    one: tuple[Any, ContentThing], other: tuple[Any, ContentThing]
) -> tuple[tuple[Any, ContentThing], tuple[Any, ContentThing], str]:
    """(the earlier of two (content, thing) pairs, the later, why): by date
    when both have one, else by source file name."""
    dates = (getattr(one[0], "date", None), getattr(other[0], "date", None))
    if None not in dates and dates[0] != dates[1]:
        try:
            first_is_one = dates[0] < dates[1]
        except TypeError:  # one with a time zone, one without: by name
            pass
        else:
            pair = (one, other) if first_is_one else (other, one)
            return *pair, "dated earlier"
    pair = (one, other) if one[1].source <= other[1].source else (other, one)
    return *pair, "first by file name"


def _displace(content: Any) -> ContentThing:
    """Take the thing of ``content`` back, as content found later took its
    URL, and return it (still in ``_build.content_things``)."""
    lost: ContentThing = content.flattr
    content.flattr = None
    key = as_feed_writes(lost.content_url)
    if _build.things_by_content_url.get(key) is lost:
        del _build.things_by_content_url[key]
    return lost


# Every list of content a generator keeps but "articles", whose authors
# Pelican has already gathered (ArticlesGenerator.authors).
_CONTENT_LISTS = (
    "translations",
    "hidden_articles",
    "hidden_translations",
    "drafts",
    "drafts_translations",
    "pages",
    "hidden_pages",
    "draft_pages",
    "draft_translations",
)


def _hide_addresses_in_reader_caches(generators: list[Any]) -> None:
    """Hash the owner addresses in what Pelican's readers cached, and save
    their caches again.

    A reader caches its own copy of each file's metadata, saved before any
    plugin sees the content; rare (an ``email:ADDRESS`` in an article's
    metadata, with content caching on), so the second save costs nothing
    on other sites. The cache's layout is Pelican's (path -> (file stamp,
    (content, metadata))): anything else is left alone.
    """
    for generator in generators:
        readers = getattr(generator, "readers", None)
        cached = getattr(readers, "_cache", None)
        if not isinstance(cached, dict):
            continue
        changed = False
        for entry in cached.values():
            data = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
            metadata = data[1] if isinstance(data, tuple) and len(data) == 2 else None
            owner = metadata.get(OWNER) if isinstance(metadata, dict) else None
            hidden = _hidden_owner(owner)
            if hidden is not owner:
                metadata[OWNER] = hidden  # type: ignore[index]
                changed = True
        if changed:
            readers.save_cache()


def _hidden_owner(owner: object) -> object:
    """Owner metadata with any address in it hidden: ``owner`` itself when
    it holds none. Anything but text (a field given twice is a list) is
    looked through, as it is rare."""
    if owner is None or (isinstance(owner, str) and "@" not in owner):
        return owner
    hidden = scrubbed_owner(owner)
    return owner if hidden == owner else hidden


@dataclass(frozen=True)
class OwnerSource:
    """Published content with an email owner, for the check of its
    published source: the source file, its page (Pelican names the copy
    after it), its owner metadata, and the hashes that owner stands for."""

    source: str
    save_as: str
    owner: object
    digests: frozenset[str]


def _published_content(generators: list[Any]) -> list[OwnerSource]:
    """Of what Pelican's SourceFileGenerator copies (published content and
    its translations), what has an email owner. An owner that hid an
    address it could not hash is an error of its own, naming the file."""
    found = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            published = chain(generator.articles, generator.translations)
        elif isinstance(generator, PagesGenerator):
            published = chain(generator.pages, generator.translations)
        else:
            continue
        for content in published:
            owner = content.metadata.get(OWNER)
            values = owner if isinstance(owner, (list, tuple)) else [owner]
            texts = [value for value in values if isinstance(value, str)]
            digests = frozenset(
                text.partition(":")[2].strip().lower()
                for text in texts
                if text.strip().lower().startswith("email:")
                and HIDDEN_ADDRESS not in text
            )
            if not digests:
                continue  # no address of its owner to look for
            source = _source(content) or str(content.relative_source_path)
            found.append(
                OwnerSource(
                    source.replace("\\", "/"),
                    str(content.save_as),
                    owner,
                    digests,
                )
            )
    return found


# Anything with an "@" between separators, for the addresses to hash: what
# the audit's address pattern leaves out ("_" in a domain), bounded as an
# address is (64 characters before the "@", 255 after).
_AT_TOKEN = re.compile(rb"[^\s<>()\[\]{}\"',;`]{0,64}@[^\s<>()\[\]{}\"',;`]{1,255}")


def warn_about_published_addresses(pelican: Any) -> None:
    """Name each source file that ``OUTPUT_SOURCES`` published with the
    plain address of its own email owner in it.

    Pelican copies the file itself: the plugin hides the address in what
    Pelican keeps of it, but cannot change the copy. So the copy of each
    content with an email owner is read once written, "&#64;" decoded, and
    every text around an "@" hashed, as the audit finds them and more: the
    copy is named when it holds the address behind its owner's hash. An
    owner from DEFAULT_METADATA is not in the copy, unless its text quotes
    the address (which the audit would report too). An address that could
    not be hashed is an error of its own, naming the file. Pelican's
    reStructuredText reader keeps only the last of a field given twice: an
    address in the first never reaches the plugin, and is not looked for.
    """
    extension = _build.published_sources
    entries = _build.owner_sources
    if extension is None or not entries:
        return
    import hashlib

    from .audit import addresses_in, candidate_addresses, with_entities_decoded

    output = Path(pelican.settings["OUTPUT_PATH"])
    for entry in sorted(entries, key=lambda entry: entry.source):
        copy = os.path.splitext(entry.save_as)[0].replace("\\", "/") + extension
        try:
            data = (output / copy).read_bytes()
        except OSError:
            continue  # Pelican did not write it, and says why
        texts = with_entities_decoded(data)
        shaped = {
            token
            for text in texts
            for token in chain(addresses_in(text), _AT_TOKEN.findall(text))
        }
        leaked = any(
            hashlib.md5(address.encode()).hexdigest() in entry.digests
            for token in shaped
            for address in candidate_addresses(token)
        )
        if leaked:
            _warn(
                f"{entry.source}: OUTPUT_SOURCES = True publishes this source "
                f"file as it is ({copy}), and it holds the plain email address "
                f"of its owner: write the owner as {_hashed_form(entry.owner)} "
                "and keep the address out of the file"
            )
    _fail_if_strict()


def _hashed_form(owner: object) -> str:
    """What to write instead of the address: the hash, when the owner was
    one usable address (public: every button carries it)."""
    if isinstance(owner, str):
        try:
            parsed = parse_owner(owner)
        except IdentifierError:
            pass
        else:
            if parsed.kind == "email":
                return f"{parsed.value} (the hash Flattr receives)"
    return "email:MD5HEX (the address's MD5 hash)"


def _warn(message: str) -> None:
    """A warning, or under ``FLATTR_STRICT`` a problem that fails the build."""
    if _build.strict:
        _report(message)
    else:
        logger.warning("pelican-flattr: %s", message)


def _classify_author_keys(generators: list[Any], settings: FlattrSettings) -> None:
    """Note which ``FLATTR_AUTHORS`` keys name an author, by name or slug, of
    any content, drafts included, and which name none: most likely a typo,
    which would give that author's things to ``FLATTR_USERNAME`` without a
    word."""
    mapped = settings.authors.keys() | settings.unusable_authors.keys()
    if not mapped:
        return
    authors: dict[str, Any] = {}
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            for author, _ in generator.authors:
                authors.setdefault(author.name, author)
        for name in _CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                for author in getattr(content, "authors", None) or ():
                    authors.setdefault(author.name, author)
    slugs = {getattr(a, "slug", None) for a in authors.values()}
    known = authors.keys() | slugs
    known |= {key for slug, key in settings.author_slugs.items() if slug in slugs}
    _build.known_authors |= mapped & known
    _build.unknown_authors |= mapped - known


def _warn_about_unknown_authors() -> None:
    """Warn about every ``FLATTR_AUTHORS`` key that names no author of the
    build (or of any build run inside it), once."""
    unknown = _build.unknown_authors - _build.known_authors - _build.warned_authors
    _build.warned_authors |= unknown
    for key in sorted(unknown):
        # Under FLATTR_STRICT an error: a typo gives that author's things
        # to another.
        _warn(
            f"FLATTR_AUTHORS[{shown_author(key)}] names no author of this site "
            "(by name or slug); check its spelling"
        )


def _source(content: Any) -> str | None:
    """Pelican's ``relative_source_path`` of ``content`` when the source path
    is plainly under PATH (absolute, normalised), or None to ask Pelican:
    its answer costs two ``abspath`` and a ``relpath`` per article."""
    path = getattr(content, "source_path", None)
    root = _build.content_root
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


def _content_url(content: Any) -> str:
    """Pelican's ``content.url``, formatted here when its URL setting reads
    nothing but ``{slug}`` and ``{lang}`` (Pelican's defaults do).

    Pelican builds a whole dict of the metadata for every access (its
    relative source path included): ~11 µs per article, the costliest part
    of resolving it. Its ``url_format`` gives ``slug`` and ``lang`` as
    ``getattr(content, "slug", "")`` and ``getattr(content, "lang", "en")``;
    any other field, a draft, a metadata ``url`` or a subclass of Pelican's
    own classes is left to Pelican.
    """
    setting = _URL_SETTING.get(
        (type(content), getattr(content, "in_default_lang", None))
    )
    if (
        setting is None
        or getattr(content, "status", None) == "draft"
        or hasattr(content, "override_url")
    ):
        return content.url
    url_format = getattr(content, "settings", {}).get(setting)
    if url_format is None or not _reads_only_slug_and_lang(str(url_format)):
        return content.url
    return str(url_format).format(
        slug=getattr(content, "slug", ""), lang=getattr(content, "lang", "en")
    )


@functools.lru_cache(maxsize=64)
def _reads_only_slug_and_lang(url_format: str) -> bool:
    try:
        parsed = list(string.Formatter().parse(url_format))
    except ValueError:  # not a valid format: Pelican says so
        return False
    return all(
        field in ("slug", "lang") and "{" not in (spec or "")
        for _, field, spec, _ in parsed
        if field is not None
    )


def _save_as_is_url(content: Any) -> bool:
    """Whether Pelican's ``save_as`` of ``content`` is its ``url``, without
    asking Pelican for both (each expands its settings anew).

    Pelican expands the same URL_FORMAT values into the class's (or, for a
    translation, its LANG_) URL and SAVE_AS settings, unless the metadata
    overrides either: the same settings give the same string.
    """
    same = _build.save_as_is_url.get(
        (type(content), getattr(content, "in_default_lang", None))
    )
    return bool(
        same
        and getattr(content, "status", None) != "draft"
        and not hasattr(content, "override_url")
        and not hasattr(content, "override_save_as")
    )


def _say_why_not(content: Any, outcome: Resolution) -> None:
    """Log why ``content`` got no thing (silent for a ``flattr: no`` opt-out)."""
    source = content.relative_source_path
    if outcome.problem:
        _report(f"{source}: {outcome.problem}; it gets no Flattr button")
    elif outcome.notice:
        logger.warning(
            "pelican-flattr: %s %s; no Flattr button", source, outcome.notice
        )


_MISSING = "does not exist (yet)"


def _file_problem(path: Path) -> str | None:
    """Why ``path`` is not a file to read: None when it is one, ``_MISSING``
    when nothing is there, or the reason.

    Unlike ``Path.is_file()``, which in Python 3.11 raises for a folder the
    build may not enter or a name too long, and would end the build in a
    traceback.
    """
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return _MISSING
    except OSError as error:
        return f"cannot be examined ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    return "is a folder, not a file" if stat.S_ISDIR(mode) else "is not a file"


def _read_notices(settings: FlattrSettings) -> dict[str, PendingNotice]:
    path = settings.store_path
    problem = _MISSING if path is None else _file_problem(path)
    if problem is not None:
        logger.warning(
            "pelican-flattr: FLATTR_STORE %s %s; no pending flattr notices this build",
            path,
            problem,
        )
        return {}
    # Only with FLATTR_STORE: a build without it never imports them.
    import sqlite3

    from .notice import notices_by_author, read_pending_totals

    try:
        totals = read_pending_totals(path)
    except (sqlite3.Error, OSError) as error:
        logger.warning(
            "pelican-flattr: FLATTR_STORE %s cannot be read (%s); no pending "
            "flattr notices this build",
            path,
            error,
        )
        return {}
    return notices_by_author(settings.authors, totals)


def site_thing_url(settings: FlattrSettings) -> str:
    """The thing URL of the site itself, which content at its root shares."""
    return f"{settings.siteurl}/"


def site_thing(settings: FlattrSettings) -> Thing:
    """The site itself, owned by FLATTR_USERNAME: the feeds' own payment link."""
    title = thing_title(settings.site_name or settings.siteurl)
    return Thing(
        url=site_thing_url(settings),
        owner=settings.username,  # type: ignore[arg-type]
        title=title,
        description=thing_description(
            strip_html(settings.site_subtitle, keep_breaks=True), title
        ),
        category=settings.category,
        language=settings.language,
        tags=thing_tags(settings.tags),  # as an article's: no "," or ";"
        hidden=settings.hidden,
    )


def _fail_if_strict() -> None:
    if _build.strict and _build.problems:
        count = len(_build.problems)
        logger.critical(
            "pelican-flattr: %d problem%s and FLATTR_STRICT is on: build failed",
            count,
            "s" if count > 1 else "",
        )
        raise FlattrBuildError(
            f"pelican-flattr: build failed: {count} problem"
            f"{'s' if count > 1 else ''} (FLATTR_STRICT)"
        )


def flattr_head(content: Any = None) -> Markup:
    """Jinja helper: payment link and Open Graph tags for ``content``."""
    content_thing = _helper_content_thing("flattr_head", content)
    settings = _build.settings
    if content_thing is None or settings is None:
        return Markup("")
    _build.page.heads.add(id(content_thing))
    return markup.head(
        content_thing,
        open_graph(content, content_thing, settings),
        auto_submit_url=_auto_submit_url(content_thing),
    )


def flattr_button(content: Any = None, style: str | None = None) -> Markup:
    """Jinja helper: the button for ``content`` (in ``style``, if given)."""
    content_thing = _helper_content_thing("flattr_button", content)
    if content_thing is None:
        return Markup("")
    if style is None:
        style = content_thing.button_style
    elif style not in BUTTON_STYLES:
        _report_in_template(
            f"flattr_button() is called with style {style!r}, not one of "
            f"{', '.join(BUTTON_STYLES)}: the configured style is shown instead"
        )
        style = content_thing.button_style
    if style != content_thing.button_style:
        _build.page.styles[id(content_thing)] = style
    _build.page.buttons.add(id(content_thing))
    if style != "plain":
        _build.page.needs_loader = True
    return markup.button(content_thing, style, _auto_submit_url(content_thing))


def flattr_script() -> Markup:
    """Jinja helper: load.js, once, on a page that shows an embedded button.

    Call it near the end of ``<body>``, after the buttons: it prints nothing
    on pages without one, so they load nothing from Flattr. (Where it comes
    too early, the loader is added before ``</body>`` after writing.)
    """
    if not _build.page.needs_loader or _build.page.has_loader:
        return Markup("")
    _build.page.has_loader = True
    return markup.LOADER_TAG


def _auto_submit_url(content_thing: ContentThing, take: bool = False) -> str:
    """The thing's auto-submit URL, taken from the feeds when they built it
    (``take``: see ``_feed_url``)."""
    return _feed_url(content_thing, take) or content_thing.auto_submit_url


def _feed_url(content_thing: ContentThing, take: bool = False) -> str | None:
    """The auto-submit URL the feeds built for this thing, if they did;
    ``take`` forgets it (its own page is the last to need it)."""
    key = as_feed_writes(content_thing.content_url)
    links = _build.feed_payment_links
    link = links.pop(key, None) if take else links.get(key)
    if link is not None and _build.things_by_content_url.get(key) is content_thing:
        return link.url
    return None


def _helper_content_thing(helper: str, content: Any) -> ContentThing | None:
    """``_content_thing(content)`` for a helper, reporting a value that is
    no article or page at all (a string, a list, an author).

    Such a call is a mistake in the theme, which would otherwise only see
    the button missing, or placed by injection instead of where it asked.
    Nothing, None and content without a thing are quiet: base templates
    pass ``article`` on every page.
    """
    content_thing = _content_thing(content)
    if content_thing is None and not (
        content is None or isinstance(content, (Undefined, Content))
    ):
        _report_misused_helper(helper, content, "an article or page")
    return content_thing


def _report_misused_helper(helper: str, value: Any, wanted: str) -> None:
    """Report a helper given the wrong kind of value, once per template.

    The value's type is named, never the value: a string may hold an
    owner's email address.
    """
    kind = type(value).__name__
    _report_in_template(
        f"{helper}() takes {wanted}, not "
        f"{'an' if kind[0] in 'AEIOUaeiou' else 'a'} {kind}: it prints nothing there"
    )


def _report_in_template(problem: str) -> None:
    """Report a mistake of the page's template, named first, once: the
    template renders it again for every page it makes."""
    problem = f"{_build.page.template or 'a template'}: {problem}"
    if problem not in _build.problems:
        _report(problem)


def _content_thing(content: Any) -> ContentThing | None:
    if content is None or isinstance(content, Undefined):
        return None
    value = getattr(content, "flattr", None)
    return value if isinstance(value, ContentThing) else None


def flattr_pending(author: Any = None) -> PendingNotice | None:
    """Jinja helper: the flattrs waiting for ``author`` to claim, or None.

    Needs ``FLATTR_STORE``. The notice never holds an email address.
    """
    if author is None or isinstance(author, Undefined):
        return None
    if isinstance(author, Content):
        _report_misused_helper("flattr_pending", author, "an author or author name")
        return None
    notices = _build.pending_notices
    name = getattr(author, "name", author)
    return notices.get(str(name)) or notices.get(str(getattr(author, "slug", "")))


TEMPLATE_HELPERS = {
    "flattr_head": flattr_head,
    "flattr_button": flattr_button,
    "flattr_script": flattr_script,
    "flattr_pending": flattr_pending,
}


def prepare_templates(generators: list[Any]) -> None:
    """Give every generator's templates the helpers, and have them complete
    the pages they render.

    Done once all generators exist and before any of them loads a template
    (Pelican loads them in ``generate_output``): Jinja builds each template
    from its environment's ``template_class`` and each render's context from
    its ``context_class``, and by now any other plugin that sets its own
    class on ``generator_init`` has done so, whatever the order of
    ``PLUGINS``; ours are mixed in front of them. One that sets its own on
    ``all_generators_finalized`` too: ``get_writer`` comes next, and
    ``keep_templates_completing`` does this again there.
    """
    if not _build.active:
        return
    _build.generators = generators
    for generator in generators:
        env = getattr(generator, "env", None)
        if env is not None:
            env.template_class = _completing(env.template_class)
            env.context_class = _providing_helpers(env.context_class)


def keep_templates_completing(pelican: Any) -> None:
    """``prepare_templates`` again, right before Pelican loads the first
    template: a plugin that set its own class after ours, on the same
    signal, would otherwise have left every page without its button."""
    if _build.active and _build.pelican is pelican:
        prepare_templates(_build.generators)


class _ProvidesHelpers:
    """Mixed in front of a Jinja context class: a name that is neither a
    template variable nor a global is looked up among the helpers.

    Not Jinja globals: Jinja copies the globals with Pelican's context (some
    150 names) into a new dict for every page it renders and again for
    every include, and four more names are four more on every copy. On the
    benchmark's site they also pushed those dicts past a size at which
    CPython grows them: 8 to 12 % of the plugin's whole cost.
    """

    def resolve_or_missing(self, key: str) -> Any:
        # Jinja's documented hook; its own lookup is repeated rather than
        # called, since every name a template reads comes through here.
        if key in self.vars:  # type: ignore[attr-defined]
            return self.vars[key]  # type: ignore[attr-defined]
        if key in self.parent:  # type: ignore[attr-defined]
            return self.parent[key]  # type: ignore[attr-defined]
        return TEMPLATE_HELPERS.get(key, missing)


@functools.cache
def _providing_helpers(context_class: type) -> type:
    if issubclass(context_class, _ProvidesHelpers):
        return context_class
    return type(context_class.__name__, (_ProvidesHelpers, context_class), {})


class _CompletesPages:
    """Mixed in front of a Jinja template class: ``render()`` returns the
    page completed by ``complete_page``.

    Placing the markup in the rendered string, before Pelican writes it,
    costs a few string searches; reading every written page back and
    writing it again was ~40 % of the plugin's time.
    Includes and parent templates are not rendered through ``render()``, so
    this runs once per written page.
    """

    def render(self, *args: Any, **kwargs: Any) -> str:
        _build.page = PageRender(template=getattr(self, "name", None))
        page = super().render(*args, **kwargs)  # type: ignore[misc]
        # Pelican passes one dict; copying its few hundred keys for every
        # page would be waste.
        one_dict = len(args) == 1 and not kwargs and isinstance(args[0], dict)
        return complete_page(page, args[0] if one_dict else dict(*args, **kwargs))


@functools.cache
def _completing(template_class: type) -> type:
    if issubclass(template_class, _CompletesPages):
        return template_class
    return type(template_class.__name__, (_CompletesPages, template_class), {})


def complete_page(page: str, context: dict[str, Any]) -> str:
    """Add to a rendered page what its theme's templates did not print.

    Themes that call the helpers get nothing added; others (such as
    ``notmyidea``) get the head tags, the button and, for an embedded
    button, load.js (see ``markup.inject``). The page's auto-submit URL is
    set aside for the manifest.
    """
    rendered = _build.page
    settings = _build.settings
    if settings is None:
        return page
    content = context.get("article") or context.get("page")
    content_thing = _content_thing(content)
    url = None
    if content_thing is not None:
        url = _auto_submit_url(content_thing, take=True)
        _build.url_spool.put(content_thing.url, url)
        if rendered.styles:
            style = rendered.styles.get(id(content_thing))
            if style is not None:  # the manifest records what the page shows
                _build.shown_styles[content_thing.url] = style
    needs_loader = rendered.needs_loader and not rendered.has_loader
    if not settings.inject or (content_thing is None and not needs_loader):
        return page
    if content_thing is not None and rendered.complete_for(content_thing):
        return page
    if (
        content_thing is not None
        and id(content_thing) in rendered.heads
        and not markup.head_has_payment_link(page)
    ):
        # Its tags count only in the head: a browser, a feed reader and the
        # audit look nowhere else. Injection adds them there all the same.
        _report_in_template(
            "flattr_head() prints outside <head>, where its tags do nothing: "
            "call it inside <head>"
        )
    body_html = content.content if content_thing is not None else ""
    pairs = open_graph(content, content_thing, settings) if content_thing else ()
    # When the helpers rendered buttons, the page's own is known to be there
    # or not: a sidebar may show other articles' buttons.
    shown = id(content_thing) in rendered.buttons if rendered.buttons else None
    updated = markup.inject(
        page, content_thing, body_html, needs_loader, pairs, url, shown
    )
    return page if updated is None else updated


def add_payment_links_to_feed(context: Any, feed: Any) -> None:
    """Give each owned article's feed entry (and the feed) a payment link."""
    settings = _build.settings
    if settings is None or not settings.feeds:
        return
    tagged = tag_feed(
        feed,
        _build.things_by_content_url,
        _build.site_payment_url,
        _build.feed_payment_links,
    )
    _build.feed_being_written = (feed, tagged)


def record_feed(path: str, context: Any, feed: Any) -> None:
    """Remember which feed file carries which thing, for the manifest."""
    settings = _build.settings
    if settings is None:
        return
    being_written = _build.feed_being_written
    _build.feed_being_written = None
    if being_written is None or being_written[0] is not feed:
        return  # not a feed this plugin tagged (FLATTR_FEEDS off)
    relative = os.path.relpath(path, settings.output_path).replace(os.sep, "/")
    relative = portable_path(relative)  # once per feed, not per manifest line
    things, feeds_by_source = _build.things_by_content_url, _build.feeds_by_source
    for key in being_written[1]:
        content_thing = things.get(key)
        if content_thing is not None:
            # A list, not a set: a few pointers instead of a hash table per
            # thing; the manifest sorts and de-duplicates.
            feeds_by_source.setdefault(content_thing.source, []).append(relative)


def write_manifest(pelican: Any) -> None:
    """Write the manifest of this build's things, then guard their URLs."""
    settings = _build.settings
    if settings is None:
        return
    chunks = manifest_chunks(
        settings.siteurl,
        _build.content_things,
        _build.feeds_by_source,
        _build.url_spool.get,
        open_graph=settings.open_graph,
        shown_styles=_build.shown_styles,
        feed_payment_links=settings.feeds,
    )
    path = settings.manifest_path
    try:
        # Only a manifest is replaced: FLATTR_MANIFEST may name an article,
        # the settings file or a page this build wrote, by mistake.
        in_the_way = not_a_manifest(path)
        if in_the_way is None:
            write_atomically(path, chunks)
    except OSError as error:
        _report(f"FLATTR_MANIFEST: cannot write {path}: {error}")
        _fail_if_strict()
        return
    finally:
        _build.url_spool.close()
    if in_the_way is not None:
        _report(
            f"FLATTR_MANIFEST: {path} {in_the_way}, so it is left as it is and "
            "no manifest was written: point FLATTR_MANIFEST at a file of its own"
        )
        _fail_if_strict()
        return
    logger.info(
        "pelican-flattr: %d things, manifest %s",
        len(_build.content_things),
        path,
    )
    if settings.url_guard and is_development_url(settings.siteurl):
        # A development build's URLs must neither be compared with the
        # published site's baseline nor replace it.
        logger.info(
            "pelican-flattr: URL guard skipped: %s is a development address; "
            "this build's thing URLs are neither compared nor remembered",
            settings.siteurl,
        )
    elif settings.url_guard:
        guard_thing_urls(settings)
    # Problems found while pages were written (a template's wrong helper
    # argument) fail a strict build too, whatever the guard found.
    _fail_if_strict()


def guard_thing_urls(settings: FlattrSettings) -> None:
    """Warn about every thing URL of the baseline that this build dropped
    or gave to another source file."""
    path = settings.url_baseline_path
    things = sorted(_build.content_things, key=lambda ct: (ct.url, ct.source))

    def new_entries() -> Iterator[dict[str, str]]:
        for ct in things:
            yield baseline_entry(ct.url, ct.source, ct.thing.owner.value)

    def warn(message: str) -> None:
        if settings.strict:
            _report(message)
        else:
            logger.warning("pelican-flattr: %s", message)

    problem = _file_problem(path)
    if problem not in (None, _MISSING):
        # Never moved aside or replaced: it may be a folder someone needs
        # (such as Pelican's cache).
        warn(
            f"FLATTR_URL_BASELINE {path} {problem}, so the URL guard checks "
            "nothing: point it at a file (or leave it unset for the default)"
        )
        _fail_if_strict()
        return
    if problem is None and holds_baseline(path, new_entries()):
        return  # the same things as the last build: nothing vanished
    if problem is _MISSING:
        # Said, since a CI that does not keep the cache would never compare.
        logger.info(
            "pelican-flattr: no URL baseline at %s yet: nothing to compare; "
            "this build's thing URLs start it",
            path,
        )
    source_by_url = {ct.url: ct.source for ct in things}
    changed: list[dict[str, str]] = []
    if problem is None:
        try:
            # Only the entries whose URL is no longer their source's.
            changed = load_baseline(
                path, keep=lambda e: source_by_url.get(e["url"]) != e["source"]
            )
        except BaselineError as error:
            # Kept, not overwritten: it holds the changes since the last
            # readable baseline, which this build can no longer report.
            # Moved aside only in the plugin's own folder (the default) or
            # when it opens as a baseline: FLATTR_URL_BASELINE may name an
            # article or a page by mistake.
            try:
                in_the_way = (
                    None
                    if path.parent.name == "pelican-flattr"
                    else not_a_file_of(
                        path, "baseline_version", "a pelican-flattr URL baseline"
                    )
                )
                if in_the_way is not None:
                    warn(
                        f"FLATTR_URL_BASELINE: {path} {in_the_way}, so the URL "
                        "guard leaves it as it is and checks nothing: point "
                        "FLATTR_URL_BASELINE at a file of its own"
                    )
                    _fail_if_strict()
                    return
                aside = set_aside(path)
            except OSError as move_error:
                warn(
                    f"{error}; cannot move it aside ({move_error}), so the URL "
                    "guard leaves it as it is and checks nothing: repair or "
                    "delete it"
                )
                _fail_if_strict()
                return
            warn(
                f"{error}; moved it to {aside} and started a new baseline, so "
                "URL changes since the last readable baseline go unreported: "
                f"repair it and put it back as {path} to check them, or delete it"
            )
    changes = url_changes(
        changed,
        source_by_url,
        {ct.source: ct.url for ct in things},
        in_folder(_build.content_root),
    )
    unresolved = [c for c in changes if c.old_url not in settings.accepted_url_changes]
    for change in unresolved:
        warn(f"{change.describe()}. Fix: {change.advice()}")
    _fail_if_strict()
    try:
        write_baseline(path, next_baseline(changed, new_entries(), unresolved))
    except OSError as error:
        # The next build would compare nothing: a problem like any other.
        warn(f"FLATTR_URL_BASELINE: cannot keep the URL guard's baseline: {error}")
        _fail_if_strict()


def reserve_flattr_attribute(content: Any) -> None:
    """Give each content object its ``flattr`` attribute as it is created,
    and hash an address in its owner metadata.

    CPython shares one table of attribute names among a class's instances
    while they are all set in the same order; an attribute added later to
    an object with many could give each its own dictionary instead (about
    1.5 KB per article, depending on the run's hash seed).
    """
    if _build.active:
        content.flattr = None
        metadata = getattr(content, "metadata", None)
        owner = metadata.get(OWNER) if isinstance(metadata, dict) else None
        if owner is None or (isinstance(owner, str) and "@" not in owner):
            return  # nearly every article: nothing to hide, and no call made
        hidden = _hidden_owner(owner)
        if hidden is not owner:
            # Pelican's content cache pickles the metadata: hidden here,
            # and in the readers' cache (which keeps its own copy) later.
            metadata[OWNER] = hidden
            if getattr(content, OWNER, None) == owner:  # Pelican copies each field
                setattr(content, OWNER, hidden)
            _build.addresses_in_metadata = True


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.initialized.connect(hide_addresses)
    signals.get_generators.connect(start_build)
    signals.content_object_init.connect(reserve_flattr_attribute)
    signals.all_generators_finalized.connect(prepare_templates)
    signals.all_generators_finalized.connect(attach_things)
    signals.feed_generated.connect(add_payment_links_to_feed)
    signals.feed_written.connect(record_feed)
    signals.get_writer.connect(keep_templates_completing)
    signals.finalized.connect(finish_build)
