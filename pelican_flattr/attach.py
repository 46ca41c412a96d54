"""Content to things: every published article and page resolved into its
``flattr`` attribute, each problem said once, a strict build failed. On
the way, the ``FLATTR_AUTHORS`` keys are checked against the authors read
(``author_keys``)."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import re
import string
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pelican.generators import ArticlesGenerator, PagesGenerator

from . import build
from .author_keys import (
    NAMED_SOURCES,
    classify_author_keys,
    key_index,
    key_meant,
    key_meant_in,
    names_by_folded,
    note_authors_of_refused_site,
    warn_about_authors_named_by_their_address,
    warn_about_unknown_authors,
)
from .feeds import feed_key
from .generator_contents import PAGE_LISTS, contents, published
from .lazy_regex import lazy_regex
from .manifest import MISSING, file_in_the_way, file_problem
from .markup import without_dot_segments
from .privacy import (
    fields_that_may_hold_addresses,
    hide_owner_addresses,
    markup_that_may_hold_addresses,
    owner_addresses_read_as_text,
    owner_values_read_as_text,
    published_sources,
)
from .resolve import (
    OWNER,
    PINNED_URL,
    UNUSABLE_ENTRY,
    ContentThing,
    Resolution,
    country_code_hint,
    field_read_as_text_message,
    fields_read_as_text,
    given_by_setting,
    language_region_warning,
    leads_to_its_page,
    opts_out,
    own_thing_url,
    page_for_url,
    page_url_warning,
    problem_alike,
    resolve,
    serves_its_page,
    site_thing,
    site_thing_url,
    unknown_field_message,
    unknown_fields,
    unwritten_url_warning,
    url_for_page,
)
from .settings import (
    METADATA_FIELDS,
    FlattrSettings,
    looks_misspelt,
    shown_author,
)
from .thing import comparable_host
from .wording import listed, shown_value

if TYPE_CHECKING:
    from .notice import PendingNotice
    from .thing import Thing

logger = logging.getLogger("pelican_flattr")


# What the root-URL check names as the holder of the site's own thing.
_SITE_THING = "the site itself (FLATTR_USERNAME's payment link in every feed)"


def attach_things(generators: list[Any]) -> None:
    """Give every published article (and page) its thing, or say why not."""
    state = build.current
    privacy = state.privacy
    # Whatever the settings: a build without buttons publishes the sources
    # all the same.
    if privacy.published_sources is not None or privacy.copies_static_sources:
        privacy.owner_sources = published_sources(
            generators, privacy.published_sources, privacy.copies_static_sources
        )
    settings = state.settings
    if settings is None:
        note_authors_of_refused_site(generators)
        build.fail_if_strict()
        return
    attaching = _start_attaching(generators, state, settings)
    for content, is_article in contents(generators, settings.pages):
        _attach(content, is_article, attaching)
    _say_what_attaching_found(generators, attaching)
    if attaching.site_url is not None:
        # Only where feeds offer it: a build writing none (a development
        # settings file sets every feed to None) submits no site thing,
        # and its root URL may be content's, as ``_Attaching.holders`` let it be.
        state.feeds.site_payment_url = site_thing(settings).auto_submit_url
    if settings.store_path is not None:
        state.pending_notices = _read_notices(settings)
    build.fail_if_strict()


@dataclasses.dataclass(slots=True, eq=False, repr=False)
class _Attaching:
    """The bookkeeping of one call of ``attach_things``: what each content
    is checked against, what the contents attached so far hold, and what is
    said once all are resolved (``_say_what_attaching_found``)."""

    state: build.BuildState
    settings: FlattrSettings
    # The URL of the site's own thing, when the feeds offer it. Flattr keeps
    # one thing per URL, and content at the site's root would share the
    # site's: the site keeps it. Every feed has offered the site's thing
    # since FLATTR_USERNAME was set, so on Flattr it most likely exists,
    # owned by FLATTR_USERNAME, and a button on the content would hand its
    # flattrs to that owner; the content can pin another URL, where the
    # site's follows from the settings alone. Kept out of ``holders``, where
    # the site owner's own content at the root goes: content found after it
    # must still meet the site's claim, not only the rules between two
    # contents, which could give it the URL.
    site_url: str | None
    # _url_key of ``site_url``: content spelling it otherwise is at the root.
    site_key: str | None
    # With i18n_subsites, an article no language's site hides (one in a
    # language without a site, or any with I18N_UNTRANSLATED_ARTICLES =
    # "keep") is published by several: one thing for all its copies, the
    # main site's (resolved first), or its flattrs would be split; else its
    # own language's site's (see _left_to_its_languages_site).
    elsewhere: Mapping[str, Thing]
    # _url_key of a thing URL -> the source whose thing it is in another
    # site of the run: a language's site on a domain of its own that keeps
    # the main site's FLATTR_SITEURL gives its article the URL of another's.
    url_elsewhere: dict[str, str]
    # The languages of the sites built later in the run with this plugin,
    # each with whether it gives pages things (``OtherSites``).
    later: Mapping[str, bool]
    # Content whose metadata sets its save_as: only such may silently take
    # the page of another.
    overriders: list[Any]
    # Where a content's links find this build's files (``_build_context``),
    # and, on a language's site without static files of its own, the main
    # site's (``_main_sites_files_given_later``).
    files: Mapping[str, Any] | None
    files_later: Mapping[str, Any] | None
    # The origin of FLATTR_SITEURL ("https://example.org/") as written, and
    # its _comparable_url: the key of a URL on it that holds no escape or
    # dot segment, as the build computes them, is that key and the rest of
    # the URL; the URL itself when the two are one string, as they are on
    # most sites (see _url_key, _site_base).
    site_base: tuple[str, str] | None = None
    # _url_key of a thing URL -> the content that has it.
    holders: dict[str, Any] = dataclasses.field(default_factory=dict)
    # _url_key of a thing URL -> the (content, thing) pairs that lost it to
    # another, said at the end, against the one that keeps it once all are
    # read.
    lost_urls: dict[str, list[tuple[Any, ContentThing]]] = dataclasses.field(
        default_factory=dict
    )
    # id() of the things that content found later took the URL of.
    displaced: set[int] = dataclasses.field(default_factory=set)
    # Written page -> the content with a thing (or one that lost its thing
    # URL) written there first, and the pages more than one is written to,
    # with them all (see _lost_pages).
    pages: dict[str, Any] = dataclasses.field(default_factory=dict)
    clashes: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    # Said at the end (_say_what_attaching_found).
    # Contents without an owner, by their authors (see _Ownerless).
    ownerless: _Ownerless = dataclasses.field(default_factory=dict)
    # (source, whether an article) of the contents each author no key names
    # left to FLATTR_USERNAME (see Resolution.username_authors).
    to_username: dict[str, list[tuple[str, bool]]] = dataclasses.field(
        default_factory=dict
    )
    # (source, problem) of each content refused a thing, as found.
    problems: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (source, field) of each field that looks like one of this plugin's but
    # is none, as found.
    misspelt: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (source, what to say) of each field that Pelican read as text.
    read_as_text: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (source, character) of each page URL that is another address.
    elsewhere_urls: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (source, value) of each flattr_language whose region Flattr lacks.
    language_regions: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    # (content, its thing) of each content whose url leads to no page a
    # static host serves (see _warn_of_urls_that_miss_their_pages).
    unserved: list[tuple[Any, ContentThing]] = dataclasses.field(default_factory=list)


def _start_attaching(
    generators: list[Any], state: build.BuildState, settings: FlattrSettings
) -> _Attaching:
    """The bookkeeping of an ``attach_things`` call, before any content is
    resolved: what the build's ``state``, ``settings`` and ``generators``
    give each content to be checked against, and nothing found yet."""
    site_url = site_thing_url(settings) if state.offers_site_thing else None
    site_base = _site_base(settings.siteurl)
    elsewhere = build.thing_elsewhere_in_run() if build.outer_builds else {}
    url_elsewhere = {
        _url_key(thing.url, site_base): other for other, thing in elsewhere.items()
    }
    later = state.other_sites.later_languages
    return _Attaching(
        state=state,
        settings=settings,
        site_base=site_base,
        site_url=site_url,
        site_key=None if site_url is None else _url_key(site_url, site_base),
        elsewhere=elsewhere,
        url_elsewhere=url_elsewhere,
        later=later,
        overriders=list(_unlisted_overriders(generators, settings.pages)),
        files=_build_context(generators),
        files_later=_main_sites_files_given_later(),
    )


def _attach(content: Any, is_article: bool, attaching: _Attaching) -> None:
    """Resolve ``content`` (an article if ``is_article``, else a page) and
    attach its thing as ``content.flattr``; or leave it without one: to its
    language's site, for a problem or no owner (said at the end), or for a
    thing URL another has (reported now).

    Its thing URL is checked in turn against the things of another site of
    this run, the site's own thing, and the content attached before it, by
    its key (``_url_key``): a spelling of one of theirs is theirs.
    """
    content.flattr = None
    overrides = hasattr(content, "override_save_as")
    if overrides:
        attaching.overriders.append(content)
    if _left_to_its_languages_site(
        content, is_article, attaching.later, attaching.elsewhere
    ):
        return
    _check_fields(content, attaching)
    outcome = _resolve_content(content, is_article, overrides, attaching)
    content_thing = outcome.content_thing
    if content_thing is None:
        _note_why_not(
            content, outcome, is_article, attaching.ownerless, attaching.problems
        )
        return
    # A source a site built before this one in the run gave a thing keeps
    # it (see _Attaching.elsewhere).
    shared = attaching.elsewhere.get(content_thing.source)
    if shared is not None:
        content_thing = dataclasses.replace(content_thing, thing=shared)
    key = _url_key(content_thing.url, attaching.site_base)
    if _thing_of_another_site(content_thing, key, attaching):
        return
    _say_what_resolving_found(content, outcome, content_thing, attaching)
    if _thing_of_the_site(content_thing, key, attaching):
        return
    if not _takes_its_url(content, content_thing, key, attaching):
        # Pelican still writes its page: a copy with the same slug makes it
        # stop the build, which _lost_pages says whichever came first.
        _note_page(content, content_thing.page, attaching)
        return
    _record(content, content_thing, outcome, is_article, attaching)


def _check_fields(content: Any, attaching: _Attaching) -> None:
    """Note the metadata fields of ``content`` that look like one of this
    plugin's but are none, and those that Pelican read as its text: each
    warned of at the end (``_warn_by_files``)."""
    names = unknown_fields(content.metadata)
    if names:
        attaching.misspelt.extend(_unknown_fields_of(content, names))
    as_text = fields_read_as_text(getattr(content, "_content", None) or "")
    if as_text:
        attaching.read_as_text.extend(_fields_read_as_text_of(content, as_text))
        digests = owner_addresses_read_as_text(as_text)
        if digests:
            source = build.source_path(content)
            privacy = build.current.privacy
            privacy.owners_read_as_text[source] = digests
            privacy.owner_values_read_as_text[source] = owner_values_read_as_text(
                as_text
            )


def _resolve_content(
    content: Any, is_article: bool, overrides: bool, attaching: _Attaching
) -> Resolution:
    """``resolve`` of ``content``, given what this build knows of it: its
    URL and whether its page is written there, asked of Pelican only where
    needed (``overrides``: its metadata sets its save_as), and where its
    links find the build's files."""
    return resolve(
        content,
        attaching.settings,
        is_article,
        source=build.source_of(content),
        save_as_is_url=not overrides and _save_as_is_url(content),
        content_url=_content_url(content),
        files=attaching.files,
        files_later=attaching.files_later,
    )


