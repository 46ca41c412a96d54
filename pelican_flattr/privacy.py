"""Owners' plain email addresses kept out of everything a build writes.

An ``email:ADDRESS`` owner is public only as its MD5 hash. The settings
module hashes it wherever the plugin reads it; this module hashes it where
Pelican keeps its own copies (its settings, its content cache, its readers'
cache) and names a published source file (``OUTPUT_SOURCES``) that still
holds one.
"""

from __future__ import annotations

import html
import logging
import os
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from pelican.generators import ArticlesGenerator, PagesGenerator, StaticGenerator

from . import build
from .identifiers import (
    ENCODED_WIDE_AT_SIGN,
    HIDDEN_ADDRESS,
    IdentifierError,
    hash_email,
    holds_at_sign,
    is_locale_with_modifier,
    parse_owner,
    redact_encoded_addresses,
)
from .lazy_regex import lazy_regex
from .resolve import OWNER, ContentThing, site_thing, unknown_fields
from .settings import (
    CATEGORY_METADATA,
    HIDDEN_METADATA,
    LANGUAGE_METADATA,
    OPT_OUT,
    FlattrSettings,
    is_secret_setting,
    scrub_addresses,
    scrubbed_owner,
)
from .terminal import shown_in_log
from .thing import Thing, thing_tags
from .wording import listed

# The web hook receiver's secret, which a settings file may hold (see
# webhook_command.TOKEN_ENV; not imported, to keep the build's imports few).
WEBHOOK_TOKEN_SETTING = "FLATTR_WEBHOOK_TOKEN"


def hide_addresses(pelican: Any) -> None:
    """Hash every address in the owners of Pelican's own settings, and drop
    the secrets (``_drop_secrets``), before Pelican copies them into the
    context every content object keeps; and have the log's handlers hide
    addresses in Pelican's own messages.

    Pelican pickles both with each article it caches (``CACHE_CONTENT``),
    and the cache is a file the build writes.
    """
    if build.loaded_by(pelican):
        hide_addresses_in_handlers(logging.getLogger())
        scrub_addresses(pelican.settings)
        _drop_secrets(pelican.settings)


def hide_addresses_in_context(generator: Any) -> None:
    """``hide_addresses`` again for each run (``generator_init``), in the
    settings and in the context Pelican copied from them for this run.

    Code that runs one Pelican object again after changing its settings
    (an owner added, with an address) would otherwise have that address
    pickled with the articles: ``initialized`` comes once per object.
    """
    if build.current.active:
        for settings in (generator.settings, generator.context):
            if isinstance(settings, dict):
                scrub_addresses(settings)
                _drop_secrets(settings)


def _drop_secrets(settings: dict[str, Any]) -> None:
    """Drop from ``settings``, and from each language's own in
    ``I18N_SUBSITES``, the secrets no build needs: the web hook token,
    which `webhook serve --settings` reads from the file itself, and the
    value of each unknown setting named for a secret (``FLATTR_TOKEN``).

    The name of such a setting stays, its value None, for the warning
    that says where the secret belongs (``unknown_settings``).
    """
    subsites = settings.get("I18N_SUBSITES")
    own = subsites.values() if isinstance(subsites, dict) else ()
    for each in (settings, *own):
        if isinstance(each, dict):
            each.pop(WEBHOOK_TOKEN_SETTING, None)
            for name in [key for key in each if is_secret_setting(key)]:
                each[name] = None


