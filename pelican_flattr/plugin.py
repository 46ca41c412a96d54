"""Pelican wiring: ``register()`` connects each signal to its receiver;
the feeds' two receivers and the one for each file read live here.

docs/architecture.md follows one build through the receivers in the
order Pelican calls them ("One ``pelican`` run"): addresses hidden from
the settings and from each file read, a fresh ``BuildState`` at every
``run()``, every template completing the pages it renders, each content
resolved into ``content.flattr``, payment links in feeds, and at the end
the URL guard and then the manifest (``finish.finish_build``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

from pelican import signals

from . import build
from .attach import attach_things, reserve_flattr_attribute
from .author_keys import note_authors_of_skipped
from .feeds import feed_key, moved_key, tag_feed
from .finish import finish_build
from .manifest import portable_path
from .privacy import (
    hide_addresses,
    hide_addresses_as_read,
    hide_addresses_in_context,
    hide_addresses_in_log,
    note_readers,
)
from .resolve import ContentThing
from .templates import (
    keep_templates_completing,
    note_page_written,
    prepare_templates,
)
from .wording import listed

logger = logging.getLogger("pelican_flattr")
hide_addresses_in_log(logger)


def add_payment_links_to_feed(context: Any, feed: Any) -> None:
    """Give each owned article's feed entry (and the feed) a payment link."""
    state = build.current
    settings = state.settings
    if settings is None or not settings.feeds:
        return
    feeds = state.feeds
    moved = feeds.moved_keys
    if moved is None:
        relinked = _relinked(context, feed.feed.get("link") or "")
        moved = feeds.moved_keys = _moved_keys(relinked, feeds.things_by_content_url)
        _warn_of_copies_linking_others(relinked, feeds.things_by_content_url)
    tagged = tag_feed(
        feed,
        feeds.things_by_content_url,
        feeds.site_payment_url,
        feeds.payment_hrefs,
        moved,
    )
    feeds.being_written = (feed, tagged)


class _Relinked(NamedTuple):
    """An article (or translation) whose URL i18n_subsites set."""

    content: Any
    translation: bool
    url: str  # its override_url
    key: str | None  # the moved_key of the link its feed entries have


def _relinked(context: Any, feed_link: str) -> list[_Relinked]:
    """Each article of ``context``, or translation of one, whose URL
    i18n_subsites set (``override_url``) once every site's things were
    attached, before any site writes: read once per build, before its
    first feed, one attribute per article (none has one on a site
    without i18n_subsites)."""
    site_url = str(context.get("SITEURL") or "")
    relative_urls = bool(context.get("RELATIVE_URLS"))
    found = []
    for article in context.get("articles") or ():
        translations = getattr(article, "translations", ())
        for content in (article, *translations):
            url = getattr(content, "override_url", None)
            # A URL field sets it too (Pelican's override_url), as written:
            # the author's own, never i18n_subsites' relinking.
            if url is not None and url != getattr(content, "metadata", {}).get("url"):
                key = moved_key(str(url), site_url, feed_link, relative_urls)
                found.append(_Relinked(content, content is not article, url, key))
    return found


def _moved_keys(
    relinked: list[_Relinked], things: Mapping[str, ContentThing]
) -> dict[str, str]:
    """The ``feeds.moved_key`` of each of ``relinked`` whose URL changed
    after its thing was keyed in ``things`` -> that key: the entries of a
    copy a language's site keeps link where i18n_subsites points it, and
    got no payment link though its page shows a button. One more dict
    look-up per feed item on a site that has such a copy (none on any
    other)."""
    moved: dict[str, str] = {}
    for each in relinked:
        content_thing = getattr(each.content, "flattr", None)
        if (
            not isinstance(content_thing, ContentThing)
            or each.url == content_thing.content_url
        ):
            continue
        own = feed_key(content_thing.content_url)
        # A key another article has keeps it: entries linking there are
        # that article's.
        if (
            each.key is not None
            and each.key not in things
            and things.get(own) is content_thing
        ):
            moved.setdefault(each.key, own)
    return moved


