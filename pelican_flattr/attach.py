"""Content to things: every published article and page resolved into its
``flattr`` attribute, each problem said once, a strict build failed."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import string
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any, NamedTuple

from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.urlwrappers import Author

from . import build
from .feeds import feed_key
from .generator_contents import PAGE_LISTS, contents, contents_of, published
from .identifiers import hash_email, holds_at_sign, listed
from .manifest import MISSING, file_problem
from .privacy import (
    EVERY_CONTENT,
    address_digests,
    fields_that_may_hold_addresses,
    hide_owner_addresses,
    markup_that_may_hold_addresses,
    owner_field_digests,
    published_sources,
)
from .resolve import (
    OWNER,
    PINNED_URL,
    UNUSABLE_ENTRY,
    ContentThing,
    Resolution,
    field_read_as_text_message,
    fields_read_as_text,
    from_defaults,
    opts_out,
    own_thing_url,
    page_url_warning,
    resolve,
    site_thing,
    site_thing_url,
    unknown_field_message,
    unknown_fields,
)
from .settings import (
    METADATA_FIELDS,
    NAMED_ENTRIES,
    FlattrSettings,
    author_meant,
    closest_name,
    did_you_mean,
    shown_author,
)
from .url_guard import BaselineError, load_baseline, released

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
        _note_authors_of_refused_site(generators)
        build.fail_if_strict()
        return
    # Thing URL -> the content that has it.
    holders: dict[str, Any] = {}
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
    site_url: str | None = None
    if state.offers_site_thing:
        site_url = site_thing_url(settings)
    # id() of the things that content found later took the URL of.
    displaced: set[int] = set()
    # With i18n_subsites, an article no language's site hides (one in a
    # language without a site, or any with I18N_UNTRANSLATED_ARTICLES =
    # "keep") is published by several: one thing for all its copies, the
    # main site's (resolved first), or its flattrs would be split; else its
    # own language's site's (see _left_to_its_languages_site).
    elsewhere = build.thing_elsewhere_in_run() if build.outer_builds else {}
    # Thing URL -> the source whose thing it is in another site of the run:
    # a language's site on a domain of its own that keeps the main site's
    # FLATTR_SITEURL gives its article the URL of another's.
    url_elsewhere = {thing.url: other for other, thing in elsewhere.items()}
    later = state.later_sites_languages
    defaults = state.pelican.settings.get("DEFAULT_METADATA") if state.pelican else None
    if not isinstance(defaults, Mapping):
        defaults = {}
    ownerless: _Ownerless = {}
    problems: list[tuple[str, str]] = []  # (source, problem), as found
    misspelt: list[tuple[str, str]] = []  # (source, field), as found
    # (source, what to say) of each field that Pelican read as text.
    read_as_text: list[tuple[str, str]] = []
    # (source, character) of each page URL that is another address.
    elsewhere_urls: list[tuple[str, str]] = []
    # Written page -> the content with a thing written there first, and the
    # pages more than one is written to, with them all (see _lost_pages).
    pages: dict[str, Any] = {}
    clashes: dict[str, list[Any]] = {}
    # Content whose metadata sets its save_as: only such may silently take
    # the page of another.
    overriders = list(_unlisted_overriders(generators, settings.pages))
    things_by_content_url = state.feeds.things_by_content_url
    files = _build_context(generators)
    files_later = _main_sites_files_given_later()
    for content, is_article in contents(generators, settings.pages):
        content.flattr = None
        overrides = hasattr(content, "override_save_as")
        if overrides:
            overriders.append(content)
        if _left_to_its_languages_site(content, is_article, later, elsewhere):
            continue
        names = unknown_fields(content.metadata)
        if names:
            misspelt.extend(_unknown_fields_of(content, names, defaults))
        as_text = fields_read_as_text(getattr(content, "_content", None) or "")
        if as_text:
            read_as_text.extend(_fields_read_as_text_of(content, as_text))
        outcome = resolve(
            content,
            settings,
            is_article,
            source=build.source_of(content),
            save_as_is_url=not overrides and _save_as_is_url(content),
            content_url=_content_url(content),
            files=files,
            files_later=files_later,
        )
        content_thing = outcome.content_thing
        if content_thing is None:
            _say_why_not(content, outcome, is_article, ownerless, problems)
            continue
        source = content_thing.source
        shared = elsewhere.get(source)
        if shared is not None:
            content_thing = dataclasses.replace(content_thing, thing=shared)
        other = url_elsewhere.get(content_thing.url, source)
        if other != source:
            build.report(
                f"{source}: its thing URL {content_thing.url} is already the "
                f"thing of {other} in another site of this build "
                "(i18n_subsites); Flattr keeps one thing per URL, so it gets "
                "no Flattr button: give this language's site a FLATTR_SITEURL "
                "of its own, or pin a different flattr_url"
            )
            continue
        if outcome.warning:
            logger.warning("pelican-flattr: %s: %s", source, outcome.warning)
        if outcome.page_url_character:
            elsewhere_urls.append((source, outcome.page_url_character))
        if outcome.language_fallback:
            _warn_about_language(outcome.language_fallback, content_thing)
        # The site owner's own content at the root is exempt: one thing for
        # one owner whichever Flattr keeps, so nothing is lost.
        if (
            content_thing.url == site_url
            and content_thing.thing.owner != settings.username
        ):
            build.report(
                f"{source}: its thing URL {content_thing.url} is already the "
                f"thing of {_SITE_THING}; Flattr would merge them, so it gets no "
                "Flattr button (pin a different flattr_url)"
            )
            continue
        holder = holders.setdefault(content_thing.url, content)
        if holder is not content:
            held = (holder, holder.flattr)
            if not _takes_shared_url(held, (content, content_thing), settings):
                continue
            holders[content_thing.url] = content
            displaced.add(id(_displace(holder)))
        first = pages.setdefault(content_thing.page, content)
        if first is not content:
            clashes.setdefault(content_thing.page, [first]).append(content)
        content.flattr = content_thing
        state.content_things.append(content_thing)
        if outcome.open_graph_texts:
            privacy.open_graph_texts[source] = outcome.open_graph_texts
        markup = markup_that_may_hold_addresses(content, content_thing.thing)
        if markup:
            privacy.markup_texts[source] = markup
        if is_article:
            key = feed_key(content_thing.content_url)
            things_by_content_url[key] = content_thing
    _warn_by_files(misspelt, unknown_field_message)
    _warn_by_files(read_as_text, _in_each)
    _warn_by_files(elsewhere_urls, page_url_warning)
    _say_problems(problems, settings.authors_setting)
    # Before the ownerless are said: a name close to a key that names no
    # author is more likely the key's misspelling than the files'.
    authors = _classify_author_keys(generators, settings)
    _say_who_has_no_owner(ownerless, settings)
    if not settings.pages:
        _warn_about_pages_that_ask(generators, defaults)
    if overriders or clashes:
        displaced.update(map(id, _lost_pages(pages, clashes, overriders)))
    if displaced:
        state.content_things = [
            ct for ct in state.content_things if id(ct) not in displaced
        ]
    _warn_about_authors_named_by_their_address(settings, authors, generators)
    if not build.outer_builds and not build.i18n_subsites(state.pelican):
        # Said now, so that a strict build fails before writing a page;
        # with subsites, once all of them are read (see finish.finish_build).
        warn_about_unknown_authors()
    if site_url is not None:
        # Only where feeds offer it: a build writing none (a development
        # settings file sets every feed to None) submits no site thing,
        # and its root URL may be content's, as ``holders`` let it be.
        state.feeds.site_payment_url = site_thing(settings).auto_submit_url
    if settings.store_path is not None:
        state.pending_notices = _read_notices(settings)
    build.fail_if_strict()


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
    source = build.source_of(content) or content.relative_source_path
    return source not in elsewhere


def _warn_about_language(lang: str, content_thing: ContentThing) -> None:
    """Warn, once in a run, that Flattr has no code for ``lang``, naming the
    language the thing of ``content_thing`` has instead.

    Not this site's default: with i18n_subsites a copy of an article takes
    the main site's thing, and its language. A warning only, even under
    FLATTR_STRICT: the thing is published correctly all the same.
    """
    used = content_thing.thing.language
    if build.first_in_run(f"language {lang!r} -> {used}"):
        logger.warning(
            "pelican-flattr: Flattr has no code for language %r (first seen in "
            "%s); its things use %s",
            lang,
            content_thing.source,
            used,
        )


def _unknown_fields_of(
    content: Any, names: list[str], defaults: Mapping[str, Any]
) -> Iterator[tuple[str, str]]:
    """(source, name) of each of ``names``, the metadata fields of
    ``content`` that look like one of this plugin's but are none, for
    ``_warn_by_files``; but not one that ``DEFAULT_METADATA``
    gave it, named for the setting, once."""
    source = build.source_of(content) or content.relative_source_path
    for name in names:
        if not from_defaults(content.metadata, name, defaults):
            yield source, name


def _warn_about_pages_that_ask(
    generators: list[Any], defaults: Mapping[str, Any]
) -> None:
    """Warn, in one line, of the published pages whose files ask for a
    button with a field of this plugin's (not ``Flattr: no``, nor one that
    ``DEFAULT_METADATA`` gives every page) while FLATTR_PAGES is off: the
    author's request would go unanswered without a word.

    A warning, even under FLATTR_STRICT: leaving pages out is the
    operator's choice, the author cannot change it, and nothing is
    published wrong.
    """
    asking: list[str] = []
    fields: set[str] = set()
    for generator in generators:
        if not isinstance(generator, PagesGenerator):
            continue
        for page in published(generator):
            metadata = page.metadata
            # One test in C for the usual page, which sets none.
            if METADATA_FIELDS.isdisjoint(metadata) or opts_out(metadata):
                continue
            own = [
                name
                for name in METADATA_FIELDS.intersection(metadata)
                if not from_defaults(metadata, name, defaults)
            ]
            if own:
                asking.append(build.source_of(page) or page.relative_source_path)
                fields.update(own)
    if not asking:
        return
    pages = "this page asks" if len(asking) == 1 else f"these {len(asking)} pages ask"
    message = (
        f"{build.site_label()}{listed(sorted(asking), _SAID_ALONE)}: {pages} for a "
        f"Flattr button (metadata {', '.join(map(repr, sorted(fields)))}), but "
        "FLATTR_PAGES is off, so no page gets one: the site's operator can set "
        "FLATTR_PAGES = True (or authors drop the metadata)"
    )
    if build.first_in_run(message):
        logger.warning("pelican-flattr: %s", message)


def _fields_read_as_text_of(
    content: Any, found: list[tuple[str, str]]
) -> Iterator[tuple[str, str]]:
    """(source, what to say) of each (written, meant) of ``found``, the
    fields of ``content`` that Pelican read as its text, for
    ``_warn_by_files``: said as its reader writes fields."""
    source = build.source_of(content) or content.relative_source_path
    path = str(getattr(content, "source_path", ""))
    for written, meant in found:
        yield source, field_read_as_text_message(written, meant, path)


def _in_each(message: str, files: int) -> str:
    """``message``, said of one file, for ``files`` files."""
    return message if files == 1 else f"{message} (in each of these {files} files)"


def _warn_by_files(
    found: list[tuple[str, str]], message: Callable[[str, int], str]
) -> None:
    """Warn of each (source, what) of ``found`` in the order found, with
    ``message(what, 1)`` after the file's name (a misspelt field, which
    leaves the content to its author's owner or to the settings unsaid; a
    field read as text; a page URL that is another address). A ``what``
    more than ``_SAID_ALONE`` files share (a migrating site's old button
    fields, in every file) is one warning, where first found, naming the
    first files and counting them all (``message(what, count)``), as
    ``_say_problems`` says a shared problem."""
    found = _not_said_outside(found)
    sources_of: dict[str, list[str]] = {}
    for source, what in found:
        sources_of.setdefault(what, []).append(source)
    for source, what in found:
        sources = sources_of[what]
        if len(sources) <= _SAID_ALONE:
            build.warn_once(f"{source}: {message(what, 1)}")
        elif source == sources[0]:
            message_of_all = message(what, len(sources))
            build.warn_once(f"{listed(sorted(sources), _SAID_ALONE)}: {message_of_all}")


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
        build.report(
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
    build.report(
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

    ``pages`` holds the first content with a thing written to each page,
    ``clashes`` every content with a thing written to a page another has,
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
        names = [build.source_of(c) or c.relative_source_path for c in written]
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
            build.report(
                f"{source}: {keeper} is written to its page {page} too, and "
                f"Pelican keeps only {keeper}'s, whose metadata sets that "
                f"save_as; {source} is published nowhere, so it gets no Flattr "
                f"button (change the Save_as of {keeper}, or the slug or URL "
                f"of {source})"
            )
            yield _displace(content)


# Every list of content a generator keeps, drafts and hidden ones included.
_CONTENT_LISTS = tuple(
    dict.fromkeys(name for names in EVERY_CONTENT.values() for name in names)
)


def _classify_author_keys(
    generators: list[Any], settings: FlattrSettings
) -> dict[str, Any]:
    """Note which ``FLATTR_AUTHORS`` keys name an author, by name or slug, of
    any content, drafts included, and which name none: most likely a typo,
    which would give that author's things to ``FLATTR_USERNAME`` without a
    word. Keys that name one author are warned about (see
    ``_warn_about_keys_of_one_author``). Returns the authors of the content,
    by name (none when no key is set)."""
    mapped = settings.authors.keys() | settings.unusable_authors.keys()
    if not mapped:
        return {}
    authors, read = _content_authors(generators)
    slugs = {getattr(a, "slug", None) for a in authors.values()}
    keys_by_slug = _keys_by_slug(settings)
    known = authors.keys() | slugs
    # Every key with an author's slug: a second key for one author is no
    # typo, and is warned about as what it is.
    known |= {key for slug in slugs for key in keys_by_slug.get(slug, ())}
    author_keys = build.current.author_keys
    author_keys.known_authors |= mapped & known
    author_keys.content_names_authors |= bool(authors)
    author_keys.content_read |= read
    author_keys.unknown_authors |= mapped - known
    if author_keys.unknown_authors:
        # What a misspelt key most likely meant: an author no key names.
        named = mapped | keys_by_slug.keys()
        for name, author in authors.items():
            slug = getattr(author, "slug", None)
            if name not in named and slug not in named:
                author_keys.unmapped_authors.update(filter(None, (name, slug)))
    shared = {
        slug: keys
        for slug, keys in keys_by_slug.items()
        if len(keys) > 1 and slug in slugs
    }
    if shared:
        _warn_about_keys_of_one_author(generators, shared, mapped)
    return authors


def _content_authors(generators: list[Any]) -> tuple[dict[str, Any], bool]:
    """The authors of every content the ``generators`` read, drafts and
    hidden ones included, by name; and whether any content was read."""
    authors: dict[str, Any] = {}
    read = False
    # Each content's, not Pelican's list of authors: that holds one name
    # for each slug, and "Carol Chen <carol@example.org>" has the slug of
    # "Carol Chen".
    for generator in generators:
        for name in _CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                read = True
                for author in getattr(content, "authors", None) or ():
                    authors.setdefault(author.name, author)
    return authors, read


def _note_authors_of_refused_site(generators: list[Any]) -> None:
    """Note the authors of the content of this build, whose settings were
    refused, for ``warn_about_unknown_authors``.

    With i18n_subsites, a language's site whose own settings mend the main
    site's refused value checks its FLATTR_AUTHORS keys, the main site's
    too, against its own content; the main site's authors are known to no
    site with settings, and their keys were called misspelt. Without
    another site in the run, nothing checks keys against this build's
    content: its authors are not walked.
    """
    state = build.current
    if not state.active or not (
        build.outer_builds or build.i18n_subsites(state.pelican)
    ):
        return
    authors, read = _content_authors(generators)
    author_keys = state.author_keys
    author_keys.refused_sites_authors |= authors.keys()
    author_keys.refused_sites_authors |= {
        getattr(a, "slug", None) for a in authors.values()
    }
    author_keys.refused_sites_authors.discard(None)
    author_keys.content_names_authors |= bool(authors)
    author_keys.content_read |= read


def _keys_by_slug(settings: FlattrSettings) -> dict[str, list[str]]:
    """Each slug of a ``FLATTR_AUTHORS`` key, as the site slugifies author
    names, -> the keys with it, the one ``author_slugs`` keeps first.

    ``author_slugs`` holds one key per slug: only the other keys (seldom
    any) are slugified again.
    """
    first = {key: slug for slug, key in settings.author_slugs.items()}
    site_settings = build.current.pelican.settings
    keys_by_slug: dict[str, list[str]] = {}
    for key in (*settings.authors, *settings.unusable_authors):
        slug = first.get(key)
        if slug is None:
            slug = Author(key, site_settings).slug
        keys_by_slug.setdefault(slug, []).append(key)
    return keys_by_slug


def _warn_about_keys_of_one_author(
    generators: list[Any], shared: dict[str, list[str]], mapped: set[str]
) -> None:
    """Warn about ``FLATTR_AUTHORS`` keys that one author of the content has
    (``shared``: their slug -> them), naming the ones the content takes.

    Pelican takes "Bob Builder" and "bob builder" for one author, with one
    author page. An article takes the key that is its author's name as
    written, else the one that is the author's slug, else the first of them
    (as ``resolve`` looks them up): the other keys are ignored, or, where
    articles spell the author in more than one way, the author's things
    are split between two owners.
    """
    spellings: set[tuple[str, str]] = set()  # (name, slug) as content has them
    for generator in generators:
        for name in _CONTENT_LISTS:
            for content in getattr(generator, name, None) or ():
                for author in getattr(content, "authors", None) or ():
                    slug = getattr(author, "slug", None)
                    if slug in shared:
                        spellings.add((author.name, slug))
    for slug, keys in shared.items():
        fallback = slug if slug in mapped else keys[0]
        taken = {
            name if name in mapped else fallback
            for name, each in spellings
            if each == slug
        }
        used = [key for key in keys if key in taken]
        if not used:  # only a key outside them, one Pelican slugifies anew
            continue
        ignored = [key for key in keys if key not in taken]
        if len(used) == 1:
            outcome = f"this site's content takes {_keys(used)} and ignores"
        else:
            outcome = (
                "this site's content spells the author in ways that split their "
                f"things between {_keys(used)}"
            )
            outcome += ", and ignores" if ignored else ""
        build.warn_once(
            f"{_keys(keys)} name one author, as Pelican takes author names with "
            "one slug for one author; an article takes the key that is its "
            f"author's name as written, else {_keys([fallback])}, so {outcome}"
            f"{' ' + _keys(ignored) if ignored else ''}: keep one key per author"
        )


def _keys(keys: list[str]) -> str:
    """``FLATTR_AUTHORS`` keys of this build as a message names them, a
    language's own with its language: never an address."""
    return listed([build.author_entry(key) for key in keys])