def _warn_if_its_url_is_no_page(content: Any, settings: FlattrSettings) -> bool:
    """Warn of ``content``, whose metadata sets its save_as and not its
    url, when its url, which still follows its URL setting, leads to no
    page written (``leads_to_its_page``): Pelican's documented home page,
    ``Save_as: index.html`` alone, had a thing at ``pages/{slug}.html``.
    Its thing stays: a server may send that URL to the page, as the build
    cannot know, and its URL: then says so. Not of a pinned thing URL.
    Return whether it warned (or had warned in this run)."""
    content_thing: ContentThing = content.flattr
    if content_thing.url != own_thing_url(content_thing.content_url, settings):
        return False
    setting = build.url_setting(content)
    if setting is None:  # a subclass of Pelican's own: its settings unknown
        return False
    formats = getattr(content, "settings", None) or {}
    url, page = content_thing.content_url, content_thing.page
    save_as_setting = build.save_as_setting(setting)
    if not leads_to_its_page(
        url, page, formats.get(setting), formats.get(save_as_setting)
    ):
        source = content_thing.source
        save_as_from = given_by_setting(content, "save_as", source)
        warning = unwritten_url_warning(url, page, setting, save_as_from, source)
        build.warn_once(f"{source}: {warning}")
        return True
    return False


# How long a value of these warnings' fixes may be, shown whole: a line to
# copy, cut with "...", could not be copied (a URL is at most 2,048
# characters, as Flattr takes it).
_WHOLE = 2100


def _whole(value: object) -> str:
    """``value`` as a fix of these warnings shows it: ``shown_value``,
    whole."""
    return shown_value(value, _WHOLE)


@dataclasses.dataclass(frozen=True, slots=True)
class _Origin:
    """Where a content's url (or save_as) comes from: its metadata
    (``metadata``), the file's own line or, named in ``setting``, an entry
    of ``EXTRA_PATH_METADATA`` (or ``DEFAULT_METADATA``); else Pelican's
    setting named in ``setting`` (``ARTICLE_URL``), or None for a class of
    another plugin's, whose settings are unknown."""

    metadata: bool
    setting: str | None

    def said(self, line: str, many: bool = False) -> str:
        """Where the value comes from, as a message says it: "from its
        'URL:'" (``line``: the field as a file writes it), "from their
        'URL:' lines" (``many``), "from EXTRA_PATH_METADATA['a.md']", "from
        ARTICLE_URL"."""
        if self.setting is not None:
            return f"from {self.setting}"
        if self.metadata:
            return f"from their '{line}:' lines" if many else f"from its '{line}:'"
        return "from its class's settings"

    def field(self, name: str, line: str) -> str:
        """Where a fix of many contents gives their ``name`` (url or
        save_as): the setting that gives it now, or a ``line`` in each
        file."""
        if self.metadata and self.setting is not None:
            return f"a {name} in {self.setting}"
        return f"a '{line}:' line"

    def fix(self, name: str, line: str, value: str) -> str:
        """``value`` given as the content's ``name`` (url or save_as) in the
        place a fix names: the setting that gives the field now, or a
        ``line`` of the file."""
        if self.metadata and self.setting is not None:
            return f"{name} {_whole(value)} in {self.setting}"
        return _whole(f"{line}: {value}")


@dataclasses.dataclass(frozen=True, slots=True)
class _Unserved:
    """A content whose url leads to no page a static host serves, as a
    warning names it: its source, whether an article, its url and page,
    and its thing URL."""

    source: str
    is_article: bool
    url: str
    page: str
    thing_url: str

    def named(self) -> str:
        """The content as a warning about many names it."""
        url, page = _whole(self.url), _whole(self.page)
        return f"{self.source} (URL {url}, page {page})"


def _warn_of_urls_that_miss_their_pages(attaching: _Attaching, said: set[int]) -> None:
    """Warn of the contents whose thing URL is their url under the site,
    a url that leads to no page written as a static host serves files
    (``serves_its_page``): a site whose ``ARTICLE_URL`` is "posts/{slug}/"
    and ``ARTICLE_SAVE_AS`` "{slug}/index.html" gave every thing a URL that
    answers 404, without a word, and a thing stays tied to its URL once it
    has flattrs. One line for each pair of URL and SAVE_AS settings that
    disagree, counting their contents and naming a few; a line for each
    content whose own metadata sets its url or save_as (one for more than
    ``_SAID_ALONE`` that disagree alike). Each names the fix: the settings
    (or lines) that make the URL lead to the page.

    Not of a pinned thing URL, nor of a thing another site of the run gave
    the content, nor of one taken back since it was attached, nor of a
    content ``_warn_if_its_url_is_no_page`` warned of (ids in ``said``),
    nor of one written to a page Pelican refuses to write twice
    (``_refused_page``). A
    warning, a problem under FLATTR_STRICT: a server that rewrites URLs may
    serve the page there, as the build cannot know, but a static host does
    not."""
    settings = attaching.settings
    groups: dict[tuple[Any, ...], list[_Unserved]] = {}
    for content, content_thing in attaching.unserved:
        source = content_thing.source
        if (
            content.flattr is not content_thing
            or id(content) in said
            or attaching.elsewhere.get(source) is content_thing.thing
            or content_thing.url != own_thing_url(content_thing.content_url, settings)
            or _refused_page(content_thing.page, attaching)
        ):
            continue
        url_from, page_from, formats = _origins(content, source)
        found = groups.setdefault((url_from, page_from, formats), [])
        found.append(
            _Unserved(
                source,
                content_thing.is_article,
                content_thing.content_url,
                content_thing.page,
                content_thing.url,
            )
        )
    site = build.site_label()
    for (url_from, page_from, formats), found in groups.items():
        found.sort(key=lambda each: each.source)
        if formats is not None:
            build.warn_once(
                f"{site}{_unserved_by_settings(found, url_from, page_from, formats)}"
            )
        elif len(found) > _SAID_ALONE:
            build.warn_once(f"{site}{_unserved_by_files(found, url_from, page_from)}")
        else:
            for each in found:
                build.warn_once(
                    f"{site}{each.source}: "
                    f"{_unserved_by_file(each, url_from, page_from)}"
                )