def _warn_of_copies_linking_others(
    relinked: list[_Relinked], things: Mapping[str, ContentThing]
) -> None:
    """Warn of the translations of ``relinked``, kept by another
    language's site, that i18n_subsites links to the page of another
    article of this site.

    It links a copy to its own language's site by the path from this
    site's SITEURL to that one's, and drops the host: with sites on two
    hosts at one path, the German site's copy of an Arabic article links
    the German article's page. Its feed entries here link that page, and
    so carry that article's payment link: a reader who flattrs the Arabic
    entry pays the German article's owner. Said once per site, before its
    first feed, naming the first such copies.
    """
    found = []
    for each in relinked:
        if not each.translation or isinstance(
            getattr(each.content, "flattr", None), ContentThing
        ):
            continue  # a thing of this site's
        holder = things.get(each.key) if each.key is not None else None
        source = build.source_path(each.content)
        if holder is not None and holder.source != source:
            found.append(f"{source} (to {holder.content_url}, {holder.source}'s page)")
    if found:
        build.warn(
            f"{build.site_label()}i18n_subsites links this site's copies of "
            f"translations to the page of another article here: "
            f"{listed(found, 5)}. The copies' entries in this site's feeds link "
            "that page, and so carry its article's payment link, which pays "
            "that article's owner. Either the sites are on different hosts at "
            "one path, and i18n_subsites, which links another language's site "
            "by the path from this site's SITEURL to that one's, drops the host "
            "(give each language's site a path of its own, a SITEURL below the "
            "main site's, as i18n_subsites sets it by default); or a URL "
            "setting starts with '/' (ARTICLE_URL = '/posts/{slug}/'), which "
            "links every site's pages from the root (drop that '/')"
        )


def record_feed(path: str, context: Any, feed: Any) -> None:
    """Remember which feed file carries which thing, for the manifest."""
    state = build.current
    settings = state.settings
    if settings is None:
        return
    feeds = state.feeds
    being_written = feeds.being_written
    feeds.being_written = None
    if being_written is None or being_written[0] is not feed:
        return  # not a feed this plugin tagged (FLATTR_FEEDS off)
    relative = os.path.relpath(path, settings.output_path).replace(os.sep, "/")
    relative = portable_path(relative)  # once per feed, not per manifest line
    things, feeds_by_source = feeds.things_by_content_url, feeds.by_source
    for key in being_written[1]:
        content_thing = things.get(key)
        if content_thing is not None:
            # A tuple, not a set or a list: a few pointers, where either
            # kept room to grow for every thing to the build's end; the
            # manifest sorts and de-duplicates.
            source = content_thing.source
            feeds_by_source[source] = (*feeds_by_source.get(source, ()), relative)


def note_file_read(sender: Any, metadata: dict[str, Any]) -> None:
    """What each file needs as Pelican reads it, before it makes its content
    object (``article_generator_context``, ``page_generator_context``): the
    addresses in its owner fields hashed, and the authors of a file with
    ``Status: skip`` kept.

    One receiver for both: blinker spends ~8 k instructions on each receiver
    it calls, for each file (asking, among others, whether it is a
    coroutine).
    """
    hide_addresses_as_read(sender, metadata)
    note_authors_of_skipped(sender, metadata)


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    build.registered()
    signals.initialized.connect(build.name_plugin_in_settings)
    signals.initialized.connect(hide_addresses)
    signals.get_generators.connect(build.start_build)
    signals.generator_init.connect(hide_addresses_in_context)
    signals.readers_init.connect(note_readers)
    signals.article_generator_context.connect(note_file_read)
    signals.page_generator_context.connect(note_file_read)
    signals.content_object_init.connect(reserve_flattr_attribute)
    signals.all_generators_finalized.connect(prepare_templates)
    signals.all_generators_finalized.connect(attach_things)
    signals.feed_generated.connect(add_payment_links_to_feed)
    signals.feed_written.connect(record_feed)
    signals.get_writer.connect(keep_templates_completing)
    signals.content_written.connect(note_page_written)
    signals.finalized.connect(finish_build)
