"""The content Pelican's generators read, as the plugin walks it: the
published articles and pages that get things (``contents``), every page's
source, and the contents of a few given sources (drafts and hidden ones
too) that the URL guard and the ``FLATTR_AUTHORS`` checks name."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import chain
from typing import Any

from pelican.generators import ArticlesGenerator, PagesGenerator

from . import build
from .privacy import EVERY_CONTENT


def contents(generators: list[Any], pages: bool) -> list[tuple[Any, bool]]:
    """Published content, articles first: (content, is_article) pairs.

    Drafts never get a thing: their URL is not public and would change.
    Nor does hidden content in the language of another site of
    i18n_subsites, which hides untranslated pages so and keeps hidden
    articles in every site: that site publishes it with its thing, and a
    thing for each hidden copy would split its flattrs.
    """
    found: list[tuple[Any, bool]] = []
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            found.extend((article, True) for article in published(generator))
        elif pages and isinstance(generator, PagesGenerator):
            found.extend((page, False) for page in published(generator))
    return found


def published(generator: ArticlesGenerator | PagesGenerator) -> Iterator[Any]:
    """The articles (or pages) of ``generator`` that ``contents`` takes."""
    elsewhere = build.current.other_sites.languages
    kind = "articles" if isinstance(generator, ArticlesGenerator) else "pages"
    hidden = chain(getattr(generator, f"hidden_{kind}"), generator.hidden_translations)
    return chain(
        getattr(generator, kind),
        generator.translations,
        (c for c in hidden if getattr(c, "lang", None) not in elsewhere),
    )


# Every list of pages a generator keeps, drafts and hidden ones included.
PAGE_LISTS = EVERY_CONTENT[PagesGenerator]


def page_sources(generators: list[Any]) -> set[str]:
    """The source file of every page, drafts and hidden ones included: with
    FLATTR_PAGES off none has a thing, and the URL guard says so."""
    return {
        build.source_path(page)
        for generator in generators
        if isinstance(generator, PagesGenerator)
        for name in PAGE_LISTS
        for page in getattr(generator, name, ())
    }


def contents_of(
    generators: list[Any], sources: Collection[str]
) -> Iterator[tuple[str, Any]]:
    """Each content the ``generators`` read (drafts and hidden ones too)
    whose source is one of ``sources``, with its source: a walk through
    every content, for the few sources a warning names."""
    for generator in generators:
        for kind, names in EVERY_CONTENT.items():
            if isinstance(generator, kind):
                for name in names:
                    for content in getattr(generator, name, ()):
                        source = build.source_path(content)
                        if source in sources:
                            yield source, content