def _refused_page(page: str, attaching: _Attaching) -> bool:
    """Whether ``page`` is one Pelican refuses to write, as more than one
    content is written to it and not exactly one of them sets its save_as
    (``_lost_pages`` reported it): that is to be mended first, and a URL
    that led to it would lead to another content's page."""
    written = attaching.clashes.get(page)
    return written is not None and (
        sum(hasattr(content, "override_save_as") for content in written) != 1
    )


def _origins(
    content: Any, source: str
) -> tuple[_Origin, _Origin, tuple[str, str] | None]:
    """Where the url and the save_as of ``content`` (its source ``source``)
    come from, and, when both come from Pelican's settings, their values
    (the URL setting's, the SAVE_AS setting's); else None."""
    setting = build.url_setting(content)
    save_as_setting = None if setting is None else build.save_as_setting(setting)
    origins = []
    for name, named in (("url", setting), ("save_as", save_as_setting)):
        if hasattr(content, f"override_{name}"):
            origins.append(_Origin(True, given_by_setting(content, name, source)))
        else:
            origins.append(_Origin(False, named))
    url_from, page_from = origins
    formats = None
    if setting is not None and not url_from.metadata and not page_from.metadata:
        values = getattr(content, "settings", None) or {}
        formats = (str(values.get(setting)), str(values.get(save_as_setting)))
    return url_from, page_from, formats


# Why a thing URL that finds no page matters, as the warnings say it.
_WHY_IT_MATTERS = "(HTTP 404), and a thing keeps its URL once it has flattrs"


def _unserved_by_settings(
    found: list[_Unserved],
    url_from: _Origin,
    page_from: _Origin,
    formats: tuple[str, str],
) -> str:
    """What ``_warn_of_urls_that_miss_their_pages`` says of ``found``, the
    contents whose URL and SAVE_AS settings (``url_from``, ``page_from``,
    their values ``formats``) disagree: one line, naming the settings'
    fix, the values to give either."""
    url_setting, save_as_setting = url_from.setting, page_from.setting
    url_format, save_as_format = formats
    counted = _counted([(each.source, each.is_article) for each in found])
    named = listed([each.named() for each in found], NAMED_SOURCES)
    served = page_for_url(url_format)
    if len(found) == 1:
        urls = f"the URL of {counted} leads"
        things = f"its Flattr thing URL {_whole(found[0].thing_url)} finds"
    else:
        urls = f"the URLs of {counted} lead"
        things = f"their Flattr thing URLs (as {_whole(found[0].thing_url)}) find"
    return (
        f"{url_setting} {_whole(url_format)} and {save_as_setting} "
        f"{_whole(save_as_format)} do not lead to the same file on a "
        f"static host, which serves {_whole(url_format.lstrip('/'))} from "
        f"{_whole(served)}: {urls} where no page is written: {named}; so "
        f"{things} no page there {_WHY_IT_MATTERS}. Make {url_setting} and "
        f"{save_as_setting} lead to the same file: {save_as_setting} = "
        f"{_whole(served)} keeps every URL and thing URL, {url_setting} = "
        f"{_whole(url_for_page(save_as_format))} keeps every page where "
        "it is"
    )


def _unserved_by_file(each: _Unserved, url_from: _Origin, page_from: _Origin) -> str:
    """What ``_warn_of_urls_that_miss_their_pages`` says of ``each``, a
    content whose own metadata sets its url or save_as (``url_from``,
    ``page_from``), after its source: the fix in its file (or the setting
    that gives it the field), the value to give either."""
    url = each.url.lstrip("/")
    if "%" in url:  # as a server decodes it, and as a file is named
        url = unquote(url)
    served = page_for_url(url)
    keep_url = page_from.fix("save_as", "Save_as", served)
    keep_page = url_from.fix("url", "URL", url_for_page(each.page))
    return (
        f"its URL {_whole(each.url)} ({url_from.said('URL')}) does not lead "
        f"to its page {_whole(each.page)} ({page_from.said('Save_as')}) on "
        f"a static host, which serves {_whole(url)} from "
        f"{_whole(served)}; so its Flattr thing URL "
        f"{_whole(each.thing_url)} finds no page there {_WHY_IT_MATTERS}: "
        f"give it {keep_url} (which keeps its URL and thing URL) or {keep_page} "
        "(which keeps its page where it is)"
    )


def _unserved_by_files(
    found: list[_Unserved], url_from: _Origin, page_from: _Origin
) -> str:
    """What ``_warn_of_urls_that_miss_their_pages`` says of ``found``, more
    than ``_SAID_ALONE`` contents whose own metadata sets their url or
    save_as alike (``url_from``, ``page_from``): one line, counting them
    and naming a few."""
    counted = _counted([(each.source, each.is_article) for each in found])
    named = listed([each.named() for each in found], NAMED_SOURCES)
    return (
        f"the URLs of {counted} ({url_from.said('URL', many=True)}) do not lead "
        f"to their pages ({page_from.said('Save_as', many=True)}) on a static "
        "host, which serves a URL from the file it names, or with '.html' or "
        f"'/index.html' after it (a folder's from its 'index.html'): {named}; so "
        f"their Flattr thing URLs (as {_whole(found[0].thing_url)}) find "
        f"no page there {_WHY_IT_MATTERS}: give each "
        f"{page_from.field('save_as', 'Save_as')} that its URL leads to, or "
        f"{url_from.field('url', 'URL')} that leads to its page"
    )


def _thing_of_another_site(
    content_thing: ContentThing, key: str, attaching: _Attaching
) -> bool:
    """Whether the thing URL of ``content_thing``, whose ``_url_key`` is
    ``key``, is already the thing of another source in another site of this
    run (i18n_subsites), reported: its content gets no thing."""
    source = content_thing.source
    other = attaching.url_elsewhere.get(key, source)
    if other == source:
        return False
    its_url = _its_thing_url(content_thing.url, attaching.elsewhere[other].url)
    # Named as the settings file writes it: a language's site inherits
    # the main site's FLATTR_SITEURL, the likely cause.
    setting = (
        f"{build.language_label(build.current.pelican)}['FLATTR_SITEURL']"
        if build.outer_builds
        else "FLATTR_SITEURL"
    )
    build.report(
        f"{build.site_label()}{source}: {its_url} is already the thing of "
        f"{other} in another site of this build "
        "(i18n_subsites); Flattr keeps one thing per URL, so it gets "
        "no Flattr button: give this language's site a FLATTR_SITEURL "
        f"of its own ({setting}), or pin a different flattr_url"
    )
    return True


def _say_what_resolving_found(
    content: Any,
    outcome: Resolution,
    content_thing: ContentThing,
    attaching: _Attaching,
) -> None:
    """Say ``outcome``'s warning, and what Flattr lacks of its language
    (once in a run), for ``content``, whose thing is ``content_thing``; note
    what is said at the end for many files: a page URL that is another
    address, a language region Flattr lacks, authors left to
    FLATTR_USERNAME."""
    source = content_thing.source
    if outcome.warning:
        warning = _naming_the_setting(content, source, outcome.warning)
        logger.warning("pelican-flattr: %s: %s", source, warning)
    if outcome.page_url_character:
        attaching.elsewhere_urls.append((source, outcome.page_url_character))
    if outcome.language_region:
        attaching.language_regions.append((source, outcome.language_region))
    if outcome.language_fallback:
        in_file = "lang" in content.metadata
        _warn_about_language(outcome.language_fallback, content_thing, in_file)
    for name in outcome.username_authors:
        found = attaching.to_username.setdefault(name, [])
        found.append((source, content_thing.is_article))


def _thing_of_the_site(
    content_thing: ContentThing, key: str, attaching: _Attaching
) -> bool:
    """Whether the thing URL of ``content_thing``, whose ``_url_key`` is
    ``key``, is the site's own thing's (``_Attaching.site_url``), reported:
    its content gets no thing."""
    # The site owner's own content at the root is exempt: one thing for
    # one owner whichever Flattr keeps, so nothing is lost.
    if (
        key == attaching.site_key
        and content_thing.thing.owner != attaching.settings.username
    ):
        its_url = _its_thing_url(content_thing.url, attaching.site_url or "")
        build.report(
            f"{content_thing.source}: {its_url} is "
            f"already the thing of {_SITE_THING}; Flattr would merge them, so "
            "it gets no Flattr button (pin a different flattr_url)"
        )
        return True
    return False


def _takes_its_url(
    content: Any, content_thing: ContentThing, key: str, attaching: _Attaching
) -> bool:
    """Whether ``content`` may have the thing URL of ``content_thing``, whose
    ``_url_key`` is ``key``: no content attached before has it, or the one
    that has it loses it to ``content`` (``_takes_shared_url``), its thing
    taken back and noted as displaced. The one that loses is noted, for
    ``_say_lost_urls``."""
    holders = attaching.holders
    holder = holders.setdefault(key, content)
    if holder is content:
        return True
    held = (holder, holder.flattr)
    found = (content, content_thing)
    takes = _takes_shared_url(held, found, attaching.settings)
    attaching.lost_urls.setdefault(key, []).append(held if takes else found)
    if not takes:
        return False
    holders[key] = content
    attaching.displaced.add(id(_displace(holder)))
    return True