def _unmapped_by_folded(unmapped: set[str]) -> dict[str, str]:
    """The names and slugs of authors no key names (or the keys, for an
    author's name), in lower case -> as written (of two alike, the first in
    order), for ``author_meant``."""
    return {name.casefold(): name for name in sorted(unmapped, reverse=True)}


def warn_about_unknown_authors() -> None:
    """Warn about every ``FLATTR_AUTHORS`` key that names no author of the
    build (or of any build run inside it), once."""
    author_keys = build.current.author_keys
    unknown = (
        author_keys.unknown_authors
        - author_keys.known_authors
        - author_keys.warned_authors
    )
    if unknown and author_keys.refused_sites_authors:
        unknown = {key for key in unknown if not _writes_for_refused_site(key)}
    author_keys.warned_authors |= unknown
    if unknown and not author_keys.content_names_authors:
        # Not a misspelt key, most likely, but content Pelican did not read
        # (the markdown package not installed, a wrong PATH), which
        # Pelican's own warnings have explained, or content without authors.
        count = len(unknown)
        named = f"FLATTR_AUTHORS names {count} author{'s' if count > 1 else ''}, but "
        build.warn(
            named
            + (
                "no content of this site names an author (no 'Author:' in its "
                "files, and no AUTHOR setting)"
                if author_keys.content_read
                else "this build read no content: if the site has articles, see "
                "why Pelican read none of them (a Markdown site needs the "
                "markdown package)"
            )
        )
        return
    left_behind = _things_left_behind(unknown)
    renamed: dict[str, LeftBehind] = {}
    gone: dict[str, LeftBehind] = {}
    reassigned: dict[str, LeftBehind] = {}
    misspelt: list[tuple[str, str]] = []  # (where it is set, key)
    for key in sorted(unknown):
        things = left_behind.get(key, LeftBehind(0, 0, set(), {}))
        if things.read:
            # The author's name changed in the content: taken out, as the
            # warning for deleted content advises, the key would leave
            # those things without an owner for good.
            renamed[key] = things
        elif things.count:
            # Spelt right: its author's content was deleted, or failed to
            # read (which Pelican said). No mistake in the settings, so a
            # warning that fails no strict build; the guard reports each
            # thing URL that vanished.
            gone[key] = things
        elif things.reassigned:
            # Spelt right too: an editor gave the author's things to other
            # mapped authors, which the guard's owner change explains.
            reassigned[key] = things
        else:
            # Named where it is set: a language's own key is not in the main
            # site's settings.
            misspelt.extend(
                (f"{language} " if language else "", key)
                for language in sorted(author_keys.own_author_keys.get(key, [""]))
            )
    _warn_about_misspelt_keys(misspelt, author_keys.unmapped_authors)
    # One warning for all the keys of each kind, on every build until they
    # are mended: a site whose authors come and go can have hundreds.
    _warn_about_reassigned_keys(reassigned)
    if len(renamed) == 1:
        ((key, (_, read, authors, _)),) = renamed.items()
        logger.warning(
            "pelican-flattr: %s names no author of this "
            "site any more, but the last build gave its owner %d thing%s "
            "whose source file%s this build still read%s%s, without a "
            "thing: if the author was renamed, rename the key to match",
            _entry_in_run(key),
            read,
            "" if read == 1 else "s",
            "" if read == 1 else "s",
            "s" if read == 1 else "",
            _now_by(authors),
        )
    elif renamed:
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more, but the last build gave their owners %d things whose "
            "source files this build still read, without a thing: %s; if the "
            "authors were renamed, rename the keys to match",
            len(renamed),
            _in_all({key: things.read for key, things in renamed.items()}),
            _keys_counted(
                {key: f"{t.read}{_now_by(t.authors)}" for key, t in renamed.items()}
            ),
        )
    if len(gone) == 1:
        ((key, (count, _, _, _)),) = gone.items()
        logger.warning(
            "pelican-flattr: %s names no author of this "
            "site any more: the last build gave its owner %d thing%s that "
            "this build lacks (deleted, or failed to read); take the key out "
            "once the author's content is gone for good",
            _entry_in_run(key),
            count,
            "" if count == 1 else "s",
        )
    elif gone:
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more: the last build gave their owners %d things that this "
            "build lacks (deleted, or failed to read): %s; take the keys out "
            "once the authors' content is gone for good",
            len(gone),
            _in_all({key: things.count for key, things in gone.items()}),
            _keys_counted({key: str(t.count) for key, t in gone.items()}),
        )