class _AddressesHidden(logging.Filter):
    """Rewrites a log record's message without the email addresses in it,
    and with its control characters escaped (``\\x1b``, ``\\u202e``).

    The build's messages name source files and URLs as they are, and a
    file, folder or slug may be named by an author's address
    (``carol@example.org/notes.md``), or hold a terminal escape (``\\x1b[2J``
    clears the screen; an OSC 8 sequence shows a link) or a bidi override,
    which the terminal or a CI log would act on. Values are quoted with
    repr, which escapes them; names are escaped here, as ``pelican-flattr
    diff`` shows them, in Pelican's own messages too (it names the files it
    could not read). Line breaks and tabs are kept: a message may have
    several lines.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        # It looks for an "@" (plain, full-width, small or encoded) first:
        # most messages come back as they are, at once.
        hidden = redact_encoded_addresses(message)
        if record.exc_info and record.exc_info[0] is not None:
            # A traceback quotes values (Pelican's "-D": "'email:...' is
            # not a valid date"): written out, only when it holds one.
            trace = "".join(traceback.format_exception(*record.exc_info))
            hidden_trace = redact_encoded_addresses(trace)
            if hidden_trace != trace:
                hidden = f"{hidden}\n{hidden_trace.rstrip()}"
                record.exc_info = record.exc_text = None
        if not hidden.isprintable():  # nearly every message is: no search
            hidden = shown_in_log(hidden)
        if hidden != message:
            record.msg = hidden
            record.args = None
        return True


class _AddressesHiddenInBuilds(_AddressesHidden):
    """``_AddressesHidden`` for the log's handlers, which outlive the build:
    it leaves alone what is logged once a later Pelican run in the same
    process has not loaded the plugin (a test suite's, a service's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return build.run_is_idle() or super().filter(record)


def hide_addresses_in_log(logger: logging.Logger) -> None:
    """Have every message of ``logger`` hide the email addresses in it."""
    _add_filter(logger)


def hide_addresses_in_handlers(logger: logging.Logger) -> None:
    """Have every handler of ``logger`` (the root logger, where Pelican's
    own handler is) hide the email addresses in what it writes.

    Pelican's messages quote source text: its HTML reader logs a ``<meta
    property="flattr_owner" content="email:...">`` it skips whole, before
    any signal of this plugin, and a filter on a logger covers only what
    is logged to that very logger, not to its children (pelican.readers).
    """
    for handler in logger.handlers:
        _add_filter(handler, _AddressesHiddenInBuilds)


def _add_filter(
    filterer: logging.Filterer, kind: type[_AddressesHidden] = _AddressesHidden
) -> None:
    if not any(isinstance(f, _AddressesHidden) for f in filterer.filters):
        filterer.addFilter(kind())


def note_readers(readers: Any) -> None:
    """Keep each of the build's readers (one per generator): its cache keeps
    its own copy of each file's metadata (see hide_address_in_reader_caches).

    Each file's metadata is also hashed as the reader caches it. Pelican
    caches a file as soon as it is read, before ``article_generator_context``:
    a file that fails after that (``TYPOGRIFY`` without typogrify, another
    plugin's receiver raising) never reaches the plugin, and its cache entry
    is saved all the same. Pelican has no signal in between, so its
    ``cache_data`` is wrapped, on this readers object only.
    """
    if not build.current.active:
        return
    build.current.privacy.readers.append(readers)
    cache_data = getattr(readers, "cache_data", None)
    if callable(cache_data):

        def cache_with_addresses_hidden(filename: Any, data: Any) -> Any:
            if not getattr(readers, "_cache_data_policy", True):
                # Pelican's cacher keeps nothing when its policy is off (no
                # content caching, or caching by generator). The policy is
                # set after readers_init, so it is first known here: the
                # cacher's own method is put back, at no cost to the next
                # files (checking each cost ~0.3 % of a build's instructions).
                if vars(readers).get("cache_data") is cache_with_addresses_hidden:
                    del readers.cache_data
                return cache_data(filename, data)
            fields = data[1] if isinstance(data, tuple) and len(data) == 2 else None
            if isinstance(fields, dict):
                for name in fields_that_may_hold_addresses(fields):
                    fields[name] = hidden_owner(fields[name])
            return cache_data(filename, data)

        readers.cache_data = cache_with_addresses_hidden


# The plugin's fields whose values are words (yes, no, a category, a
# language): an address in one is the owner given in the wrong field
# ("Flattr: email:..."), refused, and pickled all the same. Not flattr_url
# and flattr_tags, which are published as written.
_WORD_FIELDS = (OPT_OUT, CATEGORY_METADATA, LANGUAGE_METADATA, HIDDEN_METADATA)


def fields_that_may_hold_addresses(metadata: dict[str, Any]) -> list[str]:
    """The owner field of ``metadata`` when it may hold an address, every
    field that misspells one of the plugin's (it may be the owner's), and
    any of the plugin's fields of words that holds an address."""
    names = unknown_fields(metadata)
    owner = metadata.get(OWNER)
    if owner is not None and not (isinstance(owner, str) and not holds_at_sign(owner)):
        names.append(OWNER)
    for name in _WORD_FIELDS:  # a loop: a comprehension cost ~2 µs a file
        value = metadata.get(name)
        # A language's gettext modifier (sr@latin) is no address.
        if (
            value is not None
            and holds_at_sign(text := str(value))
            and (name != LANGUAGE_METADATA or not is_locale_with_modifier(text))
        ):
            names.append(name)
    return names


def hide_addresses_as_read(sender: Any, metadata: dict[str, Any]) -> None:
    """Hash the addresses in a file's owner fields as Pelican reads it,
    before it makes the content object (``article_generator_context``,
    ``page_generator_context``), in the readers' cached copy too.

    Pelican makes no content object, so sends no ``content_object_init``,
    for a file with ``Status: skip`` or one whose content fails, but its
    reader cache keeps their metadata all the same.
    """
    if not build.current.active:
        return
    for name in fields_that_may_hold_addresses(metadata):
        value = metadata[name]
        hidden = hidden_owner(value)
        if hidden is not value:
            metadata[name] = hidden
            _hide_cached_value(name, value, hidden)


def _hide_cached_value(name: str, value: object, hidden: object) -> None:
    """Put ``hidden`` in place of ``value`` in the field ``name`` of the
    readers' cached metadata that holds this very ``value`` (Pelican's
    metadata holds the cached copy's values themselves): the file just read
    was cached last, unless it came from the cache of an earlier build."""
    for readers in build.current.privacy.readers:
        cached = getattr(readers, "_cache", None)
        if not isinstance(cached, dict) or not cached:
            continue
        last = cached[next(reversed(cached))]
        for entry in chain((last,), cached.values()):
            data = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
            fields = data[1] if isinstance(data, tuple) and len(data) == 2 else None
            if isinstance(fields, dict) and fields.get(name) is value:
                fields[name] = hidden
                return


def hide_owner_addresses(content: Any, names: list[str]) -> None:
    """Hash the address in each owner field ``names`` of ``content``: in its
    metadata, in Pelican's copy of the field as an attribute, and in the
    readers' cached copy (see hide_address_in_reader_caches).

    Pelican's content cache pickles the metadata. A misspelt owner field
    (``flattr_ownr``) is ignored, but pickled all the same.
    """
    metadata = content.metadata
    for name in names:
        value = metadata.get(name)
        hidden = hidden_owner(value)
        if hidden is not value:
            metadata[name] = hidden
            if getattr(content, name, None) == value:  # Pelican copies each field
                setattr(content, name, hidden)
            hide_address_in_reader_caches(getattr(content, "source_path", None), name)


def hide_address_in_reader_caches(path: object, name: str) -> None:
    """Hash the address in the metadata field ``name`` of what Pelican's
    readers cached of the file at ``path``, while the cache is still in
    memory.

    A reader caches its own copy of each file's metadata as it reads it,
    and saves the cache once the generator has read every file: a build
    that stops before the plugin sees them all (``pelican --fatal``, an
    error in another plugin) keeps the file as it was saved, so the copy is
    hashed before Pelican saves it, as each content object is made. The
    cache's layout is Pelican's (path -> (file stamp, (content,
    metadata))): anything else is left alone.
    """
    for readers in build.current.privacy.readers:
        cached = getattr(readers, "_cache", None)
        entry = cached.get(path) if isinstance(cached, dict) else None
        data = entry[1] if isinstance(entry, tuple) and len(entry) == 2 else None
        metadata = data[1] if isinstance(data, tuple) and len(data) == 2 else None
        value = metadata.get(name) if isinstance(metadata, dict) else None
        hidden = hidden_owner(value)
        if hidden is not value:
            metadata[name] = hidden  # type: ignore[index]


def hidden_owner(owner: object) -> object:
    """Owner metadata with any address in it hidden: ``owner`` itself when
    it holds none. Anything but text (a field given twice is a list) is
    looked through, as it is rare."""
    if owner is None or (isinstance(owner, str) and not holds_at_sign(owner)):
        return owner
    hidden = scrubbed_owner(owner)
    return owner if hidden == owner else hidden


@dataclass(frozen=True)
class OwnerSource:
    """Content with an email owner whose source file Pelican publishes: the
    source file, the copies (each a path in the output folder, and the
    setting that writes it), its owner metadata, and the hashes that owner
    stands for."""

    source: str
    copies: tuple[tuple[str, str], ...]
    owner: object
    digests: frozenset[str]


_PUBLISHED = {
    ArticlesGenerator: ("articles", "translations"),
    PagesGenerator: ("pages", "translations"),
}
# The lists of every content a generator makes, drafts and hidden ones
# too: a static path copies each file in it, whatever its status.
EVERY_CONTENT = {
    ArticlesGenerator: (
        "articles",
        "translations",
        "hidden_articles",
        "hidden_translations",
        "drafts",
        "drafts_translations",
    ),
    PagesGenerator: (
        "pages",
        "translations",
        "hidden_pages",
        "hidden_translations",
        "draft_pages",
        "draft_translations",
    ),
}
OUTPUT_SOURCES = "OUTPUT_SOURCES = True"
STATIC_COPY = "STATIC_EXCLUDE_SOURCES = False, with the file in STATIC_PATHS,"


def published_sources(
    generators: list[Any], extension: str | None, static_copies: bool
) -> list[OwnerSource]:
    """Content with an email owner whose source file Pelican publishes:
    ``OUTPUT_SOURCES`` copies each published content's (and translation's)
    with ``extension``; with ``static_copies`` (``STATIC_EXCLUDE_SOURCES``
    off), the static generator copies every file of ``STATIC_PATHS``,
    content sources included. An owner that hid an address it could not
    hash is an error of its own, naming the file."""
    static = (
        {
            static.source_path: str(static.save_as)
            for generator in generators
            if isinstance(generator, StaticGenerator)
            for static in generator.staticfiles
        }
        if static_copies
        else {}
    )
    found = []
    for generator in generators:
        kind = next((k for k in _PUBLISHED if isinstance(generator, k)), None)
        if kind is None:
            continue
        published = _PUBLISHED[kind] if extension is not None else ()
        seen = set()
        for content_list in EVERY_CONTENT[kind] if static else _PUBLISHED[kind]:
            for content in getattr(generator, content_list, ()):
                if id(content) in seen:
                    continue
                seen.add(id(content))
                copies = []
                if content_list in published:
                    stem = os.path.splitext(str(content.save_as))[0]
                    copies.append((stem.replace("\\", "/") + extension, OUTPUT_SOURCES))
                copy = static.get(content.source_path)
                if copy is not None:
                    copies.append((copy.replace("\\", "/"), STATIC_COPY))
                digests = _owner_digests(content.metadata)
                if copies and digests:
                    source = build.source_of(content) or str(
                        content.relative_source_path
                    )
                    found.append(
                        OwnerSource(
                            source.replace("\\", "/"),
                            tuple(copies),
                            content.metadata.get(OWNER),
                            digests,
                        )
                    )
    return found


def _owner_digests(metadata: dict[str, Any]) -> frozenset[str]:
    """The hashes of the email owners in ``metadata``: its owner, and an
    owner given in a misspelt field or in a field of words, which are hashed
    too and whose address a published copy may hold (each value may be a
    list, from a field given twice); but for one whose address could not be
    hashed."""
    return _email_digests(
        metadata.get(field)
        for field in (OWNER, *unknown_fields(metadata), *_WORD_FIELDS)
    )


def owner_addresses_read_as_text(
    found: Iterable[tuple[str, str, str]],
) -> frozenset[str]:
    """The hashes of the plain addresses in the owner fields of ``found``
    (``resolve.fields_read_as_text``), which Pelican read as the content's
    text: published on its page, and in its thing's description."""
    return frozenset(
        digest
        for _, meant, value in found
        if meant == OWNER and _may_hold_address(value)
        for digest in address_digests(value)
    )


def owner_values_read_as_text(found: Iterable[tuple[str, str, str]]) -> tuple[str, ...]:
    """The values of the owner fields of ``found`` (as for
    ``owner_addresses_read_as_text``) that may hold an address, as the
    thing's description shows them (its HTML's references read)."""
    return tuple(
        html.unescape(value)
        for _, meant, value in found
        if meant == OWNER and _may_hold_address(value)
    )


def owner_field_digests(metadata: Mapping[str, Any]) -> frozenset[str]:
    """The hashes of the email owners that the owner field of ``metadata``
    gives, as read (a field given twice is a list of them)."""
    return _email_digests([metadata.get(OWNER)])


def _email_digests(values: Iterable[object]) -> frozenset[str]:
    """The hashes of the ``email:`` owners among ``values``, each a text or
    a list of them; but for one whose address could not be hashed."""
    texts = [
        text
        for value in values
        for text in (value if isinstance(value, (list, tuple)) else [value])
    ]
    return frozenset(
        text.partition(":")[2].strip().lower()
        for text in texts
        if isinstance(text, str)
        and text.strip().lower().startswith("email:")
        and HIDDEN_ADDRESS not in text
    )


# Anything with an "@" between separators, for the addresses to hash: what
# the address pattern of ``addresses`` leaves out ("_" in a domain),
# bounded as an address is (64 characters before the "@", 255 after).
_AT_TOKEN = lazy_regex(rb"[^\s<>()\[\]{}\"',;`]{0,64}@[^\s<>()\[\]{}\"',;`]{1,255}")


def warn_about_published_addresses(pelican: Any) -> None:
    """Name each source file that Pelican published (``OUTPUT_SOURCES``, or
    a static path that copies it) with the plain address of its own email
    owner in it.

    Pelican copies the file itself: the plugin hides the address in what
    Pelican keeps of it, but cannot change the copy. So each copy of a
    content with an email owner is read once written, "&#64;" decoded, and
    every text around an "@" hashed, as the audit finds them and more: the
    copy is named when it holds the address behind its owner's hash (with
    reStructuredText's backslash escapes read, as its reader reads them). An
    owner from DEFAULT_METADATA is not in the copy, unless its text quotes
    the address (which the audit would report too). An address that could
    not be hashed is an error of its own, naming the file. Pelican's
    reStructuredText reader keeps only the last of a field given twice: an
    address in the first never reaches the plugin, and is not looked for.
    """
    entries = build.current.privacy.owner_sources
    if not entries:
        return
    # Imported only now: compiling its regular expressions takes a few
    # milliseconds, and few builds publish a source with an email owner.
    from .addresses import (
        addresses_in,
        as_seen,
        candidate_addresses,
        with_entities_decoded,
        without_rest_escapes,
    )

    output = Path(pelican.settings["OUTPUT_PATH"])
    for entry in sorted(entries, key=lambda entry: entry.source):
        for copy, setting in entry.copies:
            try:
                data = (output / copy).read_bytes()
            except OSError:
                continue  # Pelican did not write it, and says why
            texts = with_entities_decoded(data)
            if b"\\" in data:  # as the reST reader took the owner from it
                texts += [without_rest_escapes(text) for text in texts]
            texts = list(as_seen(texts))
            shaped = {
                token
                for text in texts
                for token in chain(addresses_in(text), _AT_TOKEN.findall(text))
            }
            leaked = any(
                hash_email(address) in entry.digests
                for token in shaped
                for address in candidate_addresses(token)
            )
            if leaked:
                build.warn(
                    f"{entry.source}: {setting} publishes this source file as "
                    f"it is ({copy}), and it holds the plain email address of "
                    f"its owner: write the owner as {_hashed_form(entry.owner)} "
                    "and keep the address out of the file"
                )


def warn_about_addresses_in_things() -> None:
    """Name each source file whose thing holds the plain address of an
    email owner the build knows of (its own, another thing's, or one with
    no thing in this build: see ``_email_owner_digests``), and each setting
    that puts one in every thing (FLATTR_TAGS) or in the site's own (its
    SITENAME or SITESUBTITLE):

    * in the file's path: a folder named after an author's address
      (``content/carol@example.org/notes.md``, or ``carol%40example.org``
      as a file name may spell it), which the manifest and the
      URL baseline record, as Pelican publishes a folder's name as a
      category's by default;
    * in the thing's title, description or tags, or its URL: an article
      that asks its readers to write to its author. Pelican publishes the
      text on the page, and the thing puts it in the auto-submit URL, which
      the page's head and button, the feeds and the manifest carry, and
      which sends it to Flattr;
    * in what only the page's Open Graph tags add: its image's URL (a
      folder named by the address), and an article's category;
    * in the HTML of its title or ``Summary`` as Pelican publishes it, on
      its pages and in the feeds: a ``mailto:`` link's target, which the
      thing's plain text leaves out.

    Either way the build said nothing, and only the audit found it. Only
    things with an "@" in one of these are read. The body is not: an
    address written there is the author's to publish.
    """
    things = build.current.content_things
    settings = build.current.settings
    open_graph_texts = build.current.privacy.open_graph_texts
    markup = build.current.privacy.markup_texts
    # FLATTR_TAGS go to every thing: said once, of the setting, below. As
    # things hold them: cleaned, and one of each in any letter case.
    site_tags = frozenset(
        tag.casefold() for tag in thing_tags(settings.tags if settings else ())
    )
    named = sorted(
        (
            ct
            for ct in things
            if _may_hold_address(ct.source)
            or ct.source in open_graph_texts
            or ct.source in markup
            or _texts_with_at_sign(ct.thing, site_tags)
        ),
        key=lambda ct: ct.source,
    )
    at_site_tags = [tag for tag in site_tags if _may_hold_address(tag)]
    site_fields = _site_texts_with_at_sign(settings, site_tags)
    if not named and not at_site_tags and not site_fields:
        return
    digests = _email_owner_digests(things)

    def holds_an_owner_address(text: str) -> bool:
        return holds_address_of(text, digests)

    _warn_about_site_settings(at_site_tags, site_fields, holds_an_owner_address)
    # As Pelican decides whether a file's folder names its category.
    pelican_settings = getattr(build.current.pelican, "settings", None) or {}
    folder_is_category = bool(
        pelican_settings.get("USE_FOLDER_AS_CATEGORY", True)
        and pelican_settings.get("CATEGORY_SAVE_AS", True)
    )
    for content_thing in named:
        source = content_thing.source
        # The log hides the address in the path it names.
        path_holds_one = _may_hold_address(source) and holds_an_owner_address(source)
        if path_holds_one:
            build.warn(
                f"{source}: the path of this source file holds the plain email "
                "address of an owner, which the manifest and the URL baseline "
                "publish with it (as Pelican does a folder's name, for its "
                "category): rename the file or its folder"
            )
        _warn_about_thing_fields(
            content_thing, site_tags, markup.get(source, ()), digests
        )
        # A category Pelican took from the file's folder is said of the path
        # above (renaming the folder mends both).
        folder_category = (
            source.rpartition("/")[0].rpartition("/")[2]
            if path_holds_one and folder_is_category
            else None
        )
        _warn_about_open_graph(
            source,
            open_graph_texts.get(source, ()),
            holds_an_owner_address,
            folder_category,
        )


def _warn_about_site_settings(
    at_site_tags: list[str],
    site_fields: Mapping[str, str],
    holds_an_owner_address: Callable[[str], bool],
) -> None:
    """Warn of FLATTR_TAGS, and of the settings the site's own thing reads,
    that hold an owner's plain address."""
    if any(holds_an_owner_address(tag) for tag in at_site_tags):
        build.warn(
            "FLATTR_TAGS holds the plain email address of an owner, which every "
            "thing's tags send to Flattr, in each page's head and button, the "
            "feeds and the manifest: remove it"
        )
    for setting, text in site_fields.items():
        if holds_an_owner_address(text):
            build.warn_once(
                f"{setting} holds the plain email address of an owner, which the "
                "site's own thing (FLATTR_USERNAME's) sends to Flattr in its "
                "auto-submit URL, in the feeds and the manifest: write the "
                'address another way ("carol at example dot org")'
            )


def _warn_about_thing_fields(
    content_thing: ContentThing,
    site_tags: frozenset[str],
    markup_texts: Iterable[tuple[str, str]],
    digests: Collection[str],
) -> None:
    """Warn of the thing's fields, and of the HTML Pelican publishes for
    them (``markup_texts``), that hold the plain address of an owner, one
    of ``digests``."""
    source = content_thing.source
    texts = {
        name: text
        for name, text in _texts_with_at_sign(content_thing.thing, site_tags)
        if holds_address_of(text, digests)
    }
    fields = list(texts)
    # Said of the thing's field already, which its HTML is made into.
    in_markup = [
        name
        for name, text in markup_texts
        if _PLAIN_FIELD[name] not in fields
        and any(holds_address_of(seen, digests) for seen in _as_shown(text))
    ]
    if fields:
        build.warn(
            f"{source}: the {listed(fields)} of this content "
            f"{'hold' if len(fields) > 1 or fields == ['tags'] else 'holds'} "
            "the plain email address of an owner, which its page shows and its "
            "auto-submit URL sends to Flattr, in the page's head and button, "
            f"the feeds and the manifest: {_fields_advice(source, texts, digests)}"
        )
    if in_markup:
        verb = "hold" if len(in_markup) > 1 else "holds"
        build.warn(
            f"{source}: the HTML of the {listed(in_markup)} of this "
            f"content {verb} the plain email address of an owner (in a "
            "link, perhaps), which Pelican publishes as it is, where the "
            "theme or the feeds show it: write the address another way, or "
            "leave it out"
        )


def _fields_advice(
    source: str, texts: Mapping[str, str], digests: Collection[str]
) -> str:
    """How to take the owners' addresses out of the fields ``texts`` of the
    content at ``source``: an owner field Pelican read as text is mended in
    the header; an address the text names elsewhere is written another way."""
    other = 'write the address another way ("carol at example dot org")'
    if "description" in texts:
        other += ", or give the content a Summary without it"
    privacy = build.current.privacy
    read_as_text = privacy.owners_read_as_text.get(source)
    if not read_as_text or not any(
        holds_address_of(text, read_as_text) for text in texts.values()
    ):
        return other
    # The owner field meant to hash it: read as text, it is not.
    field = (
        "write its owner field in the header, as the warning about it says: "
        "the build hashes the address there"
    )
    values = privacy.owner_values_read_as_text.get(source, ())
    if any(
        holds_address_of(_without(text, values), digests) for text in texts.values()
    ):
        # The header takes the field's address out, not the text's own.
        return f"{field}; and where the text names an address, {other}"
    return field


def _without(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` taken out."""
    for value in values:
        text = text.replace(value, " ")
    return text


def _warn_about_open_graph(
    source: str,
    open_graph_texts: Iterable[tuple[str, str]],
    holds_an_owner_address: Callable[[str], bool],
    folder_category: str | None,
) -> None:
    """Warn of what only the page's Open Graph tags add that holds an
    owner's plain address, leaving out a category that is
    ``folder_category``, the folder already named."""
    fields = [
        name
        for name, text in open_graph_texts
        if not (name.startswith("category") and text == folder_category)
        and holds_an_owner_address(text)
    ]
    if fields:
        verb = "hold" if len(fields) > 1 else "holds"
        build.warn(
            f"{source}: the {listed(fields)} of this content {verb} "
            "the plain email address of an owner, which its page's Open "
            "Graph tags publish: write the address another way, or leave "
            "it out"
        )


def _email_owner_digests(things: list[ContentThing]) -> set[str]:
    """The hashes of every email owner the build knows of: those of
    ``things``, ``FLATTR_USERNAME`` and ``FLATTR_AUTHORS`` (as the check of
    authors named by their address reads them), and the owner metadata of
    every content read, drafts and content without a thing too.

    An owner with no thing in this build is still a person whose address
    the pages, feeds and manifest must not publish. Every content is walked,
    but only for a build that has an "@" where a warning would name it.
    """
    owners = [ct.thing.owner for ct in things]
    settings = build.current.settings
    if settings is not None:
        owners += [settings.username, *settings.authors.values()]
    digests = {
        owner.value.removeprefix("email:")
        for owner in owners
        if getattr(owner, "kind", None) == "email"
    }
    digests.update(*build.current.privacy.owners_read_as_text.values())
    for generator in build.current.generators:
        lists = next(
            (
                names
                for kind, names in EVERY_CONTENT.items()
                if isinstance(generator, kind)
            ),
            (),
        )
        for content_list in lists:
            for content in getattr(generator, content_list, ()):
                digests |= _owner_digests(content.metadata)
    return digests


def _site_texts_with_at_sign(
    settings: FlattrSettings | None, site_tags: frozenset[str]
) -> dict[str, str]:
    """The settings that the site's own thing (``FLATTR_USERNAME``'s, whose
    auto-submit URL every feed and the manifest carry) takes a field with an
    "@" from, each with the field; none when no feed offers that thing. Its
    tags are FLATTR_TAGS', said of already; its URL is every thing URL's
    base, said of each thing."""
    if settings is None or not build.current.offers_site_thing:
        return {}

    thing = site_thing(settings)
    # Without a SITENAME the title is the site's URL; a SITESUBTITLE too
    # short for a description gives way to the title.
    title = "SITENAME" if settings.site_name else None
    setting_of = {
        "title": title,
        "description": title if thing.description == thing.title else "SITESUBTITLE",
    }
    return {
        setting: text
        for name, text in _texts_with_at_sign(thing, site_tags)
        if (setting := setting_of.get(name)) is not None
    }


# A content's fields whose HTML Pelican publishes as written (the title,
# and FORMATTED_FIELDS' summary), and the field of the thing made from each.
_PLAIN_FIELD = {"title": "title", "summary": "description"}


def markup_that_may_hold_addresses(
    content: Any, thing: Thing
) -> tuple[tuple[str, str], ...]:
    """The HTML of the title and ``Summary`` of ``content``, whose thing is
    ``thing``, where it may hold an address the thing's plain text leaves
    out (in an attribute, or past the cut): (field, HTML) for each with an
    "@", as it is, percent-encoded (a link's ``mailto:carol%40example.org``)
    or as a character reference (Markdown spells a ``mailto:`` autolink's
    every letter so).

    A title that is the thing's own (the very object: plain text, not cut)
    is not read again, nor is a summary Pelican cuts from the body.
    """
    texts: tuple[tuple[str, str], ...] = ()
    title = getattr(content, "title", None)
    if title is not thing.title and _may_hold_address_in_markup(title):
        texts += (("title", title),)
    summary = content.metadata.get("summary")
    if summary is not None and _may_hold_address_in_markup(summary):
        texts += (("summary", summary),)
    return texts


def _may_hold_address_in_markup(text: object) -> bool:
    """``_may_hold_address``, or a character reference ("&#64;") in it."""
    return isinstance(text, str) and (_may_hold_address(text) or "&" in text)


def _as_shown(markup: str) -> list[str]:
    """``markup``, and the text its character references stand for."""
    return [markup, html.unescape(markup)] if "&" in markup else [markup]


def holds_address_of(text: str, digests: Collection[str]) -> bool:
    """Whether ``text`` holds an address whose hash is in ``digests``, as
    the audit finds one in a built file: also where a reader sees it
    (without invisible characters), or with text around it that an address
    may run into."""
    return any(digest in digests for digest in _address_digests(text))


def address_digests(text: str) -> set[str]:
    """The hashes of the addresses ``text`` holds, found as
    ``holds_address_of`` finds them: to tell which owner's they are."""
    return set(_address_digests(text))


def _address_digests(text: str) -> Iterator[str]:
    from .addresses import addresses_in, as_seen, candidate_addresses

    return (
        hash_email(address)
        for seen in as_seen([text.encode()])
        for token in addresses_in(seen)
        for address in candidate_addresses(token)
    )


def _may_hold_address(text: str) -> bool:
    """Whether ``text`` holds an "@" as ``holds_address_of`` finds one: as
    it is, or percent-encoded (a file named ``carol%40example.org.md``,
    which the manifest records so), or Unicode's full-width or small one,
    which a reader takes for it (``addresses.as_seen``), as it is or
    percent-encoded (``%EF%BC%A0``)."""
    if "@" in text or "%40" in text:
        return True
    if "%" in text and _ENCODED_WIDE_AT_SIGN.search(text):
        return True
    return not text.isascii() and ("\uff20" in text or "\ufe6b" in text)


# Unicode's full-width and small "@", percent-encoded (once or more), in
# any letter case, as the receiver reads them.
_ENCODED_WIDE_AT_SIGN = lazy_regex(ENCODED_WIDE_AT_SIGN)


def _texts_with_at_sign(
    thing: Thing, site_tags: frozenset[str]
) -> list[tuple[str, str]]:
    """The fields of ``thing`` that Flattr is told, by name, that hold an
    "@", plain or percent-encoded: the few where an address may be. Its
    tags but ``site_tags``."""
    texts = []
    if _may_hold_address(thing.title):
        texts.append(("title", thing.title))
    # Read in UTF-8, as the thing keeps it: no text decoded for each thing.
    description = thing.description_utf8
    if (
        b"@" in description
        or b"%40" in description
        or b"\xef\xbc\xa0" in description
        or b"\xef\xb9\xab" in description
    ):
        texts.append(("description", thing.description))
    own_tags = [
        tag
        for tag in thing.tags
        if _may_hold_address(tag) and tag.casefold() not in site_tags
    ]
    if own_tags:
        texts.append(("tags", ",".join(own_tags)))
    if _may_hold_address(thing.url):
        texts.append(("URL", unquote(thing.url)))
    return texts


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