def _url_key(url: str, site_base: tuple[str, str] | None) -> str:
    """The key of thing URL ``url`` among the URLs the build has given
    (``_comparable_url``): two URLs that name one address have one, so
    that a pin spelling another article's URL otherwise (in capitals,
    with ":443", "/./", "%66" or its host's xn-- form) never takes it as
    its own.

    Three scans in C for a URL on the origin of FLATTR_SITEURL
    (``site_base``, see ``_site_base``), as the build computes them, whose
    key is the origin's key and the rest of it as it is: the URL itself
    under an origin written as its key is, as most are. Most content pins
    none. Only a pin on another origin, or a URL with an escape or a dot
    segment, is read part by part."""
    if site_base is not None:
        base, key = site_base
        if url.startswith(base) and "%" not in url and "/." not in url:
            return url if key is base else key + url[len(base) :]
    return _comparable_url(url)


def _site_base(siteurl: str) -> tuple[str, str] | None:
    """The origin of FLATTR_SITEURL (``siteurl``), "scheme://host/" as it is
    written, and its ``_comparable_url``, for ``_url_key``: the one string
    twice when they are one. The origin, not the site's path: the key of a
    URL on it that holds no escape or dot segment is the origin's and its
    path as it is, whichever site of the run (i18n_subsites) it is of.
    None for a ``siteurl`` without one."""
    parts = urlsplit(siteurl)
    base = f"{siteurl[: len(parts.scheme) + 3 + len(parts.netloc)]}/"
    if not parts.netloc or urlsplit(base).netloc != parts.netloc:
        return None
    key = _comparable_url(base)
    return (base, base) if key == base else (base, key)


def _comparable_url(url: str) -> str:
    """``url``, an absolute http(s) URL ``check_pinned_url`` takes, as one
    address is written whichever way it is spelt: its scheme in lower
    case, its host as ``comparable_host`` gives it (``xn--bcher-kva`` is
    ``bücher``, without "www."), without the scheme's default port, its
    path's "." and ".."
    segments resolved (as browsers resolve them), and the escapes of
    unreserved characters and of text beyond ASCII decoded (``%66`` is
    ``f``, which servers read alike; ``caf%C3%A9`` is ``café``, which
    browsers send so), the others' hex digits in upper case.

    For comparing alone: a thing keeps its URL as written, which Flattr
    keys it on (the URL guard advises pinning an old URL as written)."""
    parts = urlsplit(url)
    name = parts.hostname or ""
    # As the check of a pin's host compares it ("xn--bcher-kva.example",
    # "b%C3%BCcher.example" or "www.bücher.example." is bücher.example):
    # a pin on a host it takes as the site's names that site's pages.
    host = comparable_host(name)
    if ":" in name:  # an IPv6 address, which urlsplit gives without brackets
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        host += f":{port}"
    # What follows "scheme://host": a pin holds no "\\" before its path,
    # where urlsplit and browsers would split it apart.
    rest = url[len(parts.scheme) + 3 + len(parts.netloc) :]
    cut = min((at for at in map(rest.find, "?#") if at >= 0), default=len(rest))
    path = without_dot_segments(_ESCAPE_RUN.sub(_read_escapes, rest[:cut]) or "/")
    return f"{parts.scheme}://{host}{path}{_ESCAPE_RUN.sub(_read_escapes, rest[cut:])}"


_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPE_RUN = lazy_regex("(?:%[0-9A-Fa-f]{2})+")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def _read_escapes(escapes: re.Match[str]) -> str:
    """A run of ``escapes`` as ``_comparable_url`` writes it: those of
    unreserved characters and of text beyond ASCII decoded, the others
    with their hex digits in upper case (all of them, for bytes that are
    not UTF-8 text)."""
    try:
        text = unquote(escapes[0], errors="strict")
    except UnicodeDecodeError:
        return escapes[0].upper()
    return "".join(
        character
        if character in _UNRESERVED or not character.isascii()
        else f"%{ord(character):02X}"
        for character in text
    )


def _say_lost_urls(attaching: _Attaching) -> None:
    """Report each content that lost its thing URL to another, naming the
    one that keeps it once all are read: with three that share one, the
    second read may beat the first and lose to the third. More than
    ``_SAID_ALONE`` that lost one URL for one reason are one problem, as
    ``_say_problems`` says a shared one: a front matter copied with its
    ``flattr_url`` into a thousand files is one mistake, not a thousand."""
    for url, losers in attaching.lost_urls.items():
        keeper = attaching.holders[url]
        kept = (keeper, keeper.flattr)
        # By reason, by where their pin is written (a file, or an entry of
        # EXTRA_PATH_METADATA) and by how it is spelt: each group has one fix.
        lost_by_why: dict[
            tuple[str, str | None, str], list[tuple[Any, ContentThing]]
        ] = {}
        for lost in losers:
            _, why = _shared_url_keeper(kept, lost, attaching.settings)
            pinned_by = given_by_setting(lost[0], PINNED_URL, lost[1].source)
            lost_by_why.setdefault((why, pinned_by, lost[1].url), []).append(lost)
        for (why, _, _), lost_ones in lost_by_why.items():
            if len(lost_ones) <= _SAID_ALONE or why == _OVERRIDES:
                for lost in lost_ones:
                    build.report(_lost_url_problem(kept, [lost], why, attaching))
            else:
                ordered = sorted(lost_ones, key=lambda lost: lost[1].source)
                build.report(_lost_url_problem(kept, ordered, why, attaching))


def _lost_url_problem(
    held: tuple[Any, ContentThing],
    lost: list[tuple[Any, ContentThing]],
    why: str,
    attaching: _Attaching,
) -> str:
    """What to say of the contents ``lost`` (one, or more than
    ``_SAID_ALONE``, each with its thing), which have no thing, as the
    thing of ``held`` has their thing URL, for reason ``why`` (see
    ``_shared_url_keeper``). Their thing URL is spelt one way, which may
    be another than the kept one's (``_url_key``)."""
    kept = held[1]
    url = kept.url
    # Pinned as another spelling of it (_url_key), the kept URL is named too.
    written = lost[0][1].url
    shown = _spelt(written, url)
    sources = [content_thing.source for _, content_thing in lost]
    one = len(sources) == 1
    if one:
        named, none_gets = sources[0], f"{sources[0]} gets no Flattr button"
    else:
        named = listed(sources, _SAID_ALONE)
        none_gets = f"none of these {len(sources)} files gets a Flattr button"
    # Where the pin of the lost ones is written, when a setting gives it
    # (one entry of EXTRA_PATH_METADATA for them all): the files hold no
    # line to change.
    pinned_by = {
        given_by_setting(content, PINNED_URL, content_thing.source)
        for content, content_thing in lost
    }
    setting = next(iter(pinned_by)) if len(pinned_by) == 1 else None
    pin = f"metadata '{PINNED_URL}'" + (f" (from {setting})" if setting else "")
    if why == _OWN_PAGE:
        fix = (
            f"pin a different {PINNED_URL}, or remove it"
            if setting is None
            else f"change or remove the {PINNED_URL} of {setting}"
        )
        return (
            f"{named}: {pin} pins {shown}, the URL of {kept.source}'s own page, "
            f"which keeps that thing; Flattr keeps one thing per URL, so "
            f"{none_gets} ({fix})"
        )
    if why == _OVERRIDES:
        return _published_nowhere(named, kept.source, kept.page)
    if _is_own(kept, attaching.settings):
        what = (
            f"{_its_thing_url(written, url)} is also the URL of {kept.source}'s "
            f"page, which keeps that thing ({why})"
        )
        fix = (
            f"give one of them another slug or URL, or pin a different {PINNED_URL}"
            if one
            else f"give each of these another slug or URL, or a {PINNED_URL} of its own"
        )
    else:
        what = f"{pin} pins {shown}, which {kept.source} pins too and keeps ({why})"
        # Changing one of many leaves the others without a button.
        if setting is not None and setting == given_by_setting(
            held[0], PINNED_URL, kept.source
        ):
            # A folder's entry gives every file in it the one URL.
            fix = (
                f"take the {PINNED_URL} out of {setting}, which gives it to "
                "every file it matches, and pin each file's own"
            )
        elif setting is not None:
            fix = f"change the {PINNED_URL} of {setting}"
        elif one:
            fix = f"change the {PINNED_URL} of one of them"
        else:
            fix = f"give each of these a {PINNED_URL} of its own, or remove it"
    return f"{named}: {what}; Flattr keeps one thing per URL, so {none_gets} ({fix})"


def _spelt(written: str, url: str) -> str:
    """Thing URL ``written`` as a message names it, with ``url``, another
    content's or the site's, when it spells that otherwise (``_url_key``):
    the reader sees why the two are one."""
    return written if written == url else f"{written}, another spelling of {url}"