def _warn_about_reassigned_keys(reassigned: dict[str, LeftBehind]) -> None:
    """Warn about the ``FLATTR_AUTHORS`` keys that name no author because
    their things of the last build are other mapped authors' now
    (``LeftBehind.reassigned``): one warning for all of them. No problem
    under FLATTR_STRICT, as nothing in the settings is wrong; the URL
    guard's owner change says what it costs."""
    if len(reassigned) == 1:
        ((key, things),) = reassigned.items()
        count = len(things.reassigned)
        now_by = set().union(*things.reassigned.values())
        logger.warning(
            "pelican-flattr: %s names no author of this site any more: the "
            "last build gave its owner %d thing%s whose source file%s by %s now "
            "(%s%s; the URL guard warns of the owner change%s); unless the "
            "change is a mistake, take the key out: once a build passes, its "
            "baseline gives the owner nothing, and the key is taken for a "
            "misspelt one",
            _entry_in_run(key),
            count,
            "" if count == 1 else "s",
            " is" if count == 1 else "s are",
            "another author" if len(now_by) == 1 else "other authors",
            listed(sorted(things.reassigned), _NAMED_SOURCES),
            _now_by(now_by),
            "" if count == 1 else "s",
        )
    elif reassigned:
        counted = {
            key: f"{len(t.reassigned)}{_now_by(set().union(*t.reassigned.values()))}"
            for key, t in reassigned.items()
        }
        logger.warning(
            "pelican-flattr: %d FLATTR_AUTHORS keys name no author of this site "
            "any more: the last build gave their owners %d things whose source "
            "files are by other authors now: %s; the URL guard warns of the "
            "owner changes; unless they are mistakes, take the keys out: once a "
            "build passes, its baseline gives their owners nothing, and the "
            "keys are taken for misspelt ones",
            len(reassigned),
            _in_all({key: len(t.reassigned) for key, t in reassigned.items()}),
            _keys_counted(counted),
        )


