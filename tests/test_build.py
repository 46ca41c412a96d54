"""Real Pelican builds: every owned article becomes a thing, shown once, right."""

import gzip
import hashlib
import json
import logging
import os
import pickle
import re
import signal
import subprocess
import sys
import types
from collections import OrderedDict, defaultdict, namedtuple
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from conftest import (
    SITEURL,
    article,
    child_build,
    child_env,
    flattr_buttons,
    i18n_build,
    manifest_things,
    og,
    page,
    payment_links,
    run_pelican,
)
from pelican import signals
from pelican import utils as pelican_utils

from pelican_flattr.build import FlattrBuildError
from pelican_flattr.cli import main as audit_command

AUTHORS = {
    "Alice": "alice",
    "Bob": "twitter:user:id:123",
    "Carol": "email:carol@example.org",
    "Dan": "partner:examplesite:42",
}
BODY = """
An opening paragraph that is long enough to be the summary of the article.

A second paragraph, which closes the article body.
"""

# A settings file's record of a contributor, pickled with the cache.
Contributor = namedtuple("Contributor", ["name", "owner"])


def community(**extra):
    files = {
        "alice.md": article(
            "Alice writes things", "Alice", BODY, tags="python, pelican"
        ),
        "bob.md": article("Bob writes things", "Bob", BODY),
        "carol.md": article("Carol writes things", "Carol", BODY),
        "dan.md": article("Dan writes things", "Dan", BODY),
        "eve.md": article("Eve writes things", "Eve", BODY),
    }
    files.update(extra)
    return files


@pytest.mark.parametrize("relative_urls", [False, True])
@pytest.mark.parametrize("theme", ["notmyidea", "simple"])
def test_injection_into_pelicans_own_themes(site, theme, relative_urls):
    body = BODY + "\nA [link to Bob]({filename}/bob.md) inside the body.\n"
    files = dict(
        community(), **{"alice.md": article("Alice writes things", "Alice", body)}
    )
    output = site(
        files, theme=theme, FLATTR_AUTHORS=AUTHORS, RELATIVE_URLS=relative_urls
    )
    things = manifest_things(output)
    assert set(things) == {"alice.md", "bob.md", "carol.md", "dan.md"}
    for source, thing in things.items():
        html_path = output / urlsplit(thing["url"]).path.lstrip("/")
        text = html_path.read_text(encoding="utf-8")
        soup = page(html_path)
        buttons = flattr_buttons(soup)
        assert len(buttons) == 1, source
        assert buttons[0]["href"] == thing["auto_submit_url"]
        links = payment_links(soup)
        assert len(links) == 1 and links[0].parent.name == "head"
        assert links[0]["href"] == thing["auto_submit_url"]
        assert links[0]["type"] == "text/html"
        assert links[0]["title"] == "Flattr this!"
        assert og(soup, "og:url") == [thing["url"]]
        assert og(soup, "og:title") == [thing["title"]]
        # Right after the article body (its last words end the body), inside
        # the article, not merely somewhere before </article>.
        last_words = "inside the body." if source == "alice.md" else "article body."
        body_end = text.index(last_words, text.index("</head>"))
        after_body = re.escape(last_words) + r'</p>\s*<div class="flattr-injected">'
        assert re.match(after_body, text[body_end:]), text[body_end : body_end + 80]
        assert text.index('class="flattr-button') < text.index("</article>")
        assert buttons[0].find_parent("article") is not None