def _its_thing_url(written: str, url: str) -> str:
    """The subject "its thing URL ``written``" (``_spelt``) of a message,
    which a verb follows."""
    shown = _spelt(written, url)
    return f"its thing URL {shown}" + ("," if shown != written else "")


def _record(
    content: Any,
    content_thing: ContentThing,
    outcome: Resolution,
    is_article: bool,
    attaching: _Attaching,
) -> None:
    """Attach ``content_thing`` to ``content``, and note it where the build
    looks for it: its page (for ``_lost_pages``), the build's things, the
    texts the privacy checks read, for an article the things the feeds
    find by its URL; and, when its url leads to no page a static host
    serves, the contents said at the end
    (``_warn_of_urls_that_miss_their_pages``)."""
    page = content_thing.page
    _note_page(content, page, attaching)
    content.flattr = content_thing
    url = content_thing.content_url
    # One comparison on the common path, where Pelican's settings make the
    # url and the save_as one string; a few string operations for pretty
    # URLs. A URL whose '#', '?', '%' or '\\' names another address has its own
    # warning (page_url_character).
    if (
        url != page
        and not outcome.page_url_character
        and not serves_its_page(url, page)
    ):
        attaching.unserved.append((content, content_thing))
    state = attaching.state
    state.content_things.append(content_thing)
    source = content_thing.source
    privacy = state.privacy
    if outcome.open_graph_texts:
        privacy.open_graph_texts[source] = outcome.open_graph_texts
    markup = markup_that_may_hold_addresses(content, content_thing.thing)
    if markup:
        privacy.markup_texts[source] = markup
    if is_article:
        key = feed_key(content_thing.content_url)
        state.feeds.things_by_content_url[key] = content_thing


def _note_page(content: Any, page: str, attaching: _Attaching) -> None:
    """Note that ``content`` is written to ``page``, for ``_lost_pages``."""
    first = attaching.pages.setdefault(page, content)
    if first is not content:
        attaching.clashes.setdefault(page, [first]).append(content)


def _say_what_attaching_found(generators: list[Any], attaching: _Attaching) -> None:
    """Say, once every content is resolved, what ``_attach`` noted for the
    end (misspelt fields, fields read as text, page URLs that are another
    address, language regions, problems, contents without an owner), and
    authors close to a key whose content goes to FLATTR_USERNAME, and the
    pages that ask for a button while FLATTR_PAGES is off; take back
    the things of contents whose page another's overwrites
    (``_drop_displaced``); warn of those left whose Save_as has no URL that
    leads to it (``_warn_if_its_url_is_no_page``), and of the others whose
    URL leads to no page a static host serves
    (``_warn_of_urls_that_miss_their_pages``); and check the
    ``FLATTR_AUTHORS`` keys against the authors read."""
    settings = attaching.settings
    _warn_by_files(attaching.misspelt, unknown_field_message)
    _warn_by_files(attaching.read_as_text, _in_each)
    # Warnings even under FLATTR_STRICT: the thing is kept, as earlier
    # builds published it; the thing has the language's code.
    _warn_by_files(attaching.elsewhere_urls, page_url_warning, _warn_leniently_once)
    _warn_by_files(
        attaching.language_regions, language_region_warning, _warn_leniently_once
    )
    _say_problems(attaching.problems, settings.authors_setting)
    # Before the ownerless are said: a name close to a key that names no
    # author is more likely the key's misspelling than the files'.
    authors = classify_author_keys(generators, settings)
    _say_who_has_no_owner(attaching.ownerless, settings)
    _say_who_goes_to_the_username(attaching.to_username, settings)
    if not settings.pages:
        _warn_about_pages_that_ask(generators)
    _say_lost_urls(attaching)
    _drop_displaced(attaching)
    said: set[int] = set()
    for content in attaching.overriders:
        if (
            getattr(content, "flattr", None)
            and not hasattr(content, "override_url")
            and _warn_if_its_url_is_no_page(content, settings)
        ):
            said.add(id(content))
    _warn_of_urls_that_miss_their_pages(attaching, said)
    warn_about_authors_named_by_their_address(settings, authors, generators)
    if not build.outer_builds and not build.i18n_subsites(attaching.state.pelican):
        # Said now, so that a strict build fails before writing a page;
        # with subsites, once all of them are read (see finish.finish_build).
        warn_about_unknown_authors()


def _drop_displaced(attaching: _Attaching) -> None:
    """Take back, reported, the things of contents whose page another's
    overwrites (``_lost_pages``), and drop every thing taken back, those
    whose URL content found later took too, from the build's things."""
    if attaching.overriders or attaching.clashes:
        lost = _lost_pages(attaching.pages, attaching.clashes, attaching.overriders)
        attaching.displaced.update(map(id, lost))
    displaced = attaching.displaced
    if displaced:
        state = attaching.state
        state.content_things = [
            ct for ct in state.content_things if id(ct) not in displaced
        ]


def _build_context(generators: list[Any]) -> Mapping[str, Any] | None:
    """This build's Pelican context, which its generators share: where a
    content's links find this build's files. Not the content's own, which
    Pelican's generator cache (CONTENT_CACHING_LAYER = "generator") pickles
    with it: an article read from that cache holds the context of the build
    that cached it, saved before its static files were read."""
    for generator in generators:
        context = getattr(generator, "context", None)
        if isinstance(context, Mapping):
            return context
    return None


def _main_sites_files_given_later() -> Mapping[str, Any] | None:
    """With i18n_subsites, on a language's site that reads no static files
    of its own (STATIC_PATHS = [], which i18n_subsites gives it unless its
    settings say otherwise), the main site's context: i18n_subsites links
    the main site's static files into this site's once every site is read,
    after this site's things are resolved, before its pages are written.
    None elsewhere."""
    if not build.outer_builds:
        return None
    main = build.outer_builds[0]
    pelican = build.current.pelican
    if (
        main.pelican is None
        or not build.i18n_subsites(main.pelican)
        or pelican is None
        or pelican.settings.get("STATIC_PATHS") != []
    ):
        return None
    return _build_context(main.generators)


def _left_to_its_languages_site(
    content: Any,
    is_article: bool,
    later: Mapping[str, bool],
    elsewhere: Mapping[str, Thing],
) -> bool:
    """Whether this language's site leaves ``content`` without a thing (and
    a button), as a hidden copy: its language's site, built later in the
    run with this plugin (``later``: whether each gives pages things too),
    publishes it and gives it one, and no site built before gave it one.

    A copy of another language's article ("keep") took the thing, at its
    own URL, whenever its site came first: i18n_subsites builds the
    languages' sites in the reverse order of I18N_SUBSITES, so a German
    translation's page on the German site named the Spanish site's copy.
    Its own language's site gives it its thing; this copy cannot name that
    yet, so it names none.
    """
    gives_pages = later.get(getattr(content, "lang", None))
    if gives_pages is None or not (is_article or gives_pages):
        return False
    source = build.source_path(content)
    return source not in elsewhere


def _warn_about_language(lang: str, content_thing: ContentThing, in_file: bool) -> None:
    """Warn, once in a run, that Flattr has no code for ``lang``, naming the
    language the thing of ``content_thing`` has instead, and the language
    meant when ``lang`` is a country's code, to be written in the file
    (``in_file``: its metadata gave ``lang``) or in DEFAULT_LANG.

    Not this site's default: with i18n_subsites a copy of an article takes
    the main site's thing, and its language. A warning only, even under
    FLATTR_STRICT: the thing is published correctly all the same.
    """
    used = content_thing.thing.language
    if build.first_in_run(f"language {lang!r} -> {used}"):
        logger.warning(
            "pelican-flattr: Flattr has no code for language %r (first seen in "
            "%s); its things use %s%s",
            lang,
            content_thing.source,
            used,
            country_code_hint(lang, in_file),
        )


def _unknown_fields_of(content: Any, names: list[str]) -> Iterator[tuple[str, str]]:
    """(source, name) of each of ``names``, the metadata fields of
    ``content`` that look like one of this plugin's but are none, for
    ``_warn_by_files``; but not one that ``DEFAULT_METADATA`` or
    ``EXTRA_PATH_METADATA`` gave it, named for the setting, once
    (``unknown_setting_field_warnings``)."""
    source = build.source_path(content)
    for name in names:
        if given_by_setting(content, name, source) is None:
            yield source, name


def _naming_the_setting(content: Any, source: str, said: str) -> str:
    """``said`` of ``content`` (a problem or warning), with the setting that
    gave the field it starts with (``metadata 'flattr_owner' ...``) named
    after it: its file holds no such line. Asked of the few contents with
    something to say."""
    name, quoted, rest = said.removeprefix(_FIELD_SAID).partition("' ")
    if not said.startswith(_FIELD_SAID) or not quoted:
        return said
    setting = given_by_setting(content, name, source)
    if setting is None:
        return said
    alike = getattr(said, "alike", None)
    if alike is not None:
        # Said of many files, each its own entry: the setting, not the entry.
        kind = setting.partition("[")[0]
        alike = alike.replace(
            f"{_FIELD_SAID}{name}'", f"{_FIELD_SAID}{name}' (from {kind})", 1
        )
    return problem_alike(f"{_FIELD_SAID}{name}' (from {setting}) {rest}", alike)