def _warn_about_misspelt_keys(
    misspelt: list[tuple[str, str]], unmapped: set[str]
) -> None:
    """Warn about the ``FLATTR_AUTHORS`` keys that name no author and gave
    no thing of the last build (``misspelt``: where each is set, ``"fr "``
    for a language's own, and the key), each on its own up to
    ``NAMED_ENTRIES`` of them, else in one warning that names the first ones.

    Under FLATTR_STRICT an error: a typo gives that author's things to
    another. Only the keys named are matched against the unmapped authors:
    a bulk import's hundreds of keys each against hundreds of names took
    most of a build's time.
    """
    if not misspelt:
        return
    by_folded = _unmapped_by_folded(unmapped)
    named = [
        (
            f"{where}FLATTR_AUTHORS[{shown_author(key)}]",
            author_meant(key, by_folded) or _author_named_by_owner(key, by_folded),
        )
        for where, key in misspelt[:NAMED_ENTRIES]
    ]
    if len(misspelt) <= NAMED_ENTRIES:
        for entry, meant in named:
            build.warn(
                f"{entry} names no author of this site (by name or slug); check "
                f"its spelling{meant}, or take it out if the author has no "
                "content left"
            )
        return
    build.warn(
        f"{len(misspelt)} FLATTR_AUTHORS entries name no author of this site (by "
        "name or slug): "
        + ", ".join(entry + meant for entry, meant in named)
        + f" and {len(misspelt) - NAMED_ENTRIES} more; check their spelling, or take "
        "them out if their authors have no content left"
    )