def test_owner_kinds_reach_the_auto_submit_url(site):
    output = site(community(), FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    expected = {
        "alice.md": ("user_id", "alice", "flattr_user"),
        "bob.md": ("owner", "twitter:user:id:123", "twitter"),
        "carol.md": ("owner", "email:e85bdea72f763d76279a16f7090151a4", "email"),
        "dan.md": ("owner", "partner:examplesite:42", "partner"),
    }
    for source, (param, value, kind) in expected.items():
        query = parse_qs(urlsplit(things[source]["auto_submit_url"]).query)
        assert query[param] == [value]
        assert {"user_id", "owner"} & set(query) == {param}
        assert things[source]["owner"] == {"kind": kind, "value": value}


def test_no_owner_means_no_button_and_one_log_line(site, flattr_log):
    output = site(community(), FLATTR_AUTHORS=AUTHORS)
    eve = page(output / "eve-writes-things.html")
    assert flattr_buttons(eve) == [] and payment_links(eve) == []
    lines = [r.getMessage() for r in flattr_log.records if "eve.md" in r.getMessage()]
    assert len(lines) == 1
    assert "no Flattr owner" in lines[0] and "'Eve'" in lines[0]


def test_resolution_order(site):
    files = {
        "meta.md": article("Metadata wins here", "Alice", flattr_owner="partner:ns:9"),
        "mapped.md": article("Mapping comes next", "Alice"),
        "site.md": article("Site username last", "Zed"),
        "coauthors.md": article("Second author mapped", "Zed, Bob", BODY).replace(
            "Author:", "Authors:"
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_USERNAME="sitewide")
    owners = {s: t["owner"]["value"] for s, t in manifest_things(output).items()}
    assert owners == {
        "meta.md": "partner:ns:9",
        "mapped.md": "alice",
        "site.md": "sitewide",
        "coauthors.md": "twitter:user:id:123",
    }


def test_site_wide_category_and_hidden(site):
    files = {
        "a.md": article("Site-wide fields", "Alice"),
        "b.md": article("Its own category", "Alice", flattr_category="audio"),
    }
    output = site(
        files, FLATTR_AUTHORS=AUTHORS, FLATTR_CATEGORY="software", FLATTR_HIDDEN=True
    )
    things = manifest_things(output)
    assert (things["a.md"]["category"], things["a.md"]["hidden"]) == ("software", True)
    assert things["b.md"]["category"] == "audio"
    query = parse_qs(urlsplit(things["a.md"]["auto_submit_url"]).query)
    assert query["category"] == ["software"] and query["hidden"] == ["1"]


def test_metadata_overrides(site):
    files = {
        "custom.md": article(
            "Overridden fields",
            "Alice",
            tags="ignored",
            flattr_category="software",
            flattr_language="de_DE",
            flattr_tags="rust, embedded;x",
            flattr_hidden="yes",
        ),
        "plain.md": article("Default fields", "Alice", tags="own, Extra"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_TAGS=["extra", "community"])
    things = manifest_things(output)
    custom, plain = things["custom.md"], things["plain.md"]
    assert (custom["category"], custom["language"], custom["hidden"]) == (
        "software",
        "de_DE",
        True,
    )
    # Split as Pelican splits Tags: on the semicolon, as there is one; the
    # comma left in a tag becomes a space, as Flattr's tags hold none.
    assert custom["tags"] == ["rust embedded", "x"]
    assert parse_qs(urlsplit(custom["auto_submit_url"]).query)["hidden"] == ["1"]
    assert (plain["category"], plain["language"], plain["hidden"]) == (
        "text",
        "en_GB",
        False,
    )
    assert plain["tags"] == ["own", "Extra", "community"]
    assert "hidden" not in parse_qs(urlsplit(plain["auto_submit_url"]).query)


@pytest.mark.parametrize("shown", ["no", "false", "off", "0", "No"])
def test_an_article_shown_under_a_site_that_hides_is_shown(site, flattr_log, shown):
    # "Flattr_hidden: no" is a value, not a missing field: FLATTR_HIDDEN
    # must not take its place.
    files = {"shown.md": article("Shown in listings", "Alice", flattr_hidden=shown)}
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_HIDDEN=True)
    thing = manifest_things(output)["shown.md"]
    assert thing["hidden"] is False
    assert "hidden" not in parse_qs(urlsplit(thing["auto_submit_url"]).query)
    assert flattr_log.records == []


@pytest.mark.parametrize("hidden", ["yes", "true", "on", "1", "YES"])
def test_every_spelling_of_yes_hides_a_thing(site, flattr_log, hidden):
    files = {"hidden.md": article("Hidden in listings", "Alice", flattr_hidden=hidden)}
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    thing = manifest_things(output)["hidden.md"]
    assert thing["hidden"] is True
    assert parse_qs(urlsplit(thing["auto_submit_url"]).query)["hidden"] == ["1"]
    assert flattr_log.records == []


@pytest.mark.parametrize("opted_out", ["no", "false", "off", "0", "NO"])
def test_every_spelling_of_no_opts_out(site, flattr_log, opted_out):
    # An opt-out is no thing and no message; a value not read as "no" would
    # be a problem logged of the file, with no button either.
    files = {
        "out.md": article("Opted out of Flattr", "Alice", flattr=opted_out),
        "in.md": article("Flattr kept on", "Alice"),
    }
    output = site(files, FLATTR_AUTHORS={"Alice": "alice"})
    assert set(manifest_things(output)) == {"in.md"}
    assert flattr_buttons(page(output / "opted-out-of-flattr.html")) == []
    assert flattr_log.records == []


def test_opt_out_and_drafts_get_nothing(site):
    files = {
        "out.md": article("Opted out of Flattr", "Alice", flattr="no"),
        "draft.md": article("A draft article", "Alice", status="draft"),
        "hidden.md": article("A hidden article", "Alice", status="hidden"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"hidden.md"}
    soup = page(output / "opted-out-of-flattr.html")
    assert flattr_buttons(soup) == [] and payment_links(soup) == []
    assert og(soup, "og:url") == []
    draft = page(output / "drafts" / "a-draft-article.html")
    assert flattr_buttons(draft) == []


@pytest.mark.parametrize("own", [None, "no"])
def test_content_pelican_hides_is_hidden_at_flattr(site, own):
    # Pelican lists hidden content nowhere (no index, no feed): its thing
    # went to Flattr's public listings all the same, with its URL, title and
    # description. Its own Flattr_hidden: no still shows it.
    field = {} if own is None else {"flattr_hidden": own}
    files = {
        "hidden.md": article("A hidden article", "Alice", status="hidden", **field),
        "listed.md": article("A listed article", "Alice"),
        "pages/404.md": article(
            "Not found", "Alice", status="hidden", save_as="404.html", url="404.html"
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    things = manifest_things(output)
    assert things["listed.md"]["hidden"] is False
    assert things["pages/404.md"]["hidden"] is True
    thing = things["hidden.md"]
    assert thing["hidden"] is (own is None)
    query = parse_qs(urlsplit(thing["auto_submit_url"]).query)
    assert query.get("hidden") == (None if own else ["1"])
    buttons = flattr_buttons(page(output / "a-hidden-article.html"))
    assert [b["href"] for b in buttons] == [thing["auto_submit_url"]]


def test_pinned_url_is_the_thing_url(site):
    pinned = "https://old.example.org/2019/the-old-slug/"
    files = {"moved.md": article("A moved article", "Alice", flattr_url=pinned)}
    # The site was on old.example.org before.
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_OLD_HOSTS=["old.example.org"])
    thing = manifest_things(output)["moved.md"]
    assert thing["url"] == pinned
    query = parse_qs(urlsplit(thing["auto_submit_url"]).query)
    assert query["url"] == [pinned]
    soup = page(output / "a-moved-article.html")
    assert og(soup, "og:url") == [pinned]


def test_pages_only_when_enabled(site):
    files = {
        "pages/about.md": "Title: About us\nAuthor: Alice\n\nWho we are, and why.\n",
        # Published, only left out of the menu: a page like any other.
        "pages/imprint.md": "Title: Imprint\nAuthor: Alice\nStatus: hidden\n\nUs.\n",
        "pages/draft.md": "Title: Soon\nAuthor: Alice\nStatus: draft\n\nSoon.\n",
        "a.md": article("An ordinary article", "Alice"),
    }
    without = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(without)) == {"a.md"}
    assert flattr_buttons(page(without / "pages" / "about-us.html")) == []
    with_pages = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    things = manifest_things(with_pages)
    assert set(things) == {"a.md", "pages/about.md", "pages/imprint.md"}
    for source, written in [
        ("pages/about.md", "pages/about-us.html"),
        ("pages/imprint.md", "pages/imprint.html"),
    ]:
        soup = page(with_pages / written)
        assert [b["href"] for b in flattr_buttons(soup)] == [
            things[source]["auto_submit_url"]
        ]
        assert og(soup, "og:type") == ["website"]
        # A page is no article: none of an article's own properties
        # (article:author, though the page has one).
        assert soup.find_all("meta", property=re.compile("^article:")) == []


def _pages_off(flattr_log) -> list[str]:
    return [r.getMessage() for r in flattr_log.records if "PAGES" in r.getMessage()]


def test_pages_that_ask_for_a_button_while_flattr_pages_is_off_are_named(
    site, flattr_log
):
    # An author's "Flattr: yes" on a page built without a button and
    # without a word: only the site's operator can turn pages on.
    files = {
        "pages/about.md": "Title: About us\nFlattr: yes\n\nWho we are.\n",
        "pages/join.md": "Title: Join\nFlattr_owner: partner:ns:7\n\nHow to.\n",
        "pages/imprint.md": "Title: Imprint\nStatus: hidden\nFlattr_hidden: 1\n\nUs.\n",
        # Asking for nothing: no button wanted, or every page's default.
        "pages/quiet.md": "Title: Quiet\nFlattr: no\n\nNo button here.\n",
        "pages/plain.md": "Title: Plain\n\nNothing asked.\n",
        "pages/draft.md": "Title: Soon\nStatus: draft\nFlattr: yes\n\nSoon.\n",
        "a.md": article("An ordinary article", "Alice"),
    }
    # A warning, even in a strict build: the operator chose to leave pages
    # out, and nothing is published wrong.
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=True,
        DEFAULT_METADATA={"Flattr_category": "software"},
    )
    assert set(manifest_things(output)) == {"a.md"}
    assert _pages_off(flattr_log) == [
        "pelican-flattr: pages/about.md, pages/imprint.md and pages/join.md: "
        "these 3 pages ask for a Flattr button (metadata 'flattr', "
        "'flattr_hidden', 'flattr_owner'), but FLATTR_PAGES is off, so no page "
        "gets one: the site's operator can set FLATTR_PAGES = True (or authors "
        "drop the metadata)"
    ]
    flattr_log.clear()
    site({"pages/about.md": files["pages/about.md"]}, FLATTR_USERNAME="siteowner")
    assert _pages_off(flattr_log) == [
        "pelican-flattr: pages/about.md: this page asks for a Flattr button "
        "(metadata 'flattr'), but FLATTR_PAGES is off, so no page gets one: the "
        "site's operator can set FLATTR_PAGES = True (or authors drop the "
        "metadata)"
    ]


def test_pages_that_a_path_setting_asks_a_button_for_name_the_entry(
    tmp_path, flattr_log
):
    # A field EXTRA_PATH_METADATA gives is the operator's, not the page's:
    # the warning names the entry to edit, not metadata authors cannot
    # find in their files. DEFAULT_METADATA's, given every page, asks
    # nothing. Said alike of pages read from Pelican's content cache. A
    # page that two fields ask for (in its file, or in one entry) is named
    # once.
    from conftest import build

    files = {
        "pages/about.md": "Title: About us\n\nWho we are.\n",
        "pages/join.md": "Title: Join\nFlattr_hidden: 1\nFlattr: yes\n\nHow to.\n",
        "pages/quiet.md": "Title: Quiet\nFlattr: no\n\nNo button here.\n",
        "pages/team/lead.md": "Title: Lead\n\nWho leads.\n",
        "a.md": article("An ordinary article", "Alice"),
    }
    settings = {
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "DEFAULT_METADATA": {"flattr_category": "software"},
        "EXTRA_PATH_METADATA": {
            "pages": {"flattr_owner": "alice", "flattr_category": "text"},
            "pages/team": {"flattr": "yes"},
        },
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
    }
    expected = [
        "pelican-flattr: pages/join.md: this page asks for a Flattr button "
        "(metadata 'flattr', 'flattr_hidden'), but FLATTR_PAGES is off, so no "
        "page gets one: the site's operator can set FLATTR_PAGES = True (or "
        "authors drop the metadata)",
        "pelican-flattr: EXTRA_PATH_METADATA['pages'] asks for a Flattr button "
        "on 3 pages (pages/about.md, pages/join.md and pages/team/lead.md) with "
        "metadata 'flattr_category', 'flattr_owner', but FLATTR_PAGES is off, "
        "so no page gets one: set FLATTR_PAGES = True (or take the metadata out "
        "of that entry)",
        "pelican-flattr: EXTRA_PATH_METADATA['pages/team'] asks for a Flattr "
        "button on pages/team/lead.md with metadata 'flattr', but FLATTR_PAGES "
        "is off, so no page gets one: set FLATTR_PAGES = True (or take the "
        "metadata out of that entry)",
    ]
    output = build(tmp_path, files, **settings)
    assert set(manifest_things(output)) == {"a.md"}
    assert _pages_off(flattr_log) == expected
    flattr_log.clear()
    build(tmp_path, files, **settings)  # a rebuild from the cache
    assert _pages_off(flattr_log) == expected


def test_translations_are_things_of_their_own(site, flattr_log):
    files = {
        "en.md": article("Soldering basics", "Alice", slug="solder", lang="en"),
        "de.md": article("Grundlagen des Lötens", "Alice", slug="solder", lang="de"),
        "he.md": article("Hebrew post", "Alice", lang="he"),
        "eo1.md": article("Esperanto unu", "Alice", lang="eo"),
        "eo2.md": article("Esperanto du", "Alice", lang="eo"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    languages = {s: t["language"] for s, t in manifest_things(output).items()}
    assert languages == {
        "en.md": "en_GB",
        "de.md": "de_DE",
        "he.md": "iw_IL",
        "eo1.md": "en_GB",
        "eo2.md": "en_GB",
    }
    soup = page(output / "solder-de.html")
    assert og(soup, "og:locale") == ["de_DE"]
    # The page's language, not the English its thing stands in with.
    assert og(page(output / "esperanto-unu-eo.html"), "og:locale") == ["eo"]
    warnings = [r.getMessage() for r in flattr_log.records if "'eo'" in r.getMessage()]
    assert len(warnings) == 1 and "en_GB" in warnings[0]


def test_a_translation_is_its_translators_thing_or_names_the_originals_owner(
    site, flattr_log
):
    # Without i18n_subsites, a translation is a page of its own: its own
    # thing, owned by its own author. Pinned to the original's URL, it would
    # take the original's thing: refused. Its Flattr_owner is how it pays
    # the original's author instead.
    files = {
        "en.md": article("Soldering basics", "Alice", slug="solder", lang="en"),
        "de.md": article("Grundlagen des Lötens", "Bob", slug="solder", lang="de"),
        "fr.md": article(
            "Les bases", "Bob", slug="solder", lang="fr", flattr_owner="alice"
        ),
        "es.md": article(
            "Soldar",
            "Bob",
            slug="solder",
            lang="es",
            flattr_url=f"{SITEURL}/solder.html",
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    owners = {s: (t["url"], t["owner"]["value"]) for s, t in things.items()}
    assert owners == {
        "en.md": (f"{SITEURL}/solder.html", "alice"),
        "de.md": (f"{SITEURL}/solder-de.html", "twitter:user:id:123"),
        "fr.md": (f"{SITEURL}/solder-fr.html", "alice"),
    }
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert errors == [
        f"pelican-flattr: es.md: metadata 'flattr_url' pins {SITEURL}/solder.html, "
        "the URL of en.md's own page, which keeps that thing; Flattr keeps one "
        "thing per URL, so es.md gets no Flattr button (pin a different "
        "flattr_url, or remove it)"
    ]


def test_og_locale_keeps_the_pages_territory(site):
    output = site(
        {"a.md": article("Olá mundo", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_LANG="pt-BR",
    )
    assert manifest_things(output)["a.md"]["language"] == "pt_PT"
    assert og(page(output / "ola-mundo.html"), "og:locale") == ["pt_BR"]


@pytest.mark.parametrize(
    "lang, flattr_language, language, locale",
    [
        # The thing in another language than its page: the page's own
        # territory, from Flattr's code for the page's language.
        ("en", "de_AT", "de_DE", "en_GB"),
        ("he", "de_DE", "de_DE", "he_IL"),
        # Bokmål is Flattr's Norwegian, no_NO; the page says nb.
        ("nb", "", "no_NO", "nb_NO"),
    ],
)
def test_og_locale_is_the_pages_own_language_and_territory(
    site, lang, flattr_language, language, locale
):
    meta = {"flattr_language": flattr_language} if flattr_language else {}
    output = site(
        {"a.md": article("Some article", "Alice", lang=lang, **meta)},
        FLATTR_AUTHORS=AUTHORS,
    )
    thing = manifest_things(output)["a.md"]
    assert thing["language"] == language
    assert og(page(output / thing["page"]), "og:locale") == [locale]


@pytest.mark.parametrize(
    "lang, language, locale",
    [
        # gettext's Serbian in Latin script: Serbian, as sr-Latn is.
        ("sr@latin", "sr_RS", "sr_RS"),
        ("ca_ES@valencia", "ca_ES", "ca_ES"),
        # Traditional Chinese: Flattr's one Chinese code, but the page is
        # not in the simplified script of zh_CN.
        ("zh-Hant", "zh_CN", "zh_TW"),
        ("zh-Hant-HK", "zh_CN", "zh_HK"),
        # A variant says nothing of where: the territory before it does.
        ("de-CH-1901", "de_DE", "de_CH"),
        # A language Flattr never had, with no territory: the language alone.
        ("uz@cyrillic", "en_GB", "uz"),
    ],
)
def test_a_locale_with_a_script_or_modifier_is_the_pages_language(
    site, flattr_log, lang, language, locale
):
    output = site(
        {"a.md": article("Some article", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_LANG=lang,
    )
    assert manifest_things(output)["a.md"]["language"] == language
    assert og(page(output / "some-article.html"), "og:locale") == [locale]
    # The tag as written: an "@" in it was taken for an address, and hidden.
    warnings = [
        r.getMessage() for r in flattr_log.records if "no code for" in r.getMessage()
    ]
    if language == "en_GB":
        assert warnings == [
            f"pelican-flattr: Flattr has no code for language {lang!r} (first seen "
            "in a.md); its things use en_GB"
        ]
    else:
        assert warnings == []


@pytest.mark.parametrize(
    "lang, locale",
    [
        # No language of ISO 639: the site's, as for a page without one.
        ("x-klingon", "en_GB"),
        ("i-klingon", "en_GB"),
        ('de_DE"><x>', "en_GB"),
        # A region of many countries (Latin America, the world) is no
        # territory of ll_TT, nor any one of them: the language alone.
        ("es-419", "es"),
        ("en-001", "en"),
    ],
)
def test_og_locale_claims_no_language_or_country_the_page_does_not(site, lang, locale):
    output = site(
        {"a.md": article("Some article", "Alice", lang=lang)},
        FLATTR_AUTHORS=AUTHORS,
    )
    thing = manifest_things(output)["a.md"]
    assert og(page(output / thing["page"]), "og:locale") == [locale]


@pytest.mark.parametrize(
    "value, language", [("sr@latin", "sr_RS"), ("ca_ES@valencia", "ca_ES")]
)
def test_flattr_language_with_a_gettext_modifier_is_no_address(site, value, language):
    # The "@" of a modifier was taken for an address as the file was read,
    # and the field hidden: the article lost its button as "'[address
    # hidden]', which Flattr has no code for". An address there still is.
    output = site(
        {
            "a.md": article("Some article", "Alice", flattr_language=value),
            "b.md": article("Another", "Alice", flattr_language="carol@example.org"),
        },
        FLATTR_AUTHORS=AUTHORS,
    )
    things = manifest_things(output)
    assert things["a.md"]["language"] == language
    assert "b.md" not in things
    assert "carol@example.org" not in (output / "flattr-manifest.json").read_text()


def test_description_is_pelicans_summary_by_paragraphs_and_without_a_toc(site):
    body = """
        Only the first paragraph is the summary.

        ## A heading

        A second paragraph that Pelican leaves out of the summary.
    """
    rst = """\
Contents first
##############

:author: Alice
:date: 2024-03-01 10:00

.. contents::

Introduction
============

The introduction says what the piece is about, in enough words.
"""
    output = site(
        {"a.md": article("By paragraphs", "Alice", body)},
        FLATTR_AUTHORS=AUTHORS,
        SUMMARY_MAX_PARAGRAPHS=1,
    )
    description = manifest_things(output)["a.md"]["description"]
    # Pelican 4.10 added SUMMARY_MAX_PARAGRAPHS, 4.12 took the table of
    # contents out of its summary; the plugin follows the Pelican at hand.
    if hasattr(pelican_utils, "truncate_html_paragraphs"):
        assert description == "Only the first paragraph is the summary."
    else:
        assert description.startswith("Only the first paragraph is the summary. A")
    # Not "Contents Introduction The introduction...": the table of contents
    # goes, as it goes from Pelican's summary.
    output = site({"b.rst": rst}, FLATTR_AUTHORS=AUTHORS)
    description = manifest_things(output)["b.rst"]["description"]
    if hasattr(pelican_utils, "strip_toc_elements_from_html"):
        assert description.startswith("Introduction The introduction")
    else:
        assert description.startswith("Contents Introduction Introduction The")


def test_description_leaves_out_markdowns_toc_and_footnotes(site):
    # Python-Markdown's "[TOC]" led the description with the titles of the
    # sections, and its footnotes glued their numbers to the words and
    # added their notes with a back-link arrow ("claim1. Source ↩").
    body = """
        [TOC]

        ## Section A

        A claim[^code] in the first section[^later].

        ## Section B

        Paragraph B.

        [^code]: Run this:

                print("in a note")

        [^later]: A later note, after the note's own highlighted code.
    """
    markdown = {
        "extension_configs": {
            "markdown.extensions.toc": {},
            "markdown.extensions.extra": {},
            "markdown.extensions.codehilite": {"css_class": "highlight"},
        },
        "output_format": "html5",
    }
    files = {"a.md": article("Table first", "Alice", body)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, MARKDOWN=markdown)
    page_html = (output / "table-first.html").read_text()
    assert 'class="toc"' in page_html and "print(" in page_html  # as written
    thing = manifest_things(output)["a.md"]
    assert thing["description"] == (
        "Section A A claim in the first section. Section B Paragraph B."
    )
    assert og(page(output / "table-first.html"), "og:description") == [
        thing["description"]
    ]


def shown_descriptions(output, thing) -> list[str]:
    """A thing's description as its built page shows it: og:description
    and the ``description`` of its button's auto-submit URL."""
    soup = page(output / thing["page"])
    (button,) = flattr_buttons(soup)
    query = parse_qs(urlsplit(button["href"]).query)
    return og(soup, "og:description") + query["description"]


@pytest.mark.parametrize(
    "toc", [{"permalink": True}, {"permalink": "Link", "anchorlink": True}]
)
def test_description_leaves_out_heading_permalinks(site, toc):
    # With the toc extension's permalink on, every heading ended with an
    # anchor whose text joined the heading's: "Intro¶ First paragraph".
    # Its class named in prose, as code, is text and stays.
    body = """
        ## Intro

        First paragraph, naming `<a class="headerlink">` as code.

        ## Second

        More words.
    """
    markdown = {
        "extension_configs": {"markdown.extensions.toc": toc},
        "output_format": "html5",
    }
    files = {"a.md": article("Permalinks", "Alice", body)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, MARKDOWN=markdown)
    assert 'class="headerlink"' in (output / "permalinks.html").read_text()
    thing = manifest_things(output)["a.md"]
    assert thing["description"] == (
        'Intro First paragraph, naming <a class="headerlink"> as code. '
        "Second More words."
    )
    assert shown_descriptions(output, thing) == [thing["description"]] * 2


def _html5_rst_reader():
    """Pelican's reStructuredText reader with docutils' html5 writer, which
    writes footnotes as <aside> and citations as <div> lists."""
    from docutils.writers import html5_polyglot
    from pelican.readers import RstReader

    return type("Html5RstReader", (RstReader,), {"writer_class": html5_polyglot.Writer})


def _rst_article(title: str, body: str, day: int = 1) -> str:
    """A reStructuredText article by Alice."""
    return (
        f"{title}\n{'#' * len(title)}\n\n:author: Alice\n"
        f":date: 2024-03-{day:02} 10:00\n\n{body}"
    )


@pytest.mark.parametrize("writer", ["pelican", "html5"])
def test_description_leaves_out_rst_footnotes_and_citations(site, writer):
    # A footnote reference put "[1]" after its word, and in a short article
    # the notes themselves followed: "claim [1] ... [1] The note text."
    # The class of a reference named in prose, as a literal, stays.
    rst = _rst_article(
        "Noted",
        "A claim [#]_ that a source backs [CIT2002]_, in the first sentence.\n"
        'Prose may name ``class="footnote-reference"`` as a literal.\n\n'
        ".. [#] The note text.\n"
        ".. [CIT2002] The citation text.\n",
    )
    readers = {"rst": _html5_rst_reader()} if writer == "html5" else {}
    output = site({"a.rst": rst}, FLATTR_AUTHORS=AUTHORS, READERS=readers)
    page_html = (output / "noted.html").read_text()
    assert "The note text." in page_html and "The citation text." in page_html
    thing = manifest_things(output)["a.rst"]
    assert thing["description"] == (
        "A claim that a source backs, in the first sentence. Prose may name "
        'class="footnote-reference" as a literal.'
    )
    assert shown_descriptions(output, thing) == [thing["description"]] * 2


@pytest.mark.parametrize("writer", ["pelican", "html5"])
def test_description_leaves_out_rst_notes_nothing_refers_to(site, writer):
    # A citation that no reference points to (docutils keeps it) holds none
    # of a reference's classes: it stayed, "[CIT2002] Smith, A book." after
    # the text. With the html5 writer and ids prefixed "id" (docutils'
    # default before 0.18, a setting still), a reference's id is "id1",
    # not "footnote-reference-1": its "[1]" stayed.
    uncited = _rst_article("Uncited", "A short text.\n\n.. [CIT2002] Smith, A book.\n")
    noted = _rst_article("Noted", "A claim [1]_ here.\n\n.. [1] The note.\n", day=2)
    readers = {"rst": _html5_rst_reader()} if writer == "html5" else {}
    output = site(
        {"a.rst": uncited, "b.rst": noted},
        FLATTR_AUTHORS=AUTHORS,
        READERS=readers,
        DOCUTILS_SETTINGS={"auto_id_prefix": "id"},
    )
    assert "Smith, A book." in (output / "uncited.html").read_text()
    things = manifest_things(output)
    assert things["a.rst"]["description"] == "A short text."
    assert things["b.rst"]["description"] == "A claim here."
    for thing in things.values():
        assert shown_descriptions(output, thing) == [thing["description"]] * 2


def test_description_leaves_out_simple_footnotes(site):
    # pelican-simple-footnotes turns "[ref]note[/ref]" into a numbered <sup>
    # and a list of notes at the end (as html5lib writes them, the title
    # quoted with ' where the note holds a "): the description read "a
    # claim1 ... The note. ↩︎". The body holds that markup as the plugin
    # leaves it, so that the test needs no simple_footnotes; an author's
    # own <sup> and <ol>, and an <ol> in the note, are no footnote markup.
    body = """
        E = mc<sup>2</sup>, a claim<sup id="sf-notes-1-back"><a href="#sf-notes-1" class="simple-footnote" title="The first note.">1</a></sup> and another<sup id="sf-notes-2-back"><a href="#sf-notes-2" class="simple-footnote" title='Write <sup> as "sup".'>2</a></sup>.

        <ol class="steps"><li>Heat the iron.</li></ol>

        <ol class="simple-footnotes"><li id="sf-notes-1">The first note. <a href="#sf-notes-1-back" class="simple-footnote-back">↩︎</a></li><li id="sf-notes-2">Write <code>&lt;sup&gt;</code> as "sup".<ol><li>A list in a note.</li></ol> <a href="#sf-notes-2-back" class="simple-footnote-back">↩︎</a></li></ol>
    """  # noqa: E501 (the markup is one line, as the plugin writes it)
    output = site({"a.md": article("Notes", "Alice", body)}, FLATTR_AUTHORS=AUTHORS)
    page_html = (output / "notes.html").read_text()
    assert 'class="simple-footnotes"' in page_html  # as written
    thing = manifest_things(output)["a.md"]
    assert thing["description"] == "E = mc2, a claim and another. Heat the iron."
    assert shown_descriptions(output, thing) == [thing["description"]] * 2


def test_description_keeps_an_authors_aside_with_a_toc_class(site):
    # Python-Markdown's classes count on its <div>s alone: an author's own
    # <aside class="toc"> in raw HTML is part of the article.
    body = """
        Keep these words.

        <aside class="toc">An aside the author wrote.</aside>

        <div class="toc"><ul><li>Generated contents</li></ul></div>

        The end.
    """
    output = site({"a.md": article("Asides", "Alice", body)}, FLATTR_AUTHORS=AUTHORS)
    thing = manifest_things(output)["a.md"]
    assert thing["description"] == (
        "Keep these words. An aside the author wrote. The end."
    )


def test_a_wrapped_summary_is_one_line_per_paragraph(site):
    # A Summary: wrapped by an editor kept each source line break as a line
    # break of the description: a "%0A" in the auto-submit URL and the
    # manifest, where a reader of the page sees one paragraph.
    markdown = article("Wrapped", "Alice").replace(
        "\n\n",
        "\nSummary: This summary was wrapped by an editor at\n"
        "    seventy two columns, as one paragraph.\n\n",
        1,
    )
    rst = """\
Wrapped too
###########

:author: Alice
:date: 2024-03-01 10:00
:summary: A first paragraph, wrapped by an editor
    at seventy two columns.

    A second paragraph.

The body.
"""
    output = site({"a.md": markdown, "b.rst": rst}, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    assert things["a.md"]["description"] == (
        "This summary was wrapped by an editor at seventy two columns, as one "
        "paragraph."
    )
    # A paragraph's end is a line break still, as Flattr shows it.
    assert things["b.rst"]["description"] == (
        "A first paragraph, wrapped by an editor at seventy two columns.\n"
        "A second paragraph."
    )
    assert "%0A" not in things["a.md"]["auto_submit_url"]
    # A meta tag's content is one line: what link previews show.
    assert og(page(output / "wrapped-too.html"), "og:description") == [
        "A first paragraph, wrapped by an editor at seventy two columns. "
        "A second paragraph."
    ]


@pytest.mark.parametrize(
    ("body", "description"),
    [
        # As Pelican's summary: SUMMARY_MAX_LENGTH words and no more, an
        # ellipsis only where words were left out.
        ("One two three four five.", "One two three four five."),
        ("One two three four five six.", "One two three four five …"),
    ],
)
def test_the_description_is_cut_to_summary_max_length_words(site, body, description):
    files = {"a.md": article("Short", "Alice", body)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, SUMMARY_MAX_LENGTH=5)
    assert manifest_things(output)["a.md"]["description"] == description


# Two plugins that change articles' summaries once all are read, as
# render_math and the summary plugin do, on the signal where the plugin
# reads descriptions (all_generators_finalized), which Pelican sends to
# plugins in the order PLUGINS lists them.
SUMMARY_PLUGINS = {
    # render_math: Pelican's summary (cut, with SUMMARY_END_SUFFIX) and a
    # MathJax script put in metadata["summary"], its memo cleared.
    "math_like": """
from pelican import signals
from pelican.generators import ArticlesGenerator


def copy_summaries(generators):
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            for article in generator.articles:
                summary = article.summary
                article.get_summary.func.__self__.cache.clear()
                article.metadata["summary"] = (
                    f"{summary}<script type='text/javascript'>MathJax</script>"
                )


def register():
    signals.all_generators_finalized.connect(copy_summaries)
""",
    # summary: the text before its end marker in metadata["summary"].
    "marked_summary": """
from pelican import signals
from pelican.generators import ArticlesGenerator


def mark_summaries(generators):
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            for article in generator.articles:
                marked = article._content.partition("<!-- END -->")[0]
                article.metadata["summary"] = marked


def register():
    signals.all_generators_finalized.connect(mark_summaries)
""",
}


def test_plugins_order_decides_whose_summary_the_description_is(site, tmp_path):
    # The README's order: pelican_flattr after a plugin that makes
    # summaries, before render_math. After render_math, its copy of
    # Pelican's summary, read as an author's Summary:, kept the paragraphs'
    # line breaks and Pelican's own cut. Each order is built in a process
    # of its own: in this one, the plugin's receivers stay connected from
    # the builds before, ahead of any plugin connected later.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name, source in SUMMARY_PLUGINS.items():
        (plugins / f"{name}.py").write_text(source, encoding="utf-8")
    body = """
        Euler says $e^{i\\pi}+1=0$ in one line.

        A second paragraph.
        <!-- END -->

        A third paragraph, after the marker.
    """
    files = {"a.md": article("Math", "Alice", body)}
    settings = {"FLATTR_AUTHORS": AUTHORS, "SUMMARY_MAX_LENGTH": 12}

    def description(*plugins_listed: str) -> str:
        folder = tmp_path / "-".join(plugins_listed)
        built = child_build(
            folder,
            files,
            PLUGIN_PATHS=[str(plugins)],
            PLUGINS=list(plugins_listed),
            **settings,
        )
        assert built.status == 0, built.messages
        return manifest_things(folder / "output")["a.md"]["description"]

    alone = manifest_things(site(files, **settings))["a.md"]["description"]
    assert alone == (
        "Euler says $e^{i\\pi}+1=0$ in one line. A second paragraph. A third "
        "paragraph, …"
    )
    assert description("pelican_flattr", "math_like") == alone
    # Pelican's cut, which counts the formula's letters and digits as words.
    assert description("math_like", "pelican_flattr") == (
        "Euler says $e^{i\\pi}+1=0$ in one line.\nA second …"
    )
    assert description("marked_summary", "pelican_flattr") == (
        "Euler says $e^{i\\pi}+1=0$ in one line.\nA second paragraph."
    )
    assert description("pelican_flattr", "marked_summary") == alone


def _site_things_parameters(site, **settings) -> dict[str, list[str]]:
    """The auto-submit parameters of the site's own thing: its feed's own
    payment link, in a site owned by FLATTR_USERNAME."""
    output = site(
        {"a.md": article("An article", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_USERNAME="alice",
        FEED_ALL_ATOM="feeds/all.atom.xml",
        **settings,
    )
    feed = ElementTree.parse(output / "feeds" / "all.atom.xml").getroot()
    links = feed.findall("{http://www.w3.org/2005/Atom}link")
    (own,) = [link for link in links if link.get("rel") == "payment"]
    return parse_qs(urlsplit(own.get("href")).query)


def test_the_feeds_own_thing_takes_flattr_tags_as_an_articles_thing_does(site):
    # FLATTR_TAGS as written: the feed's own payment link (the site's
    # thing) holds no ";" nor one tag twice, as an article's thing.
    tags = ["Pelican", "pelican", "x;y"]
    assert _site_things_parameters(site, FLATTR_TAGS=tags)["tags"] == ["Pelican,x y"]


def test_the_site_things_description_keeps_sitesubtitles_line_breaks(site):
    # As Flattr shows a description, and as an article's keeps them.
    subtitle = "Fish &amp; chips,<br>daily."
    query = _site_things_parameters(site, SITESUBTITLE=subtitle)
    assert query["description"] == ["Fish & chips,\ndaily."]


def test_an_empty_summary_leaves_the_body_to_describe_the_thing(site):
    # As a template every post starts from may leave it: no summary, not
    # one with no words (for which the title would stand in).
    body = "The body's own words describe this thing."
    files = {"a.md": article("Blank summary", "Alice", body, summary=" ")}
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert manifest_things(output)["a.md"]["description"] == body


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        ("jp", "did you mean 'ja' (Japanese)? 'jp' is Japan's country code"),
        ("CN", "did you mean 'zh' (Chinese)? 'CN' is China's country code"),
        ("ua-UA", "did you mean 'uk' (Ukrainian)? 'ua' is Ukraine's country code"),
        # A country's code that is another language's code too: both said.
        (
            "se",
            "did you mean 'sv' (Swedish)? 'se' is Sweden's country code (and "
            "Northern Sami's language code)",
        ),
        # A language Flattr lacks that is no country's code: no guess.
        ("fa", None),
    ],
)
def test_a_countrys_code_written_for_a_language_is_asked_after_the_language(
    site, flattr_log, lang, hint
):
    # "Flattr has no code for language 'jp'" left the author to work out
    # that Japanese is 'ja': 'jp', 'cn', 'ua' are the countries' codes.
    files = {"l.md": article("Some article", "Alice", lang=lang)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, DEFAULT_LANG="de")
    assert manifest_things(output)["l.md"]["language"] == "de_DE"
    warnings = [
        r.getMessage() for r in flattr_log.records if "no code for" in r.getMessage()
    ]
    said = (
        f"pelican-flattr: Flattr has no code for language {lang!r} (first seen in "
        "l.md); its things use de_DE"
    )
    if hint:
        meant = hint.split("'")[1]
        said += (
            f"; {hint}: if so, write Lang: {meant} (or Flattr_language: {meant}, "
            "for the thing's language alone)"
        )
    assert warnings == [said]


def test_a_countrys_code_in_default_lang_is_asked_after_in_the_setting(
    site, flattr_log
):
    # "write Lang: ja" in each file would leave the setting that says 'jp'.
    files = {"l.md": article("Some article", "Alice")}
    site(files, FLATTR_AUTHORS=AUTHORS, DEFAULT_LANG="jp")
    (said,) = [
        r.getMessage() for r in flattr_log.records if "no code for" in r.getMessage()
    ]
    assert said.endswith(
        "its things use en_GB; did you mean 'ja' (Japanese)? 'jp' is Japan's "
        "country code: if so, set DEFAULT_LANG = 'ja' (or FLATTR_LANGUAGE = "
        "'ja', for the things' language alone)"
    )


def test_a_countrys_code_in_flattr_language_or_its_field_is_asked_after(
    site, flattr_log
):
    # Lang: jp and DEFAULT_LANG = 'jp' were asked after; FLATTR_LANGUAGE
    # and the Flattr_language field (which costs the thing its button) not.
    from pelican_flattr.settings import read_settings

    asked = "; did you mean 'ja' (Japanese)? 'jp' is Japan's country code"
    settings, problems = read_settings({"FLATTR_LANGUAGE": "jp", "SITEURL": SITEURL})
    assert settings is None
    assert problems == [
        "FLATTR_LANGUAGE is 'jp', which Flattr has no code for; use a code such as "
        "en_GB, de_DE or sv_SE (see the README)" + asked
    ]
    files = {"l.md": article("Some article", "Alice", Flattr_language="jp")}
    site(files, FLATTR_AUTHORS=AUTHORS)
    (said,) = [r.getMessage() for r in flattr_log.records if "jp" in r.getMessage()]
    assert said == (
        "pelican-flattr: l.md: metadata 'flattr_language' is 'jp', which Flattr "
        "has no code for; use one such as en_GB, de_DE or sv_SE"
        + asked
        + "; it gets no Flattr button"
    )


def test_default_language_follows_default_lang(site):
    output = site(
        {"a.md": article("Ett svenskt inlägg", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        DEFAULT_LANG="sv",
    )
    assert manifest_things(output)["a.md"]["language"] == "sv_SE"


def test_open_graph_tags(site):
    files = {
        "a.md": article(
            "Open Graph everywhere",
            "Alice",
            BODY,
            # A tag repeated in another case is one tag, as in the thing's.
            tags="one, two, One",
            category="Hardware",
            modified="2024-04-02 08:00",
            og_image="{static}/images/cover.png",
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    soup = page(output / "open-graph-everywhere.html")
    thing = manifest_things(output)["a.md"]
    assert og(soup, "og:type") == ["article"]
    assert og(soup, "og:description") == [thing["description"]]
    assert og(soup, "og:site_name") == ["Example Community"]
    assert og(soup, "og:locale") == ["en_GB"]
    assert og(soup, "og:image") == [f"{SITEURL}/images/cover.png"]
    assert og(soup, "article:published_time") == ["2024-03-01T10:00:00+00:00"]
    assert og(soup, "article:modified_time") == ["2024-04-02T08:00:00+00:00"]
    assert og(soup, "article:author") == ["Alice"]
    assert og(soup, "article:section") == ["Hardware"]
    assert og(soup, "article:tag") == ["one", "two"]


def test_og_site_name_is_the_plain_text_of_sitename(site):
    # SITENAME is HTML to Pelican's themes (Fish &amp; Chips): og:site_name
    # is the text a reader sees, as the thing's title takes it.
    output = site(
        {"a.md": article("An article", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        SITENAME="Fish &amp; <em>Chips</em>",
    )
    assert og(page(output / "an-article.html"), "og:site_name") == ["Fish & Chips"]


def test_open_graph_names_hold_no_control_character(site):
    # Pelican keeps them in names, and HTML forbids them: cleaned as the
    # thing's tags are.
    files = {
        "a.md": article(
            "Bells", "Ali\x07ce", tags="bell\x07tag", category="Hard\x1bware"
        )
    }
    output = site(files, FLATTR_AUTHORS={"Ali\x07ce": "alice"})
    soup = page(output / "bells.html")
    assert og(soup, "article:author") == ["Ali ce"]
    assert og(soup, "article:section") == ["Hard ware"]
    assert og(soup, "article:tag") == ["bell tag"]


@pytest.mark.parametrize(
    ("siteurl", "image_base"),
    [
        # A moved site keeps its thing URLs on the old base; its files are
        # on the new one.
        ("https://new.example.net", "https://new.example.net"),
        # A development SITEURL (RELATIVE_URLS, FLATTR_SITEURL set as the
        # README advises): a preview of the published page needs its image.
        ("http://localhost:8000", "http://old.example.org"),
        # Without an absolute SITEURL, FLATTR_SITEURL is the only base.
        ("", "http://old.example.org"),
    ],
)
def test_og_image_is_a_file_of_the_site_as_built(site, siteurl, image_base):
    files = {
        "a.md": article("Moved", "Alice", og_image="{static}/images/cover.png"),
        "b.md": article("Relative", "Alice", image="images/cover.png"),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        SITEURL=siteurl,
        FLATTR_SITEURL="http://old.example.org",
    )
    for name in ("moved.html", "relative.html"):
        soup = page(output / name)
        assert og(soup, "og:image") == [f"{image_base}/images/cover.png"]
        assert og(soup, "og:url") == [f"http://old.example.org/{name}"]


def test_open_graph_can_be_switched_off(site):
    output = site(
        {"a.md": article("No Open Graph", "Alice")},
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_OPEN_GRAPH=False,
    )
    soup = page(output / "no-open-graph.html")
    assert soup.find("meta", property="og:title") is None
    assert len(payment_links(soup)) == 1


def test_autoreload_runs_do_not_double_anything(tmp_path):
    """``pelican --autoreload`` calls run() again on the same instance."""
    from conftest import build
    from pelican import Pelican
    from pelican.settings import read_settings

    from pelican_flattr import build as flattr_build

    output = build(tmp_path, community(), FLATTR_AUTHORS=AUTHORS)
    settings = read_settings(
        path=None,
        override={
            "PATH": str(tmp_path / "content"),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(tmp_path / "cache"),
            "SITEURL": SITEURL,
            "PLUGINS": ["pelican_flattr"],
            "FLATTR_AUTHORS": AUTHORS,
            "CACHE_CONTENT": False,
            "TIMEZONE": "UTC",
        },
    )
    pelican = Pelican(settings=settings)
    pelican.run()
    first_state = flattr_build.current
    first = (output / "flattr-manifest.json").read_bytes()
    carol = manifest_things(output)["carol.md"]["owner"]
    (tmp_path / "content" / "bob.md").unlink()
    pelican.run()
    # The same Pelican run again is no build inside the last one: the
    # second run keeps its own state, and none is kept aside.
    assert flattr_build.outer_builds == []
    assert (
        flattr_build.current is not first_state
        and flattr_build.current.pelican is pelican
    )
    things = manifest_things(output)
    assert "bob.md" not in things and len(things) == 3
    # The settings now hold Carol's address hashed: the same owner again.
    assert "@" not in settings["FLATTR_AUTHORS"]["Carol"]
    assert things["carol.md"]["owner"] == carol
    assert carol["kind"] == "email"
    assert first != (output / "flattr-manifest.json").read_bytes()
    soup = page(output / "alice-writes-things.html")
    assert len(flattr_buttons(soup)) == 1 and len(payment_links(soup)) == 1


def test_a_run_that_fails_half_way_leaves_no_spool_open_to_the_next(tmp_path):
    # A run that raises after writing its article pages never reaches the
    # manifest, which closes the spool of their auto-submit URLs: the next
    # run of pelican --autoreload must close it, or each failed try kept a
    # temporary file open until the garbage collector came by.
    from conftest import build
    from pelican import Pelican
    from pelican.settings import read_settings

    from pelican_flattr import build as flattr_build

    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "index.html").write_text("{{ 1 // 0 }}")  # after the articles
    authors = {"Alice": "alice"}
    files = {"alice.md": community()["alice.md"]}
    output = build(tmp_path / "site", files, FLATTR_AUTHORS=authors)
    settings = read_settings(
        path=None,
        override={
            "PATH": str(tmp_path / "site" / "content"),
            "OUTPUT_PATH": str(output),
            "CACHE_PATH": str(tmp_path / "cache"),
            "SITEURL": SITEURL,
            "PLUGINS": ["pelican_flattr"],
            "FLATTR_AUTHORS": authors,
            "THEME_TEMPLATES_OVERRIDES": [str(theme)],
            "TIMEZONE": "UTC",
        },
    )
    pelican = Pelican(settings=settings)
    with pytest.raises(ZeroDivisionError):
        pelican.run()
    spool = flattr_build.current.url_spool
    url = manifest_things(output)["alice.md"]["url"]
    assert spool.get(url) is not None  # its page was written
    (theme / "index.html").unlink()
    pelican.run()
    assert spool.get(url) is None


def generator_cache(tmp_path: Path) -> dict[str, object]:
    """Settings for Pelican's content cache, kept by the generators (which
    cache whole content objects, their settings included)."""
    return {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
        "CACHE_PATH": str(tmp_path / "cache"),
    }


def test_content_cache_keeps_buttons(tmp_path):
    from conftest import build

    cache = generator_cache(tmp_path)
    first = build(tmp_path, community(), FLATTR_AUTHORS=AUTHORS, **cache)
    before = (first / "flattr-manifest.json").read_bytes()
    second = build(tmp_path, {}, FLATTR_AUTHORS=AUTHORS, **cache)
    assert (second / "flattr-manifest.json").read_bytes() == before
    assert len(flattr_buttons(page(second / "dan-writes-things.html"))) == 1


def test_a_cached_article_keeps_the_page_its_settings_gave_it(tmp_path):
    # The generators' cache keeps each article with the settings it was read
    # with, and Pelican writes it where those say: the manifest must name
    # the page Pelican wrote, not one this build's URL settings would give.
    from conftest import build

    cache = dict(generator_cache(tmp_path), FLATTR_AUTHORS=AUTHORS)
    build(
        tmp_path,
        community(),
        ARTICLE_URL="{slug}/",
        ARTICLE_SAVE_AS="{slug}/index.html",
        **cache,
    )
    output = build(
        tmp_path, {}, ARTICLE_URL="{slug}.html", ARTICLE_SAVE_AS="{slug}.html", **cache
    )
    things = manifest_things(output)
    assert things
    for source, thing in things.items():
        assert (output / thing["page"]).is_file(), (source, thing["page"])
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize("cache_layer", [None, "reader", "generator"])
def test_plain_email_never_reaches_output_or_log(site, flattr_log, cache_layer):
    files = community(
        **{
            "x.md": article(
                "Owner in metadata", "Zed", flattr_owner="email:dan@example.net"
            )
        }
    )
    authors = dict(AUTHORS, Broken="email:broken@")
    # Pelican's content cache pickles every article with its settings and
    # metadata: it is a file the build writes, too.
    cache = (
        {}
        if cache_layer is None
        else {
            "CACHE_CONTENT": True,
            "LOAD_CONTENT_CACHE": True,
            "CONTENT_CACHING_LAYER": cache_layer,
            "FLATTR_USERNAME": "email:site@example.org",
        }
    )
    # Every level: an address in an INFO or DEBUG line is a leak too.
    flattr_log.set_level(logging.DEBUG, logger="pelican_flattr")
    output = site(files, FLATTR_AUTHORS=authors, **cache)
    assert any(r.levelname == "INFO" for r in flattr_log.records)
    written = list(output.rglob("*")) + list((output.parent / "cache").rglob("*"))
    assert cache_layer is None or any("cache" in path.parts for path in written)
    for path in written:
        if path.is_file():
            if path.suffix == ".gz" or path.read_bytes()[:2] == b"\x1f\x8b":
                data = gzip.decompress(path.read_bytes()).lower()
            else:
                data = path.read_bytes().lower()
            for address in (
                b"carol@example.org",
                b"dan@example.net",
                b"broken@",
                b"site@example.org",
            ):
                assert address not in data, path
                assert address.replace(b"@", b"%40") not in data, path
    assert not any("@" in r.getMessage() for r in flattr_log.records)


def test_strict_build_fails_with_one_clear_message(site, flattr_log):
    files = {"bad.md": article("Bad category here", "Alice", flattr_category="blog")}
    with pytest.raises(FlattrBuildError) as raised:
        # Only Alice: a key naming no author is a problem of its own.
        site(files, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)
    assert raised.value.code == 1
    assert "1 problem" in str(raised.value)
    # Without strict, the same build succeeds and only that article loses its button.
    files["ok.md"] = article("A good one here", "Alice")
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"ok.md"}


@pytest.mark.parametrize(
    ("siteurl", "not_run"),
    [
        (SITEURL, "neither the checks made as pages are written nor the URL guard ran"),
        # A development address keeps no baseline: no guard to miss.
        ("http://localhost:8000", "the checks made as pages are written did not run"),
    ],
)
def test_a_strict_build_stopped_on_metadata_leaves_the_last_output_whole(
    tmp_path, flattr_log, siteurl, not_run
):
    # It stops before Pelican writes a page: the last build's pages and
    # their manifest still agree, and removing the manifest would only make
    # the audit refuse a site that nothing changed. Its last word says what
    # it did not check, and no guard that its SITEURL never runs.
    from conftest import build

    options = {"FLATTR_AUTHORS": {"Alice": "alice"}, "SITEURL": siteurl}
    output = build(tmp_path, {"a.md": article("Alice writes", "Alice")}, **options)
    manifest = (output / "flattr-manifest.json").read_bytes()
    flattr_log.clear()
    bad = {"a.md": article("Alice writes", "Alice", flattr_category="nonsense")}
    with pytest.raises(FlattrBuildError):
        build(tmp_path, bad, FLATTR_STRICT=True, **options)
    assert (output / "flattr-manifest.json").read_bytes() == manifest
    (last,) = [r.getMessage() for r in flattr_log.records if r.levelname == "CRITICAL"]
    assert last == (
        "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed "
        f"({not_run}: more problems may follow once it is mended)"
    )


def test_a_build_pelicans_fatal_stops_on_metadata_leaves_the_last_output_whole(
    tmp_path, capsys
):
    # pelican --fatal errors stops at the plugin's first error: on an
    # article's metadata, before Pelican writes a page, as a strict build
    # stops. The last build's pages and manifest still agree: both stay.
    content, output = tmp_path / "content", tmp_path / "output"
    content.mkdir()
    (content / "a.md").write_text(article("Alice writes", "Alice"))
    owner = 'FLATTR_USERNAME="alice"'
    assert run_pelican(content, output, owner).returncode == 0
    manifest = (output / "flattr-manifest.json").read_bytes()
    written = (output / "alice-writes.html").read_bytes()
    bad = article("Alice writes", "Alice", flattr_category="nonsense")
    (content / "a.md").write_text(bad)
    failed = run_pelican(content, output, owner, "--fatal", "errors")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "metadata 'flattr_category' is 'nonsense'" in failed.stdout
    assert (output / "flattr-manifest.json").read_bytes() == manifest
    assert (output / "alice-writes.html").read_bytes() == written
    capsys.readouterr()
    assert audit_command(["audit", str(output)]) == 0


def test_a_build_pelicans_fatal_stops_as_pages_are_written_removes_the_manifest(
    tmp_path, capsys
):
    # A template's misspelt helper is said as its page is rendered: pelican
    # --fatal errors stops there, after the article's page is written, and
    # the last build's manifest stayed beside it.
    content, output, theme = tmp_path / "content", tmp_path / "output", tmp_path / "t"
    content.mkdir()
    theme.mkdir()
    (content / "a.md").write_text(article("Alice writes", "Alice"))
    owner = 'FLATTR_USERNAME="alice"'
    assert run_pelican(content, output, owner).returncode == 0
    (content / "a.md").write_text(article("Alice writes", "Alice", body="New words."))
    (theme / "index.html").write_text("{{ flattr_buton(articles[0]) }}")
    overrides = f'THEME_TEMPLATES_OVERRIDES=["{theme}"]'
    failed = run_pelican(content, output, owner, overrides, "--fatal", "errors")
    said = failed.stdout + failed.stderr
    assert failed.returncode == 1, said
    assert "flattr_buton is no helper of pelican-flattr" in said
    assert "New words." in (output / "alice-writes.html").read_text()
    assert not (output / "flattr-manifest.json").exists()
    capsys.readouterr()
    assert audit_command(["audit", str(output)]) == 2


def test_each_build_of_one_process_repeats_the_plugins_warnings(tmp_path, flattr_log):
    # As pelican --autoreload runs them: Pelican's log filter is not cleared
    # between builds, and shows a message once per process.
    from conftest import build

    files = {"a.md": article("Alice writes", "Alice")}
    authors = {"Alice": "alice", "Nobody": "nobody"}
    for fresh_log in (True, False):
        build(tmp_path, files, fresh_log=fresh_log, FLATTR_AUTHORS=authors)
    warnings = [
        r.getMessage()
        for r in flattr_log.records
        if "FLATTR_AUTHORS['Nobody'] names no author" in r.getMessage()
    ]
    assert len(warnings) == 2


def test_each_build_of_one_process_leaves_pelicans_own_warnings_to_it(tmp_path, caplog):
    # The plugin lets its own warnings be said again in each build of
    # pelican --autoreload; Pelican's keep its once-per-process filter, as
    # without the plugin.
    from conftest import build

    caplog.set_level(logging.WARNING)
    link = "A [link]({filename}/missing.md) to nothing."
    files = {"a.md": article("Alice writes", "Alice", link)}
    for fresh_log in (True, False):
        build(tmp_path, files, fresh_log=fresh_log, FLATTR_AUTHORS={"Alice": "alice"})
    pelicans = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("pelican.") and "missing.md" in r.getMessage()
    ]
    assert len(pelicans) == 1, pelicans


# As pelican --autoreload's loop runs a Pelican: in a child process, since
# i18n_subsites keeps module state that a run failing half-way leaves set.
_RETRIES = """
import json, logging, sys
from pathlib import Path
from pelican import Pelican
from pelican.settings import read_settings

root, languages = Path(sys.argv[1]), [code for code in sys.argv[2].split(",") if code]
theme = root / "broken" / "templates"
said = []

class Said(logging.Handler):
    def emit(self, record):
        said.append(record.getMessage())

settings = {
    "PATH": str(root / "content"),
    "OUTPUT_PATH": str(root / "output"),
    "CACHE_PATH": str(root / "cache"),
    "SITEURL": "https://blog.example.org",
    "PLUGINS": ["pelican_flattr"],
    "THEME_TEMPLATES_OVERRIDES": [str(theme)],
    "FLATTR_AUTHORS": {"Alice": "alice"},
    "FLATTR_AUTHOR": {"Alice": "alice"},  # misspelt: a warning
}
if languages:  # a language's site runs inside each run, and logs in it
    settings["PLUGINS"] = ["pelican_flattr", "pelican.plugins.i18n_subsites"]
    settings["I18N_SUBSITES"] = {code: {} for code in languages}
pelican = Pelican(read_settings(None, override=settings))
logging.getLogger("pelican_flattr").addHandler(Said())
counts = []
for _ in range(3):
    try:
        pelican.run()
    except ZeroDivisionError:
        pass
counts.append(sum("FLATTR_AUTHOR " in m for m in said))
(theme / "article.html").unlink()
pelican.run()
pelican.run()
counts.append(sum("FLATTR_AUTHOR " in m for m in said))
print(json.dumps(counts))
"""


# i18n_subsites runs each language's site from inside the last one's: with
# two, a run fails two builds deep.
@pytest.mark.parametrize("languages", ["", "de", "de,fr"])
def test_a_run_retried_after_a_failure_does_not_repeat_the_warnings(
    tmp_path, languages
):
    # pelican --autoreload runs a failed run() again at once, many times a
    # second until the template is mended: each try repeated every warning
    # of the plugin's, and buried the one error it retries for.
    theme = tmp_path / "broken" / "templates"
    theme.mkdir(parents=True)
    (theme / "article.html").write_text("{{ 1 // 0 }}")
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text(article("Alice writes", "Alice"))
    child = subprocess.run(
        [sys.executable, "-c", _RETRIES, str(tmp_path), languages],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=child_env(),
    )
    assert child.returncode == 0, child.stderr[-3000:]
    # Once over three failed tries; mended, the try that completes says it
    # again (it still applies), and so does each run after it.
    assert json.loads(child.stdout.splitlines()[-1]) == [1, 3]


# Runs of one Pelican, as pelican --autoreload's loop runs them (a failed
# one again at once), each after setting the theme's overriding templates
# and content files its step gives (None: removed): the plugin's messages
# of each run, and how it ended.
_TRIES = """
import json, logging, sys
from pathlib import Path
from pelican import Pelican
from pelican.settings import read_settings
root = Path(sys.argv[1])
settings, steps = json.loads(sys.argv[2])
said = []

class Said(logging.Handler):
    def emit(self, record):
        said.append(f"{record.levelname} {record.getMessage()}")

(root / "content").mkdir(exist_ok=True)
settings.update(
    PATH=str(root / "content"),
    OUTPUT_PATH=str(root / "output"),
    CACHE_PATH=str(root / "cache"),
    PLUGINS=["pelican_flattr"],
    THEME_TEMPLATES_OVERRIDES=[str(root / "templates")],
)
pelican = Pelican(read_settings(None, override=settings))
logging.getLogger("pelican_flattr").addHandler(Said())
runs = []
for step in steps:
    for name, text in step.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    try:
        pelican.run()
        ended = "done"
    # Pelican's FileOverwriteFailedError, a RuntimeError: a plain one in
    # older Pelicans, such as 4.9, the lowest the tests run under.
    except (ZeroDivisionError, RuntimeError):
        ended = "exception"
    except SystemExit:
        ended = "exit"
    runs.append([ended, said[:]])
    said.clear()
print(json.dumps(runs))
"""

BROKEN = {"templates/index.html": "{{ 1 // 0 }}"}
MENDED = {"templates/index.html": None}
GOOD_A = {"content/a.md": article("Alice writes", "Alice")}
BAD_A = {"content/a.md": article("Alice writes", "Alice", flattr_owner="email:x@@")}


def _tries(tmp_path: Path, settings: dict, steps: list[dict]) -> list:
    child = subprocess.run(
        [sys.executable, "-c", _TRIES, str(tmp_path), json.dumps([settings, steps])],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=child_env(),
    )
    assert child.returncode == 0, child.stderr[-3000:]
    return json.loads(child.stdout.splitlines()[-1])


@pytest.mark.parametrize("siteurl", ["", SITEURL])
def test_a_run_retried_after_a_failure_does_not_repeat_the_errors(tmp_path, siteurl):
    # Pelican's log filter lets every error through: each try repeated the
    # plugin's, hundreds a second, and buried the exception it retries for.
    # SITEURL = "" (pelican-quickstart's development settings) refuses the
    # settings; with a SITEURL, a.md's owner is refused.
    settings = {"SITEURL": siteurl, "FLATTR_AUTHORS": {"Alice": "alice"}}
    steps = [BAD_A, BROKEN, {}, {}, MENDED, {}]
    runs = _tries(tmp_path, settings, steps)
    assert [ended for ended, _ in runs] == ["done", *["exception"] * 3, "done", "done"]
    errors = [[m for m in said if m.startswith("ERROR")] for _, said in runs]
    assert errors[0], runs
    # Said by the first failed try, held back by the next ones, as the
    # warnings are; said again by the retry that completes, whose "Done"
    # stood alone under problems that still apply, and by the next run.
    assert errors == [errors[0], errors[0], [], [], errors[0], errors[0]]
    problem = "SITEURL" if not siteurl else "a.md"
    assert all(problem in m for m in errors[0] if "no Flattr buttons" not in m)


def test_the_try_that_completes_after_a_failed_one_says_what_still_applies(
    tmp_path,
):
    # A copy of a.md keeps its slug, and Pelican stops at writing its page
    # twice; with the copy deleted, the retry completed with only Pelican's
    # "Done": b.md's missing owner and the key that names nobody, said by
    # the failed try, were held back as said, until the next edit.
    settings = {"SITEURL": SITEURL, "FLATTR_AUTHORS": {"Alice": "alice", "Zed": "z"}}
    ownerless = {"content/b.md": article("Eve writes", "Eve")}
    copy = {"content/a2.md": GOOD_A["content/a.md"]}
    steps = [{**GOOD_A, **ownerless}, copy, {"content/a2.md": None}, {}]
    runs = _tries(tmp_path, settings, steps)
    assert [ended for ended, _ in runs] == ["done", "exception", "done", "done"]
    warnings = [[m for m in said if m.startswith("WARNING")] for _, said in runs]
    assert any("b.md has no Flattr owner" in m for m in warnings[0]), runs
    assert any("FLATTR_AUTHORS['Zed']" in m for m in warnings[0]), runs
    assert warnings == [warnings[0]] * 4, runs


def test_an_error_gone_from_a_try_is_said_when_it_comes_back(tmp_path):
    settings = {"SITEURL": SITEURL, "FLATTR_AUTHORS": {"Alice": "alice"}}
    steps = [{**BROKEN, **BAD_A}, GOOD_A, BAD_A, {}]
    runs = _tries(tmp_path, settings, steps)
    assert [ended for ended, _ in runs] == ["exception"] * 4
    errors = [[m for m in said if "a.md" in m] for _, said in runs]
    assert errors[0] and errors == [errors[0], [], errors[0], []], runs


def test_a_new_pelican_after_one_that_failed_says_its_errors_again(
    tmp_path, flattr_log
):
    # Only pelican --autoreload's retry of the same Pelican holds back what
    # its last try said: a script that builds with a new Pelican after one
    # that raised is a run of its own, and must hear of a.md again.
    from conftest import build

    theme = tmp_path / "templates"
    theme.mkdir()
    (theme / "index.html").write_text("{{ 1 // 0 }}")
    files = {"a.md": BAD_A["content/a.md"]}
    for _ in range(2):
        with pytest.raises(ZeroDivisionError):
            build(
                tmp_path,
                files,
                FLATTR_AUTHORS={"Alice": "alice"},
                THEME_TEMPLATES_OVERRIDES=[str(theme)],
            )
    errors = [
        r.getMessage()
        for r in flattr_log.records
        if r.levelname == "ERROR" and "a.md" in r.getMessage()
    ]
    assert len(errors) == 2 and errors[0] == errors[1], errors


def test_a_strict_build_failing_after_retries_lists_its_problems(tmp_path):
    # Problems found as pages are written, then an exception: the tries
    # after the first hold them back; the one that fails the build says
    # them again above its failure, every one of them.
    # Two templates, each with its style: two problems.
    article_html = (
        "<html><body><article>{{ article.content }}"
        "{{ flattr_button(article, 'bogus') }}{% include 'more.html' %}"
        "</article></body></html>"
    )
    settings = {
        "SITEURL": SITEURL,
        "FLATTR_AUTHORS": {"Alice": "alice"},
        "FLATTR_STRICT": True,
    }
    templates = {
        "templates/article.html": article_html,
        "templates/more.html": "{{ flattr_button(article, 'wrong') }}",
    }
    steps = [{**BROKEN, **GOOD_A, **templates}, {}, MENDED]
    runs = _tries(tmp_path, settings, steps)
    assert [ended for ended, _ in runs] == ["exception", "exception", "exit"]
    errors = [[m for m in said if m.startswith("ERROR")] for _, said in runs]
    for style in ("bogus", "wrong"):
        called = f"flattr_button() is called with style '{style}'"
        assert len([m for m in errors[0] if called in m]) == 1, errors[0]
    assert errors[1] == [] and errors[2] == errors[0], runs
    assert runs[2][1][-1].startswith("CRITICAL") and "build failed" in runs[2][1][-1]


@pytest.mark.parametrize("listen", [False, True])
def test_a_failed_strict_build_ends_pelican_autoreload_and_says_so(tmp_path, listen):
    # With --listen, only the rebuilding process ended: Pelican's server
    # went on serving the failed output, nothing rebuilt it, and nothing
    # said so. Without it, the loop ended without saying it had.
    import socket

    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(article("Alice writes", "Alice"))
    conf = tmp_path / "conf.py"
    conf.write_text(
        f"PATH = {str(content)!r}\nOUTPUT_PATH = {str(tmp_path / 'output')!r}\n"
        f"CACHE_PATH = {str(tmp_path / 'cache')!r}\n"
        "SITEURL = 'https://blog.example.org'\nPLUGINS = ['pelican_flattr']\n"
        "FLATTR_STRICT = True\n"
        "FLATTR_AUTHORS = {'Alice': 'alice', 'Nobody': 'nobody'}\n"
    )
    command = [sys.executable, "-m", "pelican", "-s", str(conf), "--autoreload"]
    if listen:
        with socket.socket() as free:
            free.bind(("127.0.0.1", 0))
            port = free.getsockname()[1]
        command += ["--listen", "-b", "127.0.0.1", "-p", str(port)]
    with subprocess.Popen(
        command,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "500"},  # no message cut by the log's layout
        start_new_session=True,  # its server's process too, if it outlives it
    ) as ended:
        try:
            output, _ = ended.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(ended.pid, signal.SIGKILL)
            pytest.fail(f"pelican went on: {ended.communicate()[0][-2000:]}")
    said = " ".join(output.split())
    assert "build failed; pelican --autoreload stops here" in said, said
    if listen:  # Pelican's process stops its server, saying why
        assert "build failed: 1 problem (FLATTR_STRICT)" in said
    else:
        assert ended.returncode == 1


def test_a_later_build_without_the_plugin_is_untouched(site):
    """Receivers stay connected after a build; a plugin-free build must not
    get buttons, feeds links or a manifest from them."""
    with_plugin = site(community(), FLATTR_AUTHORS=AUTHORS)
    assert (with_plugin / "flattr-manifest.json").exists()
    without = site(community(), FLATTR_AUTHORS=AUTHORS, PLUGINS=[])
    assert not (without / "flattr-manifest.json").exists()
    for path in without.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "flattr" not in text.lower(), path


def test_the_plugin_loaded_by_a_sites_own_plugin_builds(site, tmp_path):
    """A site's own plugin whose register() calls this one's loads it under
    another name: the plugin stayed idle, no button, no manifest, no word.
    A later build whose plugins call it not stays untouched."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "site_flattr.py").write_text(
        "import pelican_flattr\n\n\ndef register():\n    pelican_flattr.register()\n"
    )
    own = {"PLUGIN_PATHS": [str(plugins)], "FLATTR_AUTHORS": AUTHORS}
    theme = str(Path(__file__).parents[1] / "theme")
    output = site(community(), theme, PLUGINS=["site_flattr"], **own)
    named = site(community(), theme, PLUGINS=["pelican_flattr"], **own)
    assert manifest_things(output) == manifest_things(named)
    # Every page as by its own name: the bundled theme's helpers, which ask
    # '"pelican_flattr" is plugin_enabled', print the listing's buttons too.
    for built in named.rglob("*.html"):
        path = built.relative_to(named)
        assert (output / path).read_text() == built.read_text(), path
    assert len(flattr_buttons(page(output / "index.html"))) == 4  # Eve has none
    without = site(community(), PLUGINS=[], **own)
    assert not (without / "flattr-manifest.json").exists()
    assert not any("flattr" in p.read_text().lower() for p in without.rglob("*.html"))


def test_register_called_by_hand_loads_the_plugin_for_no_pelican(site):
    """Only a Pelican whose plugins call register() as it loads them gets
    the plugin: a call by hand (a test harness, a script) before a build
    whose plugins do not call it left that build with buttons."""
    import pelican_flattr

    pelican_flattr.register()
    without = site(community(), FLATTR_AUTHORS=AUTHORS, PLUGINS=[])
    assert not (without / "flattr-manifest.json").exists()
    assert not any("flattr" in p.read_text().lower() for p in without.rglob("*.html"))


OTHER_PLUGIN = """
from jinja2 import Template
from pelican import signals


class StampingTemplate(Template):
    def render(self, *args, **kwargs):
        page = super().render(*args, **kwargs)
        return page.replace("</body>", "<!-- stamped by other_plugin --></body>")


def use_stamping_templates(generator):
    generator.env.template_class = StampingTemplate


def use_stamping_templates_late(generators):
    for generator in generators:
        if hasattr(generator, "env"):
            generator.env.template_class = StampingTemplate


def register():
    signals.generator_init.connect(use_stamping_templates)
    signals.all_generators_finalized.connect(use_stamping_templates_late)
"""


def _plugin_folder(tmp_path, name, source, *receivers):
    """A folder holding plugin ``name``, then its ``receivers`` ((signal,
    function name) pairs) disconnected: blinker would otherwise keep them
    for every later build of the session."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / f"{name}.py").write_text(source, encoding="utf-8")
    yield plugins
    module = sys.modules.pop(name, None)
    if module is not None:
        for signal, receiver in receivers:
            signal.disconnect(getattr(module, receiver))


@pytest.fixture
def other_plugin(tmp_path):
    """A plugin of its own Jinja template class."""
    yield from _plugin_folder(
        tmp_path,
        "other_plugin",
        OTHER_PLUGIN,
        (signals.generator_init, "use_stamping_templates"),
        # Set again once all generators exist, as some plugins do.
        (signals.all_generators_finalized, "use_stamping_templates_late"),
    )


SUBSITE_PLUGIN = """
from pelican import Pelican, signals


def build_subsite(pelican):
    # As i18n_subsites does: each language's site is a whole build, run
    # from the main build's get_writer, before its feeds and pages.
    subsite = pelican.settings.get("TEST_SUBSITE")
    if subsite:
        settings = dict(pelican.settings, TEST_SUBSITE=None, **subsite)
        Pelican(settings).run()


def register():
    signals.get_writer.connect(build_subsite)
"""


@pytest.fixture
def subsite_plugin(tmp_path):
    """A plugin that builds a second site from inside the main build."""
    yield from _plugin_folder(
        tmp_path,
        "subsite_plugin",
        SUBSITE_PLUGIN,
        (signals.get_writer, "build_subsite"),
    )


def test_a_build_run_inside_another_leaves_it_its_own_things(
    tmp_path, subsite_plugin, capsys
):
    import feedparser
    from conftest import build

    sub = tmp_path / "sub"
    (sub / "content").mkdir(parents=True)
    (sub / "content" / "alpha.md").write_text(
        article("Alpha auf Deutsch", "Bob", Slug="alpha"), encoding="utf-8"
    )
    files = {
        "alpha.md": article("Alpha in English", "Alice", Slug="alpha"),
        "beta.md": article("Beta in English", "Bob"),
    }
    output = build(
        tmp_path / "main",
        files,
        FLATTR_AUTHORS={"Alice": "alice", "Bob": "bob"},
        FEED_ALL_ATOM="feeds/all.atom.xml",
        PLUGIN_PATHS=[str(subsite_plugin)],
        PLUGINS=["subsite_plugin", "pelican_flattr"],
        TEST_SUBSITE={
            "PATH": str(sub / "content"),
            # Inside the main site's, as i18n_subsites writes it.
            "OUTPUT_PATH": str(tmp_path / "main" / "output" / "de"),
            "SITEURL": f"{SITEURL}/de",
            "CACHE_PATH": str(sub / "cache"),
        },
    )
    owners = {
        source: (thing["url"], thing["owner"]["value"])
        for source, thing in manifest_things(output).items()
    }
    assert owners == {
        "alpha.md": (f"{SITEURL}/alpha.html", "alice"),
        "beta.md": (f"{SITEURL}/beta-in-english.html", "bob"),
    }
    assert set(manifest_things(output / "de")) == {"alpha.md"}
    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    for entry in feed.entries:
        (payment,) = [link.href for link in entry.links if link.rel == "payment"]
        query = parse_qs(urlsplit(payment).query)
        assert query["url"] == [entry.link], entry.title
    # Each site is audited against its own manifest; the main site's audit
    # leaves the other's folder to it, and says so.
    assert audit_command(["audit", str(output / "de")]) == 0
    capsys.readouterr()
    assert audit_command(["audit", str(output)]) == 0
    assert "de/ holds a manifest of its own" in capsys.readouterr().out


I18N_FILES = {
    "hello.md": article("Hello in English", "Alice", Slug="hello", Lang="en"),
    "hallo.md": article("Hallo auf Deutsch", "Alice", Slug="hello", Lang="de"),
    "nur.md": article("Nur auf Deutsch", "Bernd", Lang="de"),
}


def _i18n_build(folder, **settings):
    """(the plugin's warnings, exit status) of a build with i18n_subsites."""
    built = i18n_build(folder, I18N_FILES, **settings)
    # Each site's first strict build warns that it has no URL baseline yet
    # (test_url_guard says so): not what these tests look at.
    messages = [m for m in built.messages if "no URL baseline at" not in m]
    return messages, built.status


@pytest.mark.parametrize("untranslated", ["hide", "remove"])
def test_i18n_subsites_warn_once_of_an_author_no_language_knows(tmp_path, untranslated):
    # The real i18n_subsites: each language's site is a build of its own,
    # holding only that language's content (with "remove", not even as
    # drafts). Bernd writes only in German, and is no typo.
    authors = {"Alice": "alice", "Bernd": "bernd"}
    messages, status = _i18n_build(
        tmp_path / "typo",
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS={**authors, "Nobody": "nobody"},
    )
    assert (messages, status) == (
        [
            "pelican-flattr: FLATTR_AUTHORS['Nobody'] names no author of this "
            "site (by name or slug); check its spelling, or remove it if"
            " the author has no content left"
        ],
        0,
    )
    output = tmp_path / "typo" / "output"
    assert manifest_things(output / "de")["nur.md"]["owner"]["value"] == "bernd"
    assert manifest_things(output)["hello.md"]["owner"]["value"] == "alice"

    # Strict: a site where every key names someone builds; a typo fails it.
    messages, status = _i18n_build(
        tmp_path / "strict",
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS=authors,
        FLATTR_STRICT=True,
    )
    assert (messages, status) == ([], 0)
    messages, status = _i18n_build(
        tmp_path / "strict-typo",
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS={**authors, "Bernt": "bernd"},
        FLATTR_STRICT=True,
    )
    assert status == 1
    assert "FLATTR_AUTHORS['Bernt'] names no author" in messages[0]
    assert not (tmp_path / "strict-typo" / "output" / "flattr-manifest.json").exists()


@pytest.mark.parametrize(
    ("author", "said"),
    [
        ("Author: Bernd\n", "FLATTR_AUTHORS['Nobody'] names no author of this site"),
        ("", "FLATTR_AUTHORS names 2 authors, but no content of this site names"),
    ],
    ids=["with-author", "without-author"],
)
def test_a_site_whose_content_only_a_language_publishes_knows_its_authors(
    tmp_path, author, said
):
    # With "remove", the main site holds none of the German articles: what
    # the German site read counts for the main site's check of the keys,
    # or each was said to be about content nobody read.
    text = f"Title: Nur auf Deutsch\n{author}Date: 2024-03-01\nLang: de\n\nText.\n"
    built = i18n_build(
        tmp_path,
        {"nur.md": text},
        I18N_UNTRANSLATED_ARTICLES="remove",
        FLATTR_AUTHORS={"Bernd": "bernd", "Nobody": "nobody"},
    )
    assert built.status == 0
    keys = [m for m in built.messages if m.startswith("pelican-flattr: FLATTR_")]
    assert len(keys) == 1 and keys[0].startswith(f"pelican-flattr: {said}"), keys


def test_an_author_gone_from_the_inmost_languages_site_is_no_misspelt_key(tmp_path):
    # i18n_subsites runs the German site from inside the French one's build
    # (the last language first): what the French site leaves the main one
    # must hold the German site too, or the main site's check of the keys
    # never read Bob's things in the German baseline, and called his key,
    # deleted on purpose, a typo.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en"),
        "hallo.md": article("Hallo", "Bob", Lang="de"),
    }
    settings = {
        "I18N_SUBSITES": {"de": {}, "fr": {}},
        "FLATTR_AUTHORS": {"Alice": "alice", "Bob": "bob"},
        "FLATTR_STRICT": True,
        "FLATTR_ACCEPT_URL_CHANGES": [f"{SITEURL}/de/hallo.html"],
    }
    i18n_build(tmp_path, files, **settings)
    (tmp_path / "content" / "hallo.md").unlink()
    built = i18n_build(tmp_path, {"hello.md": files["hello.md"]}, **settings)
    assert (built.messages, built.status) == (
        [
            "pelican-flattr: FLATTR_AUTHORS['Bob'] names no author of this site "
            "any more: the last build the URL guard recorded gave its owner 1 thing "
            "that this build "
            "lacks (deleted, or failed to read); remove the key once the "
            "author's content is deleted permanently"
        ],
        0,
    )


@pytest.mark.parametrize("untranslated", ["hide", "remove"])
def test_i18n_subsites_warn_once_of_two_keys_for_one_author(tmp_path, untranslated):
    # Bernd writes only in German: with "remove" the main site has no
    # article of his, with "hide" a hidden copy; said once either way.
    messages, status = _i18n_build(
        tmp_path,
        I18N_UNTRANSLATED_ARTICLES=untranslated,
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd", "bernd": "bernd_new"},
    )
    assert (messages, status) == (
        [
            "pelican-flattr: FLATTR_AUTHORS['Bernd'] and FLATTR_AUTHORS['bernd'] "
            "name one author, as Pelican takes author names with one slug for one "
            "author; an article takes the key that is its author's name as "
            "written, else FLATTR_AUTHORS['bernd'], so this site's content takes "
            "FLATTR_AUTHORS['Bernd'] and ignores FLATTR_AUTHORS['bernd']: keep one "
            "key per author"
        ],
        0,
    )
    output = tmp_path / "output"
    assert manifest_things(output / "de")["nur.md"]["owner"]["value"] == "bernd"


def test_a_languages_own_flattr_siteurl_is_its_things_base_as_set(tmp_path):
    # The main site's FLATTR_SITEURL gets each language's path below it;
    # a language's own value names that site's base already: "/de" added
    # to it gave every German thing a URL nobody published.
    built = i18n_build(
        tmp_path,
        I18N_FILES,
        I18N_SUBSITES={"de": {"FLATTR_SITEURL": "https://alt.example.de"}},
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
        FLATTR_SITEURL="https://old.example.org",
    )
    assert (built.messages, built.status) == ([], 0)
    output = tmp_path / "output"
    urls = {
        site: {
            source: thing["url"] for source, thing in manifest_things(folder).items()
        }
        for site, folder in (("main", output), ("de", output / "de"))
    }
    assert urls == {
        "main": {"hello.md": "https://old.example.org/hello.html"},
        "de": {
            "hallo.md": "https://alt.example.de/hello.html",
            "nur.md": "https://alt.example.de/nur-auf-deutsch.html",
        },
    }


def test_a_language_site_beside_the_main_ones_path_gets_no_dotted_thing_url(
    tmp_path,
):
    # /de is no path below /blog: the main site's FLATTR_SITEURL with
    # "../de" added named no page anyone publishes. Left as it is, the
    # shared URL is said, with the setting that mends it.
    files = {
        "hello.md": article("Hello", "Alice", Lang="en", Slug="hello"),
        "hallo.md": article("Hallo", "Bernd", Lang="de", Slug="hello"),
    }
    built = i18n_build(
        tmp_path,
        files,
        SITEURL="https://example.org/blog",
        FLATTR_SITEURL="https://example.org/blog",
        I18N_SUBSITES={"de": {"SITEURL": "https://example.org/de"}},
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
    )
    (said,) = built.messages
    assert said.startswith(
        "pelican-flattr: I18N_SUBSITES['de']: hallo.md: its thing URL "
        "https://example.org/blog/hello.html is already the thing of hello.md in "
        "another site of this build"
    )
    assert (
        "give this language's site a FLATTR_SITEURL of its own "
        "(I18N_SUBSITES['de']['FLATTR_SITEURL'])"
    ) in said
    assert manifest_things(tmp_path / "output" / "de") == {}


# A build with the plugin, then one of the sites asked for, in one child
# process (i18n_subsites keeps its receivers for the life of the process):
# the second build's messages of the plugin's.
_AFTER_AN_EARLIER_BUILD = """
import json, logging, sys
from pathlib import Path

tests, folder, request = sys.argv[1:]
sys.path.insert(0, tests)
from conftest import article, build

build(Path(folder) / "earlier", {"a.md": article("Alice writes", "Alice")})
messages = []
handler = logging.Handler(logging.WARNING)
handler.emit = lambda record: messages.append(record.getMessage())
logging.getLogger("pelican_flattr").addHandler(handler)
files, settings = json.loads(request)
build(Path(folder) / "site", files, **settings)
print(json.dumps(messages))
"""


def test_a_language_site_whose_main_site_lacks_the_plugin_says_its_mistakes(tmp_path):
    # In a process where an earlier build loaded the plugin, its receivers
    # see every later build: a main site without it says nothing, so a
    # value the language's site takes from it is said by that site, as
    # any site's is, not left to the main site as its mistake.
    from conftest import run_child

    settings = {
        "PLUGINS": ["i18n_subsites"],
        "I18N_SUBSITES": {"de": {"PLUGINS": ["i18n_subsites", "pelican_flattr"]}},
        "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": "bernd"},
        "FLATTR_BUTTON": "huge",
    }
    said = run_child(_AFTER_AN_EARLIER_BUILD, tmp_path, [I18N_FILES, settings])
    assert said[0] == (
        "pelican-flattr: settings: FLATTR_BUTTON is 'huge'; choose one of plain, "
        "js, compact"
    ), said
    assert "no Flattr buttons" in said[1] and len(said) == 2, said


def test_the_main_sites_default_metadata_mistake_is_said_once(tmp_path):
    # Each language's site takes DEFAULT_METADATA from the main site: the
    # main site's mistake, said by it alone, not again by each language's
    # site as if it were that language's own value.
    built = i18n_build(
        tmp_path,
        I18N_FILES,
        I18N_SUBSITES={"de": {}, "fr": {}},
        FLATTR_AUTHORS={"Alice": "alice", "Bernd": "bernd"},
        DEFAULT_METADATA={"flattr_category": "bogus"},
    )
    assert built.status == 0
    assert len(built.messages) == 2, built.messages
    assert built.messages[0].startswith(
        "pelican-flattr: settings: DEFAULT_METADATA: metadata 'flattr_category' "
        "is 'bogus'"
    )
    assert built.messages[1] == (
        "pelican-flattr: no Flattr buttons on the main site, nor on a language's "
        "site that takes the refused values from it (see above)"
    )


@pytest.mark.parametrize("strict", [False, True])
def test_a_mistake_in_an_article_every_site_publishes_is_said_once(tmp_path, strict):
    # With "keep", each language's site publishes the untranslated English
    # article too, and reads its metadata again: Pelican lets every error
    # through, and the same line came once per site, though only the main
    # site's copy is mended.
    files = {"hello.md": article("Hello", "Alice", Lang="en", flattr_category="x")}
    built = i18n_build(
        tmp_path,
        files,
        I18N_SUBSITES={"de": {}, "fr": {}},
        I18N_UNTRANSLATED_ARTICLES="keep",
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_STRICT=strict,
    )
    said = [m for m in built.messages if "hello.md" in m]
    assert len(said) == 1 and "flattr_category" in said[0], built.messages
    assert built.status == (1 if strict else 0)


NAIVE_DATES_PLUGIN = """
from pelican import signals


def drop_time_zone(content):
    # As a plugin that sets dates of its own may: without a time zone.
    if content.metadata.get("naive_date"):
        content.date = content.date.replace(tzinfo=None)


def register():
    signals.content_object_init.connect(drop_time_zone)
"""


@pytest.fixture
def naive_dates_plugin(tmp_path):
    """A plugin that takes the time zone off the date of content that asks."""
    yield from _plugin_folder(
        tmp_path,
        "naive_dates",
        NAIVE_DATES_PLUGIN,
        (signals.content_object_init, "drop_time_zone"),
    )


def test_pages_pinned_to_one_url_dated_with_and_without_a_time_zone(
    site, flattr_log, naive_dates_plugin
):
    # Two such dates do not compare: the page whose file name sorts first
    # keeps the URL, as between pages without dates, not a traceback.
    pinned = f"{SITEURL}/the-one-url/"
    head = f"Author: Alice\nFlattr_url: {pinned}\n"
    files = {
        "pages/a.md": f"Title: A\n{head}Date: 2024-02-01\nNaive_date: yes\n\nA.\n",
        "pages/b.md": f"Title: B\n{head}Date: 2024-01-01\n\nB.\n",
    }
    output = site(
        files,
        FLATTR_AUTHORS={"Alice": "alice"},
        FLATTR_PAGES=True,
        PLUGIN_PATHS=[str(naive_dates_plugin)],
        PLUGINS=["pelican_flattr", "naive_dates"],
    )
    assert set(manifest_things(output)) == {"pages/a.md"}
    assert [r.getMessage() for r in flattr_log.records] == [
        f"pelican-flattr: pages/b.md: metadata 'flattr_url' pins {pinned}, which "
        "pages/a.md pins too and keeps (first by file name); Flattr keeps one "
        "thing per URL, so pages/b.md gets no Flattr button (change the "
        "flattr_url of one of them)"
    ]


@pytest.mark.parametrize(
    "plugins",
    [["other_plugin", "pelican_flattr"], ["pelican_flattr", "other_plugin"]],
    ids=["other-first", "flattr-first"],
)
def test_another_plugins_template_class_keeps_its_effect_and_ours(
    site, other_plugin, plugins
):
    output = site(
        community(),
        theme="notmyidea",
        FLATTR_AUTHORS=AUTHORS,
        PLUGIN_PATHS=[str(other_plugin)],
        PLUGINS=plugins,
    )
    things = manifest_things(output)
    html_path = output / urlsplit(things["alice.md"]["url"]).path.lstrip("/")
    text = html_path.read_text(encoding="utf-8")
    assert "<!-- stamped by other_plugin --></body>" in text
    soup = page(html_path)
    assert len(flattr_buttons(soup)) == 1
    assert len(payment_links(soup)) == 1


# Plugins listed before pelican_flattr that load the article template
# before the plugin prepares the templates (all_generators_finalized):
# Pelican keeps it in the generator's cache, Jinja in its own, and every
# article page was written from it without button, payment link or Open
# Graph tags, the build saying nothing.
EARLY_LOADER = """
from pelican import signals


def load_from_the_generator(generator):
    generator.get_template("article")


def load_from_jinja(generator):
    generator.env.get_template("article.html")


def register():
    signals.article_generator_init.connect(load_from_the_generator)
    signals.article_generator_finalized.connect(load_from_jinja)
"""

# One that keeps the template where neither cache has it (Jinja's cache
# off) and gives it to Pelican for each article: no preparing reaches it.
TEMPLATE_HOLDER = """
from pelican import signals

held = {}


def hold(generator):
    held["article"] = generator.env.get_template("article.html")


def give(generator, content):
    generator._templates["article"] = held["article"]


def register():
    signals.article_generator_init.connect(hold)
    signals.article_generator_write_article.connect(give)
"""

NOT_PREPARED = "by a template the plugin could not prepare"


@pytest.fixture
def early_loader(tmp_path):
    """A plugin that loads the article template early, both ways."""
    yield from _plugin_folder(
        tmp_path,
        "early_loader",
        EARLY_LOADER,
        (signals.article_generator_init, "load_from_the_generator"),
        (signals.article_generator_finalized, "load_from_jinja"),
    )


@pytest.fixture
def template_holder(tmp_path):
    """A plugin that renders the articles from a template it keeps."""
    yield from _plugin_folder(
        tmp_path,
        "template_holder",
        TEMPLATE_HOLDER,
        (signals.article_generator_init, "hold"),
        (signals.article_generator_write_article, "give"),
    )


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_templates_another_plugin_loaded_early_still_get_buttons(
    site, early_loader, flattr_log, strict
):
    output = site(
        community(),
        theme="notmyidea",
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_STRICT=strict,
        PLUGIN_PATHS=[str(early_loader)],
        PLUGINS=["early_loader", "pelican_flattr"],
    )
    things = manifest_things(output)
    assert things
    for thing in things.values():
        soup = page(output / urlsplit(thing["url"]).path.lstrip("/"))
        assert len(flattr_buttons(soup)) == 1
        assert len(payment_links(soup)) == 1
        assert og(soup, "og:url") == [thing["url"]]
    assert not [r for r in flattr_log.records if NOT_PREPARED in r.getMessage()]


def test_pages_of_a_template_held_out_of_reach_are_said(
    site, template_holder, flattr_log
):
    settings = {
        "theme": "notmyidea",
        "FLATTR_AUTHORS": AUTHORS,
        "PLUGIN_PATHS": [str(template_holder)],
        "PLUGINS": ["template_holder", "pelican_flattr"],
        # Pelican's own, and Jinja's cache off.
        "JINJA_ENVIRONMENT": {
            "trim_blocks": True,
            "lstrip_blocks": True,
            "extensions": [],
            "cache_size": 0,
        },
    }
    site(community(), **settings)
    (said,) = [
        r.getMessage() for r in flattr_log.records if NOT_PREPARED in r.getMessage()
    ]
    assert said.startswith(
        "pelican-flattr: 4 thing pages were written (alice.md, bob.md, carol.md "
        "and 1 more) by a template"
    )
    assert "list pelican_flattr first in PLUGINS" in said
    assert flattr_log.records[-1].levelname in {"WARNING", "ERROR"}
    with pytest.raises(FlattrBuildError):
        site(community(), FLATTR_STRICT=True, **settings)


@pytest.mark.parametrize(
    "files, settings",
    [
        # Pages Pelican does not write: no page to complete.
        (community(**{"eve.md": article("Eve", "Alice", BODY, save_as="")}), {}),
        # The theme left to print what it likes.
        (community(), {"FLATTR_INJECT": False}),
        # Removed from Pelican before 4.9, which writes every page anyway.
        (community(), {"WRITE_SELECTED": ["alice-writes-things.html"]}),
    ],
    ids=["empty-save-as", "inject-off", "write-selected"],
)
def test_pages_the_plugin_completed_are_not_said_to_be_left_unprepared(
    site, flattr_log, files, settings
):
    site(files, theme="notmyidea", FLATTR_AUTHORS=AUTHORS, **settings)
    assert not [r for r in flattr_log.records if NOT_PREPARED in r.getMessage()]


def test_a_build_from_the_content_cache_is_not_said_to_be_left_unprepared(
    tmp_path, flattr_log
):
    from conftest import build

    for _ in range(2):
        build(
            tmp_path,
            community(),
            theme="notmyidea",
            FLATTR_AUTHORS=AUTHORS,
            CACHE_CONTENT=True,
            LOAD_CONTENT_CACHE=True,
        )
    assert not [r for r in flattr_log.records if NOT_PREPARED in r.getMessage()]


def test_pelican_seos_open_graph_beside_the_plugins_is_said(tmp_path):
    # pelican-seo adds its tags to every page once written, where the plugin
    # cannot see them: each page had two og:title, og:url and og:type, in
    # silence, and the audit refused every page.
    seo = {
        "PLUGINS": ["pelican_flattr", "seo"],
        "FLATTR_AUTHORS": AUTHORS,
        "SEO_ENHANCER": True,
        "SEO_ENHANCER_OPEN_GRAPH": True,
        "SEO_REPORT": False,  # written to the current folder
    }
    built = child_build(tmp_path / "both", community(), **seo)
    (said,) = [m for m in built.messages if "SEO_ENHANCER_OPEN_GRAPH" in m]
    assert "set FLATTR_OPEN_GRAPH = False" in said, built.messages
    assert built.status == 0
    output = tmp_path / "both" / "output"
    soup = page(output / urlsplit(manifest_things(output)["alice.md"]["url"]).path[1:])
    assert len(og(soup, "og:title")) == 2  # what the warning is about
    assert audit_command(["audit", str(output)]) == 1
    strict = child_build(tmp_path / "strict", community(), **seo, FLATTR_STRICT=True)
    assert strict.status == 1
    # Either way out is quiet, and audits clean; so is pelican-seo with its
    # enhancer off, and its settings without pelican-seo.
    ways_out = (
        {"FLATTR_OPEN_GRAPH": False},
        {"SEO_ENHANCER_OPEN_GRAPH": False},
        {"SEO_ENHANCER": False},
        {"PLUGINS": ["pelican_flattr"]},
    )
    for number, way_out in enumerate(ways_out):
        folder = tmp_path / f"way{number}"
        built = child_build(folder, community(), **{**seo, **way_out})
        assert not [m for m in built.messages if "SEO" in m], built.messages
        assert audit_command(["audit", str(folder / "output")]) == 0
    # A language's site of i18n_subsites with the enhancer on of its own.
    built = i18n_build(
        tmp_path / "i18n",
        {"hello.md": article("Hello there", "Alice", Lang="en")},
        **{
            **seo,
            "SEO_ENHANCER_OPEN_GRAPH": False,
            "PLUGINS": ["i18n_subsites", "pelican_flattr", "seo"],
            "I18N_SUBSITES": {"de": {"SEO_ENHANCER_OPEN_GRAPH": True}, "fr": {}},
        },
    )
    assert len([m for m in built.messages if "SEO_ENHANCER_OPEN_GRAPH" in m]) == 1


@pytest.mark.parametrize(
    ("entry", "plugin"),
    [
        ("pelican_flattr", "pelican_flattr"),
        # A module of the package: Pelican calls its register too.
        ("pelican_flattr.plugin", "pelican_flattr"),
        ("seo", "seo"),
        ("pelican.plugins.seo", "seo"),  # a namespace plugin
        ("i18n_subsites", "i18n_subsites"),
        ("pelican.plugins.i18n_subsites", "i18n_subsites"),
        ("pelican.plugins.sitemap", None),
    ],
)
def test_one_rule_tells_a_plugin_loaded_whatever_form_names_it(entry, plugin):
    # The build asks of Pelican's loaded plugins (modules) and of a
    # language's site's PLUGINS (names, or modules) alike, and the audit of
    # a settings file's PLUGINS: all three answer by one rule.
    from pelican_flattr.settings import has_plugin

    for form in (entry, types.ModuleType(entry)):
        named = [
            name
            for name in ("pelican_flattr", "seo", "i18n_subsites")
            if has_plugin([object(), form], name)
        ]
        assert named == ([plugin] if plugin else []), form


def test_description_keeps_text_that_names_a_tag(site):
    # The body and the summary say "&lt;b&gt;": their text is "<b>", which
    # a second pass of HTML stripping would delete.
    body = "Wrap a word in &lt;b&gt; to make it bold, and &amp;amp; stays."
    files = {
        "body.md": article("From the body", "Alice", body),
        "summary.md": article(
            "From the summary", "Alice", "Text.", summary="Use &lt;b&gt; tags"
        ),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    assert things["body.md"]["description"] == (
        "Wrap a word in <b> to make it bold, and &amp; stays."
    )
    assert things["summary.md"]["description"] == "Use <b> tags"
    soup = page(output / "from-the-body.html")
    assert og(soup, "og:description") == [things["body.md"]["description"]]


def test_description_reads_tags_as_a_browser_does(site):
    # A ">" in a quoted attribute value ends no tag.
    # A raw HTML block: Python-Markdown before 3.11.1 turns the ">" that
    # ends an inline tag with a ">" in an attribute into "&gt;", and the
    # browser then reads no "GT" at all.
    body = (
        '<p>Use <abbr title="greater than, as in a > b">GT</abbr> and '
        '<abbr title="less than">LT</abbr> to compare values.</p>'
    )
    output = site(
        {"abbr.md": article("Compare", "Alice", body)}, FLATTR_AUTHORS=AUTHORS
    )
    thing = manifest_things(output)["abbr.md"]
    assert thing["description"] == "Use GT and LT to compare values."
    soup = page(output / thing["page"])
    assert og(soup, "og:description") == [thing["description"]]


def test_every_content_object_has_its_flattr_attribute_from_the_start(site):
    # Reserved as Pelican creates each object (so that CPython keeps sharing
    # the articles' attribute table): drafts and articles without an owner
    # have it too, as None, and a theme can test it on any of them.
    seen = []

    def keep_drafts(generator):
        seen.extend(generator.drafts)
        seen.extend(generator.articles)

    signals.article_generator_finalized.connect(keep_drafts)
    try:
        site(
            {
                "owned.md": article("Owned", "Alice"),
                "nobody.md": article("Nobody's", "Zed"),
                "draft.md": article("A draft", "Alice", Status="draft"),
            },
            FLATTR_AUTHORS=AUTHORS,
        )
    finally:
        signals.article_generator_finalized.disconnect(keep_drafts)
    by_title = {content.title: content for content in seen}
    assert by_title["A draft"].flattr is None
    assert by_title["Nobody's"].flattr is None
    assert by_title["Owned"].flattr.url.endswith("/owned.html")


def test_a_theme_payment_link_to_another_service_is_not_taken_for_flattrs(
    site, tmp_path
):
    overrides = tmp_path / "overrides"
    overrides.mkdir()
    (overrides / "base.html").write_text(
        '{% extends "!theme/base.html" %}{% block head %}{{ super() }}'
        '<link rel="payment" href="https://liberapay.com/site/donate">'
        "{% endblock %}"
    )
    output = site(
        community(), FLATTR_AUTHORS=AUTHORS, THEME_TEMPLATES_OVERRIDES=[str(overrides)]
    )
    soup = page(output / "alice-writes-things.html")
    hrefs = sorted(link["href"] for link in payment_links(soup))
    assert hrefs[1] == "https://liberapay.com/site/donate"
    assert len(hrefs) == 2 and hrefs[0].startswith("https://flattr.com/submit/auto?")
    assert og(soup, "og:title") == ["Alice writes things"]
    assert len(flattr_buttons(soup)) == 1
    # The audit counts only the links to Flattr.
    assert audit_command(["audit", str(output)]) == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # reStructuredText gives Pelican its title as HTML, Markdown as written.
        (
            "fish.rst",
            "Fish & Chips <b>\n################\n\n:author: Alice\n"
            ":date: 2024-03-01 10:00\n\n" + BODY,
        ),
        ("fish.md", article("Fish &amp; Chips &lt;b&gt;", "Alice", BODY)),
    ],
)
def test_the_project_theme_shows_a_title_escaped_once(site, name, text):
    from conftest import ROOT

    output = site({name: text}, theme=str(ROOT / "theme"), FLATTR_AUTHORS=AUTHORS)
    html = next(output.glob("fish-chips*.html")).read_text(encoding="utf-8")
    assert "&amp;amp;" not in html and "&amp;lt;" not in html
    soup = page(next(output.glob("fish-chips*.html")))
    assert soup.h1.get_text() == "Fish & Chips <b>"
    assert soup.title.get_text().startswith("Fish & Chips <b> · ")
    assert og(soup, "og:title") == ["Fish & Chips <b>"]
    button = flattr_buttons(soup)[0]
    assert button.find(dir="auto").get_text() == "Fish & Chips <b>"


@pytest.mark.parametrize(
    "title",
    [
        "Pourquoi\u00a0? «\u202fchauffer\u202f»",  # French typography
        "「はんだ」\u3000入門",  # an ideographic space
    ],
)
def test_a_title_keeps_the_spaces_a_browser_keeps(site, title):
    # Folded as Python folds whitespace, these spaces became plain ones in
    # the thing's title, og:title, the button's name and the theme's <h1>.
    from conftest import ROOT

    body = f"<p>{title} and the rest of a summary of this piece.</p>"
    output = site(
        {"a.md": article(title, "Alice", body, Slug="kept")},
        theme=str(ROOT / "theme"),
        FLATTR_AUTHORS=AUTHORS,
    )
    [thing] = manifest_things(output).values()
    assert thing["title"] == title
    assert thing["description"].startswith(f"{title} and the rest")
    soup = page(output / "kept.html")
    assert soup.h1.get_text() == title
    assert og(soup, "og:title") == [title]
    assert flattr_buttons(soup)[0].find(dir="auto").get_text() == title


@pytest.mark.parametrize("body_links_it", [True, False])
def test_an_attached_og_image_goes_where_pelican_attaches_it(
    site, flattr_log, caplog, body_links_it
):
    # Reading a static file's URL before Pelican attaches it pins the file
    # to its old place: the body's {attach} link could no longer move it.
    body = BODY + ("\n![cover]({attach}images/cover.png)\n" if body_links_it else "")
    files = {
        "images/cover.png": "not really a PNG",
        "a.md": article(
            "Attach post", "Alice", body, og_image="{attach}images/cover.png"
        ),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        ARTICLE_URL="posts/{slug}/",
        ARTICLE_SAVE_AS="posts/{slug}/index.html",
    )
    attached = f"{SITEURL}/posts/attach-post/images/cover.png"
    assert (output / "posts" / "attach-post" / "images" / "cover.png").is_file()
    assert not (output / "images" / "cover.png").exists()
    soup = page(output / "posts" / "attach-post" / "index.html")
    assert og(soup, "og:image") == [attached]
    if body_links_it:
        assert soup.find("img", alt="cover")["src"] == attached
    assert not any("cannot relocate" in r.getMessage() for r in caplog.records)


def _file_bytes(path):
    """A written file's bytes, lower-cased, gunzipped when Pelican gzipped it."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.lower()


def _owner_twice(title, address):
    # The Markdown reader makes a list of a field given twice.
    return article(title, "Zed").replace(
        "\n\n", f"\nFlattr_owner: {address}\nFlattr_owner: {address}\n\n", 1
    )


def _flattr_messages(log):
    return [r.getMessage() for r in log.records if r.name == "pelican_flattr"]


def _assert_no_secret_address_written(tmp_path, cache_layer):
    """No cache file or built file under ``tmp_path`` holds a "secret@"
    address, and the cache ``cache_layer`` writes is among them."""
    cache_files = [p for p in tmp_path.rglob("cache/**/*") if p.is_file()]
    assert {p.name for p in cache_files} >= {
        "ArticlesGenerator"
        if cache_layer == "generator"
        else "ArticlesGenerator-Readers"
    }
    for path in cache_files + [p for p in tmp_path.rglob("output/**/*") if p.is_file()]:
        assert b"secret@" not in _file_bytes(path), path


def test_an_address_in_a_skipped_file_never_reaches_the_cache(tmp_path, flattr_log):
    """Pelican makes no content object of a file with Status: skip, and
    sends no content_object_init for it, but its reader cache keeps the
    file's metadata all the same."""
    from conftest import build

    files = {
        "skipped.md": article(
            "Not published",
            "Zed",
            status="skip",
            flattr_owner="email:skipped.secret@example.org",
        ),
        "pages/skipped.md": article(
            "Nor this page",
            "Zed",
            status="skip",
            flattr_ownr="email:page.secret@example.org",
        ),
        "kept.md": article(
            "Published", "Zed", flattr_owner="email:kept.secret@example.org"
        ),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
        "FLATTR_PAGES": True,
    }
    output = build(tmp_path, files, **settings)
    assert set(manifest_things(output)) == {"kept.md"}
    build(tmp_path, {}, **settings)  # a rebuild from the cache
    _assert_no_secret_address_written(tmp_path, "reader")
    cached = b"".join(
        _file_bytes(p) for p in tmp_path.rglob("cache/*-Readers") if p.is_file()
    )
    assert hashlib.md5(b"skipped.secret@example.org").hexdigest().encode() in cached
    assert not any("@" in message for message in _flattr_messages(flattr_log))


@pytest.mark.parametrize("caching", [False, True])
def test_files_are_checked_as_cached_only_when_the_reader_caches(tmp_path, caching):
    """The readers' ``cache_data`` keeps the hashing wrapper only where
    Pelican's reader cache keeps files: without it, each file read would pay
    for a check whose result nobody keeps."""
    from conftest import build

    from pelican_flattr import build as build_module

    build(
        tmp_path,
        {
            "kept.md": article(
                "Kept", "Zed", flattr_owner="email:kept.secret@example.org"
            ),
            "pages/about.md": article("About", "Zed"),
        },
        CACHE_CONTENT=caching,
        LOAD_CONTENT_CACHE=caching,
        CONTENT_CACHING_LAYER="reader",
    )
    # The articles', the pages' and the static files' generators each have
    # one; the static files' reads no file, so it never learns the policy.
    readers = build_module.current.privacy.readers
    assert len(readers) == 3
    wrapped = [
        getattr(r.cache_data, "__name__", "") == "cache_with_addresses_hidden"
        for r in readers
    ]
    assert wrapped.count(True) == (3 if caching else 1)
    if caching:
        _assert_no_secret_address_written(tmp_path, "reader")


def test_an_address_in_a_file_that_fails_once_read_never_reaches_the_cache(
    tmp_path, flattr_log
):
    """Pelican caches a file as soon as its reader has read it: a file that
    fails before the plugin's receiver sees it (here another plugin's
    receiver, called first, raises) keeps its cache entry all the same."""
    from conftest import build
    from pelican import signals

    from pelican_flattr.plugin import note_file_read

    def fails_on_one_file(sender, metadata):
        if metadata.get("title") == "Fails":
            raise ValueError("another plugin cannot handle this file")

    files = {
        "fails.md": article(
            "Fails", "Zed", flattr_owner="email:fails.secret@example.org"
        ),
        "kept.md": article(
            "Published", "Zed", flattr_owner="email:kept.secret@example.org"
        ),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
    }
    # Blinker calls receivers in the order they were connected.
    signal = signals.article_generator_context
    signal.disconnect(note_file_read)
    signal.connect(fails_on_one_file)
    signal.connect(note_file_read)
    try:
        output = build(tmp_path, files, **settings)
    finally:
        signal.disconnect(fails_on_one_file)
    assert set(manifest_things(output)) == {"kept.md"}
    cached = b"".join(
        _file_bytes(p) for p in tmp_path.rglob("cache/*-Readers") if p.is_file()
    )
    assert hashlib.md5(b"fails.secret@example.org").hexdigest().encode() in cached
    _assert_no_secret_address_written(tmp_path, "reader")


# A process's root log handler, then a build with the plugin and one without,
# each followed by a line of Pelican's that names an address: what the
# handler wrote of each.
_HANDLER_AFTER_BUILDS = """
import json, logging, sys
from pathlib import Path

tests, folder, request = sys.argv[1:]
sys.path.insert(0, tests)
from conftest import article, build

written = []
handler = logging.Handler(logging.WARNING)
handler.emit = lambda record: written.append(record.getMessage())
logging.getLogger().addHandler(handler)
pelican_log = logging.getLogger("pelican.readers")
files = {"a.md": article("Alice writes", "Alice")}
for number, plugins in enumerate(json.loads(request)):
    build(Path(folder) / str(number), files, PLUGINS=plugins)
    pelican_log.warning("Could not process carol@example.org/notes.md")
print(json.dumps([line for line in written if line.startswith("Could not")]))
"""


def test_a_later_build_without_the_plugin_logs_as_pelican_has_it(tmp_path):
    # The filter the plugin puts on the log's handlers outlived its build:
    # a later build in the same process that never loaded the plugin (a
    # test suite's, a service's) had its messages rewritten all the same.
    from conftest import run_child

    written = run_child(
        _HANDLER_AFTER_BUILDS, tmp_path, [["pelican_flattr"], [], ["pelican_flattr"]]
    )
    hidden = "Could not process [address]/notes.md"
    assert written == [
        hidden,
        "Could not process carol@example.org/notes.md",
        hidden,
    ], written


def test_an_address_cached_by_a_build_without_the_plugin_is_hashed(tmp_path):
    """A readers' cache written before the plugin was added holds the plain
    addresses; Pelican reads the files from it again, not from the disk, so
    nothing is hashed as it is cached: each is hashed in the cache as the
    file's metadata is, whichever entry of the cache holds it."""
    from conftest import build

    # Two owners: whatever order Pelican read the files in, one of them is
    # not the cache's last entry (the file just read, when none is cached).
    files = {
        "a.md": article("First", "Zed", flattr_owner="email:a.secret@example.org"),
        "b.md": article("Second", "Zed"),
        "c.md": article("Third", "Zed", flattr_owner="email:c.secret@example.org"),
        # Pelican makes no content object of it: hashed as it is read, or
        # never.
        "skipped.md": article(
            "Skipped", "Zed", status="skip", flattr_owner="email:s.secret@example.org"
        ),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
    }
    build(tmp_path, files, PLUGINS=[], **settings)
    readers_cache = tmp_path / "cache" / "ArticlesGenerator-Readers"
    assert b"a.secret@" in _file_bytes(readers_cache)
    assert b"c.secret@" in _file_bytes(readers_cache)
    assert b"s.secret@" in _file_bytes(readers_cache)
    build(tmp_path, {}, **settings)  # with the plugin, from that cache
    _assert_no_secret_address_written(tmp_path, "reader")
    cached = _file_bytes(readers_cache)
    for address in (
        b"a.secret@example.org",
        b"c.secret@example.org",
        b"s.secret@example.org",
    ):
        assert hashlib.md5(address).hexdigest().encode() in cached


# A plugin listed after pelican_flattr: its receiver of each file's metadata
# runs after the plugin's, and gives one file an owner by its address.
LATE_OWNER_PLUGIN = """
from pelican import signals

def give_owner(sender, metadata):
    if metadata.get("title") == "Late owner":
        metadata["flattr_owner"] = "email:late.secret@example.org"

def register():
    signals.article_generator_context.connect(give_owner)
"""


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_owner_address_another_plugin_gives_later_never_reaches_the_cache(
    tmp_path, cache_layer
):
    """An address put in a file's metadata after the plugin hashed it (by
    a plugin listed after it) is hashed as the content object is made: in
    the metadata, and in the attribute Pelican copied from it, which the
    generators' cache pickles with the object. The readers' cache never
    holds it: the other plugin changes Pelican's copy of the metadata, not
    the one the reader cached."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "late_owner.py").write_text(LATE_OWNER_PLUGIN, encoding="utf-8")
    settings = {
        "PLUGIN_PATHS": [str(plugins)],
        "PLUGINS": ["pelican_flattr", "late_owner"],
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "FLATTR_USERNAME": "siteowner",
    }
    files = {"late.md": article("Late owner", "Zed"), "b.md": article("Other", "Zed")}
    # In a process of its own: the other plugin stays connected to Pelican's
    # signals for the life of the process.
    built = child_build(tmp_path / "site", files, **settings)
    assert built.status == 0, built.messages
    output = tmp_path / "site" / "output"
    assert (
        manifest_things(output)["late.md"]["owner"]["value"]
        == "email:" + hashlib.md5(b"late.secret@example.org").hexdigest()
    )
    _assert_no_secret_address_written(tmp_path / "site", cache_layer)
    assert not any("secret" in line for line in built.log)


# A plugin with a generator of its own, which reads the files of notes/
# through Pelican's readers (and their cache) and sends no signal of the
# files' metadata.
NOTES_PLUGIN = """
from pelican import signals
from pelican.contents import Page
from pelican.generators import CachingGenerator

class NotesGenerator(CachingGenerator):
    def generate_context(self):
        for path in self.get_files(["notes"], extensions=["md"]):
            self.readers.read_file(
                base_path=self.path, path=path, content_class=Page, context=self.context
            )
        self.readers.save_cache()

    def generate_output(self, writer):
        pass

def get_generators(pelican):
    return NotesGenerator

def register():
    signals.get_generators.connect(get_generators)
"""


def test_an_address_another_generator_read_from_an_old_cache_is_hashed_there(
    tmp_path,
):
    """A generator of another plugin reads its files with no signal the
    plugin hashes their metadata on: read from a readers' cache written
    before the plugin was added, a file's address is hashed in that cache
    as its content object is made."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "notes.py").write_text(NOTES_PLUGIN, encoding="utf-8")
    settings = {
        "PLUGIN_PATHS": [str(plugins)],
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
        "FLATTR_USERNAME": "siteowner",
        "ARTICLE_EXCLUDES": ["notes"],
    }
    files = {
        "notes/note.md": article(
            "A note", "Zed", flattr_owner="email:note.secret@example.org"
        ),
        "article.md": article("An article", "Zed"),
    }
    folder = tmp_path / "site"
    # In processes of their own: the other plugin stays connected to
    # Pelican's signals for the life of the process.
    before = child_build(folder, files, PLUGINS=["notes"], **settings)
    assert before.status == 0, before.log
    notes_cache = folder / "cache" / "NotesGenerator-Readers"
    assert b"note.secret@" in _file_bytes(notes_cache)
    after = child_build(folder, {}, PLUGINS=["pelican_flattr", "notes"], **settings)
    assert after.status == 0, after.messages
    _assert_no_secret_address_written(folder, "reader")
    cached = _file_bytes(notes_cache)
    assert hashlib.md5(b"note.secret@example.org").hexdigest().encode() in cached


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_address_in_a_misspelt_owner_field_of_the_settings_never_reaches_the_cache(
    tmp_path, flattr_log, cache_layer
):
    """Ignored with a warning, like a misspelt field in a file, and hashed
    like it, since Pelican pickles its settings with the articles."""
    from conftest import build

    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "FLATTR_USERNAME": "siteowner",
        "DEFAULT_METADATA": {"flattr_ownr": "email:dave.secret@example.org"},
        "EXTRA_PATH_METADATA": {
            "zed.md": {"Flattr-Owner": "email:zed.secret@example.org"},
            # A letter from the field, not starting as it does.
            "yan.md": {"Flatr_owner": "email:yan.secret@example.org"},
        },
    }
    files = {
        "zed.md": article("Zed writes here", "Zed"),
        "yan.md": article("Yan too", "Zed", fattr_owner="email:y.secret@example.org"),
    }
    output = build(tmp_path, files, **settings)
    assert manifest_things(output)["zed.md"]["owner"]["value"] == "siteowner"
    warned = [m for m in _flattr_messages(flattr_log) if "no field of" in m]
    assert len(warned) == 4, warned
    for name in ("flattr_ownr", "flattr-owner", "flatr_owner", "fattr_owner"):
        assert any(f"'{name}'" in m for m in warned), name
    build(tmp_path, {}, **settings)  # a rebuild from the cache
    _assert_no_secret_address_written(tmp_path, cache_layer)
    assert not any("@" in message for message in _flattr_messages(flattr_log))


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_encoded_or_aliased_owner_address_never_reaches_the_cache(
    tmp_path, flattr_log, cache_layer
):
    """An "@" percent-encoded, as a character reference or a full-width
    one makes no usable owner, and is hidden as a plain one is; and a
    settings file that names FLATTR_AUTHORS twice has both names hashed."""
    from conftest import build

    authors = {
        "Zed": "email:zed.secret%40example.org",
        "Amy": "email:amy.secret&#64;example.org",
        "Bea": "email:bea.secret\uff20example.org",
        "Cy": "email:cy.secret@example.org",
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "FLATTR_USERNAME": "siteowner",
        "FLATTR_AUTHORS": authors,
        "AUTHOR_LINKS": authors,
    }
    files = {
        "zed.md": article("Zed writes here", "Zed"),
        "cy.md": article("Cy writes here", "Cy"),
        "own.md": article(
            "Own owner", "Zed", flattr_owner="email:own.secret&#x40;example.org"
        ),
    }
    output = build(tmp_path, files, **settings)
    build(tmp_path, {}, **settings)  # a rebuild from the cache
    things = manifest_things(output)
    assert (
        things["cy.md"]["owner"]["value"]
        == "email:" + hashlib.md5(b"cy.secret@example.org").hexdigest()
    )
    unusable = [m for m in _flattr_messages(flattr_log) if "not usable" in m]
    assert unusable, _flattr_messages(flattr_log)
    written = [
        p
        for folder in ("cache", "output")
        for p in (tmp_path / folder).rglob("*")
        if p.is_file()
    ]
    assert any(p.parent.name == "cache" for p in written)
    for path in written:
        data = _file_bytes(path)
        for name in (b"zed.secret", b"amy.secret", b"bea.secret", b"own.secret"):
            assert name not in data, (name, path)
        assert b"cy.secret" not in data, path
    assert not any("secret" in m for m in _flattr_messages(flattr_log))


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_owner_kept_in_another_setting_never_reaches_the_cache(
    tmp_path, flattr_log, cache_layer
):
    """Pelican keeps, and pickles, every upper-case name of a settings
    file: an owner written once under a name of its own, or a copy of
    FLATTR_AUTHORS, put the address in the cache while FLATTR_AUTHORS
    itself was hashed."""
    from conftest import build

    carol = "email:carol.secret@example.org"
    # The owner of every file of one folder, kept in a name of its own too.
    dan = "email:dan.secret@example.org"
    authors = {"Carol": carol, "Alice": "alice"}
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "CAROL": carol,
        "DAN": dan,
        "FLATTR_AUTHORS": authors,
        "EXTRA_PATH_METADATA": {"dan/d.md": {"Flattr_owner": dan}},
        "MY_AUTHORS": dict(authors),
        "ORDERED_AUTHORS": OrderedDict(authors),
        # Subclasses of dict and tuple: passed over by their exact type.
        "DEFAULT_AUTHORS": defaultdict(str, authors),
        "OWNER_LIST": [Contributor("Carol", carol)],
        "NAME_OF": {carol: "Carol"},
        "OWNERS": frozenset({carol, "alice"}),
        "SOCIAL": (("mail", carol), ("web", "https://example.org/")),
        "TEAM": {"leads": [carol, "alice"]},
        # Another address, of no owner: the operator's own text, kept.
        "CONTACT": "email:desk@example.org",
    }
    files = {
        "c.md": article("Carol writes", "Carol"),
        "a.md": article("A", "Alice"),
        "dan/d.md": article("D", "Dan"),
    }
    build(tmp_path, files, **settings)
    build(tmp_path, {}, **settings)  # a rebuild from the cache
    cached = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cached
    assert any(b"desk@example.org" in _file_bytes(p) for p in cached)
    for path in [
        *cached,
        *(p for p in (tmp_path / "output").rglob("*") if p.is_file()),
    ]:
        assert b"carol.secret" not in _file_bytes(path), path
        assert b"dan.secret" not in _file_bytes(path), path
    # The settings file's own values stay as written: the next build in
    # the process (pelican --autoreload) reads them again.
    assert authors == {"Carol": carol, "Alice": "alice"}
    assert settings["TEAM"] == {"leads": [carol, "alice"]}
    assert not any("secret" in m for m in _flattr_messages(flattr_log))


def test_owners_given_anywhere_the_plugin_reads_them_are_hashed_in_every_setting():
    from pelican_flattr.settings import scrub_addresses

    eve, fay = "email:eve.secret@example.org", "email:fay.secret@example.org"
    gil = "email:gil.secret@example.org"
    settings = {
        "EVE": eve,
        "FAY": [fay],
        # Refused (an owner is one value), but an owner's address all the same.
        "FLATTR_USERNAME": [gil],
        "GIL": gil,
        "DEFAULT_METADATA": {"FLATTR_OWNER": eve},
        # A language's own settings hold the main site's owners too.
        "I18N_SUBSITES": {
            "de": {"FLATTR_AUTHORS": {"Fay": fay}, "SOCIAL": (("mail", eve),)}
        },
    }
    scrub_addresses(settings)
    assert "secret" not in repr(settings)
    assert (
        settings["EVE"] == "email:" + hashlib.md5(b"eve.secret@example.org").hexdigest()
    )


def test_pelicans_own_log_lines_hide_an_owners_address(tmp_path, caplog):
    """Pelican's HTML reader logs a <meta> it skips whole, attributes and
    all, before any signal of the plugin: an owner written as Open Graph
    tags are (property=, not name=) reached the build's log."""
    from conftest import build

    page = (
        "<html><head><title>Hello</title><meta name='author' content='Carol'>"
        "<meta name='date' content='2024-03-01'>"
        '<meta property="flattr_owner" content="email:carol.secret@example.org">'
        "</head><body><p>A body long enough to say something.</p></body></html>"
    )
    caplog.set_level(logging.DEBUG)
    build(tmp_path, {"h.html": page}, FLATTR_AUTHORS={"Carol": "alice"})
    skipped = [r for r in caplog.records if "does not have a 'name'" in r.getMessage()]
    assert skipped, [r.getMessage() for r in caplog.records]
    assert 'content="email:[address]"' in skipped[0].getMessage()
    assert not any("carol.secret" in r.getMessage() for r in caplog.records)


def test_a_traceback_in_pelicans_log_hides_an_owners_address(tmp_path, caplog):
    """With DEBUG (pelican -D), Pelican logs a file it cannot read with its
    traceback, which quotes the value: an owner written in the wrong field
    put the plain address in the log."""
    from conftest import build

    bad = article("Bad date", "Carol").replace(
        "Date: 2024-03-01 10:00", "Date: email:carol.secret@example.org"
    )
    caplog.set_level(logging.DEBUG)
    build(tmp_path, {"bad.md": bad}, FLATTR_AUTHORS={"Carol": "alice"}, DEBUG=True)
    failed = [r for r in caplog.records if "Could not process" in r.getMessage()]
    assert failed, [r.getMessage() for r in caplog.records]
    assert "ValueError: 'email:[address]' is not a valid date" in failed[0].getMessage()
    for record in caplog.records:
        assert "carol.secret" not in record.getMessage()
        assert "carol.secret" not in (record.exc_text or "")
        if record.exc_info:
            assert "carol.secret" not in str(record.exc_info[1])


def test_owners_in_subclasses_of_dict_and_tuple_are_hashed_and_keep_their_type():
    from pelican_flattr.settings import scrub_addresses

    eve = "email:eve.secret@example.org"
    hashed = "email:" + hashlib.md5(b"eve.secret@example.org").hexdigest()
    settings = {
        "FLATTR_AUTHORS": {"Eve": eve},
        # Refused: the next autoreload run says "got tuple" again, as the first.
        "FLATTR_USERNAME": (eve,),
        "BY_NAME": defaultdict(list, {"Eve": eve}),
        "TEAM": (Contributor("Eve", eve),),
    }
    scrub_addresses(settings)
    assert "secret" not in repr(settings)
    assert settings["FLATTR_USERNAME"] == (hashed,)
    by_name = settings["BY_NAME"]
    assert type(by_name) is defaultdict and by_name.default_factory is list
    assert by_name["Eve"] == hashed
    (member,) = settings["TEAM"]
    assert type(member) is Contributor and member == Contributor("Eve", hashed)


@pytest.mark.parametrize(
    "entry",
    ["mailto:carol@example.org", "carol@example.org", "https://flattr.com/@carol"],
)
def test_the_sites_own_text_stays_as_written_beside_an_unusable_owner(
    tmp_path, flattr_log, entry
):
    # An owner entry the plugin refuses is the site's own text too (the
    # theme's mail link, a profile link): hiding its address in every
    # setting that held it broke the page's links, the build still passing.
    from conftest import build

    social = (("mail", entry), ("web", "https://example.org/"))
    output = build(
        tmp_path,
        {"c.md": article("Carol writes", "Carol")},
        FLATTR_AUTHORS={"Carol": entry},
        SOCIAL=social,
        THEME="notmyidea",
    )
    links = [a.get("href") for a in page(output / "carol-writes.html").find_all("a")]
    assert entry in links
    assert any("FLATTR_AUTHORS" in m for m in _flattr_messages(flattr_log))


@pytest.mark.parametrize("given_by", ["FLATTR_AUTHORS", "flattr_owner"])
def test_an_owner_address_in_quotes_is_refused_not_hashed_with_them(
    tmp_path, flattr_log, given_by
):
    # Pasted from a text: hashed with its quotes, the owner was one nobody
    # could claim, and the check of the title for the owner's address,
    # which looks for the address, passed it without a word.
    from conftest import build

    quoted = "email:“carol@example.org”"
    meta = {"flattr_owner": quoted} if given_by == "flattr_owner" else {}
    files = {"c.md": article("Write to carol@example.org today", "Carol", **meta)}
    settings = (
        {"FLATTR_USERNAME": "site"}
        if given_by == "flattr_owner"
        else {"FLATTR_AUTHORS": {"Carol": quoted}}
    )
    output = build(tmp_path, files, **settings)
    messages = _flattr_messages(flattr_log)
    refused = [m for m in messages if "is in quotes" in m]
    where = (
        "FLATTR_AUTHORS['Carol']"
        if given_by == "FLATTR_AUTHORS"
        else "c.md: metadata 'flattr_owner'"
    )
    assert refused and all(where in m for m in refused)
    assert not [m for m in messages if "carol@" in m]
    wrong_owner = "email:" + hashlib.md5(quoted[6:].encode()).hexdigest()
    built = "".join(f.read_text(errors="replace") for f in output.rglob("*.*"))
    assert wrong_owner not in built and wrong_owner[6:] not in built


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_address_in_an_owner_that_is_not_text_never_reaches_the_cache(
    tmp_path, flattr_log, cache_layer
):
    from conftest import build

    files = {
        "twice.md": _owner_twice("Owner given twice", "email:erin.secret@example.org"),
        "zed.md": article("Zed writes here", "Zed"),
        "amy.md": article("Amy writes here", "Amy"),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "FLATTR_AUTHORS": {
            "Zed": ("email:zed.secret@example.org",),
            "Amy": ["nobody", {"to": "amy.secret@example.org"}],
            # The text before the first colon is no kind of owner to keep.
            "Bea": "bea.secret@example.org:x",
        },
    }
    build(tmp_path, files, **settings)
    # A rebuild from the cache reports the same problems as the first build.
    build(tmp_path, {}, **settings)
    # An unusable FLATTR_USERNAME stops every button: a build of its own.
    site_owner = ["email:site.secret@example.org"]
    build(tmp_path / "username", files, **dict(settings, FLATTR_USERNAME=site_owner))
    _assert_no_secret_address_written(tmp_path, cache_layer)
    messages = _flattr_messages(flattr_log)
    assert not any("@" in message for message in messages)
    assert sum("settings: FLATTR_USERNAME expected text (" in m for m in messages) == 1
    # Once per build (the last build resolves no article).
    for says, count in (
        ("settings: FLATTR_AUTHORS['Zed'] expected text (", 3),
        ("settings: FLATTR_AUTHORS['Amy'] expected text (", 3),
        ("settings: FLATTR_AUTHORS['Bea'] looks like a plain email address", 3),
        ("twice.md: metadata 'flattr_owner' must be a single value", 2),
    ):
        assert sum(says in m for m in messages) == count, says


MD5_OF_DAVE = "a18e07d2bda4c3a074261d4d98826cea"


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_an_owner_address_in_the_metadata_settings_never_reaches_the_cache(
    tmp_path, flattr_log, cache_layer
):
    """An owner for every article (DEFAULT_METADATA) or for some files
    (EXTRA_PATH_METADATA) sits in Pelican's settings, which the content cache
    pickles with every article that has an author, category or tag."""
    from conftest import build

    files = {
        "zed.md": article("Zed writes here", "Zed"),
        "extra.md": article("Amy writes there", "Amy"),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "DEFAULT_METADATA": {"flattr_owner": "email:Dave.Secret@example.org"},
        "EXTRA_PATH_METADATA": {
            "extra.md": {"flattr_owner": "email:amy.secret@example.org"},
            # Any letter case: Pelican keeps a settings key's case.
            "zed.md": {"Flattr_Owner": "email:zed.secret@example.org"},
        },
    }
    output = build(tmp_path, files, **settings)
    # The owners still reach Flattr, hashed as the address would be, and
    # a file's own owner, in any letter case, before the default.
    owners = {
        source: entry["owner"] for source, entry in manifest_things(output).items()
    }
    assert owners == {
        "zed.md": {
            "kind": "email",
            "value": "email:" + hashlib.md5(b"zed.secret@example.org").hexdigest(),
        },
        "extra.md": {
            "kind": "email",
            "value": "email:" + hashlib.md5(b"amy.secret@example.org").hexdigest(),
        },
    }
    # A rebuild from the cache, which keeps what the first build pickled.
    assert manifest_things(build(tmp_path, {}, **settings)) == manifest_things(output)
    _assert_no_secret_address_written(tmp_path, cache_layer)
    assert not any("@" in message for message in _flattr_messages(flattr_log))


def _published_warning(source, copy, form, setting="OUTPUT_SOURCES = True"):
    return (
        f"pelican-flattr: {source}: {setting} publishes this source "
        f"file as it is ({copy}), and it holds the plain email address of its "
        f"owner: write the owner as {form} and keep the address out of the file"
    )


def _published_source_warnings(log, setting="OUTPUT_SOURCES"):
    return [m for m in _flattr_messages(log) if setting in m]


def test_a_published_source_with_an_owner_address_is_named(tmp_path, flattr_log):
    from conftest import build

    files = {
        "a.md": article(
            "Owner in metadata", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
        "hashed.md": article(
            "Owner hashed already", "Zed", flattr_owner="email:" + MD5_OF_DAVE
        ),
        "twice.md": _owner_twice("Owner given twice", "email:erin.secret@example.org"),
        "plain.md": article(
            "Plain address owner", "Zed", flattr_owner="gina.secret@example.org"
        ),
        # Pelican publishes no draft's source.
        "draft.md": article(
            "Draft owner",
            "Zed",
            flattr_owner="email:x.secret@example.org",
            status="draft",
        ),
        "pages/about.md": article(
            "About this", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
        # Pelican publishes a translation's source too: here only the
        # translation, of an article and of a page, has the owner.
        "hello.md": article("Hello", "Zed", slug="hello"),
        "hello-fr.md": article(
            "Bonjour",
            "Zed",
            slug="hello",
            lang="fr",
            flattr_owner="email:dave.secret@example.org",
        ),
        "pages/contact.md": article("Contact", "Zed", slug="contact"),
        "pages/contact-fr.md": article(
            "Nous écrire",
            "Zed",
            slug="contact",
            lang="fr",
            flattr_owner="email:dave.secret@example.org",
        ),
    }
    settings = {
        "OUTPUT_SOURCES": True,
        "FLATTR_USERNAME": "siteowner",
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
    }
    output = build(tmp_path, files, **settings)
    # The plugin cannot rewrite Pelican's copy: the warning is the fix.
    assert b"dave.secret@" in (output / "owner-in-metadata.text").read_bytes()
    first = _published_source_warnings(flattr_log)
    # plain.md's owner could not be hashed: an error of its own names it.
    hashed = f"email:{MD5_OF_DAVE} (the hash Flattr receives)"
    unknown = "email:MD5HEX (the address's MD5 hash)"
    assert first == [
        _published_warning("a.md", "owner-in-metadata.text", hashed),
        _published_warning("hello-fr.md", "hello-fr.text", hashed),
        _published_warning("pages/about.md", "pages/about-this.text", hashed),
        _published_warning("pages/contact-fr.md", "pages/contact-fr.text", hashed),
        _published_warning("twice.md", "owner-given-twice.text", unknown),
    ]
    # A rebuild from the cache publishes the sources again: said again.
    flattr_log.clear()
    build(tmp_path, {}, **settings)
    assert _published_source_warnings(flattr_log) == first
    assert not any("@" in m for m in _flattr_messages(flattr_log))
    # Like every other problem, it fails a strict build (here the only one).
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path / "strict", {"a.md": files["a.md"]}, FLATTR_STRICT=True, **settings
        )
    assert _published_source_warnings(flattr_log) == first[:1]
    assert all(
        r.levelname == "ERROR"
        for r in flattr_log.records
        if "OUTPUT_SOURCES" in r.getMessage()
    )
    # Without OUTPUT_SOURCES the source stays private: nothing to say.
    flattr_log.clear()
    build(tmp_path, {}, **dict(settings, OUTPUT_SOURCES=False))
    assert _published_source_warnings(flattr_log) == []


def test_a_strict_build_says_every_address_check_of_its_end_before_it_fails(
    tmp_path, flattr_log
):
    """A published source holding its owner's address and a title holding
    an owner's address are each checked at the build's end: a strict build
    failed on the first, counted it as its only problem, and left the other
    unsaid until the next build."""
    from conftest import build

    files = {
        "a.md": article(
            "Owner in metadata", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
        "b.md": article("Write to dave.secret@example.org", "Zed"),
    }
    with pytest.raises(FlattrBuildError, match="2 problems"):
        build(
            tmp_path,
            files,
            OUTPUT_SOURCES=True,
            FLATTR_STRICT=True,
            FLATTR_USERNAME="siteowner",
            FLATTR_URL_GUARD=False,
        )
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    assert [level for level, _ in said] == ["ERROR", "ERROR", "CRITICAL"], said
    assert said[0][1] == _published_warning(
        "a.md",
        "owner-in-metadata.text",
        f"email:{MD5_OF_DAVE} (the hash Flattr receives)",
    )
    assert said[1][1].startswith("pelican-flattr: b.md: the title of this content")
    # The count is the whole bill: no check was left out.
    assert said[2][1] == (
        "pelican-flattr: 2 problems and FLATTR_STRICT is on: build failed"
    )
    assert not (tmp_path / "output" / "flattr-manifest.json").exists()


def test_a_source_path_named_after_an_owner_address_is_named(tmp_path, flattr_log):
    # A folder named after an author's address: the manifest and the
    # baseline record the path (Pelican makes it the category, too), and
    # the build said nothing; only the audit found it.
    from conftest import build

    files = {
        "carol@example.org/notes.md": article("Notes", "Carol", slug="notes"),
        # Percent-encoded, as the manifest records it too: it was let by.
        "carol%40example.org/more.md": article("More", "Alice", slug="more"),
        # Another address, of no owner here: a path like any other.
        "dan@example.org/post.md": article("Post", "Alice", slug="post"),
        "dan%40example.org/also.md": article("Also", "Alice", slug="also"),
    }
    authors = {"Carol": "email:carol@example.org", "Alice": "alice"}
    output = build(
        tmp_path, files, FLATTR_AUTHORS=authors, USE_FOLDER_AS_CATEGORY=False
    )
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    assert said == [
        (
            "WARNING",
            f"pelican-flattr: [address]/{name}.md: the path of this source file "
            "holds the plain email address of an owner, which the manifest and "
            "the URL baseline publish with it (as Pelican does a folder's name, "
            "for its category): rename the file or its folder",
        )
        for name in ("more", "notes")
    ]
    assert "carol%40example.org/more.md" in manifest_things(output)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert any("path of this source" in r.getMessage() for r in flattr_log.records)


def test_a_pages_category_is_in_no_open_graph_tag(site, flattr_log):
    # A page's head has no article:section: its category, an owner's
    # address as written, is published by no tag of the plugin's.
    files = {
        "pages/contact.md": (
            "Title: Contact\nAuthor: Carol\nCategory: carol@example.org\n\n"
            "Write to us.\n"
        )
    }
    authors = {"Carol": "email:carol@example.org"}
    output = site(files, FLATTR_AUTHORS=authors, FLATTR_PAGES=True)
    soup = page(output / "pages" / "contact.html")
    assert og(soup, "og:type") == ["website"] and og(soup, "article:section") == []
    assert [r.getMessage() for r in flattr_log.records] == []


def test_an_owner_address_only_open_graph_publishes_is_named(tmp_path, flattr_log):
    # og:image and article:section are the page's head's alone: an image
    # in a folder named by the address, or a category written as it, went
    # into them with the build silent, strict or not; only the audit said.
    from conftest import build

    files = {
        "cover.md": article(
            "Cover", "Carol", og_image="/images/carol@example.org/cover.png"
        ),
        "escaped.md": article(
            "Escaped", "Alice", image="https://cdn.example.net/carol%40example.org.png"
        ),
        "section.md": article("Section", "Carol", category="carol@example.org"),
        # An address of no owner here: an image like any other.
        "other.md": article("Other", "Carol", og_image="/images/desk@example.org.png"),
    }
    authors = {"Carol": "email:carol@example.org", "Alice": "alice"}
    output = build(tmp_path, files, FLATTR_AUTHORS=authors)
    tail = (
        "the plain email address of an owner, which its page's Open Graph "
        "tags publish: write the address another way, or leave it out"
    )
    assert [(r.levelname, r.getMessage()) for r in flattr_log.records] == [
        (
            "WARNING",
            f"pelican-flattr: {name}: the {field} of this content holds {tail}",
        )
        for name, field in (
            ("cover.md", "image (og:image)"),
            ("escaped.md", "image (og:image)"),
            ("section.md", "category (article:section)"),
        )
    ]
    head = page(output / "cover.html").find("meta", property="og:image")
    assert "carol@example.org" in head["content"]  # what the warning is about
    assert audit_command(["audit", str(output)]) == 1  # what the build names
    # A folder named by the address makes the category: said once, of the
    # path (renaming the folder mends both).
    flattr_log.clear()
    build(
        tmp_path / "folder",
        {"carol@example.org/notes.md": article("Notes", "Carol")},
        FLATTR_AUTHORS={"Carol": authors["Carol"]},
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert len(said) == 1 and "the path of this source file" in said[0], said
    # A category of its own, another owner's address, is still said.
    flattr_log.clear()
    build(
        tmp_path / "folder-and-category",
        {
            "carol@example.org/notes.md": article(
                "Notes", "Carol", category="dave@example.org"
            ),
            "misc/d.md": article("D", "Dave"),
        },
        FLATTR_AUTHORS={"Carol": authors["Carol"], "Dave": "email:dave@example.org"},
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert [m for m in said if "the category (article:section)" in m], said
    # Written as the folder's name where Pelican takes no category from
    # folders (as it decides: both settings): renaming the folder would not
    # mend it, so it is said too.
    for number, no_folder_categories in enumerate(
        ({"USE_FOLDER_AS_CATEGORY": False}, {"CATEGORY_SAVE_AS": ""})
    ):
        flattr_log.clear()
        build(
            tmp_path / f"category-as-folder-{number}",
            {
                "carol@example.org/n.md": article(
                    "N", "Carol", category="carol@example.org"
                )
            },
            FLATTR_AUTHORS={"Carol": authors["Carol"]},
            **no_folder_categories,
        )
        said = [r.getMessage() for r in flattr_log.records]
        assert len(said) == 2, (no_folder_categories, said)
        assert "the category (article:section)" in said[1], said
    # Without Open Graph the head publishes neither: nothing to say.
    flattr_log.clear()
    build(tmp_path / "off", files, FLATTR_AUTHORS=authors, FLATTR_OPEN_GRAPH=False)
    assert not flattr_log.records
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert any("cover.md: the image" in r.getMessage() for r in flattr_log.records)


@pytest.mark.parametrize("sign", ["\uff20", "\ufe6b"])
def test_a_path_with_a_wide_at_sign_is_logged_without_the_address(
    tmp_path, flattr_log, sign
):
    # The log's filter looked for a plain or encoded "@" before hiding
    # anything: a folder named "carol＠example.org" was logged whole.
    from conftest import build

    folder = f"carol{sign}example.org"
    files = {f"{folder}/notes.md": article("Notes", "Alice", flattr_category="nope")}
    build(tmp_path, files, FLATTR_AUTHORS={"Alice": "alice"})
    said = [r.getMessage() for r in flattr_log.records]
    assert any(m.startswith("pelican-flattr: [address]/notes.md: ") for m in said)
    assert not [m for m in said if "carol" in m or "example" in m]


def test_an_owner_address_in_what_flattr_is_told_is_named(tmp_path, flattr_log):
    """An article that asks its readers to write to its author: the page
    shows the address, and the thing's auto-submit URL carries it into the
    head, the button, the feeds and the manifest, and to Flattr. The build
    names the file and the fields; the audit fails such a site."""
    from conftest import build

    files = {
        "solder.md": article(
            "Soldering",
            "Carol",
            body="Questions? Write to Carol@Example.org and I will answer.",
        ),
        "ask.md": article(
            "Ask carol@example.org",
            "Alice",
            body="Questions? Write to carol@example.org, who knows.",
            tags="help, carol@example.org",
        ),
        # An address, but of no owner: text like any other.
        "other.md": article(
            "Other", "Carol", body="Write to the editors at desk@example.org today."
        ),
        "plain.md": article("Plain", "Carol"),
    }
    authors = {"Carol": "email:carol@example.org", "Alice": "alice"}
    output = build(tmp_path, files, FLATTR_AUTHORS=authors)
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    tail = (
        "the plain email address of an owner, which its page shows and its "
        "auto-submit URL sends to Flattr, in the page's head and button, the "
        'feeds and the manifest: write the address another way ("carol at '
        'example dot org"), or give the content a Summary without it'
    )
    assert said == [
        (
            "WARNING",
            f"pelican-flattr: ask.md: the title, description and tags of this "
            f"content hold {tail}",
        ),
        (
            "WARNING",
            f"pelican-flattr: solder.md: the description of this content holds {tail}",
        ),
    ]
    # What the build names, the audit finds.
    assert audit_command(["audit", str(output)]) == 1
    # A title alone gets no advice about a Summary.
    flattr_log.clear()
    build(
        tmp_path / "title",
        {
            "t.md": article("Mail carol@example.org", "Carol"),
            # Pelican takes a slug as written: the URL holds it.
            "u.md": article("Slugged", "Carol", slug="carol@example.org"),
            # What a reader does not see hides nothing: "car-ol" at most.
            "v.md": article("Mail car\u00adol@example.org", "Carol", slug="v"),
            # Percent-encoded, as the audit finds it too.
            "w.md": article("Mail carol%40example.org", "Carol", slug="w"),
        },
        FLATTR_AUTHORS={"Carol": authors["Carol"]},
    )
    assert [r.getMessage() for r in flattr_log.records] == [
        f"pelican-flattr: {name}: the {field} of this content holds the plain "
        "email address of an owner, which its page shows and its auto-submit "
        "URL sends to Flattr, in the page's head and button, the feeds and the "
        'manifest: write the address another way ("carol at example dot org")'
        for name, field in (
            ("t.md", "title"),
            ("u.md", "URL"),
            ("v.md", "title"),
            ("w.md", "title"),
        )
    ]
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert any(
        "solder.md: the description" in r.getMessage() for r in flattr_log.records
    )
    # An address in FLATTR_TAGS is in every thing's tags: said once, of the
    # setting (it was said of each article, as if its own tags held it);
    # an article's own tags still are its own.
    flattr_log.clear()
    build(
        tmp_path / "site-tags",
        {
            "a.md": article("A", "Carol"),
            "b.md": article("B", "Carol"),
            "c.md": article("C", "Carol", tags="mail carol@example.org"),
        },
        FLATTR_AUTHORS={"Carol": authors["Carol"]},
        FLATTR_TAGS=["bench", " Carol@example.org"],  # as written, not cleaned
    )
    assert [r.getMessage() for r in flattr_log.records] == [
        "pelican-flattr: FLATTR_TAGS holds the plain email address of an owner, "
        "which every thing's tags send to Flattr, in each page's head and "
        "button, the feeds and the manifest: remove it",
        "pelican-flattr: c.md: the tags of this content hold the plain email "
        "address of an owner, which its page shows and its auto-submit URL "
        "sends to Flattr, in the page's head and button, the feeds and the "
        'manifest: write the address another way ("carol at example dot org")',
    ]


# The warning of an owner field read as text, whose address the
# description holds: its advice is to write the field in the header.
HEADER_ADVICE = (
    "pelican-flattr: a.md: the description of this content holds the plain "
    "email address of an owner, which its page shows and its auto-submit URL "
    "sends to Flattr, in the page's head and button, the feeds and the "
    "manifest: write its owner field in the header, as the warning about it "
    "says: the build hashes the address there"
)


@pytest.mark.parametrize(
    "text",
    [
        # A space for the "_": Pelican's header ends there, the line is text.
        "Title: Spaced owner\nDate: 2024-01-01\nAuthor: Alice\n"
        "Flattr owner: email:dave@example.net\n\nHello world.\n",
        # After the header's blank line.
        article("Late owner", "Alice", "Flattr_owner: email:dave@example.net\n\nHi."),
    ],
)
def test_an_owner_address_read_as_text_is_named(tmp_path, flattr_log, text):
    """An owner field Pelican read as text is the article's text, address
    and all, and so its thing's description: the build warned of the field
    and never of the address, which the button's auto-submit URL sent to
    Flattr and the manifest published."""
    from conftest import build

    output = build(tmp_path / "site", {"a.md": text}, FLATTR_AUTHORS={"Alice": "alice"})
    manifest = manifest_things(output)
    assert "dave@example.net" in manifest["a.md"]["description"]
    said = [r.getMessage() for r in flattr_log.records]
    assert [line for line in said if "plain email address" in line] == [HEADER_ADVICE]
    assert any("which Pelican read as text" in line for line in said)
    assert not any("dave" in line for line in said)
    with pytest.raises(FlattrBuildError):
        build(
            tmp_path / "strict",
            {"a.md": text},
            FLATTR_AUTHORS={"Alice": "alice"},
            FLATTR_STRICT=True,
        )


# Another owner's address in the body, or the field's own owner's again.
@pytest.mark.parametrize(
    "field_owner", ["email:dave@example.net", "email:erin@example.org"]
)
def test_an_owner_field_read_as_text_is_advised_only_for_its_own_address(
    tmp_path, flattr_log, field_owner
):
    """An owner field read as text, and in the body an owner's address: the
    advice was to write the field in the header alone, which left Erin's
    address in the description, the page, the feeds and the manifest."""
    from conftest import build

    body = f"Flattr_owner: {field_owner}\n\nAsk erin@example.org, or Erin."
    build(
        tmp_path / "site",
        {
            "a.md": article("Late owner", "Alice", body),
            "b.md": article("Erin's", "Erin"),
        },
        FLATTR_AUTHORS={"Alice": "alice", "Erin": "email:erin@example.org"},
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert [line for line in said if "plain email address" in line] == [
        HEADER_ADVICE + "; and where the text names an "
        'address, write the address another way ("carol at example dot org"), '
        "or give the content a Summary without it"
    ]


def test_an_owner_address_in_the_html_of_a_title_or_summary_is_named(
    tmp_path, flattr_log
):
    """A Summary's link to another author's address: the thing's
    description is plain text, without the link's target, and the build
    said nothing (strict or not) while Pelican published the summary's
    HTML in the feeds, and the audit failed the site. A title's HTML, which
    Pelican prints as written, too. The body is not read."""
    from conftest import build

    mailto = "mailto:zed.hidden@example.com"
    files = {
        "zed.md": article("Zed post", "Zed"),
        "contact.md": article(
            "Contact", "Alice", summary=f'write to <a href="{mailto}">Zed</a>'
        ),
        # Percent-encoded, and as a character reference.
        "encoded.md": article(
            "Encoded",
            "Alice",
            summary="write to [Zed](mailto:zed.hidden%40example.com)",
        ),
        "reference.md": article(
            "Reference",
            "Alice",
            summary='write to <a href="mailto:zed.hidden&#64;example.com">Zed</a>',
        ),
        # Past what the thing's description keeps (1,000 characters).
        "long.md": article(
            "Long", "Alice", summary="word " * 220 + "and zed.hidden@example.com"
        ),
        "title.md": article(f'Write to <a href="{mailto}">Zed</a>', "Alice"),
        # Said of the description, as before: not twice.
        "text.md": article("Text", "Alice", summary="write to zed.hidden@example.com"),
        # An address of no owner, and one in the body.
        "desk.md": article(
            "Desk", "Alice", summary='<a href="mailto:desk@example.org">us</a>'
        ),
        "body.md": article(
            "Body",
            "Alice",
            summary="Nothing here.",
            body=f'Write to <a href="{mailto}">Zed</a> for more.',
        ),
    }
    settings = {
        "FLATTR_AUTHORS": {"Zed": "email:zed.hidden@example.com", "Alice": "alice"},
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
    }
    output = build(tmp_path, files, **settings)
    tail = (
        "the plain email address of an owner (in a link, perhaps), which "
        "Pelican publishes as it is, where the theme or the feeds show it: "
        "write the address another way, or leave it out"
    )
    said = [(r.levelname, r.getMessage()) for r in flattr_log.records]
    assert said == [
        (
            "WARNING",
            f"pelican-flattr: {name}: the HTML of the {field} of this content "
            f"holds {tail}",
        )
        for name, field in (
            ("contact.md", "summary"),
            ("encoded.md", "summary"),
            ("long.md", "summary"),
            ("reference.md", "summary"),
        )
    ] + [
        (
            "WARNING",
            "pelican-flattr: text.md: the description of this content holds the "
            "plain email address of an owner, which its page shows and its "
            "auto-submit URL sends to Flattr, in the page's head and button, the "
            'feeds and the manifest: write the address another way ("carol at '
            'example dot org"), or give the content a Summary without it',
        ),
        (
            "WARNING",
            f"pelican-flattr: title.md: the HTML of the title of this content "
            f"holds {tail}",
        ),
    ]
    # What the warnings are about.
    import feedparser

    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    summaries = {entry.title: entry.summary for entry in feed.entries}
    assert f'href="{mailto}"' in summaries["Contact"]
    assert page(output / "write-to-zed.html").find("a", href=mailto)
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_STRICT=True, **settings)
    assert any(
        r.levelname == "ERROR"
        and "contact.md: the HTML of the summary" in r.getMessage()
        for r in flattr_log.records
    )


# The end of each warning about an owner's address in a content's fields.
ADDRESS_IN_FIELDS = (
    "the plain email address of an owner, which its page shows and its "
    "auto-submit URL sends to Flattr, in the page's head and button, the "
    'feeds and the manifest: write the address another way ("carol at '
    'example dot org")'
)


@pytest.mark.parametrize(
    "carols",
    [
        pytest.param({"status": "draft"}, id="draft"),
        pytest.param({"flattr": "no"}, id="opted-out"),
        # Her owner given by her draft's own metadata, not by a mapping.
        pytest.param(
            {"status": "draft", "flattr_owner": "email:carol@example.org"},
            id="draft-metadata",
        ),
    ],
)
def test_an_address_of_an_owner_without_a_thing_is_named(tmp_path, flattr_log, carols):
    """Only the owners of this build's things were looked for: the address
    of one whose only article is a draft, or opts out, reached the pages,
    feeds and manifest without a word, even under FLATTR_STRICT."""
    from conftest import build

    authors = {"Alice": "alice"}
    if "flattr_owner" not in carols:
        authors["Carol"] = "email:carol@example.org"
    files = {
        "a.md": article("Questions? Write to carol@example.org", "Alice"),
        "carol.md": article("Carol's", "Carol", **carols),
    }
    output = build(tmp_path, files, FLATTR_AUTHORS=authors)
    assert [r.getMessage() for r in flattr_log.records] == [
        f"pelican-flattr: a.md: the title of this content holds {ADDRESS_IN_FIELDS}"
    ]
    assert "carol%40example.org" in manifest_things(output)["a.md"]["auto_submit_url"]
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_AUTHORS=authors, FLATTR_STRICT=True)
    assert [
        r.levelname for r in flattr_log.records if "a.md: the title" in r.getMessage()
    ] == ["ERROR"]


def test_site_tags_and_titles_with_the_address_of_an_owner_without_a_thing(
    tmp_path, flattr_log
):
    """FLATTR_TAGS, and a title, holding the address of an owner with no
    thing in this build (FLATTR_AUTHORS' Carol, the site owner Alice, whose
    authors all map to others), which every auto-submit URL carries."""
    from conftest import build

    files = {"b.md": article("Bob's", "Bob"), "c.md": article("Carol's", "Carol")}
    build(
        tmp_path / "mapped",
        {"b.md": files["b.md"], "c.md": article("Carol's", "Carol", status="draft")},
        FLATTR_AUTHORS={"Bob": "bob", "Carol": "email:carol@example.org"},
        FLATTR_TAGS=["carol@example.org"],
    )
    tags_warning = (
        "pelican-flattr: FLATTR_TAGS holds the plain email address of an owner, "
        "which every thing's tags send to Flattr, in each page's head and "
        "button, the feeds and the manifest: remove it"
    )
    assert [r.getMessage() for r in flattr_log.records] == [tags_warning]
    flattr_log.clear()
    site = {
        "FLATTR_AUTHORS": {"Bob": "bob", "Carol": "carol"},
        "FLATTR_USERNAME": "email:alice@example.org",
    }
    files["d.md"] = article("Write to alice@example.org", "Bob")
    output = build(
        tmp_path / "site-owner", files, FLATTR_TAGS=["alice@example.org"], **site
    )
    assert {thing["owner"]["value"] for thing in manifest_things(output).values()} == {
        "bob",
        "carol",
    }
    assert [r.getMessage() for r in flattr_log.records] == [
        tags_warning,
        f"pelican-flattr: d.md: the title of this content holds {ADDRESS_IN_FIELDS}",
    ]


@pytest.mark.parametrize("sign", ["\uff20", "\ufe6b"], ids=["full-width", "small"])
def test_an_owner_address_with_a_wide_at_sign_is_found_by_build_and_audit(
    tmp_path, flattr_log, capsys, sign
):
    # A reader takes "＠" for "@", and the web hook receiver refuses it as
    # an address; the build and the audit, reading for "@" alone, let the
    # page, its auto-submit URL (percent-encoded) and the manifest publish
    # Carol's address without a word.
    from conftest import build

    files = {
        "a.md": article("Carol's", "Carol"),
        "g.md": article(
            "Guest post", "Bob", flattr_tags=f"guest; carol{sign}example.org"
        ),
    }
    output = build(
        tmp_path,
        files,
        FLATTR_AUTHORS={"Bob": "bob", "Carol": "email:carol@example.org"},
    )
    said = [r.getMessage() for r in flattr_log.records]
    assert said == [
        f"pelican-flattr: g.md: the tags of this content hold {ADDRESS_IN_FIELDS}"
    ], said
    capsys.readouterr()
    assert audit_command(["audit", str(output), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    leaked = {p["file"] for p in report["problems"] if p["kind"] == "address-published"}
    assert manifest_things(output)["g.md"]["page"] in leaked, report["problems"]
    assert "flattr-manifest.json" in leaked


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SITESUBTITLE", "Write to alice@example.org"),
        ("SITESUBTITLE", "Write to <em>alice%40example.org</em>"),
        ("SITENAME", "alice@example.org's notes"),
    ],
)
def test_an_owner_address_in_the_sites_own_thing_is_named(
    tmp_path, flattr_log, setting, value
):
    """The site's own thing (FLATTR_USERNAME's, at SITEURL/) takes its title
    and description from SITENAME and SITESUBTITLE, and every feed and the
    manifest carry its auto-submit URL: an owner's address there was never
    looked for."""
    from conftest import build

    settings = {
        "FLATTR_USERNAME": "email:alice@example.org",
        "FLATTR_AUTHORS": {"Bob": "bob"},
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        setting: value,
    }
    files = {"b.md": article("Bob's", "Bob")}
    output = build(tmp_path, files, **settings)
    said = [r.getMessage() for r in flattr_log.records]
    assert said == [
        f"pelican-flattr: {setting} holds the plain email address of an owner, "
        "which the site's own thing (FLATTR_USERNAME's) sends to Flattr in its "
        "auto-submit URL, in the feeds and the manifest: write the address "
        'another way ("carol at example dot org")'
    ]
    import feedparser

    feed = feedparser.parse((output / "feeds" / "all.atom.xml").read_bytes())
    site_link = next(link for link in feed.feed.links if link.rel == "payment")
    sent = parse_qs(urlsplit(site_link.href).query)
    field = "title" if setting == "SITENAME" else "description"
    assert sent[field][0].startswith(("Write to alice", "alice@"))
    flattr_log.clear()
    with pytest.raises(FlattrBuildError):
        build(tmp_path / "strict", files, FLATTR_STRICT=True, **settings)
    assert [r.levelname for r in flattr_log.records if setting in r.getMessage()] == [
        "ERROR"
    ]
    # Another's address, no owner's: text like any other.
    flattr_log.clear()
    settings[setting] = value.replace("alice", "desk")
    build(tmp_path / "other", files, **settings)
    assert not flattr_log.records


@pytest.mark.parametrize(
    "no_site_thing", [{"FLATTR_FEEDS": False}, {"FEED_ALL_ATOM": None}]
)
def test_an_owner_address_only_a_site_thing_never_offered_holds_is_no_problem(
    tmp_path, flattr_log, no_site_thing
):
    """Only the feeds offer the site's own thing: a build that writes none,
    or none with payment links, sends SITESUBTITLE to Flattr nowhere, and a
    strict build must not fail for it."""
    from conftest import build

    settings = {
        "FLATTR_USERNAME": "email:site@example.org",
        "FLATTR_AUTHORS": {"Carol": "email:carol@example.org"},
        "FEED_ALL_ATOM": "feeds/all.atom.xml",
        "SITESUBTITLE": "Mail the editor: carol@example.org",
        "FLATTR_STRICT": True,
        **no_site_thing,
    }
    output = build(tmp_path, {"c.md": article("Carol's", "Carol")}, **settings)
    assert not [r for r in flattr_log.records if "SITESUBTITLE" in r.getMessage()]
    header = json.loads((output / "flattr-manifest.json").read_text())
    assert "site_payment_link" not in header
    assert b"carol@" not in (output / "flattr-manifest.json").read_bytes()


def test_a_source_copied_from_a_static_path_with_an_owner_address_is_named(
    tmp_path, flattr_log
):
    """With STATIC_EXCLUDE_SOURCES off, a static path that holds content
    copies each source file as it is, drafts too: the copy is named as an
    OUTPUT_SOURCES copy is."""
    from conftest import build

    files = {
        "posts/a.md": article(
            "Owner in metadata", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
        "posts/draft.md": article(
            "Draft owner",
            "Zed",
            flattr_owner="email:dave.secret@example.org",
            status="draft",
        ),
        "posts/hashed.md": article(
            "Owner hashed already", "Zed", flattr_owner="email:" + MD5_OF_DAVE
        ),
        # Outside the static path: Pelican copies nothing of it.
        "other/b.md": article(
            "Not copied", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
    }
    settings = {
        "STATIC_PATHS": ["posts"],
        "ARTICLE_PATHS": ["posts", "other"],
        "STATIC_EXCLUDE_SOURCES": False,
        "FLATTR_USERNAME": "siteowner",
    }
    output = build(tmp_path, files, **settings)
    assert b"dave.secret@" in (output / "posts" / "a.md").read_bytes()
    hashed = f"email:{MD5_OF_DAVE} (the hash Flattr receives)"
    static = "STATIC_EXCLUDE_SOURCES = False, with the file in STATIC_PATHS,"
    assert _published_source_warnings(flattr_log, static) == [
        _published_warning("posts/a.md", "posts/a.md", hashed, static),
        _published_warning("posts/draft.md", "posts/draft.md", hashed, static),
    ]
    # With both, each copy is named for the setting that wrote it.
    flattr_log.clear()
    build(tmp_path, {}, OUTPUT_SOURCES=True, **settings)
    assert _flattr_messages(flattr_log) == [
        _published_warning("other/b.md", "not-copied.text", hashed),
        _published_warning("posts/a.md", "owner-in-metadata.text", hashed),
        _published_warning("posts/a.md", "posts/a.md", hashed, static),
        _published_warning("posts/draft.md", "posts/draft.md", hashed, static),
    ]
    # Pelican's default leaves content sources out of its static paths.
    flattr_log.clear()
    build(tmp_path / "default", files, **dict(settings, STATIC_EXCLUDE_SOURCES=True))
    assert not (tmp_path / "default" / "output" / "posts" / "a.md").exists()
    assert _flattr_messages(flattr_log) == []


def test_an_owner_address_in_another_field_is_hashed_and_its_copy_named(
    tmp_path, flattr_log
):
    """An owner given in a misspelt field, or in one of the plugin's fields
    of words ("Flattr: email:..."), is refused, hashed where Pelican keeps
    it, and named in the copy OUTPUT_SOURCES publishes."""
    from conftest import build

    files = {
        "ownr.md": article(
            "Misspelt owner", "Zed", flattr_ownr="email:dave.secret@example.org"
        ),
        "opt.md": article(
            "Owner as opt out", "Zed", flattr="email:dave.secret@example.org"
        ),
        "hidden.md": article(
            "Owner as hidden", "Zed", flattr_hidden="email:dave.secret@example.org"
        ),
    }
    settings = {
        "OUTPUT_SOURCES": True,
        "FLATTR_USERNAME": "siteowner",
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
    }
    build(tmp_path, files, **settings)
    unknown = "email:MD5HEX (the address's MD5 hash)"
    assert _published_source_warnings(flattr_log) == [
        _published_warning("hidden.md", "owner-as-hidden.text", unknown),
        _published_warning("opt.md", "owner-as-opt-out.text", unknown),
        _published_warning("ownr.md", "misspelt-owner.text", unknown),
    ]
    cache = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert cache
    for path in cache + [p for p in (tmp_path / "output").rglob("*.html")]:
        assert b"dave.secret" not in _file_bytes(path), path
    assert not any("secret" in m for m in _flattr_messages(flattr_log))


def test_a_published_rest_owner_address_is_found_through_its_escapes(
    tmp_path, flattr_log
):
    """reStructuredText drops a backslash before any character, and an
    escaped line break with the spaces after it: the owner is hashed from
    the address, while the published copy spells it with the escapes."""
    from conftest import build

    def rest(title, owner):
        return (
            f"{title}\n{'#' * len(title)}\n\n:date: 2024-03-02\n:authors: Zed\n"
            f":flattr_owner: {owner}\n\nWords in reST, enough.\n"
        )

    files = {
        "at.rst": rest("Escaped at", "email:dave.secret\\@example.org"),
        "letter.rst": rest("Escaped letter", "email:d\\ave.secret@example.org"),
        "broken.rst": rest("Over two lines", "email:dave.secret@exa\\\n  mple.org"),
    }
    output = build(tmp_path, files, OUTPUT_SOURCES=True)
    # Each is the owner Flattr receives for the address.
    assert {entry["owner"]["value"] for entry in manifest_things(output).values()} == {
        f"email:{MD5_OF_DAVE}"
    }
    hashed = f"email:{MD5_OF_DAVE} (the hash Flattr receives)"
    assert _published_source_warnings(flattr_log) == [
        _published_warning("at.rst", "escaped-at.text", hashed),
        _published_warning("broken.rst", "over-two-lines.text", hashed),
        _published_warning("letter.rst", "escaped-letter.text", hashed),
    ]


def test_a_published_owner_address_is_found_in_any_syntax(tmp_path, flattr_log):
    from conftest import build

    html = (
        "<html><head><title>An HTML article</title>\n"
        '<meta name="date" content="2024-03-01" />\n'
        '<meta name="authors" content="Zed" />\n'
        # Over two lines, and "@" as a character reference.
        '<meta name="flattr_owner"\n'
        '      content="email:dave.secret&#64;example.org" />\n'
        "</head><body><p>Words in HTML, enough of them.</p></body></html>\n"
    )
    rest = (
        "A reST article\n##############\n\n:date: 2024-03-02\n:authors: Zed\n"
        ":flattr_owner: email:dave.secret@example.org\n\nWords in reST, enough.\n"
    )
    files = {
        "html-article.html": html,
        "rest-article.rst": rest,
        # Its owner hashed, and its address in the text, spelt as Markdown,
        # a link or a dash may spell it.
        "emphasis.md": article(
            "In emphasis",
            "Zed",
            "Mail _dave.secret@example.org_ or not.",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        "mailto.md": article(
            "In a link",
            "Zed",
            "[Mail](mailto:dave.secret%40example.org) me.",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        "dashed.md": article(
            "With a dash",
            "Zed",
            "Mail dave.secret@example.org--or call.",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        # No space around it, as in Chinese text.
        "cjk.md": article(
            "CJK text",
            "Zed",
            "请发邮件到dave.secret@example.org联系我。",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        # With a character a reader does not see inside it.
        "unseen.md": article(
            "Unseen character",
            "Zed",
            "Mail dave.se\u200bcret@example.org today.",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        # A domain the audit's address pattern does not take ("_").
        "underscore.md": article(
            "Underscore domain", "Zed", flattr_owner="email:dave@mail_srv.example.org"
        ),
        # Its owner hashed; a fenced block shows how to write one.
        "fenced.md": article(
            "How to write an owner",
            "Zed",
            "```\nFlattr_owner: email:you@example.org\n```",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
        # Already hashed; the body shows readers how an address is written.
        "howto.md": article(
            "How to name an owner",
            "Zed",
            "Write `Flattr_owner: email:you@example.org` in your article.",
            flattr_owner="email:" + MD5_OF_DAVE,
        ),
    }
    settings = {"OUTPUT_SOURCES": True, "FLATTR_USERNAME": "siteowner"}
    build(tmp_path, files, **settings)
    warned = _published_source_warnings(flattr_log)
    assert [m.split(":")[1].strip() for m in warned] == [
        "cjk.md",
        "dashed.md",
        "emphasis.md",
        "html-article.html",
        "mailto.md",
        "rest-article.rst",
        "underscore.md",
        "unseen.md",
    ]
    # Nothing to fix in howto.md: a strict build of it alone passes.
    flattr_log.clear()
    build(
        tmp_path / "alone",
        {"howto.md": files["howto.md"]},
        FLATTR_STRICT=True,
        **settings,
    )
    assert _published_source_warnings(flattr_log) == []
    # Nor where the owner comes from the settings, which are not published,
    # be it an address (hashed by the plugin) or its hash.
    # An empty extension is none: Pelican writes the copy as "no-extension".
    flattr_log.clear()
    build(
        tmp_path / "bare",
        {"a.md": article("No extension", "Zed", flattr_owner="email:d@example.org")},
        OUTPUT_SOURCES_EXTENSION="",
        **settings,
    )
    (warning,) = _published_source_warnings(flattr_log)
    assert "(no-extension)" in warning
    flattr_log.clear()
    owners = ["email:dave.secret@example.org", f"email:{MD5_OF_DAVE}"]
    for number, owner in enumerate(owners):
        build(
            tmp_path / f"defaults{number}",
            {
                "plain.md": article(
                    "No owner line",
                    "Zed",
                    "Our flattr_owner comes from the settings; mail me@example.org.",
                )
            },
            FLATTR_STRICT=True,
            DEFAULT_METADATA={"flattr_owner": owner},
            **settings,
        )
        assert _published_source_warnings(flattr_log) == []
    # An address that could not be hashed (no "email:") is an error of its
    # own; other texts around an "@" are not the owner's address.
    build(
        tmp_path / "unhashed",
        {
            "plain.md": article(
                "Other addresses", "Zed", "Use `@property`, or info@example.org."
            )
        },
        DEFAULT_METADATA={"flattr_owner": "dave.secret@example.org"},
        **settings,
    )
    assert _published_source_warnings(flattr_log) == []


def test_a_published_source_pelican_could_not_copy_leaves_the_others_checked(
    tmp_path, flattr_log
):
    """Pelican warns of a source file it could not copy (here, another
    article's folder is where the copy goes) and goes on: so does the check of
    the copies, which names the next source that holds its owner's address."""
    from conftest import build

    files = {
        "a.md": article(
            "Copy blocked",
            "Zed",
            flattr_owner="email:" + MD5_OF_DAVE,
            save_as="notes.html",
            url="notes.html",
        ),
        "b.md": article(
            "In the way",
            "Zed",
            save_as="notes.text/index.html",
            url="notes.text/",
        ),
        "c.md": article(
            "Owner in metadata", "Zed", flattr_owner="email:dave.secret@example.org"
        ),
    }
    output = build(tmp_path, files, OUTPUT_SOURCES=True, FLATTR_USERNAME="siteowner")
    assert (output / "notes.text").is_dir()
    hashed = f"email:{MD5_OF_DAVE} (the hash Flattr receives)"
    assert _published_source_warnings(flattr_log) == [
        _published_warning("c.md", "owner-in-metadata.text", hashed)
    ]


def test_an_owner_address_never_reaches_the_readers_cache_of_a_build_that_stops(
    tmp_path,
):
    """Pelican saves the articles' readers' cache as soon as it has read
    them; the build may stop before the plugin sees every file (here
    ``pelican --fatal errors``, at a page with no title), and the cache file
    stays as it was written."""
    content = tmp_path / "content"
    (content / "pages").mkdir(parents=True)
    owner = "email:dave.secret@example.org"
    (content / "a.md").write_text(article("Owner here", "Zed", flattr_owner=owner))
    (content / "pages" / "z.md").write_text("Author: Zed\n\nNo title.\n")
    pelican = Path(sys.executable).with_name("pelican")
    result = subprocess.run(
        [
            str(pelican),
            str(content),
            "-o",
            str(tmp_path / "output"),
            "--cache-path",
            str(tmp_path / "cache"),
            "--fatal",
            "errors",
            "-e",
            'PLUGINS=["pelican_flattr"]',
            'SITEURL="https://example.org"',
            'TIMEZONE="UTC"',
            "CACHE_CONTENT=true",
            "LOAD_CONTENT_CACHE=true",
            'CONTENT_CACHING_LAYER="reader"',
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "'title'" in result.stdout + result.stderr  # it stopped at the page
    assert "secret@" not in result.stdout + result.stderr
    cache = tmp_path / "cache" / "ArticlesGenerator-Readers"
    assert cache.is_file()
    assert b"secret@" not in _file_bytes(cache)


def test_settings_changed_between_runs_of_one_pelican_keep_addresses_out(tmp_path):
    """Code that runs one Pelican object again after changing its settings:
    Pelican copies them into a new context for each run, and pickles that
    with the articles it caches."""
    from pelican import Pelican
    from pelican.settings import read_settings

    content = tmp_path / "content"
    content.mkdir()
    (content / "zed.md").write_text(article("Zed writes here", "Zed"))
    override = {
        "PATH": str(content),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
        "SITEURL": "https://example.org",
        "PLUGINS": ["pelican_flattr"],
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
        "FLATTR_AUTHORS": {"Zed": "zed_flattrs"},
    }
    pelican = Pelican(settings=read_settings(path=None, override=override))
    pelican.run()
    pelican.settings["FLATTR_AUTHORS"] = {"Zed": "email:zed.secret@example.org"}
    pelican.settings["FLATTR_WEBHOOK_TOKEN"] = "tokenfortestsonly" * 3
    (content / "zed.md").write_text(article("Zed writes here again", "Zed"))
    pelican.run()
    (thing,) = manifest_things(tmp_path / "output").values()
    digest = hashlib.md5(b"zed.secret@example.org").hexdigest()
    assert thing["owner"]["value"] == f"email:{digest}"
    _assert_no_secret_address_written(tmp_path, "generator")
    for path in tmp_path.rglob("cache/**/*"):
        if path.is_file():
            assert b"tokenfortestsonly" not in _file_bytes(path), path


def test_the_web_hook_token_never_reaches_the_cache(tmp_path):
    from conftest import build

    token = "tokenfortestsonly" * 3
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
        "FLATTR_AUTHORS": {"Zed": "zed_flattrs"},
        "FLATTR_WEBHOOK_TOKEN": token,  # for `webhook serve --settings`
    }
    build(tmp_path, {"zed.md": article("Zed writes here", "Zed")}, **settings)
    cache_files = [p for p in tmp_path.rglob("cache/**/*") if p.is_file()]
    assert {p.name for p in cache_files} >= {"ArticlesGenerator"}
    for path in cache_files + [p for p in tmp_path.rglob("output/**/*") if p.is_file()]:
        assert token.encode() not in _file_bytes(path), path


def test_an_address_in_a_misspelt_setting_never_reaches_the_cache(tmp_path, flattr_log):
    """A FLATTR_ name the plugin does not read is most likely one that it
    does, misspelt: the build ignores it with a warning, but Pelican still
    pickles it with every article it caches."""
    from conftest import build

    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "generator",
        "FLATTR_AUTHOR": {"Zed": "email:zed.secret@example.org"},
        "FLATTR_USERNAMES": "email:site.secret@example.org",
        "FLATTR_OWNERS": ["email:amy.secret@example.org"],
        # FLATTR itself misspelt, or its underscore left out.
        "FLATR_AUTHORS": {"Zed": "email:flatr.secret@example.org"},
        "FLATTRAUTHORS": {"Zed": "email:joined.secret@example.org"},
        "FLATTRUSERNAME": "email:joined.site.secret@example.org",
    }
    build(tmp_path, {"zed.md": article("Zed writes here", "Zed")}, **settings)
    _assert_no_secret_address_written(tmp_path, "generator")
    messages = _flattr_messages(flattr_log)
    assert not any("@" in message for message in messages)
    # Still named, with the setting meant.
    for name, meant in [
        ("FLATTR_AUTHOR", "FLATTR_AUTHORS"),
        ("FLATTRAUTHORS", "FLATTR_AUTHORS"),
        ("FLATTRUSERNAME", "FLATTR_USERNAME"),
    ]:
        assert any(
            f"{name} is no setting of pelican-flattr" in m
            and f"did you mean {meant}?" in m
            for m in messages
        ), name


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_a_misspelt_metadata_field_is_named_and_its_address_hidden(
    tmp_path, flattr_log, cache_layer
):
    """``Flattr_ownr:`` was ignored without a word: the article went to its
    author's owner, and the address it held went into the content cache."""
    from conftest import build

    files = {
        "zed.md": article(
            "Zed writes here", "Zed", Flattr_ownr="email:zed.secret@example.org"
        ),
        "amy.md": article("Amy writes here", "Amy", **{"Flattr-category": "images"}),
    }
    settings = {
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": cache_layer,
        "FLATTR_AUTHORS": {"Zed": "zed", "Amy": "amy"},
    }
    output = build(tmp_path, files, **settings)
    _assert_no_secret_address_written(tmp_path, cache_layer)
    messages = _flattr_messages(flattr_log)
    assert not any("@" in message for message in messages)
    assert (
        "pelican-flattr: zed.md: metadata 'flattr_ownr' is no field of "
        "pelican-flattr, so it is ignored; did you mean 'flattr_owner'?"
    ) in messages
    assert (
        "pelican-flattr: amy.md: metadata 'flattr-category' is no field of "
        "pelican-flattr, so it is ignored; did you mean 'flattr_category'?"
    ) in messages
    # Ignored, as said: each article keeps its author's owner.
    things = manifest_things(output)
    assert things["zed.md"]["owner"]["value"] == "zed"
    assert things["amy.md"]["category"] == "text"
    # A rebuild from the cache says it again.
    flattr_log.clear()
    build(tmp_path, files, **settings)
    assert any("'flattr_ownr'" in m for m in _flattr_messages(flattr_log))
    with pytest.raises(FlattrBuildError):
        build(tmp_path, files, **settings, FLATTR_STRICT=True)


def test_content_whose_page_is_not_written_gets_no_thing(site, flattr_log, capsys):
    """An empty SAVE_AS (or Save_as:) is Pelican's documented way to write no
    page for some content: no thing for it, no error, and the manifest
    still passes its own audit."""
    files = {
        "a.md": article("Article A", "Alice"),
        "pages/about.md": article("About", "Alice", save_as="", url=""),
        "pages/team.md": article("Team", "Alice"),
    }
    output = site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        ARTICLE_SAVE_AS="",
        FEED_ALL_ATOM="feeds/all.atom.xml",
    )
    assert set(manifest_things(output)) == {"pages/team.md"}
    assert [r for r in flattr_log.records if r.levelname == "ERROR"] == []
    assert audit_command(["audit", str(output)]) == 0, capsys.readouterr()


def test_an_address_in_a_source_path_reaches_no_log_line_nor_report(
    tmp_path, flattr_log, capsys
):
    # A folder or file may be named by an author's address: the build's
    # warnings, the URL guard's, the diff's rows and the audit's file column
    # named it as it is.
    from conftest import build

    files = {
        "carol@example.org/notes.md": article("Notes from Carol", "Carol"),
        "mail-carol@example.org.md": article(
            "Mail Carol", "Nobody", slug="mail-carol@example.org"
        ),
    }
    authors = {"Carol": "email:carol@example.org"}
    output = build(tmp_path, files, FLATTR_AUTHORS=authors)
    first = tmp_path / "first.json"
    first.write_bytes((output / "flattr-manifest.json").read_bytes())
    capsys.readouterr()
    # Pelican publishes the address in the slug's page name and links: the
    # audit says so, naming each file without it.
    assert audit_command(["audit", str(output), "--json"]) == 1
    out = capsys.readouterr().out
    assert '"file": "[address]"' in out and "carol@" not in out
    (tmp_path / "content" / "carol@example.org" / "notes.md").unlink()
    del files["carol@example.org/notes.md"]
    build(tmp_path, files, FLATTR_AUTHORS=authors)
    messages = _flattr_messages(flattr_log)
    assert any("gone from this build" in m for m in messages)  # the guard spoke
    assert any("has no Flattr owner" in m for m in messages)
    assert not [m for m in messages if "carol@" in m]
    capsys.readouterr()
    for extra in ([], ["--json"]):
        assert (
            audit_command(
                ["diff", str(first), str(output / "flattr-manifest.json"), *extra]
            )
            == 1
        )
        out = capsys.readouterr().out
        assert "[address]" in out and "carol@" not in out


def test_an_absolute_url_keeps_its_written_page_from_a_pin(site, flattr_log):
    # The thing URL of a link post (URL: https://other.example/...) is its
    # written page's, and that page's own: a pin of it is refused, as of
    # any page's. It was SITEURL + "/" + the URL, and the pin took the page.
    files = {
        "ext.md": article(
            "Cross-posted",
            "Alice",
            url="https://other.example/ext.html",
            save_as="ext.html",
        ),
        "pin.md": article("Pinning", "Bob", flattr_url=f"{SITEURL}/ext.html"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    things = manifest_things(output)
    assert set(things) == {"ext.md"}
    assert things["ext.md"]["url"] == f"{SITEURL}/ext.html"
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "pin.md" in errors[0] and "'flattr_url'" in errors[0]
    assert "ext.md's own page" in errors[0]


def test_an_absolute_url_and_save_as_give_no_thing_and_an_error(
    site, flattr_log, capsys
):
    # Pelican writes Save_as: https://other.example/ext.html at
    # output/https:/other.example/ext.html: no address of the site is that
    # page, and the thing URL was SITEURL + "/" + the URL.
    url = "https://other.example/ext.html"
    files = {
        "a.md": article("Plain article", "Alice"),
        "ext.md": article("Cross-posted", "Alice", url=url, save_as=url),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS)
    assert set(manifest_things(output)) == {"a.md"}
    errors = [r.getMessage() for r in flattr_log.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert errors[0].startswith("pelican-flattr: ext.md: its 'url' ")
    assert "'save_as'" in errors[0] and "Save_as:" in errors[0]
    assert "no Flattr button" in errors[0]
    assert audit_command(["audit", str(output)]) == 0, capsys.readouterr()
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_STRICT=True)


def _save_as_warnings(flattr_log) -> list[str]:
    return [m for m in _flattr_messages(flattr_log) if "sets no 'URL:'" in m]


def test_a_save_as_without_a_url_is_said_in_the_file_s_own_syntax(site, flattr_log):
    # A reStructuredText file was told to give a 'URL:' line, which its
    # reader takes for text of the body.
    zero = (
        "Zero\n####\n\n:author: Alice\n:date: 2024-03-01 10:00\n"
        ":save_as: specials/zero.html\n\nSome text.\n"
    )
    site({"zero.rst": zero}, FLATTR_AUTHORS=AUTHORS)
    assert [m for m in _flattr_messages(flattr_log) if "zero.rst" in m] == [
        "pelican-flattr: zero.rst: its ':save_as:' writes its page to "
        "'specials/zero.html', but it sets no ':url:', so its URL is "
        "'zero.html' (from ARTICLE_URL), where no page is written: its Flattr "
        "thing has that URL, which nobody can reach; give it a ':url:' that "
        "leads to its page ('specials/zero.html'), or ':flattr: no'"
    ]


def test_a_save_as_without_a_url_is_warned_of(site, flattr_log, capsys):
    # Pelican's documented home page sets only Save_as: its URL still
    # follows PAGE_URL, where no page is written, and its thing URL, button
    # and og:url named that address, which nobody can reach; the audit
    # passed. The thing stays: a server may rewrite the URL to the page.
    home = "Title: Welcome home\nAuthor: Alice\nSave_as: index.html\n\nLanding text.\n"
    files = {
        "pages/home.md": home,
        "zero.md": article("Zero", "Alice", save_as="specials/zero.html"),
        # A URL of its own, or one that leads to the page all the same.
        "one.md": article("One", "Alice", save_as="one/index.html", url="one/"),
        "two.md": article("Two", "Alice", slug="two", save_as="two.html"),
        # A pinned thing URL is the thing's, wherever the page is.
        "pin.md": article("Pin", "Alice", save_as="p.html", flattr_url=f"{SITEURL}/p"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True)
    things = manifest_things(output)
    assert len(things) == 5
    assert things["pages/home.md"]["url"] == f"{SITEURL}/pages/welcome-home.html"
    assert not (output / "pages" / "welcome-home.html").exists()
    assert sorted(_save_as_warnings(flattr_log)) == [
        "pelican-flattr: pages/home.md: its 'Save_as:' writes its page to "
        "'index.html', but it sets no 'URL:', so its URL is "
        "'pages/welcome-home.html' (from PAGE_URL), where no page is written: "
        "its Flattr thing has that URL, which nobody can reach; give it a "
        "'URL:' that leads to its page ('index.html'), or 'Flattr: no'",
        "pelican-flattr: zero.md: its 'Save_as:' writes its page to "
        "'specials/zero.html', but it sets no 'URL:', so its URL is "
        "'zero.html' (from ARTICLE_URL), where no page is written: its Flattr "
        "thing has that URL, which nobody can reach; give it a 'URL:' that "
        "leads to its page ('specials/zero.html'), or 'Flattr: no'",
    ]
    with pytest.raises(FlattrBuildError):
        site(files, FLATTR_AUTHORS=AUTHORS, FLATTR_PAGES=True, FLATTR_STRICT=True)


def test_a_save_as_from_extra_path_metadata_is_named_for_its_entry(site, flattr_log):
    # The warning said "its 'Save_as:'", a line the file does not hold.
    files = {"pages/home.md": "Title: Welcome home\nAuthor: Alice\n\nLanding.\n"}
    site(
        files,
        FLATTR_AUTHORS=AUTHORS,
        FLATTR_PAGES=True,
        EXTRA_PATH_METADATA={"pages/home.md": {"save_as": "home.html"}},
    )
    assert _save_as_warnings(flattr_log) == [
        "pelican-flattr: pages/home.md: its save_as, from "
        "EXTRA_PATH_METADATA['pages/home.md'], writes its page to 'home.html', "
        "but it sets no 'URL:', so its URL is 'pages/welcome-home.html' (from "
        "PAGE_URL), where no page is written: its Flattr thing has that URL, "
        "which nobody can reach; give it a url (in "
        "EXTRA_PATH_METADATA['pages/home.md'], or a 'URL:' line) that leads to "
        "its page ('home.html'), or 'Flattr: no'"
    ]


# Pretty URLs: a folder's URL is its index.html.
_FOLDERS = {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.html"}
# A server that adds ".html" to every URL, as the settings say.
_ADDS_HTML = {"ARTICLE_URL": "{slug}", "ARTICLE_SAVE_AS": "{slug}.html"}
# Settings that map URLs to files some other way: nothing to go by.
_OTHERWISE = {"ARTICLE_URL": "posts/{slug}.html", "ARTICLE_SAVE_AS": "{slug}.html"}
# Or by a field the URL does not hold: nothing either.
_BY_FIELD = {"ARTICLE_URL": "{slug}", "ARTICLE_SAVE_AS": "{slug}.{lang}.html"}
# A URL setting with a leading slash names the same files.
_ROOTED = {"ARTICLE_URL": "/{slug}.html", "ARTICLE_SAVE_AS": "{slug}.html"}
# A folder's URL leads to its index.html whatever its own pages are called.
_INDEX_HTM = {"ARTICLE_URL": "{slug}/", "ARTICLE_SAVE_AS": "{slug}/index.htm"}


@pytest.mark.parametrize(
    ("layout", "save_as", "warned"),
    [
        (_FOLDERS, "zero/index.html", False),
        (_FOLDERS, "specials/zero/index.html", True),
        (_ADDS_HTML, "zero.html", False),
        (_ADDS_HTML, "specials/zero.html", True),
        (_ADDS_HTML, "zero", False),  # the URL is the page
        (_OTHERWISE, "specials/zero.html", False),
        (_BY_FIELD, "zero.html", False),
        (_ROOTED, "zero.html", False),
        (_ROOTED, "specials/zero.html", True),
        (_INDEX_HTM, "zero/index.html", False),
    ],
)
def test_a_save_as_without_a_url_is_read_as_the_settings_map_urls(
    site, flattr_log, layout, save_as, warned
):
    files = {"zero.md": article("Zero", "Alice", save_as=save_as)}
    output = site(files, FLATTR_AUTHORS=AUTHORS, **layout)
    assert list(manifest_things(output)) == ["zero.md"]
    assert bool(_save_as_warnings(flattr_log)) is warned


def test_a_save_as_without_a_url_is_read_as_its_url_is_written(site, flattr_log):
    # An escaped slug's URL names its page as a server decodes it; a URL
    # of its own is the writer's word, wherever the page is; and a
    # folder's page is advised as the folder's URL.
    files = {
        "cafe.md": article(
            "Café", "Alice", slug="caf%C3%A9", save_as="café/index.html"
        ),
        "own.md": article("Own", "Alice", url="elsewhere.html", save_as="p/own.html"),
        "zero.md": article("Zero", "Alice", save_as="specials/zero/index.html"),
    }
    output = site(files, FLATTR_AUTHORS=AUTHORS, **_FOLDERS)
    assert set(manifest_things(output)) == set(files)
    (warning,) = _save_as_warnings(flattr_log)
    assert warning.startswith("pelican-flattr: zero.md: ")
    assert warning.endswith(
        "give it a 'URL:' that leads to its page ('specials/zero/'), or 'Flattr: no'"
    )


# --- build.py's mutation review (second pass): what its wiring promises ---


def test_a_strict_build_run_by_another_programs_autoreload_names_no_pelican_loop(
    tmp_path, flattr_log
):
    # Only Pelican's own loop (pelican.autoreload) is told to stop: another
    # program that rebuilds from a function of that name is no `pelican
    # --autoreload`, and the last word must not tell its operator to start
    # one again.
    from conftest import build

    def autoreload():
        bad = {"a.md": article("Alice writes", "Alice", flattr_category="nonsense")}
        build(tmp_path, bad, FLATTR_AUTHORS={"Alice": "alice"}, FLATTR_STRICT=True)

    with pytest.raises(FlattrBuildError):
        autoreload()
    (last,) = [r.getMessage() for r in flattr_log.records if r.levelname == "CRITICAL"]
    assert last.startswith("pelican-flattr: 1 problem and FLATTR_STRICT is on: ")
    assert "autoreload" not in last, last


def test_a_strict_build_failing_on_the_checks_of_its_end_names_the_guard_unrun(
    tmp_path, flattr_log
):
    # An owner's address in another article's title is found once the
    # pages are written, and fails the build before its URL guard compares:
    # the last word says the guard did not run, or mending the title
    # brought a changed thing URL to light as a new failure.
    from conftest import build

    files = {
        "a.md": article("Dave's", "Zed", flattr_owner="email:dave.secret@example.org"),
        "b.md": article("Write to dave.secret@example.org", "Zed"),
    }
    options = {"FLATTR_USERNAME": "siteowner", "FLATTR_STRICT": True}
    with pytest.raises(FlattrBuildError, match="1 problem"):
        build(tmp_path, files, **options)
    (last,) = [r.getMessage() for r in flattr_log.records if r.levelname == "CRITICAL"]
    assert last == (
        "pelican-flattr: 1 problem and FLATTR_STRICT is on: build failed (the URL "
        "guard did not run: more problems may follow once it is mended)"
    )


def test_a_strict_build_interrupted_in_its_url_guard_leaves_no_manifest_of_its_own(
    tmp_path, flattr_log, capsys
):
    # The manifest was written before the guard ran: Ctrl-C then (Pelican
    # exits 0 when interrupted) left the new pages with a manifest of their
    # own, which the audit passed, and a deploy gated on both published a
    # changed thing URL that the guard never said. Here Ctrl-C comes as the
    # guard says the change.
    from conftest import build

    options = {"FLATTR_AUTHORS": {"Alice": "alice"}, "FLATTR_STRICT": True}
    output = build(tmp_path, {"a.md": article("Alice writes", "Alice")}, **options)
    manifest = (output / "flattr-manifest.json").read_bytes()

    class CtrlC(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "thing URL changed" in record.getMessage():
                raise KeyboardInterrupt

    moved = {"a.md": article("Alice writes", "Alice", slug="moved")}
    interrupt = CtrlC()
    logging.getLogger("pelican_flattr").addHandler(interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            build(tmp_path, moved, **options)
    finally:
        logging.getLogger("pelican_flattr").removeHandler(interrupt)
    assert (output / "moved.html").is_file()
    assert (output / "flattr-manifest.json").read_bytes() == manifest
    capsys.readouterr()
    assert audit_command(["audit", str(output), "--json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any(problem["file"] == "moved.html" for problem in problems), problems


def test_a_language_sites_own_author_entry_reads_alike_after_an_earlier_build(
    tmp_path,
):
    # Only the German site loads the plugin: in a fresh process it is the
    # one site of the run the plugin sees, and names its FLATTR_AUTHORS
    # entries as any site's. After an earlier build in the process, the
    # main site (without the plugin) is seen too, idle: the same site must
    # say the same, not name its entry as a language's own beside a main
    # site that says nothing.
    from conftest import run_child

    settings = {
        "PLUGINS": ["i18n_subsites"],
        "I18N_SUBSITES": {
            "de": {
                "PLUGINS": ["i18n_subsites", "pelican_flattr"],
                "FLATTR_AUTHORS": {"Alice": "alice", "Bernd": "not an owner!"},
            }
        },
        "FLATTR_AUTHORS": {"Alice": "alice"},
    }
    fresh = i18n_build(tmp_path / "fresh", I18N_FILES, **settings)
    assert fresh.status == 0
    entry = "FLATTR_AUTHORS['Bernd'] 'not an owner!' is not a valid Flattr username"
    said = [m for m in fresh.messages if "nur.md" in m]
    assert said[0].startswith(
        f"pelican-flattr: nur.md: author 'Bernd' has an unusable entry: {entry}"
    ), fresh.messages
    later = run_child(_AFTER_AN_EARLIER_BUILD, tmp_path, [I18N_FILES, settings])
    assert later == fresh.messages


@pytest.mark.parametrize("cache_layer", ["reader", "generator"])
def test_a_cached_articles_static_og_image_is_the_file_of_this_build(
    tmp_path, flattr_log, cache_layer
):
    # The generators' cache keeps each article with the context of the
    # build that cached it, whose static files were not read yet: the link
    # was looked up there, warned of as no file of the site, and published
    # without STATIC_URL's folder.
    from conftest import build

    files = {
        "images/soldering.png": "not really a PNG",
        "a.md": article(
            "Cached cover", "Alice", og_image="{static}/images/soldering.png"
        ),
    }
    settings = dict(
        generator_cache(tmp_path),
        CONTENT_CACHING_LAYER=cache_layer,
        FLATTR_AUTHORS={"Alice": "alice"},
        STATIC_PATHS=["images"],
        STATIC_URL="static/{path}",
        STATIC_SAVE_AS="static/{path}",
    )
    build(tmp_path, files, **settings)
    flattr_log.clear()
    output = build(tmp_path, {}, **settings)
    image = f"{SITEURL}/static/images/soldering.png"
    assert og(page(output / "cached-cover.html"), "og:image") == [image]
    assert (output / "static" / "images" / "soldering.png").is_file()
    assert flattr_log.records == []


def test_a_build_that_ignores_the_cache_forgets_a_deleted_file(tmp_path):
    # docs/privacy.md, "Erasing one person": Pelican's content cache keeps
    # a deleted file's text and metadata (its author) build after build
    # while it loads the cache (without LOAD_CONTENT_CACHE it is written
    # anew every time);
    # one build with --ignore-cache writes it anew from the files there.
    content, output = tmp_path / "content", tmp_path / "output"
    content.mkdir()
    (content / "stays.md").write_text(article("Alice stays", "Alice"))
    (content / "leaves.md").write_text(article("Dora leaves", "Dora Departed"))
    cache = tmp_path / "cache"
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\n"
        f'CACHE_PATH = {str(cache)!r}\nFLATTR_USERNAME = "a"\n'
    )
    caching = ("-s", str(conf))  # in the file, as --ignore-cache overrides it

    def cached() -> str:
        with gzip.open(cache / "ArticlesGenerator-Readers") as file:
            return repr(pickle.load(file))

    assert run_pelican(content, output, *caching).returncode == 0
    (content / "leaves.md").unlink()
    assert run_pelican(content, output, *caching).returncode == 0
    assert "Dora Departed" in cached()
    assert run_pelican(content, output, *caching, "--ignore-cache").returncode == 0
    assert "Dora Departed" not in cached() and "Alice stays" in cached()


def test_a_description_cut_counts_words_as_pelicans_summary_does(site):
    # A no-break space parts words for Pelican's summary ("10 km" is two):
    # counted as one, the description ran a word past the summary.
    body = "Il fait 10\u00a0km et 20\u00a0km par jour, tous les jours de la semaine."
    output = site(
        {"a.md": article("Le vélo au quotidien", "Alice", body)},
        FLATTR_AUTHORS=AUTHORS,
        SUMMARY_MAX_LENGTH=4,
    )
    assert manifest_things(output)["a.md"]["description"] == "Il fait 10\u00a0km …"


# A build in a child Python, which says whether SQLite was loaded by its end.
SQLITE_LOADED_BY_BUILD = """
import json, sys
from pelican import main
sys.argv = ["pelican", sys.argv[1], "-s", sys.argv[2], "-q"]
try:
    main()
except SystemExit as exit:
    assert not exit.code, exit.code
print(json.dumps("sqlite3" in sys.modules))
"""


@pytest.mark.parametrize("store", [False, True], ids=["no-store", "store"])
def test_a_build_loads_sqlite_only_for_a_store(tmp_path, store):
    # SQLite is ~0.9 MB of a build's peak memory (~2 % of a 1,000-article
    # build's): a build that reads no store must not load it, as it did
    # while the manifest took its file-name rules from the store's module.
    from pelican_flattr.webhook_receiver import WebhookApp

    content = tmp_path / "content"
    content.mkdir()
    (content / "a.md").write_text(article("A walk", "Alice"), encoding="utf-8")
    settings = {
        "PATH": str(content),
        "OUTPUT_PATH": str(tmp_path / "output"),
        "CACHE_PATH": str(tmp_path / "cache"),
        "SITEURL": SITEURL,
        "TIMEZONE": "UTC",
        "PLUGINS": ["pelican_flattr"],
        "FLATTR_AUTHORS": {"Alice": "alice"},
    }
    if store:
        settings["FLATTR_STORE"] = str(tmp_path / "store.sqlite3")
        WebhookApp(settings["FLATTR_STORE"], "t" * 40).close()
    conf = tmp_path / "pelicanconf.py"
    conf.write_text(
        "".join(f"{name} = {value!r}\n" for name, value in settings.items()),
        encoding="utf-8",
    )
    child = subprocess.run(
        [sys.executable, "-c", SQLITE_LOADED_BY_BUILD, str(content), str(conf)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=child_env(),
    )
    assert child.returncode == 0, child.stderr
    assert (tmp_path / "output" / "a-walk.html").is_file()
    assert json.loads(child.stdout.splitlines()[-1]) is store


def test_the_cache_of_repeated_values_does_not_grow_with_the_things(site):
    # Owners, categories and languages repeat across things and are encoded
    # once; a thing's tags seldom do, and the cache kept each thing's list of
    # them (up to 4,096, with their encoding) to the end of the build.
    from pelican_flattr import thing

    def cached_after(count):
        thing._percent_encode_repeated.cache_clear()
        files = {
            f"p{n}.md": article(f"Post {n}", "Alice", tags=f"own{n}, also{n}")
            for n in range(count)
        }
        output = site(files, FLATTR_AUTHORS=AUTHORS)
        # Each thing's tags are in its button all the same.
        for n in range(count):
            (button,) = flattr_buttons(page(output / f"post-{n}.html"))
            href = button["href"]
            assert parse_qs(urlsplit(href).query)["tags"] == [f"own{n},also{n}"]
        return thing._percent_encode_repeated.cache_info().currsize

    assert cached_after(2) == cached_after(8)