# How resolve's problems and warnings about a field start.
_FIELD_SAID = "metadata '"


def _warn_about_pages_that_ask(generators: list[Any]) -> None:
    """Warn, in one line, of the published pages whose files ask for a
    button with a field of this plugin's (not ``Flattr: no``) while
    FLATTR_PAGES is off: the author's request would go unanswered without a
    word. A field that an entry of ``EXTRA_PATH_METADATA`` gives is the
    operator's request, not the file's, and its fix is in that entry: each
    such entry is a line of its own, naming it. One that
    ``DEFAULT_METADATA`` gives every page asks nothing.

    A warning, even under FLATTR_STRICT: leaving pages out is the
    operator's choice, the author cannot change it, and nothing is
    published wrong.
    """
    # By who asks: None for the files themselves, else the entry's name;
    # each with the pages it asks for and the fields it asks with.
    asking: dict[str | None, tuple[list[str], set[str]]] = {}
    for generator in generators:
        if not isinstance(generator, PagesGenerator):
            continue
        for page in published(generator):
            metadata = page.metadata
            # One test in C for the usual page, which sets none.
            if METADATA_FIELDS.isdisjoint(metadata) or opts_out(metadata):
                continue
            source = build.source_path(page)
            for name in METADATA_FIELDS.intersection(metadata):
                setting = given_by_setting(page, name, source)
                if setting == "DEFAULT_METADATA":
                    continue
                pages, fields = asking.setdefault(setting, ([], set()))
                # A page's fields come one after another.
                if not pages or pages[-1] != source:
                    pages.append(source)
                fields.add(name)
    for setting, (pages, fields) in sorted(
        asking.items(), key=lambda item: item[0] or ""
    ):
        _warn_leniently_once(_pages_asking_message(setting, sorted(pages), fields))


def _pages_asking_message(
    setting: str | None, pages: list[str], fields: set[str]
) -> str:
    """What ``_warn_about_pages_that_ask`` says of ``pages``, which ask for a
    button with metadata ``fields``: in their files (``setting`` None), or
    through ``setting``, an entry of ``EXTRA_PATH_METADATA``."""
    metadata = f"metadata {', '.join(map(repr, sorted(fields)))}"
    off = "but FLATTR_PAGES is off, so no page gets one"
    if setting is None:
        asks = "this page asks" if len(pages) == 1 else f"these {len(pages)} pages ask"
        return (
            f"{build.site_label()}{listed(pages, _SAID_ALONE)}: {asks} for a "
            f"Flattr button ({metadata}), {off}: the site's operator can set "
            "FLATTR_PAGES = True (or authors drop the metadata)"
        )
    named = listed(pages, _SAID_ALONE)
    on = named if len(pages) == 1 else f"{len(pages)} pages ({named})"
    return (
        f"{build.site_label()}{setting} asks for a Flattr button on {on} with "
        f"{metadata}, {off}: set FLATTR_PAGES = True (or take the metadata out "
        "of that entry)"
    )


def _fields_read_as_text_of(
    content: Any, found: list[tuple[str, str, str]]
) -> Iterator[tuple[str, str]]:
    """(source, what to say) of each (written, meant, value) of ``found``, the
    fields of ``content`` that Pelican read as its text, for
    ``_warn_by_files``: said as its reader writes fields."""
    source = build.source_path(content)
    path = str(getattr(content, "source_path", ""))
    for written, meant, _ in found:
        yield source, field_read_as_text_message(written, meant, path)


def _in_each(message: str, files: int) -> str:
    """``message``, said of one file, for ``files`` files."""
    return message if files == 1 else f"{message} (in each of these {files} files)"


def _warn_leniently_once(message: str) -> None:
    """Warn of ``message`` once in a run, even under FLATTR_STRICT: for what
    the build still publishes correctly."""
    if build.first_in_run(message):
        logger.warning("pelican-flattr: %s", message)


def _warn_by_files(
    found: list[tuple[str, str]],
    message: Callable[[str, int], str],
    warn_once: Callable[[str], None] = build.warn_once,
) -> None:
    """Warn of each (source, what) of ``found`` in the order found, with
    ``message(what, 1)`` after the file's name (a misspelt field, which
    leaves the content to its author's owner or to the settings unsaid; a
    field read as text; a page URL that is another address; a
    ``flattr_language`` region Flattr lacks). A ``what`` more than
    ``_SAID_ALONE`` files share (a migrating site's old button fields, or
    ``Flattr_language: en_US``, in every file) is one warning, where first
    found, naming the first files and counting them all
    (``message(what, count)``), as ``_say_problems`` says a shared problem.
    ``warn_once`` says each line (a problem under FLATTR_STRICT, unless
    told otherwise)."""
    found = _not_said_outside(found)
    sources_of: dict[str, list[str]] = {}
    for source, what in found:
        sources_of.setdefault(what, []).append(source)
    for source, what in found:
        sources = sources_of[what]
        if len(sources) <= _SAID_ALONE:
            warn_once(f"{source}: {message(what, 1)}")
        elif source == sources[0]:
            message_of_all = message(what, len(sources))
            warn_once(f"{listed(sorted(sources), _SAID_ALONE)}: {message_of_all}")


# Why content keeps a thing URL another has too, beside _earlier's reasons
# (dated earlier, first by file name).
_OWN_PAGE = "its own page's"  # the other pins it
_OVERRIDES = "its save_as overrides"  # the other's page is written over


def _takes_shared_url(
    held: tuple[Any, ContentThing],
    found: tuple[Any, ContentThing],
    settings: FlattrSettings,
) -> bool:
    """Whether content ``found`` takes the thing URL of ``held``, which had
    it first (both are (content, its thing)): see ``_shared_url_keeper``."""
    return _shared_url_keeper(held, found, settings)[0] is found


def _shared_url_keeper(
    one: tuple[Any, ContentThing],
    other: tuple[Any, ContentThing],
    settings: FlattrSettings,
) -> tuple[tuple[Any, ContentThing], str]:
    """Of two (content, thing) pairs with one thing URL, the one that keeps
    it, and why.

    Content whose thing URL is its own page's keeps it from content that
    pins it (``flattr_url``): a pin must never take another article's thing,
    and its flattrs. Of two whose pages are one, the one whose metadata
    sets that save_as keeps it: Pelican keeps its page. Else, between two
    that pin it, or two whose pages share it, the one dated earlier keeps
    it, else the source file that sorts first: never Pelican's order, in
    which a new article comes first and would take the thing of an older
    one.
    """
    one_own, other_own = (_is_own(thing, settings) for _, thing in (one, other))
    if one_own != other_own:
        return (one if one_own else other), _OWN_PAGE
    overriding = _overriding(one, other) if one_own else None
    if overriding is not None:
        return overriding, _OVERRIDES
    keeper, _, why = _earlier(one, other)
    return keeper, why


def _is_own(content_thing: ContentThing, settings: FlattrSettings) -> bool:
    """Whether the thing URL of ``content_thing`` is its own page's, as the
    build computes it, or pinned as another spelling of it (``_url_key``),
    which names that page all the same. Asked of two contents with one
    thing URL alone."""
    url, own = content_thing.url, own_thing_url(content_thing.content_url, settings)
    return url == own or _comparable_url(url) == _comparable_url(own)


def _overriding(
    one: tuple[Any, ContentThing], other: tuple[Any, ContentThing]
) -> tuple[Any, ContentThing] | None:
    """Of two (content, thing) pairs written to one page, the one whose
    metadata sets that save_as when only one does: Pelican keeps its page,
    and publishes the other nowhere (see ``_lost_pages``). Else None."""
    if one[1].page != other[1].page:
        return None
    setting = [pair for pair in (one, other) if hasattr(pair[0], "override_save_as")]
    return setting[0] if len(setting) == 1 else None