def _author_named_by_owner(key: str, by_folded: dict[str, str]) -> str:
    """What the warning about ``key`` adds when an author no key names (in
    ``by_folded``, as for ``author_meant``) is named as the key's owner, a
    Flattr username: ``{"Alice Andersson": "alice"}`` where the files say
    ``Author: alice``. Else nothing, and never a name that holds an
    address."""
    settings = build.current.settings
    owner = settings.authors.get(key) if settings is not None else None
    if owner is None or owner.kind != "flattr_user":
        return ""
    name = by_folded.get(owner.value.casefold())
    if name is None or shown_author(name) != repr(name):
        return ""
    return f" (did you mean {shown_author(name)}, the author named as its owner?)"


def _writes_for_refused_site(key: str) -> bool:
    """Whether the ``FLATTR_AUTHORS`` key names, by name or slug, an author
    of a site of this run whose settings were refused (see
    ``_note_authors_of_refused_site``): that site published their content
    without buttons, and the key is no typo. Asked of the few keys that
    name no author of a site with settings."""
    authors = build.current.author_keys.refused_sites_authors
    if key in authors:
        return True
    pelican = build.current.pelican
    return pelican is not None and Author(key, pelican.settings).slug in authors


def _in_all(counts: dict[str, int]) -> int:
    """The things ``counts`` (``FLATTR_AUTHORS`` key -> its owner's things)
    counts, each once: two keys of one owner count the same things."""
    sites = _guarding_sites()
    owners = {_owner_of_key(key, sites): n for key, n in counts.items()}
    return sum(owners.values())


def _owner_of_key(key: str, sites: list[build.SiteInside]) -> str:
    """The owner the ``FLATTR_AUTHORS`` key gives, on the first site of
    ``sites`` that maps it (a language's own key is not the main site's)."""
    for site in sites:
        if key in site.settings.authors:
            return site.settings.authors[key].value
    return key


def _keys_counted(counts: dict[str, str]) -> str:
    """``FLATTR_AUTHORS`` keys, each with what it counts, the first ones
    named: never an address."""
    return listed(
        [f"{_entry_in_run(key)} ({n})" for key, n in counts.items()],
        NAMED_ENTRIES,
    )


def _entry_in_run(key: str) -> str:
    """How a message said once a run names the ``FLATTR_AUTHORS`` entry
    ``key``: ``I18N_SUBSITES['de'] FLATTR_AUTHORS['Bob']`` where the key is
    a language's own (``own_author_keys``), as the main site's settings
    have no such key to mend."""
    languages = sorted(set(build.current.author_keys.own_author_keys.get(key, ())))
    where = f"{listed(languages)} " if languages else ""
    return f"{where}FLATTR_AUTHORS[{shown_author(key)}]"


def _now_by(authors: set[str]) -> str:
    """Who the content of a renamed author is by now, for a message."""
    now = sorted(shown_author(name) for name in authors)
    return f", now by {listed(now)}" if now else ""


class LeftBehind(NamedTuple):
    """The things of a ``FLATTR_AUTHORS`` key's owner in the last build that
    this build lacks (``_things_left_behind``)."""

    count: int
    # Of those, the ones whose source this build read, and its authors now.
    read: int
    authors: set[str]
    # Not counted above: the things whose source has a thing of another
    # owner now, given to other authors that keys map (source -> its
    # authors now), as an editor reassigns an article.
    reassigned: dict[str, set[str]]


def _things_left_behind(keys: set[str]) -> dict[str, LeftBehind]:
    """For each of ``keys`` (``FLATTR_AUTHORS`` keys that name no author of
    this build, nor of any build run inside it), how many things the URL
    guards' baselines, the last build's of each site of the run, give its
    owner whose source has no thing in this run now, and of those the
    sources still in the content folder (read, so that their author's name
    changed, or failing now). With i18n_subsites an author may write only
    in one language: their things are in that language's baseline alone.
    """
    gone: dict[str, set[str]] = {}
    read: dict[str, dict[str, set[str]]] = {}
    reassigned: dict[str, dict[str, set[str]]] = {}
    for site in _guarding_sites():
        for key, on_site in _left_behind_on_site(keys, site).items():
            # By source: one published by two languages' sites is one.
            gone.setdefault(key, set()).update(on_site.sources)
            read.setdefault(key, {}).update(on_site.read)
            reassigned.setdefault(key, {}).update(on_site.reassigned)
    return {
        key: LeftBehind(
            len(sources),
            len(read[key]),
            set().union(*read[key].values()),
            reassigned[key],
        )
        for key, sources in gone.items()
    }


class _LeftOnSite(NamedTuple):
    """``_left_behind_on_site``'s finds for one owner: the sources left
    behind, those of them read (with their authors now), and the sources
    given to other authors (``LeftBehind.reassigned``)."""

    sources: set[str]
    read: dict[str, set[str]]
    reassigned: dict[str, set[str]]


def _guarding_sites() -> list[build.SiteInside]:
    """This build and each build run inside it (with i18n_subsites, the
    main site and each language's) whose URL guard keeps a baseline; this
    build's ``left_by_guard`` is None, its baseline not read yet."""
    state = build.current
    sites = [*state.inside.sites]
    if state.settings is not None:
        sites.insert(0, build.SiteInside(state.settings, state.generators, None))
    return [site for site in sites if site.settings.url_guard]


def _left_behind_on_site(
    keys: set[str], site: build.SiteInside
) -> dict[str, _LeftOnSite]:
    """``_things_left_behind`` for one site: for each key, the sources left
    behind, and of those the ones read, with their authors now; and the
    sources given to other authors (``_is_reassigned``). A misspelt
    key matched no author then either, so it gave none: counted only for an
    owner no other key naming an author of the run has, nor
    ``FLATTR_USERNAME``, as the things of theirs left behind could be the
    other key's, and nothing would tell a typo apart.

    A baseline is read only when a key names no author, and line by line,
    keeping only the entries of those owners; a language's site's that its
    guard has rewritten by now, as the guard read it (``left_by_guard``).
    Owners are compared as the baseline holds them: an email owner by its
    hash.
    """
    state = build.current
    settings = site.settings
    shared = {
        settings.authors[key].value
        for key in state.author_keys.known_authors
        if key in settings.authors
    }
    if settings.username is not None:
        shared.add(settings.username.value)
    owners = {
        key: settings.authors[key].value
        for key in keys
        if key in settings.authors and settings.authors[key].value not in shared
    }
    wanted = set(owners.values())
    if not wanted:
        return {}
    if site.left_by_guard is not None:
        entries = [
            {"source": source, "owner": owner}
            for source, owner in site.left_by_guard.items()
            if owner in wanted
        ]
    else:
        path = settings.url_baseline_path
        if file_problem(path) is not None:
            return {}  # no baseline to read: the guard says why
        try:
            # A released entry is a URL let go, no thing of the last build.
            entries = load_baseline(
                path,
                keep=lambda entry: entry.get("owner") in wanted and not released(entry),
            )
        except BaselineError:
            return {}  # the guard reports it
    # By source alone: a source that has a thing now was not left behind;
    # its author's name, or the key, was changed, and a key edited into a
    # typo must still be called one.
    owner_now = {ct.source: ct.thing.owner.value for ct in state.content_things}
    owner_now.update(
        (source, thing.owner.value) for source, thing in state.inside.things.items()
    )
    owner_of = {entry["source"]: entry["owner"] for entry in entries}
    keys_of: dict[str, list[str]] = {}
    for key, owner in owners.items():
        keys_of.setdefault(owner, []).append(key)
    by_owner: defaultdict[str, _LeftOnSite] = defaultdict(
        lambda: _LeftOnSite(set(), {}, {})
    )
    for source, owner in owner_of.items():
        if source not in owner_now:
            by_owner[owner].sources.add(source)
    # Of those, the ones this site read all the same, and their authors
    # now: the author's name changed, which "deleted" would not tell.
    # (One still by the key's author, a draft say, is no renamed one.) Of
    # the others, the ones an editor gave to other authors.
    for source, content in contents_of(site.generators, owner_of):
        owner = owner_of[source]
        names = {author.name for author in getattr(content, "authors", ())}
        if source not in owner_now:
            if names.isdisjoint(keys):
                by_owner[owner].read[source] = names
        elif owner_now[source] != owner and _is_reassigned(
            content, keys_of[owner], settings
        ):
            by_owner[owner].reassigned[source] = names
    return {key: by_owner[owner] for key, owner in owners.items() if owner in by_owner}