def _published_nowhere(source: str, keeper: str, page: str) -> str:
    """The error for content ``source``, whose page ``page`` the content
    ``keeper`` overwrites by its metadata's save_as."""
    return (
        f"{source}: {keeper} is written to its page {page} too, and Pelican "
        f"keeps only {keeper}'s, whose metadata sets that save_as; {source} is "
        "published nowhere, so it gets no Flattr button (change the Save_as of "
        f"{keeper}, or the slug or URL of {source})"
    )


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
    URL, and return it (still in the build's ``content_things``)."""
    things_by_content_url = build.current.feeds.things_by_content_url
    lost: ContentThing = content.flattr
    content.flattr = None
    key = feed_key(lost.content_url)
    if things_by_content_url.get(key) is lost:
        del things_by_content_url[key]
    return lost


def _unlisted_overriders(generators: list[Any], pages: bool) -> Iterator[Any]:
    """Content that gets no thing and is not resolved (drafts; pages, with
    FLATTR_PAGES off) whose metadata sets its save_as: Pelican writes it
    all the same, over the page of content with a thing. Drafts and pages
    are few: one attribute looked up for each."""
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            names: tuple[str, ...] = ("drafts", "drafts_translations")
        elif isinstance(generator, PagesGenerator):
            names = ("draft_pages", "draft_translations") if pages else PAGE_LISTS
        else:
            continue
        for name in names:
            for content in getattr(generator, name, ()):
                if hasattr(content, "override_save_as"):
                    yield content


def _lost_pages(
    pages: dict[str, Any], clashes: dict[str, list[Any]], overriders: list[Any]
) -> Iterator[ContentThing]:
    """Take back, reported, the thing of each content whose page another
    content's overwrites, and yield it.

    ``pages`` holds the first content with a thing (or that lost its thing
    URL to another) written to each page, ``clashes`` every such content
    written to a page another has,
    ``overriders`` the content whose metadata sets its save_as. Pelican's
    writer refuses to write one file twice, unless exactly one of the
    writes is of content whose metadata sets its save_as (``Save_as``, or
    EXTRA_PATH_METADATA): that page is kept, whether written first or last,
    without a word, and the others are published nowhere, their buttons
    with them. Their things are taken back, as a duplicate URL's are, so
    that neither the manifest nor a feed's payment link claims a page the
    button is not on. Found without asking Pelican again, from the ``page``
    of each thing and the few overriders.
    """
    for content in overriders:
        page = str(content.override_save_as).replace("\\", "/")
        first = pages.get(page)
        if first is not None and first is not content:
            written = clashes.setdefault(page, [first])
            if all(other is not content for other in written):
                written.append(content)
    for page, written in clashes.items():
        kept = [c for c in written if hasattr(c, "override_save_as")]
        names = [build.source_path(c) for c in written]
        if len(kept) != 1:
            # Pelican stops with an error, naming the file only.
            *others, last = sorted(names)
            build.report(
                f"{', '.join(others)} and {last} are each written to the page "
                f"{page}, which Pelican refuses to write twice (change the "
                "Save_as or the URL of all but one)"
            )
            continue
        keeper = names[written.index(kept[0])]
        for content, source in zip(written, names, strict=True):
            if content is kept[0] or content.flattr is None:
                continue
            build.report(_published_nowhere(source, keeper, page))
            yield _displace(content)


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
    setting = build.url_setting(content)
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
    asking Pelican for both (each expands its settings anew); asked only of
    content whose metadata sets no save_as.

    Pelican expands the same URL_FORMAT values into the class's (or, for a
    translation, its LANG_) URL and SAVE_AS settings, unless the metadata
    overrides either: the same settings give the same string.
    """
    key = (type(content), getattr(content, "in_default_lang", None))
    state = build.current
    settings = getattr(content, "settings", None)
    if state.pelican is not None and settings is state.pelican.settings:
        same = state.save_as_is_url.get(key)
    else:
        # An object from the generators' content cache keeps the settings it
        # was read with (CONTENT_CACHING_LAYER = "generator"), and Pelican
        # expands its URL and save_as from those, not from this build's.
        same = isinstance(settings, Mapping) and build.save_as_is_url(settings, key)
    return bool(
        same
        and getattr(content, "status", None) != "draft"
        and not hasattr(content, "override_url")
    )


# Contents without an owner, by (their authors' names, the notice that says
# why) -> (source, whether an article) of each.
_Ownerless = dict[tuple[tuple[str, ...], str], list[tuple[str, bool]]]

# How many authors of contents without an owner get a line of their own,
# naming their first files (NAMED_SOURCES), before one line says it for
# them all: docs/settings.md calls authors without Flattr normal, and on a
# community site a line per article, on every build, would bury the
# warnings that matter.
_NAMED_AUTHORS = 5

# How many contents with one problem (one bad value of one field, one
# unusable author entry) get a line each before one line says it for them
# all: a bulk import or a changed template can give hundreds the same.
_SAID_ALONE = 5


def _note_why_not(
    content: Any,
    outcome: Resolution,
    is_article: bool,
    ownerless: _Ownerless,
    problems: list[tuple[str, str]],
) -> None:
    """Note why ``content`` got no thing (nothing for a ``flattr: no``
    opt-out): its problems in ``problems``, said at the end
    (``_say_problems``), no owner in ``ownerless``, said for each author
    (``_say_who_has_no_owner``); and, for either, its source in the build's
    ``guard.refused_sources``."""
    source = content.relative_source_path
    if outcome.problems or outcome.notice:  # neither: an opt-out, or no page
        build.current.guard.refused_sources.add(source)
    problems.extend(
        (source, _naming_the_setting(content, source, problem))
        for problem in outcome.problems
    )
    if outcome.notice:
        authors = getattr(content, "authors", None) or ()
        # An empty name (AUTHOR = "") is none, as resolve says it.
        names = tuple(a.name for a in authors if a.name.strip())
        found = ownerless.setdefault((names, outcome.notice), [])
        found.append((source, is_article))


def _say_problems(problems: list[tuple[str, str]], authors_setting: str) -> None:
    """Report each (source, problem) of ``problems`` in the order found, but
    a problem of more than ``_SAID_ALONE`` contents once, where it was first
    found, naming the first of them by name and counting them all: one
    problem of a strict build's count. The problems of authors' unusable entries
    (in ``authors_setting``) count as one: the settings' errors, one per
    entry, said each before."""
    problems = _not_said_outside(problems)
    sources_of: dict[str, list[str]] = {}
    # The texts of each kind: one they all share (a value copied into many
    # files) is said with its value, not as refused alike.
    texts_of: dict[str, set[str]] = {}
    for source, problem in problems:
        kind = _problem_kind(problem)
        sources_of.setdefault(kind, []).append(source)
        texts_of.setdefault(kind, set()).add(str(problem))
    for source, problem in problems:
        kind = _problem_kind(problem)
        sources = sources_of[kind]
        if len(sources) <= _SAID_ALONE:
            build.report(f"{source}: {problem}; it gets no Flattr button")
        elif source == sources[0]:
            if kind == UNUSABLE_ENTRY:
                problem = (
                    f"their authors' entries in {authors_setting} are unusable "
                    "(its errors above say why)"
                )
            elif len(texts_of[kind]) > 1:
                problem = kind
            # Named by name, as the warnings name theirs: in the order
            # found (newest first) they read "article-419.md, article-359.md".
            build.report(
                f"{listed(sorted(sources), _SAID_ALONE)}: {problem}; none of these "
                f"{len(sources)} files gets a Flattr button"
            )


def _not_said_outside(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (source, what) of ``found`` that no site this build runs inside
    said, noted as said by this one. With i18n_subsites, a file in a
    language without a site of its own is published by every site: the
    site whose thing it is (the main one, resolved first) says it. One
    line's text ``report`` says once anyway; but a group's text differs
    from site to site, and a warning names its site."""
    if build.outer_builds:
        said = set().union(*(o.messages.content_problems for o in build.outer_builds))
        found = [each for each in found if each not in said]
    build.current.messages.content_problems.update(found)
    return found


def _problem_kind(problem: str) -> str:
    """What ``_say_problems`` counts ``problem`` with: itself; for an
    author's unusable entry, ``UNUSABLE_ENTRY`` (whoever the author); for a
    value refused alike in each file (``resolve.Problem``), the same said
    without the value: a bulk import gives each file its own bad value."""
    if UNUSABLE_ENTRY in problem:
        return UNUSABLE_ENTRY
    return getattr(problem, "alike", None) or problem