def _is_reassigned(content: Any, keys: list[str], settings: FlattrSettings) -> bool:
    """Whether ``content``, whose thing the last build gave the owner of
    ``keys`` (``FLATTR_AUTHORS`` keys that name no author) and this one
    another, was given to other authors: each of its authors mapped by a
    key, by name or slug, and none close to one of ``keys``. A key edited
    into a typo leaves its author unmapped (their thing the site owner's),
    or mapped by another key, and close: a typo all the same."""
    authors = getattr(content, "authors", None) or ()
    by_folded: dict[str, str] = {}
    for author in authors:
        slug = getattr(author, "slug", None)
        if author.name not in settings.authors and (
            settings.author_slugs.get(slug) not in settings.authors
        ):
            return False
        by_folded[author.name.casefold()] = author.name
        if slug:
            by_folded[slug.casefold()] = author.name
    return bool(by_folded) and not any(author_meant(key, by_folded) for key in keys)


def _warn_about_authors_named_by_their_address(
    settings: FlattrSettings, authors: Mapping[str, Any], generators: list[Any]
) -> None:
    """Warn about each author of this build whose name holds the address of
    an email owner the settings or the content give: the one
    ``FLATTR_AUTHORS`` gives them (the key is that name, or its slug), or
    any other (another entry's, ``FLATTR_USERNAME``'s, a content's
    ``flattr_owner``), the author mapped or not. Pelican prints author
    names on the pages and feeds it writes, so the hash keeps nothing
    private (the audit reports it). The name may be the address, or hold
    it ("Carol Chen <carol@example.org>", a git identity). Said as things
    are attached, so that a strict build stops before a page is written; a
    key that names no author publishes nothing, and is said to be a typo
    alone (see ``warn_about_unknown_authors``)."""
    if not authors:  # no FLATTR_AUTHORS: the authors were not read yet
        authors = _content_authors(generators)[0]
    # Nearly every author has no "@" in their name: one look each.
    held = {
        name: {f"email:{digest}" for digest in address_digests(name)}
        for name in authors
        if holds_at_sign(name)
    }
    held = {name: values for name, values in held.items() if values}
    if not held:
        return
    owners = _email_owners(settings, generators, set().union(*held.values()))
    # The files to mend, whose Author field names the author: the key is
    # shown hidden, and the owner as a hash.
    sources: dict[str, list[str]] = {name: [] for name in held}
    for content, _ in contents(generators, settings.pages):
        for author in getattr(content, "authors", None) or ():
            files = sources.get(author.name)
            if files is not None:
                files.append(content.relative_source_path)
    found: list[_NamedByAddress] = []
    for name, values in sorted(held.items()):
        slug = getattr(authors[name], "slug", None)
        # The key the author's content takes, as resolve looks it up.
        key = next(
            (
                key
                for key in (name, slug, settings.author_slugs.get(slug))
                if key in settings.authors
            ),
            None,
        )
        own = settings.authors[key].value if key is not None else None
        value = own if own in values else min(values & owners.keys(), default=None)
        if value is None or not _not_said_in_run(
            # Once in the run for each author's file (each language's site
            # of i18n_subsites would say it again, but may publish files of
            # the author that the main site does not): the message names the
            # owner by its hash, as it shows the address as "[address]".
            f"author named by address {value} {name}",
            sources[name],
        ):
            continue
        exact = f"email:{hash_email(name)}" == value
        if value != own:
            found.append(
                _NamedByAddress(
                    name,
                    f"author {shown_author(name)} "
                    f"{'is named by' if exact else 'has a name that holds'} the "
                    f"address of the email owner that {owners[value]} gives",
                    f"author {shown_author(name)}",
                    value,
                    f" of {owners[value]}",
                    f" (and in {build.author_entry(key)})" if key else "",
                )
            )
            continue
        entry = build.author_entry(key)
        if key == name:
            what = (
                "names an author by the address"
                if exact
                else "names an author by a name that holds the address"
            )
        else:
            what = (
                f"gives an owner to author {shown_author(name)} (by its slug), "
                f"whose name {'is' if exact else 'holds'} the address"
            )
        found.append(
            _NamedByAddress(
                name,
                f"{entry} {what} of their email owner",
                entry,
                value,
                "",
                " (and in this key)",
            )
        )
    if not found:
        return
    if len(found) <= NAMED_ENTRIES:
        for each in found:
            build.warn(
                f"{each.said} ({each.owner}{_in_files(sources[each.name])}), and "
                "Pelican prints author names on the pages and feeds it writes: "
                "the address is published all the same. Name the author "
                f"otherwise in the content's Author field{each.key_too}"
            )
        return
    named = [
        f"{each.listed} ({each.owner}{each.set_in}{_in_files(sources[each.name])})"
        for each in found
    ]
    who = (
        f"{len(found)} authors are named by the address of an email owner"
        if any(each.set_in for each in found)
        else f"{len(found)} FLATTR_AUTHORS keys name authors by the address of "
        "their email owner"
    )
    build.warn(
        f"{who}, or by a name that holds it, and Pelican prints author "
        "names on the pages and feeds it writes: the addresses are published "
        f"all the same: {listed(named, NAMED_ENTRIES)}. Name each author otherwise "
        "in the content's Author field"
        + (" (and in its key)" if any(each.key_too for each in found) else "")
    )


def _not_said_in_run(key: str, files: list[str]) -> bool:
    """Whether ``key`` is to be said now for ``files``, which keeps only
    those not said with it before in the run (``build.first_in_run``);
    without files, whether ``key`` itself was not."""
    first = build.first_in_run(key)
    if not files:
        return first
    files[:] = [name for name in files if build.first_in_run(f"{key} {name}")]
    return bool(files)