def _say_who_has_no_owner(ownerless: _Ownerless, settings: FlattrSettings) -> None:
    """Warn about the contents without an owner: a line for each author (or
    authors of one content, or none) with their count and first files,
    resolve's notice saying why, and the ``FLATTR_AUTHORS`` key an author's
    name most likely misspells; with many authors, one line for all,
    naming the setting that lacks them (``FlattrSettings.authors_setting``).
    A warning, even under ``FLATTR_STRICT``: nothing is published wrong.
    Each language's site of i18n_subsites says its own, named for its
    language: the lines of two sites would otherwise read alike; but not a
    file that a site it runs inside published too, and said
    (``_not_said_outside``)."""
    pairs = [
        (source, notice)
        for (_, notice), found in ownerless.items()
        for source, _ in found
    ]
    unsaid = set(_not_said_outside(pairs))
    ownerless = {
        group: kept
        for group, found in ownerless.items()
        if (kept := [each for each in found if (each[0], group[1]) in unsaid])
    }
    site = build.site_label()
    groups = sorted(
        ownerless.items(), key=lambda group: (-len(group[1]), _who(group[0][0]))
    )
    keys = names_by_folded(set(settings.authors)) if groups else {}
    if len(groups) <= _NAMED_AUTHORS:
        for (names, notice), found in groups:
            what = (
                found[0][0]
                if len(found) == 1
                else f"each of {_counted(found)} ({_sources(found)})"
            )
            meant, key = key_meant(names, keys)
            files = _author_lines(len(found))
            if key in build.current.author_keys.known_authors:
                meant += f"; if so, correct the {files}"
            elif meant:
                # The key names nobody: either may be the one misspelt (ten
                # files that agree are likelier right), as the warning about
                # the key, which asks after this name, says too.
                meant += (
                    f"; {settings.authors_setting}[{shown_author(key)}] names no "
                    "author of this site: correct whichever of the two is "
                    f"misspelt, the key or the {files}"
                )
            logger.warning(
                "pelican-flattr: %s%s %s; no Flattr button%s", site, what, notice, meant
            )
        return
    everyone = {name for names, _ in ownerless for name in names}
    by = f" by {len(everyone)} author{'s' if len(everyone) > 1 else ''}"
    if any(not names for names, _ in ownerless):
        by += " or none"
    named = "; ".join(
        f"{_who(names)}{key_meant(names, keys)[0]}: {len(found)} ({_sources(found)})"
        for (names, _), found in groups[:_NAMED_AUTHORS]
    )
    rest = [each for _, found in groups[_NAMED_AUTHORS:] for each in found]
    # Every other author by name, with a count: each is a key to add, and
    # "by others" left an operator of a big site without the list to add.
    # A content's authors joined by "and": "'Ivy', 'Jack': 1" read as two.
    others = ", ".join(
        f"{_who(names, ' and ')}: {len(found)}"
        for (names, _), found in groups[_NAMED_AUTHORS:]
    )
    logger.warning(
        "pelican-flattr: %s%s%s have no Flattr owner (none of their authors "
        "in %s, no '%s' metadata, and FLATTR_USERNAME is not set); "
        "no Flattr button: %s; and %s by others: %s (%s)",
        site,
        _counted([each for _, found in groups for each in found]),
        by,
        settings.authors_setting,
        OWNER,
        named,
        _counted(rest),
        others,
        _sources(rest),
    )


def _author_lines(files: int) -> str:
    """The ``Author:`` lines of ``files`` files, as a fix names them."""
    return "file's Author: line" if files == 1 else "files' Author: lines"


def _say_who_goes_to_the_username(
    to_username: dict[str, list[tuple[str, bool]]], settings: FlattrSettings
) -> None:
    """Warn, once an author in a run, of each author of ``to_username``
    whose name is close to a ``FLATTR_AUTHORS`` key ("Jürgen Mueller" beside
    "Jürgen Müller"): their content went to FLATTR_USERNAME, which a
    misspelt name would otherwise do without a word. Not of the authors far
    from every key: a community site's operator may leave most authors to
    FLATTR_USERNAME on purpose. Only of a key that names an author of the
    site: a key that names nobody is warned of on its own (failing a strict
    build), asking after the name it is close to. A warning, even under
    FLATTR_STRICT: two people may have names alike."""
    if not to_username or settings.username is None:
        return
    keys = key_index(names_by_folded(set(settings.authors)))
    site = build.site_label()
    username = shown_value(settings.username.value)
    groups = sorted(to_username.items(), key=lambda group: (-len(group[1]), group[0]))
    known = build.current.author_keys.known_authors
    close = []
    for name, found in groups:
        meant, key = key_meant_in(name, keys)
        # A slip of a few letters: two people who share a surname are no
        # misspelling, and a site of hundreds had a line for each.
        if key not in known or not looks_misspelt(name, key):
            continue
        if build.first_in_run(f"author {name!r} to username"):
            close.append((name, found, meant))
    for name, found, meant in close[:_NAMED_AUTHORS]:
        things = "their thing goes" if len(found) == 1 else "their things go"
        logger.warning(
            "pelican-flattr: %sauthor %s (in %s) is not in %s, so %s to "
            "FLATTR_USERNAME %s%s; if so, correct the %s",
            site,
            shown_author(name),
            _sources(found),
            settings.authors_setting,
            things,
            username,
            meant,
            _author_lines(len(found)),
        )
    rest = close[_NAMED_AUTHORS:]
    if rest:
        who = (
            "author whose name is close to a %s key is"
            if len(rest) == 1
            else "authors whose names are close to a %s key are"
        ) % settings.authors_setting
        logger.warning(
            "pelican-flattr: %sand %d more %s not in it, so their things go to "
            "FLATTR_USERNAME %s: %s; correct the Author: lines of any misspelt",
            site,
            len(rest),
            who,
            username,
            listed([f"{shown_author(name)}{meant}" for name, _, meant in rest], 10),
        )


def _who(names: tuple[str, ...], joined_by: str = ", ") -> str:
    """The authors of a content without an owner, as resolve names them."""
    return joined_by.join(shown_author(name) for name in names) or "no author"


def _counted(found: list[tuple[str, bool]]) -> str:
    """``found`` counted as a message says it: "3 articles", "1 page", "3
    articles and 1 page"."""
    articles = sum(is_article for _, is_article in found)
    counts = [(articles, "article"), (len(found) - articles, "page")]
    return " and ".join(
        f"{count} {noun}{'s' if count > 1 else ''}" for count, noun in counts if count
    )


def _sources(found: list[tuple[str, bool]]) -> str:
    """The first sources of ``found`` by name, and how many more."""
    return listed(sorted(source for source, _ in found), NAMED_SOURCES)


def _read_notices(settings: FlattrSettings) -> dict[str, PendingNotice]:
    path = settings.store_path
    problem = MISSING if path is None else file_problem(path)
    if problem is MISSING and path is not None:
        in_the_way = file_in_the_way(path)
        if in_the_way is not None:
            problem = f"cannot exist: {in_the_way} is a file, not a folder"
    if problem is not None:
        # A relative path is taken from the folder pelican runs in: say which.
        where = "" if path is None or path.is_absolute() else f" (in {os.getcwd()})"
        logger.warning(
            "pelican-flattr: FLATTR_STORE %s%s %s; no pending flattr notices "
            "this build",
            path,
            where,
            problem,
        )
        return {}
    # Only with FLATTR_STORE: a build without it never imports them.
    import sqlite3

    from .notice import notices_by_author, read_pending_totals
    from .store import RESTORE, StoreError, sqlite_problem, unreadable_store_cause

    try:
        totals = read_pending_totals(path)
    except StoreError as error:  # a newer release's store, or none at all
        logger.warning(
            "pelican-flattr: FLATTR_STORE %s %s; no pending flattr notices this build",
            error.path,
            error.reason,
        )
        return {}
    except (sqlite3.Error, OSError) as error:
        if isinstance(error, sqlite3.Error):
            problem = sqlite_problem(path, error, writing=False)
            if RESTORE in problem:
                # Damaged, or overwritten: its backup is what mends it, and
                # the operator may read of it here before any command.
                logger.warning(
                    "pelican-flattr: FLATTR_STORE %s %s; no pending flattr "
                    "notices this build",
                    path,
                    problem,
                )
                return {}
        # SQLite says only "unable to open database file" when a deploy user
        # may read the store but not the -wal and -shm files the receiver
        # keeps beside it while it runs: the warning names them.
        cause = unreadable_store_cause(path)
        logger.warning(
            "pelican-flattr: FLATTR_STORE %s cannot be read (%s)%s; no pending "
            "flattr notices this build",
            path,
            error,
            f", {cause}" if cause else "",
        )
        return {}
    unlinked: list[tuple[str, str, str]] = []
    notices = notices_by_author(settings.authors, totals, unlinked)
    for name, owner, problem in unlinked:
        message = (
            f"FLATTR_STORE {path}: the claim URL of {owner}, "
            f"{settings.authors_setting}[{shown_author(name)}], {problem}: the "
            "author page tells of the flattrs waiting without a link to it; make "
            "sure it is Flattr's (`pelican-flattr pending` shows it) before "
            "passing it on"
        )
        # Once: each language's site of i18n_subsites reads the store.
        _warn_leniently_once(message)
    return notices


def reserve_flattr_attribute(content: Any) -> None:
    """Give each content object its ``flattr`` attribute as it is created,
    and hash an address in its owner metadata.

    CPython shares one table of attribute names among a class's instances
    while they are all set in the same order; an attribute added later to
    an object with many could give each its own dictionary instead (about
    1.5 KB per article, depending on the run's hash seed).
    """
    if build.current.active:
        content.flattr = None
        metadata = getattr(content, "metadata", None)
        if not isinstance(metadata, dict):
            return
        # Hashed as the file was read (hide_addresses_as_read), unless
        # another plugin made the object or put an address in it since.
        names = fields_that_may_hold_addresses(metadata)
        if names:  # rare: nearly every article has nothing to hide
            hide_owner_addresses(content, names)