class _NamedByAddress(NamedTuple):
    """An author whose name holds an email owner's address, as the warning
    says it: ``said`` alone, ``listed`` among many (with where the owner
    is set, ``set_in``, when not the author's own), with ``owner`` (its
    hash) and the files by ``name``, then where to mend it besides the
    files (``key_too``)."""

    name: str
    said: str
    listed: str
    owner: str
    set_in: str
    key_too: str


def _email_owners(
    settings: FlattrSettings, generators: list[Any], wanted: set[str]
) -> dict[str, str]:
    """The email owners (``email:MD5HEX``) the build knows of -> how a
    message names where the first is set: a ``FLATTR_AUTHORS`` entry,
    ``FLATTR_USERNAME``, or a content's ``flattr_owner`` field, read only
    while one of ``wanted`` is not found in the settings."""
    owners: dict[str, str] = {}
    for key, owner in settings.authors.items():
        if owner.kind == "email":
            owners.setdefault(owner.value, build.author_entry(key))
    if settings.username is not None and settings.username.kind == "email":
        owners.setdefault(settings.username.value, "FLATTR_USERNAME")
    if wanted <= owners.keys():
        return owners
    for generator in generators:
        lists = next(
            (
                names
                for kind, names in EVERY_CONTENT.items()
                if isinstance(generator, kind)
            ),
            (),
        )
        for content in chain.from_iterable(getattr(generator, n, ()) for n in lists):
            for digest in sorted(owner_field_digests(content.metadata)):
                source = build.source_of(content) or content.relative_source_path
                owners.setdefault(
                    f"email:{digest}", f"the '{OWNER}' metadata of {source}"
                )
    return owners


def _in_files(sources: list[str]) -> str:
    """The files of an author named by their address, for a message."""
    return f"; in {listed(sources, _NAMED_SOURCES)}" if sources else ""


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
    setting = build.URL_SETTINGS.get(
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

# How many files a warning about contents without an owner names for one
# author, and how many authors get a line of their own before one line
# says it for them all: README calls authors without Flattr normal, and on
# a community site a line per article, on every build, would bury the
# warnings that matter.
_NAMED_SOURCES = 3
_NAMED_AUTHORS = 5

# How many contents with one problem (one bad value of one field, one
# unusable author entry) get a line each before one line says it for them
# all: a bulk import or a changed template can give hundreds the same.
_SAID_ALONE = 5


def _say_why_not(
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
    ``refused_sources``."""
    source = content.relative_source_path
    if outcome.problems or outcome.notice:  # neither: an opt-out, or no page
        build.current.refused_sources.add(source)
    problems.extend((source, problem) for problem in outcome.problems)
    if outcome.notice:
        authors = getattr(content, "authors", None) or ()
        # An empty name (AUTHOR = "") is none, as resolve says it.
        names = tuple(a.name for a in authors if a.name.strip())
        found = ownerless.setdefault((names, outcome.notice), [])
        found.append((source, is_article))


def _say_problems(problems: list[tuple[str, str]], authors_setting: str) -> None:
    """Report each (source, problem) of ``problems`` in the order found, but
    a problem of more than ``_SAID_ALONE`` contents once, where it was first
    found, naming the first of them and counting them all: one problem of
    a strict build's count. The problems of authors' unusable entries
    (in ``authors_setting``) count as one: the settings' errors, one per
    entry, said each before."""
    problems = _not_said_outside(problems)
    sources_of: dict[str, list[str]] = {}
    for source, problem in problems:
        sources_of.setdefault(_problem_kind(problem), []).append(source)
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
            build.report(
                f"{listed(sources, _SAID_ALONE)}: {problem}; none of these "
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
    """What ``_say_problems`` counts ``problem`` with: itself, or, for an
    author's unusable entry, ``UNUSABLE_ENTRY`` (whoever the author)."""
    return UNUSABLE_ENTRY if UNUSABLE_ENTRY in problem else problem


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
    keys = _unmapped_by_folded(set(settings.authors)) if groups else {}
    if len(groups) <= _NAMED_AUTHORS:
        for (names, notice), found in groups:
            what = (
                found[0][0]
                if len(found) == 1
                else f"each of {_counted(found)} ({_sources(found)})"
            )
            meant, key = _key_meant(names, keys)
            files = "file's Author: line" if len(found) == 1 else "files' Author: lines"
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
        f"{_who(names)}{_key_meant(names, keys)[0]}: {len(found)} ({_sources(found)})"
        for (names, _), found in groups[:_NAMED_AUTHORS]
    )
    rest = [each for _, found in groups[_NAMED_AUTHORS:] for each in found]
    logger.warning(
        "pelican-flattr: %s%s%s have no Flattr owner (none of their authors "
        "in %s, no '%s' metadata, and FLATTR_USERNAME is not set); "
        "no Flattr button: %s; and %s by others (%s)",
        site,
        _counted([each for _, found in groups for each in found]),
        by,
        settings.authors_setting,
        OWNER,
        named,
        _counted(rest),
        _sources(rest),
    )


def _key_meant(names: tuple[str, ...], keys: dict[str, str]) -> tuple[str, str]:
    """`` (did you mean 'Bob Builder'?)`` when one of ``names``, the authors
    of content without an owner, is close to one of ``keys`` (the
    ``FLATTR_AUTHORS`` keys by their lower case), with that key; else two
    empty strings."""
    for name in names:
        key = closest_name(name, keys)
        if key is not None and (meant := did_you_mean(key)):
            return meant, key
    return "", ""


def _who(names: tuple[str, ...]) -> str:
    """The authors of a content without an owner, as resolve names them."""
    return ", ".join(shown_author(name) for name in names) or "no author"


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
    return listed(sorted(source for source, _ in found), _NAMED_SOURCES)


def _read_notices(settings: FlattrSettings) -> dict[str, PendingNotice]:
    path = settings.store_path
    problem = MISSING if path is None else file_problem(path)
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

    from .notice import (
        notices_by_author,
        read_pending_totals,
        unreadable_store_cause,
    )
    from .store import StoreError

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
    return notices_by_author(settings.authors, totals)


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
